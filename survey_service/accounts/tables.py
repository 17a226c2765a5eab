"""Storage of staff accounts: users, their practices, sessions, login throttles, audit."""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from survey_service.practices.tables import Practice


class User(Table, tablename="account_user"):
    """A member of staff who logs in (``user`` is a reserved word in PostgreSQL)."""

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    #: always lower-cased, so one mailbox is one account
    email = Varchar(length=254, unique=True, index=True)
    #: the argon2id hash string (parameters and salt included), never the password
    password_hash = Varchar(length=200)
    #: one of ``survey_service.accounts.ROLES``
    role = Varchar(length=16)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Membership(Table, tablename="account_membership"):
    """A practitioner belongs to one or more practices (unique per pair)."""

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    user = ForeignKey(references=User, on_delete=OnDelete.cascade)
    practice = ForeignKey(references=Practice, on_delete=OnDelete.restrict)


class UserSession(Table, tablename="account_session"):
    """A login session when no Redis is configured; the cookie's id only as sha256."""

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    id_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade)
    created_at = Timestamptz()
    last_seen = Timestamptz()


class LoginThrottle(Table, tablename="account_login_throttle"):
    """Recent failed logins of one account or one (hashed) client address."""

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    #: ``account:<email>`` or ``address:<keyed hash>``
    key = Varchar(length=300, unique=True, index=True)
    failures = Integer(default=0)
    #: Unix time in milliseconds (an integer compares the same on both engines)
    last_failure_ms = BigInt(default=0)


class AuditEvent(Table, tablename="account_audit_event"):
    """Who did what when; rows are only ever added (a trigger refuses updates)."""

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    at = Timestamptz(index=True)
    #: the acting user's email, ``cli`` for the command line, or the address tried
    actor = Varchar(length=254)
    action = Varchar(length=40)
    target = Varchar(length=254, default="")
    detail = Text(default="")

"""Accounts as use cases: adding, disabling and listing users, logging in, the audit trail.

These functions own every query on the account tables. Logging in by
password is :func:`authenticate`; another method (OpenID Connect, see
docs/accounts.md) would be one more function that returns a :class:`User`
the same way, and everything after it (session, audit) stays as it is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from piccolo.query.functions.aggregate import Max

from survey_service.accounts.passwords import check_password, hash_password, verify_password
from survey_service.accounts.sessions import SessionStore
from survey_service.accounts.tables import AuditEvent, Membership, User
from survey_service.accounts.throttle import Throttle
from survey_service.db import write_transaction
from survey_service.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from survey_service.localtime import utc_now
from survey_service.practices.tables import Practice

__all__ = [
    "ROLES",
    "AccountView",
    "CannotDisableSelf",
    "DuplicateEmail",
    "LoginFailed",
    "LoginRequired",
    "UnknownPractice",
    "UnknownUser",
    "add_user",
    "authenticate",
    "disable_account",
    "disable_user",
    "enable_user",
    "get_user",
    "last_logins",
    "list_audit",
    "list_users",
    "practices_of",
    "record_audit",
]

ROLES = ("practitioner", "analyst", "admin")

# Deliberately loose: one @, something on each side, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class LoginFailed(NotAuthenticated):
    code = "login_failed"
    default_detail = "wrong email or password"


class LoginRequired(NotAuthenticated):
    """A page needs a logged-in user; browsers are sent to the login page."""

    code = "login_required"
    default_detail = "log in first"


class DuplicateEmail(Conflict):
    code = "duplicate_email"
    default_detail = "a user with this email exists already"


class UnknownPractice(InvalidInput):
    code = "unknown_practice"
    default_detail = "no practice has this code"


class UnknownUser(NotFound):
    code = "unknown_user"
    default_detail = "no user has this email"


class CannotDisableSelf(Conflict):
    """An administrator tried to disable their own account (no admin could be left)."""

    code = "cannot_disable_self"
    default_detail = "you cannot disable your own account"


@dataclass(frozen=True)
class AccountView:
    """A user as listings show it (no password hash)."""

    id: int
    email: str
    role: str
    active: bool
    created_at: dt.datetime
    practices: tuple[str, ...]


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def record_audit(
    actor: str, action: str, target: str = "", detail: str = "", at: dt.datetime | None = None
) -> None:
    """Add one event to the audit trail (never a password or a session id)."""
    await AuditEvent.insert(
        AuditEvent(at=at or utc_now(), actor=actor, action=action, target=target, detail=detail)
    )


async def list_audit(since: dt.date | None = None, limit: int = 1000) -> list[AuditEvent]:
    """Audit events, newest first, from the start of ``since`` (UTC) on."""
    query = (
        AuditEvent.objects()
        .order_by(AuditEvent.at, ascending=False)
        .order_by(AuditEvent.id, ascending=False)
    )
    if since is not None:
        start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
        query = query.where(AuditEvent.at >= start)
    return list(await query.limit(limit))


async def add_user(
    email: str,
    password: str,
    role: str,
    practices: Sequence[str] = (),
    *,
    actor: str = "cli",
) -> User:
    """Create an active user; practitioners need at least one practice code."""
    email = normalise_email(email)
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidInput.of({"email": f"{email!r} is not an email address"})
    if role not in ROLES:
        raise InvalidInput.of({"role": f"{role!r}: choose one of {', '.join(ROLES)}"})
    codes = list(dict.fromkeys(practices))
    if role == "practitioner" and not codes:
        raise InvalidInput.of({"practice": "a practitioner needs at least one practice"})
    if role != "practitioner" and codes:
        raise InvalidInput.of({"practice": "only practitioners belong to practices"})
    check_password(password, email)
    found = await Practice.objects().where(Practice.code.is_in(codes)) if codes else []
    by_code = {p.code: p for p in found}
    missing = [c for c in codes if c not in by_code]
    if missing:
        raise UnknownPractice(f"unknown practice code: {', '.join(missing)}")
    if await User.exists().where(User.email == email):
        raise DuplicateEmail(f"a user with email {email} exists already")
    async with write_transaction():
        user = User(email=email, password_hash=hash_password(password), role=role, active=True)
        await user.save()
        for code in codes:
            await Membership(user=user.id, practice=by_code[code].id).save()
        await record_audit(actor, "user_added", email, f"role={role} practices={','.join(codes)}")
    return user


async def get_user(user_id: int) -> User | None:
    return await User.objects().where(User.id == user_id).first()


async def disable_user(email: str, *, actor: str = "cli") -> User:
    """Mark the user inactive (kept for the audit trail); logging in is refused from now on.

    The caller ends the user's sessions (they live in the session store).
    """
    return await _set_active(email, False, actor=actor, action="user_disabled")


async def disable_account(email: str, store: SessionStore, *, actor: str) -> User:
    """Disable the user and end every session of theirs at once (the CLI and the admin page).

    ``actor`` is the acting user's email or ``cli``; a user cannot disable
    themselves, so the last administrator cannot lock everyone out by a slip.
    """
    if normalise_email(actor) == normalise_email(email):
        raise CannotDisableSelf()
    user = await disable_user(email, actor=actor)
    await store.delete_user(user.id)
    return user


async def enable_user(email: str, *, actor: str) -> User:
    """Let a disabled user log in again (with their old password); audited."""
    return await _set_active(email, True, actor=actor, action="user_enabled")


async def _set_active(email: str, active: bool, *, actor: str, action: str) -> User:
    """Set the user's ``active`` flag and record ``action`` in the audit trail."""
    email = normalise_email(email)
    user = await User.objects().where(User.email == email).first()
    if user is None:
        raise UnknownUser(f"no user has email {email}")
    await User.update({User.active: active}).where(User.id == user.id)
    user.active = active
    await record_audit(actor, action, email)
    return user


async def last_logins() -> dict[str, dt.date]:
    """Each user's latest successful login date (UTC), from the audit trail.

    The account table keeps no login times; the audit trail already has every
    login, so reading it avoids a second copy that could disagree.
    """
    rows = (
        await AuditEvent.select(AuditEvent.target, Max(AuditEvent.at, alias="latest"))
        .where(AuditEvent.action == "login")
        .group_by(AuditEvent.target)
    )
    latest: dict[str, dt.date] = {}
    for row in rows:
        at = row["latest"]
        if isinstance(at, str):  # SQLite's MAX() hands back the stored text
            at = dt.datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        latest[row["target"]] = at.astimezone(dt.UTC).date()
    return latest


async def practices_of(user_id: int) -> list[str]:
    rows = (
        await Membership.select(Membership.practice.code)
        .where(Membership.user == user_id)
        .order_by(Membership.practice.code)
    )
    return [row["practice.code"] for row in rows]


async def list_users() -> list[AccountView]:
    users = await User.objects().order_by(User.email)
    rows = await Membership.select(Membership.user, Membership.practice.code).order_by(
        Membership.practice.code
    )
    codes: dict[int, list[str]] = {}
    for row in rows:
        codes.setdefault(int(row["user"]), []).append(row["practice.code"])
    return [
        AccountView(u.id, u.email, u.role, u.active, u.created_at, tuple(codes.get(u.id, ())))
        for u in users
    ]


async def authenticate(
    email: str,
    password: str,
    *,
    address: str,
    throttle: Throttle,
    now: dt.datetime | None = None,
) -> User:
    """The active user with this email and password, else :class:`LoginFailed`.

    Too early after repeated failures: :class:`~survey_service.accounts.throttle.LoginThrottled`
    (429), without looking at the password. Every outcome goes to the audit trail.
    """
    now = now or utc_now()
    email = normalise_email(email)
    await throttle.check(email, address, now)
    user = await User.objects().where(User.email == email).first() if email else None
    matches = verify_password(user.password_hash if user else None, password)
    if user is None or not matches or not user.active:
        await throttle.failed(email, address, now)
        reason = "unknown account" if user is None else "disabled" if matches else "wrong password"
        # An unknown "email" may be a password typed into the wrong field: not kept.
        target = user.email if user else ""
        await record_audit("anonymous", "login_failed", target, reason, at=now)
        raise LoginFailed()
    await throttle.succeeded(email)
    await record_audit(user.email, "login", user.email, at=now)
    return user

"""Adding and disabling users, logging in, growing delays after failures, the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest

from survey_service.accounts import (
    DuplicateEmail,
    LoginFailed,
    LoginThrottled,
    Throttle,
    UnknownPractice,
    UnknownUser,
    WeakPassword,
    add_user,
    authenticate,
    disable_user,
    list_audit,
    list_users,
    practices_of,
    record_audit,
)
from survey_service.accounts.tables import AuditEvent, User
from survey_service.accounts.throttle import (
    ACCOUNT_FREE,
    ADDRESS_FREE,
    MAX_DELAY_SECONDS,
    delay_after,
)
from survey_service.errors import InvalidInput
from survey_service.practices import add_practice

from .conftest import PASSWORD, T0

pytestmark = pytest.mark.anyio


async def test_add_user_lower_cases_the_email_and_keeps_practices(practice) -> None:
    await add_practice("P0002", "Klinik To", "gp")
    user = await add_user(
        "  Doc@Example.DK ", PASSWORD, "practitioner", ["P0002", "P0001", "P0001"]
    )
    assert user.email == "doc@example.dk"
    assert user.password_hash.startswith("$argon2id$")
    assert await practices_of(user.id) == ["P0001", "P0002"]
    [view] = await list_users()
    assert (view.email, view.role, view.active, view.practices) == (
        "doc@example.dk",
        "practitioner",
        True,
        ("P0001", "P0002"),
    )


@pytest.mark.parametrize(
    ("email", "password", "role", "practices", "error"),
    [
        ("doc@example.dk", PASSWORD, "practitioner", [], InvalidInput),
        ("doc@example.dk", PASSWORD, "practitioner", ["NOPE"], UnknownPractice),
        ("doc@example.dk", PASSWORD, "superuser", [], InvalidInput),
        ("not-an-email", PASSWORD, "analyst", [], InvalidInput),
        ("doc@example.dk", "short", "analyst", [], WeakPassword),
        ("doc@example.dk", "doc@example.dk", "analyst", [], WeakPassword),
    ],
)
async def test_add_user_refuses(practice, email, password, role, practices, error) -> None:
    with pytest.raises(error):
        await add_user(email, password, role, practices)
    assert await User.count() == 0


async def test_duplicate_email_whatever_the_case(db: str) -> None:
    await add_user("a@example.dk", PASSWORD, "admin")
    with pytest.raises(DuplicateEmail):
        await add_user("A@Example.dk", PASSWORD, "analyst")


async def test_authenticate_success_and_failures_are_audited(db: str) -> None:
    throttle = Throttle("secret")
    await add_user("a@example.dk", PASSWORD, "analyst", actor="admin@example.dk")
    user = await authenticate("A@example.dk", PASSWORD, address="10.0.0.1", throttle=throttle)
    assert user.email == "a@example.dk"
    with pytest.raises(LoginFailed):
        await authenticate(
            "a@example.dk", "wrong password 1", address="10.0.0.1", throttle=throttle
        )
    with pytest.raises(LoginFailed):
        await authenticate("typed my Secret!", PASSWORD, address="10.0.0.1", throttle=throttle)
    events = [(e.actor, e.action, e.target, e.detail) for e in reversed(await list_audit())]
    assert events == [
        ("admin@example.dk", "user_added", "a@example.dk", "role=analyst practices="),
        ("a@example.dk", "login", "a@example.dk", ""),
        ("anonymous", "login_failed", "a@example.dk", "wrong password"),
        # what was typed as an unknown email may be a password: not kept
        ("anonymous", "login_failed", "", "unknown account"),
    ]
    stored = " ".join(str(e.to_dict()) for e in await AuditEvent.objects())
    assert PASSWORD not in stored and "wrong password 1" not in stored
    assert "Secret" not in stored


async def test_disabled_user_cannot_log_in(db: str) -> None:
    throttle = Throttle("secret")
    await add_user("a@example.dk", PASSWORD, "analyst")
    await disable_user("A@example.dk")
    with pytest.raises(LoginFailed):
        await authenticate("a@example.dk", PASSWORD, address="10.0.0.1", throttle=throttle)
    with pytest.raises(UnknownUser):
        await disable_user("nobody@example.dk")
    actions = [e.action for e in reversed(await list_audit())]
    assert actions == ["user_added", "user_disabled", "login_failed"]


def test_delays_grow_and_are_capped() -> None:
    delays = [delay_after(n, ACCOUNT_FREE) for n in range(ACCOUNT_FREE + 12)]
    assert delays[:ACCOUNT_FREE] == [0] * ACCOUNT_FREE
    growing = delays[ACCOUNT_FREE:]
    assert growing[:4] == [2, 4, 8, 16]
    assert max(growing) == MAX_DELAY_SECONDS == growing[-1]


async def test_guessing_is_slowed_but_the_real_user_gets_in_after_waiting(db: str) -> None:
    throttle = Throttle("secret")
    await add_user("a@example.dk", PASSWORD, "analyst")
    now = T0

    async def attempt(password: str, at: dt.datetime, address: str = "10.0.0.9") -> str:
        try:
            await authenticate("a@example.dk", password, address=address, throttle=throttle, now=at)
        except LoginThrottled as exc:
            return f"wait {exc.retry_after}"
        except LoginFailed:
            return "failed"
        return "ok"

    for _ in range(ACCOUNT_FREE):
        assert await attempt("guess guess 1", now) == "failed"
    waits = []
    for _ in range(4):
        # Too early: refused without checking the password (even the right one).
        refused = await attempt(PASSWORD, now, address="10.0.0.10")
        assert refused.startswith("wait ")
        waits.append(int(refused.split()[1]))
        now += dt.timedelta(seconds=waits[-1])
        assert await attempt("guess guess 2", now) == "failed"
    assert waits == [2, 4, 8, 16]
    # No lockout: the real user who waits long enough gets in, from anywhere.
    assert (await attempt(PASSWORD, now + dt.timedelta(seconds=1))).startswith("wait ")
    assert await attempt(PASSWORD, now + dt.timedelta(seconds=32), address="10.0.0.10") == "ok"
    # ...and success clears the account's counter.
    assert await attempt("guess guess 3", now + dt.timedelta(seconds=33)) == "failed"


async def test_an_address_guessing_many_accounts_is_slowed(db: str) -> None:
    throttle = Throttle("secret")
    for n in range(ADDRESS_FREE):  # one failure each: no account's own limit is reached
        with pytest.raises(LoginFailed):
            await authenticate(
                f"u{n}@example.dk", "x", address="10.1.1.1", throttle=throttle, now=T0
            )
    with pytest.raises(LoginThrottled):
        await authenticate("other@example.dk", "x", address="10.1.1.1", throttle=throttle, now=T0)
    # another address is not affected
    with pytest.raises(LoginFailed):
        await authenticate("other@example.dk", "x", address="10.1.1.2", throttle=throttle, now=T0)


async def test_audit_is_append_only_and_since_filters(db: str) -> None:
    await record_audit("cli", "user_added", "x@example.dk", at=T0 - dt.timedelta(days=2))
    await record_audit("cli", "user_disabled", "x@example.dk", at=T0)
    recent = await list_audit(since=T0.date())
    assert [e.action for e in recent] == ["user_disabled"]
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.update({AuditEvent.actor: "someone else"}, force=True)

"""The admin users page: listing, disabling (sessions end at once), enabling, refusals.

Runs on SQLite and PostgreSQL (the ``db`` fixture); the service-level test of
ending sessions also runs on the Redis session store when TEST_REDIS_URL is set.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from litestar.testing import AsyncTestClient

from survey_service.accounts import (
    CannotDisableSelf,
    add_user,
    disable_account,
    last_logins,
    list_audit,
    record_audit,
)
from survey_service.accounts.sessions import (
    DatabaseSessionStore,
    RedisSessionStore,
    SessionPolicy,
    Sessions,
    SessionStore,
)
from survey_service.accounts.tables import User

from .conftest import PASSWORD, T0
from .login import HTML, csrf_of, log_in

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def ids(db: str, practice) -> dict[str, int]:
    admin = await add_user("admin@example.dk", PASSWORD, "admin")
    other_admin = await add_user("boss@example.dk", PASSWORD, "admin")
    analyst = await add_user("analyst@example.dk", PASSWORD, "analyst")
    doc = await add_user("doc@example.dk", PASSWORD, "practitioner", ["P0001"])
    return {"admin": admin.id, "boss": other_admin.id, "analyst": analyst.id, "doc": doc.id}


async def _as(client: AsyncTestClient, email: str) -> str:
    """Log ``email`` in as a fresh browser would; returns the session cookie."""
    client.cookies.clear()  # else the login would end the session the jar holds
    answer = await log_in(client, email)
    assert answer.status_code == 303, answer.text[:300]
    return answer.cookies["session"]


async def _active(email: str) -> bool:
    user = await User.objects().where(User.email == email).first()
    assert user is not None
    return bool(user.active)


def _row(html: str, user_id: int) -> str:
    """The table row of one account."""
    return html[html.index(f'id="user-{user_id}"') :].split("</tr>")[0]


async def _post(client: AsyncTestClient, path: str, **headers: str):
    form = await client.get("/admin/users", headers=HTML)
    assert form.status_code == 200
    return await client.post(
        path,
        data={"_csrf_token": csrf_of(form.text), "_lang": "en"},
        headers=headers,
        follow_redirects=False,
    )


async def test_the_list_shows_every_account_with_role_practices_state_and_last_login(
    client, ids
) -> None:
    await _as(client, "admin@example.dk")
    page = await client.get("/admin/users", headers=HTML)
    assert page.status_code == 200
    text = page.text
    for email in ("admin@example.dk", "boss@example.dk", "analyst@example.dk", "doc@example.dk"):
        assert f'<th scope="row" class="nowrap">{email}</th>' in text
    doc_row = _row(text, ids["doc"])
    assert "Practitioner" in doc_row and "P0001" in doc_row and "Active" in doc_row
    assert "Never" in doc_row and f"/admin/users/{ids['doc']}/disable" in doc_row
    own_row = _row(text, ids["admin"])
    # Its own login just now, as a date; and no button to disable itself.
    assert re.search(r"<td>\d{4}-\d\d-\d\d</td>", own_row)
    assert "This is you" in own_row and "/disable" not in own_row


async def test_disabling_ends_the_users_sessions_at_once_and_is_audited(client, ids) -> None:
    doc_cookie = await _as(client, "doc@example.dk")
    assert "doc@example.dk" in (await client.get("/logout", headers=HTML)).text
    await _as(client, "admin@example.dk")
    answer = await _post(client, f"/admin/users/{ids['doc']}/disable")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/users?lang=en"
    assert not await _active("doc@example.dk")
    listed = await client.get("/admin/users", headers=HTML)
    doc_row = _row(listed.text, ids["doc"])
    assert "Disabled" in doc_row and f"/admin/users/{ids['doc']}/enable" in doc_row
    # The doctor's browser, still holding its cookie, is logged out on its next request.
    client.cookies.clear()
    client.cookies.set("session", doc_cookie)
    after = await client.get("/logout", headers=HTML)
    assert "You are logged out" in after.text and "doc@example.dk" not in after.text
    assert (await log_in(client, "doc@example.dk")).status_code == 401
    events = [(e.actor, e.action, e.target) for e in await list_audit()]
    assert ("admin@example.dk", "user_disabled", "doc@example.dk") in events
    audit_page = await _audit_as_admin(client)
    assert "<td>admin@example.dk</td><td>user_disabled</td><td>doc@example.dk</td>" in audit_page


async def _audit_as_admin(client: AsyncTestClient) -> str:
    await _as(client, "admin@example.dk")
    page = await client.get("/admin/audit", headers=HTML)
    assert page.status_code == 200
    return page.text


async def test_enabling_lets_the_user_log_in_again_and_is_audited(client, ids) -> None:
    await _as(client, "admin@example.dk")
    assert (await _post(client, f"/admin/users/{ids['doc']}/disable")).status_code == 303
    answer = await _post(client, f"/admin/users/{ids['doc']}/enable")
    assert answer.status_code == 303
    assert await _active("doc@example.dk")
    client.cookies.clear()
    assert (await log_in(client, "doc@example.dk")).status_code == 303
    actions = [(e.actor, e.action, e.target) for e in await list_audit()]
    assert ("admin@example.dk", "user_enabled", "doc@example.dk") in actions


async def test_an_admin_cannot_disable_themselves(client, ids) -> None:
    await _as(client, "admin@example.dk")
    answer = await _post(client, f"/admin/users/{ids['admin']}/disable")
    assert answer.status_code == 409
    assert "You cannot disable your own account" in answer.text
    assert await _active("admin@example.dk")
    assert "user_disabled" not in [e.action for e in await list_audit()]
    # Still logged in: the refusal ended nothing.
    assert (await client.get("/admin/users", headers=HTML)).status_code == 200


async def test_another_admin_may_be_disabled(client, ids) -> None:
    await _as(client, "admin@example.dk")
    assert (await _post(client, f"/admin/users/{ids['boss']}/disable")).status_code == 303
    assert not await _active("boss@example.dk")


@pytest.mark.parametrize(
    ("path", "status"),
    [("/admin/users/999999/disable", 404), ("/admin/users/999999/enable", 404)],
)
async def test_an_unknown_user_is_404(client, ids, path: str, status: int) -> None:
    await _as(client, "admin@example.dk")
    assert (await _post(client, path)).status_code == status


async def test_a_user_id_that_is_not_a_number_is_a_4xx(client, ids) -> None:
    await _as(client, "admin@example.dk")
    answer = await _post(client, "/admin/users/abc/disable")
    assert 400 <= answer.status_code < 500


async def test_a_post_without_the_csrf_token_changes_nothing(client, ids) -> None:
    await _as(client, "admin@example.dk")
    answer = await client.post(f"/admin/users/{ids['doc']}/disable", follow_redirects=False)
    assert answer.status_code == 403
    assert await _active("doc@example.dk")


async def test_a_post_from_another_origin_changes_nothing(client, ids) -> None:
    await _as(client, "admin@example.dk")
    answer = await _post(
        client, f"/admin/users/{ids['doc']}/disable", origin="https://evil.example"
    )
    assert answer.status_code == 403
    assert await _active("doc@example.dk")
    same_site = await _post(
        client, f"/admin/users/{ids['doc']}/disable", origin="http://testserver.local"
    )
    assert same_site.status_code == 303


@pytest.mark.parametrize("email", ["analyst@example.dk", "doc@example.dk"])
@pytest.mark.parametrize("action", ["disable", "enable"])
async def test_non_admins_get_403_and_change_nothing(client, ids, email, action) -> None:
    await _as(client, "admin@example.dk")
    assert (await _post(client, f"/admin/users/{ids['boss']}/disable")).status_code == 303
    await _as(client, email)
    assert (await client.get("/admin/users", headers=HTML)).status_code == 403
    token = csrf_of((await client.get("/login", headers=HTML)).text)
    target = ids["boss"] if action == "enable" else ids["admin"]
    answer = await client.post(
        f"/admin/users/{target}/{action}",
        data={"_csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert "Ask an administrator" in answer.text  # the role check, not the CSRF check
    assert await _active("admin@example.dk") and not await _active("boss@example.dk")


async def test_last_login_is_each_users_latest_login_date(db: str) -> None:
    import datetime as dt

    await record_audit("x@example.dk", "login", "x@example.dk", at=T0)
    await record_audit("x@example.dk", "login", "x@example.dk", at=T0 + dt.timedelta(days=3))
    await record_audit("anonymous", "login_failed", "y@example.dk", at=T0 + dt.timedelta(days=9))
    await record_audit("y@example.dk", "login", "y@example.dk", at=T0 - dt.timedelta(days=1))
    assert await last_logins() == {
        "x@example.dk": (T0 + dt.timedelta(days=3)).date(),
        "y@example.dk": (T0 - dt.timedelta(days=1)).date(),
    }


@pytest.fixture(params=["database", "redis"])
async def store(request: pytest.FixtureRequest, db: str) -> AsyncIterator[SessionStore]:
    if request.param == "database":
        yield DatabaseSessionStore()
        return
    url = request.getfixturevalue("redis_url")
    redis_store = RedisSessionStore(url, prefix=request.getfixturevalue("redis_prefix"))
    try:
        yield redis_store
    finally:
        await redis_store.close()


async def test_disable_account_ends_sessions_in_either_store(store: SessionStore) -> None:
    doc = await add_user("doc2@example.dk", PASSWORD, "analyst")
    other = await add_user("other@example.dk", PASSWORD, "analyst")
    sessions = Sessions(store, SessionPolicy.of(idle_minutes=30, max_hours=12))
    first, second = await sessions.start(doc.id, T0), await sessions.start(doc.id, T0)
    kept = await sessions.start(other.id, T0)
    await disable_account("Doc2@Example.dk", store, actor="admin@example.dk")
    assert await sessions.resolve(first, T0) is None
    assert await sessions.resolve(second, T0) is None
    assert await sessions.resolve(kept, T0) == other.id
    with pytest.raises(CannotDisableSelf):
        await disable_account("other@example.dk", store, actor="OTHER@example.dk")
    assert await sessions.resolve(kept, T0) == other.id


def test_the_users_page_is_translated_into_danish() -> None:
    source = ROOT / "survey_service" / "templates" / "admin_users.html"
    found = {m[1] for m in extract_from_file("jinja2", str(source), keywords={"_": None})}
    found |= {"You cannot disable your own account. Ask another administrator to do it."}
    with open(ROOT / "locales" / "da" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    missing = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))
    assert not missing, missing

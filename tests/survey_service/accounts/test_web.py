"""Login, logout, session cookies, role guards, the audit page, CSRF and Origin checks."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import AsyncTestClient

from survey_service.accounts import add_user, list_audit
from survey_service.accounts.tables import UserSession
from survey_service.web.login import safe_next

from .conftest import PASSWORD
from .login import HTML, csrf_of, log_in

pytestmark = pytest.mark.anyio


@pytest.fixture
async def users(db: str, practice) -> None:
    await add_user("admin@example.dk", PASSWORD, "admin")
    await add_user("analyst@example.dk", PASSWORD, "analyst")
    await add_user("doc@example.dk", PASSWORD, "practitioner", ["P0001"])


async def test_login_form_has_the_fields(client: AsyncTestClient) -> None:
    page = await client.get("/login", headers={**HTML, "accept-language": "da"})
    assert page.status_code == 200
    for name in ("email", "password", "_csrf_token"):
        assert f'name="{name}"' in page.text
    assert "Adgangskode" in page.text  # Danish


async def test_login_success_sets_a_fresh_httponly_session_cookie(client, users) -> None:
    client.cookies.set("session", "planted-by-an-attacker")
    answer = await log_in(client, "Admin@Example.dk", next_="/admin/audit?since=2026-01-01")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/audit?since=2026-01-01"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("session=") and "planted" not in cookie
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain-HTTP test app
    page = await client.get("/admin/audit", headers=HTML)
    assert page.status_code == 200
    assert "<td>admin@example.dk</td><td>login</td>" in page.text  # its own login, audited


async def test_session_fixation_each_login_gets_a_new_id(client, users) -> None:
    first = (await log_in(client, "admin@example.dk")).cookies["session"]
    second = (await log_in(client, "admin@example.dk")).cookies["session"]
    assert first and second and first != second
    # The id brought to the second login was ended, not carried on.
    assert await UserSession.count() == 1


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/feedback?x=1", "/feedback?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        ("feedback", "/"),
    ],
)
def test_next_must_be_a_local_path(target: str, expected: str) -> None:
    assert safe_next(target) == expected


async def test_offsite_next_goes_home(client, users) -> None:
    answer = await log_in(client, "admin@example.dk", next_="https://evil.example/")
    assert answer.headers["location"] == "/"


async def test_wrong_password_shows_the_form_again(client, users) -> None:
    answer = await log_in(client, "admin@example.dk", password="wrong password 12")
    assert answer.status_code == 401
    assert "email or the password is wrong" in answer.text
    assert 'name="password"' in answer.text
    assert "session" not in answer.cookies


async def test_repeated_failures_get_429_with_retry_after(client, users) -> None:
    for _ in range(5):
        assert (await log_in(client, "admin@example.dk", "wrong password 12")).status_code == 401
    answer = await log_in(client, "admin@example.dk")
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) >= 1


async def test_logout_invalidates_the_session(client, users) -> None:
    cookie = (await log_in(client, "admin@example.dk")).cookies["session"]
    ask = await client.get("/logout", headers=HTML)
    assert "admin@example.dk" in ask.text
    bye = await client.post(
        "/logout", data={"_csrf_token": csrf_of(ask.text)}, follow_redirects=False
    )
    assert bye.status_code == 303
    # The old cookie no longer opens anything, even if the browser kept it.
    client.cookies.set("session", cookie)
    page = await client.get("/admin/audit", headers=HTML, follow_redirects=False)
    assert page.status_code == 303
    actions = [e.action for e in await list_audit()]
    assert actions[0] == "logout"


async def test_pages_needing_a_login_redirect_browsers_and_answer_401_otherwise(client) -> None:
    page = await client.get("/admin/audit?since=2026-01-01", headers=HTML, follow_redirects=False)
    assert page.status_code == 303
    location = urlsplit(page.headers["location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/admin/audit?since=2026-01-01"]
    assert (await client.get("/admin/audit", headers={"accept": "*/*"})).status_code == 401


@pytest.mark.parametrize("email", ["analyst@example.dk", "doc@example.dk"])
async def test_audit_page_is_for_admins_only(client, users, email: str) -> None:
    await log_in(client, email)
    assert (await client.get("/admin/audit", headers=HTML)).status_code == 403


async def test_login_post_without_csrf_token_is_refused(client, users) -> None:
    await client.get("/login")
    answer = await client.post(
        "/login", data={"email": "admin@example.dk", "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert "session" not in answer.cookies


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("https://evil.example", 403),
        ("http://testserver.local.evil.example", 403),
        ("http://testserver.local", 303),  # the request's own host
        ("http://127.0.0.1:8000", 303),  # PUBLIC_BASE_URL
        ("null", 303),  # what our own no-referrer pages send; the CSRF token decides
    ],
)
async def test_origin_of_form_posts(client, users, origin: str, status: int) -> None:
    form = await client.get("/login")
    data = {"email": "admin@example.dk", "password": PASSWORD, "_csrf_token": csrf_of(form.text)}
    answer = await client.post(
        "/login", data=data, headers={"origin": origin}, follow_redirects=False
    )
    assert answer.status_code == status


async def test_origin_check_covers_patient_pages_too(client, survey) -> None:
    answers = {"mini.listened": "5", "mini.written": "no", "mini.overall": "1"}
    token = await survey.token()
    form = await client.get(f"/s/{token}")
    data = {**answers, "_csrf_token": csrf_of(form.text)}
    refused = await client.post(
        f"/s/{token}", data=data, headers={"origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    # Nothing was stored: the link still takes the answer from its own site.
    same_site = await client.post(
        f"/s/{token}", data=data, headers={"origin": "http://testserver.local"}
    )
    assert same_site.status_code == 200, same_site.text[:300]

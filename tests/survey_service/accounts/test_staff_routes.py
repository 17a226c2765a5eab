"""Every route of the app is classified by who may use it, and staff routes enforce it.

A new route fails :func:`test_every_route_is_classified` until it is added to
``ACCESS``; each staff route is then requested without a login and with every
role below the one it needs, for every method it answers (POSTs with a valid
CSRF token, so the refusal is the role check's). Another practice's data on a
practitioner route is covered per route in tests/survey_service/feedback/test_pages.py.
"""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from survey_service.accounts import add_user
from survey_service.accounts.tables import User
from survey_service.web import create_app

from .conftest import PASSWORD
from .login import HTML, csrf_of, log_in

pytestmark = pytest.mark.anyio

PUBLIC, API_KEY, STAFF, ANALYST, ADMIN = "public", "api key", "staff", "analyst", "admin"

#: (path, method) -> who may use it. STAFF: any logged-in role, own practices only;
#: ANALYST: analysts and admins; ADMIN: admins only.
ACCESS: dict[tuple[str, str], str] = {
    ("/", "GET"): PUBLIC,
    ("/thanks", "GET"): PUBLIC,
    ("/accessibility", "GET"): PUBLIC,
    ("/favicon.ico", "GET"): PUBLIC,
    ("/health", "GET"): PUBLIC,
    ("/ready", "GET"): PUBLIC,
    ("/s/{token:str}", "GET"): PUBLIC,
    ("/s/{token:str}", "POST"): PUBLIC,
    ("/s/{token:str}/stop", "GET"): PUBLIC,
    ("/s/{token:str}/stop", "POST"): PUBLIC,
    ("/p/{code:str}", "GET"): PUBLIC,
    ("/p/{code:str}", "POST"): PUBLIC,
    ("/api/v1/questionnaires", "GET"): PUBLIC,
    ("/api/v1/questionnaires/{slug:str}/{version:int}", "GET"): PUBLIC,
    ("/api/v1/questionnaires/{slug:str}/{version:int}/fhir", "GET"): PUBLIC,
    ("/api/v1/responses", "POST"): PUBLIC,
    ("/api/v1/sms/status", "POST"): API_KEY,
    ("/api/v1/practices/{code:str}/poster", "GET"): API_KEY,
    ("/api/v1/practices/{code:str}/response-rates", "GET"): API_KEY,
    ("/api/v1/visits", "POST"): API_KEY,
    ("/api/v1/slips", "POST"): API_KEY,
    ("/api/v1/fhir/MeasureReport", "GET"): PUBLIC,
    ("/login", "GET"): PUBLIC,
    ("/login", "POST"): PUBLIC,
    ("/logout", "GET"): PUBLIC,
    ("/logout", "POST"): PUBLIC,
    ("/results", "GET"): PUBLIC,
    ("/results/methods", "GET"): PUBLIC,
    ("/results/{name:str}", "GET"): PUBLIC,
    ("/static/{file_path:path}", "GET"): PUBLIC,
    ("/schema", "GET"): PUBLIC,
    ("/schema/swagger", "GET"): PUBLIC,
    ("/schema/openapi.json", "GET"): PUBLIC,
    ("/schema/oauth2-redirect.html", "GET"): PUBLIC,
    ("/schema/{path:str}", "GET"): PUBLIC,
    ("/schema/assets/{file_path:path}", "GET"): PUBLIC,
    ("/feedback/{code:str}", "GET"): STAFF,
    ("/region", "GET"): ANALYST,
    ("/region/sectors", "GET"): ANALYST,
    ("/region/sectors/{source:str}/{target:str}", "GET"): ANALYST,
    ("/admin/audit", "GET"): ADMIN,
    ("/admin/users", "GET"): ADMIN,
    ("/admin/users/{user_id:int}/disable", "POST"): ADMIN,
    ("/admin/users/{user_id:int}/enable", "POST"): ADMIN,
}

#: Path parameters filled in with values that exist in the test's data.
SAMPLE = {
    "{code:str}": "P0001",
    "{source:str}": "hospital",
    "{target:str}": "gp",
}

#: The roles refused on each kind of route.
REFUSED = {ANALYST: ("practitioner",), ADMIN: ("practitioner", "analyst")}


def _app_routes() -> set[tuple[str, str]]:
    app = create_app(connection_pool=False)
    return {
        (route.path, method)
        for route in app.routes
        for method in getattr(route, "methods", set())
        if method not in ("HEAD", "OPTIONS")
    }


def test_every_route_is_classified() -> None:
    routes = _app_routes()
    assert routes - ACCESS.keys() == set(), "new routes: add them to ACCESS"
    assert ACCESS.keys() - routes == set(), "routes that no longer exist"


def _guarded() -> list[tuple[str, str, str]]:
    return [(path, method, kind) for (path, method), kind in ACCESS.items() if kind in REFUSED]


def _concrete(path: str, user_id: int) -> str:
    for placeholder, value in {**SAMPLE, "{user_id:int}": str(user_id)}.items():
        path = path.replace(placeholder, value)
    return path


@pytest.fixture
async def accounts(db: str, practice) -> dict[str, User]:
    return {
        "admin": await add_user("admin@example.dk", PASSWORD, "admin"),
        "analyst": await add_user("analyst@example.dk", PASSWORD, "analyst"),
        "practitioner": await add_user("doc@example.dk", PASSWORD, "practitioner", ["P0001"]),
    }


async def _request(client: AsyncTestClient, method: str, path: str, **headers: str):
    if method == "GET":
        return await client.get(path, headers=headers, follow_redirects=False)
    token = csrf_of((await client.get("/login", headers=HTML)).text)
    return await client.post(
        path, data={"_csrf_token": token}, headers=headers, follow_redirects=False
    )


@pytest.mark.parametrize(("path", "method", "kind"), _guarded())
async def test_refused_roles_get_403_on_every_staff_route(
    client, accounts, path: str, method: str, kind: str
) -> None:
    target = _concrete(path, accounts["admin"].id)
    for role in REFUSED[kind]:
        client.cookies.clear()
        assert (await log_in(client, accounts[role].email)).status_code == 303
        answer = await _request(client, method, target, **HTML)
        assert answer.status_code == 403, (role, target)
        assert "Ask an administrator" in answer.text, "refused by the role check"
    admin = await User.objects().where(User.email == "admin@example.dk").first()
    assert admin is not None and admin.active  # nothing was changed by a refused POST


@pytest.mark.parametrize(
    ("path", "method", "kind"),
    [(p, m, k) for (p, m), k in ACCESS.items() if k in (STAFF, ANALYST, ADMIN)],
)
async def test_every_staff_route_needs_a_login(
    client, accounts, path: str, method: str, kind: str
) -> None:
    target = _concrete(path, accounts["admin"].id)
    answer = await _request(client, method, target, accept="*/*")
    assert answer.status_code == 401, target
    browser = await _request(client, method, target, **HTML)
    assert browser.status_code == 303 and browser.headers["location"].startswith("/login?next=")

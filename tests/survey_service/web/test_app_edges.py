"""What a new user meets around the edges: probes, icon, caching, the front page,
and the one mapping of the error tree to HTTP."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import survey_service
from survey_service.errors import ServiceError
from survey_service.openapi_errors import _DESCRIPTIONS

pytestmark = pytest.mark.anyio


async def test_health_answers_without_the_database(client):
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_migrated(client):
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready"}


async def test_not_ready_while_a_migration_is_pending(client, db):
    from piccolo.apps.migrations.tables import Migration

    newest = await Migration.select().order_by(Migration.id, ascending=False).first()
    await Migration.delete().where(Migration.id == newest["id"])
    try:
        response = await client.get("/ready")
    finally:  # the database lives for the whole session: put the record back
        await Migration.insert(Migration(**newest))
    assert response.status_code == 503
    assert response.json() == {"status": "migrations pending", "pending": 1}


async def test_not_ready_when_the_database_cannot_be_reached():
    from survey_service.db import engine_from_url, use_engine
    from survey_service.web.health import ready

    # Port 9 (discard) on loopback: nothing listens, the connection is refused.
    use_engine(engine_from_url("postgresql://postgres@127.0.0.1:9/nothing"))
    response = await ready.fn()
    assert response.status_code == 503
    assert response.content == {"status": "database unavailable"}


async def test_favicon_and_static_files_are_cacheable(client):
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert "max-age=86400" in icon.headers["cache-control"]
    css = await client.get("/static/survey.css")
    assert css.status_code == 200
    assert "max-age=86400" in css.headers["cache-control"]


async def test_api_docs_use_only_the_apps_own_files(client):
    page = await client.get("/schema")
    assert page.status_code == 200
    html = page.text
    assert "<script>" not in html.replace(" ", "")  # no inline script: CSP allows it
    for path in ("/schema/assets/swagger-ui-bundle.js", "/static/api-docs.js"):
        assert path in html
        asset = await client.get(path)
        assert asset.status_code == 200, path
    assert "https://" not in html  # nothing from a CDN


async def test_front_page_lists_fresh_links_and_every_poster(survey, fixture_catalogue):
    from litestar.testing import AsyncTestClient

    from survey_service.practices import add_practice
    from survey_service.responses.service import record_response
    from survey_service.web import create_app

    await add_practice("H0001", "Hospitalet", "hospital", "")  # no poster questionnaire
    fresh, used = await survey.token(), await survey.token()
    await record_response(used, {}, "da")
    links = [{"url": f"http://testserver/s/{t}", "label": "x"} for t in (fresh, used)]
    app = create_app(catalogue=fixture_catalogue, demo_links=links, connection_pool=False)
    async with AsyncTestClient(app=app) as client:
        danish = (await client.get("/", headers={"accept-language": "da"})).text
        english = (await client.get("/?lang=en")).text
    assert fresh in danish and used not in danish
    title = fixture_catalogue.get("mini", 1).title
    assert f"Lægehuset Test – {title['da']}" in danish
    assert f"Lægehuset Test – {title['en']}" in english
    assert 'href="/p/P0001"' in danish and "/p/H0001" not in danish


async def test_a_withdrawn_questionnaire_is_410_not_500(survey, fixture_catalogue):
    from litestar.testing import AsyncTestClient

    from survey_service.web import create_app

    token = await survey.token()
    app = create_app(catalogue=fixture_catalogue, connection_pool=False)
    async with AsyncTestClient(app=app) as client:
        app.state.published.by_id.clear()  # as if the version left the catalogue
        page = await client.get(f"/s/{token}")
        api = await client.post("/api/v1/responses", json={"token": token, "answers": {}})
    assert page.status_code == 410
    assert "no longer offered" in page.text or "ikke længere" in page.text
    assert api.status_code == 410
    assert api.json()["code"] == "questionnaire_withdrawn"


def _all_service_errors() -> list[type[ServiceError]]:
    for module in pkgutil.walk_packages(survey_service.__path__, "survey_service."):
        if ".migrations." not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found, todo = [], [ServiceError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_domain_error_has_a_documented_status_and_a_code():
    errors = _all_service_errors()
    assert len(errors) > 10  # the tree is really walked
    for cls in errors:
        assert cls.status in _DESCRIPTIONS, f"{cls.__name__}: status {cls.status}"
        assert 400 <= cls.status < 600 and cls.status != 500, cls.__name__
        assert cls.code and cls.code.isidentifier(), cls.__name__


@pytest.mark.parametrize("path", ["/api/v1/x", "/x"])
def test_every_domain_error_maps_to_its_status(path):
    from litestar.testing import RequestFactory

    from survey_service.web.errors import service_error

    request = RequestFactory().get(path)
    for cls in _all_service_errors():
        error = cls.__new__(cls)
        ServiceError.__init__(error, None)
        response = service_error(request, error)
        assert response.status_code == cls.status, cls.__name__

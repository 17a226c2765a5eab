"""A split questionnaire end to end: the module drawn, shown, carried, checked and stored.

On both databases, through the link's page, the poster's page and the JSON API,
with the fixture catalogue tests/survey_service/fixtures/rotation.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from survey_service.responses.tables import Answer, Response

pytestmark = pytest.mark.anyio

ROTATION = Path(__file__).parents[1] / "fixtures" / "rotation"
MODULES = {"mod-a/1": "split.a.friendly", "mod-b/1": "split.b.written"}


@pytest.fixture(scope="module")
def catalogue():
    from survey_service.questionnaires import load_catalogue

    return load_catalogue(ROTATION)


@pytest.fixture
async def split(db: str, catalogue):
    from survey_service.practices import add_practice
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.questionnaires.tables import QuestionnaireVersion

    ids = await sync_catalogue(catalogue)
    practice, _key = await add_practice("P0101", "Klinik Rotation", "gp", "Aarhus")
    version = (
        await QuestionnaireVersion.objects()
        .where(QuestionnaireVersion.id == ids[("split", 1)])
        .first()
    )
    return practice, version


@pytest.fixture
async def app_client(db: str, catalogue):
    from litestar.testing import AsyncTestClient

    from survey_service.web import create_app

    app = create_app(catalogue=catalogue, connection_pool=False)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def token(split, module: str) -> str:
    from survey_service.invitations import issue_invitation

    practice, version = split
    return await issue_invitation(
        practice, version, visit_date=dt.date(2026, 11, 20), language="en", module=module
    )


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def module_of(html: str) -> str:
    match = re.search(r'name="_module" value="([^"]+)"', html)
    assert match, "a split questionnaire's form carries its module"
    return match.group(1)


def shown(html: str) -> set[str]:
    return {m for m in MODULES.values() if f'name="{m}"' in html}


async def test_a_link_shows_its_own_module_and_stores_it(app_client, split):
    link = await token(split, "mod-b/1")
    page = await app_client.get(f"/s/{link}")
    assert page.status_code == 200
    assert module_of(page.text) == "mod-b/1" and shown(page.text) == {"split.b.written"}
    # The time claim is computed for this form, not written in the intro.
    assert "It takes about 1 minute." in page.text
    base = {"_csrf_token": csrf_of(page.text), "_module": "mod-b/1", "split.overall": "1"}
    # An answer to the other module's item is refused, naming the item.
    refused = await app_client.post(f"/s/{link}", data={**base, "split.a.friendly": "5"})
    assert refused.status_code == 422 and await Response.count() == 0
    # A link's module cannot be swapped through the hidden field.
    swapped = await app_client.post(f"/s/{link}", data={**base, "_module": "mod-a/1"})
    assert swapped.status_code == 422 and await Response.count() == 0
    sent = await app_client.post(
        f"/s/{link}", data={**base, "split.b.written": "yes"}, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text
    [response] = await Response.select()
    assert response["module"] == "mod-b/1"
    assert {a["item_id"] for a in await Answer.select()} == {"split.overall", "split.b.written"}


async def test_the_poster_draws_a_module_and_refuses_a_tampered_one(app_client, split):
    page = await app_client.get("/p/P0101?lang=en")
    assert page.status_code == 200
    drawn = module_of(page.text)
    assert drawn in MODULES and shown(page.text) == {MODULES[drawn]}
    form = {"_csrf_token": csrf_of(page.text), "split.overall": "2"}
    tampered = await app_client.post("/p/P0101", data={**form, "_module": "mod-z/1"})
    assert tampered.status_code == 422 and await Response.count() == 0
    # The language switch keeps the module (and so the same questions).
    switched = await app_client.post("/p/P0101", data={**form, "_module": drawn, "lang": "da"})
    assert switched.status_code == 200 and module_of(switched.text) == drawn
    sent = await app_client.post(
        "/p/P0101",
        data={**form, "_module": drawn, MODULES[drawn]: "5" if drawn == "mod-a/1" else "no"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    [response] = await Response.select()
    assert response["module"] == drawn and response["channel"] == "poster"


async def test_the_api_checks_the_module(app_client, split):
    link = await token(split, "mod-a/1")
    body = {"token": link, "answers": {"split.overall": "1", "split.b.written": "yes"}}
    outside = await app_client.post("/api/v1/responses", json=body)
    assert outside.status_code == 422
    assert outside.json()["errors"] == {"split.b.written": "not_in_module"}
    wrong = await app_client.post(
        "/api/v1/responses",
        json={"token": link, "answers": {"split.overall": "1"}, "module": "mod-b/1"},
    )
    assert wrong.status_code == 422 and wrong.json()["errors"] == {"module": "not_in_rotation"}
    ok = await app_client.post(
        "/api/v1/responses",
        json={"token": link, "answers": {"split.overall": "1", "split.a.friendly": "4"}},
    )
    assert ok.status_code == 201, ok.text
    assert (await Response.select(Response.module).first())["module"] == "mod-a/1"


async def test_a_link_from_before_rotations_keeps_the_drawn_module_when_saved(app_client, split):
    link = await token(split, "")  # as made before migration 0010: no module of its own
    page = await app_client.get(f"/s/{link}")
    drawn = module_of(page.text)
    saved = await app_client.post(
        f"/s/{link}",
        data={
            "_csrf_token": csrf_of(page.text),
            "_module": drawn,
            "split.overall": "3",
            "save": "1",
        },
    )
    assert saved.status_code == 200 and "resume" in saved.cookies
    for _ in range(4):  # were it drawn again, some reopening would show the other module
        again = await app_client.get(f"/s/{link}")
        assert module_of(again.text) == drawn
        assert 'name="split.overall" value="3" checked' in again.text

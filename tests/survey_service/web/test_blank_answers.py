"""A submission with no answer at all is refused; required items are honoured.

Form (``/s/``, ``/p/``) and JSON API alike: 422 naming the problem, nothing
stored, the link still usable.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from survey_service.invitations.tables import Invitation
from survey_service.responses.tables import Response
from tests.conftest import FIXTURES, SurveySetup

pytestmark = pytest.mark.anyio


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


@pytest.fixture
async def optional(db: str, tmp_path: Path):
    """The fixture questionnaire with nothing required: only "no answers" can stop it."""
    from litestar.testing import AsyncTestClient

    from survey_service.practices import add_practice
    from survey_service.questionnaires import load_catalogue
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.questionnaires.tables import QuestionnaireVersion
    from survey_service.web import create_app

    root = tmp_path / "catalogue"
    shutil.copytree(FIXTURES / "catalogue", root)
    mini = root / "mini" / "1.yaml"
    text = mini.read_text(encoding="utf-8")
    assert "required: true" in text
    mini.write_text(text.replace("required: true", "required: false"), encoding="utf-8")
    catalogue = load_catalogue(root)
    assert not any(item.required for item in catalogue.get("mini", 1).items)
    ids = await sync_catalogue(catalogue)
    practice, _key = await add_practice("P0001", "Lægehuset Test", "gp", "Aarhus")
    version = (
        await QuestionnaireVersion.objects()
        .where(QuestionnaireVersion.id == ids[("mini", 1)])
        .first()
    )
    app = create_app(catalogue=catalogue, connection_pool=False)
    async with AsyncTestClient(app=app) as client:
        yield client, SurveySetup(practice, version, catalogue)


@pytest.mark.parametrize(
    "blank",
    [
        {},
        {"mini.listened": "", "mini.comment": "   ", "mini.visits": ""},
        # Answers to a question the patient was told to skip are dropped: still nothing.
        {"mini.written_clear": "5"},
    ],
)
async def test_a_blank_form_is_refused_and_the_link_kept(optional, blank):
    client, setup = optional
    token = await setup.token()
    html = (await client.get(f"/s/{token}", params={"lang": "en"})).text
    form = {"_csrf_token": csrf_of(html), "_lang": "en", **blank}
    page = await client.post(f"/s/{token}", data=form, follow_redirects=False)
    assert page.status_code == 422
    assert "You have not answered any questions yet" in page.text
    assert "Answer at least one question, then send your answers." in page.text
    # The summary leads to the first question, where answering can start.
    assert '<a href="#q-mini.listened">' in page.text
    assert await Response.count() == 0
    assert await Invitation.count() == 1
    form["mini.overall"] = "2"
    sent = await client.post(f"/s/{token}", data=form, follow_redirects=False)
    assert sent.status_code == 303
    assert await Response.count() == 1


async def test_a_blank_form_is_refused_in_danish(optional):
    client, setup = optional
    token = await setup.token()
    html = (await client.get(f"/s/{token}", params={"lang": "da"})).text
    page = await client.post(f"/s/{token}", data={"_csrf_token": csrf_of(html), "_lang": "da"})
    assert page.status_code == 422
    assert "Du har ikke svaret på nogen spørgsmål endnu" in page.text


async def test_a_blank_poster_answer_is_refused(optional):
    client, _setup = optional
    html = (await client.get("/p/P0001", params={"lang": "en"})).text
    page = await client.post("/p/P0001", data={"_csrf_token": csrf_of(html), "_lang": "en"})
    assert page.status_code == 422
    assert "You have not answered any questions yet" in page.text
    assert await Response.count() == 0


async def test_the_api_refuses_no_answers_naming_the_field(optional):
    client, setup = optional
    token = await setup.token()
    for answers in ({}, {"mini.comment": "  "}):
        result = await client.post("/api/v1/responses", json={"token": token, "answers": answers})
        assert result.status_code == 422
        body = result.json()
        assert body["code"] == "no_answers"
        assert body["errors"] == {"answers": "no_answers"}
        assert body["detail"].startswith("answers: ")
    assert await Response.count() == 0
    stored = await client.post(
        "/api/v1/responses", json={"token": token, "answers": {"mini.overall": "1"}}
    )
    assert stored.status_code == 201


async def test_a_required_item_left_blank_is_tied_to_its_question(client, survey):
    token = await survey.token()
    html = (await client.get(f"/s/{token}", params={"lang": "en"})).text
    assert "(required)" in html
    form = {"_csrf_token": csrf_of(html), "_lang": "en", "mini.overall": "1"}
    page = await client.post(f"/s/{token}", data=form)
    assert page.status_code == 422
    text = page.text
    assert "Please check the marked answer" in text
    assert '<a href="#q-mini.listened">1. Please answer this question.</a>' in text
    assert '<fieldset aria-describedby="e-mini.listened">' in text
    assert '<p class="problem" id="e-mini.listened">' in text
    assert 'value="1" checked' in text  # the answer given is kept
    assert await Response.count() == 0
    assert await Invitation.count() == 1

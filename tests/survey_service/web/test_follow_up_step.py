"""Cross-sector follow-ups on a second page: only patients who say "yes" get them.

gp-experience/4 screens with ``xs.other_sector.contact``; its follow-ups are
not on the first page. "Yes" there brings a second page with the first page's
answers in hidden fields, and nothing is stored until that page is sent.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from survey_service.questionnaires import load_catalogue
from survey_service.responses.tables import Answer, Response

pytestmark = pytest.mark.anyio

GATE = "xs.other_sector.contact"
CORE = "gp.access.appointment"
REQUIRED = "gp.overall.fft"
HOSPITAL = "xs.hospital.contact"
HANDOVER = "xs.hospital.gp_knew"


@pytest.fixture
async def gp(db):
    """A client for the shipped catalogue and a fresh gp-experience/4 link."""
    from litestar.testing import AsyncTestClient

    from survey_service.invitations import issue_invitation
    from survey_service.practices import add_practice
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.questionnaires.tables import QuestionnaireVersion
    from survey_service.web import create_app

    catalogue = load_catalogue()
    await sync_catalogue(catalogue)
    q = catalogue.get("gp-experience", 4)
    module = q.module_keys[0]
    practice, _key = await add_practice("F0001", "Lægehuset Trin", "gp", "Aarhus")
    version = (
        await QuestionnaireVersion.objects()
        .where((QuestionnaireVersion.slug == q.slug) & (QuestionnaireVersion.version == q.version))
        .first()
    )
    token = await issue_invitation(practice, version, visit_date=dt.date.today(), module=module)
    app = create_app(catalogue=catalogue, connection_pool=False)
    async with AsyncTestClient(app=app) as client:
        yield client, token, q.form(module)


#: The page's send buttons: the hidden default one for Enter, then the visible one.
SEND_BUTTONS = re.compile(
    r'<button type="submit" (?:form="survey" class="visually-hidden"[^>]*|class="button")>'
    r"([^<]*)</button>"
)


def send_buttons(html: str) -> list[str]:
    return SEND_BUTTONS.findall(html)


def hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"\s*/?>', html))


async def step_one(client, token: str, form, gate: str) -> tuple[dict[str, str], object]:
    blank = await client.get(f"/s/{token}", params={"lang": "en"})
    assert blank.status_code == 200
    assert f'id="q-{GATE}"' in blank.text
    assert f'id="q-{HOSPITAL}"' not in blank.text  # follow-ups are not on step 1
    fields = hidden(blank.text)
    answers = {CORE: "4", REQUIRED: form.item(REQUIRED).codes[0], GATE: gate}
    sent = await client.post(f"/s/{token}", data={**fields, **answers}, follow_redirects=False)
    return answers, sent


async def test_no_to_the_screen_stores_at_once(gp):
    client, token, form = gp
    answers, sent = await step_one(client, token, form, "no")
    assert sent.status_code == 303, sent.text[:300]
    assert await Response.count() == 1
    stored = {a["item_id"]: a["value"] for a in await Answer.select(Answer.item_id, Answer.value)}
    assert stored == answers


async def test_yes_gives_step_two_with_hidden_answers_and_stores_nothing(gp):
    client, token, form = gp
    answers, sent = await step_one(client, token, form, "yes")
    assert sent.status_code == 200
    html = sent.text
    carried = hidden(html)
    assert carried["_step"] == "2"
    assert carried["_module"] == form.module and carried["_lang"] == "en"
    assert carried["_csrf_token"]
    assert {k: carried[k] for k in answers} == answers
    assert f'id="q-{HOSPITAL}"' in html and f'id="q-{HANDOVER}"' in html
    assert f'id="q-{CORE}"' not in html and f'id="q-{GATE}"' not in html
    assert "A few questions about your contact with other places" in html
    assert await Response.count() == 0


async def test_step_one_says_continue_and_step_two_says_send(gp):
    """The server cannot know on step 1 whether step 2 follows: "Continue" is true either way."""
    client, token, form = gp
    blank = await client.get(f"/s/{token}", params={"lang": "en"})
    assert send_buttons(blank.text) == ["Continue", "Continue"]
    assert "Send my answers" not in blank.text
    danish = await client.get(f"/s/{token}", params={"lang": "da"})
    assert send_buttons(danish.text) == ["Fortsæt", "Fortsæt"]
    # Step 1 sent back with a problem is still step 1.
    fields = {**hidden(blank.text), GATE: "yes"}  # the required question left blank
    refused = await client.post(f"/s/{token}", data=fields)
    assert refused.status_code == 422
    assert f'id="e-{REQUIRED}"' in refused.text
    assert send_buttons(refused.text) == ["Continue", "Continue"]

    _answers, sent = await step_one(client, token, form, "yes")
    assert hidden(sent.text)["_step"] == "2"
    assert send_buttons(sent.text) == ["Send my answers", "Send my answers"]
    assert "Continue" not in sent.text


async def test_a_form_without_a_gate_says_send_my_answers(db):
    from litestar.testing import AsyncTestClient

    from survey_service.invitations import issue_invitation
    from survey_service.practices import add_practice
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.questionnaires.tables import QuestionnaireVersion
    from survey_service.web import create_app

    catalogue = load_catalogue()
    await sync_catalogue(catalogue)
    q = catalogue.get("practice-short", 2)
    assert not q.follow_up_gates()
    practice, _key = await add_practice("F0002", "Fysioterapien", "physiotherapy", "Aarhus")
    version = (
        await QuestionnaireVersion.objects()
        .where((QuestionnaireVersion.slug == q.slug) & (QuestionnaireVersion.version == q.version))
        .first()
    )
    token = await issue_invitation(practice, version, visit_date=dt.date.today())
    app = create_app(catalogue=catalogue, connection_pool=False)
    async with AsyncTestClient(app=app) as client:
        blank = await client.get(f"/s/{token}", params={"lang": "en"})
        assert blank.status_code == 200
        assert send_buttons(blank.text) == ["Send my answers", "Send my answers"]
        assert "Continue" not in blank.text
        danish = await client.get(f"/s/{token}", params={"lang": "da"})
        assert send_buttons(danish.text) == ["Send mine svar", "Send mine svar"]


async def test_step_two_stores_one_response_and_uses_the_link(gp):
    client, token, form = gp
    answers, sent = await step_one(client, token, form, "yes")
    more = {HOSPITAL: "yes", HANDOVER: "partly"}
    done = await client.post(
        f"/s/{token}", data={**hidden(sent.text), **more}, follow_redirects=False
    )
    assert done.status_code == 303, done.text[:300]
    assert await Response.count() == 1
    stored = {a["item_id"]: a["value"] for a in await Answer.select(Answer.item_id, Answer.value)}
    assert stored == {**answers, **more}
    client.cookies.clear()  # another browser: the link itself is used up
    again = await client.get(f"/s/{token}", params={"lang": "en"})
    assert again.status_code >= 400 or "already" in again.text.lower()
    assert f'id="q-{GATE}"' not in again.text


async def test_tampered_hidden_answers_are_refused_by_field(gp):
    client, token, form = gp
    _answers, sent = await step_one(client, token, form, "yes")
    fields = {**hidden(sent.text), CORE: "99", HOSPITAL: "yes"}
    refused = await client.post(f"/s/{token}", data=fields)
    assert refused.status_code == 422
    assert f'id="e-{CORE}"' in refused.text  # back on step 1, marked at its question
    assert f'name="{HOSPITAL}" value="yes"' in refused.text  # step 2's answer rides along
    assert await Response.count() == 0


async def test_step_two_problems_keep_every_answer(gp):
    client, token, form = gp
    answers, sent = await step_one(client, token, form, "yes")
    fields = {**hidden(sent.text), HOSPITAL: "yes", HANDOVER: "99"}
    refused = await client.post(f"/s/{token}", data=fields)
    assert refused.status_code == 422
    html = refused.text
    assert hidden(html)["_step"] == "2"
    assert f'id="e-{HANDOVER}"' in html
    assert f'name="{HOSPITAL}" value="yes" checked' in html
    assert {k: hidden(html)[k] for k in answers} == answers
    assert await Response.count() == 0


async def test_the_language_switch_on_step_two_stays_on_step_two(gp):
    client, token, form = gp
    answers, sent = await step_one(client, token, form, "yes")
    fields = {**hidden(sent.text), HOSPITAL: "yes", "lang": "da"}
    switched = await client.post(f"/s/{token}", data=fields)
    assert switched.status_code == 200
    html = switched.text
    assert '<html lang="da"' in html
    assert hidden(html)["_step"] == "2"
    assert {k: hidden(html)[k] for k in answers} == answers
    assert f'name="{HOSPITAL}" value="yes" checked' in html
    assert 'class="notice"' in html  # its Danish text once the catalogue is compiled
    assert await Response.count() == 0


async def test_saving_on_step_two_keeps_both_steps(gp):
    client, token, form = gp
    _answers, sent = await step_one(client, token, form, "yes")
    fields = {**hidden(sent.text), HOSPITAL: "yes", "save": "1"}
    saved = await client.post(f"/s/{token}", data=fields)
    assert saved.status_code == 200
    assert hidden(saved.text)["_step"] == "2"
    assert await Response.count() == 0
    back = await client.get(f"/s/{token}", params={"lang": "en"})
    # Step 1 again, filled in; step 2's answer rides along until it is shown.
    assert f'name="{CORE}" value="4" checked' in back.text
    assert hidden(back.text)[HOSPITAL] == "yes"


async def test_the_poster_has_the_same_two_steps(gp):
    client, _token, form = gp
    blank = await client.get("/p/F0001", params={"lang": "en"})
    assert blank.status_code == 200
    if f'id="q-{GATE}"' not in blank.text:
        pytest.skip("the gp poster offers another questionnaire")
    fields = hidden(blank.text)
    answers = {CORE: "4", REQUIRED: form.item(REQUIRED).codes[0], GATE: "yes"}
    step_two = await client.post("/p/F0001", data={**fields, **answers})
    assert step_two.status_code == 200
    assert hidden(step_two.text)["_step"] == "2"
    assert await Response.count() == 0
    more = {HOSPITAL: "no"}
    done = await client.post(
        "/p/F0001", data={**hidden(step_two.text), **more}, follow_redirects=False
    )
    assert done.status_code == 303, done.text[:300]
    stored = {a["item_id"]: a["value"] for a in await Answer.select(Answer.item_id, Answer.value)}
    assert stored == {**answers, **more}

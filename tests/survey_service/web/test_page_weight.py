"""Every patient page is under 30 KB uncompressed, HTML plus its stylesheets.

A patient on a slow phone connection gets one small page. Measured for every
questionnaire a unit is offered today (the newest published version for each
sector), every rotating module of it, and every language it is offered in:
the blank form, the form sent back with a problem at every question, and the
thank-you page. A form with a follow-up step (cross-sector questions behind a
screen) is measured on both steps, each blank and with problems. Sizes are of
the bytes as sent without compression.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from survey_service.i18n import offered_languages
from survey_service.questionnaires import load_catalogue
from survey_service.questionnaires.model import SECTOR_CODES, Questionnaire

pytestmark = [
    pytest.mark.anyio,
    # The weight of a page does not depend on the database: SQLite only.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

LIMIT = 30 * 1024
PLAIN = {"accept-encoding": "identity"}
STYLESHEET = re.compile(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"')


def current_questionnaires() -> list[tuple[str, Questionnaire]]:
    """(sector, questionnaire) for each questionnaire some unit issues today."""
    catalogue = load_catalogue()
    found: dict[str, tuple[str, Questionnaire]] = {}
    for sector in SECTOR_CODES:
        q = catalogue.for_sector(sector)
        if q is not None:
            found.setdefault(q.key, (sector, q))
    assert found, "no questionnaire is offered to any sector"
    return list(found.values())


def forms() -> list[tuple[str, str, str]]:
    """(sector, questionnaire key, module) for every form a patient can be shown."""
    return [
        (sector, q.key, module)
        for sector, q in current_questionnaires()
        for module in (q.module_keys or ("",))
    ]


@pytest.fixture
async def site(db):
    """The app with the shipped questionnaires, one unit per sector that has one."""
    from litestar.testing import AsyncTestClient

    from survey_service.practices import add_practice
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.web import create_app

    catalogue = load_catalogue()
    await sync_catalogue(catalogue)
    practices = {}
    for n, (sector, _q) in enumerate(current_questionnaires()):
        practices[sector], _key = await add_practice(f"W{n:04d}", f"Klinik {n}", sector, "Aarhus")
    app = create_app(catalogue=catalogue, connection_pool=False)
    async with AsyncTestClient(app=app) as client:
        yield client, practices, catalogue


async def weight(client, html: str) -> tuple[int, str]:
    """Bytes of the page plus every stylesheet it links, and a breakdown."""
    sizes = {"html": len(html.encode())}
    for href in STYLESHEET.findall(html):
        sheet = await client.get(href, headers=PLAIN)
        assert sheet.status_code == 200, href
        assert "content-encoding" not in sheet.headers
        sizes[href] = len(sheet.content)
    return sum(sizes.values()), ", ".join(f"{k} {v} B" for k, v in sizes.items())


def invalid_answers(q: Questionnaire) -> dict[str, str]:
    """A wrong answer to every question that has answers to choose or a number.

    Free text gets a short comment, kept on the page: a browser cannot send more
    than the field's ``maxlength``, and a long comment is the patient's own bytes,
    not the weight of the page we serve.
    """
    wrong = {"free_text": "Venligt personale.", "number": "not a number"}
    return {item.id: wrong.get(item.type, "99") for item in q.items}


async def issue(practice, q: Questionnaire, module: str) -> str:
    from survey_service.invitations import issue_invitation
    from survey_service.questionnaires.tables import QuestionnaireVersion

    version = (
        await QuestionnaireVersion.objects()
        .where((QuestionnaireVersion.slug == q.slug) & (QuestionnaireVersion.version == q.version))
        .first()
    )
    return await issue_invitation(practice, version, visit_date=dt.date.today(), module=module)


@pytest.mark.parametrize(("sector", "key", "module"), forms())
async def test_the_form_and_the_form_with_problems_are_light(site, sector, key, module):
    client, practices, catalogue = site
    slug, version = key.split("/")
    q = catalogue.get(slug, int(version))
    shown = q.form(module)
    languages = offered_languages(shown)
    assert {"da", "en"} <= set(languages)
    token = await issue(practices[sector], q, module)
    for language in languages:
        blank = await client.get(f"/s/{token}", params={"lang": language}, headers=PLAIN)
        assert blank.status_code == 200, (language, blank.status_code)
        assert "content-encoding" not in blank.headers
        total, parts = await weight(client, blank.text)
        assert total < LIMIT, f"{key} {module or '-'} {language}: {total} B ({parts})"

        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', blank.text)
        assert csrf
        form = {**invalid_answers(shown), "_lang": language, "_csrf_token": csrf[1]}
        problems = await client.post(f"/s/{token}", data=form, headers=PLAIN)
        assert problems.status_code == 422, (language, problems.status_code)
        # Every question but free text and those behind a condition (their answers
        # are discarded) comes back with its problem.
        asked = sum(1 for i in shown.items if i.show_if is None and i.type != "free_text")
        assert problems.text.count('class="problem"') == asked, language
        total, parts = await weight(client, problems.text)
        assert total < LIMIT, f"{key} {module or '-'} {language} with problems: {total} B ({parts})"
        if shown.follow_up_gates():
            await step_two_is_light(client, token, shown, language, csrf[1], f"{key} {module}")


def opening_answers(q: Questionnaire) -> dict[str, str]:
    """Step-1 answers that open the follow-up step: each gate answered with its "yes".

    Required questions of step 1 get their first answer, or step 1 comes back.
    """
    required = {i.id: i.codes[0] for i in q.step(1).items if i.required and i.codes}
    return {**required, **{gate: sorted(codes)[0] for gate, codes in q.follow_up_gates().items()}}


async def step_two_is_light(client, token: str, q: Questionnaire, language: str, csrf: str, name):
    """The follow-up step, blank and sent back with a problem at every hand-over question."""
    base = {**opening_answers(q), "_lang": language, "_csrf_token": csrf}
    blank = await client.post(f"/s/{token}", data=base, headers=PLAIN)
    assert blank.status_code == 200, (language, blank.status_code)
    assert 'name="_step" value="2"' in blank.text
    total, parts = await weight(client, blank.text)
    assert total < LIMIT, f"{name} {language} step 2: {total} B ({parts})"

    later = q.step(2).items
    # Each sector's contact question "yes", every question behind it wrong.
    opened = {i.show_if.item: i.show_if.codes[0] for i in later if i.show_if}
    wrong = {i.id: opened.get(i.id, "99") for i in later}
    form = {**base, **wrong, "_step": "2"}
    problems = await client.post(f"/s/{token}", data=form, headers=PLAIN)
    assert problems.status_code == 422, (language, problems.status_code)
    assert 'name="_step" value="2"' in problems.text
    asked = sum(1 for i in later if i.id not in opened and i.type != "free_text")
    assert problems.text.count('class="problem"') == asked, language
    total, parts = await weight(client, problems.text)
    assert total < LIMIT, f"{name} {language} step 2 with problems: {total} B ({parts})"


async def test_the_thank_you_page_is_light(site):
    client, _practices, _catalogue = site
    languages = {lang for _s, q in current_questionnaires() for lang in offered_languages(q)}
    for language in sorted(languages):
        page = await client.get("/thanks", params={"lang": language}, headers=PLAIN)
        assert page.status_code == 200
        total, parts = await weight(client, page.text)
        assert total < LIMIT, f"thanks {language}: {total} B ({parts})"

"""Every link-problem page names the patient's next step, in native Danish."""

from __future__ import annotations

import pytest

from survey_service.responses.answering import TooManyGuesses
from survey_service.responses.service import ExpiredLink, UnknownLink
from survey_service.web.errors import _error_page, link_problem_page

pytestmark = pytest.mark.anyio


def words(template) -> str:
    context = template.context
    return " ".join(context[k] for k in ("heading", "message", "next_step") if context.get(k))


@pytest.mark.parametrize(
    ("error", "status", "danish_step", "english_step"),
    [
        (UnknownLink(), 404, "Tjek, at du har hele linket", "Check that you have the whole link"),
        (TooManyGuesses(), 429, "Vent et par minutter", "Wait a few minutes"),
        (ExpiredLink(), 410, "Du behøver ikke gøre mere", "You do not need to do anything more"),
    ],
)
def test_each_link_problem_names_its_next_step(error, status, danish_step, english_step):
    danish = link_problem_page(error, "da")
    english = link_problem_page(error, "en")
    assert danish.status_code == english.status_code == status
    assert danish_step in words(danish)
    assert english_step in words(english)


def test_no_page_tells_a_waiting_or_mistyping_patient_to_stop():
    for error in (UnknownLink(), TooManyGuesses()):
        for language in ("da", "en"):
            text = words(link_problem_page(error, language))
            assert "Tak for din tid" not in text and "Thank you for your time" not in text
            assert "behøver ikke" not in text and "do not need to do" not in text


def test_the_unknown_link_page_says_where_to_ask():
    text = words(link_problem_page(UnknownLink(), "da"))
    assert "klinikken" in text
    assert "ikke helt" not in text  # the old, unfinished "Linket er måske ikke helt"


@pytest.mark.parametrize(
    ("status", "danish"),
    [
        (404, "Tjek, at adressen er skrevet helt og rigtigt."),
        (410, "spørge klinikken"),
        (429, "Vent et øjeblik, og prøv igen."),
        (413, "Gør dine svar kortere"),
    ],
)
def test_error_pages_name_the_next_step(status, danish):
    template = _error_page("da", status)
    assert template.status_code == status
    assert danish in template.context["message"]


async def test_the_summary_reads_as_danish(client, survey):
    import re

    token = await survey.token()
    html = (await client.get(f"/s/{token}", params={"lang": "da"})).text
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert csrf
    form = {"_csrf_token": csrf.group(1), "mini.overall": "9"}
    page = await client.post(f"/s/{token}", data=form)
    assert page.status_code == 422
    assert "Tjek de 2 markerede svar" in page.text
    assert "Se venligst på" not in page.text

"""A survey form is offered only in languages complete for its questionnaire version.

With a scratch locales folder: Polish complete for the fixture questionnaire,
Ukrainian missing one of its texts. Polish is offered, shown in the switch and
stored with the response; Ukrainian is not offered on the form (a request for it
falls back), though pages without a questionnaire still speak it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from survey_service import i18n
from survey_service.i18n import questionnaire_msgids
from survey_service.responses.tables import Response

from ..translation_fixtures import read_from, scratch_locales, write_language

pytestmark = pytest.mark.anyio

MISSING = "Have you been to hospital?"  # in the included module


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixture_catalogue) -> Iterator[Path]:
    root = scratch_locales(tmp_path / "locales")
    texts = questionnaire_msgids(fixture_catalogue.get("mini", 1))
    write_language(root, "pl", texts)
    write_language(root, "uk", texts, drop_text=MISSING)
    read_from(root, monkeypatch)
    yield root
    i18n.clear_caches()


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def test_a_complete_language_is_offered_switched_to_and_stored(client, survey, locales):
    token = await survey.token()
    danish = (await client.get(f"/s/{token}", params={"lang": "da"})).text
    assert re.search(r'<button[^>]* name="lang" value="pl" lang="pl"[^>]*>Polski</button>', danish)
    assert 'value="uk"' not in danish  # incomplete for this version: not in the switch

    polish = (await client.get(f"/s/{token}", params={"lang": "pl"})).text
    assert '<html lang="pl" dir="ltr"' in polish
    assert "[pl] The doctor listened to me." in polish
    assert "[pl] Have you been to hospital?" in polish  # module text from the catalogue
    assert "[pl] Send my answers" in polish  # interface text too
    # The accessibility statement is Danish and English only: the English one.
    assert 'href="/accessibility?lang=en"' in polish

    form = {"_csrf_token": csrf_of(polish), "_lang": "pl", "mini.listened": "4"}
    sent = await client.post(f"/s/{token}", data=form, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/thanks?lang=pl"
    assert (await Response.select(Response.language).first())["language"] == "pl"


async def test_an_incomplete_language_falls_back(client, survey, locales):
    token = await survey.token(language="uk")
    invited = (await client.get(f"/s/{token}")).text
    assert '<html lang="da"' in invited and "Lægen lyttede til mig." in invited
    assert "Українська" not in invited

    asked = await client.get(f"/s/{token}", params={"lang": "uk"})
    assert '<html lang="da"' in asked.text

    browser = await client.get(f"/s/{token}", headers={"accept-language": "uk, en;q=0.8"})
    assert '<html lang="en"' in browser.text  # the browser's next acceptable language

    # A page with no questionnaire needs only the interface, which is complete.
    thanks = await client.get("/thanks", params={"lang": "uk"})
    assert '<html lang="uk"' in thanks.text and "[uk] Thank you for your answers" in thanks.text


async def test_the_api_refuses_a_language_the_version_is_not_offered_in(client, survey, locales):
    token = await survey.token()
    result = await client.post(
        "/api/v1/responses",
        json={"token": token, "language": "uk", "answers": {"mini.listened": "4"}},
    )
    assert result.status_code == 422
    assert result.json()["detail"].startswith("language:")
    assert await Response.count() == 0

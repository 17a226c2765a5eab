"""The accessibility statement a Danish public body must publish, linked from every page."""

from __future__ import annotations

import dataclasses
import os

import pytest

from survey_service.settings import SettingsError, load_settings

pytestmark = pytest.mark.anyio


async def test_the_statement_in_danish_and_english(client, survey):
    danish = await client.get("/accessibility", params={"lang": "da"})
    assert danish.status_code == 200
    assert '<html lang="da"' in danish.text
    assert "<h1>Tilgængelighedserklæring</h1>" in danish.text
    assert "WCAG" in danish.text and "2.2" in danish.text
    assert "delvist" in danish.text  # the claim is honest: partly conforming
    assert "Kendte mangler" in danish.text
    assert "Digitaliseringsstyrelsen" in danish.text
    english = await client.get("/accessibility", params={"lang": "en"})
    assert "<h1>Accessibility statement</h1>" in english.text
    assert "partly conform" in english.text and "Known gaps" in english.text
    # Without a configured address it names no address and asks for the region.
    assert "mailto:" not in english.text
    assert "contact the region that sent you the survey" in english.text


async def test_the_contact_address_comes_from_settings(db, fixture_catalogue):
    from litestar.testing import AsyncTestClient

    from survey_service.web import create_app

    settings = dataclasses.replace(
        load_settings(), accessibility_contact="tilgaengelighed@region.example"
    )
    app = create_app(settings=settings, catalogue=fixture_catalogue, connection_pool=False)
    async with AsyncTestClient(app=app) as client:
        page = await client.get("/accessibility", params={"lang": "en"})
    assert (
        '<a href="mailto:tilgaengelighed@region.example">tilgaengelighed@region.example</a>'
        in page.text
    )


def test_a_contact_that_is_not_an_address_stops_start_up():
    for bad in ("nobody", "a@b", 'x@y.dk"><script>'):
        with pytest.raises(SettingsError, match="ACCESSIBILITY_CONTACT"):
            load_settings({**os.environ, "ACCESSIBILITY_CONTACT": bad})
    good = load_settings({**os.environ, "ACCESSIBILITY_CONTACT": "web@rm.dk"})
    assert good.accessibility_contact == "web@rm.dk"


async def test_every_patient_page_links_to_the_statement(client, survey):
    token = await survey.token()
    pages = [
        await client.get(f"/s/{token}", params={"lang": "da"}),
        await client.get("/p/P0001", params={"lang": "da"}),
        await client.get("/s/" + "A" * 20, params={"lang": "da"}),
        await client.get("/thanks", params={"lang": "da"}),
        await client.get(f"/s/{token}/stop", params={"lang": "da"}),
    ]
    for result in pages:
        assert '<a class="foot-link" href="/accessibility?lang=da">' in result.text, result.url
        assert "Tilgængelighedserklæring</a>" in result.text

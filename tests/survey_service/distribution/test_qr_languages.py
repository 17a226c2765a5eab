"""Posters and slips in a chosen pair of languages, Arabic drawn right to left."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image, ImageDraw, features

from survey_service import i18n
from survey_service.distribution.qr import (
    DEFAULT_LANGUAGES,
    _font,
    poster_languages,
    poster_layout,
    render_png,
    render_svg,
    slip_languages,
    slip_layout,
)

from .clitools import survey_service
from .test_api import auth
from .test_qr import decode_png, decode_svg

URL = "https://survey.rm.dk/p/P0001"
#: our own Arabic for the poster's lines (the translators' catalogue may not be in yet)
ARABIC = {
    "Tell us about your visit": "أخبرنا عن زيارتك",
    "Scan the code with your phone's camera.": "امسح الرمز بكاميرا هاتفك.",
    "Your answers are anonymous.": "إجاباتك لا تحمل اسمك.",
    "This code works once, until %(date)s.": "يعمل هذا الرمز مرة واحدة حتى %(date)s.",
}


class _Arabic:
    def gettext(self, message: str) -> str:
        return ARABIC.get(message, message)


@pytest.fixture
def arabic(monkeypatch):
    """Arabic shipped, with the poster's lines translated."""
    real = i18n.translations
    shipped = tuple(dict.fromkeys((*i18n.patient_languages(), "ar")))
    monkeypatch.setattr(i18n, "patient_languages", lambda directory=None: shipped)
    monkeypatch.setattr(
        i18n, "translations", lambda lang: _Arabic() if lang == "ar" else real(lang)
    )


def _texts(svg: str) -> list[tuple[str, str]]:
    """(attributes, text) of every <text> element."""
    return re.findall(r"<text ([^>]*)>([^<]*)</text>", svg)


def test_the_pair_is_two_different_shipped_languages(arabic):
    assert poster_languages(None) == poster_languages(" ") == DEFAULT_LANGUAGES == ("da", "en")
    assert poster_languages("da,ar") == ("da", "ar")
    assert poster_languages(" AR , da ") == ("ar", "da")
    with pytest.raises(ValueError, match="'xx' is not one of the shipped languages"):
        poster_languages("da,xx")
    with pytest.raises(ValueError, match="two languages"):
        poster_languages("da")
    with pytest.raises(ValueError, match="two languages"):
        poster_languages("da,en,ar")
    with pytest.raises(ValueError, match="two different"):
        poster_languages("da,da")


@pytest.mark.parametrize("paper", ["A4", "A5"])
def test_a_danish_arabic_poster_sets_arabic_right_to_left_and_still_decodes(arabic, paper):
    layout = poster_layout("Lægehuset Ørsted", URL, paper, ("da", "ar"))
    svg = render_svg(layout).decode()
    texts = _texts(svg)
    arabic_lines = [(attrs, text) for attrs, text in texts if 'xml:lang="ar"' in attrs]
    assert {text for _, text in arabic_lines} == {
        "أخبرنا عن زيارتك",
        "امسح الرمز بكاميرا هاتفك.",
        "إجاباتك لا تحمل اسمك.",
    }
    assert all('direction="rtl"' in attrs for attrs, _ in arabic_lines)
    danish = [attrs for attrs, text in texts if text == "Fortæl os om dit besøg"]
    assert danish and all('xml:lang="da"' in a and "rtl" not in a for a in danish)
    assert "Tell us about your visit" not in svg  # the pair replaces English
    # the name and the URL belong to no language: no direction forced on them
    assert next(a for a, t in texts if t == URL).count("direction") == 0
    assert decode_svg(render_svg(layout)) == [URL]
    assert decode_png(render_png(layout)) == [URL]


def test_arabic_first_is_printed_large(arabic):
    layout = poster_layout("Lægehuset Ørsted", URL, "A4", ("ar", "da"))
    head = next(line for line in layout.lines if line.text == "أخبرنا عن زيارتك")
    under = next(line for line in layout.lines if line.text == "Fortæl os om dit besøg")
    assert head.rtl and head.bold and not under.rtl and under.grey
    assert head.size > under.size and head.y < under.y


def test_the_png_shapes_arabic_rather_than_drawing_isolated_letters(arabic):
    """Joined Arabic is narrower than its letters drawn one by one."""
    if not features.check("raqm"):
        pytest.skip("Pillow without libraqm cannot shape Arabic")
    png = render_png(poster_layout("x", URL, "A5", ("da", "ar")))
    assert decode_png(png) == [URL]
    font = _font(60, True)
    draw = ImageDraw.Draw(Image.new("L", (10, 10)))
    shaped = draw.textlength("أخبرنا", font=font, direction="rtl", language="ar")
    isolated = sum(draw.textlength(c, font=font, direction="rtl") for c in "أخبرنا")
    assert shaped < isolated


def test_a_slip_pairs_danish_with_the_links_language(arabic):
    assert slip_languages(None) == slip_languages("da") == slip_languages("en") == ("da", "en")
    assert slip_languages("ar") == ("da", "ar")
    assert slip_languages("xx") == ("da", "en")  # no complete catalogue: not on the slip
    link = "https://survey.rm.dk/s/AbCdEfGhIjKlMnOpQrSt"
    layout = slip_layout("Lægehuset Test", link, dt.date(2026, 12, 7), ("da", "ar"))
    svg = render_svg(layout).decode()
    assert "7. december 2026" in svg
    once = [a for a, t in _texts(svg) if t.startswith("يعمل هذا الرمز")]
    assert once and 'direction="rtl"' in once[0]
    assert decode_png(render_png(layout)) == [link]
    image = Image.open(io.BytesIO(render_png(layout)))
    assert image.size[0] == round(80 / 25.4 * 300)


@pytest.mark.anyio
async def test_the_poster_api_takes_a_pair_and_names_a_bad_one(arabic, clinic, app_client):
    async with app_client(clinic.settings) as client:
        url = "/api/v1/practices/P0001/poster"
        response = await client.get(f"{url}?languages=da,xx", headers=auth(clinic.key))
        assert response.status_code == 422
        assert set(response.json()["errors"]) == {"languages"}
        assert "'xx'" in response.json()["errors"]["languages"]
        response = await client.get(f"{url}?languages=da,ar", headers=auth(clinic.key))
        assert response.status_code == 200
        assert 'xml:lang="ar" direction="rtl"' in response.text
        assert "أخبرنا عن زيارتك" in response.text


@pytest.mark.anyio
async def test_the_cli_refuses_an_unshipped_language_in_one_line(clinic, database_url, tmp_path):
    out = tmp_path / "poster.svg"
    env = {"DATABASE_URL": database_url, "PUBLIC_BASE_URL": "https://survey.rm.dk"}
    result = await survey_service(
        "qr", "poster", "P0001", "--languages", "da,xx", "--out", str(out), env=env
    )
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: --languages: 'xx' is not one of the shipped languages")
    assert not out.exists()
    result = await survey_service(
        "qr", "poster", "P0001", "--languages", "en,da", "--out", str(out), env=env
    )
    assert result.returncode == 0, result.stderr
    svg = out.read_text()
    assert svg.index("Tell us about your visit") < svg.index("Fortæl os om dit besøg")
    result = await survey_service(
        "qr", "slip", "P0001", "--language", "xx", "--out", str(tmp_path / "s.svg"), env=env
    )
    assert result.returncode == 2 and "--language 'xx'" in result.stderr

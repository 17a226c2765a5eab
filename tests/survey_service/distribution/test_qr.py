"""QR posters and slips: they render, and their codes decode to the right link."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import zxingcpp
from PIL import Image

from survey_service.distribution.qr import (
    poster_layout,
    qr_matrix,
    render_png,
    render_svg,
    slip_layout,
)

URL = "https://survey.rm.dk/p/P0001"


def decode_png(data: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


def decode_svg(svg: bytes) -> list[str]:
    """Rasterise the SVG's code (its path is unit squares) and decode that."""
    text = svg.decode()
    size = int(re.search(r'<rect width="(\d+)" height="\1" fill="#fff"/><path', text).group(1))
    path = re.search(r'<path d="([^"]+)"', text).group(1)
    image = Image.new("L", (size * 8, size * 8), 255)
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", path):
        image.paste(0, (int(x) * 8, int(y) * 8, int(x) * 8 + 8, int(y) * 8 + 8))
    return [r.text for r in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("paper", ["A4", "A5"])
def test_poster_png_decodes_to_the_practice_url(paper):
    png = render_png(poster_layout("Lægehuset Ørsted", URL, paper))
    image = Image.open(io.BytesIO(png))
    width_mm = image.size[0] / 300 * 25.4
    assert round(width_mm) == {"A4": 210, "A5": 148}[paper]
    assert decode_png(png) == [URL]


@pytest.mark.parametrize("paper", ["A4", "A5"])
def test_poster_svg_decodes_and_speaks_danish_and_english(paper):
    svg = render_svg(poster_layout("Lægehuset <Ørsted> & Co", URL, paper))
    text = svg.decode()
    assert 'width="{}mm"'.format({"A4": 210, "A5": 148}[paper]) in text
    assert "Lægehuset &lt;Ørsted&gt; &amp; Co" in text  # escaped, not markup
    assert "Fortæl os om dit besøg" in text and "Tell us about your visit" in text
    assert "Scan koden med mobilens kamera." in text
    assert (
        "Scan the code with your phone&apos;s camera." in text
        or "Scan the code with your phone's camera." in text
    )
    assert URL in text
    assert decode_svg(svg) == [URL]


def test_slip_decodes_to_its_single_use_link_and_shows_the_last_day():
    link = "https://survey.rm.dk/s/AbCdEfGhIjKlMnOpQrSt"
    layout = slip_layout("Lægehuset Test", link, dt.date(2026, 12, 7))
    assert decode_png(render_png(layout)) == [link]
    svg = render_svg(layout).decode()
    assert "7. december 2026" in svg and "December 7, 2026" in svg


def test_codes_use_medium_error_correction_and_a_quiet_zone():
    matrix = qr_matrix(URL)
    assert not any(matrix[0]) and not any(row[0] for row in matrix)  # white border
    assert not any(matrix[3]) and any(matrix[4])  # of exactly four modules
    png = render_png(poster_layout("x", URL, "A5"))
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert code.ec_level == "M"

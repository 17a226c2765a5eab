"""The region's SVG: limits by hand, contrast of the heat map's text, well-formed XML."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from survey_service.region.charts import (
    FunnelPoint,
    FunnelWords,
    HeatCell,
    HeatWords,
    funnel_chart,
    funnel_limits,
    heat_colour,
    heat_map,
    text_colour,
)

SVG = "{http://www.w3.org/2000/svg}"
WORDS = FunnelWords("n", "score", "mean", "95", "99.8")


def _contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        def ch(c: int) -> float:
            s = c / 255
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

        r, g, b_ = (int(h[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b_)

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_mean_limits_are_mu_plus_minus_z_sqrt_sw2_over_n_plus_tau2():
    low, high = funnel_limits("mean", 70.0, 25.0, 9.0, [25.0, 100.0], 1.959964)
    # n = 25: sqrt(625 / 25 + 9) = sqrt(34); n = 100: sqrt(6.25 + 9) = sqrt(15.25)
    assert low[0] == pytest.approx(70 - 1.959964 * math.sqrt(34))
    assert high[1] == pytest.approx(70 + 1.959964 * math.sqrt(15.25))
    low998, _ = funnel_limits("mean", 70.0, 25.0, 0.0, [25.0], 3.090232)
    assert low998[0] == pytest.approx(70 - 3.090232 * 5.0)


def test_proportion_limits_are_on_the_arcsine_scale():
    low, high = funnel_limits("proportion", 0.3, None, 0.004, [40.0], 1.959964)
    theta, half = math.asin(math.sqrt(0.3)), 1.959964 * math.sqrt(1 / 160 + 0.004)
    assert low[0] == pytest.approx(math.sin(theta - half) ** 2)
    assert high[0] == pytest.approx(math.sin(theta + half) ** 2)


@pytest.mark.parametrize("share", [i / 20 for i in range(21)])
def test_heat_map_text_keeps_wcag_contrast_on_every_colour(share):
    fill = heat_colour(share)
    assert _contrast(fill, text_colour(fill)) >= 4.5, fill


def test_more_problems_are_darker():
    assert _contrast(heat_colour(1.0), "#ffffff") > _contrast(heat_colour(0.0), "#ffffff")


def test_funnel_svg_is_xml_with_a_title_per_point_and_escapes_names():
    points = [
        FunnelPoint("A<1>", 40, 81.0, "as_expected", "/feedback/A1", "Klinik <A> & co"),
        FunnelPoint("B2", 90, 60.0, "alarm_below", "/feedback/B2", "Klinik B"),
    ]
    svg = ET.fromstring(
        funnel_chart("f", "T", "D", measure="mean", mu=75.0, s_w=20.0, tau2=1.0,
                     points=points, words=WORDS)
    )  # fmt: skip
    links = svg.findall(f".//{SVG}a")
    assert [a.find(f"{SVG}title").text for a in links] == ["Klinik <A> & co", "Klinik B"]
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "f-title"
    limits = {p.get("data-limit") for p in svg.iter(f"{SVG}polyline")}
    assert limits == {"95-lower", "95-upper", "998-lower", "998-upper"}


def test_heat_map_is_xml_with_a_number_in_each_cell():
    cells = {
        ("hospital", "gp"): HeatCell(31.0, "31 %", "/x", "t"),
        ("gp", "hospital"): HeatCell(None, "<10 answers", "/y", "u"),
    }
    svg = ET.fromstring(
        heat_map("h", "T", "D", sources=[("gp", "GP"), ("hospital", "Hospital")],
                 targets=[("gp", "GP"), ("hospital", "Hospital")], cells=cells,
                 scale_max=40.0, words=HeatWords("From", "To", "Share", "not asked"))
    )  # fmt: skip
    texts = [a.find(f"{SVG}text").text for a in svg.findall(f".//{SVG}a")]
    assert sorted(texts) == ["31 %", "<10 answers"]

"""The trend chart: accessible SVG whose points say their numbers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from survey_service.feedback.charts import TrendPoint, trend_chart

NS = {"s": "http://www.w3.org/2000/svg"}


def test_trend_chart_is_valid_svg_with_title_desc_and_labelled_points():
    svg = trend_chart(
        "Communication <over time>",
        "Adjusted score per period",
        [
            TrendPoint("2026-Q1", 71.25, 65.0, 77.5),
            TrendPoint("2026-Q2", None, note="too few answers"),
            TrendPoint("2026-Q3", 80.0, 74.0, 86.0),
            TrendPoint("2026-Q4", 82.0, 77.0, 87.0),
        ],
    )
    root = ET.fromstring(svg)
    assert root.find("s:title", NS).text == "Communication <over time>"  # escaped, then read
    assert root.find("s:desc", NS).text == "Adjusted score per period"
    titles = [t.text for t in root.findall("s:g/s:title", NS)]
    assert titles == [
        "2026-Q1: 71.2 (95% 65.0–77.5)",
        "2026-Q2: too few answers",
        "2026-Q3: 80.0 (95% 74.0–86.0)",
        "2026-Q4: 82.0 (95% 77.0–87.0)",
    ]
    # The suppressed period breaks the line: one polyline after it, none across it.
    polylines = root.findall("s:polyline", NS)
    assert len(polylines) == 1 and len(polylines[0].get("points").split()) == 2
    assert len(root.findall("s:g/s:circle", NS)) == 3


def test_higher_scores_are_drawn_higher_and_values_are_clamped():
    svg = trend_chart(
        "t", "d", [TrendPoint("a", 10.0), TrendPoint("b", 90.0), TrendPoint("c", 120)]
    )
    root = ET.fromstring(svg)
    ys = [float(c.get("cy")) for c in root.findall("s:g/s:circle", NS)]
    assert ys[0] > ys[1]  # SVG y grows downwards
    assert ys[2] == min(ys)  # 120 is drawn at the top of the 0-100 scale

"""Server-rendered SVG charts for the feedback pages: no JavaScript, readable without colour.

Every chart has a ``<title>`` and a ``<desc>`` (its text alternative), each point a
``<title>`` of its own (shown on hover and read by screen readers), and the page
puts the table of the same numbers beside it. Colours are from the Okabe–Ito
palette, which stays distinguishable with the common colour-vision deficiencies;
shape and labels carry the meaning too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["TrendPoint", "trend_chart"]

#: Okabe–Ito blue, and a grey for the interval bars.
_LINE = "#0072B2"
_BAR = "#56B4E9"
_AXIS = "#595959"


@dataclass(frozen=True)
class TrendPoint:
    """One released period of one domain: the adjusted score and its 95% interval."""

    period: str
    value: float | None
    low: float | None = None
    high: float | None = None
    #: shown instead of a number (e.g. "too few answers")
    note: str = ""


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def trend_chart(
    title: str,
    description: str,
    points: Sequence[TrendPoint],
    *,
    width: int = 320,
    height: int = 160,
    low: float = 0.0,
    high: float = 100.0,
) -> str:
    """A small line chart of adjusted scores over periods, with interval bars.

    Periods without a value (suppressed) are gaps, not zeros, and are named in
    the points' titles.
    """
    left, right, top, bottom = 34, 8, 10, 26
    inner_w, inner_h = width - left - right, height - top - bottom
    n = max(len(points), 1)

    def x(i: int) -> float:
        return left + (inner_w * (i + 0.5) / n)

    def y(v: float) -> float:
        v = min(max(v, low), high)
        return top + inner_h * (1 - (v - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description)}</desc>",
    ]
    for tick in (low, (low + high) / 2, high):
        ty = y(tick)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'stroke="{_AXIS}" stroke-opacity="0.25"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{ty + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="{_AXIS}">{tick:g}</text>'
        )
    segments: list[list[str]] = [[]]
    for i, point in enumerate(points):
        cx = x(i)
        parts.append(
            f'<text x="{cx:.1f}" y="{height - 8}" text-anchor="middle" font-size="10" '
            f'fill="{_AXIS}">{escape(point.period)}</text>'
        )
        if point.value is None:
            segments.append([])  # a gap: a suppressed period is not drawn as a value
            continue
        if point.low is not None and point.high is not None:
            parts.append(
                f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(point.low):.1f}" '
                f'y2="{y(point.high):.1f}" stroke="{_BAR}" stroke-width="4"/>'
            )
        segments[-1].append(f"{cx:.1f},{y(point.value):.1f}")
    for segment in segments:
        if len(segment) > 1:
            parts.append(
                f'<polyline points="{" ".join(segment)}" fill="none" stroke="{_LINE}" '
                'stroke-width="2"/>'
            )
    for i, point in enumerate(points):
        label = _point_label(point)
        if point.value is None:
            parts.append(
                f'<g tabindex="0"><title>{escape(label)}</title>'
                f'<text x="{x(i):.1f}" y="{top + inner_h / 2:.1f}" text-anchor="middle" '
                f'font-size="10" fill="{_AXIS}">–</text></g>'
            )
            continue
        parts.append(
            f'<g tabindex="0"><title>{escape(label)}</title>'
            f'<circle cx="{x(i):.1f}" cy="{y(point.value):.1f}" r="4" fill="{_LINE}"/></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _point_label(point: TrendPoint) -> str:
    if point.value is None:
        return f"{point.period}: {point.note or 'no result'}"
    interval = ""
    if point.low is not None and point.high is not None:
        interval = f" (95% {_fmt(point.low)}–{_fmt(point.high)})"
    return f"{point.period}: {_fmt(point.value)}{interval}"

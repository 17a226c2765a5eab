"""Server-rendered SVG for the region's pages: funnel plots and the cross-sector heat map.

No JavaScript and no chart library: each chart is one ``<svg>`` string with a
``<title>`` and ``<desc>`` (its text alternative, referenced by
``aria-labelledby``/``aria-describedby``), and every unit or cell is a link
(``<a href tabindex="0">``) with its own ``<title>``, so a keyboard reaches it and
a screen reader or a mouse hover tells its name and numbers. The page puts a
table of the same numbers beside every chart.

Colours: points use the Okabe–Ito palette and a shape per label, so the label
does not depend on colour; the heat map uses viridis, which is sequential,
readable in greyscale and by the common colour-vision deficiencies, with its
text black or white, whichever contrasts more with the cell.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from analysis.funnel import Z_95, Z_998, FunnelLimits

__all__ = [
    "FunnelPoint",
    "FunnelWords",
    "HeatCell",
    "HeatWords",
    "funnel_chart",
    "funnel_limits",
    "heat_colour",
    "heat_map",
    "text_colour",
]

#: No point gets a text label below this many answers (ANALYSIS_SPEC 6: no label below 20).
LABEL_MIN_N = 20

_AXIS = "#595959"
_TARGET = "#000000"
_LIMIT95 = "#0072B2"
_LIMIT998 = "#D55E00"
#: flag -> (fill, shape); the shape carries the meaning without colour
_MARKS = {
    "alarm_above": ("#009E73", "up"),
    "above": ("#009E73", "up"),
    "alarm_below": ("#D55E00", "down"),
    "below": ("#D55E00", "down"),
    "as_expected": ("#0072B2", "circle"),
    "low_reliability": ("#999999", "circle"),
}
#: viridis at ten even stops (matplotlib's), dark purple to yellow
_VIRIDIS = (
    "#440154",
    "#482878",
    "#3e4989",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6ece58",
    "#b5de2b",
    "#fde725",
)


@dataclass(frozen=True)
class FunnelPoint:
    """One unit drawn in a funnel: never a suppressed one (it has no number to draw)."""

    code: str
    n: int
    #: adjusted score 0..100, or a percentage for a proportion funnel
    value: float
    flag: str
    href: str
    #: the point's ``<title>``: name and numbers, in the page's language
    tooltip: str


@dataclass(frozen=True)
class FunnelWords:
    """The chart's own words, in the page's language."""

    x_axis: str
    y_axis: str
    target: str
    limit95: str
    limit998: str


def funnel_limits(
    measure: str, mu: float, s_w: float | None, tau2: float | None, n: Sequence[float], z: float
) -> tuple[np.ndarray, np.ndarray]:
    """Limits at sizes ``n`` (ANALYSIS_SPEC 4), on the stored scale.

    Means: ``mu +/- z sqrt(s_w^2 / n + tau2)``. Proportions (``mu`` a share
    0..1): ``sin^2(asin(sqrt(mu)) +/- z sqrt(1 / (4 n) + tau2))``. The formula
    is :mod:`analysis.funnel`'s, so the drawn curve is the one the flags used.
    """
    nothing = np.empty(0)
    limits = FunnelLimits(
        measure=measure,
        target=mu,
        s_w=float(s_w) if s_w is not None else float("nan"),
        phi=float("nan"),
        tau2=float(tau2 or 0.0),
        n_used=0,
        z=nothing,
        lower95=nothing,
        upper95=nothing,
        lower998=nothing,
        upper998=nothing,
    )
    curve = limits.curve(list(n))
    label = "95" if z == Z_95 else "998"
    if z not in (Z_95, Z_998):
        raise ValueError("z: use Z_95 or Z_998")
    return curve[f"lower{label}"].to_numpy(), curve[f"upper{label}"].to_numpy()


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = max(span, 1e-9) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(s * power for s in (1, 2, 2.5, 5, 10) if s * power >= raw)


@dataclass(frozen=True)
class _Scale:
    left: float
    top: float
    width: float
    height: float
    x_max: float
    y_low: float
    y_high: float

    def x(self, n: float) -> float:
        return self.left + self.width * n / self.x_max

    def y(self, v: float) -> float:
        return self.top + self.height * (1 - (v - self.y_low) / (self.y_high - self.y_low))


def funnel_scale(
    measure: str,
    mu: float,
    s_w: float | None,
    tau2: float | None,
    points: Sequence[FunnelPoint],
    *,
    width: int = 640,
    height: int = 360,
) -> _Scale:
    """Where a funnel's axes run: every point and the 95% limits from 10 answers fit."""
    factor = 100.0 if measure == "proportion" else 1.0
    n_max = max([p.n for p in points] + [20])
    x_step = _nice_step(n_max * 1.05)
    x_max = x_step * math.ceil(n_max * 1.05 / x_step)
    # Both limits are drawn in full from 10 answers wherever the scale allows.
    low998, high998 = funnel_limits(measure, mu, s_w, tau2, [10.0, x_max], Z_998)
    values = [p.value for p in points] + [low998[0] * factor, high998[0] * factor, mu * factor]
    top_value = 100.0
    low, high = max(0.0, min(values)), min(top_value, max(values))
    step = _nice_step(high - low)
    low = max(0.0, step * math.floor(low / step - 0.25))
    high = min(top_value, step * math.ceil(high / step + 0.25))
    if high <= low:
        low, high = max(0.0, low - 5), min(top_value, high + 5)
    left, right, top, bottom = 56, 16, 16, 52
    return _Scale(left, top, width - left - right, height - top - bottom, x_max, low, high)


def _mark(shape: str, cx: float, cy: float, fill: str, hollow: bool, size: float = 6.0) -> str:
    paint = f'fill="#ffffff" stroke="{fill}" stroke-width="2"' if hollow else f'fill="{fill}"'
    if shape == "circle":
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{size - 1:.1f}" {paint}/>'
    d = size if shape == "up" else -size
    return (
        f'<polygon points="{cx:.1f},{cy - d:.1f} {cx - size:.1f},{cy + d * 0.8:.1f} '
        f'{cx + size:.1f},{cy + d * 0.8:.1f}" {paint} stroke="#000000" stroke-width="0.5"/>'
    )


def funnel_chart(
    chart_id: str,
    title: str,
    description: str,
    *,
    measure: str,
    mu: float,
    s_w: float | None,
    tau2: float | None,
    points: Sequence[FunnelPoint],
    words: FunnelWords,
    higher_is_better: bool = True,
    width: int = 640,
    height: int = 360,
) -> str:
    """A funnel plot: value against number of answers, with the target and its
    95% and 99.8% limits (overdispersion included) drawn as curves.

    ``chart_id`` makes the ids of title, description and clip path unique on a
    page with several charts. ``higher_is_better`` False (gap rates) swaps the
    colours of above and below: above the funnel is then the worse side. Only
    points at ``LABEL_MIN_N`` answers or more outside the 95% limits get a text
    label (their code).
    """
    factor = 100.0 if measure == "proportion" else 1.0
    scale = funnel_scale(measure, mu, s_w, tau2, points, width=width, height=height)
    grid = sorted({*np.linspace(10.0, scale.x_max, 80).tolist(), *(float(p.n) for p in points)})
    grid = [g for g in grid if g >= 10.0] or [10.0]
    ids = {k: f"{chart_id}-{k}" for k in ("title", "desc", "clip")}
    plot_bottom = scale.top + scale.height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart funnel" '
        f'aria-labelledby="{ids["title"]}" aria-describedby="{ids["desc"]}">',
        f'<title id="{ids["title"]}">{escape(title)}</title>',
        f'<desc id="{ids["desc"]}">{escape(description)}</desc>',
        f'<clipPath id="{ids["clip"]}"><rect x="{scale.left}" y="{scale.top}" '
        f'width="{scale.width}" height="{scale.height}"/></clipPath>',
    ]
    y_step = _nice_step(scale.y_high - scale.y_low)
    tick = scale.y_low
    while tick <= scale.y_high + 1e-9:
        ty = scale.y(tick)
        parts.append(
            f'<line x1="{scale.left}" x2="{scale.left + scale.width}" y1="{ty:.1f}" '
            f'y2="{ty:.1f}" stroke="{_AXIS}" stroke-opacity="0.2"/>'
            f'<text x="{scale.left - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{_AXIS}">{tick:g}</text>'
        )
        tick += y_step
    x_step = _nice_step(scale.x_max)
    tick = 0.0
    while tick <= scale.x_max + 1e-9:
        tx = scale.x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{plot_bottom}" y2="{plot_bottom + 4}" '
            f'stroke="{_AXIS}"/><text x="{tx:.1f}" y="{plot_bottom + 16}" '
            f'text-anchor="middle" font-size="11" fill="{_AXIS}">{tick:g}</text>'
        )
        tick += x_step
    parts.append(
        f'<line x1="{scale.left}" x2="{scale.left + scale.width}" y1="{plot_bottom}" '
        f'y2="{plot_bottom}" stroke="{_AXIS}"/>'
        f'<line x1="{scale.left}" x2="{scale.left}" y1="{scale.top}" y2="{plot_bottom}" '
        f'stroke="{_AXIS}"/>'
        f'<text x="{scale.left + scale.width / 2:.1f}" y="{height - 22}" text-anchor="middle" '
        f'font-size="12" fill="#000000">{escape(words.x_axis)}</text>'
        f'<text transform="translate(14 {scale.top + scale.height / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" font-size="12" fill="#000000">{escape(words.y_axis)}</text>'
    )
    parts.append(f'<g clip-path="url(#{ids["clip"]})" fill="none">')
    target_y = scale.y(mu * factor)
    parts.append(
        f'<line x1="{scale.left}" x2="{scale.left + scale.width}" y1="{target_y:.1f}" '
        f'y2="{target_y:.1f}" stroke="{_TARGET}" stroke-width="1.5" data-limit="target"/>'
    )
    for z, colour, dash, label in (
        (Z_95, _LIMIT95, "6 4", "95"),
        (Z_998, _LIMIT998, "2 3", "998"),
    ):
        lows, highs = funnel_limits(measure, mu, s_w, tau2, grid, z)
        for side, values in (("lower", lows), ("upper", highs)):
            coords = " ".join(
                f"{scale.x(n):.2f},{scale.y(v * factor):.2f}"
                for n, v in zip(grid, values, strict=True)
            )
            parts.append(
                f'<polyline points="{coords}" stroke="{colour}" stroke-width="1.8" '
                f'stroke-dasharray="{dash}" data-limit="{label}-{side}"/>'
            )
    parts.append("</g>")
    lows95, highs95 = funnel_limits(
        measure, mu, s_w, tau2, [float(p.n) for p in points] or [10], Z_95
    )
    for index, point in enumerate(points):
        fill, shape = _MARKS.get(point.flag, _MARKS["as_expected"])
        if not higher_is_better and shape != "circle":
            fill = _MARKS["below" if shape == "up" else "above"][0]
        cx, cy = scale.x(point.n), scale.y(min(max(point.value, scale.y_low), scale.y_high))
        size = 8.0 if point.flag.startswith("alarm_") else 6.0
        parts.append(
            f'<a href="{escape(point.href)}" tabindex="0" class="point">'
            f"<title>{escape(point.tooltip)}</title>"
            # Outside the 99.8% limits: a larger mark, so it does not hang on colour.
            f"{_mark(shape, cx, cy, fill, point.flag == 'low_reliability', size)}"
        )
        outside = not (lows95[index] * factor <= point.value <= highs95[index] * factor)
        if point.n >= LABEL_MIN_N and outside:
            parts.append(
                f'<text x="{cx + 8:.1f}" y="{cy + 4:.1f}" font-size="11" fill="#000000">'
                f"{escape(point.code)}</text>"
            )
        parts.append("</a>")
    legend_y = height - 6
    parts.append(
        f'<g font-size="11" fill="#000000">'
        f'<line x1="{scale.left}" x2="{scale.left + 24}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
        f'stroke="{_TARGET}" stroke-width="1.5"/>'
        f'<text x="{scale.left + 28}" y="{legend_y}">{escape(words.target)}</text>'
        f'<line x1="{scale.left + 180}" x2="{scale.left + 204}" y1="{legend_y - 4}" '
        f'y2="{legend_y - 4}" stroke="{_LIMIT95}" stroke-width="1.8" stroke-dasharray="6 4"/>'
        f'<text x="{scale.left + 208}" y="{legend_y}">{escape(words.limit95)}</text>'
        f'<line x1="{scale.left + 360}" x2="{scale.left + 384}" y1="{legend_y - 4}" '
        f'y2="{legend_y - 4}" stroke="{_LIMIT998}" stroke-width="1.8" stroke-dasharray="2 3"/>'
        f'<text x="{scale.left + 388}" y="{legend_y}">{escape(words.limit998)}</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class HeatCell:
    """One transition of the matrix: its number as shown, or why there is none."""

    #: percent; None when suppressed
    value: float | None
    text: str
    href: str
    tooltip: str


@dataclass(frozen=True)
class HeatWords:
    rows: str
    columns: str
    legend: str
    empty: str


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def heat_colour(share: float) -> str:
    """The viridis colour of ``share`` in 0..1, reversed: more problems, darker."""
    t = 1.0 - min(max(share, 0.0), 1.0)
    position = t * (len(_VIRIDIS) - 1)
    i = min(int(position), len(_VIRIDIS) - 2)
    f = position - i
    a, b = _rgb(_VIRIDIS[i]), _rgb(_VIRIDIS[i + 1])
    mixed = (round(a[k] + (b[k] - a[k]) * f) for k in range(3))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour(fill: str) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio on ``fill``."""
    lum = _luminance(fill)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def _wrap(text: str, width: int) -> list[str]:
    """Words of ``text`` in lines of about ``width`` characters (a long word stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def heat_map(
    chart_id: str,
    title: str,
    description: str,
    *,
    sources: Sequence[tuple[str, str]],
    targets: Sequence[tuple[str, str]],
    cells: Mapping[tuple[str, str], HeatCell],
    scale_max: float,
    words: HeatWords,
) -> str:
    """A from-sector (rows) x to-sector (columns) matrix, the number in every cell.

    ``sources``/``targets`` are (code, name) pairs; ``scale_max`` (percent) is
    where the palette ends; the legend shows the palette's steps.
    """
    cell_w, cell_h = 112, 56
    # Column names wrap onto up to three lines; row names set the label column's width.
    heads = [_wrap(name, 15) for _code, name in targets]
    lines = max((len(h) for h in heads), default=1)
    label_w = max([len(name) for _code, name in sources] + [8]) * 7 + 16
    head_h = 28 + 14 * lines
    width = label_w + cell_w * max(len(targets), 1) + 16
    legend_top = head_h + cell_h * len(sources) + 24
    height = legend_top + 64
    ids = {k: f"{chart_id}-{k}" for k in ("title", "desc")}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart heatmap" '
        f'aria-labelledby="{ids["title"]}" aria-describedby="{ids["desc"]}">',
        f'<title id="{ids["title"]}">{escape(title)}</title>',
        f'<desc id="{ids["desc"]}">{escape(description)}</desc>',
        f'<text x="{label_w + cell_w * len(targets) / 2:.0f}" y="12" text-anchor="middle" '
        f'font-size="12" fill="{_AXIS}">{escape(words.columns)} →</text>',
        f'<text x="4" y="{head_h - 8}" font-size="12" fill="{_AXIS}">{escape(words.rows)} ↓</text>',
    ]
    for j, head in enumerate(heads):
        x = label_w + cell_w * (j + 0.5)
        first_y = head_h - 8 - 14 * (len(head) - 1)
        spans = "".join(
            f'<tspan x="{x:.0f}" y="{first_y + 14 * k}">{escape(line)}</tspan>'
            for k, line in enumerate(head)
        )
        parts.append(
            f'<text text-anchor="middle" font-size="12" font-weight="600" fill="#000000">'
            f"{spans}</text>"
        )
    for i, (source, source_name) in enumerate(sources):
        y = head_h + cell_h * i
        parts.append(
            f'<text x="4" y="{y + cell_h / 2 + 4:.0f}" font-size="12" font-weight="600" '
            f'fill="#000000">{escape(source_name)}</text>'
        )
        for j, (target, _name) in enumerate(targets):
            x = label_w + cell_w * j
            cell = cells.get((source, target))
            if cell is None:
                parts.append(
                    f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                    f'fill="#f2f2f2"/><text x="{x + cell_w / 2:.0f}" y="{y + cell_h / 2 + 4:.0f}" '
                    f'text-anchor="middle" font-size="11" fill="{_AXIS}">'
                    f"{escape(words.empty)}</text>"
                )
                continue
            if cell.value is None:
                fill, ink = "#ffffff", "#000000"
            else:
                fill = heat_colour(cell.value / scale_max if scale_max > 0 else 0.0)
                ink = text_colour(fill)
            parts.append(
                f'<a href="{escape(cell.href)}" tabindex="0" class="cell">'
                f"<title>{escape(cell.tooltip)}</title>"
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{fill}" stroke="{_AXIS}" stroke-width="0.5"/>'
                f'<text x="{x + cell_w / 2:.0f}" y="{y + cell_h / 2 + 5:.0f}" '
                f'text-anchor="middle" font-size="15" font-weight="600" fill="{ink}">'
                f"{escape(cell.text)}</text></a>"
            )
    steps = 10
    step_w = min(32, (width - 48) / steps)
    legend_left = 16
    parts.append(
        f'<text x="4" y="{legend_top + 12}" font-size="12" fill="#000000">'
        f"{escape(words.legend)}</text>"
    )
    for k in range(steps):
        share = (k + 0.5) / steps
        parts.append(
            f'<rect x="{legend_left + step_w * k:.1f}" y="{legend_top + 20}" width="{step_w:.1f}" '
            f'height="16" fill="{heat_colour(share)}"/>'
        )
    for k in (0, steps // 2, steps):
        parts.append(
            f'<text x="{legend_left + step_w * k:.1f}" y="{legend_top + 52}" font-size="11" '
            f'text-anchor="middle" fill="{_AXIS}">{scale_max * k / steps:g} %</text>'
        )
    parts.append("</svg>")
    return "".join(parts)

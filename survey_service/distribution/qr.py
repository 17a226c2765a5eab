"""QR posters (per practice) and slips (per visit), as SVG or PNG.

One layout — a list of text lines and one code, in millimetres — drawn by two
small renderers, so the SVG and the PNG of a poster always say the same thing.
The poster is in Danish and English together (a waiting room has both
readers); its lines go through gettext like every other interface text.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
import qrcode.constants
from babel.dates import format_date
from PIL import Image, ImageDraw, ImageFont

#: Paper sizes (width, height) in millimetres.
PAPER = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
SLIP = (80.0, 120.0)  # a receipt-printer slip
PNG_DPI = 300
FORMATS = ("svg", "png")
#: Average glyph width in em for sans-serif text; used to wrap and fit lines
#: the same way in both renderers without measuring fonts.
_EM = 0.56


@dataclass(frozen=True)
class Line:
    text: str
    y: float  # baseline, mm
    size: float  # font size, mm
    bold: bool = False
    grey: bool = False


@dataclass(frozen=True)
class Code:
    matrix: tuple[tuple[bool, ...], ...]
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    lines: tuple[Line, ...]
    code: Code
    title: str


def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """Modules of a QR code for ``data`` with its 4-module quiet zone.

    Level M (15% damage tolerance): a poster gets scuffed and photographed at
    an angle, and the short URL keeps the code small enough at M anyway.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(bool(v) for v in row) for row in code.get_matrix())


def _fit(text: str, size: float, width: float) -> float:
    """Shrink the font so ``text`` fits ``width`` (down to half its size)."""
    needed = len(text) * size * _EM
    return size if needed <= width else max(size / 2, width / (len(text) * _EM))


def _wrap(text: str, size: float, width: float, max_lines: int = 2) -> list[str]:
    per_line = max(8, int(width / (size * _EM)))
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return lines or [""]


def _(message: str) -> str:
    """Marks a message for extraction; it is translated later, into both languages."""
    return message


def _translations(language: str):
    from survey_service.i18n import translations  # late: see intake._languages

    return translations(language)


def _both(msgid: str) -> tuple[str, str]:
    return _translations("da").gettext(msgid), _translations("en").gettext(msgid)


def poster_layout(practice_name: str, url: str, paper: str = "A4") -> Layout:
    width, height = PAPER[paper]
    k = width / 210.0  # everything scales with the paper
    inner = width - 30 * k
    head_da, head_en = _both(_("Tell us about your visit"))
    scan_da, scan_en = _both(_("Scan the code with your phone's camera."))
    anon_da, anon_en = _both(_("Your answers are anonymous."))
    lines: list[Line] = []
    y = 32 * k
    for part in _wrap(practice_name, 11 * k, inner):
        lines.append(Line(part, y, _fit(part, 11 * k, inner), bold=True))
        y += 13 * k
    y += 6 * k
    lines.append(Line(head_da, y, _fit(head_da, 13 * k, inner), bold=True))
    lines.append(Line(head_en, y + 12 * k, _fit(head_en, 9 * k, inner), grey=True))
    code_size = 130 * k
    code_y = y + 22 * k
    code = Code(qr_matrix(url), (width - code_size) / 2, code_y, code_size)
    y = code_y + code_size + 10 * k
    lines.append(Line(url, y, _fit(url, 5 * k, inner)))
    y += 14 * k
    for text_da, text_en in ((scan_da, scan_en), (anon_da, anon_en)):
        lines.append(Line(text_da, y, _fit(text_da, 6.5 * k, inner)))
        lines.append(Line(text_en, y + 8 * k, _fit(text_en, 5.5 * k, inner), grey=True))
        y += 19 * k
    return Layout(width, height, tuple(lines), code, f"{practice_name} – {head_da}")


def slip_layout(practice_name: str, url: str, valid_until: dt.date) -> Layout:
    width, height = SLIP
    inner = width - 8
    head_da, head_en = _both(_("Tell us about your visit"))
    once = _("This code works once, until %(date)s.")
    once_da = _translations("da").gettext(once) % {
        "date": format_date(valid_until, "long", locale="da")
    }
    once_en = _translations("en").gettext(once) % {
        "date": format_date(valid_until, "long", locale="en")
    }
    lines = [
        Line(part, 10 + 6 * n, _fit(part, 5, inner), bold=True)
        for n, part in enumerate(_wrap(practice_name, 5, inner))
    ]
    y = lines[-1].y + 9
    lines += [
        Line(head_da, y, _fit(head_da, 5, inner), bold=True),
        Line(head_en, y + 6, _fit(head_en, 4, inner), grey=True),
    ]
    code = Code(qr_matrix(url), (width - 56) / 2, y + 9, 56)
    y = code.y + code.size + 6
    lines += [
        Line(once_da, y, _fit(once_da, 3.4, inner)),
        Line(once_en, y + 5, _fit(once_en, 3.2, inner), grey=True),
        Line(url, y + 11, _fit(url, 2.8, inner)),
    ]
    return Layout(width, max(height, y + 16), tuple(lines), code, head_da)


# --- SVG ---------------------------------------------------------------------


def render_svg(layout: Layout) -> bytes:
    w, h = layout.width, layout.height
    label = escape(layout.title, {'"': "&quot;"})
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:g}mm" height="{h:g}mm" '
        f'viewBox="0 0 {w:g} {h:g}" role="img" aria-label="{label}">',
        f'<rect width="{w:g}" height="{h:g}" fill="#fff"/>',
    ]
    for line in layout.lines:
        weight = ' font-weight="bold"' if line.bold else ""
        colour = "#444" if line.grey else "#000"
        parts.append(
            f'<text x="{w / 2:.2f}" y="{line.y:.2f}" font-family="DejaVu Sans, Arial, sans-serif" '
            f'font-size="{line.size:.2f}" text-anchor="middle" fill="{colour}"{weight}>'
            f"{escape(line.text)}</text>"
        )
    parts.append(_svg_code(layout.code))
    parts.append("</svg>")
    return "\n".join(parts).encode()


def _svg_code(code: Code) -> str:
    n = len(code.matrix)
    cell = code.size / n
    path = "".join(
        f"M{x} {y}h1v1h-1z"
        for y, row in enumerate(code.matrix)
        for x, dark in enumerate(row)
        if dark
    )
    return (
        f'<g transform="translate({code.x:.3f} {code.y:.3f}) scale({cell:.5f})">'
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path d="{path}" fill="#000" shape-rendering="crispEdges"/></g>'
    )


# --- PNG ---------------------------------------------------------------------

_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)


@cache
def _font(size_px: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for directory in _FONT_DIRS:
        path = Path(directory) / name
        if path.exists():
            return ImageFont.truetype(str(path), size_px)
    # Pillow's built-in font covers Latin-1 (æ, ø, å), so posters still print.
    return ImageFont.load_default(size=size_px)


def render_png(layout: Layout, dpi: int = PNG_DPI) -> bytes:
    px = dpi / 25.4
    image = Image.new("L", (round(layout.width * px), round(layout.height * px)), 255)
    draw = ImageDraw.Draw(image)
    for line in layout.lines:
        font = _font(max(8, round(line.size * px)), line.bold)
        draw.text(
            (layout.width / 2 * px, line.y * px),
            line.text,
            font=font,
            fill=68 if line.grey else 0,
            anchor="ms",
        )
    code = layout.code
    n = len(code.matrix)
    cell = max(1, int(code.size * px / n))  # whole pixels per module: crisp edges
    x0 = round(code.x * px + (code.size * px - cell * n) / 2)
    y0 = round(code.y * px + (code.size * px - cell * n) / 2)
    for y, row in enumerate(code.matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle(
                    [
                        x0 + x * cell,
                        y0 + y * cell,
                        x0 + (x + 1) * cell - 1,
                        y0 + (y + 1) * cell - 1,
                    ],
                    fill=0,
                )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, dpi=(dpi, dpi))
    return out.getvalue()


def render(layout: Layout, fmt: str) -> tuple[bytes, str]:
    """The file and its media type."""
    if fmt == "png":
        return render_png(layout), "image/png"
    return render_svg(layout), "image/svg+xml"


def poster_url(base_url: str, practice_code: str) -> str:
    return f"{base_url.rstrip('/')}/p/{practice_code}"

"""QR posters (per practice) and slips (per visit), as SVG or PNG.

One layout — a list of text lines and one code, in millimetres — drawn by two
small renderers, so the SVG and the PNG of a poster always say the same thing.
A poster speaks two languages together (a waiting room has more than one
kind of reader): Danish and English unless the practice chooses another pair
of shipped languages (``--languages da,ar``, ``?languages=da,ar``). Its lines
go through gettext like every other interface text. A right-to-left language's
lines carry that direction (SVG ``direction="rtl"``, Pillow's ``rtl`` with
raqm shaping) so Arabic letters join and punctuation sits at the sentence's
end; every line is centred, so the poster needs no other mirroring.
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
from PIL import Image, ImageDraw, ImageFont, features

#: Paper sizes (width, height) in millimetres.
PAPER = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
SLIP = (80.0, 120.0)  # a receipt-printer slip
PNG_DPI = 300
FORMATS = ("svg", "png")
#: The two languages of a poster when the practice chose none: the first is
#: printed large, the second smaller and grey under it.
DEFAULT_LANGUAGES = ("da", "en")
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
    #: the language's code, for SVG ``xml:lang`` and Pillow's shaping; "" for
    #: the practice name and the URL, which are in no interface language
    lang: str = ""
    rtl: bool = False


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


def _shipped() -> tuple[str, ...]:
    """Languages whose patient interface, the poster's lines among it, is complete."""
    from survey_service.i18n import patient_languages  # late: see intake._languages

    return patient_languages()


def poster_languages(value: str | None) -> tuple[str, str]:
    """The two languages of ``"da,ar"`` (None or blank: the default pair).

    Raises ValueError with a one-line reason: a language with no shipped
    catalogue would print its English fallback under a foreign heading.
    """
    if value is None or not value.strip():
        return DEFAULT_LANGUAGES
    codes = [part.strip().lower() for part in value.split(",")]
    shipped = _shipped()
    if len(codes) != 2 or not all(codes):
        raise ValueError(f"give two languages separated by a comma, e.g. da,en (got {value!r})")
    for code in codes:
        if code not in shipped:
            raise ValueError(f"{code!r} is not one of the shipped languages {', '.join(shipped)}")
    if codes[0] == codes[1]:
        raise ValueError(f"give two different languages (got {value!r})")
    return codes[0], codes[1]


def _rtl(language: str) -> bool:
    from survey_service.i18n import language_info  # late: see intake._languages

    return language_info(language).direction == "rtl"


def _pair(msgid: str, languages: tuple[str, str]) -> tuple[str, str]:
    first, second = languages
    return _translations(first).gettext(msgid), _translations(second).gettext(msgid)


def _line(text: str, y: float, size: float, width: float, language: str, **style: bool) -> Line:
    return Line(text, y, _fit(text, size, width), lang=language, rtl=_rtl(language), **style)


def poster_layout(
    practice_name: str,
    url: str,
    paper: str = "A4",
    languages: tuple[str, str] = DEFAULT_LANGUAGES,
) -> Layout:
    width, height = PAPER[paper]
    k = width / 210.0  # everything scales with the paper
    inner = width - 30 * k
    first, second = languages
    head = _pair(_("Tell us about your visit"), languages)
    scan = _pair(_("Scan the code with your phone's camera."), languages)
    anon = _pair(_("Your answers are anonymous."), languages)
    lines: list[Line] = []
    y = 32 * k
    for part in _wrap(practice_name, 11 * k, inner):
        lines.append(Line(part, y, _fit(part, 11 * k, inner), bold=True))
        y += 13 * k
    y += 6 * k
    lines.append(_line(head[0], y, 13 * k, inner, first, bold=True))
    lines.append(_line(head[1], y + 12 * k, 9 * k, inner, second, grey=True))
    code_size = 130 * k
    code_y = y + 22 * k
    code = Code(qr_matrix(url), (width - code_size) / 2, code_y, code_size)
    y = code_y + code_size + 10 * k
    lines.append(Line(url, y, _fit(url, 5 * k, inner)))
    y += 14 * k
    for text in (scan, anon):
        lines.append(_line(text[0], y, 6.5 * k, inner, first))
        lines.append(_line(text[1], y + 8 * k, 5.5 * k, inner, second, grey=True))
        y += 19 * k
    return Layout(width, height, tuple(lines), code, f"{practice_name} – {head[0]}")


def slip_languages(language: str | None) -> tuple[str, str]:
    """A slip's pair: Danish and the link's language.

    English when the link's language is Danish, unset, or one whose catalogue
    is not complete yet (the link itself then falls back the same way).
    """
    if language and language != "da" and language in _shipped():
        return "da", language
    return DEFAULT_LANGUAGES


def slip_layout(
    practice_name: str,
    url: str,
    valid_until: dt.date,
    languages: tuple[str, str] = DEFAULT_LANGUAGES,
) -> Layout:
    width, height = SLIP
    inner = width - 8
    first, second = languages
    head = _pair(_("Tell us about your visit"), languages)
    once = _("This code works once, until %(date)s.")
    once_first, once_second = (
        _translations(lang).gettext(once) % {"date": format_date(valid_until, "long", locale=lang)}
        for lang in languages
    )
    lines = [
        Line(part, 10 + 6 * n, _fit(part, 5, inner), bold=True)
        for n, part in enumerate(_wrap(practice_name, 5, inner))
    ]
    y = lines[-1].y + 9
    lines += [
        _line(head[0], y, 5, inner, first, bold=True),
        _line(head[1], y + 6, 4, inner, second, grey=True),
    ]
    code = Code(qr_matrix(url), (width - 56) / 2, y + 9, 56)
    y = code.y + code.size + 6
    lines += [
        _line(once_first, y, 3.4, inner, first),
        _line(once_second, y + 5, 3.2, inner, second, grey=True),
        Line(url, y + 11, _fit(url, 2.8, inner)),
    ]
    return Layout(width, max(height, y + 16), tuple(lines), code, head[0])


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
        lang = f' xml:lang="{line.lang}"' if line.lang else ""
        # direction="rtl" sets the paragraph direction for the bidi algorithm
        # (where "?" and a Latin word go); with text-anchor middle the line
        # stays centred either way.
        direction = ' direction="rtl" unicode-bidi="embed"' if line.rtl else ""
        parts.append(
            f'<text x="{w / 2:.2f}" y="{line.y:.2f}" font-family="DejaVu Sans, Arial, sans-serif" '
            f'font-size="{line.size:.2f}" text-anchor="middle" fill="{colour}"{weight}'
            f"{lang}{direction}>{escape(line.text)}</text>"
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


@cache
def _raqm() -> bool:
    return bool(features.check("raqm"))


def _shaping(line: Line) -> tuple[str | None, str | None]:
    """Pillow's bidi and shaping options for ``line``; they need libraqm.

    Without raqm (Pillow built without it) asking for a direction raises, and
    the basic layout draws Arabic letters unjoined and left to right: then the
    SVG, drawn by the viewer's own text engine, is the file to print.
    """
    if not line.lang or not _raqm():
        return None, None
    return ("rtl" if line.rtl else "ltr"), line.lang


def render_png(layout: Layout, dpi: int = PNG_DPI) -> bytes:
    px = dpi / 25.4
    image = Image.new("L", (round(layout.width * px), round(layout.height * px)), 255)
    draw = ImageDraw.Draw(image)
    for line in layout.lines:
        font = _font(max(8, round(line.size * px)), line.bold)
        direction, language = _shaping(line)
        draw.text(
            (layout.width / 2 * px, line.y * px),
            line.text,
            font=font,
            fill=68 if line.grey else 0,
            anchor="ms",
            direction=direction,
            language=language,
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

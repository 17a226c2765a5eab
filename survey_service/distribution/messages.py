"""The SMS texts: the patient's language, one segment where the language allows.

One SMS segment holds 160 characters of the GSM 03.38 alphabet (which has
æ, ø and å, so Danish fits) or only 70 otherwise (UCS-2). A text is the
invitation or reminder line with the survey link, then a line with the
opt-out link, in the invitation's language (its gettext catalogue). The
practice name goes in front when it fits in the one segment, shortened if need
be, and never for sectors whose name alone would reveal something sensitive on
a lock screen (psychiatry, psychology).

Latin-script languages with letters outside GSM 03.38 (Polish ł ą ę, Turkish
ı ş ğ) are sent without those accents when every letter has a plain GSM-7
form: "Jak minela wizyta?" is how many Poles text anyway, and it is one
segment instead of three. Arabic and Ukrainian have no such form and go as
UCS-2: two links alone take 90 of its characters, so they need at least two
segments, usually three (docs/distribution.md has the figures).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

SEGMENT_GSM7 = 160
SEGMENT_UCS2 = 70
#: A concatenated SMS spends 6 bytes of each part on the header (UDH), which
#: leaves 153 septets or 67 UTF-16 code units per part.
PART_GSM7 = 153
PART_UCS2 = 67

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: characters that take two septets (escape + char)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")

#: the practice name is left out for these sectors: "Psykiatrisk klinik" on a
#: lock screen tells anyone who sees the phone where its owner has been
SENSITIVE_SECTORS = frozenset({"psychiatry", "psychology"})

_REPLACEMENTS = {"–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "..."}
#: letters NFKD does not decompose but that have an obvious plain form
_PLAIN_LETTERS = {"ł": "l", "Ł": "L", "ı": "i", "đ": "d", "Đ": "D"}


@dataclass(frozen=True)
class SmsText:
    body: str
    #: "gsm7" or "ucs2"
    encoding: str
    segments: int


def gsm7_length(text: str) -> int | None:
    """Septets ``text`` takes in the GSM 7-bit alphabet, or None if it does not fit it."""
    length = 0
    for char in text:
        if char in _GSM7_BASIC:
            length += 1
        elif char in _GSM7_EXTENDED:
            length += 2
        else:
            return None
    return length


def count_segments(text: str) -> tuple[str, int]:
    """The encoding ("gsm7" or "ucs2") and number of SMS parts ``text`` is sent as.

    Written here because neither phonenumbers nor any other installed library
    counts SMS parts. GSM-7: 160 septets in one part, 153 per part when
    concatenated, extension-table characters (€ [ ] { } ...) taking two.
    Anything else is UCS-2: 70 UTF-16 code units, 67 per part, so an emoji
    outside the BMP counts twice. (A gateway will not split an escape pair or
    a surrogate pair across two parts; that can add a part to a text within a
    character of a boundary, which ours never are.)
    """
    septets = gsm7_length(text)
    if septets is not None:
        return "gsm7", 1 if septets <= SEGMENT_GSM7 else math.ceil(septets / PART_GSM7)
    units = len(text.encode("utf-16-le")) // 2
    return "ucs2", 1 if units <= SEGMENT_UCS2 else math.ceil(units / PART_UCS2)


def measure(body: str) -> SmsText:
    encoding, segments = count_segments(body)
    return SmsText(body, encoding, segments)


def plain_gsm7(text: str) -> str | None:
    """``text`` with accents outside GSM 03.38 taken off, or None if a letter has no plain form.

    Unlike ``to_gsm7`` nothing is dropped: an Arabic or Cyrillic text gives None.
    """
    out: list[str] = []
    for char in text:
        if char in _GSM7_BASIC or char in _GSM7_EXTENDED:
            out.append(char)
        elif char in _REPLACEMENTS or char in _PLAIN_LETTERS:
            out.append(_REPLACEMENTS.get(char) or _PLAIN_LETTERS[char])
        else:
            base = unicodedata.normalize("NFKD", char)[:1]
            if base not in _GSM7_BASIC or base == char:
                return None
            out.append(base)
    return "".join(out)


def to_gsm7(text: str) -> str:
    """``text`` with characters outside GSM 03.38 replaced or dropped.

    Used on practice names only: one stray typographic dash would otherwise
    switch the whole SMS to UCS-2 and split it into three segments.
    """
    out: list[str] = []
    for char in text:
        if char in _GSM7_BASIC:
            out.append(char)
        elif char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        else:
            base = unicodedata.normalize("NFKD", char)[:1]
            if base in _GSM7_BASIC:
                out.append(base)
    return " ".join("".join(out).split())


def _lines(kind: str, language: str, link: str, stop_link: str) -> tuple[str, str]:
    from survey_service.i18n import translations  # late: see intake._languages

    _ = translations(language).gettext
    if kind == "reminder":
        main = _("Reminder: tell us about your visit: %(link)s")
    else:
        main = _("How was your visit? Answer anonymously: %(link)s")
    stop = _("Stop texts: %(link)s")
    return main % {"link": link}, stop % {"link": stop_link}


def compose_sms(
    kind: str,
    language: str,
    *,
    practice_name: str,
    sector: str,
    link: str,
    stop_link: str,
) -> SmsText:
    """The text of an invitation or reminder SMS (see the module docstring)."""
    main, stop = _lines(kind, language, link, stop_link)
    bare = f"{main}\n{stop}"
    if gsm7_length(bare) is None:
        bare = plain_gsm7(bare) or bare
    if sector in SENSITIVE_SECTORS:
        return measure(bare)
    name = to_gsm7(practice_name)
    fixed = measure(bare)
    if fixed.encoding != "gsm7":
        return _ucs2_with_name(bare, practice_name, fixed)
    room = SEGMENT_GSM7 - (gsm7_length(bare) or 0) - len(": ")
    if room >= 8 and name:
        if (gsm7_length(name) or 0) > room:
            name = _shorten(name, room)
        if name:
            return measure(f"{name}: {bare}")
    return fixed


def _ucs2_with_name(bare: str, practice_name: str, fixed: SmsText) -> SmsText:
    """The name in front of a UCS-2 text, as much of it as adds no part.

    The language needs UCS-2, so the text is already two or three parts; the
    name helps the patient place the message but must not cost another part.
    """
    words = practice_name.split()
    for n in range(len(words), 0, -1):
        candidate = measure(f"{' '.join(words[:n])}: {bare}")
        if candidate.segments <= fixed.segments:
            return candidate
    return fixed


def _shorten(name: str, room: int) -> str:
    """Whole words of ``name`` that fit in ``room`` septets (or nothing)."""
    words, kept = name.split(), ""
    for word in words:
        candidate = f"{kept} {word}".strip()
        if (gsm7_length(candidate) or room + 1) > room:
            break
        kept = candidate
    return kept

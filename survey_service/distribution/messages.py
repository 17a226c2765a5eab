"""The SMS texts: the patient's language, one segment where the language allows.

One SMS segment holds 160 characters of the GSM 03.38 alphabet (which has
æ, ø and å, so Danish fits) or only 70 otherwise (UCS-2). A text is the
invitation or reminder line with the survey link, then a line with the
opt-out link. The practice name goes in front when it fits in the one
segment, shortened if need be, and never for sectors whose name alone would
reveal something sensitive on a lock screen (psychiatry, psychology).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

SEGMENT_GSM7 = 160
SEGMENT_UCS2 = 70

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


def measure(body: str) -> SmsText:
    septets = gsm7_length(body)
    if septets is not None:
        segments = 1 if septets <= SEGMENT_GSM7 else math.ceil(septets / 153)
        return SmsText(body, "gsm7", segments)
    units = len(body.encode("utf-16-le")) // 2
    segments = 1 if units <= SEGMENT_UCS2 else math.ceil(units / 67)
    return SmsText(body, "ucs2", segments)


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
    if sector in SENSITIVE_SECTORS:
        return measure(bare)
    name = to_gsm7(practice_name)
    fixed = measure(bare)
    if fixed.encoding != "gsm7":
        # The language itself needs UCS-2: it will not fit one segment anyway,
        # so the name costs little and helps the patient place the message.
        return measure(f"{practice_name}: {bare}" if practice_name else bare)
    room = SEGMENT_GSM7 - (gsm7_length(bare) or 0) - len(": ")
    if room >= 8 and name:
        if (gsm7_length(name) or 0) > room:
            name = _shorten(name, room)
        if name:
            return measure(f"{name}: {bare}")
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

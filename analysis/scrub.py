"""Free-text scrubbing of patients' comments (ANALYSIS_SPEC section 6).

Comments are shown to practitioners only after personal data is replaced by
placeholders: CPR numbers, phone numbers, e-mail addresses and, where a title
or a common first name gives them away, names of persons. Recall matters more
than precision here (a missed CPR number is a data breach; a masked date is a
nuisance), but false alarms on dates, amounts and times would make comments
unreadable, so the phone patterns are limited to the groupings Danes write.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from analysis.synthetic_text import PII_KINDS, LabelledComment

__all__ = [
    "PLACEHOLDERS",
    "PiiSpan",
    "ScrubEvaluation",
    "evaluate_scrubbing",
    "find_pii",
    "scrub_text",
]

#: Replacement text per kind of personal data.
PLACEHOLDERS: Mapping[str, str] = {
    "cpr": "[CPR]",
    "phone": "[PHONE]",
    "email": "[EMAIL]",
    "name": "[NAME]",
}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")

# DDMMYY then four digits, with a dash, a space or nothing between. Days
# 61-91 are replacement numbers (erstatningspersonnumre). The modulus-11 check
# is deliberately absent: numbers issued since 2007 need not pass it.
_CPR = re.compile(
    r"(?<!\d)(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])(?:0[1-9]|1[0-2])\d\d"
    r"[-\u2010\u2011\u2013 ]?\d{4}(?!\d)"
)

_PREFIX = r"(?:(?:\+|00) ?45|\(\s?(?:\+|00)?45\s?\))"
# With a country prefix any grouping of eight digits is a phone number.
_PHONE_PREFIXED = re.compile(_PREFIX + r"[ .-]?\d(?:[ .-]?\d){7}(?!\d)")
# Without it, only the groupings Danes write, so that dates (12.03.2023),
# amounts (12.500.000) and times (14.30) do not look like numbers to hide.
# Danish subscriber numbers never start with 0 or 1.
_PHONE_PLAIN = re.compile(
    r"(?<![\d+])(?:"
    r"[2-9]\d{7}"
    r"|[2-9]\d(?P<s1>[ .-])\d\d(?P=s1)\d\d(?P=s1)\d\d"
    r"|(?P<first>[2-9]\d{3})[ .-](?P<second>\d{4})"
    r"|[2-9]\d\d \d\d \d\d\d"
    r")(?!\d|[.,]\d)(?!\s?(?:kr\b|kroner|DKK|,-))"
)

_TITLE = (
    r"(?:[Dd]r\.?|[Dd]oktor(?:en)?|(?:[Oo]ver|[Rr]eserve|[Tt]and)?[Ll]æge(?:n)?|"
    r"[Ss]ygeplejersk(?:e|en)|[Jj]ordemoder(?:en)?|[Ss]ekretær(?:en)?|"
    r"[Ff]ysioterapeut(?:en)?|[Pp]sykolog(?:en)?|[Kk]iropraktor(?:en)?|"
    r"[Hh]r\.|[Ff]ru|[Ss]ocialrådgiver(?:en)?|[Hh]jemmehjælper(?:en)?)"
)
_NAME_WORD = r"[A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ][a-zæøåéü]+)?"
_STREET = r"(?!\s(?:[Vv]ej|[Gg]ade|[Aa]llé|[Bb]oulevard|[Pp]lads|[Ss]træde|[Tt]orv)\b)"
_FIRST_NAMES = (
    "Anne",
    "Mette",
    "Kirsten",
    "Hanne",
    "Susanne",
    "Lene",
    "Lone",
    "Pia",
    "Louise",
    "Charlotte",
    "Camilla",
    "Maria",
    "Marianne",
    "Karen",
    "Inge",
    "Birgitte",
    "Helle",
    "Tina",
    "Jette",
    "Bente",
    "Malene",
    "Sofie",
    "Ida",
    "Emma",
    "Julie",
    "Line",
    "Rikke",
    "Peter",
    "Jens",
    "Lars",
    "Michael",
    "Henrik",
    "Thomas",
    "Søren",
    "Niels",
    "Anders",
    "Rasmus",
    "Christian",
    "Martin",
    "Morten",
    "Jesper",
    "Mads",
    "Mikkel",
    "Frederik",
    "Kasper",
    "Jakob",
    "Poul",
    "Ole",
    "Hans",
    "Jørgen",
    "Erik",
    "Torben",
    "Bjarne",
    "Steen",
    "Klaus",
    "Allan",
    "Brian",
    "Ahmed",
    "Fatima",
    "Mohammed",
)
# Atomic groups: once "Jens Baggesens" is read as a name, the regex may not
# back off to "Jens" alone to get past the street check on " Vej".
_NAME_AFTER_TITLE = re.compile(
    r"\b" + _TITLE + r"\s+(?P<name>(?>" + _NAME_WORD + r"(?:\s" + _NAME_WORD + r")?))" + _STREET
)
_FIRST_NAME = re.compile(
    r"\b(?>(?:" + "|".join(_FIRST_NAMES) + r")(?:\s" + _NAME_WORD + r")?)\b" + _STREET
)

# Higher wins when matches overlap: an e-mail address contains digits, a CPR
# number contains eight digits.
_PRIORITY = {"email": 4, "cpr": 3, "phone": 2, "name": 1}


@dataclass(frozen=True)
class PiiSpan:
    """A piece of personal data found in a text.

    Attributes
    ----------
    start, end : int
        Character offsets, ``text[start:end]``.
    kind : str
        ``"cpr"``, ``"phone"``, ``"email"`` or ``"name"``.
    """

    start: int
    end: int
    kind: str


def _is_year_range(match: re.Match[str]) -> bool:
    first, second = match.group("first"), match.group("second")
    if first is None or second is None:
        return False
    a, b = int(first), int(second)
    return 1900 <= a <= 2099 and 0 <= b - a <= 10


def _is_compact_date(match: re.Match[str]) -> bool:
    """``24122023``: eight digits that read as a date DDMMYYYY of 1900-2099.

    About one phone number in a thousand reads as such a date too; losing
    those is the price of not masking every compactly written date.
    """
    digits = match.group(0)
    if not (len(digits) == 8 and digits.isdigit()):
        return False
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if not (1900 <= year <= 2099 and 1 <= month <= 12):
        return False
    return 1 <= day <= calendar.monthrange(year, month)[1]


def _candidates(text: str) -> list[PiiSpan]:
    found = [PiiSpan(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    found += [PiiSpan(m.start(), m.end(), "cpr") for m in _CPR.finditer(text)]
    found += [PiiSpan(m.start(), m.end(), "phone") for m in _PHONE_PREFIXED.finditer(text)]
    found += [
        PiiSpan(m.start(), m.end(), "phone")
        for m in _PHONE_PLAIN.finditer(text)
        if not (_is_year_range(m) or _is_compact_date(m))
    ]
    found += [
        PiiSpan(m.start("name"), m.end("name"), "name") for m in _NAME_AFTER_TITLE.finditer(text)
    ]
    found += [PiiSpan(m.start(), m.end(), "name") for m in _FIRST_NAME.finditer(text)]
    return found


def find_pii(text: str) -> tuple[PiiSpan, ...]:
    """Personal data in a text, as non-overlapping spans in text order.

    Parameters
    ----------
    text : str
        A free-text answer.

    Returns
    -------
    tuple of PiiSpan

    Notes
    -----
    CPR: ``DDMMYY-SSSS`` with a dash, a space or nothing, any serial (no
    modulus-11 check). Phone: eight digits after ``+45`` / ``0045`` in any
    grouping; without a prefix eight digits starting 2-9 written together or
    as 2-2-2-2, 4-4 or 3-2-3 (a 4-4 pair of years such as ``2022-2023``, a
    compact date such as ``24122023`` and a number followed by ``kr`` are not
    phones). E-mail: ``local@domain.tld``.
    Names: capitalised words after a title (``læge``, ``Dr.``, ``fru`` ...)
    or starting with a common first name, except street names.

    References
    ----------
    .. [1] CPR-kontoret, Personnummeret i CPR-systemet (2008): modulus-11
       control no longer guaranteed since 2007.
    .. [2] Erhvervsstyrelsen, Den danske nummerplan: eight-digit subscriber
       numbers, country code +45.
    """
    spans = sorted(_candidates(text), key=lambda s: (s.start, -_PRIORITY[s.kind], -s.end))
    kept: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: (-_PRIORITY[s.kind], s.start)):
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return tuple(sorted(kept, key=lambda s: s.start))


def scrub_text(text: str, placeholders: Mapping[str, str] = PLACEHOLDERS) -> str:
    """Replace personal data with placeholders.

    Parameters
    ----------
    text : str
        A free-text answer.
    placeholders : mapping, optional
        Replacement per kind; default ``[CPR]``, ``[PHONE]``, ``[EMAIL]``,
        ``[NAME]``.

    Returns
    -------
    str
        The text with every span of :func:`find_pii` replaced.
    """
    out: list[str] = []
    last = 0
    for span in find_pii(text):
        out.append(text[last : span.start])
        out.append(placeholders[span.kind])
        last = span.end
    out.append(text[last:])
    return "".join(out)


@dataclass(frozen=True)
class ScrubEvaluation:
    """Accuracy of :func:`find_pii` on labelled comments.

    Attributes
    ----------
    n_comments : int
        Comments evaluated.
    n_true : mapping of str to int
        Labelled personal-data spans per kind.
    recall : mapping of str to float
        Share of each kind's labelled spans fully covered by a found span.
    n_near_misses : int
        Labelled spans that look like personal data but are not (dates,
        amounts, years, times, street numbers, ...).
    false_positive_rate : float
        Share of near-miss spans touched by any found span.
    n_clean_comments : int
        Comments without personal data.
    clean_comments_altered : float
        Share of those in which anything was found.
    """

    n_comments: int
    n_true: Mapping[str, int]
    recall: Mapping[str, float]
    n_near_misses: int
    false_positive_rate: float
    n_clean_comments: int
    clean_comments_altered: float


def evaluate_scrubbing(comments: Iterable[LabelledComment]) -> ScrubEvaluation:
    """Recall per kind and false-positive rates of the scrubber.

    Parameters
    ----------
    comments : iterable of LabelledComment
        E.g. :func:`analysis.synthetic_comments`.

    Returns
    -------
    ScrubEvaluation
    """
    hits = dict.fromkeys(PII_KINDS, 0)
    totals = dict.fromkeys(PII_KINDS, 0)
    near = touched = clean = clean_altered = n = 0
    for comment in comments:
        n += 1
        found = find_pii(comment.text)
        has_pii = False
        for start, end, kind in comment.spans:
            if kind in totals:
                has_pii = True
                totals[kind] += 1
                hits[kind] += any(f.start <= start and f.end >= end for f in found)
            else:
                near += 1
                touched += any(f.start < end and f.end > start for f in found)
        if not has_pii:
            clean += 1
            clean_altered += bool(found)
    recall = {k: (hits[k] / totals[k] if totals[k] else float("nan")) for k in PII_KINDS}
    return ScrubEvaluation(
        n_comments=n,
        n_true=totals,
        recall=recall,
        n_near_misses=near,
        false_positive_rate=touched / near if near else 0.0,
        n_clean_comments=clean,
        clean_comments_altered=clean_altered / clean if clean else 0.0,
    )

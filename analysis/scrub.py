"""Free-text scrubbing of patients' comments (ANALYSIS_SPEC section 6).

Comments are shown to practitioners only after personal data is replaced by
placeholders: CPR numbers, phone numbers, e-mail addresses and, where a title
or a common first name gives them away, names of persons. Recall matters more
than precision here (a missed CPR number is a data breach; a masked date is a
nuisance), but false alarms on dates, amounts and times would make comments
unreadable, so the phone patterns are limited to the groupings Danes write.

Patterns run on a copy of the text in which the other spaces (no-break,
figure, thin, narrow) are plain spaces and the other dashes are ``-``. The copy has
the same length, so offsets found in it are offsets in the original: numbers
pasted from a web page or a word processor (which insert U+00A0 and U+2011)
are then caught by the same patterns as typed ones.
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

# One character for one character, so offsets stay valid (see the module
# docstring). Line breaks are not folded: a phone pattern that crossed them
# would join numbers from two lines of a list. Only the CPR pattern accepts a
# line break, at the one place a wrapped CPR number breaks.
_SAME_LENGTH_FOLD = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u2007": " ",  # figure space
        "\u2009": " ",  # thin space
        "\u202f": " ",  # narrow no-break space
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus sign
    }
)

# DDMMYY then four digits. Days 61-91 are replacement numbers
# (erstatningspersonnumre). The modulus-11 check is deliberately absent:
# numbers issued since 2007 need not pass it.
_DAY = r"(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])"
_MONTH = r"(?:0[1-9]|1[0-2])"
# Between birth date and serial: nothing, a dash or a slash, with up to a few
# spaces or a line break around it (a number wrapped at its dash, or typed as
# "010190 - 1234").
_CPR_COMPACT = _DAY + _MONTH + r"\d\d(?:\s{0,4}[-/]?\s{0,4})\d{4}"
# DD.MM.YY-SSSS: the birth date written as a date. The dash or slash is
# required here; without it "12.03.24 1430" (a date and a time) would match.
_CPR_DOTTED = _DAY + r"\." + _MONTH + r"\.\d\d\s{0,4}[-/]\s{0,4}\d{4}"
_CPR = re.compile(r"(?<!\d)(?:" + _CPR_COMPACT + "|" + _CPR_DOTTED + r")(?!\d)")

# The digit look-behind keeps "0045" from being read out of a longer number.
_PREFIX = r"(?:(?<!\d)(?:\+|00) ?45|\(\s?(?:\+|00)?45\s?\))"
# With a country prefix any grouping of eight digits is a phone number.
_PHONE_PREFIXED = re.compile(_PREFIX + r"[ .-]?\d(?:[ .-]?\d){7}(?!\d)")
# Without it, only the groupings Danes write, so that dates (12.03.2023),
# amounts (12.500.000) and times (14.30) do not look like numbers to hide.
# Danish subscriber numbers never start with 0 or 1.
# Digits joined to more digits by a dash, slash or dot ("4471-2203-18") are
# a reference or a date, not a phone number, on either side.
_PHONE_PLAIN = re.compile(
    r"(?<![\d+])(?<!\d[-/.])(?:"
    r"[2-9]\d{7}"
    r"|[2-9]\d(?P<s1>[ .-])\d\d(?P=s1)\d\d(?P=s1)\d\d"
    r"|(?P<first>[2-9]\d{3})[ .-](?P<second>\d{4})"
    r"|[2-9]\d\d \d\d \d\d\d"
    # 2-3-3 ("20 123 456"). Not with dots: "12.500.000" is an amount.
    r"|[2-9]\d(?P<s2>[ -])\d{3}(?P=s2)(?P<last3>\d{3})"
    r")(?!\d|[-/.,]\d)(?!\s?(?:kr\b|kroner|DKK|,-))"
)
# A currency ("kr. 12 500 000", "DKK 25000000") or a clock ("kl. 2000-2130")
# just before the digits: an amount or a time, not a phone number.
_NOT_PHONE_BEFORE = re.compile(r"(?:\bkr\.?|\bDKK|€|\$|£|\bkl\.?|\bklokken)\s?$", re.I)

_TITLE = (
    r"(?:[Dd]r\.?|[Dd]oktor(?:en)?|(?:[Oo]ver|[Rr]eserve|[Tt]and)?[Ll]æge(?:n)?|"
    r"[Ss]ygeplejersk(?:e|en)|[Jj]ordemoder(?:en)?|[Ss]ekretær(?:en)?|"
    r"[Ff]ysioterapeut(?:en)?|[Pp]sykolog(?:en)?|[Kk]iropraktor(?:en)?|"
    r"[Hh]r\.|[Ff]ru|[Ss]ocialrådgiver(?:en)?|[Hh]jemmehjælper(?:en)?)"
)
_NAME_WORD = r"[A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ][a-zæøåéü]+)?"
# A name that is the start of a street name is not a person: "Jens Baggesens
# Vej", and with one more word in between, "Hans Christian Andersens Boulevard".
_STREET = (
    r"(?!(?:\s" + _NAME_WORD + r")?"
    r"\s(?:[Vv]ej|[Gg]ade|[Aa]llé|[Bb]oulevard|[Pp]lads|[Ss]træde|[Tt]orv)\b)"
)
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
    "Per",
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
# First names that are also ordinary words: "Hans" is "his", "Per" is "per",
# "Line" is an English word. Capitalised at the start of a sentence they are
# usually the word, so there they count as a name only when a capitalised
# surname follows ("Hans Jensen ringede").
_WORD_LIKE_NAMES = frozenset({"Hans", "Per", "Line"})
# What may come between the end of the previous sentence and the word:
# spaces, an opening quote or bracket, a bullet dash.
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;]\s|\n)[\s\"'«»“”„(\[*-]*$")

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
    """``2010-2022``: two years in order, however far apart.

    A 4-4 phone number reads as such a pair only if it starts 20 (phone
    numbers never start 19) and its second half is a later year up to 2099:
    about 1 in 16,000 numbers in that grouping.
    """
    first, second = match.group("first"), match.group("second")
    if first is None or second is None:
        return False
    a, b = int(first), int(second)
    return 1900 <= a <= b <= 2099


def _is_amount_or_time(folded: str, match: re.Match[str]) -> bool:
    """``kr.`` or ``kl.`` just before, or 2-3-3 ending in ``000`` (``20 500 000``).

    Thousands are separated by spaces in print, and round sums are what
    people write without a currency; a phone number ending in 000 written
    2-3-3 is the price (1 in 1,000 of that grouping).
    """
    if _NOT_PHONE_BEFORE.search(folded, max(0, match.start() - 8), match.start()):
        return True
    return match.group("last3") == "000"


def _is_sentence_initial_word(text: str, start: int, end: int) -> bool:
    """A lone word-like first name ("Hans", "Per") opening a sentence."""
    if text[start:end] not in _WORD_LIKE_NAMES:
        return False
    return _SENTENCE_START.search(text, max(0, start - 8), start) is not None


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
    folded = text.translate(_SAME_LENGTH_FOLD)
    found = [PiiSpan(m.start(), m.end(), "email") for m in _EMAIL.finditer(folded)]
    found += [PiiSpan(m.start(), m.end(), "cpr") for m in _CPR.finditer(folded)]
    found += [PiiSpan(m.start(), m.end(), "phone") for m in _PHONE_PREFIXED.finditer(folded)]
    found += [
        PiiSpan(m.start(), m.end(), "phone")
        for m in _PHONE_PLAIN.finditer(folded)
        if not (_is_year_range(m) or _is_compact_date(m) or _is_amount_or_time(folded, m))
    ]
    found += [
        PiiSpan(m.start("name"), m.end("name"), "name") for m in _NAME_AFTER_TITLE.finditer(folded)
    ]
    found += [
        PiiSpan(m.start(), m.end(), "name")
        for m in _FIRST_NAME.finditer(folded)
        if not _is_sentence_initial_word(folded, m.start(), m.end())
    ]
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
    No-break, figure, thin and narrow spaces count as spaces; hyphen,
    non-breaking hyphen, en and em dash and minus count as ``-``.
    CPR: ``DDMMYY`` and a four-digit serial joined by nothing, a dash, a
    slash or spaces, or by a line break with or without a dash; or
    ``DD.MM.YY-SSSS`` / ``DD.MM.YY/SSSS``. Any serial (no modulus-11 check).
    Phone: eight digits after ``+45`` / ``0045`` in any grouping; without a
    prefix eight digits starting 2-9 written together or as 2-2-2-2, 4-4,
    3-2-3 or 2-3-3 (a 4-4 pair of years such as ``2010-2022``, a compact
    date such as ``24122023``, a number next to ``kr`` / ``DKK``, a number
    after ``kl.``, a number joined to more digits by ``-``, ``/`` or ``.``
    and a 2-3-3 group ending ``000`` are not phones).
    E-mail: ``local@domain.tld``.
    Names: capitalised words after a title (``læge``, ``Dr.``, ``fru`` ...)
    or starting with a common first name, except street names and except
    ``Hans``, ``Per`` and ``Line`` alone at the start of a sentence.

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

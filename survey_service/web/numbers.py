"""Shares and their intervals as the page's language writes them: "62 % (55–69 %)".

Babel's number data decides the decimal sign (Danish comma) and how the
percent sign sits (Danish with a no-break space, English without); the range
uses an en dash in both languages.
"""

from __future__ import annotations

from collections.abc import Callable

from babel.numbers import format_decimal, format_percent

__all__ = ["percent", "share_interval", "share_interval_formatter"]

#: En dash between an interval's ends.
DASH = "–"


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _number(value: float, language: str, decimals: int) -> str:
    return format_decimal(value, format=_pattern(decimals), locale=language)


def percent(value: float | None, language: str, decimals: int = 0) -> str:
    """``value`` (0..100) with the language's percent sign; "–" for no value."""
    if value is None:
        return DASH
    # The sign and its spacing from the locale's own percent format.
    sign = format_percent(1, locale=language).replace("100", "", 1)
    return _number(value, language, decimals) + sign


def share_interval(
    value: float | None,
    low: float | None,
    high: float | None,
    language: str,
    decimals: int = 0,
) -> str:
    """ "62 % (55–69 %)": a share in percent with its interval; without ends, the share."""
    text = percent(value, language, decimals)
    if value is None or low is None or high is None:
        return text
    ends = f"{_number(low, language, decimals)}{DASH}{percent(high, language, decimals)}"
    return f"{text} ({ends})"


def share_interval_formatter(
    language: str, decimals: int = 0
) -> Callable[[float | None, float | None, float | None], str]:
    """:func:`share_interval` bound to a page's language, for its templates."""

    def shown(value: float | None, low: float | None, high: float | None) -> str:
        return share_interval(value, low, high, language, decimals)

    return shown

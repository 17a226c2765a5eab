"""The region pages' query parameters, checked before anything is read.

A parameter that cannot be right whatever is stored (a sort key the table does
not have, a period that is no period) is :class:`BadParameter`, answered 400;
one that is well formed but names nothing released (a period never released,
an item nobody answered) is :class:`NothingReleased`, answered 404. Both name
the parameter, so the page can say which one to change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from survey_service.errors import InvalidInput
from survey_service.practices.service import SECTORS
from survey_service.results.periods import parse_period

__all__ = [
    "DIRECTIONS",
    "SORT_KEYS",
    "BadParameter",
    "FunnelQuery",
    "NothingReleased",
    "SectorQuery",
    "default_direction",
    "parse_funnel_query",
    "parse_sector",
    "parse_sector_query",
    "parse_sort",
]

#: Columns of the units table that sort; "interval" sorts by its width.
SORT_KEYS = ("name", "code", "sector", "area", "n", "adjusted", "interval", "flag")
DIRECTIONS = ("asc", "desc")

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_DOMAIN = re.compile(r"[a-z0-9_]{1,32}")
_ITEM = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_LEVEL = re.compile(r"[a-z0-9_-]{1,32}")
#: an area is a municipality's name: letters, spaces, hyphens, at most 100 characters
_AREA = re.compile(r"[^\x00-\x1f\x7f<>\"]{1,100}")


class BadParameter(Exception):
    """A query parameter that no stored result could make right (400)."""

    def __init__(self, parameter: str, reason: str) -> None:
        self.parameter = parameter
        self.reason = reason
        super().__init__(f"{parameter}: {reason}")


class NothingReleased(Exception):
    """Nothing released matches (404); ``parameter`` is empty when nothing is released at all."""

    def __init__(self, parameter: str = "", value: str = "") -> None:
        self.parameter = parameter
        self.value = value
        super().__init__(f"{parameter}: {value!r} has no released results" if parameter else "")


@dataclass(frozen=True)
class FunnelQuery:
    period: str | None = None
    questionnaire: str | None = None
    domain: str | None = None
    #: None with a domain: the domain composite
    item: str | None = None
    sector: str | None = None
    area: str | None = None
    level: str = "practice"
    sort: str = "adjusted"
    direction: str = "desc"


@dataclass(frozen=True)
class SectorQuery:
    period: str | None = None
    questionnaire: str | None = None


def _value(params: Mapping[str, str], name: str) -> str | None:
    # An empty field of the GET form means "any".
    value = params.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _matching(params: Mapping[str, str], name: str, pattern: re.Pattern[str]) -> str | None:
    value = _value(params, name)
    if value is not None and not pattern.fullmatch(value):
        raise BadParameter(name, "is not a valid value")
    return value


def _period(params: Mapping[str, str]) -> str | None:
    value = _value(params, "period")
    if value is None:
        return None
    try:
        return parse_period(value).label
    except InvalidInput:
        raise BadParameter("period", "is not a period (use YYYY-MM, YYYY-Qn or YYYY)") from None


def _measure(params: Mapping[str, str]) -> tuple[str | None, str | None]:
    """``measure`` is a domain (its composite) or ``domain/item``."""
    value = _value(params, "measure")
    if value is None:
        return None, None
    domain, slash, item = value.partition("/")
    if not _DOMAIN.fullmatch(domain) or (slash and not _ITEM.fullmatch(item)):
        raise BadParameter("measure", "is not a domain or domain/item")
    return domain, item or None


def default_direction(key: str) -> str:
    """Names and codes read A to Z; numbers start with the largest."""
    return "asc" if key in ("name", "code", "sector", "area", "flag") else "desc"


def parse_sort(params: Mapping[str, str]) -> tuple[str, str]:
    """``sort`` and ``dir`` of a units table, or :class:`BadParameter`."""
    sort = _value(params, "sort") or "adjusted"
    if sort not in SORT_KEYS:
        raise BadParameter("sort", f"choose one of {', '.join(SORT_KEYS)}")
    direction = _value(params, "dir") or default_direction(sort)
    if direction not in DIRECTIONS:
        raise BadParameter("dir", "choose asc or desc")
    return sort, direction


def parse_funnel_query(params: Mapping[str, str]) -> FunnelQuery:
    """The funnel page's filters and sort order, or :class:`BadParameter`."""
    sector = _value(params, "sector")
    if sector is not None and sector not in SECTORS:
        raise BadParameter("sector", f"choose one of {', '.join(SECTORS)}")
    sort, direction = parse_sort(params)
    domain, item = _measure(params)
    return FunnelQuery(
        period=_period(params),
        questionnaire=_matching(params, "questionnaire", _SLUG),
        domain=domain,
        item=item,
        sector=sector,
        area=_matching(params, "area", _AREA),
        level=_matching(params, "level", _LEVEL) or "practice",
        sort=sort,
        direction=direction,
    )


def parse_sector_query(params: Mapping[str, str]) -> SectorQuery:
    """The cross-sector pages' period and questionnaire, or :class:`BadParameter`."""
    return SectorQuery(
        period=_period(params), questionnaire=_matching(params, "questionnaire", _SLUG)
    )


def parse_sector(name: str, value: str) -> str:
    """A sector code from the drill-down's path, or :class:`BadParameter`."""
    if value not in SECTORS:
        raise BadParameter(name, f"choose one of {', '.join(SECTORS)}")
    return value

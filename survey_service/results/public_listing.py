"""The public results page's parameters and listing, built from :func:`public_view` only.

Parameters are checked before anything is read: a malformed one is
:class:`~survey_service.results.publication.BadParameter` (400, naming it).
The listing groups units by questionnaire and provider group and orders them
by name: the public page shows bands and labels, never a rank.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from survey_service.errors import ServiceError
from survey_service.results.periods import parse_period
from survey_service.results.publication import BadParameter, PublicPeriod, PublicRow, Reference

__all__ = ["Group", "Listing", "PublicQuery", "listing", "parse_public_query"]

_DOMAIN = re.compile(r"[a-z0-9_]{1,32}")
#: a name or code fragment: printable, at most 100 characters
_SEARCH = re.compile(r"[^\x00-\x1f\x7f<>]{0,100}")
#: the domain shown when none is asked for, if the questionnaire has it
DEFAULT_DOMAIN = "overall"


@dataclass(frozen=True)
class PublicQuery:
    period: str | None
    search: str
    domain: str | None


def _one(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise BadParameter(f"{name}: give it once")
    return values[0] if values else None


def parse_public_query(params: Mapping[str, Sequence[str]]) -> PublicQuery:
    """``period`` (YYYY-MM, YYYY-Qn, YYYY), ``q`` (name or code) and ``domain``."""
    period = _one(params, "period")
    if period:
        try:
            period = parse_period(period).label
        except ServiceError as exc:
            raise BadParameter(exc.detail) from exc
    search = (_one(params, "q") or "").strip()
    if not _SEARCH.fullmatch(search):
        raise BadParameter("q: search by a name or code of at most 100 ordinary characters")
    domain = _one(params, "domain")
    if domain and not _DOMAIN.fullmatch(domain):
        raise BadParameter("domain: a domain is lower-case letters, digits and _")
    return PublicQuery(period or None, search, domain or None)


@dataclass(frozen=True)
class Group:
    questionnaire: str
    sector: str
    reference: Reference | None
    rows: Sequence[PublicRow]


@dataclass(frozen=True)
class Listing:
    domain: str | None
    domains: Sequence[str]
    groups: Sequence[Group]
    #: the region's figure per questionnaire on the domain shown
    region: Mapping[str, Reference]
    matches: int


def _matches(row: PublicRow, needle: str) -> bool:
    return not needle or needle in row.name.casefold() or needle in row.unit.casefold()


def listing(view: PublicPeriod, query: PublicQuery) -> Listing:
    """The domain composites of one domain, per questionnaire and provider group."""
    composites = [row for row in view.rows if not row.item]
    domains = sorted({row.domain for row in composites})
    domain = query.domain or (DEFAULT_DOMAIN if DEFAULT_DOMAIN in domains else None)
    if domain is None and domains:
        domain = domains[0]
    if query.domain and query.domain not in domains:
        raise BadParameter(f"domain: choose one of {', '.join(domains) or '(none)'}")
    needle = query.search.casefold()
    refs = {
        (r.level, r.sector, r.questionnaire): r
        for r in view.references
        if r.domain == domain and not r.item
    }
    grouped: dict[tuple[str, str], list[PublicRow]] = {}
    for row in composites:
        if row.domain == domain and _matches(row, needle):
            grouped.setdefault((row.questionnaire, row.sector), []).append(row)
    groups = [
        Group(q, sector, refs.get(("sector", sector, q)), rows)
        for (q, sector), rows in sorted(grouped.items())
    ]
    region = {q: ref for (level, _s, q), ref in refs.items() if level == "region"}
    return Listing(domain, domains, groups, region, sum(len(g.rows) for g in groups))

"""The region's pages (analysts and admins): ``/region``, ``/region/sectors`` and
``/region/sectors/{from}/{to}``.

Thin handlers: check the role first (a practitioner gets 403 on every route,
whatever the parameters), check the parameters (400 naming the one at fault),
ask :mod:`survey_service.region.views` for the released results (404 when none
match), add the words of the page's language and the SVG, and render.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.response import Template

from analysis.funnel import Z_95, Z_998
from survey_service.accounts.tables import User
from survey_service.i18n import translations
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.region.charts import (
    FunnelPoint,
    FunnelWords,
    HeatCell,
    HeatWords,
    funnel_chart,
    funnel_limits,
    heat_map,
)
from survey_service.region.filters import (
    SORT_KEYS,
    BadParameter,
    NothingReleased,
    default_direction,
    parse_funnel_query,
    parse_sector,
    parse_sector_query,
    parse_sort,
)
from survey_service.region.queries import UnitRow
from survey_service.region.views import (
    FunnelView,
    TransitionView,
    funnel_view,
    sector_view,
    shown_flag,
    transition_view,
)
from survey_service.rendering import page, text_in
from survey_service.web.dependencies import LanguagePreference, require_role
from survey_service.web.labels import (
    domain_names,
    feedback_flags,
    gap_flags,
    item_texts,
    level_names,
    sector_names,
)
from survey_service.web.numbers import share_interval_formatter

ROLES = ("analyst", "admin")

#: Numbers of answers at which the page lists the funnel limits as text.
LIMIT_SIZES = (10, 20, 50, 100, 200, 500, 1000)
#: Parameters the funnel page's links carry over.
_KEPT = ("period", "questionnaire", "measure", "sector", "area", "level", "lang")


def _link(path: str, params: Mapping[str, str], **overrides: str | None) -> str:
    kept = {k: v for k in _KEPT if (v := params.get(k))}
    kept.update({k: v for k, v in overrides.items() if v is not None})
    kept = {k: v for k, v in kept.items() if v}
    return f"{path}?{urlencode(kept)}" if kept else path


def _sort_links(
    path: str, params: Mapping[str, str], sort: str, direction: str
) -> dict[str, dict[str, str]]:
    """Per column: the link that sorts by it, and its ``aria-sort`` state."""
    out = {}
    for key in SORT_KEYS:
        if key == sort:
            following = "asc" if direction == "desc" else "desc"
            state = "ascending" if direction == "asc" else "descending"
        else:
            following, state = default_direction(key), "none"
        out[key] = {"href": _link(path, params, sort=key, dir=following), "state": state}
    return out


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _unit_tooltip(unit: UnitRow, flags: Mapping[str, str], language: str, unit_sign: str) -> str:
    _ = translations(language).gettext
    return _(
        "%(name)s (%(code)s): %(n)d answers, %(value)s%(sign)s "
        "(95%% interval %(low)s–%(high)s). %(flag)s"
    ) % {
        "name": unit.name,
        "code": unit.code,
        "n": unit.n,
        "value": _fmt(unit.adjusted),
        "sign": unit_sign,
        "low": _fmt(unit.ci_low),
        "high": _fmt(unit.ci_high),
        "flag": flags.get(shown_flag(unit), shown_flag(unit)),
    }


def _points(
    units: Sequence[UnitRow], flags: Mapping[str, str], language: str, unit_sign: str = ""
) -> list[FunnelPoint]:
    """The drawn points: never a suppressed unit (it has no number to draw)."""
    return [
        FunnelPoint(
            code=u.code,
            n=u.n,
            value=u.adjusted,
            flag=shown_flag(u),
            href=f"/feedback/{u.code}",
            tooltip=_unit_tooltip(u, flags, language, unit_sign),
        )
        for u in units
        if not u.suppressed and u.adjusted is not None
    ]


def _limit_rows(
    measure: str, mu: float, s_w: float | None, tau2: float | None, largest: int
) -> list[dict[str, object]]:
    """The funnel's curves as text: limits at a few numbers of answers."""
    factor = 100.0 if measure == "proportion" else 1.0
    sizes = sorted({*(n for n in LIMIT_SIZES if n <= largest), 10, 20, max(largest, 20)})
    low95, high95 = funnel_limits(measure, mu, s_w, tau2, sizes, Z_95)
    low998, high998 = funnel_limits(measure, mu, s_w, tau2, sizes, Z_998)
    return [
        {
            "n": n,
            "low95": _fmt(low95[i] * factor),
            "high95": _fmt(high95[i] * factor),
            "low998": _fmt(low998[i] * factor),
            "high998": _fmt(high998[i] * factor),
        }
        for i, n in enumerate(sizes)
    ]


def _chance(view: FunnelView, mu: float) -> dict[str, float | int]:
    """Units outside the 95% and 99.8% limits beside what chance alone gives there.

    With hundreds of units, 1 in 20 lies outside the 95% limits even if every
    one is as good as the region (analysis.multiplicity.chance_flags, from the
    stored rows).
    """
    p = view.parameters
    shown = [u for u in view.units if not u.suppressed and u.adjusted is not None]
    counts: dict[str, float | int] = {"units": len(shown)}
    sizes = [float(u.n) for u in shown]
    for label, z, share in (("95", Z_95, 0.05), ("998", Z_998, 0.002)):
        outside = 0
        if shown and p.measure == "mean":
            low, high = funnel_limits(p.measure, mu, p.s_w, p.tau2, sizes, z)
            values = [u.adjusted for u in shown]
            outside = sum(
                1
                for v, lo, hi in zip(values, low, high, strict=True)
                if v is not None and not lo <= v <= hi
            )
        counts[f"outside{label}"] = outside
        counts[f"expected{label}"] = round(share * len(shown), 1)
    return counts


def _funnel_words(language: str, y_axis: str) -> FunnelWords:
    _ = translations(language).gettext
    return FunnelWords(
        x_axis=_("Number of answers"),
        y_axis=y_axis,
        target=_("Region's mean"),
        limit95=_("95% limits"),
        limit998=_("99.8% limits"),
    )


def _reason(exc: BadParameter, language: str) -> str:
    """What to give instead, in the page's language (the codes themselves are not translated)."""
    _ = translations(language).gettext
    if exc.parameter == "sort":
        return _("choose one of %(choices)s") % {"choices": ", ".join(SORT_KEYS)}
    if exc.parameter == "dir":
        return _("choose asc or desc")
    if exc.parameter == "period":
        return _("write a period as YYYY-MM, YYYY-Qn or YYYY")
    if exc.parameter in ("sector", "from", "to"):
        return _("choose one of %(choices)s") % {"choices": ", ".join(sector_names(language))}
    if exc.parameter == "measure":
        return _("choose a domain or a question from the list")
    return _("choose a value from the list")


def _problem(language: str, status: int, exc: BadParameter | NothingReleased) -> Template:
    _ = translations(language).gettext
    if isinstance(exc, BadParameter):
        heading = _("This filter cannot be used")
        message = _(
            "The parameter “%(name)s” has a value this page does not accept: %(reason)s."
        ) % {"name": exc.parameter, "reason": _reason(exc, language)}
    elif exc.parameter in ("", "measure") and not exc.value:
        heading = _("No released results yet")
        message = _(
            "There are no released results to compare yet. Results appear here once a "
            "period has been built and released."
        )
    else:
        heading = _("No released results for this choice")
        message = _("Nothing released matches “%(name)s” = “%(value)s”.") % {
            "name": exc.parameter,
            "value": exc.value[:64],
        }
    return page("region_error.html", language, status_code=status, heading=heading, message=message)


def _measure_name(
    domain: str, item: str, domains: Mapping[str, str], item_texts: Mapping[str, str]
) -> str:
    if not item:
        return domains.get(domain, domain)
    return item_texts.get(item, item)


def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if isinstance(v, str)}


def _language_links(path: str, params: Mapping[str, str]) -> dict[str, Any]:
    """The language switch keeps the page's filters and order; the form keeps the language."""

    def switch_link(code: str) -> str:
        return _link(path, params, lang=code, sort=params.get("sort"), dir=params.get("dir"))

    return {"switch_link": switch_link, "lang_param": params.get("lang", "")}


class RegionController(Controller):
    path = "/region"
    include_in_schema = False

    @get("/")
    async def funnel(
        self,
        request: Request,
        current_user: User | None,
        published: PublishedCatalogue,
        patient_language: LanguagePreference,
    ) -> Template:
        user = require_role(current_user, *ROLES)
        language = patient_language.choose()
        params = _params(request)
        try:
            view = await funnel_view(parse_funnel_query(params))
        except BadParameter as exc:
            return _problem(language, 400, exc)
        except NothingReleased as exc:
            return _problem(language, 404, exc)
        return page(
            "region.html",
            language,
            **self._funnel_context(view, params, published, language),
            **_language_links("/region", params),
            user=user,
        )

    def _funnel_context(
        self,
        view: FunnelView,
        params: Mapping[str, str],
        published: PublishedCatalogue,
        language: str,
    ) -> dict[str, Any]:
        _ = translations(language).gettext
        flags = feedback_flags(language)
        domains = domain_names(language)
        texts = item_texts(published, view.revision.questionnaire, language)
        name = _measure_name(view.domain, view.item, domains, texts)
        p = view.parameters
        points = _points(view.units, flags, language)
        mu = p.mu if p.mu is not None else 0.0
        outside = sum(1 for u in view.units if shown_flag(u) in ("alarm_above", "alarm_below"))
        description = _(
            "Funnel plot of %(measure)s, %(period)s: each unit with at least 10 answers is a "
            "point at its number of answers (across) and its adjusted score (up). The region's "
            "mean is %(mu)s; the curves are the 95%% and 99.8%% limits, which include the "
            "ordinary variation between units. %(shown)d units are drawn, %(outside)d of them "
            "outside the 99.8%% limits. The table below holds the same numbers."
        ) % {
            "measure": name,
            "period": view.revision.period,
            "mu": _fmt(mu),
            "shown": len(points),
            "outside": outside,
        }
        chart = funnel_chart(
            "funnel",
            _("%(measure)s: adjusted score by number of answers") % {"measure": name},
            description,
            measure=p.measure,
            mu=mu,
            s_w=p.s_w,
            tau2=p.tau2,
            points=points,
            words=_funnel_words(language, _("Adjusted score (0-100)")),
        )
        measure_value = view.domain + (f"/{view.item}" if view.item else "")
        options = []
        for domain, item in view.measures:
            label = _measure_name(domain, item, domains, texts)
            if item:
                label = f"{domains.get(domain, domain)}: {label}"
            options.append({"value": domain + (f"/{item}" if item else ""), "label": label})
        return {
            "view": view,
            "chart": chart,
            "chance": _chance(view, mu),
            "measure_name": name,
            "measure_value": measure_value,
            "measure_options": options,
            "limits": _limit_rows(
                p.measure, mu, p.s_w, p.tau2, max([u.n for u in view.units] + [20])
            ),
            "flags": flags,
            "shown_flag": shown_flag,
            "sectors": sector_names(language),
            "levels": level_names(language),
            "sort_links": _sort_links("/region", params, view.query.sort, view.query.direction),
            "csv_params": params,
            "fmt": _fmt,
            "share": share_interval_formatter(language, decimals=1),
            "sectors_link": _link("/region/sectors", params, measure=None),
            "measure_link": lambda value: _link("/region", params, measure=value),
        }

    @get("/sectors")
    async def sectors(
        self,
        request: Request,
        current_user: User | None,
        published: PublishedCatalogue,
        patient_language: LanguagePreference,
    ) -> Template:
        user = require_role(current_user, *ROLES)
        language = patient_language.choose()
        params = _params(request)
        try:
            query = parse_sector_query(params)
            view = await sector_view(query)
        except BadParameter as exc:
            return _problem(language, 400, exc)
        except NothingReleased as exc:
            return _problem(language, 404, exc)
        _ = translations(language).gettext
        names = sector_names(language)
        sentences = _transition_sentences(published, view.revision.questionnaire, language)
        base = {"period": view.revision.period, "questionnaire": view.revision.questionnaire}
        if params.get("lang"):
            base["lang"] = params["lang"]
        cells: dict[tuple[str, str], HeatCell] = {}
        rows = []
        for cell in view.cells:
            href = f"/region/sectors/{cell.source}/{cell.target}?{urlencode(base)}"
            pair = {
                "from": names.get(cell.source, cell.source),
                "to": names.get(cell.target, cell.target),
            }
            if cell.suppressed or cell.adjusted is None:
                text = _("<10 answers")
                tooltip = _("%(from)s → %(to)s: fewer than 10 answers, no result") % pair
            else:
                text = f"{cell.adjusted:.0f} %"
                tooltip = _(
                    "%(from)s → %(to)s: %(value)s %% report a problem (95%% interval "
                    "%(low)s–%(high)s %%), %(n)d answers"
                ) % {
                    **pair,
                    "value": _fmt(cell.adjusted),
                    "low": _fmt(cell.ci_low),
                    "high": _fmt(cell.ci_high),
                    "n": cell.n,
                }
            cells[(cell.source, cell.target)] = HeatCell(cell.adjusted, text, href, tooltip)
            rows.append(
                {
                    "cell": cell,
                    "href": href,
                    **pair,
                    "sentence": sentences.get((cell.source, cell.target), []),
                }
            )
        values = [c.adjusted for c in view.cells if c.adjusted is not None]
        scale_max = max(10.0, 10.0 * -(-max(values, default=0.0) // 10))
        chart = heat_map(
            "gaps",
            _("Where communication breaks down between sectors, %(period)s")
            % {"period": view.revision.period},
            _(
                "Heat map: rows are the sector the patient came from, columns the sector they "
                "went to; each cell is the adjusted share (%%) of answers that report a problem "
                "at that hand-over, darker for more problems. The table below holds the same "
                "numbers."
            ),
            sources=[(s, names.get(s, s)) for s in view.sources],
            targets=[(t, names.get(t, t)) for t in view.targets],
            cells=cells,
            scale_max=scale_max,
            words=HeatWords(
                rows=_("From"),
                columns=_("To"),
                legend=_("Share of answers reporting a problem"),
                empty=_("not asked"),
            ),
        )
        return page(
            "region_sectors.html",
            language,
            view=view,
            chart=chart,
            rows=rows,
            sectors=names,
            share=share_interval_formatter(language, decimals=1),
            funnel_link=_link("/region", base),
            **_language_links("/region/sectors", params),
            user=user,
        )

    @get("/sectors/{source:str}/{target:str}")
    async def transition(
        self,
        request: Request,
        source: str,
        target: str,
        current_user: User | None,
        published: PublishedCatalogue,
        patient_language: LanguagePreference,
    ) -> Template:
        user = require_role(current_user, *ROLES)
        language = patient_language.choose()
        params = _params(request)
        try:
            source = parse_sector("from", source)
            target = parse_sector("to", target)
            query = parse_sector_query(params)
            sort, direction = parse_sort(params)
            view = await transition_view(query, source, target, sort, direction)
        except BadParameter as exc:
            return _problem(language, 400, exc)
        except NothingReleased as exc:
            return _problem(language, 404, exc)
        return page(
            "region_transition.html",
            language,
            **_transition_context(view, params, published, language, (source, target)),
            sort_links=_sort_links(f"/region/sectors/{source}/{target}", params, sort, direction),
            **_language_links(f"/region/sectors/{source}/{target}", params),
            user=user,
        )


def _transition_context(
    view: TransitionView,
    params: Mapping[str, str],
    published: PublishedCatalogue,
    language: str,
    transition: tuple[str, str],
) -> dict[str, Any]:
    source, target = transition
    _ = translations(language).gettext
    names = sector_names(language)
    flags = gap_flags(language)
    pair = {"from": names.get(source, source), "to": names.get(target, target)}
    title = _("%(from)s → %(to)s") % pair
    chart = ""
    limits: list[dict[str, object]] = []
    p = view.parameters
    if p is not None and p.mu is not None:
        points = _points(view.units, flags, language, " %")
        description = _(
            "Funnel plot of the share (%%) of answers reporting a problem at the hand-over "
            "%(from)s → %(to)s, per unit, against its number of answers. The region's share is "
            "%(mu)s %%; the curves are the 95%% and 99.8%% limits (on the arcsine scale, with the "
            "ordinary variation between units). The table below holds the same numbers."
        ) % {**pair, "mu": _fmt(p.mu * 100)}
        chart = funnel_chart(
            "transition",
            _("%(from)s → %(to)s: share reporting a problem by number of answers") % pair,
            description,
            measure="proportion",
            mu=p.mu,
            s_w=None,
            tau2=p.tau2,
            points=points,
            words=_funnel_words(language, _("Share reporting a problem (%)")),
            higher_is_better=False,
        )
        limits = _limit_rows(
            "proportion", p.mu, None, p.tau2, max([u.n for u in view.units] + [20])
        )
    return {
        "view": view,
        "title": title,
        "pair": pair,
        "chart": chart,
        "limits": limits,
        "flags": flags,
        "shown_flag": shown_flag,
        "sectors": names,
        "sentence": _transition_sentences(published, view.revision.questionnaire, language).get(
            (source, target), []
        ),
        "fmt": _fmt,
        "share": share_interval_formatter(language, decimals=1),
        "back": _link("/region/sectors", params),
    }


def _transition_sentences(
    published: PublishedCatalogue, slug: str, language: str
) -> dict[tuple[str, str], list[str]]:
    """Per transition, the question texts that ask about it (newest published version)."""
    versions = [q for q in published.catalogue.questionnaires() if q.slug == slug and q.published]
    out: dict[tuple[str, str], list[str]] = {}
    for questionnaire in sorted(versions, key=lambda q: q.version, reverse=True)[:1]:
        for item in questionnaire.items:
            if item.transition is not None:
                key = (item.transition.source, item.transition.target)
                out.setdefault(key, []).append(text_in(item.text, language))
    return out

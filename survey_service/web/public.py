"""The public results: ``/results``, ``/results/{period}.csv|.json``, ``/results/methods``.

No login. Everything shown comes from
:func:`survey_service.results.publication.public_view`, where suppression and
rounding are applied once; a period that is not published answers 404 exactly
like one that does not exist, and a malformed parameter 400 naming it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.response import Template

from survey_service.errors import ServiceError
from survey_service.i18n import LANGUAGES, translations
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.rendering import page, text_in
from survey_service.results.public_listing import listing, parse_public_query
from survey_service.results.publication import (
    COLUMNS,
    DECIMALS,
    BadParameter,
    NotPublished,
    PublicPeriod,
    public_view,
    published_periods,
)
from survey_service.settings import Settings
from survey_service.web.dependencies import LanguagePreference
from survey_service.web.labels import domain_names, group_names, public_flags

__all__ = ["PublicResultsController"]

#: Revalidate every time: an unpublished period must vanish at once, also from caches.
CACHE = {"cache-control": "no-cache"}


def shown_number(language: str) -> Callable[[float | None], str]:
    """Published numbers as the page's language writes them (Danish: decimal comma)."""

    def number(value: float | None) -> str:
        text = _number(value)
        return text.replace(".", ",") if language == "da" else text

    return number


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.{DECIMALS}f}"


#: Columns written with exactly DECIMALS decimals (empty when hidden).
_NUMBERS = frozenset({"adjusted", "ci_low", "ci_high", "top_box", "top_box_low", "top_box_high"})


def _csv(view: PublicPeriod) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in view.rows:
        line = row.as_dict()
        writer.writerow(
            [_number(line[name]) if name in _NUMBERS else line[name] for name in COLUMNS]
        )
    return buffer.getvalue()


def _json(view: PublicPeriod) -> str:
    body = {
        "period": view.period,
        "questionnaires": list(view.questionnaires),
        "decimals": DECIMALS,
        "label_methods": dict(view.label_methods),
        "rows": [row.as_dict() for row in view.rows],
        "references": [ref.as_dict() for ref in view.references],
    }
    return json.dumps(body, ensure_ascii=False, indent=1)


def _problem(status: int, code: str, detail: str, as_json: bool) -> Response[str]:
    if as_json:
        body = json.dumps({"status_code": status, "code": code, "detail": detail})
        return Response(body, status_code=status, media_type="application/json")
    return Response(detail + "\n", status_code=status, media_type="text/plain; charset=utf-8")


def _switch(request: Request, language: str) -> list[dict[str, Any]]:
    """Language links that keep the page's other parameters."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return [
        {
            "code": code,
            "href": "?" + urlencode([*kept, ("lang", code)]),
            "current": code == language,
        }
        for code in LANGUAGES
    ]


class PublicResultsController(Controller):
    path = "/results"
    include_in_schema = False

    @get("/")
    async def index(
        self,
        request: Request,
        published: PublishedCatalogue,
        patient_language: LanguagePreference,
    ) -> Template:
        language = patient_language.choose()
        try:
            query = parse_public_query(dict(request.query_params.dict()))
        except BadParameter as exc:
            return self._bad(language, exc)
        periods = await published_periods()
        label = query.period or (periods[0] if periods else None)
        view = None
        shown = None
        if label is not None:
            view = await public_view(label)  # 404 when not published
            try:
                shown = listing(view, query)
            except BadParameter as exc:
                return self._bad(language, exc)
        titles = {
            q.slug: text_in(q.title, language)
            for q in published.catalogue.questionnaires()
            if q.published
        }
        return page(
            "results.html",
            language,
            periods=periods,
            period=label,
            query=query,
            view=view,
            shown=shown,
            titles=titles,
            flags=public_flags(language),
            sectors=group_names(language),
            domains=domain_names(language),
            switch=_switch(request, language),
            num=shown_number(language),
        )

    @get("/methods")
    async def methods(
        self, request: Request, patient_language: LanguagePreference, settings: Settings
    ) -> Template:
        language = patient_language.choose()
        return page(
            "results_methods.html",
            language,
            switch=_switch(request, language),
            settings=settings,
        )

    @get("/{name:str}")
    async def download(
        self,
        name: str,
    ) -> Response[Any]:
        label, dot, extension = name.rpartition(".")
        as_json = extension == "json"
        if not dot or extension not in ("csv", "json"):
            return _problem(404, "not_found", "no such file: use PERIOD.csv or PERIOD.json", False)
        try:
            view = await public_view(label)
        except NotPublished as exc:
            return _problem(404, exc.code, exc.detail, as_json)
        except ServiceError as exc:
            return _problem(400, "bad_parameter", exc.detail, as_json)
        disposition = {
            "content-disposition": f'attachment; filename="results-{view.period}.{extension}"'
        }
        if as_json:
            return Response(
                _json(view),
                media_type="application/json",
                headers={**CACHE, **disposition},
            )
        return Response(
            _csv(view), media_type="text/csv; charset=utf-8", headers={**CACHE, **disposition}
        )

    @staticmethod
    def _bad(language: str, exc: BadParameter) -> Template:
        _ = translations(language).gettext
        return page(
            "error.html",
            language,
            status_code=400,
            heading=_("This search cannot be used"),
            message=exc.detail,
        )

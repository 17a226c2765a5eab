"""The practitioner's feedback pages: ``/feedback/{code}`` and ``/feedback/{code}.csv``.

Thin handlers: they require a logged-in account, ask the feedback service for
the practice (which answers 404 alike for another practice and for none), and
render. Only released periods are ever shown (survey_service.results).
"""

from __future__ import annotations

import csv
import io

from litestar import Controller, Response, get
from litestar.response import Template

from survey_service.accounts.service import practices_of
from survey_service.accounts.tables import User
from survey_service.feedback.charts import trend_chart
from survey_service.feedback.service import csv_rows, practice_feedback, readable_practice
from survey_service.i18n import translations
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.rendering import page, text_in
from survey_service.web.dependencies import LanguagePreference, require_role

ROLES = ("practitioner", "analyst", "admin")


def _flag_text(language: str) -> dict[str, str]:
    _ = translations(language).gettext
    return {
        "above": _("Better than the region"),
        "alarm_above": _("Clearly better than the region"),
        "below": _("Below the region"),
        "alarm_below": _("Clearly below the region: worth a look"),
        "as_expected": _("As expected"),
        "low_reliability": _("No label: the result is not yet reliable enough"),
        "suppressed": _("No result: fewer than 10 answers"),
    }


def _domain_names(language: str) -> dict[str, str]:
    _ = translations(language).gettext
    return {
        "access": _("Access"),
        "communication": _("Communication"),
        "information": _("Information"),
        "involvement": _("Involvement"),
        "continuity": _("Continuity"),
        "coordination": _("Coordination between sectors"),
        "overall": _("Overall"),
        "outcome": _("Outcome"),
    }


def _item_texts(published: PublishedCatalogue, slug: str, language: str) -> dict[str, str]:
    """Question text per item id, newest published version first (ids never change meaning)."""
    texts: dict[str, str] = {}
    versions = [q for q in published.catalogue.questionnaires() if q.slug == slug and q.published]
    for questionnaire in sorted(versions, key=lambda q: q.version, reverse=True):
        for item in questionnaire.items:
            texts.setdefault(item.id, text_in(item.text, language))
    return texts


class FeedbackController(Controller):
    path = "/feedback"
    include_in_schema = False

    @get("/{code:str}")
    async def show(
        self,
        code: str,
        current_user: User | None,
        published: PublishedCatalogue,
        patient_language: LanguagePreference,
        period: str | None = None,
    ) -> Template | Response[str]:
        user = require_role(current_user, *ROLES)
        code, _dot, extension = code.partition(".")
        practice = await readable_practice(user, code)
        view = await practice_feedback(practice, published, period)
        if extension == "csv":
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(csv_rows(view))
            name = f"feedback-{practice.code}-{view.period or 'none'}.csv"
            return Response(
                buffer.getvalue(),
                media_type="text/csv; charset=utf-8",
                headers={"content-disposition": f'attachment; filename="{name}"'},
            )
        language = patient_language.choose()
        _ = translations(language).gettext
        domains = _domain_names(language)
        charts = {
            d.domain: trend_chart(
                _("%(domain)s over released periods") % {"domain": domains.get(d.domain, d.domain)},
                _("Adjusted score (0-100) per period with its 95% interval."),
                d.trend,
            )
            for d in view.domains
        }
        own = await practices_of(user.id) if user.role == "practitioner" else []
        return page(
            "feedback.html",
            language,
            view=view,
            charts=charts,
            flags=_flag_text(language),
            domains=domains,
            item_texts=_item_texts(published, view.questionnaire_slug, language),
            own_practices=own,
            user=user,
        )

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
from survey_service.rendering import page
from survey_service.web.dependencies import LanguagePreference, require_role
from survey_service.web.labels import domain_names, feedback_flags, item_texts
from survey_service.web.numbers import share_interval_formatter

ROLES = ("practitioner", "analyst", "admin")


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
        domains = domain_names(language)
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
            flags=feedback_flags(language),
            domains=domains,
            item_texts=item_texts(published, view.questionnaire_slug, language),
            own_practices=own,
            user=user,
            share=share_interval_formatter(language),
        )

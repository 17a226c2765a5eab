"""The front page: what this service is, the practices' poster links, and the demo's links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import get
from litestar.response import Template

from survey_service.errors import ServiceError
from survey_service.practices.service import list_practices
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.rendering import page
from survey_service.responses.service import open_survey
from survey_service.web.dependencies import LanguagePreference


@dataclass(frozen=True)
class _Link:
    url: str
    practice_name: str
    title: dict[str, str]


async def _fresh(links: list[dict[str, str]], published: PublishedCatalogue) -> list[_Link]:
    """The demo's links that can still be answered (used or expired ones are left out)."""
    fresh = []
    for link in links:
        token = link["url"].rstrip("/").rsplit("/", 1)[-1]
        try:
            survey = await open_survey(token)
            questionnaire = published.questionnaire(survey.questionnaire_version_id)
        except ServiceError:
            continue
        fresh.append(_Link(link["url"], survey.practice_name, dict(questionnaire.title)))
    return fresh


async def _posters(published: PublishedCatalogue) -> list[dict[str, Any]]:
    """Every active practice whose sector has a poster questionnaire."""
    return [
        {"code": p.code, "name": p.name, "sector": p.sector}
        for p in await list_practices()
        if p.active and published.poster_version(p.sector) is not None
    ]


@get("/", include_in_schema=False)
async def home(
    published: PublishedCatalogue,
    patient_language: LanguagePreference,
    demo_links: list[dict[str, str]],
) -> Template:
    return page(
        "home.html",
        patient_language.choose(),
        questionnaires=[q for q in published.catalogue.questionnaires() if q.published],
        demo_links=await _fresh(demo_links, published),
        posters=await _posters(published),
    )

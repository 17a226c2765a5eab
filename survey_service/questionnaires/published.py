"""The catalogue this server publishes, bound to the database ids of its versions."""

from __future__ import annotations

from dataclasses import dataclass, field

from survey_service.errors import Gone
from survey_service.questionnaires.loader import Catalogue
from survey_service.questionnaires.model import Questionnaire

__all__ = ["PublishedCatalogue", "UnknownQuestionnaireVersion"]


class UnknownQuestionnaireVersion(Gone):
    """A link refers to a questionnaire version this server's catalogue lacks.

    It happens when a region withdraws a version while links to it are still
    out; the patient is told the survey is no longer offered (410), not a 500.
    """

    code = "questionnaire_withdrawn"
    default_detail = "the questionnaire of this survey link is no longer offered"


@dataclass
class PublishedCatalogue:
    """The loaded catalogue plus the database id of each published version."""

    catalogue: Catalogue
    #: database id of each published version, and the reverse
    ids: dict[tuple[str, int], int] = field(default_factory=dict)
    by_id: dict[int, Questionnaire] = field(default_factory=dict)

    def bind(self, ids: dict[tuple[str, int], int]) -> None:
        self.ids = ids
        self.by_id = {}
        for key, version_id in ids.items():
            q = self.catalogue.get(*key)
            if q is not None:
                self.by_id[version_id] = q

    def questionnaire(self, version_id: int) -> Questionnaire:
        try:
            return self.by_id[version_id]
        except KeyError:
            raise UnknownQuestionnaireVersion() from None

    def poster_version(self, sector: str) -> tuple[Questionnaire, int] | None:
        """The questionnaire a unit of ``sector`` offers on its poster, with its id."""
        questionnaire = self.catalogue.for_sector(sector)
        if questionnaire is None:
            return None
        version_id = self.ids.get((questionnaire.slug, questionnaire.version))
        return None if version_id is None else (questionnaire, version_id)

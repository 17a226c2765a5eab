"""What the app knows at start-up: the catalogue and its database ids."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar.datastructures import State

from survey_service.questionnaires.loader import Catalogue
from survey_service.questionnaires.model import Questionnaire


@dataclass
class CatalogueState:
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


class UnknownQuestionnaireVersion(LookupError):
    """An invitation refers to a version this server's catalogue lacks."""


def questionnaire_for_version(state: State, version_id: int) -> Questionnaire:
    catalogue_state: CatalogueState = state.catalogue
    try:
        return catalogue_state.by_id[version_id]
    except KeyError:
        raise UnknownQuestionnaireVersion(version_id) from None

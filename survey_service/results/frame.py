"""The responses of one questionnaire and period as one wide table.

Read column-wise with three plain SELECTs (versions, responses, answers as
``(response, item_id, value)``) and pivoted in pandas: building ORM objects
per row would not survive a national year (2.2 M responses, ~50 M answers).
Only the ids of the catalogue's non-free-text items are ever selected, so free
text cannot reach a frame, an export or a result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analysis import fft_positive, indicator, likert_score
from survey_service.errors import NotFound
from survey_service.questionnaires.loader import Catalogue
from survey_service.questionnaires.model import Item, Questionnaire
from survey_service.responses.tables import Response
from survey_service.results.periods import Period

__all__ = [
    "BASE_COLUMNS",
    "CASEMIX_COLUMNS",
    "ResponseFrame",
    "UnknownQuestionnaire",
    "published_versions",
    "read_frame",
    "score_item",
    "scored_items",
    "top_box_item",
]

#: Patient-reported case-mix adjusters, in the export's order.
CASEMIX_COLUMNS: tuple[str, ...] = (
    "age_band",
    "sex",
    "general_health",
    "mental_health",
    "education",
)
#: The export's leading columns; one column per item id follows.
BASE_COLUMNS: tuple[str, ...] = (
    "practice",
    "sector",
    "region_area",
    "questionnaire",
    "version",
    "period",
    "channel",
    "language",
    *CASEMIX_COLUMNS,
)
#: Roles whose items get a 0..100 score (case-mix and screening items are not results).
SCORED_ROLES = ("experience", "outcome")


class UnknownQuestionnaire(NotFound):
    code = "unknown_questionnaire"
    default_detail = "questionnaire: no published questionnaire of that name"


@dataclass(frozen=True)
class ResponseFrame:
    """One row per response: :data:`BASE_COLUMNS`, then one column per item id."""

    slug: str
    period: Period
    #: the items with a column, in catalogue order (newest version first)
    items: tuple[Item, ...]
    #: the adjusters the questionnaire configures (``questionnaire.adjusters``)
    adjusters: tuple[str, ...]
    codes: pd.DataFrame

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    def scored(self) -> pd.DataFrame:
        """The same table with each item's 0..100 score (empty: unanswered or unscored)."""
        frame = self.codes[list(BASE_COLUMNS)].copy()
        for item in self.items:
            score = score_item(item)
            column = self.codes[item.id]
            frame[item.id] = (
                pd.Series(float("nan"), index=frame.index) if score is None else score(column)
            )
        return frame


def published_versions(catalogue: Catalogue, slug: str) -> list[Questionnaire]:
    """Every published version of questionnaire ``slug``, newest first."""
    versions = [
        q for q in catalogue.questionnaires() if q.slug == slug and q.kind == "questionnaire"
    ]
    published = sorted((q for q in versions if q.published), key=lambda q: -q.version)
    if not published:
        raise UnknownQuestionnaire(f"questionnaire: {slug!r} is not a published questionnaire")
    return published


def _pooled_items(versions: list[Questionnaire]) -> tuple[Item, ...]:
    # Versions are pooled by item id: the newest version's order, then items
    # only older versions had (an item id never changes meaning, see
    # Item.signature, so pooling by id is sound).
    seen: dict[str, Item] = {}
    for questionnaire in versions:
        for item in questionnaire.items:
            if item.type != "free_text" and item.id not in seen:
                seen[item.id] = item
    return tuple(seen.values())


def score_item(item: Item) -> Callable[[pd.Series], pd.Series] | None:
    """The 0..100 scoring of an item's answer codes (ANALYSIS_SPEC 1), or None.

    likert5: (k - 1) * 25; fft6: 100 for very good / good, 0 for the other
    scored answers; yes/no: 100 for yes; a cross-sector item (with problem
    codes): 100 when no problem was reported, so every score points the same
    way and the gap rate (ANALYSIS_SPEC 7) is 100 minus it. Not applicable /
    don't know (unscored options) give NaN.
    """
    if item.role not in SCORED_ROLES:
        return None
    scored = tuple(o.code for o in item.options if o.scored)
    if item.type == "likert5":
        return likert_score
    if item.type == "fft6":
        return lambda values: 100.0 * fft_positive(values)
    if item.type == "yes_no_na":
        return lambda values: 100.0 * indicator(values, positive=("yes",), scored=scored)
    if item.type == "single_choice" and item.problem_codes:
        fine = tuple(c for c in scored if c not in item.problem_codes)
        return lambda values: 100.0 * indicator(values, positive=fine, scored=scored)
    return None


def top_box_item(item: Item) -> Callable[[pd.Series], pd.Series] | None:
    """0/1 indicator of an item's best answer (ANALYSIS_SPEC 1), or None."""
    if item.role not in SCORED_ROLES:
        return None
    scored = tuple(o.code for o in item.options if o.scored)
    best = {"likert5": "5", "fft6": "1", "yes_no_na": "yes"}.get(item.type)
    if best is None:
        return None
    return lambda values: indicator(values, positive=(best,), scored=scored)


def scored_items(frame: ResponseFrame) -> list[Item]:
    """Items that have a score, in catalogue order."""
    return [item for item in frame.items if score_item(item) is not None]


async def read_frame(catalogue: Catalogue, slug: str, period: Period) -> ResponseFrame:
    """Every response of questionnaire ``slug`` (all published versions) in ``period``."""
    versions = published_versions(catalogue, slug)
    items = _pooled_items(versions)
    numbers = [q.version for q in versions]
    version_marks = ", ".join(["{}"] * len(numbers))
    where = (
        f"qv.slug = {{}} AND qv.version IN ({version_marks}) "
        "AND r.visit_month >= {} AND r.visit_month <= {}"
    )
    args = [slug, *numbers, period.first_month, period.last_month]
    rows = await Response.raw(
        "SELECT r.id AS response, p.code AS practice, p.sector AS sector, "
        "p.region_area AS region_area, qv.version AS version, r.visit_month AS period, "
        "r.channel AS channel, r.language AS language "
        "FROM response r JOIN practice p ON p.id = r.practice "
        "JOIN questionnaire_version qv ON qv.id = r.questionnaire_version "
        f"WHERE {where}",
        *args,
    )
    base = pd.DataFrame(
        rows,
        columns=[
            "response",
            "practice",
            "sector",
            "region_area",
            "version",
            "period",
            "channel",
            "language",
        ],
    )
    base["response"] = base["response"].astype(str)
    base["questionnaire"] = slug
    ids = [item.id for item in items]
    answers = pd.DataFrame(columns=["response", "item_id", "value"])
    if ids and len(base):
        id_marks = ", ".join(["{}"] * len(ids))
        answer_rows = await Response.raw(
            "SELECT a.response AS response, a.item_id AS item_id, a.value AS value "
            "FROM answer a JOIN response r ON r.id = a.response "
            "JOIN questionnaire_version qv ON qv.id = r.questionnaire_version "
            f"WHERE {where} AND a.item_id IN ({id_marks})",
            *args,
            *ids,
        )
        answers = pd.DataFrame(answer_rows, columns=["response", "item_id", "value"])
        answers["response"] = answers["response"].astype(str)
    wide = (
        answers.drop_duplicates(["response", "item_id"])
        .pivot(index="response", columns="item_id", values="value")
        .reindex(columns=ids)
    )
    frame = base.join(wide, on="response")
    casemix_of = {
        item.casemix: item.id
        for item in items
        if item.role == "casemix" and item.casemix in CASEMIX_COLUMNS
    }
    for name in CASEMIX_COLUMNS:
        source = casemix_of.get(name)
        frame[name] = frame[source] if source is not None else None
    frame = frame.sort_values(["practice", "period", "response"], kind="stable")
    frame = frame[[*BASE_COLUMNS, *ids]].reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), None)
    frame["version"] = frame["version"].astype(int)
    return ResponseFrame(
        slug=slug,
        period=period,
        items=items,
        adjusters=versions[0].adjusters,
        codes=frame,
    )

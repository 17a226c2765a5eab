"""Results as FHIR R5: anonymous ``QuestionnaireResponse`` bundles and ``MeasureReport``s.

Both are built as plain JSON by pure functions and checked with
``fhir.resources`` (the R5 models), like the ``Questionnaire`` export
(``questionnaires/fhir.py``) whose canonical URL they point to.

QuestionnaireResponse (analysts, docs/fhir.md): the rows of
:func:`~survey_service.results.frame.read_frame`, so never free text, and
nothing that identifies a respondent: no resource id, no response or
practice-system id, no ``authored`` (the answer's own time could be matched
against the SMS log), no date with a day. The visit month travels in an
extension; the practice is the ``subject`` by its public unit code. Entries are
ordered by practice, then by a random key, so row order says nothing about
when a patient was invited or answered.

MeasureReport (public): one per unit, questionnaire and *published* period,
made only of :func:`~survey_service.results.publication.public_view`, so the
disclosure control of every public output applies (ANALYSIS_SPEC 6): fewer
than 10 answers give no score and a masked count, means are rounded to one
decimal, no comparison label below 20 answers, no roll-up units.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from fhir.resources.bundle import Bundle
from fhir.resources.measurereport import MeasureReport
from fhir.resources.questionnaireresponse import QuestionnaireResponse

from survey_service.errors import NotFound, ServiceError
from survey_service.questionnaires.fhir import CODE_SYSTEM
from survey_service.questionnaires.loader import Catalogue
from survey_service.questionnaires.model import Item, Questionnaire
from survey_service.results.frame import ResponseFrame
from survey_service.results.periods import Period, parse_period
from survey_service.results.publication import (
    BadParameter,
    NotPublished,
    PublicPeriod,
    PublicRow,
)

__all__ = [
    "Search",
    "bundle_of",
    "checked",
    "measure_report",
    "measure_reports",
    "questionnaire_canonical",
    "questionnaire_response",
    "response_bundle",
    "response_entries",
    "search_of",
    "searchset",
]

PRACTICE_SYSTEM = "urn:survey-service:practice"
RESULT_SYSTEM = "urn:survey-service:results"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
MEASURE_SCORING = "http://terminology.hl7.org/CodeSystem/measure-scoring"
IMPROVEMENT = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"


def _extension_url(base_url: str, name: str) -> str:
    return f"{base_url}/fhir/StructureDefinition/{name}"


def questionnaire_canonical(base_url: str, slug: str, version: int | None = None) -> str:
    """The ``Questionnaire.url`` of the export (``|version`` when given), as FHIR cites it."""
    url = f"{base_url}/api/v1/questionnaires/{slug}"
    return url if version is None else f"{url}|{version}"


def _practice(code: str, name: str | None = None) -> dict[str, Any]:
    # By the public unit code only: the practice system's own ids never leave.
    reference: dict[str, Any] = {
        "type": "Organization",
        "identifier": {"system": PRACTICE_SYSTEM, "value": code},
    }
    if name:
        reference["display"] = name
    return reference


# --- QuestionnaireResponse ---------------------------------------------------------


def _missing(value: Any) -> bool:
    # Frames hold Categoricals: an unanswered cell reads back as NaN, not None.
    return value is None or value == "" or (not isinstance(value, str) and bool(pd.isna(value)))


def _answer(item: Item, value: str, system: str) -> dict[str, Any] | None:
    if item.type == "free_text":  # never: the frame has no free text, and this says so twice
        return None
    if item.type == "number":
        try:
            return {"valueInteger": int(value)}
        except ValueError:
            return None
    return {"valueCoding": {"system": system, "code": value}}


def questionnaire_response(
    row: Mapping[str, Any], questionnaire: Questionnaire, base_url: str
) -> dict[str, Any]:
    """One frame row (item id -> code) as an anonymous QuestionnaireResponse.

    The item tree follows ``questionnaire`` (the version the patient answered):
    section groups holding the answered items, as in the Questionnaire export.
    """
    system = f"{CODE_SYSTEM}:{questionnaire.slug}"
    groups: list[dict[str, Any]] = []
    for section in questionnaire.sections:
        answered: list[dict[str, Any]] = []
        for item in section.items:
            value = row.get(item.id)
            if _missing(value):
                continue
            answer = _answer(item, str(value), system)
            if answer is not None:
                answered.append({"linkId": item.id, "answer": [answer]})
        if answered:
            groups.append({"linkId": f"section.{section.id}", "item": answered})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "extension": [
            # A partial date (YYYY-MM) is a valid FHIR date: the month, never a day.
            {"url": _extension_url(base_url, "visit-month"), "valueDate": str(row["period"])},
            {"url": _extension_url(base_url, "survey-channel"), "valueCode": str(row["channel"])},
        ],
        "questionnaire": questionnaire_canonical(
            base_url, questionnaire.slug, questionnaire.version
        ),
        "status": "completed",
        "subject": _practice(str(row["practice"])),
    }
    if not _missing(row.get("language")):
        resource["language"] = str(row["language"])
    if groups:
        resource["item"] = groups
    return resource


def _shuffled(rows: Sequence[Mapping[str, Any]], rng: random.Random) -> list[Mapping[str, Any]]:
    # Practice first (analysts read one unit at a time), then a fresh random key:
    # the frame's own order (response UUIDs) must not be the published one either.
    keys = [rng.random() for _ in rows]
    order = sorted(range(len(rows)), key=lambda i: (str(rows[i]["practice"]), keys[i]))
    return [rows[i] for i in order]


def response_entries(
    frame: ResponseFrame,
    catalogue: Catalogue,
    base_url: str,
    rng: random.Random | None = None,
) -> Iterator[dict[str, Any]]:
    """Bundle entries, one per response of ``frame``, in practice-then-random order."""
    rows = frame.codes.to_dict("records")
    versions: dict[int, Questionnaire] = {}
    for row in _shuffled(rows, rng or secrets.SystemRandom()):
        number = int(row["version"])
        if number not in versions:
            found = catalogue.get(frame.slug, number)
            if found is None:  # read_frame only reads catalogue versions
                raise NotFound(f"questionnaire: {frame.slug} version {number} is not loaded")
            versions[number] = found
        yield {"resource": questionnaire_response(row, versions[number], base_url)}


def bundle_of(entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A collection Bundle: no id, no timestamp (a day), no fullUrl (an identifier)."""
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    listed = list(entries)
    if listed:  # FHIR JSON has no empty arrays
        bundle["entry"] = listed
    return bundle


def response_bundle(
    frame: ResponseFrame,
    catalogue: Catalogue,
    base_url: str,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """Every response of ``frame`` as one validated collection Bundle (in memory)."""
    bundle = bundle_of(response_entries(frame, catalogue, base_url, rng))
    Bundle.model_validate(bundle)
    return bundle


def checked(entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """``entries``, each one that shows a new (version, item) validated against R5.

    Validating every entry costs ~5 ms each (hours for a national year);
    entries of one version differ only in which items are answered and with
    which code, so one check per version and item catches any shape the
    builder gets wrong. Tests validate whole bundles.
    """
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        resource = entry["resource"]
        keys = {(resource["questionnaire"], "")} | {
            (resource["questionnaire"], item["linkId"])
            for group in resource.get("item", [])
            for item in group["item"]
        }
        if not keys <= seen:
            QuestionnaireResponse.model_validate(resource)
            seen |= keys
        yield entry


# --- MeasureReport -----------------------------------------------------------------


def _group(row: PublicRow, base_url: str) -> dict[str, Any]:
    code = row.item or f"composite.{row.domain}"
    group: dict[str, Any] = {
        "linkId": code,
        "code": {"coding": [{"system": f"{RESULT_SYSTEM}:{row.questionnaire}", "code": code}]},
    }
    population: dict[str, Any] = {
        "code": {"coding": [{"system": POPULATION, "code": "initial-population"}]}
    }
    if not row.shown or not isinstance(row.n, int):
        # Fewer than 10 answers: no score, and the count is published as "<10",
        # which an integer cannot say, so it is masked as well.
        masked = [{"url": DATA_ABSENT, "valueCode": "masked"}]
        population["_count"] = {"extension": masked}
        group["extension"] = masked
        group["population"] = [population]
        return group
    population["count"] = row.n
    group["population"] = [population]
    group["measureScoreQuantity"] = {"value": row.adjusted, "unit": "score 0-100"}
    extensions: list[dict[str, Any]] = []
    if row.ci_low is not None and row.ci_high is not None:
        extensions.append(
            {
                "url": _extension_url(base_url, "confidence-interval-95"),
                "valueRange": {"low": {"value": row.ci_low}, "high": {"value": row.ci_high}},
            }
        )
    # The public flag: a comparison label from 20 answers, else too_few / low_reliability.
    extensions.append({"url": _extension_url(base_url, "public-flag"), "valueCode": row.flag})
    group["extension"] = extensions
    return group


def measure_report(rows: Sequence[PublicRow], period: Period, base_url: str) -> dict[str, Any]:
    """One unit's public rows on one questionnaire as a validated summary MeasureReport."""
    first = rows[0]
    resource: dict[str, Any] = {
        # No id: there is no read interaction, and a unit code with "_" is no FHIR id.
        "resourceType": "MeasureReport",
        "extension": [
            {
                "url": _extension_url(base_url, "questionnaire"),
                # No version: results pool every published version by item id.
                "valueCanonical": questionnaire_canonical(base_url, first.questionnaire),
            }
        ],
        "status": "complete",
        "type": "summary",
        "subject": _practice(first.unit, first.name),
        # Partial dateTimes: a period is whole months.
        "period": {"start": period.first_month, "end": period.last_month},
        "scoring": {"coding": [{"system": MEASURE_SCORING, "code": "continuous-variable"}]},
        "improvementNotation": {"coding": [{"system": IMPROVEMENT, "code": "increase"}]},
        "group": [_group(row, base_url) for row in rows],
    }
    MeasureReport.model_validate(resource)
    return resource


def measure_reports(view: PublicPeriod, search: Search, base_url: str) -> list[dict[str, Any]]:
    """A MeasureReport per unit and questionnaire of the public view that ``search`` asks for.

    Built only from :func:`~survey_service.results.publication.public_view`, the
    one public shape of results: its suppression, rounding and labels, and no
    roll-up units. A questionnaire without published results is
    :class:`NotPublished`; a subject without rows is simply no match.
    """
    if search.questionnaire is not None and search.questionnaire not in view.questionnaires:
        raise NotPublished(
            f"period: no published results for questionnaire {search.questionnaire!r} "
            f"in {view.period}"
        )
    units: dict[tuple[str, str], list[PublicRow]] = {}
    for row in view.rows:
        if search.subject is not None and row.unit != search.subject:
            continue
        if search.questionnaire is not None and row.questionnaire != search.questionnaire:
            continue
        units.setdefault((row.questionnaire, row.unit), []).append(row)
    return [measure_report(rows, search.period, base_url) for rows in units.values()]


#: Search parameters of ``GET .../MeasureReport``; anything else is refused, so a
#: misspelt ``subjet=`` cannot quietly return every unit.
SEARCH_PARAMETERS = ("period", "subject", "questionnaire")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")  # practices.service's unit codes
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # questionnaires.loader's slugs


@dataclass(frozen=True)
class Search:
    period: Period
    subject: str | None
    questionnaire: str | None


def search_of(query: Mapping[str, Sequence[str]]) -> Search:
    """Check the query string (every value of every name); :class:`BadParameter` names it."""
    for name in query:
        if name not in SEARCH_PARAMETERS:
            raise BadParameter(
                f"{name}: not a search parameter (use {', '.join(SEARCH_PARAMETERS)})"
            )
    values: dict[str, str] = {}
    for name, given in query.items():
        if len(given) != 1:
            raise BadParameter(f"{name}: give it once")
        values[name] = given[0]
    if "period" not in values:
        raise BadParameter("period: required (YYYY-MM, YYYY-Qn or YYYY)")
    try:
        period = parse_period(values["period"])
    except ServiceError as exc:
        raise BadParameter(exc.detail) from exc
    subject = values.get("subject")
    if subject is not None:
        # FHIR's reference form is accepted too: Organization/P0001.
        subject = subject.removeprefix("Organization/")
        if not _CODE.fullmatch(subject):
            raise BadParameter("subject: not a unit code")
    questionnaire = values.get("questionnaire")
    if questionnaire is not None and not _SLUG.fullmatch(questionnaire):
        raise BadParameter("questionnaire: not a questionnaire slug")
    return Search(period, subject, questionnaire)


def searchset(resources: Sequence[dict[str, Any]], self_url: str) -> dict[str, Any]:
    """A searchset Bundle of ``resources`` (all matches; results are never paged)."""
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": self_url}],
    }
    if resources:  # FHIR JSON has no empty arrays
        bundle["entry"] = [{"resource": r, "search": {"mode": "match"}} for r in resources]
    Bundle.model_validate(bundle)
    return bundle

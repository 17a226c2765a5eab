"""FHIR R5 out of results: the analysts' anonymous QuestionnaireResponse bundle and
the public MeasureReports of published periods (docs/fhir.md)."""

# ruff: noqa: F811  (the feedback tests' fixtures, imported, are parameters here)

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
from collections import Counter
from typing import Any

import pandas as pd
import pytest
from fhir.resources.bundle import Bundle

from survey_service.questionnaires.fhir import to_fhir
from survey_service.responses.tables import Response
from survey_service.results.fhir import (
    checked,
    measure_report,
    response_bundle,
    response_entries,
)
from survey_service.results.frame import read_frame
from survey_service.results.periods import parse_period
from survey_service.results.publication import PublicRow
from survey_service.results.tables import ReportRevision, ReportUnit

from ..feedback.conftest import logged_in, released  # noqa: F401  (fixtures re-used here)
from .conftest import SECRET_COMMENT, cli_env, survey_service

pytestmark = pytest.mark.anyio

BASE = "https://survey.example.dk"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
ITEMS = [
    "mini.listened",
    "mini.written",
    "mini.written_clear",
    "mini.overall",
    "mini.visits",
    "casemix.age_band",
]
#: An ISO date with a day, alone or inside a dateTime.
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _answers(resource: dict[str, Any]) -> dict[str, str]:
    out = {}
    for group in resource.get("item", []):
        for item in group["item"]:
            (answer,) = item["answer"]
            value = answer.get("valueCoding", {}).get("code", answer.get("valueInteger"))
            out[item["linkId"]] = str(value)
    return out


async def _export(database_url: str, *extra: str) -> Any:
    env = cli_env(database_url, PUBLIC_BASE_URL=BASE)
    args = ("responses", "export", "--questionnaire", "mini", "--period", "2026-11", *extra)
    return await survey_service(*args, env=env)


async def test_fhir_export_is_valid_anonymous_and_matches_the_csv(
    seeded, database_url, tmp_path, fixture_catalogue
):
    out = tmp_path / "responses.json"
    result = await _export(database_url, "--format", "fhir", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"Exported {seeded.responses} response(s)."
    text = out.read_text(encoding="utf-8")
    bundle = json.loads(text)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"

    # Nothing that identifies a respondent or dates an answer.
    assert SECRET_COMMENT not in text and "12345678" not in text
    assert not DAY.search(text), DAY.search(text)
    for row in await Response.select(Response.id):
        assert str(row["id"]) not in text
    assert not _keys(bundle) & {"id", "fullUrl", "authored", "timestamp", "meta", "source"}
    resources = [entry["resource"] for entry in bundle["entry"]]
    assert {r["resourceType"] for r in resources} == {"QuestionnaireResponse"}
    assert all(set(r["subject"]) == {"type", "identifier"} for r in resources)
    assert all("mini.comment" not in _answers(r) for r in resources)

    # The month is there, and the canonical reference is the Questionnaire export's.
    months = {e["valueDate"] for r in resources for e in r["extension"] if "valueDate" in e}
    assert months == {"2026-11"}
    q = to_fhir(fixture_catalogue.get("mini", 1), BASE)
    assert {r["questionnaire"] for r in resources} == {f"{q['url']}|{q['version']}"}

    # The same responses as `responses export`: per practice, the same answers.
    csv_result = await _export(database_url)
    assert csv_result.returncode == 0, csv_result.stderr
    rows = list(csv.DictReader(io.StringIO(csv_result.stdout)))
    assert len(resources) == len(rows) == seeded.responses

    def answered(practice: str, answers: dict[str, str]) -> tuple:
        return (practice, *(answers.get(i, "") for i in ITEMS))

    from_csv = Counter(answered(r["practice"], r) for r in rows)
    from_fhir = Counter(
        answered(r["subject"]["identifier"]["value"], _answers(r)) for r in resources
    )
    assert from_fhir == from_csv
    channels = Counter(
        e["valueCode"] for r in resources for e in r["extension"] if "valueCode" in e
    )
    assert channels == Counter(r["channel"] for r in rows)


async def test_bundle_order_is_practice_then_random(seeded, fixture_catalogue):
    frame = await read_frame(fixture_catalogue, "mini", parse_period("2026-11"))
    bundle = response_bundle(frame, fixture_catalogue, BASE, random.Random(1))
    practices = [e["resource"]["subject"]["identifier"]["value"] for e in bundle["entry"]]
    assert practices == sorted(practices) and len(set(practices)) == 3

    def order(seed: int) -> list[tuple]:
        entries = response_entries(frame, fixture_catalogue, BASE, random.Random(seed))
        return [tuple(_answers(e["resource"]).get(i, "") for i in ITEMS) for e in entries]

    as_read = [
        tuple("" if pd.isna(row[i]) else str(row[i]) for i in ITEMS)
        for row in frame.codes.to_dict("records")
    ]
    first, second = order(1), order(2)
    assert sorted(first) == sorted(second) == sorted(as_read)
    assert first != second  # a fresh key per export
    assert first != as_read and second != as_read  # not the frame's (response id) order


async def test_a_period_without_answers_is_an_empty_bundle(seeded, database_url):
    env = cli_env(database_url, PUBLIC_BASE_URL=BASE)
    args = ("responses", "export", "--questionnaire", "mini", "--period", "2025-01")
    result = await survey_service(*args, "--format", "fhir", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"resourceType": "Bundle", "type": "collection"}
    Bundle.model_validate_json(result.stdout)
    assert result.stderr.strip() == "Exported 0 response(s)."


async def test_fhir_export_refuses_scores_and_unknown_formats(seeded, database_url):
    scored = await _export(database_url, "--format", "fhir", "--scored")
    assert scored.returncode == 2 and scored.stdout == ""
    assert len(scored.stderr.strip().splitlines()) == 1 and "--scored" in scored.stderr
    unknown = await _export(database_url, "--format", "xml")
    assert unknown.returncode == 2 and unknown.stdout == ""


async def _publish(period: str, revision: int = 1) -> None:
    await ReportRevision.update(
        {ReportRevision.published_at: dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC)}
    ).where((ReportRevision.period == period) & (ReportRevision.revision == revision))


async def _get(logged_in, query: str) -> Any:
    async with logged_in(None) as client:  # public: nobody logged in
        return await client.get(f"/api/v1/fhir/MeasureReport{query}")


def _public(value: float) -> float:
    """A stored number as the public sees it: on the 0..100 scale, one decimal."""
    return round(min(100.0, max(0.0, value)), 1)


async def test_measure_reports_equal_the_stored_rows(released, logged_in):
    await _publish("2026-11")
    response = await _get(logged_in, "?period=2026-11")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "searchset" and bundle["total"] == 3
    reports = {
        e["resource"]["subject"]["identifier"]["value"]: e["resource"] for e in bundle["entry"]
    }
    assert set(reports) == {"P0001", "P0002", "P0003"}
    revision = (await ReportRevision.select().where(ReportRevision.period == "2026-11"))[0]
    for code, report in reports.items():
        assert report["status"] == "complete" and report["type"] == "summary"
        assert report["period"] == {"start": "2026-11", "end": "2026-11"}
        stored = await ReportUnit.select().where(
            (ReportUnit.revision == revision["id"])
            & (ReportUnit.practice == released.practice_ids[code])
        )
        groups = {g["linkId"]: g for g in report["group"]}
        assert len(groups) == len(report["group"]) == len(stored) > 0
        for row in stored:
            group = groups[row["item"] or f"composite.{row['domain']}"]
            (population,) = group["population"]
            extensions = {e["url"].rsplit("/", 1)[-1]: e for e in group.get("extension", [])}
            if row["suppressed"]:  # fewer than 10 answers (all of P0003's, 6)
                assert row["n"] < 10
                assert "measureScoreQuantity" not in group and "count" not in population
                assert population["_count"]["extension"][0]["valueCode"] == "masked"
                assert set(extensions) == {"data-absent-reason"}
                assert extensions["data-absent-reason"]["valueCode"] == "masked"
                continue
            assert population["count"] == row["n"]
            assert group["measureScoreQuantity"]["value"] == _public(row["adjusted"])
            interval = extensions["confidence-interval-95"]["valueRange"]
            assert interval["low"]["value"] == _public(row["ci_low"])
            assert interval["high"]["value"] == _public(row["ci_high"])
            # Every unit here has fewer than 20 answers: no comparison label.
            assert extensions["public-flag"]["valueCode"] == "too_few"
    assert all("measureScoreQuantity" not in g for g in reports["P0003"]["group"])

    one = (await _get(logged_in, "?period=2026-11&subject=P0002&questionnaire=mini")).json()
    assert [e["resource"]["subject"]["identifier"]["value"] for e in one["entry"]] == ["P0002"]
    nobody = await _get(logged_in, "?period=2026-11&subject=Organization/P9999")
    assert nobody.status_code == 200 and nobody.json()["total"] == 0


async def test_only_published_revisions_are_served(released, fixture_catalogue, logged_in):
    from survey_service.results.service import build_period

    # Released for practitioners is not published for everyone.
    assert (await _get(logged_in, "?period=2026-11")).status_code == 404
    await _publish("2026-11")
    (built,) = await build_period(fixture_catalogue, "2026-11", "mini")  # never published
    newer = await ReportRevision.select(ReportRevision.id).where(
        (ReportRevision.period == "2026-11") & (ReportRevision.revision == built.revision)
    )
    await ReportUnit.update({ReportUnit.adjusted: 42.42}).where(
        ReportUnit.revision == newer[0]["id"]
    )
    bundle = (await _get(logged_in, "?period=2026-11")).json()
    scores = {
        g["measureScoreQuantity"]["value"]
        for e in bundle["entry"]
        for g in e["resource"]["group"]
        if "measureScoreQuantity" in g
    }
    assert scores and 42.4 not in scores
    for query in ("?period=2026-10", "?period=2025-01", "?period=2026-11&questionnaire=other"):
        missing = await _get(logged_in, query)
        assert missing.status_code == 404, query
        assert missing.json()["code"] == "not_published"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "period"),
        ("?period=2026-13", "period"),
        ("?period=nov", "period"),
        ("?period=0000", "period"),
        ("?period=2026-11&subject=no%20such%20code!", "subject"),
        ("?period=2026-11&questionnaire=Mini_Q", "questionnaire"),
        # Shapes the schema allows, refused by search_of:
        ("?period=2026-11&period=2026-10", "period"),
        ("?period=2026-11&subjet=P0001", "subjet"),
    ],
)
async def test_malformed_search_is_400_naming_the_field(released, logged_in, query, field):
    await _publish("2026-11")
    response = await _get(logged_in, query)
    assert response.status_code == 400, response.text
    body = response.json()
    # Litestar refuses what the schema refuses (naming the key), search_of the rest.
    if body["code"] == "bad_parameter":
        assert body["detail"].startswith(f"{field}:"), body
    else:
        keys = [e.get("key") for e in body.get("extra", [])]
        assert keys == [field] or f"'{field}'" in body["detail"], body


def _row(n: int | str, flag: str, unit: str = "P_1") -> PublicRow:
    shown = isinstance(n, int)
    numbers = (71.3, 60.0, 82.6) if shown else (None, None, None)
    return PublicRow(unit, "Klinik", "gp", "Aarhus", "mini", "overall", "mini.overall", n,
                     *numbers, flag)  # fmt: skip


@pytest.mark.parametrize("flag", ["above", "alarm_below", "too_few", "low_reliability"])
def test_the_public_flag_is_carried_as_it_is(flag):
    report = measure_report([_row(25, flag)], parse_period("2026-Q4"), BASE)
    assert report["subject"]["identifier"]["value"] == "P_1"  # not a FHIR id, fine here
    assert report["period"] == {"start": "2026-10", "end": "2026-12"}
    (group,) = report["group"]
    assert group["measureScoreQuantity"]["value"] == 71.3
    assert group["population"][0]["count"] == 25
    flags = [e["valueCode"] for e in group["extension"] if e["url"].endswith("/public-flag")]
    assert flags == [flag]


def test_a_suppressed_unit_has_no_score_and_no_count():
    report = measure_report([_row("<10", "suppressed")], parse_period("2026-Q4"), BASE)
    (group,) = report["group"]
    assert "measureScoreQuantity" not in group
    assert "count" not in group["population"][0]
    assert [e["url"] for e in group["extension"]] == [DATA_ABSENT]
    assert "<10" not in json.dumps(report)


async def test_streamed_entries_are_checked_per_version_and_item(seeded, fixture_catalogue):
    from pydantic import ValidationError

    frame = await read_frame(fixture_catalogue, "mini", parse_period("2026-11"))
    entries = list(response_entries(frame, fixture_catalogue, BASE, random.Random(3)))
    assert list(checked(entries)) == entries
    broken = {"resource": {**entries[0]["resource"], "authored": "last Tuesday"}}
    with pytest.raises(ValidationError):
        list(checked([broken]))
    # A wrong shape on an item not seen before is caught after valid entries too.
    odd = json.loads(json.dumps(entries[0]))
    odd["resource"]["item"][0]["item"].append({"linkId": "mini.new", "answer": [{"x": 1}]})
    with pytest.raises(ValidationError):
        list(checked([*entries, odd]))

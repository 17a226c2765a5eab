"""Synthetic responses to the fixture questionnaire ``mini`` in three practices."""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

# The real command in a subprocess, as a user runs it (no terminal: no progress bar).
from ..distribution.clitools import Result, survey_service

__all__ = ["Result", "cli_env", "export_and_adjust", "survey_service"]

#: The build's adjusters for ``mini``: its own (age_band; sex is never asked)
#: plus survey mode and language, as `analyse adjust` is given them.
ADJUST = "age_band,channel,language"

CATALOGUE_DIR = Path(__file__).parent.parent / "fixtures" / "catalogue"
#: A phone number in a comment: it must never leave the database through results.
SECRET_COMMENT = "Ring til mig på 12345678"


@dataclass
class Seeded:
    practice_ids: dict[str, int]
    responses: int


@pytest.fixture
async def seeded(db: str, fixture_catalogue) -> Seeded:
    from survey_service.db import write_transaction
    from survey_service.practices import add_practice
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.responses.service import store_response

    ids = await sync_catalogue(fixture_catalogue)
    version_id = ids[("mini", 1)]
    rng = random.Random(7)
    practices: dict[str, int] = {}
    # Sizes: P0003 below the 10-answer minimum, so it is suppressed.
    sizes = {"P0001": 16, "P0002": 14, "P0003": 6}
    count = 0
    for index, (code, size) in enumerate(sizes.items()):
        practice, _key = await add_practice(code, f"Klinik {code}", "gp", "Aarhus")
        practices[code] = practice.id
        async with write_transaction():
            for n in range(size):
                answers = {
                    "mini.listened": rng.choice(["1", "2", "3", "4", "5", "5", "4", "na"]),
                    "mini.written": rng.choice(["yes", "no", "na"]),
                    "mini.overall": rng.choice(["1", "2", "3", "4", "6"]),
                    "mini.visits": str(rng.randint(0, 9)),
                    "mini.comment": SECRET_COMMENT,
                }
                if answers["mini.written"] == "yes":
                    answers["mini.written_clear"] = rng.choice(["2", "3", "4", "5"])
                if n % 5 != 0:  # some leave the case-mix question out: imputed
                    answers["casemix.age_band"] = rng.choice(["18-34", "35-64", "65+"])
                if index == 0 and n % 2:
                    # Scores depend on age, so adjusting for it changes something.
                    answers["mini.listened"] = "5"
                await store_response(
                    practice_id=practice.id,
                    questionnaire_version_id=version_id,
                    channel="sms" if n % 3 else "poster",
                    language="da" if n % 4 else "en",
                    visit_date=dt.date(2026, 11, 1 + n),
                    answers=answers,
                )
                count += 1
        # One answer in October: outside a November period, inside the quarter.
        async with write_transaction():
            await store_response(
                practice_id=practice.id,
                questionnaire_version_id=version_id,
                channel="sms",
                language="da",
                visit_date=dt.date(2026, 10, 15),
                answers={"mini.listened": "1"},
            )
    return Seeded(practice_ids=practices, responses=count)


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SURVEY_QUESTIONNAIRE_DIR": str(CATALOGUE_DIR),
        **extra,
    }


async def export_and_adjust(
    database_url: str, tmp_path: Path, score: str, labels: str = "spec"
) -> pd.DataFrame:
    """What an analyst gets: `responses export --scored` of November piped through
    `analyse adjust` (real processes), indexed by practice code."""
    env = cli_env(database_url)
    export = tmp_path / "scored.csv"
    exported = await survey_service(
        "responses", "export", "--questionnaire", "mini", "--period", "2026-11", "--scored",
        "--output", str(export), env=env,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    adjusted = await survey_service(
        "analyse", "adjust", str(export), "--unit", "practice", "--score", score,
        "--adjust", ADJUST, "--labels", labels, env=env,
    )  # fmt: skip
    assert adjusted.returncode == 0, adjusted.stderr
    return pd.read_csv(io.StringIO(adjusted.stdout), dtype={"unit": str}).set_index("unit")

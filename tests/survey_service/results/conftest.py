"""Synthetic responses to the fixture questionnaire ``mini`` in three practices."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

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


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


async def survey_service(*args: str, env: dict[str, str]) -> Result:
    """The real command in a subprocess, as a user runs it (no terminal: no progress bar)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "survey_service",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return Result(process.returncode or 0, out.decode(), err.decode())

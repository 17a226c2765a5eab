"""Published results: the feedback tests' released November (one suppressed unit with
6 answers), and a crowd of units of every size (several suppressed, one with 9 answers,
others with enough answers for labels), released and published."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import pytest

from ..feedback.conftest import logged_in, released  # noqa: F401  (fixtures re-used here)
from ..results.conftest import SECRET_COMMENT, Seeded, seeded  # noqa: F401

#: After any release made today: the publication delay has passed.
LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=40)

#: Answers per unit in the crowd: three suppressed (9 just below the minimum),
#: two with numbers but no label (< 20), the others with enough answers for labels.
CROWD = {
    "A100": 40,
    "B200": 30,
    "B201": 28,
    "B202": 27,
    "B203": 26,
    "B204": 25,
    "B205": 24,
    "D400": 15,
    "E500": 11,
    "F600": 9,
    "G700": 5,
    "H800": 3,
}
#: each unit's share of the best answers: one stands out, so labels come out
LEVEL = {"A100": 0.95, "B202": 0.2, "F600": 0.97, "H800": 0.0}


@pytest.fixture
async def published(released: Seeded) -> Seeded:  # noqa: F811
    from survey_service.results.publication import publish_period

    await publish_period("2026-11", delay_days=21, now=LATER)
    return released


@pytest.fixture
async def crowd(db: str, fixture_catalogue) -> dict[str, int]:
    """The crowd's answers in 2026-11, built, released and published."""
    from survey_service.db import write_transaction
    from survey_service.practices import add_practice
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.responses.service import store_response
    from survey_service.results.publication import publish_period
    from survey_service.results.service import build_period, release_period

    ids = await sync_catalogue(fixture_catalogue)
    version_id = ids[("mini", 1)]
    rng = random.Random(11)
    practices: dict[str, int] = {}
    for code, size in CROWD.items():
        sector = "physiotherapy" if code in ("B203", "E500", "G700") else "gp"
        practice, _key = await add_practice(code, f"Enhed {code}", sector, "Randers")
        practices[code] = practice.id
        good = LEVEL.get(code, 0.5)
        async with write_transaction():
            for n in range(size):
                best = rng.random() < good
                answers = {
                    "mini.listened": "5" if best else rng.choice(["1", "2", "3"]),
                    "mini.written": "yes" if rng.random() < good else "no",
                    "mini.overall": "1" if best else rng.choice(["3", "4", "5"]),
                    "mini.comment": SECRET_COMMENT,
                    "casemix.age_band": rng.choice(["18-34", "35-64", "65+"]),
                }
                await store_response(
                    practice_id=practice.id,
                    questionnaire_version_id=version_id,
                    channel="sms" if n % 3 else "poster",
                    language="da",
                    visit_date=dt.date(2026, 11, 1 + n % 28),
                    answers=answers,
                )
    await build_period(fixture_catalogue, "2026-11", "mini")
    await release_period("2026-11", delay_days=0, today=dt.date(2026, 12, 2))
    await publish_period("2026-11", delay_days=21, now=LATER)
    return practices


@pytest.fixture
def public_client(logged_in) -> Callable:  # noqa: F811
    """A client that is not logged in."""
    return lambda: logged_in(None)

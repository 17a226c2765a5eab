"""Released results for practitioners to read: the results tests' synthetic answers,
built and released for November 2026, plus accounts to read them with."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from ..accounts.login import PASSWORD, csrf_of, log_in
from ..results.conftest import Seeded, seeded  # noqa: F401  (fixture re-used here)

__all__ = ["PASSWORD", "csrf_of"]  # re-exported: region/conftest.py and tests import them


@pytest.fixture
async def released(seeded: Seeded, fixture_catalogue) -> Seeded:  # noqa: F811
    from survey_service.db import write_transaction
    from survey_service.invitations.counters import bump
    from survey_service.results.service import build_period, release_period

    async with write_transaction():  # 40 invited by SMS in November, 12 of them answered
        await bump(seeded.practice_ids["P0001"], "2026-11", "sms", invited=40, answered=12)
    await build_period(fixture_catalogue, "2026-11", "mini")
    await release_period("2026-11", delay_days=0, today=dt.date(2026, 12, 2))
    # October is built but never released: it must stay invisible.
    await build_period(fixture_catalogue, "2026-10", "mini")
    return seeded


@pytest.fixture
async def accounts(released: Seeded) -> dict[str, str]:
    from survey_service.accounts.service import add_user

    await add_user("gp@example.dk", PASSWORD, "practitioner", ["P0001"])
    await add_user("two@example.dk", PASSWORD, "practitioner", ["P0001", "P0002"])
    await add_user("analyst@example.dk", PASSWORD, "analyst")
    return {"gp": "gp@example.dk", "two": "two@example.dk", "analyst": "analyst@example.dk"}


@pytest.fixture
def logged_in(fixture_catalogue) -> Callable:
    """A client of a fresh app, logged in as ``email`` (None: not logged in)."""
    from litestar.testing import AsyncTestClient

    from survey_service.web import create_app

    @asynccontextmanager
    async def make(email: str | None) -> AsyncIterator[AsyncTestClient]:
        app = create_app(catalogue=fixture_catalogue, connection_pool=False)
        async with AsyncTestClient(app=app) as client:
            if email is not None:
                done = await log_in(client, email, PASSWORD)
                assert done.status_code == 303, done.text
            yield client

    return make

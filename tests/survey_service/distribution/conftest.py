"""Fixtures for distribution: a practice with an API key, settings, a fake clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from survey_service.distribution.timing import local_today, utc_now


class FakeClock:
    """An explicit 'now' for every timing rule: advanced by the test, never by sleeping."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@dataclass
class Clinic:
    """A practice (with its API key) and another one, the catalogue synced."""

    practice: object
    key: str
    other: object
    other_key: str
    settings: object
    context: object
    clock: FakeClock
    sms_file: Path

    def settings_with(self, **changes) -> object:
        self.settings = dataclasses.replace(self.settings, **changes)
        self.context = dataclasses.replace(self.context, settings=self.settings)
        return self.settings

    def today(self) -> dt.date:
        return local_today(self.clock())

    def sent(self) -> list[dict]:
        import json

        if not self.sms_file.exists():
            return []
        return [json.loads(line) for line in self.sms_file.read_text().splitlines()]

    async def visit(self, phone: str = "+4520123456", **fields):
        from survey_service.distribution.intake import parse_visit, register_visit

        raw = {
            "practice": self.practice.code,
            "visit_date": self.today().isoformat(),
            "phone": phone,
            **fields,
        }
        visit = parse_visit(raw, self.today())
        return await register_visit(visit, self.practice, self.context, self.clock())

    def worker(self, gateway=None, **kwargs):
        from survey_service.distribution.gateways import FileGateway
        from survey_service.distribution.worker import Worker

        return Worker(
            self.settings, gateway or FileGateway(str(self.sms_file)), clock=self.clock, **kwargs
        )


def base_settings(tmp_path: Path, **changes):
    from survey_service.settings import load_settings

    return dataclasses.replace(
        load_settings(),
        # plain http: the test client speaks HTTP, over which a Secure CSRF cookie never returns
        public_base_url="http://survey.test",
        sms_backend=f"file:{tmp_path / 'sms.jsonl'}",
        sms_delay_minutes=0,
        sms_quiet_hours="",
        sms_reminder_days=None,
        sms_dedup_days=14,
        sms_max_attempts=4,
        sms_retry_base_seconds=60.0,
        sms_retry_max_seconds=3600.0,
        sms_lease_seconds=60.0,
        sms_timeout_seconds=2.0,
        gatewayapi_webhook_secret="webhook-secret",
        poster_answers_per_hour=3,
        **changes,
    )


@pytest.fixture
def clock() -> FakeClock:
    # Real "now" as the start: redemption checks expiry against the real clock.
    return FakeClock(utc_now().replace(microsecond=0))


@pytest.fixture
async def clinic(db: str, fixture_catalogue, tmp_path: Path, clock: FakeClock) -> Clinic:
    from survey_service.distribution.intake import IntakeContext
    from survey_service.practices import add_practice
    from survey_service.questionnaires.sync import sync_catalogue

    ids = await sync_catalogue(fixture_catalogue)
    practice, key = await add_practice("P0001", "Lægehuset Test", "gp", "Aarhus")
    other, other_key = await add_practice("P0002", "Fysioterapi Nord", "physiotherapy")
    settings = base_settings(tmp_path)
    context = IntakeContext(settings=settings, catalogue=fixture_catalogue, version_ids=ids)
    return Clinic(practice, key, other, other_key, settings, context, clock, tmp_path / "sms.jsonl")


@pytest.fixture
def app_client(fixture_catalogue) -> Callable:
    """``async with app_client(settings) as client``: the app with given settings."""
    from litestar.testing import AsyncTestClient

    from survey_service.web import create_app

    def make(settings):
        app = create_app(settings=settings, catalogue=fixture_catalogue, connection_pool=False)
        return AsyncTestClient(app=app)

    return make

"""Publishing: not before the delay after release, audited, and undone by unpublishing."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import LATER

pytestmark = pytest.mark.anyio


async def test_publish_is_refused_before_the_delay_and_allowed_after(released):
    from survey_service.localtime import LOCAL_ZONE
    from survey_service.results.publication import TooEarly, public_view, publish_period
    from survey_service.results.tables import ReportRevision

    [revision] = await ReportRevision.select().where(ReportRevision.released_at.is_not_null())
    release_day = revision["released_at"].astimezone(LOCAL_ZONE).date()
    first = release_day + dt.timedelta(days=21)
    day_before = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(23, 0), LOCAL_ZONE)
    with pytest.raises(TooEarly) as refused:
        await publish_period("2026-11", delay_days=21, now=day_before)
    assert f"can be published from {first.isoformat()}" in refused.value.detail
    assert not await ReportRevision.exists().where(ReportRevision.published_at.is_not_null())

    on_the_day = dt.datetime.combine(first, dt.time(0, 30), LOCAL_ZONE)
    [done] = await publish_period("2026-11", delay_days=21, now=on_the_day)
    assert (done.questionnaire, done.revision, done.changed) == ("mini", 1, True)
    assert (await public_view("2026-11")).rows
    [again] = await publish_period("2026-11", delay_days=21, now=on_the_day)
    assert not again.changed


async def test_only_released_periods_can_be_published(released):
    from survey_service.results.publication import NotReleased, publish_period

    with pytest.raises(NotReleased):  # October is built, never released
        await publish_period("2026-10", delay_days=0, now=LATER)


async def test_publish_and_unpublish_are_audited_and_unpublish_hides_everything(
    published, public_client
):
    from survey_service.accounts.service import list_audit
    from survey_service.errors import InvalidInput
    from survey_service.results.publication import (
        NotPublished,
        public_view,
        published_periods,
        unpublish_period,
    )

    assert await published_periods() == ["2026-11"]
    with pytest.raises(InvalidInput):
        await unpublish_period("2026-11", reason=" ")
    assert await unpublish_period("2026-11", reason="wrong practice list", actor="analyst") == [
        ("mini", 1)
    ]
    events = {(e.action, e.target): e for e in await list_audit()}
    assert events[("report_publish", "mini 2026-11")].detail == "revision 1"
    undone = events[("report_unpublish", "mini 2026-11")]
    assert undone.actor == "analyst" and "wrong practice list" in undone.detail
    assert await published_periods() == []
    with pytest.raises(NotPublished):
        await public_view("2026-11")
    async with public_client() as client:
        for path in ("/results?period=2026-11", "/results/2026-11.csv", "/results/2026-11.json"):
            assert (await client.get(path)).status_code == 404, path
        index = await client.get("/results")
    assert index.status_code == 200 and "Klinik P0001" not in index.text


async def test_a_newer_release_stays_private_until_it_is_published(published, fixture_catalogue):
    from survey_service.results.publication import public_view, publish_period
    from survey_service.results.service import build_period, release_period
    from survey_service.results.tables import ReportRevision, ReportUnit

    await build_period(fixture_catalogue, "2026-11", "mini")
    await release_period("2026-11", delay_days=0, now=LATER)

    shown = await public_view("2026-11")
    first = await ReportRevision.select(ReportRevision.id).where(
        (ReportRevision.revision == 1) & (ReportRevision.period == "2026-11")
    )
    stored = await ReportUnit.count().where(ReportUnit.revision == first[0]["id"])
    assert len(shown.rows) == stored  # still revision 1
    with pytest.raises(Exception, match="can be published from"):
        await publish_period("2026-11", delay_days=21, now=LATER)
    [done] = await publish_period("2026-11", delay_days=21, now=LATER + dt.timedelta(days=21))
    assert done.revision == 2 and done.changed

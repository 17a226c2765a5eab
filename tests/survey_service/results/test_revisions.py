"""Which revision each reader sees (results.revisions and its three callers).

One period of ``mini`` holds three revisions: 1 released and published, 2
released later (not published), 3 built after that (never released). Each
carries its own number in every stored row, so a reader that picks the wrong
one shows the wrong number. Rows are written directly: deterministic, no fit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from survey_service.region.queries import choose_revision, released_revisions
from survey_service.results.publication import (
    public_view,
    publish_period,
    published_periods,
)
from survey_service.results.revisions import newest_revisions
from survey_service.results.service import (
    practice_rate,
    practice_results,
    release_period,
    released_label_method,
    released_periods,
)
from survey_service.results.tables import ReportRate, ReportRevision, ReportUnit

pytestmark = pytest.mark.anyio

FIRST_RELEASE = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
SECOND_RELEASE = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)
PUBLISHED = dt.datetime(2026, 12, 28, 9, 0, tzinfo=dt.UTC)
#: Answers per unit row: enough for a public number (n >= 20).
N = 40


@dataclass(frozen=True)
class Stored:
    practice: int
    #: (questionnaire, period, revision number) -> revision id
    ids: dict[tuple[str, str, int], int]


async def _revision(
    practice: int,
    questionnaire: str,
    period: str,
    number: int,
    *,
    released: dt.datetime | None = None,
    published: dt.datetime | None = None,
    labels: str = "spec",
) -> int:
    row = ReportRevision(
        questionnaire=questionnaire,
        period=period,
        revision=number,
        built_at=FIRST_RELEASE - dt.timedelta(days=1),
        released_at=released,
        published_at=published,
        label_method=labels,
        responses=N,
    )
    await row.save()
    # The revision's number shows in every figure: 51.0 for 1, 52.0 for 2, ...
    await ReportUnit(
        revision=row.id,
        practice=practice,
        domain="communication",
        item="",
        n=N,
        adjusted=50.0 + number,
        ci_low=40.0 + number,
        ci_high=60.0 + number,
        flag="as_expected",
    ).save()
    await ReportRate(revision=row.id, practice=practice, invited=100 * number).save()
    return row.id


@pytest.fixture
async def stored(db: str) -> Stored:
    from survey_service.practices import add_practice

    practice, _key = await add_practice("P0001", "Klinik Alfa", "gp", "Aarhus")
    pid = practice.id
    ids: dict[tuple[str, str, int], int] = {}
    # Created out of order, so no reader can rely on insertion order.
    ids[("mini", "2026-11", 2)] = await _revision(
        pid, "mini", "2026-11", 2, released=SECOND_RELEASE, labels="fdr"
    )
    ids[("mini", "2026-11", 3)] = await _revision(pid, "mini", "2026-11", 3)
    ids[("mini", "2026-11", 1)] = await _revision(
        pid, "mini", "2026-11", 1, released=FIRST_RELEASE, published=PUBLISHED
    )
    # Another period and another questionnaire, to check the filters.
    ids[("mini", "2026-10", 1)] = await _revision(pid, "mini", "2026-10", 1, released=FIRST_RELEASE)
    ids[("other", "2026-11", 1)] = await _revision(pid, "other", "2026-11", 1)
    ids[("other", "2026-11", 2)] = await _revision(
        pid, "other", "2026-11", 2, released=FIRST_RELEASE
    )
    return Stored(pid, ids)


async def test_newest_revisions_among_built_released_and_published(stored: Stored) -> None:
    def seen(revisions) -> list[tuple[str, str, int]]:
        return [(r.questionnaire, r.period, r.revision) for r in revisions]

    # Sorted by period label, then questionnaire.
    assert seen(await newest_revisions("built")) == [
        ("mini", "2026-10", 1),
        ("mini", "2026-11", 3),
        ("other", "2026-11", 2),
    ]
    assert seen(await newest_revisions("released")) == [
        ("mini", "2026-10", 1),
        ("mini", "2026-11", 2),
        ("other", "2026-11", 2),
    ]
    assert seen(await newest_revisions("published")) == [("mini", "2026-11", 1)]
    assert seen(await newest_revisions("released", period="2026-11")) == [
        ("mini", "2026-11", 2),
        ("other", "2026-11", 2),
    ]
    assert seen(await newest_revisions("built", period="2026-11", questionnaire="mini")) == [
        ("mini", "2026-11", 3)
    ]
    assert seen(await newest_revisions("released", questionnaire="mini")) == [
        ("mini", "2026-10", 1),
        ("mini", "2026-11", 2),
    ]
    assert await newest_revisions("published", period="2026-10") == []
    (second,) = await newest_revisions("released", period="2026-11", questionnaire="mini")
    assert second.id == stored.ids[("mini", "2026-11", 2)]
    assert (second.label_method, second.released_at, second.published_at) == (
        "fdr",
        SECOND_RELEASE,
        None,
    )
    with pytest.raises(ValueError, match="among"):
        await newest_revisions("unreleased")  # type: ignore[arg-type]
    # Choosing hides nothing from the table: every revision stays for audit.
    assert await ReportRevision.count() == len(stored.ids)


async def test_units_see_the_newest_released_revision(stored: Stored) -> None:
    practice = stored.practice
    assert await released_periods(practice, "mini") == ["2026-10", "2026-11"]
    assert await released_periods(practice, "other") == ["2026-11"]
    (row,) = await practice_results(practice, "mini", "2026-11")
    assert (row["adjusted"], row["ci_low"], row["ci_high"]) == (52.0, 42.0, 62.0)
    assert await released_label_method("mini", "2026-11") == "fdr"
    rate = await practice_rate(practice, "mini", "2026-11")
    assert rate is not None and rate["invited"] == 200
    (october,) = await practice_results(practice, "mini", "2026-10")
    assert october["adjusted"] == 51.0


async def test_the_region_sees_the_newest_released_revision(stored: Stored) -> None:
    released = await released_revisions()
    assert [(r.questionnaire, r.period, r.id) for r in released] == [
        ("mini", "2026-10", stored.ids[("mini", "2026-10", 1)]),
        ("mini", "2026-11", stored.ids[("mini", "2026-11", 2)]),
        ("other", "2026-11", stored.ids[("other", "2026-11", 2)]),
    ]
    chosen = choose_revision(released, "2026-11", "mini")
    assert (chosen.id, chosen.label_method) == (stored.ids[("mini", "2026-11", 2)], "fdr")
    # The default: the newest period, its first questionnaire.
    assert choose_revision(released, None, None) == chosen
    assert choose_revision(released, "2026-10", None).id == stored.ids[("mini", "2026-10", 1)]


async def test_the_public_sees_the_newest_published_and_publishing_takes_the_newest_released(
    stored: Stored,
) -> None:
    assert await published_periods() == ["2026-11"]
    view = await public_view("2026-11")
    assert view.questionnaires == ["mini"]
    assert [row.adjusted for row in view.rows] == [51.0]
    assert view.label_methods == {"mini": "spec"}

    # Revision 2 (released, not 3: never released) is what gets published.
    (done,) = await publish_period("2026-11", delay_days=0, slug="mini", now=PUBLISHED)
    assert (done.questionnaire, done.revision, done.changed) == ("mini", 2, True)
    view = await public_view("2026-11")
    assert [row.adjusted for row in view.rows] == [52.0]
    assert view.label_methods == {"mini": "fdr"}
    revisions = await ReportRevision.select(ReportRevision.revision).where(
        (ReportRevision.questionnaire == "mini")
        & (ReportRevision.period == "2026-11")
        & ReportRevision.published_at.is_not_null()
    )
    # The older published revision keeps its stamp: the newest published one is read.
    assert sorted(r["revision"] for r in revisions) == [1, 2]


async def test_release_takes_the_newest_built_revision(stored: Stored) -> None:
    done = await release_period(
        "2026-11", delay_days=0, slug="mini", today=dt.date(2026, 12, 20), now=PUBLISHED
    )
    assert done == [("mini", 3)]
    (row,) = await practice_results(stored.practice, "mini", "2026-11")
    assert row["adjusted"] == 53.0
    (newest,) = [
        r for r in await released_revisions() if r.period == "2026-11" and r.questionnaire == "mini"
    ]
    assert newest.id == stored.ids[("mini", "2026-11", 3)]
    # Without a slug: every questionnaire of the period, each its newest build.
    assert await release_period(
        "2026-11", delay_days=0, today=dt.date(2026, 12, 20), now=PUBLISHED
    ) == [("mini", 3), ("other", 2)]

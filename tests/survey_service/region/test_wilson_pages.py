"""The region's pages show the unadjusted shares with their 95% Wilson interval.

The stored rows of the fixture get counts' shares and bounds computed here by
``statsmodels.stats.proportion.proportion_confint``; the pages must show those
numbers in the page's language ("29,6 % (22,6–37,8 %)"), and nothing for a
suppressed unit. (That the build stores these bounds is tested in
tests/survey_service/results/test_wilson.py.)
"""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

pytestmark = pytest.mark.anyio

NBSP = "\N{NO-BREAK SPACE}"


def _wilson(count: int, n: int) -> tuple[float, float, float]:
    low, high = proportion_confint(count, n, alpha=0.05, method="wilson")
    return 100.0 * count / n, 100.0 * low, 100.0 * high


def _text(values: tuple[float, float, float], language: str) -> str:
    share, low, high = (f"{v:.1f}" for v in values)
    if language == "da":
        share, low, high = (v.replace(".", ",") for v in (share, low, high))
        return f"{share}{NBSP}% ({low}–{high}{NBSP}%)"
    return f"{share}% ({low}–{high}%)"


@pytest.fixture
async def bounds(accounts, region) -> dict[str, tuple[float, float, float]]:
    """Counts for the released revision's rows: region hospital->gp 40 of 135, unit
    P0001 on it 13 of 50, P0002 0 of 80; top box of P0001 on mini.listened 39 of 39."""
    from survey_service.results.tables import ReportGap, ReportRevision, ReportUnit

    (revision,) = await ReportRevision.select(ReportRevision.id).where(
        ReportRevision.released_at.is_not_null()
    )
    rid = revision["id"]
    shares = {
        "region": _wilson(40, 135),
        "P0001": _wilson(13, 50),
        "P0002": _wilson(0, 80),
        "top": _wilson(39, 39),
    }
    for key, practice in (("region", None), ("P0001", region["P0001"]), ("P0002", region["P0002"])):
        share, low, high = shares[key]
        where = (ReportGap.revision == rid) & (ReportGap.from_sector == "hospital")
        at = ReportGap.practice
        where &= at.is_null() if practice is None else at == practice
        await ReportGap.update(
            {ReportGap.observed: share, ReportGap.observed_low: low, ReportGap.observed_high: high}
        ).where(where)
    share, low, high = shares["top"]
    await ReportUnit.update(
        {ReportUnit.top_box: share, ReportUnit.top_box_low: low, ReportUnit.top_box_high: high}
    ).where(
        (ReportUnit.revision == rid)
        & (ReportUnit.practice == region["P0001"])
        & (ReportUnit.item == "mini.listened")
    )
    return shares


@pytest.mark.parametrize("language", ["da", "en"])
async def test_gap_pages_show_the_unadjusted_share_with_its_wilson_interval(
    bounds, accounts, logged_in, language
):
    async with logged_in(accounts["analyst"]) as client:
        sectors = (await client.get(f"/region/sectors?lang={language}")).text
        drill = (await client.get(f"/region/sectors/hospital/gp?lang={language}")).text
    assert _text(bounds["region"], language) in sectors
    assert _text(bounds["region"], language) in drill
    assert _text(bounds["P0001"], language) in drill
    # Count 0: the interval starts at exactly 0 and is not empty.
    assert bounds["P0002"][1] == 0.0 < bounds["P0002"][2]
    assert _text(bounds["P0002"], language) in drill
    assert "Wilson" in sectors


async def test_funnel_page_shows_the_top_box_with_its_interval(bounds, accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        page = (await client.get("/region?measure=communication/mini.listened&lang=en")).text
    assert "Top box (95% interval)" in page
    assert _text(bounds["top"], "en") in page  # 39 of 39: "100.0% (91.0–100.0%)"
    assert bounds["top"][2] == pytest.approx(100.0)
    # The composite has no top box, so no such column.
    async with logged_in(accounts["analyst"]) as client:
        composite = (await client.get("/region?measure=communication&lang=en")).text
    assert "Top box (95% interval)" not in composite

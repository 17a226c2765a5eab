"""Reading the answers in two halves on two connections gives the same frame as one read.

On PostgreSQL a large answer table is read by two connections on one exported
snapshot, each a TID range of half the table's pages (results/frame.py,
``_copy_answers``). The seeded answers fill a few pages, so lowering the
threshold makes the small table take that path; the frame must not change.
"""

from __future__ import annotations

import pandas as pd
import pytest

from survey_service.db import is_postgres
from survey_service.results import frame as frame_module
from survey_service.results.periods import parse_period

pytestmark = pytest.mark.anyio


async def _pages() -> int:
    from survey_service.responses.tables import Answer

    rows = await Answer.raw(
        "SELECT (pg_relation_size('answer') / current_setting('block_size')::int8)::int8 AS n"
    )
    return int(rows[0]["n"])


async def test_two_halves_read_the_same_frame_as_one(seeded, fixture_catalogue, monkeypatch):
    from survey_service.db import piccolo_conf

    if not is_postgres(piccolo_conf.DB):
        pytest.skip("SQLite reads plain rows: there is no COPY to split")
    assert await _pages() >= 2, "the seeded answers must span pages for both halves to hold some"
    queries: list[str] = []
    copy_rows = frame_module._copy_rows

    async def recording(connection, query, args, sink):
        queries.append(query)
        await copy_rows(connection, query, args, sink)

    monkeypatch.setattr(frame_module, "_copy_rows", recording)
    period = parse_period("2026-Q4")

    monkeypatch.setattr(frame_module, "PARALLEL_MIN_PAGES", 10**12)
    whole = await frame_module.read_frame(fixture_catalogue, "mini", period)
    assert not any("ctid" in q for q in queries)

    queries.clear()
    monkeypatch.setattr(frame_module, "PARALLEL_MIN_PAGES", 1)
    halves = await frame_module.read_frame(fixture_catalogue, "mini", period)
    assert sum("a.ctid <" in q for q in queries) == 1
    assert sum("a.ctid >=" in q for q in queries) == 1

    assert whole.codes["mini.listened"].notna().sum() > 10
    pd.testing.assert_frame_equal(whole.codes, halves.codes)

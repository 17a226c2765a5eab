"""The disclosure audit on the demo's own published periods, as `survey-service demo` seeds them.

Every item and composite of every published period of the demo: no suppressed
unit's mean can be narrowed below MIN_WIDTH points from the public JSON.
"""

from __future__ import annotations

import json

import pytest

from .test_leak import _prove

pytestmark = pytest.mark.anyio


async def test_every_published_table_of_the_demo_passes_the_audit(db):
    from litestar.testing import AsyncTestClient

    from survey_service.demo.seed import seed_demo
    from survey_service.questionnaires.loader import load_catalogue
    from survey_service.results.publication import published_periods

    catalogue = load_catalogue()
    await seed_demo(catalogue, links=0)
    periods = await published_periods()
    assert periods, "the demo publishes a period"
    checked = []
    from survey_service.web import create_app

    app = create_app(catalogue=catalogue, connection_pool=False)
    async with AsyncTestClient(app=app) as client:
        for period in periods:
            response = await client.get(f"/results/{period}.json")
            assert response.status_code == 200, period
            checked += await _prove(json.loads(response.text))
    # Not vacuous: the demo's small quarters do hide units.
    assert checked, "no suppressed unit in the demo's published tables"

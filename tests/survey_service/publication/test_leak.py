"""No suppressed unit's mean can be worked out from what is published.

The bound proved, per item and composite of a published period and per suppressed
unit: from the public JSON alone (rounded means and interval ends, n or "<10", the
reference rows, the labels; attacker model in attack.py), the tightest interval for
the unit's mean is at least ``MIN_WIDTH`` points of the 0..100 scale wide.
"""

from __future__ import annotations

import json

import pytest

from .attack import attack, keys, naive_document

pytestmark = pytest.mark.anyio

MIN_WIDTH = 99.0


async def _document(public_client) -> dict:
    async with public_client() as client:
        response = await client.get("/results/2026-11.json")
    assert response.status_code == 200
    return json.loads(response.text)


async def _prove(document: dict) -> list[tuple]:
    checked = []
    for key in keys(document):
        hidden = [r["unit"] for r in document["rows"] if r["n"] == "<10" and (
            r["questionnaire"], r["domain"], r["item"]) == key]  # fmt: skip
        for unit in hidden:
            interval = attack(document, key, unit)
            assert interval.width >= MIN_WIDTH, (key, unit, interval)
            checked.append((key, unit, len(hidden)))
    return checked


async def test_several_suppressed_units_stay_unrecoverable(crowd, public_client):
    document = await _document(public_client)
    checked = await _prove(document)
    assert {unit for _key, unit, _count in checked} >= {"F600", "G700", "H800"}
    assert any(count >= 3 for _key, _unit, count in checked)
    # The big units carry labels, so the attacker's linear programs really ran.
    assert any(
        r["flag"] in ("above", "below", "alarm_above", "alarm_below") for r in document["rows"]
    )


async def test_a_single_suppressed_unit_stays_unrecoverable(published, public_client):
    document = await _document(public_client)
    checked = await _prove(document)
    single = {unit for _key, unit, count in checked if count == 1}
    assert single == {"P0003"}  # 6 answers, the only hidden unit on most items


async def test_references_cover_only_the_units_shown(crowd, public_client):
    document = await _document(public_client)
    for ref in document["references"]:
        key = (ref["questionnaire"], ref["domain"], ref["item"])
        covered = [
            r for r in document["rows"]
            if (r["questionnaire"], r["domain"], r["item"]) == key and r["n"] != "<10"
            and (ref["level"] == "region" or r["sector"] == ref["sector"])
        ]  # fmt: skip
        assert ref["n"] == sum(r["n"] for r in covered) and ref["units"] == len(covered)


@pytest.mark.parametrize("hidden_n", [9, 5, 1])
def test_the_attack_finds_the_leak_in_a_careless_publication(hidden_n):
    """The same attacker on a region mean over ALL answers recovers the hidden mean."""
    units = [("A", 40, 71.234), ("B", 25, 58.91), ("C", 12, 80.05)]
    document = naive_document(units, [("S", hidden_n, 37.5)])
    interval = attack(document, ("q", "d", "i"), "S")
    assert interval.low <= 37.5 <= interval.high
    # Rounding alone only blurs it: about 0.1·(N + sum of the others' n) / n points.
    shown = sum(n for _u, n, _m in units)
    assert interval.width <= 0.1 * (2 * shown + hidden_n) / hidden_n + 1e-6
    assert interval.width < 16.0

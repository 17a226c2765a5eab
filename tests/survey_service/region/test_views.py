"""Ordering and labels of the units table, without a database."""

from __future__ import annotations

from survey_service.region.queries import UnitRow
from survey_service.region.views import shown_flag, sort_units


def _unit(code: str, n: int, adjusted: float | None, flag: str = "as_expected") -> UnitRow:
    hidden = adjusted is None
    return UnitRow(code, f"Unit {code}", "gp", "Aarhus", n, adjusted,
                   None if hidden else adjusted - 5, None if hidden else adjusted + 5,
                   "suppressed" if hidden else flag, hidden)  # fmt: skip


def test_suppressed_units_never_sort_by_their_exact_n():
    units = [_unit("C", 9, None), _unit("A", 3, None), _unit("B", 50, 70.0)]
    for direction in ("asc", "desc"):
        assert [u.code for u in sort_units(units, "n", direction)] == ["B", "A", "C"]


def test_no_comparison_label_below_20_answers():
    assert shown_flag(_unit("A", 19, 90.0, "alarm_above")) == "low_reliability"
    assert shown_flag(_unit("A", 20, 90.0, "alarm_above")) == "alarm_above"
    assert shown_flag(_unit("A", 5, None)) == "suppressed"

"""The region's tree of units: region > area > practice, region > hospital > department > section.

Every unit is a row of ``practice``; ``practice.parent`` points at the unit
above it. This module holds the pure tree logic (checking an import against
the units already stored, walking up and down) and the few storage helpers
around it. Results roll-up and the region's pages read the tree through
:func:`unit_tree` and :func:`ancestors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column

from survey_service.db import write_transaction
from survey_service.practices.service import SECTORS, STRUCTURAL_SECTORS, valid_code
from survey_service.practices.tables import Practice

#: Tree level of every unit that is not structural (GP clinic, specialist,
#: psychiatric unit, ...): what ``report_item.level`` calls it.
PRACTICE_LEVEL = "practice"

#: Rows written per progress step while storing an import.
UPSERT_CHUNK = 200


@dataclass(frozen=True)
class Unit:
    """One unit of the tree as stored; ``parent`` is the parent's code."""

    code: str
    name: str
    sector: str
    parent: str | None
    id: int


@dataclass(frozen=True)
class UnitRow:
    """One row of an import file; ``line`` is its line number in the file."""

    line: int
    code: str
    name: str
    sector: str
    parent: str | None


@dataclass(frozen=True)
class Refusal:
    """A row that was not imported, and why (one sentence naming the field)."""

    line: int
    code: str
    reason: str


@dataclass(frozen=True)
class TreeCheck:
    """The rows that may be stored, and the refused ones, both in file order."""

    accepted: tuple[UnitRow, ...]
    refused: tuple[Refusal, ...]


# --- reading ---------------------------------------------------------------


async def unit_tree() -> dict[str, Unit]:
    """Every unit (active or not), by code, with its parent's code."""
    rows = await Practice.select(
        Practice.id, Practice.code, Practice.name, Practice.sector, Practice.parent
    )
    code_of = {r["id"]: r["code"] for r in rows}
    return {
        r["code"]: Unit(
            code=r["code"],
            name=r["name"],
            sector=r["sector"],
            parent=code_of.get(r["parent"]) if r["parent"] is not None else None,
            id=r["id"],
        )
        for r in sorted(rows, key=lambda r: r["code"])
    }


def ancestors(tree: Mapping[str, Unit], code: str) -> list[str]:
    """Codes of the units above ``code``, nearest first, without ``code`` itself.

    Raises KeyError for a code that is not in the tree. A stored cycle cannot
    arise through :func:`store_units`; should one exist anyway the walk stops
    before repeating a unit instead of looping.
    """
    seen = {code}
    above: list[str] = []
    parent = tree[code].parent
    while parent is not None and parent not in seen and parent in tree:
        above.append(parent)
        seen.add(parent)
        parent = tree[parent].parent
    return above


def children(tree: Mapping[str, Unit], code: str) -> list[str]:
    """Codes of the units directly below ``code``, sorted."""
    return sorted(u.code for u in tree.values() if u.parent == code)


def descendants(tree: Mapping[str, Unit], code: str) -> list[str]:
    """Codes of every unit below ``code`` (children, their children, ...), sorted."""
    below = children_index(tree)
    found: set[str] = set()
    todo = list(below.get(code, ()))
    while todo:
        c = todo.pop()
        if c not in found and c != code:
            found.add(c)
            todo.extend(below.get(c, ()))
    return sorted(found)


def children_index(tree: Mapping[str, Unit]) -> dict[str, list[str]]:
    """Parent code -> sorted child codes, for walking a big tree many times."""
    index: dict[str, list[str]] = {}
    for unit in sorted(tree.values(), key=lambda u: u.code):
        if unit.parent is not None:
            index.setdefault(unit.parent, []).append(unit.code)
    return index


def roots(tree: Mapping[str, Unit]) -> list[str]:
    """Codes of the units with no parent, sorted."""
    return sorted(u.code for u in tree.values() if u.parent is None or u.parent not in tree)


def is_structural(sector: str) -> bool:
    return sector in STRUCTURAL_SECTORS


def level_of(unit: Unit) -> str:
    """The tree level a unit's results roll up at: its sector for structural
    units (``region``, ``area``, ``hospital``, ``department``, ``section``),
    ``practice`` for every unit patients answer about directly."""
    return unit.sector if is_structural(unit.sector) else PRACTICE_LEVEL


# --- checking an import ----------------------------------------------------


def check_rows(rows: Sequence[UnitRow], existing: Mapping[str, Unit]) -> TreeCheck:
    """Split ``rows`` into those that may be stored and those refused, with reasons.

    A row's parent may be a unit already stored or another row of the same
    file, in any order. A row is refused when its code, name or sector is not
    usable, its code appears on more than one line, its parent is itself or
    unknown (or refused), when the tree it would make, together with the
    units already stored, has a cycle through it, or when it puts a unit below
    one that groups nothing (a parent is a structural unit: region, area,
    hospital, department, section). Units not in the file keep their parent,
    so a cycle always runs through at least one row.
    """
    refused: dict[int, str] = {}
    lines_of: dict[str, list[int]] = {}
    for row in rows:
        lines_of.setdefault(row.code, []).append(row.line)
    for row in rows:
        problem = _row_problem(row, lines_of)
        if problem:
            refused[row.line] = problem

    # Refusing a row can orphan a child or turn a stored parent back on (which
    # may close another cycle), so repeat until nothing changes.
    changed = True
    while changed:
        changed = False
        accepted = {r.code: r for r in rows if r.line not in refused}
        parent_of = {c: u.parent for c, u in existing.items()}
        parent_of.update({c: r.parent for c, r in accepted.items()})
        for row in accepted.values():
            if row.parent is None or row.parent in accepted or row.parent in existing:
                continue
            lines = [ln for ln in lines_of.get(row.parent, ()) if ln in refused]
            refused[row.line] = (
                f"parent {row.parent!r} is refused (line {lines[0]})"
                if lines
                else f"parent {row.parent!r}: no unit with that code in the file or the database"
            )
            changed = True
        if changed:
            continue
        for cycle in _cycles(parent_of, accepted):
            path = " > ".join([*cycle, cycle[0]])
            for code in cycle:
                if code in accepted:
                    stored = "" if all(c in accepted for c in cycle) else " with stored units"
                    refused[accepted[code].line] = (
                        f"parent {accepted[code].parent!r}: makes a cycle{stored} ({path})"
                    )
                    changed = True
        if changed:
            continue
        changed = _refuse_ungrouping(accepted, existing, refused)
    return TreeCheck(
        accepted=tuple(r for r in rows if r.line not in refused),
        refused=tuple(Refusal(r.line, r.code, refused[r.line]) for r in rows if r.line in refused),
    )


#: The sectors a parent may have, as a sentence (STRUCTURAL_SECTORS in tree order).
_GROUPINGS = "region, area, hospital, department or section"


def _refuse_ungrouping(
    accepted: Mapping[str, UnitRow], existing: Mapping[str, Unit], refused: dict[int, str]
) -> bool:
    """Refuse rows that would put a unit below one that is not a grouping (a
    clinic below a clinic); True when something was refused."""
    sector_of = {c: u.sector for c, u in existing.items()}
    sector_of.update({c: r.sector for c, r in accepted.items()})
    changed = False
    for row in accepted.values():
        if row.parent is not None and not is_structural(sector_of[row.parent]):
            refused[row.line] = (
                f"parent {row.parent!r}: a {sector_of[row.parent]} unit has no units below "
                f"it; a parent is a {_GROUPINGS}"
            )
            changed = True
    for code, unit in existing.items():
        above = accepted.get(unit.parent or "")
        if code not in accepted and above is not None and not is_structural(above.sector):
            refused[above.line] = (
                f"sector {above.sector!r}: stored unit {code!r} is below {above.code!r}, and "
                f"a unit with units below it is a {_GROUPINGS}"
            )
            changed = True
    return changed


def _row_problem(row: UnitRow, lines_of: Mapping[str, list[int]]) -> str | None:
    if not row.code:
        return "code: empty"
    if not valid_code(row.code):
        return (
            f"code {row.code!r}: use 1-32 letters, digits, '-' or '_', starting with a "
            "letter or digit"
        )
    lines = lines_of[row.code]
    if len(lines) > 1:
        others = ", ".join(str(ln) for ln in lines if ln != row.line)
        return f"code {row.code!r}: also on line {others}; give each unit once"
    if not row.name:
        return "name: empty"
    if len(row.name) > 200:
        return "name: longer than 200 characters"
    if row.sector not in SECTORS:
        return f"sector {row.sector!r}: choose one of {', '.join(SECTORS)}"
    if row.parent == row.code:
        return f"parent {row.parent!r}: a unit cannot be its own parent"
    return None


def _cycles(parent_of: Mapping[str, str | None], start: Iterable[str]) -> list[list[str]]:
    """Every cycle reachable by walking up from the ``start`` codes (each once)."""
    done: set[str] = set()
    cycles: list[list[str]] = []
    for first in sorted(start):
        path: list[str] = []
        on_path: dict[str, int] = {}
        code: str | None = first
        while code is not None and code not in done and code not in on_path:
            on_path[code] = len(path)
            path.append(code)
            code = parent_of.get(code)
        if code is not None and code in on_path:
            cycles.append(path[on_path[code] :])
        done.update(path)
    return cycles


# --- storing ---------------------------------------------------------------


@dataclass(frozen=True)
class StoreSummary:
    created: int
    updated: int
    unchanged: int


async def store_units(
    rows: Sequence[UnitRow], tick: Callable[[int], None] = lambda _n: None
) -> tuple[TreeCheck, StoreSummary]:
    """Check ``rows`` against the stored tree and store the accepted ones.

    New codes are created (without an API key: ``practice add`` is how a unit
    that reports visits by API gets one), existing codes get the row's name,
    sector and parent; nothing is deleted. One transaction, so a failure part
    way leaves the tree as it was. ``tick`` is told how many rows each step
    wrote (a progress bar). A practice whose parent is an ``area`` unit and
    whose ``region_area`` is empty gets the area's name there, so pages that
    group by ``region_area`` agree with the tree.
    """
    async with write_transaction():
        existing = await unit_tree()
        check = check_rows(rows, existing)
        final = {c: (u.sector, u.name) for c, u in existing.items()}
        final.update({r.code: (r.sector, r.name) for r in check.accepted})

        def area_name(row: UnitRow) -> str:
            parent = final.get(row.parent or "")
            if parent is None or parent[0] != "area" or is_structural(row.sector):
                return ""
            return parent[1][:100]

        id_of = {code: unit.id for code, unit in existing.items()}
        # New units go in by generations, parents before children, so each is
        # inserted with its parent (a file may list a child first).
        pending = [r for r in check.accepted if r.code not in existing]
        created = len(pending)
        while pending:
            ready = [r for r in pending if r.parent is None or r.parent in id_of]
            if not ready:  # check_rows let an unknown parent or a cycle through
                raise RuntimeError(f"units without a stored parent: {pending[0].code}")
            for start in range(0, len(ready), UPSERT_CHUNK):
                step = ready[start : start + UPSERT_CHUNK]
                await Practice.insert(
                    *(
                        Practice(
                            code=r.code,
                            name=r.name,
                            sector=r.sector,
                            region_area=area_name(r),
                            parent=id_of[r.parent] if r.parent is not None else None,
                        )
                        for r in step
                    )
                )
                for found in await Practice.select(Practice.id, Practice.code).where(
                    Practice.code.is_in([r.code for r in step])
                ):
                    id_of[found["code"]] = found["id"]
                tick(len(step))
            done = {r.code for r in ready}
            pending = [r for r in pending if r.code not in done]

        changing = [r for r in check.accepted if r.code in existing]
        region_area = {
            found["code"]: found["region_area"]
            for found in await Practice.select(Practice.code, Practice.region_area)
        }
        updated = 0
        for start in range(0, len(changing), UPSERT_CHUNK):
            step = changing[start : start + UPSERT_CHUNK]
            for row in step:
                before = existing[row.code]
                values: dict[Column | str, Any] = {}
                if before.name != row.name:
                    values[Practice.name] = row.name
                if before.sector != row.sector:
                    values[Practice.sector] = row.sector
                if before.parent != row.parent:
                    values[Practice.parent] = id_of[row.parent] if row.parent is not None else None
                if not region_area[row.code] and area_name(row):
                    values[Practice.region_area] = area_name(row)
                if values:
                    await Practice.update(values).where(Practice.code == row.code)
                    updated += 1
            tick(len(step))
    return check, StoreSummary(created=created, updated=updated, unchanged=len(changing) - updated)

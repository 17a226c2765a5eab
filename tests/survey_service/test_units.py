"""The region's tree of units: checking an import, storing it, walking it, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_service.demo.region import DEMO_REGION, DEMO_STRUCTURE, DEMO_UNITS
from survey_service.practices import STRUCTURAL_SECTORS, add_practice
from survey_service.practices.tables import Practice
from survey_service.practices.tree import (
    Unit,
    UnitRow,
    ancestors,
    check_rows,
    children,
    descendants,
    level_of,
    roots,
    store_units,
    unit_tree,
)

from .distribution.clitools import survey_service

pytestmark = pytest.mark.anyio


@pytest.fixture
async def tree_db(db: str):
    """The ``db`` fixture, with every parent unhooked afterwards: ``practice.parent``
    is ON DELETE RESTRICT, so the next test's bulk delete would fail on a tree."""
    yield db
    await Practice.update({Practice.parent: None}, force=True)


def rows(*specs: str) -> list[UnitRow]:
    """``"code,name,sector,parent"`` strings as rows numbered from line 2 (after a header)."""
    out = []
    for line, spec in enumerate(specs, 2):
        code, name, sector, parent = spec.split(",")
        out.append(UnitRow(line, code, name, sector, parent or None))
    return out


def stored(*specs: str) -> dict[str, Unit]:
    return {
        r.code: Unit(r.code, r.name, r.sector, r.parent, i) for i, r in enumerate(rows(*specs), 1)
    }


def reasons(check) -> dict[int, str]:
    return {r.line: r.reason for r in check.refused}


# --- checking, without a database -------------------------------------------


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (",Nameless,gp,R", "code: empty"),
        ("a b,Spaced,gp,R", "code 'a b': use 1-32 letters"),
        ("L9,,gp,R", "name: empty"),
        (f"L9,{'x' * 201},gp,R", "name: longer than 200 characters"),
        ("L9,Clinic,wizardry,R", "sector 'wizardry': choose one of gp, "),
        ("L9,Clinic,gp,L9", "parent 'L9': a unit cannot be its own parent"),
        ("L9,Clinic,gp,NOPE", "parent 'NOPE': no unit with that code in the file or the database"),
    ],
)
def test_each_bad_row_is_refused_with_its_reason_and_the_rest_kept(spec, reason):
    check = check_rows(rows("R,Region,region,", spec, "L1,Good,gp,R"), {})
    assert [r.code for r in check.accepted] == ["R", "L1"]
    assert len(check.refused) == 1 and check.refused[0].line == 3
    assert check.refused[0].reason.startswith(reason), check.refused[0].reason


def test_a_code_given_twice_is_refused_on_both_lines():
    check = check_rows(rows("L1,One,gp,", "L2,Other,gp,", "L1,Two,gp,"), {})
    assert [r.code for r in check.accepted] == ["L2"]
    assert reasons(check) == {
        2: "code 'L1': also on line 4; give each unit once",
        4: "code 'L1': also on line 2; give each unit once",
    }


def test_a_child_may_come_before_its_parent():
    check = check_rows(
        rows(
            "S1,Section,section,D1", "D1,Dept,department,H1", "H1,Hosp,hospital,R", "R,Reg,region,"
        ),
        {},
    )
    assert check.refused == () and len(check.accepted) == 4


def test_a_child_of_a_refused_row_names_that_row():
    check = check_rows(rows("A1,,area,", "L1,Clinic,gp,A1", "L2,Below,gp,L1"), {})
    assert reasons(check) == {
        2: "name: empty",
        3: "parent 'A1' is refused (line 2)",
        4: "parent 'L1' is refused (line 3)",
    }


def test_a_cycle_inside_the_file_refuses_every_row_on_it_but_not_rows_below():
    check = check_rows(
        rows("A,A,area,C", "B,B,area,A", "C,C,area,B", "L1,Clinic,gp,A", "R,Region,region,"), {}
    )
    assert reasons(check) == {
        2: "parent 'C': makes a cycle (A > C > B > A)",
        3: "parent 'A': makes a cycle (A > C > B > A)",
        4: "parent 'B': makes a cycle (A > C > B > A)",
        # A was refused, so its child has no parent to go under.
        5: "parent 'A' is refused (line 2)",
    }
    assert [r.code for r in check.accepted] == ["R"]


def test_a_cycle_through_stored_units_is_refused():
    existing = stored("R,Region,region,", "A1,Aarhus,area,R", "L1,Clinic,gp,A1")
    check = check_rows(rows("R,Region,region,L1"), existing)
    assert reasons(check) == {
        2: "parent 'L1': makes a cycle with stored units (R > L1 > A1 > R)",
    }


def test_moving_a_stored_subtree_is_no_cycle():
    existing = stored("R,Region,region,", "A1,Aarhus,area,R", "L1,Clinic,gp,A1")
    # The area moves below a new grouping, and the old root below the area's clinic would not.
    check = check_rows(rows("G,Group,area,R", "A1,Aarhus,area,G"), existing)
    assert check.refused == () and len(check.accepted) == 2


def test_refusing_a_row_keeps_its_stored_parent_which_can_close_another_cycle():
    # Stored: R > A > B. The file makes B the root (refused: bad sector), so B keeps
    # its stored parent A; then A under B is a cycle with the stored edge.
    existing = stored("R,Region,region,", "A,A,area,R", "B,B,area,A")
    check = check_rows(rows("B,B,nonsense,", "A,A,area,B"), existing)
    assert reasons(check)[2].startswith("sector 'nonsense'")
    assert reasons(check)[3] == "parent 'B': makes a cycle with stored units (A > B > A)"


def test_only_a_grouping_unit_may_have_units_below_it():
    existing = stored("R,Region,region,", "A1,Aarhus,area,R", "L1,Clinic,gp,A1")
    check = check_rows(
        rows("L2,Clinic two,gp,L1", "L3,Clinic three,gp,P1", "P1,Psych,psychiatry,R"), existing
    )
    groupings = "a parent is a region, area, hospital, department or section"
    assert reasons(check) == {
        2: f"parent 'L1': a gp unit has no units below it; {groupings}",
        3: f"parent 'P1': a psychiatry unit has no units below it; {groupings}",
    }
    # Turning a stored grouping into a clinic would leave its stored clinic below a clinic.
    check = check_rows(rows("A1,Aarhus,gp,R"), existing)
    assert reasons(check) == {
        2: "sector 'gp': stored unit 'L1' is below 'A1', and a unit with units below it "
        "is a region, area, hospital, department or section"
    }


def test_a_refused_row_of_a_stored_unit_still_parents_the_rows_below_it():
    existing = stored("R,Region,region,", "A1,Aarhus,area,R")
    check = check_rows(rows("A1,,area,R", "L1,Clinic,gp,A1"), existing)
    assert reasons(check) == {2: "name: empty"}
    assert [r.code for r in check.accepted] == ["L1"]


def test_walking_the_tree():
    tree = stored(
        "R,Region,region,",
        "A1,Aarhus,area,R",
        "L1,Clinic,gp,A1",
        "L2,Clinic,gp,A1",
        "H1,Hosp,hospital,R",
        "D1,Dept,department,H1",
    )
    assert ancestors(tree, "L1") == ["A1", "R"]
    assert ancestors(tree, "R") == []
    assert children(tree, "A1") == ["L1", "L2"]
    assert children(tree, "L1") == []
    assert descendants(tree, "R") == ["A1", "D1", "H1", "L1", "L2"]
    assert roots(tree) == ["R"]
    assert [level_of(tree[c]) for c in ("R", "A1", "L1", "H1", "D1")] == [
        "region",
        "area",
        "practice",
        "hospital",
        "department",
    ]
    with pytest.raises(KeyError):
        ancestors(tree, "NOPE")


def test_structural_units_are_offered_no_questionnaire():
    from survey_service.questionnaires import load_catalogue

    catalogue = load_catalogue()
    assert {s for s in STRUCTURAL_SECTORS if catalogue.for_sector(s) is not None} == set()


# --- storing -----------------------------------------------------------------


async def test_import_keeps_good_rows_in_any_order_and_refuses_bad_ones(tree_db):
    check, summary = await store_units(
        rows(
            "L1,Lægehuset,gp,A1",
            "A1,Aarhus,area,R",
            "R,Region,region,",
            "L2,Orphan,gp,NOPE",
            "L3,,gp,A1",
        )
    )
    assert reasons(check) == {
        5: "parent 'NOPE': no unit with that code in the file or the database",
        6: "name: empty",
    }
    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    tree = await unit_tree()
    assert sorted(tree) == ["A1", "L1", "R"]
    assert ancestors(tree, "L1") == ["A1", "R"]
    # Imported units get no API key: `practice add` is for units that report visits.
    assert await Practice.count().where(Practice.api_key_hash.is_not_null()) == 0


async def test_reimport_updates_name_sector_and_parent_and_deletes_nothing(tree_db):
    await store_units(rows("R,Region,region,", "A1,Aarhus,area,R", "A2,Randers,area,R"))
    await store_units(rows("L1,Clinic,gp,A1"))
    check, summary = await store_units(rows("L1,Clinic renamed,specialist,A2", "A1,Aarhus,area,R"))
    assert check.refused == ()
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    tree = await unit_tree()
    assert tree["L1"] == Unit("L1", "Clinic renamed", "specialist", "A2", tree["L1"].id)
    assert sorted(tree) == ["A1", "A2", "L1", "R"]
    await store_units(rows("L1,Clinic renamed,specialist,"))
    assert (await unit_tree())["L1"].parent is None


async def test_a_cycle_through_a_stored_unit_changes_nothing(tree_db):
    await store_units(rows("R,Region,region,", "A1,Aarhus,area,R", "L1,Clinic,gp,A1"))
    before = await unit_tree()
    check, summary = await store_units(rows("R,Region,region,L1"))
    assert reasons(check) == {2: "parent 'L1': makes a cycle with stored units (R > L1 > A1 > R)"}
    assert summary.updated == 0 and await unit_tree() == before


async def test_an_area_names_the_empty_region_area_of_its_practices(tree_db):
    await add_practice("L2", "Has an area", "gp", "Elsewhere")
    await store_units(
        rows("A1,Aarhus,area,", "L1,New clinic,gp,A1", "L2,Has an area,gp,A1", "S1,Sub,area,A1")
    )
    areas = {
        r["code"]: r["region_area"]
        for r in await Practice.select(Practice.code, Practice.region_area)
    }
    # Set when empty, never overwritten, and not given to structural units.
    assert areas == {"A1": "", "L1": "Aarhus", "L2": "Elsewhere", "S1": ""}


async def test_the_demo_tree(tree_db):
    from survey_service.demo.seed import _seed_tree

    for unit in DEMO_UNITS:
        await add_practice(unit.code, unit.name, unit.sector, unit.area)
    await _seed_tree()
    tree = await unit_tree()
    assert len(tree) == len(DEMO_UNITS) + len(DEMO_STRUCTURE)
    assert roots(tree) == [DEMO_REGION.code] and tree["R1082"].name == "Region Midtjylland (demo)"
    assert ancestors(tree, "L1001") == ["A0751", "R1082"]
    assert ancestors(tree, "H8001-MED-AMB") == ["H8001-MED", "H8001", "R1082"]
    assert children(tree, "A0751") == ["F3001", "L1001", "L1002", "L1003", "S2001"]
    assert children(tree, "H8001") == ["H8001-MED"]
    assert {"H8001", "Y8101", "A0751", "A0661"} <= set(children(tree, "R1082"))
    # Every demo practice sits under the area its region_area names.
    for unit in DEMO_UNITS:
        parent = tree[tree[unit.code].parent or ""]
        assert parent.sector == "region" or parent.name == unit.area, unit
    assert {level_of(tree[c]) for c in children(tree, "R1082")} == {"area", "hospital", "practice"}


# --- the command ---------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "units.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_cli_import_all_good_is_exit_0_and_list_shows_the_tree(tree_db, tmp_path):
    path = write(
        tmp_path,
        "code;name;sector;parent\n"
        "L1;Lægehuset ved Åen;gp;A1\n"
        "A1;Aarhus;area;R\n"
        "R;Region Midtjylland;region;\n"
        "\n"
        "H1;Hospital;hospital;R\n",
    )
    env = {"DATABASE_URL": tree_db}
    result = await survey_service("units", "import", str(path), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == "4 created, 0 updated, 0 unchanged, 0 refused (of 4 rows)"
    listed = await survey_service("units", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "R  Region Midtjylland  [region]",
        "  A1  Aarhus  [area]",
        "    L1  Lægehuset ved Åen  [gp]",
        "  H1  Hospital  [hospital]",
    ]
    as_csv = await survey_service("units", "list", "--csv", env=env)
    assert as_csv.stdout.splitlines() == [
        "code,name,sector,parent",
        "A1,Aarhus,area,R",
        "H1,Hospital,hospital,R",
        "L1,Lægehuset ved Åen,gp,A1",
        "R,Region Midtjylland,region,",
    ]
    # The list reads back as an import that changes nothing.
    again = await survey_service(
        "units", "import", str(write(tmp_path, as_csv.stdout, "again.csv")), env=env
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "0 created, 0 updated, 4 unchanged, 0 refused (of 4 rows)"


async def test_cli_import_with_refused_rows_is_exit_1_with_one_line_per_row(tree_db, tmp_path):
    await store_units(rows("R,Region,region,", "A1,Aarhus,area,R", "L1,Clinic,gp,A1"))
    path = write(
        tmp_path,
        "parent,code,name,sector\n"
        ",R,Region,region\n"
        "L1,A1,Aarhus,area\n"
        "NOPE,L2,Orphan,gp\n"
        "A1,L3,Clinic three,gp\n"
        "A1,L4,Clinic four,bakery\n"
        "A1,L3,Clinic three again,gp\n"
        "X2,X1,Loop one,area\n"
        "X1,X2,Loop two,area\n",
    )
    result = await survey_service("units", "import", str(path), env={"DATABASE_URL": tree_db})
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"{path}: line 3: parent 'L1': makes a cycle with stored units (A1 > L1 > A1)",
        f"{path}: line 4: parent 'NOPE': no unit with that code in the file or the database",
        f"{path}: line 5: code 'L3': also on line 7; give each unit once",
        f"{path}: line 6: sector 'bakery': choose one of " + ", ".join(_sectors()),
        f"{path}: line 7: code 'L3': also on line 5; give each unit once",
        f"{path}: line 8: parent 'X2': makes a cycle (X1 > X2 > X1)",
        f"{path}: line 9: parent 'X1': makes a cycle (X1 > X2 > X1)",
    ]
    assert result.stdout.strip() == "0 created, 0 updated, 1 unchanged, 7 refused (of 8 rows)"
    assert sorted(await unit_tree()) == ["A1", "L1", "R"]


def _sectors() -> list[str]:
    from survey_service.practices import SECTORS

    return list(SECTORS)


async def test_cli_nothing_usable_is_exit_2(tree_db, tmp_path):
    path = write(tmp_path, "code,name,sector,parent\nL1,Clinic,gp,L1\n")
    result = await survey_service("units", "import", str(path), env={"DATABASE_URL": tree_db})
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.splitlines() == [
        f"{path}: line 2: parent 'L1': a unit cannot be its own parent",
        f"Error: {path}: no row could be used",
    ]
    assert result.stdout.strip() == "0 created, 0 updated, 0 unchanged, 1 refused (of 1 rows)"
    assert await Practice.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read: No such file or directory"),
        ("", "empty; the first line must name the columns"),
        ("code,name,sector,parent\n\n", "no units in the file"),
        (
            "Code,Name,Sector\nL1,Clinic,gp\n",
            "missing column(s) parent; the columns are code, name, sector, parent",
        ),
        (
            "code,name,sector,parent,colour\nL1,C,gp,,red\n",
            "unknown column(s) colour; the columns are code, name, sector, parent",
        ),
    ],
)
def test_cli_file_errors_are_one_line_exit_2(tmp_path, content, message):
    # Checked before the database is opened, so no database is needed here.
    from click.testing import CliRunner

    from survey_service.cli import main

    path = tmp_path / "units.csv"
    if content is not None:
        path.write_text(content)
    result = CliRunner().invoke(main, ["units", "import", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {path}: {message}\n"

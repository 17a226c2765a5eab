"""``survey-service units``: the region's tree of units, kept from a CSV file."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from survey_service.cli.common import fail, open_database, run


@click.group()
def units() -> None:
    """The region's tree: region > area > practice, region > hospital > department > section."""


@units.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_(file: Path) -> None:
    """Create or update the units in FILE (CSV with columns code, name, sector,
    parent; parent is the code of the unit above, empty at the top). Rows may
    come in any order; existing codes get the file's name, sector and parent;
    nothing is deleted. Refused rows are listed with their reason, the others kept.

    Exit status: 0 all rows taken, 1 some rows refused, 2 nothing usable.
    """
    from survey_service.practices.tree import store_units
    from survey_service.practices.unitfile import UnitFileError, read_units

    try:
        rows = read_units(file)
    except UnitFileError as exc:
        fail(str(exc))
    if not rows:
        fail(f"{file}: no units in the file")
    open_database()

    if sys.stderr.isatty():
        with click.progressbar(
            length=len(rows), label="Importing", file=sys.stderr, show_pos=True
        ) as bar:
            check, summary = run(store_units(rows, bar.update))
            bar.update(len(check.refused))
    else:
        check, summary = run(store_units(rows))
    for refusal in check.refused:
        click.echo(f"{file}: line {refusal.line}: {refusal.reason}", err=True)
    click.echo(
        f"{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{len(check.refused)} refused (of {len(rows)} rows)"
    )
    if not check.accepted:
        fail(f"{file}: no row could be used")
    if check.refused:
        raise SystemExit(1)


@units.command("list")
@click.option("--csv", "as_csv", is_flag=True, help="As a CSV file that `units import` reads back.")
def list_(as_csv: bool) -> None:
    """Every unit, indented under its parent (or as CSV)."""
    from survey_service.practices.tree import children_index, roots, unit_tree

    open_database()
    tree = run(unit_tree())
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["code", "name", "sector", "parent"])
        for unit in tree.values():
            writer.writerow([unit.code, unit.name, unit.sector, unit.parent or ""])
        return
    if not tree:
        click.echo("No units yet; `survey-service units import FILE.csv` adds them.", err=True)
        return
    below = children_index(tree)
    todo = [(code, 0) for code in reversed(roots(tree))]
    while todo:
        code, depth = todo.pop()
        unit = tree[code]
        click.echo(f"{'  ' * depth}{unit.code}  {unit.name}  [{unit.sector}]")
        todo.extend((c, depth + 1) for c in reversed(below.get(code, ())))

"""``survey-service visits``: report visits from a file, and response rates."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from survey_service.cli.common import fail, open_database, run


async def _intake_context(settings):
    from survey_service.distribution.intake import IntakeContext
    from survey_service.questionnaires.loader import QuestionnaireError, load_catalogue
    from survey_service.questionnaires.sync import sync_catalogue

    try:
        catalogue = load_catalogue(settings=settings)  # the directory serve uses
        ids = await sync_catalogue(catalogue)
    except QuestionnaireError as exc:
        fail(f"questionnaire files are invalid: {exc.problems[0]}")
    return IntakeContext(settings=settings, catalogue=catalogue, version_ids=ids)


async def _practice(code: str):
    from survey_service.practices.service import get_practice

    practice = await get_practice(code)
    if practice is None or not practice.active:
        fail(f"--practice {code}: no active practice with that code")
    return practice


@click.group()
def visits() -> None:
    """Visits reported without an integration, and response rates."""


#: Visits registered per call while importing a file (one progress-bar step).
IMPORT_CHUNK = 50


@visits.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--practice", "code", required=True, help="Code of the practice the visits were at.")
def import_(file: Path, code: str) -> None:
    """Invite the patients in FILE (CSV with columns visit_date, phone[, language,
    questionnaire]). Bad rows are listed and skipped, good rows kept.

    Exit status: 0 all rows taken, 1 some rows rejected, 2 nothing usable.
    """
    from survey_service.distribution.csvfile import CsvError, date_problem, read_visits
    from survey_service.distribution.intake import (
        DUPLICATE,
        INVITED,
        OPTED_OUT,
        REJECTED,
        register_visits,
    )
    from survey_service.distribution.timing import utc_now

    settings = open_database()
    try:
        rows = read_visits(file, code)
    except CsvError as exc:
        fail(str(exc))
    if not rows:
        fail(f"{file}: no visits in the file")

    visits_in: list[object] = [r for _, r in rows]

    async def go(tick: Callable[[int], None]) -> list[Any]:
        practice = await _practice(code)
        context = await _intake_context(settings)
        outcomes: list[Any] = []
        # In chunks, so a terminal shows progress: each number takes a deliberately
        # slow keyed hash (docs/anonymity.md), about 25 ms per visit.
        for start in range(0, len(visits_in), IMPORT_CHUNK):
            chunk = visits_in[start : start + IMPORT_CHUNK]
            outcomes += await register_visits(chunk, practice, context, utc_now())
            tick(len(chunk))
        return outcomes

    if sys.stderr.isatty():
        with click.progressbar(
            length=len(visits_in), label="Inviting", file=sys.stderr, show_pos=True, show_eta=True
        ) as bar:
            outcomes = run(go(bar.update))
    else:
        outcomes = run(go(lambda _n: None))
    counts = {s: 0 for s in (INVITED, DUPLICATE, OPTED_OUT, REJECTED)}
    for (line, row), outcome in zip(rows, outcomes, strict=True):
        counts[outcome.status] += 1
        if outcome.status == REJECTED:
            errors = dict(outcome.errors)
            if "visit_date" in errors:
                # Name every date form a file may use, not only the API's YYYY-MM-DD.
                errors["visit_date"] = date_problem(row) or errors["visit_date"]
            problems = "; ".join(f"{k}: {v}" for k, v in errors.items())
            click.echo(f"{file}: line {line}: {problems}", err=True)
    click.echo(
        f"{counts[INVITED]} invited, {counts[DUPLICATE]} already invited, "
        f"{counts[OPTED_OUT]} opted out, {counts[REJECTED]} rejected (of {len(rows)} rows)"
    )
    if counts[REJECTED] == len(rows):
        fail(f"{file}: no row could be used")
    if counts[REJECTED]:
        raise SystemExit(1)


@visits.command("rates")
@click.argument("code")
@click.option("--from", "start", default=None, help="First visit month, YYYY-MM.")
@click.option("--to", "end", default=None, help="Last visit month, YYYY-MM (inclusive).")
def rates(code: str, start: str | None, end: str | None) -> None:
    """Invitations sent, delivered and answered per visit month (default: last 12).

    The last column, unconfirmed, is the part of sent recorded after a timeout
    that nothing could settle (no delivery reports): sent once, never retried.
    """
    from survey_service.distribution.rates import add_months, response_rates

    today = dt.date.today().replace(day=1)
    first = _month(start, "--from") or add_months(today, -11)
    last = _month(end, "--to") or today
    if last < first:
        fail("--to is before --from")
    open_database()

    async def go():
        practice = await _practice(code)
        return await response_rates(practice.id, first, add_months(last, 1))

    rows = run(go())
    click.echo(
        f"{'month':8} {'channel':8} {'invited':>8} {'sent':>6} {'deliv.':>7} "
        f"{'failed':>7} {'answered':>9} {'rate':>6} {'unconfirmed':>11}"
    )
    for r in rows:
        rate = f"{r.response_rate:.0%}" if r.response_rate is not None else "-"
        click.echo(
            f"{r.month:8} {r.channel:8} {r.invitations:8} {r.sent:6} {r.delivered:7} "
            f"{r.failed:7} {r.answered:9} {rate:>6} {r.unconfirmed:11}"
        )


def _month(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        if len(value) != 7:
            raise ValueError
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        fail(f"{option} {value!r}: use YYYY-MM")

"""``survey-service qr``: printable QR posters and slips."""

from __future__ import annotations

from pathlib import Path

import click

from survey_service.cli.common import fail, open_database, run

_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "png"]),
    default="svg",
    show_default=True,
    help="File format.",
)
_OUT = click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)


@click.group()
def qr() -> None:
    """QR codes for waiting rooms (posters) and single visits (slips)."""


@qr.command()
@click.argument("code")
@click.option("--size", type=click.Choice(["A4", "A5"]), default="A4", show_default=True)
@_FORMAT
@_OUT
def poster(code: str, size: str, fmt: str, out: Path) -> None:
    """A poster whose code opens the practice's survey (PUBLIC_BASE_URL/p/CODE)."""
    from survey_service.distribution.qr import poster_layout, poster_url, render
    from survey_service.practices.service import get_practice

    settings = open_database()
    practice = run(get_practice(code))
    if practice is None:
        fail(f"CODE {code!r}: no such practice")
    url = poster_url(settings.public_base_url, practice.code)
    content, _ = render(poster_layout(practice.name, url, size), fmt)
    _write(out, content)
    click.echo(f"Poster for {practice.code} ({size}, {fmt}) -> {out}; its code opens {url}")


@qr.command()
@click.argument("code")
@click.option("--visit-date", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--language", type=click.Choice(["da", "en"]), default=None)
@click.option("--questionnaire", default=None, help="Questionnaire slug (default: by sector).")
@_FORMAT
@_OUT
def slip(
    code: str,
    visit_date: str | None,
    language: str | None,
    questionnaire: str | None,
    fmt: str,
    out: Path,
) -> None:
    """A slip with a single-use link for one visit (channel receipt)."""
    from survey_service.cli.visits import _intake_context, _practice
    from survey_service.distribution.intake import VisitProblems, parse_visit_date
    from survey_service.distribution.slips import issue_slip
    from survey_service.distribution.timing import local_today, utc_now

    settings = open_database()
    now = utc_now()
    errors: dict[str, str] = {}
    date = parse_visit_date(visit_date or local_today(now).isoformat(), local_today(now), errors)
    if date is None:
        fail(f"--visit-date: {errors['visit_date']}")

    async def go():
        practice = await _practice(code)
        context = await _intake_context(settings)
        return await issue_slip(
            practice,
            context,
            visit_date=date,
            language=language,
            questionnaire=questionnaire,
            fmt=fmt,
            now=now,
        )

    try:
        content, _ = run(go())
    except VisitProblems as exc:
        fail(str(exc))
    _write(out, content)
    click.echo(f"Slip -> {out} (its link works once)")


def _write(out: Path, content: bytes) -> None:
    try:
        out.write_bytes(content)
    except OSError as exc:
        fail(f"--out {out}: {exc.strerror or exc}")


__all__ = ["qr"]

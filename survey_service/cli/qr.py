"""``survey-service qr``: printable QR posters and slips."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from survey_service.cli.common import fail, load_catalogue_or_fail, open_database, run

if TYPE_CHECKING:
    from survey_service.practices.tables import Practice
    from survey_service.settings import Settings

#: The renderers' formats (distribution.qr.FORMATS, which a test keeps equal).
#: Not imported from there: the CLI imports no distribution code until a
#: command runs, which keeps every other command's start-up short.
FORMATS = ("svg", "png")

_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="File format (default: from the --out extension, svg when it has none).",
)
_OUT = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (.svg or .png).",
)


def file_format(fmt: str | None, out: Path) -> str:
    """The format to write: ``--format`` if given, else the one ``--out``'s name asks for.

    A file called poster.png must hold a PNG: a print shop or an image viewer
    trusts the extension, so a contradiction is an error, not a guess.
    """
    extension = out.suffix.lower().removeprefix(".")
    if fmt is not None:
        if extension in FORMATS and extension != fmt:
            fail(f"--format {fmt} contradicts --out {out} (a .{extension} file)")
        return fmt
    if not extension:
        return "svg"
    if extension not in FORMATS:
        fail(f"--out {out}: give a .svg or .png file, or --format svg|png")
    return extension


def _surveyable(practice: Practice, settings: Settings) -> None:
    """Refuse a practice whose code would lead patients nowhere.

    The poster page and ``/s/`` links answer only for an active practice with
    a published questionnaire for its sector (``Catalogue.for_sector``); a
    printed code that opens a 404 is worse than no code.
    """
    if not practice.active:
        fail(f"{practice.code}: the practice is inactive, so its survey pages answer 404")
    if load_catalogue_or_fail(settings).for_sector(practice.sector) is None:
        fail(
            f"{practice.code}: no published questionnaire for sector {practice.sector!r}, "
            f"so /p/{practice.code} would answer 404"
        )


@click.group()
def qr() -> None:
    """QR codes for waiting rooms (posters) and single visits (slips)."""


@qr.command()
@click.argument("code")
@click.option("--size", type=click.Choice(["A4", "A5"]), default="A4", show_default=True)
@click.option(
    "--languages",
    default=None,
    help="The poster's two languages, first printed large, e.g. da,ar (default: da,en).",
)
@_FORMAT
@_OUT
def poster(code: str, size: str, languages: str | None, fmt: str | None, out: Path) -> None:
    """A poster whose code opens the practice's survey (PUBLIC_BASE_URL/p/CODE)."""
    from survey_service.distribution.qr import (
        poster_languages,
        poster_layout,
        poster_url,
        render,
    )
    from survey_service.practices.service import get_practice

    fmt = file_format(fmt, out)
    try:
        pair = poster_languages(languages)
    except ValueError as exc:
        fail(f"--languages: {exc}")
    settings = open_database()
    practice = run(get_practice(code))
    if practice is None:
        fail(f"CODE {code!r}: no such practice")
    _surveyable(practice, settings)
    url = poster_url(settings.public_base_url, practice.code)
    content, _ = render(poster_layout(practice.name, url, size, pair), fmt)
    _write(out, content)
    click.echo(
        f"Poster for {practice.code} ({size}, {fmt}, {','.join(pair)}) -> {out}; "
        f"its code opens {url}"
    )


@qr.command()
@click.argument("code")
@click.option("--visit-date", default=None, help="YYYY-MM-DD (default: today).")
@click.option(
    "--language",
    default=None,
    help="The link's language, one of the shipped ones (default: the patient's browser).",
)
@click.option("--questionnaire", default=None, help="Questionnaire slug (default: by sector).")
@_FORMAT
@_OUT
def slip(
    code: str,
    visit_date: str | None,
    language: str | None,
    questionnaire: str | None,
    fmt: str | None,
    out: Path,
) -> None:
    """A slip with a single-use link for one visit (channel receipt)."""
    from survey_service.cli.visits import _intake_context, _practice
    from survey_service.distribution.intake import VisitProblems, parse_visit_date
    from survey_service.distribution.slips import issue_slip
    from survey_service.distribution.timing import local_today, utc_now
    from survey_service.i18n import PATIENT_LANGUAGES

    fmt = file_format(fmt, out)
    # A preference, as for reported visits: the page falls back where needed.
    if language is not None and language not in PATIENT_LANGUAGES:
        fail(f"--language {language!r}: must be one of {', '.join(PATIENT_LANGUAGES)}")
    settings = open_database()
    now = utc_now()
    errors: dict[str, str] = {}
    date = parse_visit_date(visit_date or local_today(now).isoformat(), local_today(now), errors)
    if date is None:
        fail(f"--visit-date: {errors['visit_date']}")

    async def go() -> tuple[bytes, str]:
        practice = await _practice(code)
        context = await _intake_context(settings)
        if questionnaire is None and context.catalogue.for_sector(practice.sector) is None:
            # Checked before a link is issued: no invitation row for a slip never printed.
            fail(
                f"{practice.code}: no published questionnaire for sector {practice.sector!r}; "
                "name one with --questionnaire"
            )
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
    click.echo(f"Slip ({fmt}) -> {out} (its link works once)")


def _write(out: Path, content: bytes) -> None:
    try:
        out.write_bytes(content)
    except OSError as exc:
        fail(f"--out {out}: {exc.strerror or exc}")


__all__ = ["file_format", "qr"]

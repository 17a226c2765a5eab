"""``survey-service i18n``: keep the interface catalogues complete."""

from __future__ import annotations

import click

from survey_service.cli.common import fail


@click.group()
def i18n() -> None:
    """Interface translations (gettext catalogues in locales/)."""


@i18n.command()
def extract() -> None:
    """Extract messages and merge them into every language's .po file."""
    from survey_service.catalogues import update

    update()
    click.echo("Catalogues updated; translate new entries, then run `survey-service i18n compile`.")


@i18n.command("compile")
def compile_() -> None:
    """Compile .po files to .mo."""
    from survey_service.catalogues import compile_all

    compile_all()
    click.echo("Catalogues compiled.")


@i18n.command()
def check() -> None:
    """Fail (exit 2) when a translation is missing or a .mo is stale."""
    from survey_service.catalogues import check as check_catalogues

    problems = check_catalogues()
    for language, messages in problems.missing.items():
        for message in messages:
            click.echo(f"{language}: missing translation: {message!r}", err=True)
    for path in problems.stale_mo:
        found = problems.differences.get(path, [])
        # The first difference says what is wrong; the count, how much.
        detail = f" ({found[0]}" + (f"; {len(found) - 1} more" if len(found) > 1 else "") + ")"
        click.echo(
            f"{path}: out of date{detail if found else ''}, run `survey-service i18n compile`",
            err=True,
        )
    if not problems.ok:
        fail("catalogues are incomplete")
    click.echo("All catalogues complete.")

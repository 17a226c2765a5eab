"""``survey-service i18n``: keep the interface and questionnaire catalogues complete."""

from __future__ import annotations

import click

from survey_service.cli.common import fail


@click.group()
def i18n() -> None:
    """Translations (gettext catalogues in locales/: messages and questionnaires)."""


@i18n.command()
@click.option(
    "--templates-only",
    is_flag=True,
    help="Only write messages.pot and questionnaires.pot; leave the .po files alone.",
)
def extract(templates_only: bool) -> None:
    """Extract messages and questionnaire text to .pot, and merge them (as `update`)."""
    from survey_service.catalogues import update, write_templates

    if templates_only:
        write_templates()
        click.echo("Templates written: locales/messages.pot, locales/questionnaires.pot.")
        return
    update()
    click.echo("Catalogues updated; translate new entries, then run `survey-service i18n compile`.")


@i18n.command("update")
def update_() -> None:
    """Merge the templates into every language's .po (translations and flags kept)."""
    from survey_service.catalogues import update

    update()
    click.echo("Catalogues updated; translate new entries, then run `survey-service i18n compile`.")


@i18n.command("compile")
def compile_() -> None:
    """Compile .po files to .mo (both domains, every shipped language)."""
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


@i18n.command()
@click.option(
    "--unreviewed",
    "list_unreviewed",
    is_flag=True,
    help="Also list every translation no native speaker has reviewed yet (flag `unreviewed`).",
)
def status(list_unreviewed: bool) -> None:
    """Per language: entries translated, missing and unreviewed, in both domains."""
    from survey_service.catalogues import status as catalogue_status

    for entry in catalogue_status():
        for domain, found in entry.domains.items():
            click.echo(
                f"{entry.language} {domain}: {found.translated} translated, "
                f"{len(found.missing)} missing, {len(found.unreviewed)} unreviewed"
            )
            if list_unreviewed:
                for msgid in found.unreviewed:
                    click.echo(f"  unreviewed: {msgid!r}")

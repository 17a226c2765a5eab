"""Helpers shared by the CLI commands."""

from __future__ import annotations

import asyncio
import os
import sys
import warnings
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from survey_service.db import DatabaseURLError, engine_from_url, use_engine
from survey_service.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from survey_service.questionnaires.loader import Catalogue

T = TypeVar("T")


def fail(message: str) -> NoReturn:
    """One line on stderr, exit status 2: how every command reports bad input."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def open_database() -> Settings:
    """Read settings, check DATABASE_URL and point Piccolo at that database."""
    # Piccolo warns on stderr when it cannot reach the server while creating an
    # engine; the command reports that itself, in one line.
    warnings.filterwarnings("ignore", module=r"piccolo\.")
    try:
        settings = load_settings()
        engine = engine_from_url(settings.effective_database_url)
    except (DatabaseURLError, SettingsError) as exc:
        fail(str(exc))
    if not settings.database_url:
        settings.data_directory.mkdir(parents=True, exist_ok=True)
    os.environ["PICCOLO_CONF"] = "survey_service.db.piccolo_conf"
    use_engine(engine)
    return settings


def load_catalogue_or_fail(settings: Settings) -> Catalogue:
    """The questionnaires ``serve`` would load (same directory), or a one-line error."""
    from survey_service.questionnaires.loader import QuestionnaireError, load_catalogue

    try:
        return load_catalogue(settings=settings)
    except QuestionnaireError as exc:
        fail(f"questionnaire files are invalid: {exc.problems[0]}")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; a database that cannot be reached is a one-line error."""
    try:
        return asyncio.run(coro)
    except (OSError, ConnectionError) as exc:
        fail(f"cannot reach the database: {exc}")
    except Exception as exc:
        name = type(exc).__module__
        if name.startswith(("asyncpg", "sqlite3")):
            fail(f"database error: {exc}")
        raise

"""`survey-service questionnaires validate` checks what `serve` would load.

The same folder (SURVEY_QUESTIONNAIRE_DIR, else the shipped files) and, when
there is a database, the content-hash pins of published versions that make
`serve` refuse to start.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from ..conftest import FIXTURES
from .test_cli import run_cli


def _changed_copy(tmp_path: Path) -> Path:
    changed = tmp_path / "catalogue"
    shutil.copytree(FIXTURES / "catalogue", changed)
    path = changed / "mini" / "1.yaml"
    path.write_text(path.read_text().replace("The doctor listened to me.", "Reworded."))
    return changed


def test_validate_checks_and_names_the_folder_serve_uses(tmp_path: Path):
    data = tmp_path / "data"
    env = {"SURVEY_QUESTIONNAIRE_DIR": str(FIXTURES / "catalogue"), "DATABASE_URL": ""}
    result = run_cli(
        "questionnaires", "validate", env={**env, "SURVEY_SERVICE_DATA_DIR": str(data)}
    )
    assert result.returncode == 0, result.stderr
    assert f"valid in {FIXTURES / 'catalogue'}" in result.stdout
    assert "not compared with pinned ones" in result.stdout
    # Looking for the default SQLite file must not create it.
    assert not (data / "survey.sqlite").exists()


@pytest.mark.anyio
async def test_validate_refuses_a_changed_published_version(db, fixture_catalogue, tmp_path: Path):
    from survey_service.questionnaires.sync import sync_catalogue

    await sync_catalogue(fixture_catalogue)
    changed = _changed_copy(tmp_path)
    env = {"DATABASE_URL": db, "SURVEY_QUESTIONNAIRE_DIR": str(changed)}
    result = await asyncio.to_thread(run_cli, "questionnaires", "validate", env=env)
    assert result.returncode == 2
    assert f"valid in {changed}" in result.stdout  # the files themselves are fine
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "published version mini/1 has changed" in line
    # The unchanged files pass against the same pins, and nothing new was pinned.
    env["SURVEY_QUESTIONNAIRE_DIR"] = str(FIXTURES / "catalogue")
    ok = await asyncio.to_thread(run_cli, "questionnaires", "validate", env=env)
    assert ok.returncode == 0, ok.stderr
    assert "match those pinned in DATABASE_URL" in ok.stdout


def test_validate_uses_the_default_sqlite_file_when_it_exists(tmp_path: Path, fixture_catalogue):
    from survey_service.db import engine_from_url, use_engine
    from survey_service.db.migrate import migrate
    from survey_service.questionnaires.sync import sync_catalogue

    data = tmp_path / "data"
    data.mkdir()
    sqlite = data / "survey.sqlite"
    use_engine(engine_from_url(f"sqlite:///{sqlite}"))
    asyncio.run(migrate())
    asyncio.run(sync_catalogue(fixture_catalogue))
    env = {
        "DATABASE_URL": "",  # empty: the default SQLite file in the data directory
        "SURVEY_SERVICE_DATA_DIR": str(data),
        "SURVEY_QUESTIONNAIRE_DIR": str(_changed_copy(tmp_path)),
    }
    result = run_cli("questionnaires", "validate", env=env)
    assert result.returncode == 2
    assert "published version mini/1 has changed" in result.stderr


def test_validate_with_an_unreachable_database_is_one_line():
    result = run_cli(
        "questionnaires",
        "validate",
        env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"},
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: cannot reach the database")

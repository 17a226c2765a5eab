"""The `survey-service` command: contracts and one-line errors with exit status 2.

Run as real subprocesses so the console script, the environment handling and
the exit status are what a user gets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import FIXTURES


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "survey_service", *args],
        env={**os.environ, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://root@localhost/db", "unsupported scheme 'mysql'"),
        ("sqlite://", "SQLite needs an absolute path"),
        ("sqlite://somehost/x.sqlite", "SQLite needs an absolute path"),
        ("postgresql://user:secret@/", "PostgreSQL needs a host and a database"),
        ("postgresql://u@host:notaport/db", "bad port"),
        ("nonsense", "unsupported scheme"),
    ],
)
def test_bad_database_url_is_one_line_exit_2(url, fragment):
    result = run_cli("db", "migrate", env={"DATABASE_URL": url})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert "secret" not in result.stderr  # passwords are never echoed
    assert "Traceback" not in result.stderr


def test_unreachable_postgres_is_one_line_exit_2():
    result = run_cli("db", "migrate", env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"})
    assert result.returncode == 2
    assert result.stderr.startswith("Error: cannot reach the database")
    assert "Traceback" not in result.stderr


def test_migrate_then_add_practice_prints_key_last(tmp_path: Path, database_url: str):
    env = {"DATABASE_URL": database_url}
    migrated = run_cli("db", "migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    code = f"C{os.getpid() % 100000}"
    added = run_cli("practice", "add", code, "--name", "Lægehuset Syd", "--sector", "gp", env=env)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("sk_") and len(key) > 40
    again = run_cli("practice", "add", code, "--name", "X", "--sector", "gp", env=env)
    assert again.returncode == 2 and "exists already" in again.stderr
    bad_sector = run_cli("practice", "add", "Z1", "--name", "X", "--sector", "bakery", env=env)
    assert bad_sector.returncode == 2
    bad_code = run_cli("practice", "add", "bad code!", "--name", "X", "--sector", "gp", env=env)
    assert bad_code.returncode == 2 and "practice code" in bad_code.stderr


def test_questionnaires_validate_and_list():
    ok = run_cli("questionnaires", "validate")
    assert ok.returncode == 0 and "valid" in ok.stdout
    listed = run_cli("questionnaires", "list")
    assert "gp-experience/1" in listed.stdout and "practice-short/1" in listed.stdout


def test_questionnaires_validate_reports_each_problem(tmp_path: Path):
    import shutil

    root = tmp_path / "q"
    shutil.copytree(FIXTURES / "catalogue", root)
    path = root / "mini" / "1.yaml"
    path.write_text(path.read_text().replace("type: likert5", "type: likert9", 1))
    result = run_cli("questionnaires", "validate", "--directory", str(root))
    assert result.returncode == 2
    assert "mini/1.yaml: item 'mini.listened': type 'likert9'" in result.stderr
    missing = run_cli("questionnaires", "validate", "--directory", str(tmp_path / "none"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr


def test_i18n_check_passes_on_the_shipped_catalogues():
    result = run_cli("i18n", "check")
    assert result.returncode == 0, result.stderr


@pytest.mark.anyio
async def test_serve_refuses_a_changed_published_version(db, fixture_catalogue, tmp_path: Path):
    import shutil

    from survey_service.questionnaires.sync import sync_catalogue

    await sync_catalogue(fixture_catalogue)
    changed = tmp_path / "catalogue"
    shutil.copytree(FIXTURES / "catalogue", changed)
    path = changed / "mini" / "1.yaml"
    path.write_text(path.read_text().replace("The doctor listened to me.", "Reworded."))
    result = run_cli(
        "serve",
        "--port",
        "1",
        env={"DATABASE_URL": db, "SURVEY_QUESTIONNAIRE_DIR": str(changed)},
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "published version mini/1 has changed" in line

"""``survey-service user`` and ``survey-service audit`` through click's runner.

Sync tests (the commands run their own event loop) on each database; emails
and practice codes are unique per test, so no emptying is needed.
"""

from __future__ import annotations

import secrets

import pytest
from click.testing import CliRunner

from survey_service.cli import main

from .conftest import PASSWORD


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input)

    return invoke


@pytest.fixture
def tag() -> str:
    return secrets.token_hex(3)


@pytest.fixture
def practice_code(cli, tag: str) -> str:
    code = f"C{tag}"
    result = cli("practice", "add", code, "--name", "Klinik", "--sector", "gp")
    assert result.exit_code == 0, result.output
    return code


def _one_line_error(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and fragment in lines[0], lines


def test_add_list_disable_and_audit(cli, tag: str, practice_code: str) -> None:
    email = f"Doc{tag}@Example.dk"
    added = cli(
        "user", "add", email, "--role", "practitioner", "--practice", practice_code,
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output
    listed = cli("user", "list")
    assert f"doc{tag}@example.dk\tpractitioner\tactive\t{practice_code}" in listed.output
    assert cli("user", "disable", email).exit_code == 0
    assert f"doc{tag}@example.dk\tpractitioner\tdisabled" in cli("user", "list").output
    log = cli("audit", "list", "--since", "2000-01-01")
    assert log.exit_code == 0
    lines = [line for line in log.output.splitlines() if f"doc{tag}@example.dk" in line]
    assert [line.split("\t")[1:3] for line in lines] == [
        ["cli", "user_disabled"],
        ["cli", "user_added"],
    ]
    assert PASSWORD not in log.output
    future = cli("audit", "list", "--since", "2999-01-01")
    assert future.exit_code == 0 and future.output == ""


@pytest.mark.parametrize(
    ("args", "password", "fragment"),
    [
        (["--role", "practitioner"], PASSWORD, "needs at least one practice"),
        (["--role", "practitioner", "--practice", "NOSUCH"], PASSWORD, "unknown practice code"),
        (["--role", "analyst"], "short", "shorter than 12"),
        (["--role", "analyst"], "", "empty"),
    ],
)
def test_add_refuses_bad_input(cli, tag: str, args, password: str, fragment: str) -> None:
    result = cli("user", "add", f"u{tag}@example.dk", *args, input=password + "\n")
    _one_line_error(result, fragment)


def test_duplicate_email_is_refused(cli, tag: str) -> None:
    email = f"a{tag}@example.dk"
    assert cli("user", "add", email, "--role", "admin", input=PASSWORD + "\n").exit_code == 0
    again = cli("user", "add", email.upper(), "--role", "admin", input=PASSWORD + "\n")
    _one_line_error(again, "exists already")


def test_disable_unknown_and_bad_since(cli) -> None:
    _one_line_error(cli("user", "disable", "nobody@nowhere.example"), "no user has email")
    _one_line_error(cli("audit", "list", "--since", "yesterday"), "YYYY-MM-DD")


def test_on_a_terminal_the_password_is_asked_twice(
    cli, tag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from survey_service.cli import users

    monkeypatch.setattr(users, "_interactive", lambda: True)
    email = f"t{tag}@example.dk"
    mismatch = cli("user", "add", email, "--role", "analyst", input=f"{PASSWORD}\nother\n")
    assert mismatch.exit_code != 0 and "do not match" in mismatch.output.lower()
    both = f"{PASSWORD}\n{PASSWORD}\n"
    assert cli("user", "add", email, "--role", "analyst", input=both).exit_code == 0
    assert f"{email}\tanalyst\tactive" in cli("user", "list").output

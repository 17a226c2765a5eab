"""`survey-service report publish` / `unpublish` as a user runs them (real processes)."""

from __future__ import annotations

import pytest

from ..results.conftest import cli_env, survey_service

pytestmark = pytest.mark.anyio


async def test_publish_before_the_delay_is_one_line_naming_the_date(released, db):
    result = await survey_service("report", "publish", "--period", "2026-11", env=cli_env(db))
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: period: mini 2026-11 can be published from 20")
    assert "(21 days after its release)" in line


async def test_publish_and_unpublish_from_the_command_line(released, db):
    env = cli_env(db, RESULTS_PUBLICATION_DELAY_DAYS="0")
    done = await survey_service("report", "publish", "--period", "2026-11", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Published mini 2026-11 revision 1."
    again = await survey_service("report", "publish", "--period", "2026-11", env=env)
    assert again.stdout.strip() == "Already public: mini 2026-11 revision 1."
    no_reason = await survey_service("report", "unpublish", "--period", "2026-11", env=env)
    assert no_reason.returncode == 2
    undone = await survey_service(
        "report", "unpublish", "--period", "2026-11", "--reason", "wrong figures", env=env
    )
    assert undone.returncode == 0, undone.stderr
    assert undone.stdout.strip() == "Unpublished mini 2026-11 revision 1."
    audit = await survey_service("audit", "list", env=env)
    assert "report_unpublish" in audit.stdout and "wrong figures" in audit.stdout
    assert "report_publish" in audit.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["publish", "--period", "2026-13"], "period: '2026-13' has no such month"),
        (["publish", "--period", "2026-10"], "nothing has been released for 2026-10"),
        (["unpublish", "--period", "2026-11", "--reason", "x"], "reason:"),
        (["unpublish", "--period", "2026-11", "--reason", "not public"], "is not published"),
    ],
)
async def test_bad_input_is_one_line_and_exit_2(released, db, args, message):
    result = await survey_service("report", *args, env=cli_env(db))
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert message in line, line

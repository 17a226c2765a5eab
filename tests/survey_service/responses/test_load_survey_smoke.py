"""benchmarks/load_survey.py runs end to end at a tiny size and keeps its output contract.

Issue 15 names the lines other tools read: ``answer set: N answers per
response``, ``surveys answered/s: R``, ``latency all ms: ... p99 X``,
``errors: E``, ``pgbench same write TPS: T``, ``ratio: X %`` and the soak's
``soak: S s, errors E, rss MB start A end B max C``. The run uses
gp-experience/4 with two workers: a rotating module per link and a screening
item, so 0 errors means every POST of the page's own module got its 303.
Skipped without TEST_DATABASE_URL or pgbench; figures are not judged here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "benchmarks" / "load_survey.py"
NUMBER = r"(\d+(?:\.\d+)?)"
CONTRACT = {
    "answer set": re.compile(r"answer set: (\d+) answers per response\b.*"),
    "rate": re.compile(rf"surveys answered/s: {NUMBER}\b.*"),
    "latency": re.compile(rf"latency all ms: .* p99 {NUMBER}\b.*"),
    "errors": re.compile(r"errors: (\d+)\b.*"),
    "pgbench": re.compile(rf"pgbench same write TPS: {NUMBER}\b.*"),
    "ratio": re.compile(rf"ratio: {NUMBER} %.*"),
    "budget": re.compile(
        rf"CPU per answered survey ms: server {NUMBER}  database {NUMBER}  "
        rf"load generator {NUMBER}  \(the \d+ cores allow \d+/s\)"
    ),
    "pgbench budget": re.compile(
        rf"CPU per pgbench transaction ms: database {NUMBER}  pgbench {NUMBER}\b.*"
    ),
    "soak": re.compile(
        rf"soak: (\d+) s, errors (\d+), rss MB start {NUMBER} end {NUMBER} max {NUMBER}"
    ),
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def server() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests not run")
    if shutil.which("pgbench") is None:
        pytest.skip("pgbench is not installed")
    return url


def test_split_questionnaire_load_prints_the_contract_lines_with_no_errors(server: str) -> None:
    result = run(
        *("--database-url", server, "--questionnaire", "gp-experience/4", "--workers", "2"),
        *("--duration", "2", "--warmup", "1", "--links", "400", "--soak", "3"),
    )
    assert result.returncode == 0, result.stderr + result.stdout
    lines = result.stdout.splitlines()
    found = {}
    for key, pattern in CONTRACT.items():
        matches = [m for line in lines if (m := pattern.fullmatch(line))]
        assert len(matches) == 1, (key, result.stdout)
        found[key] = matches[0]
    assert int(found["answer set"].group(1)) > 10  # the core plus one module
    assert float(found["rate"].group(1)) > 0
    assert float(found["pgbench"].group(1)) > 0
    assert found["errors"].group(1) == "0", result.stdout
    assert found["soak"].group(2) == "0", result.stdout
    # The CPU budget counts real work on both sides: the server and the
    # database each spend something per answered survey, as does pgbench.
    assert float(found["budget"].group(1)) > 0 and float(found["budget"].group(2)) > 0
    assert float(found["pgbench budget"].group(1)) > 0
    ratio = float(found["ratio"].group(1))
    expected = float(found["rate"].group(1)) / float(found["pgbench"].group(1)) * 100
    assert abs(ratio - expected) < 0.2


def test_unknown_questionnaire_is_a_one_line_error_with_status_2(server: str) -> None:
    result = run("--database-url", server, "--questionnaire", "gp-experience/99", "--links", "1")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "load_survey.py: error: --questionnaire: no questionnaire gp-experience/99 in the catalogue"
    )
    assert "Traceback" not in result.stderr

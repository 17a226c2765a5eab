"""The national `report build` benchmark runs end to end at a tiny size.

benchmarks/report_national.py fills its own scratch database (named here so
it never meets a full-size run) and must end with the fixed figure line.
Skipped only without TEST_DATABASE_URL; an unreachable server fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "benchmarks" / "report_national.py"
LAST_LINE = re.compile(r"report build: \d+\.\d s, peak \d+ MB")


def test_benchmark_fills_builds_and_prints_the_figure_line() -> None:
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests not run")
    name = f"report_national_smoke_{os.getpid()}"
    tiny = ["--responses", "2000", "--units", "50"]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--database-url", server, "--name", name, *tiny],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    lines = result.stdout.strip().splitlines()
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]
    assert any(line.startswith("filling: ") for line in lines[:-1])
    # 2,000 responses of one questionnaire were built, not an empty period.
    assert any("2000 response(s)" in line for line in lines), result.stdout

"""The hygiene gate: formatting, lint and types are checked by the suite itself,
so the README's one test command is the whole gate (CI runs exactly that)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; install the test extras: pip install '.[test]'")
    return found


def test_code_is_ruff_formatted():
    result = _run(_tool("ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_ruff_clean():
    result = _run(_tool("ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_types_check_with_mypy():
    # Configured in pyproject.toml ([tool.mypy]): survey_service and analysis.
    result = _run(_tool("mypy"))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr

"""The public results in headless Chromium, not logged in: the demo publishes its older
quarter, and scripts/public_screenshots.py walks the public's path and saves screenshots
to build/screenshots/public/."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from survey_service.results.publication import COLUMNS

from ...servers import running_service

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "build" / "screenshots" / "public"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary installed"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("demo")
    env = {"SURVEY_SERVICE_DATA_DIR": str(data), "DATABASE_URL": ""}
    with running_service(["demo", "--links", "1"], env, data / "demo.log", cwd=data) as base:
        yield base


def test_demo_publishes_the_older_quarter_and_previews_the_newer(demo):
    from survey_service.demo.feedback import last_ended_quarters
    from survey_service.localtime import local_today, utc_now

    older, newer = last_ended_quarters(local_today(utc_now()))
    page = httpx.get(f"{demo}/results")
    assert page.status_code == 200 and older in page.text
    assert httpx.get(f"{demo}/results/{older}.csv").status_code == 200
    assert httpx.get(f"{demo}/results/{newer}.csv").status_code == 404  # released only
    assert httpx.get(f"{demo}/results?period={newer}").status_code == 404


def test_the_public_reads_results_downloads_csv_and_methods_in_danish(demo):
    script = ROOT / "scripts" / "public_screenshots.py"
    result = subprocess.run(
        [sys.executable, str(script), "--base", demo, "--out", str(SHOTS), "--chromium", CHROMIUM],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    [downloaded] = SHOTS.glob("results-*.csv")
    with downloaded.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == COLUMNS and len(rows) > 10
    assert all(row[6] == "<10" or int(row[6]) >= 10 for row in rows[1:])
    assert (SHOTS / "results-print.pdf").read_bytes().startswith(b"%PDF")
    assert "phone page 360px wide" in result.stdout, result.stdout
    for name in (
        "results-da.png",
        "results-search-da.png",
        "results-methods-da.png",
        "results-phone-en.png",
        "results-methods-phone-da.png",
    ):
        assert (SHOTS / name).stat().st_size > 10_000, name

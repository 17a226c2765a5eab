"""`survey-service demo`: its links follow where it listens, its SMS can be opened,
and a busy port stops it before any work."""

from __future__ import annotations

import datetime as dt
import io
import re
import socket
import time
from pathlib import Path

import httpx
import pytest

from survey_service.cli.server import demo_base_url
from survey_service.distribution.gateways import ConsoleGateway, OutgoingSms
from survey_service.distribution.phones import mask_phone
from survey_service.settings import Settings, load_settings

from ..servers import free_port, running_service
from .test_cli import run_cli


def _settings(**env: str) -> Settings:
    # A secret given, so loading settings writes no key file anywhere.
    return load_settings({"SECRET_KEY": "test", **env})


@pytest.fixture
def no_public_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)


def _demo_env(data: Path, **extra: str) -> dict[str, str]:
    return {
        "SURVEY_SERVICE_DATA_DIR": str(data),
        "DATABASE_URL": "",  # the demo's own SQLite file in the data directory
        "SMS_BACKEND": "console",
        "SMS_POLL_SECONDS": "0.2",
        **extra,
    }


def _wait_for(log: Path, pattern: str, timeout: float = 30) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text())
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} never appeared in {log}:\n{log.read_text()}")


def test_base_url_follows_host_and_port_unless_public_base_url_is_set():
    settings = _settings()
    assert demo_base_url(settings, "127.0.0.1", 9000) == "http://127.0.0.1:9000"
    assert demo_base_url(settings, "0.0.0.0", 9000) == "http://127.0.0.1:9000"
    assert demo_base_url(settings, "::1", 9000) == "http://[::1]:9000"
    explicit = _settings(PUBLIC_BASE_URL="https://survey.example.org/")
    assert demo_base_url(explicit, "0.0.0.0", 9000) == "https://survey.example.org"


@pytest.mark.anyio
async def test_console_shows_whole_links_only_when_asked():
    sms = OutgoingSms(
        message_id=3,
        to="+4520123456",
        kind="invitation",
        idempotency_key="k" * 32,
        body="Svar her: https://survey.test/s/AbCdEfGhIjKlMnOpQrSt",
    )
    shown, hidden = io.StringIO(), io.StringIO()
    await ConsoleGateway(shown, show_links=True).send(sms)
    await ConsoleGateway(hidden).send(sms)
    assert "https://survey.test/s/AbCdEfGhIjKlMnOpQrSt" in shown.getvalue()
    assert "/s/***" in hidden.getvalue() and "AbCdEf" not in hidden.getvalue()
    for text in (shown.getvalue(), hidden.getvalue()):
        assert mask_phone("+4520123456") in text and "20123456" not in text


def test_demo_on_another_port_links_and_texts_that_port(tmp_path: Path, no_public_base_url):
    data = tmp_path / "data"
    log = tmp_path / "demo.log"
    with running_service(["demo", "--links", "2"], _demo_env(data), log, cwd=tmp_path) as base:
        text = log.read_text()
        links = re.findall(rf"{re.escape(base)}/s/[A-Za-z0-9_-]{{20}}", text)
        assert len(links) == 2, text
        assert f"{base}/p/" in text  # the poster page printed is this demo's too
        assert base in httpx.get(base + "/").text  # and the front page's links
        # A visit reported now is texted from the demo process, whole link shown.
        visits = tmp_path / "visits.csv"
        visits.write_text(f"visit_date,phone\n{dt.date.today().isoformat()},20123456\n")
        imported = run_cli(
            "visits",
            "import",
            str(visits),
            "--practice",
            "L1001",
            env=_demo_env(data, SMS_DELAY_MINUTES="0", SMS_QUIET_HOURS=""),
        )
        assert imported.returncode == 0, imported.stderr
        sms = _wait_for(log, r"SMS invitation #\d+ to (.*?): .*").group(0)
        assert mask_phone("+4520123456") in sms and "20123456" not in sms
        link = re.search(rf"{re.escape(base)}/s/[A-Za-z0-9_-]{{20}}", sms)
        assert link, sms
        assert httpx.get(link.group(0)).status_code == 200


def test_demo_keeps_an_explicit_public_base_url(tmp_path: Path):
    log = tmp_path / "demo.log"
    env = _demo_env(tmp_path / "data", PUBLIC_BASE_URL="https://survey.example.org")
    with running_service(["demo", "--links", "2"], env, log, cwd=tmp_path) as base:
        text = log.read_text()
        assert len(re.findall(r"https://survey\.example\.org/s/[A-Za-z0-9_-]{20}", text)) == 2
        assert f"{base}/s/" not in text
        assert "https://survey.example.org/p/" in text


def test_a_busy_port_fails_before_migrating(tmp_path: Path, no_public_base_url):
    data = tmp_path / "data"
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        started = time.monotonic()
        result = run_cli("demo", "--port", str(port), env=_demo_env(data))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line == f"Error: port {port} on 127.0.0.1 is in use; stop what runs there or use --port"
    assert result.stdout == ""
    assert not (data / "survey.sqlite").exists()  # nothing migrated or seeded
    assert time.monotonic() - started < 20


def test_an_unknown_host_is_one_line(tmp_path: Path):
    result = run_cli("demo", "--host", "no-such-host.invalid", env=_demo_env(tmp_path / "d"))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: --host no-such-host.invalid")


def test_demo_sends_at_once_unless_told_otherwise():
    from survey_service.cli.server import _demo_settings

    plain = _demo_settings(_settings(), "http://127.0.0.1:9000")
    assert (plain.sms_delay_minutes, plain.sms_quiet_hours) == (0, None)
    told = _settings(SMS_DELAY_MINUTES="5", SMS_QUIET_HOURS="22-07")
    kept = _demo_settings(told, "http://127.0.0.1:9000")
    assert (kept.sms_delay_minutes, kept.sms_quiet_hours) == (5, "22-07")
    assert kept.public_base_url == "http://127.0.0.1:9000"

"""A body that never arrives gets 408 within REQUEST_BODY_TIMEOUT_SECONDS (real server)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

from ...servers import running_service

TIMEOUT = 1.5


def _raw_request(base: str, head: bytes, body: bytes) -> tuple[bytes, float]:
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as conn:
        started = time.monotonic()
        conn.sendall(head + body)
        # Blocks until the server answers (or the 20 s socket timeout fails the test).
        answer = conn.recv(4096)
        return answer, time.monotonic() - started


def test_a_body_announced_but_not_sent_is_408_in_time(tmp_path) -> None:
    env = {
        "SURVEY_SERVICE_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'slow.sqlite'}",
        "REQUEST_BODY_TIMEOUT_SECONDS": str(TIMEOUT),
    }
    migrated = subprocess.run(
        [sys.executable, "-m", "survey_service", "db", "migrate"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    with running_service(["serve"], env, tmp_path / "serve.log", ready_path="/ready") as base:
        host = urlsplit(base).netloc.encode()
        head = (
            b"POST /api/v1/responses HTTP/1.1\r\nHost: " + host + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        )
        answer, took = _raw_request(base, head, b'{"token": "abc')
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert TIMEOUT <= took < TIMEOUT + 5
        # A form post trickling in is cut off the same way, in the patient's words.
        head = (
            b"POST /s/sometoken HTTP/1.1\r\nHost: " + host + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n"
        )
        answer, took = _raw_request(base, head, b"a=1")
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        # An ordinary request on a fresh connection still works.
        import httpx

        assert httpx.get(base + "/ready", timeout=5).status_code == 200

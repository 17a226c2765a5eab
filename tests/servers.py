"""Starting the real `survey-service` in a subprocess for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_service(
    args: list[str],
    env: dict[str, str],
    log_path: Path,
    ready_path: str = "/",
    timeout: float = 90,
    cwd: Path | None = None,
) -> Iterator[str]:
    """Run ``survey-service ARGS --port P`` until the block ends; yield its base URL.

    Waits by polling ``ready_path`` until it answers 200 (a readiness check, not
    a sleep), failing with the server's log if the process dies or times out.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "survey_service", *args, "--port", str(port)],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if httpx.get(base + ready_path, timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, f"service did not start: {log_path}"
                time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                # Never leave a server behind; the caller still learns it hung.
                proc.kill()
                proc.wait(timeout=10)
                raise

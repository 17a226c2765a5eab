"""A stand-in for GatewayAPI's ``POST /rest/mtsms`` on 127.0.0.1, for tests and benchmarks.

It speaks the request and response shapes the real adapter uses, can be told
to fail, time out or answer from a script, and counts what it accepted per
``userref`` so duplicates and losses can be measured. Run on its own::

    python -m survey_service.distribution.standin --port 8025 --fail 0.2 --timeout 0.05

``GET /stats`` returns the counts as JSON. Never expose it beyond localhost.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Behaviour:
    """How the stand-in answers. Scripted answers come first, then random ones."""

    token: str = "test-token"
    fail_rate: float = 0.0
    timeout_rate: float = 0.0
    #: how long a "timing out" request is held before it is answered (too late)
    hold_seconds: float = 2.0
    #: share of timed-out requests that were nevertheless accepted (sent twice
    #: if retried): a timeout does not tell the client which happened
    accept_on_timeout: float = 0.5
    seed: int | None = None
    #: each entry: an HTTP status to answer, or "hold" (block until released)
    script: list[int | str] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 resets connections when a worker opens its
    # batch's connections at once; a real provider's front end does not.
    request_queue_size = 512
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (its timeout) closes the connection before the
        # held answer is written: expected here, not worth a traceback.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class StandinGateway:
    def __init__(
        self, behaviour: Behaviour | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.behaviour = behaviour or Behaviour()
        self._rng = random.Random(self.behaviour.seed)
        self._lock = threading.Lock()
        self.accepted: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []
        self.auth_headers: list[str] = []
        #: set to let "hold" requests finish (tests); hold_seconds caps the wait
        self.release = threading.Event()
        self._next_id = 1000
        #: requests being answered now (a held one counts until it is answered)
        self._busy = 0
        self._idle = threading.Condition(self._lock)
        self._server = _Server((host, port), self._handler_class())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    def start(self) -> StandinGateway:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._thread is not None:  # shutdown() waits for a loop that must be running
            self._server.shutdown()
        self._server.server_close()

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "requests": len(self.requests),
                "accepted": sum(self.accepted.values()),
                "unique": len(self.accepted),
                "duplicates": sum(n - 1 for n in self.accepted.values()),
            }

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is being answered (held ones included), so
        the counts are final; False if that took longer than ``timeout``."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def _decide(self) -> int | str:
        with self._lock:
            if self.behaviour.script:
                return self.behaviour.script.pop(0)
            roll = self._rng.random()
        if roll < self.behaviour.fail_rate:
            return 500
        if roll < self.behaviour.fail_rate + self.behaviour.timeout_rate:
            return "hold"
        return 200

    def _accept(self, payload: dict[str, Any]) -> int:
        with self._lock:
            self.accepted[str(payload.get("userref", ""))] += 1
            self._next_id += 1
            return self._next_id

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real service

            def log_message(self, format: str, *args: Any) -> None:
                return None  # quiet: requests carry phone numbers

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/stats":
                    self._reply(200, gateway.stats())
                else:
                    self._reply(404, {"message": "not found"})

            def do_POST(self) -> None:
                with gateway._idle:
                    gateway._busy += 1
                try:
                    self._post()
                finally:
                    with gateway._idle:
                        gateway._busy -= 1
                        gateway._idle.notify_all()

            def _post(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if self.path != "/rest/mtsms":
                    self._reply(404, {"message": "not found"})
                    return
                auth = self.headers.get("authorization", "")
                with gateway._lock:
                    gateway.auth_headers.append(auth)
                expected = (
                    "Basic " + base64.b64encode(f"{gateway.behaviour.token}:".encode()).decode()
                )
                if auth != expected:
                    self._reply(401, {"code": "0x0101", "message": "Unauthorized"})
                    return
                try:
                    payload = json.loads(raw)
                    recipients = payload["recipients"]
                    assert isinstance(payload["message"], str) and recipients
                    assert all(isinstance(r["msisdn"], int) for r in recipients)
                except (ValueError, KeyError, TypeError, AssertionError):
                    self._reply(422, {"code": "0x0200", "message": "Invalid json request body"})
                    return
                with gateway._lock:
                    gateway.requests.append(payload)
                decision = gateway._decide()
                if decision == "hold":
                    gateway.release.wait(gateway.behaviour.hold_seconds)
                    if gateway._rng.random() < gateway.behaviour.accept_on_timeout:
                        message_id = gateway._accept(payload)
                        self._reply(200, {"ids": [message_id]})
                    else:
                        self._reply(500, {"code": "0x0000", "message": "timeout"})
                    return
                if decision != 200:
                    self._reply(
                        int(decision),
                        {
                            "code": "0x0213" if decision == 403 else "0x0000",
                            "message": "Scripted failure for %1",
                            "variables": ["4512345678"],
                        },
                    )
                    return
                message_id = gateway._accept(payload)
                self._reply(200, {"ids": [message_id], "usage": {"currency": "DKK"}})

        return Handler


def main() -> None:  # pragma: no cover - used by the benchmarks as a subprocess
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--fail", type=float, default=0.0, help="share answered 500")
    parser.add_argument("--timeout", type=float, default=0.0, help="share held past the client")
    parser.add_argument("--hold", type=float, default=2.0, help="seconds a held request waits")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    server = StandinGateway(
        Behaviour(
            token=args.token,
            fail_rate=args.fail,
            timeout_rate=args.timeout,
            hold_seconds=args.hold,
            seed=args.seed,
        ),
        port=args.port,
    ).start()
    print(f"stand-in GatewayAPI on {server.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()

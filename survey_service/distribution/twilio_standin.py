"""A stand-in for Twilio's Messages API on 127.0.0.1, for tests and benchmarks.

It answers ``POST`` and ``GET /2010-04-01/Accounts/{sid}/Messages.json`` the
way the real adapter expects (HTTP Basic, form fields, 201 with a Message,
Twilio's JSON errors, the list filtered by ``To`` newest first), can be told
to fail, time out or answer from a script, and counts what it accepted per
body (each of our bodies carries its own link) so duplicates can be measured.

A "timing out" request is held past the client's timeout and then accepted
or not (``accept_on_timeout``); only once accepted does it show in the list,
as a message Twilio had not yet created could not. Never expose it beyond
localhost: it keeps numbers and links in memory.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from survey_service.distribution.standin import _Server

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token"

#: Twilio's error codes for the statuses a script can ask for
_CODES = {400: 21211, 401: 20003, 403: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


@dataclass
class TwilioBehaviour:
    """How the stand-in answers sends. Scripted answers come first, then random ones."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    fail_rate: float = 0.0
    timeout_rate: float = 0.0
    hold_seconds: float = 2.0
    accept_on_timeout: float = 0.5
    seed: int | None = None
    #: each entry: an HTTP status to answer, "hold" (held, then accepted),
    #: or "hold-drop" (held, then not accepted)
    script: list[int | str] = field(default_factory=list)
    #: statuses for the next list requests (then 200)
    lookup_script: list[int] = field(default_factory=list)


class TwilioStandin:
    def __init__(
        self, behaviour: TwilioBehaviour | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.behaviour = behaviour or TwilioBehaviour()
        self._rng = random.Random(self.behaviour.seed)
        self._lock = threading.Lock()
        #: accepted sends per body
        self.accepted: Counter[str] = Counter()
        #: every send request's form fields, accepted or not
        self.requests: list[dict[str, str]] = []
        #: every list request's query
        self.lookups: list[dict[str, str]] = []
        self.messages: list[dict[str, Any]] = []
        self.release = threading.Event()
        self._changed = threading.Condition(self._lock)
        self._next = 0
        self._server = _Server((host, port), self._handler_class())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    def start(self) -> TwilioStandin:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "requests": len(self.requests),
                "lookups": len(self.lookups),
                "accepted": sum(self.accepted.values()),
                "unique": len(self.accepted),
                "duplicates": sum(n - 1 for n in self.accepted.values()),
            }

    def _decide(self) -> int | str:
        with self._lock:
            if self.behaviour.script:
                return self.behaviour.script.pop(0)
            roll = self._rng.random()
            keep = self._rng.random() < self.behaviour.accept_on_timeout
        if roll < self.behaviour.fail_rate:
            return 500
        if roll < self.behaviour.fail_rate + self.behaviour.timeout_rate:
            return "hold" if keep else "hold-drop"
        return 201

    def _accept(self, form: dict[str, str]) -> dict[str, Any]:
        now = format_datetime(dt.datetime.now(dt.UTC), usegmt=True)
        with self._lock:
            self._next += 1
            message = {
                "sid": f"SM{self._next:032x}",
                "account_sid": self.behaviour.account_sid,
                "to": form["To"],
                "from": form.get("From") or "+4570000000",
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": form["Body"],
                "status": "queued",
                "direction": "outbound-api",
                "num_segments": "1",
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "error_code": None,
                "error_message": None,
            }
            self.messages.append(message)
            self.accepted[form["Body"]] += 1
            self._changed.notify_all()
            return message

    def wait_accepted(self, count: int, timeout: float = 5.0) -> bool:
        """Block until ``count`` sends were accepted in all (tests: a held one)."""
        with self._changed:
            return self._changed.wait_for(lambda: sum(self.accepted.values()) >= count, timeout)

    def _list(self, query: dict[str, str]) -> dict[str, Any]:
        size = min(max(int(query.get("PageSize") or 50), 1), 1000)
        with self._lock:
            found = [
                m for m in reversed(self.messages) if "To" not in query or m["to"] == query["To"]
            ]
        return {"messages": found[:size], "page": 0, "page_size": size, "next_page_uri": None}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None  # quiet: requests carry phone numbers

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, message: str) -> None:
                code = _CODES.get(status, 20001)
                self._reply(
                    status,
                    {
                        "code": code,
                        "message": message,
                        "more_info": f"https://www.twilio.com/docs/errors/{code}",
                        "status": status,
                    },
                )

            def _authorised(self) -> bool:
                b = standin.behaviour
                expected = (
                    "Basic " + base64.b64encode(f"{b.account_sid}:{b.auth_token}".encode()).decode()
                )
                if self.headers.get("authorization", "") == expected:
                    return True
                self._error(401, "Authenticate")
                return False

            def _path_ok(self, path: str) -> bool:
                expected = f"/2010-04-01/Accounts/{standin.behaviour.account_sid}/Messages.json"
                if path == expected:
                    return True
                self._error(404, f"The requested resource {path} was not found")
                return False

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/stats":
                    self._reply(200, standin.stats())
                    return
                if not (self._path_ok(parts.path) and self._authorised()):
                    return
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                with standin._lock:
                    standin.lookups.append(query)
                    status = (
                        standin.behaviour.lookup_script.pop(0)
                        if standin.behaviour.lookup_script
                        else 200
                    )
                if status != 200:
                    self._error(status, "Scripted failure")
                    return
                self._reply(200, standin._list(query))

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode()
                if not (self._path_ok(urlsplit(self.path).path) and self._authorised()):
                    return
                form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                with standin._lock:
                    standin.requests.append(form)
                to = form.get("To", "")
                if not (to.startswith("+") and to[1:].isdigit()):
                    # Like Twilio, the message quotes the number: the adapter must not.
                    self._error(400, f"The 'To' number {to} is not a valid phone number.")
                    return
                if not form.get("Body"):
                    self._reply(
                        400, {"code": 21602, "message": "Message body is required.", "status": 400}
                    )
                    return
                if not (form.get("From") or form.get("MessagingServiceSid")):
                    self._reply(
                        400,
                        {
                            "code": 21603,
                            "message": "A 'From' phone number is required.",
                            "status": 400,
                        },
                    )
                    return
                decision = standin._decide()
                if decision in ("hold", "hold-drop"):
                    standin.release.wait(standin.behaviour.hold_seconds)
                    if decision == "hold":
                        self._reply(201, standin._accept(form))
                    else:
                        self._error(500, "timeout")
                    return
                if decision != 201:
                    status = int(decision)
                    self._error(status, f"Scripted failure for {to}")
                    return
                self._reply(201, standin._accept(form))

        return Handler

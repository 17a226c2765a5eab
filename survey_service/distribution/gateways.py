"""SMS gateways behind one small interface, chosen by ``SMS_BACKEND``.

* ``console`` — prints each message with the number masked and the link's
  token hidden (for a first look; nothing usable reaches the terminal). In
  ``survey-service demo`` it prints the whole link, so the demo's SMS can be
  opened; the number stays masked.
* ``file:/ABS/PATH`` — appends one JSON object per message (``id``, ``to``,
  ``body``, ``idempotency_key``, ``kind``): for tests, demos and for handing
  messages to another system. The file holds real numbers and links; it is
  created with mode 600.
* ``gatewayapi`` — GatewayAPI's REST API (``POST /rest/mtsms``), the Danish
  provider many regions use. Assumptions are in docs/distribution.md.
* ``twilio`` — Twilio's Messages API (twilio.py), with a lookup that lets a
  timed-out send be settled without sending it twice.

A gateway raises :class:`TransientGatewayError` for failures worth retrying
(timeouts, 5xx, 429, refused credentials) and :class:`PermanentGatewayError`
when the provider refused the message itself (it would refuse it again).
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TextIO

import httpx

from survey_service.distribution.phones import mask_phone, msisdn
from survey_service.settings import Settings


@dataclass(frozen=True)
class OutgoingSms:
    message_id: int
    to: str
    body: str
    idempotency_key: str
    kind: str
    #: "gsm7" or "ucs2" (see messages.py)
    encoding: str = "gsm7"


class GatewayError(Exception):
    """Sending failed; the message is safe to show in logs (no number, no link)."""


class TransientGatewayError(GatewayError):
    """Try again later: the provider may accept the message then."""


class AmbiguousGatewayError(TransientGatewayError):
    """No answer in time: the provider may or may not have the message.

    Sending again at once risks a duplicate; the worker first gives the
    provider's delivery report a chance to settle it (see outbox.settle).
    """


class PermanentGatewayError(GatewayError):
    """The provider refused this message; sending it again would not help."""


class GatewayConfigError(ValueError):
    """SMS_BACKEND or the provider settings are unusable."""


class SmsGateway(Protocol):
    """What the worker needs of a provider.

    A gateway may also offer ``async def lookup(sms) -> str | None``: the
    provider's id if it already has ``sms`` (None if it does not; raises
    :class:`TransientGatewayError` if it cannot tell). The worker asks it
    before sending a message again, so a send whose answer was lost is not
    repeated; see :func:`lookup_of`. Gateways without one are retried blind.
    """

    name: str

    async def send(self, sms: OutgoingSms) -> str:
        """Hand ``sms`` to the provider; return the provider's message id."""
        ...

    async def aclose(self) -> None: ...


Lookup = Callable[[OutgoingSms], Awaitable[str | None]]


def lookup_of(gateway: SmsGateway) -> Lookup | None:
    """The gateway's optional ``lookup``, or None (kept out of the Protocol so
    gateways without one still satisfy it)."""
    lookup = getattr(gateway, "lookup", None)
    return lookup if callable(lookup) else None


_LINK_TOKEN = re.compile(r"(/s/)[A-Za-z0-9_-]{20}")


def hide_tokens(text: str) -> str:
    return _LINK_TOKEN.sub(r"\1***", text)


class ConsoleGateway:
    name = "console"

    def __init__(self, stream: TextIO | None = None, *, show_links: bool = False) -> None:
        """``show_links``: print links whole, for the demo, where whoever reads the
        terminal is the one trying the links; otherwise no usable link is printed."""
        self._stream = stream
        self.show_links = show_links

    async def send(self, sms: OutgoingSms) -> str:
        stream = self._stream or sys.stdout
        body = sms.body if self.show_links else hide_tokens(sms.body)
        body = body.replace("\n", " / ")
        print(f"SMS {sms.kind} #{sms.message_id} to {mask_phone(sms.to)}: {body}", file=stream)
        stream.flush()
        return f"console-{sms.message_id}"

    async def aclose(self) -> None:
        return None


class FileGateway:
    name = "file"

    def __init__(self, path: str) -> None:
        if not os.path.isabs(path):
            raise GatewayConfigError(f"SMS_BACKEND=file:{path}: give an absolute path")
        self.path = path

    async def send(self, sms: OutgoingSms) -> str:
        line = (
            json.dumps(
                {
                    "id": str(sms.message_id),
                    "to": sms.to,
                    "body": sms.body,
                    "idempotency_key": sms.idempotency_key,
                    "kind": sms.kind,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        await asyncio.to_thread(self._append, line.encode())
        return f"file-{sms.message_id}"

    def _append(self, data: bytes) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            # Several worker processes may append at once: one whole line each.
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    async def aclose(self) -> None:
        return None


class GatewayApiGateway:
    """GatewayAPI REST: ``POST {base}/rest/mtsms`` with the API token.

    The token goes as the HTTP Basic user name (GatewayAPI's documented token
    scheme). Our idempotency key travels as ``userref``, which GatewayAPI
    echoes in delivery reports; GatewayAPI documents no server-side
    de-duplication, so a retry after a *timeout* (the request may have
    arrived) can duplicate a message. We also send it as an
    ``Idempotency-Key`` header for providers or proxies that honour one.
    """

    name = "gatewayapi"

    def __init__(
        self,
        base_url: str,
        token: str,
        sender: str,
        timeout: float,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not token:
            raise GatewayConfigError("SMS_BACKEND=gatewayapi needs GATEWAYAPI_TOKEN")
        self._url = base_url.rstrip("/") + "/rest/mtsms"
        self._sender = sender
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            auth=(token, ""),
            limits=httpx.Limits(max_connections=40),  # GatewayAPI's per-IP connection limit
        )

    async def send(self, sms: OutgoingSms) -> str:
        payload: dict[str, object] = {
            "sender": self._sender,
            "message": sms.body,
            "recipients": [{"msisdn": msisdn(sms.to)}],
            "userref": sms.idempotency_key,
        }
        if sms.encoding == "ucs2":
            payload["encoding"] = "UCS2"
        try:
            response = await self._client.post(
                self._url,
                json=payload,
                headers={"Idempotency-Key": sms.idempotency_key},
            )
        except (httpx.ConnectTimeout, httpx.PoolTimeout):
            # The request never left: no doubt about the outcome.
            raise TransientGatewayError("gatewayapi: could not connect in time") from None
        except httpx.TimeoutException:
            raise AmbiguousGatewayError("gatewayapi: timeout (the message may have gone)") from None
        except httpx.HTTPError as exc:
            raise TransientGatewayError(f"gatewayapi: {type(exc).__name__}") from None
        status = response.status_code
        if status == 200:
            try:
                return str(response.json()["ids"][0])
            except (ValueError, KeyError, IndexError, TypeError):
                # Accepted, but the id is unreadable: count it as sent rather
                # than send the patient a second copy.
                return ""
        detail = f"gatewayapi: HTTP {status}{_error_code(response)}"
        if status in (400, 422):
            raise PermanentGatewayError(detail)
        raise TransientGatewayError(detail)

    async def aclose(self) -> None:
        await self._client.aclose()


def _error_code(response: httpx.Response) -> str:
    """GatewayAPI's error ``code`` (e.g. 0x0213), never its message: the
    message's ``variables`` can contain the recipient's number."""
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        return ""
    if isinstance(code, str) and re.fullmatch(r"0x[0-9A-Fa-f]{1,8}", code):
        return f" code {code}"
    return ""


def make_gateway(settings: Settings) -> SmsGateway:
    backend = settings.sms_backend
    if backend == "console":
        return ConsoleGateway()
    if backend.startswith("file:"):
        return FileGateway(backend.removeprefix("file:"))
    if backend == "gatewayapi":
        sender = settings.sms_sender
        if not (re.fullmatch(r"[A-Za-z0-9 ]{1,11}", sender) or re.fullmatch(r"\d{1,15}", sender)):
            raise GatewayConfigError(
                f"SMS_SENDER={sender!r}: up to 11 letters and digits, or up to 15 digits"
            )
        return GatewayApiGateway(
            settings.gatewayapi_url,
            settings.gatewayapi_token,
            settings.sms_sender,
            settings.sms_timeout_seconds,
        )
    if backend == "twilio":
        from survey_service.distribution.twilio import TwilioGateway

        return TwilioGateway(
            settings.twilio_url,
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_from,
            settings.sms_timeout_seconds,
        )
    raise GatewayConfigError(
        f"SMS_BACKEND={backend!r}: use console, file:/ABS/PATH, gatewayapi or twilio"
    )

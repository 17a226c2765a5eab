"""Twilio's Programmable Messaging REST API as an SMS gateway (``SMS_BACKEND=twilio``).

Send: ``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP
Basic (Account SID, Auth Token) and the form fields ``To``, ``From`` (or
``MessagingServiceSid`` when TWILIO_FROM starts with ``MG``) and ``Body``;
Twilio answers 201 with the Message resource, whose ``sid`` we keep.

Twilio documents no idempotency key for creating a message, so after a read
timeout (the request may have arrived) :meth:`TwilioGateway.lookup` asks
before the message is sent again: ``GET .../Messages.json?To=...&PageSize=50``
lists that number's messages, newest first, and one with our exact body is
ours (a body holds the patient's own link, so it is unique to the message).
What is documented and what is assumed is in docs/distribution.md.

Errors and logs name the HTTP status and Twilio's numeric ``code`` only,
never its ``message``: that text can quote the recipient's number.
"""

from __future__ import annotations

import re

import httpx

from survey_service.distribution.gateways import (
    AmbiguousGatewayError,
    GatewayConfigError,
    OutgoingSms,
    PermanentGatewayError,
    TransientGatewayError,
)

#: Twilio error codes that say the number itself cannot take this SMS; sending
#: again would be refused again. (21211 invalid 'To', 21612 unroutable,
#: 21614 not a mobile number, 21610 the recipient replied STOP to this sender,
#: 21408 no permission to send to that region.)
PERMANENT_CODES = frozenset({21211, 21408, 21610, 21612, 21614})

#: How many of the number's newest messages the lookup reads (one page).
LOOKUP_PAGE_SIZE = 50


class TwilioGateway:
    name = "twilio"

    def __init__(
        self,
        base_url: str,
        account_sid: str,
        auth_token: str,
        sender: str,
        timeout: float,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        missing = [
            env
            for env, value in [
                ("TWILIO_ACCOUNT_SID", account_sid),
                ("TWILIO_AUTH_TOKEN", auth_token),
                ("TWILIO_FROM", sender),
            ]
            if not value
        ]
        if missing:
            raise GatewayConfigError(f"SMS_BACKEND=twilio needs {', '.join(missing)}")
        if not re.fullmatch(r"AC[0-9A-Za-z]{32}", account_sid):
            raise GatewayConfigError("TWILIO_ACCOUNT_SID: AC followed by 32 letters and digits")
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        # "MG...": a Messaging Service picks the sending number; otherwise a
        # number (E.164) or an alphanumeric sender ID.
        self._sender_field = "MessagingServiceSid" if sender.startswith("MG") else "From"
        self._sender = sender
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), auth=(account_sid, auth_token)
        )

    async def send(self, sms: OutgoingSms) -> str:
        form = {"To": sms.to, self._sender_field: self._sender, "Body": sms.body}
        try:
            response = await self._client.post(self._url, data=form)
        except (httpx.ConnectTimeout, httpx.PoolTimeout):
            # The request never left: no doubt about the outcome.
            raise TransientGatewayError("twilio: could not connect in time") from None
        except httpx.TimeoutException:
            raise AmbiguousGatewayError("twilio: timeout (the message may have gone)") from None
        except httpx.HTTPError as exc:
            raise TransientGatewayError(f"twilio: {type(exc).__name__}") from None
        status = response.status_code
        if status in (200, 201):
            sid = _field(response, "sid")
            # Accepted with an unreadable sid still counts as sent: a second
            # copy to the patient is the worse mistake.
            return sid if isinstance(sid, str) else ""
        raise _classify(response, "send")

    async def lookup(self, sms: OutgoingSms) -> str | None:
        """The sid of a message Twilio already has for ``sms``, or None.

        Raises :class:`TransientGatewayError` when Twilio cannot be asked; the
        worker then waits rather than risk a second copy.
        """
        params = {"To": sms.to, "PageSize": str(LOOKUP_PAGE_SIZE)}
        try:
            response = await self._client.get(self._url, params=params)
        except httpx.HTTPError as exc:
            raise TransientGatewayError(f"twilio lookup: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise _classify(response, "lookup", permanent_ok=False)
        messages = _field(response, "messages")
        if not isinstance(messages, list):
            raise TransientGatewayError("twilio lookup: unreadable answer")
        for message in messages:
            if (
                isinstance(message, dict)
                and message.get("direction", "outbound-api").startswith("outbound")
                and message.get("body") == sms.body
                and message.get("status") not in ("failed", "canceled")
            ):
                sid = message.get("sid")
                return sid if isinstance(sid, str) and sid else ""
        return None

    async def aclose(self) -> None:
        await self._client.aclose()


def _field(response: httpx.Response, name: str) -> object:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get(name) if isinstance(body, dict) else None


def _classify(response: httpx.Response, what: str, permanent_ok: bool = True) -> Exception:
    status = response.status_code
    code = _field(response, "code")
    code_text = f" code {code}" if isinstance(code, int) and not isinstance(code, bool) else ""
    prefix = "twilio" if what == "send" else "twilio lookup"
    detail = f"{prefix}: HTTP {status}{code_text}"
    if status in (401, 403):
        # Refused credentials: retrying cannot fix them, but the messages are
        # fine; they go once the settings are corrected.
        return TransientGatewayError(f"{detail}; check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    if status == 404:
        return TransientGatewayError(f"{detail}; check TWILIO_ACCOUNT_SID and TWILIO_URL")
    if permanent_ok and 400 <= status < 500 and status != 429:
        # A 400 is this request's fault (a bad number, a refused body): the
        # same request would be refused again.
        if code in PERMANENT_CODES:
            detail += " (the number cannot take this SMS)"
        return PermanentGatewayError(detail)
    return TransientGatewayError(detail)

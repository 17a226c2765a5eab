"""Delivery reports from GatewayAPI: which sent messages reached a phone.

GatewayAPI calls a webhook with ``{"id", "msisdn", "time", "status",
"userref", ...}`` and signs it with a JWT (HS256, the webhook's shared
secret) in ``X-Gwapi-Signature``. We keep only "delivered" or "failed" on the
outbox row, found by ``userref`` (our idempotency key), and count it for the
response rates; the number in the report is never stored or logged. A report
for a message whose link was answered meanwhile finds nothing: the message
was deleted with the answer, and so is not counted as delivered.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

from survey_service.db import write_transaction
from survey_service.distribution.outbox import settle_as_sent
from survey_service.distribution.tables import INVITATION, SENT, OutboxMessage
from survey_service.distribution.timing import parse_quiet_hours
from survey_service.invitations.counters import bump_for_invitation
from survey_service.settings import Settings

#: GatewayAPI's final states; transient ones (BUFFERED, ENROUTE, ...) are ignored.
DELIVERED_STATES = frozenset({"DELIVERED"})
FAILED_STATES = frozenset({"UNDELIVERABLE", "EXPIRED", "REJECTED", "DELETED", "SKIPPED"})
#: every state GatewayAPI documents except UNKNOWN: the provider has the message
KNOWN_STATES = (
    DELIVERED_STATES | FAILED_STATES | frozenset({"SCHEDULED", "BUFFERED", "ENROUTE", "ACCEPTED"})
)


class SignatureError(ValueError):
    """The report is not signed with our webhook secret."""


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_jwt(token: str, secret: str) -> dict:
    """The claims of an HS256 JWT signed with ``secret``; raises :class:`SignatureError`.

    Hand-written because HS256 verification is a dozen lines and the only JWT
    use in the service; ``alg`` is pinned, so "none" or RS/HS confusion cannot
    slip through.
    """
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_b64(header_b64))
        signature = _b64(signature_b64)
        claims = json.loads(_b64(payload_b64))
    except (ValueError, TypeError) as exc:
        raise SignatureError("malformed token") from exc
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise SignatureError("unexpected algorithm")
    expected = hmac.new(
        secret.encode(), f"{header_b64}.{payload_b64}".encode(), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(expected, signature):
        raise SignatureError("bad signature")
    if not isinstance(claims, dict):
        raise SignatureError("claims are not an object")
    return claims


def sign_jwt(claims: dict, secret: str) -> str:
    """HS256 JWT (used by the tests and benchmarks' stand-in gateway)."""

    def enc(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = enc(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
    body = enc(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{enc(mac)}"


async def record_delivery(report: dict, settings: Settings, now: dt.datetime) -> bool:
    """Apply one delivery report; False if it names no message of ours.

    Any state at all (even BUFFERED) proves the provider has the message: one
    the worker still holds as unsent (its send timed out) is settled as sent,
    so it is not sent a second time.
    """
    status = str(report.get("status", "")).upper()
    userref = report.get("userref")
    if not isinstance(userref, str) or not userref:
        return False
    if status in KNOWN_STATES:
        quiet = parse_quiet_hours(settings.sms_quiet_hours)
        await settle_as_sent(userref, str(report.get("id", "")), now, settings, quiet)
    if status in DELIVERED_STATES:
        outcome = "delivered"
    elif status in FAILED_STATES:
        outcome = "failed"
    else:
        return await OutboxMessage.exists().where(OutboxMessage.idempotency_key == userref)
    # Compare-and-set per earlier outcome, so two reports of one message at
    # once count it once, and a late transient-then-final reordering never
    # undoes "delivered".
    before = ("", "failed") if outcome == "delivered" else ("",)
    async with write_transaction():
        for earlier in before:
            updated = await (
                OutboxMessage.update({OutboxMessage.delivery: outcome})
                .where(
                    (OutboxMessage.idempotency_key == userref)
                    & (OutboxMessage.status == SENT)
                    & (OutboxMessage.delivery == earlier)
                )
                .returning(OutboxMessage.invitation, OutboxMessage.kind)
            )
            for row in updated:
                if row["kind"] == INVITATION:
                    changes = {outcome: 1} | ({"failed": -1} if earlier == "failed" else {})
                    await bump_for_invitation(row["invitation"], **changes)
            if updated:
                return True
    # Gone (answered or expired since) or unknown: nothing to record.
    return await OutboxMessage.exists().where(OutboxMessage.idempotency_key == userref)

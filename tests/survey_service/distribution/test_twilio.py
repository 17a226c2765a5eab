"""Twilio adapter against a stand-in on 127.0.0.1, and the worker's lookup before a retry."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from survey_service.distribution.gateways import (
    AmbiguousGatewayError,
    GatewayConfigError,
    OutgoingSms,
    PermanentGatewayError,
    TransientGatewayError,
    lookup_of,
    make_gateway,
)
from survey_service.distribution.tables import OutboxMessage
from survey_service.distribution.twilio import TwilioGateway
from survey_service.distribution.twilio_standin import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TwilioBehaviour,
    TwilioStandin,
)
from survey_service.settings import load_settings

from .fakes import ScriptedGateway

pytestmark = pytest.mark.anyio

NUMBER = "+4520123456"
SMS = OutgoingSms(
    message_id=7,
    to=NUMBER,
    kind="invitation",
    idempotency_key="k" * 32,
    body="Hvordan var dit besøg? https://survey.test/s/AbCdEfGhIjKlMnOpQrSt",
)


@pytest.fixture
def standin():
    server = TwilioStandin(TwilioBehaviour()).start()
    yield server
    server.stop()


def gateway_for(server: TwilioStandin, timeout: float = 2.0, **changes: str) -> TwilioGateway:
    fields = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "sender": "Region"} | changes
    return TwilioGateway(server.url, timeout=timeout, **fields)


async def test_sends_the_documented_request_and_returns_the_sid(standin):
    gateway = gateway_for(standin)
    sid = await gateway.send(SMS)
    await gateway.aclose()
    assert sid.startswith("SM") and len(sid) == 34
    assert standin.requests == [{"To": NUMBER, "From": "Region", "Body": SMS.body}]
    assert standin.accepted[SMS.body] == 1


async def test_a_messaging_service_sid_goes_as_messaging_service_sid(standin):
    gateway = gateway_for(standin, sender="MG" + "a" * 32)
    await gateway.send(SMS)
    await gateway.aclose()
    assert standin.requests[0]["MessagingServiceSid"] == "MG" + "a" * 32
    assert "From" not in standin.requests[0]


@pytest.mark.parametrize(
    ("status", "expected", "error"),
    [
        (429, TransientGatewayError, "twilio: HTTP 429 code 20429"),
        (500, TransientGatewayError, "twilio: HTTP 500 code 20500"),
        (503, TransientGatewayError, "twilio: HTTP 503 code 20503"),
        (
            400,
            PermanentGatewayError,
            "twilio: HTTP 400 code 21211 (the number cannot take this SMS)",
        ),
        (
            401,
            TransientGatewayError,
            "twilio: HTTP 401 code 20003; check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
        ),
    ],
)
async def test_errors_are_classified_without_the_number(standin, status, expected, error):
    standin.behaviour.script = [status]
    gateway = gateway_for(standin)
    with pytest.raises(expected) as caught:
        await gateway.send(SMS)
    await gateway.aclose()
    assert type(caught.value) is expected and str(caught.value) == error
    assert "20123456" not in str(caught.value)  # Twilio's message quotes the number


async def test_a_number_twilio_refuses_is_permanent(standin):
    gateway = gateway_for(standin)
    with pytest.raises(PermanentGatewayError, match="code 21211"):
        await gateway.send(dataclasses.replace(SMS, to="20123456"))
    await gateway.aclose()


async def test_refused_credentials_are_transient_and_say_which_setting(standin):
    gateway = gateway_for(standin, auth_token="wrong")
    with pytest.raises(TransientGatewayError, match="check TWILIO_ACCOUNT_SID and TWILIO_AUTH"):
        await gateway.send(SMS)
    await gateway.aclose()
    assert standin.accepted == {}


async def test_a_read_timeout_is_ambiguous(standin):
    standin.behaviour.script = ["hold"]
    gateway = gateway_for(standin, timeout=0.2)
    try:
        with pytest.raises(AmbiguousGatewayError, match="may have gone"):
            await gateway.send(SMS)
    finally:
        standin.release.set()
        await gateway.aclose()


async def test_a_connect_timeout_is_transient_not_ambiguous():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("no connection", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    gateway = TwilioGateway("http://x", ACCOUNT_SID, "t", "Region", 1.0, client=client)
    with pytest.raises(TransientGatewayError) as caught:
        await gateway.send(SMS)
    await gateway.aclose()
    assert type(caught.value) is TransientGatewayError
    assert "could not connect" in str(caught.value)


async def test_lookup_finds_our_message_by_number_and_body(standin):
    gateway = gateway_for(standin)
    assert await gateway.lookup(SMS) is None
    sid = await gateway.send(SMS)
    await gateway.send(dataclasses.replace(SMS, to="+4520999999"))
    assert await gateway.lookup(SMS) == sid
    other_text = dataclasses.replace(SMS, body="Husk at svare: https://survey.test/s/x")
    assert await gateway.lookup(other_text) is None
    await gateway.aclose()
    assert standin.lookups[0] == {"To": NUMBER, "PageSize": "50"}


async def test_a_lookup_twilio_cannot_answer_is_transient(standin):
    standin.behaviour.lookup_script = [503]
    gateway = gateway_for(standin)
    with pytest.raises(TransientGatewayError, match="twilio lookup: HTTP 503"):
        await gateway.lookup(SMS)
    await gateway.aclose()


def test_backend_twilio_needs_its_settings():
    settings = dataclasses.replace(load_settings(), sms_backend="twilio")
    with pytest.raises(GatewayConfigError, match="needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN"):
        make_gateway(settings)
    bad_sid = dataclasses.replace(
        settings, twilio_account_sid="AC123", twilio_auth_token="t", twilio_from="Region"
    )
    with pytest.raises(GatewayConfigError, match="TWILIO_ACCOUNT_SID: AC followed by"):
        make_gateway(bad_sid)
    good = dataclasses.replace(bad_sid, twilio_account_sid=ACCOUNT_SID)
    gateway = make_gateway(good)
    assert gateway.name == "twilio" and lookup_of(gateway) is not None
    assert lookup_of(make_gateway(dataclasses.replace(settings, sms_backend="console"))) is None


# --- the worker: a timed-out send is looked up before it is sent again ---


async def _timed_out_once(clinic, standin: TwilioStandin, first: str) -> TwilioGateway:
    """One visit; its first send is held past the client's timeout (``first``:
    "hold" accepts it afterwards, "hold-drop" does not)."""
    clinic.settings_with(sms_unknown_outcome_wait_seconds=600)
    await clinic.visit(phone=NUMBER)
    standin.behaviour.script = [first]
    gateway = gateway_for(standin, timeout=0.3)
    report = await clinic.worker(gateway).run_once()
    assert (report.retried, report.sent) == (1, 0)
    [row] = await OutboxMessage.objects()
    # It waits before asking, so a send still in flight has landed by then.
    assert (row.due_at - clinic.clock()).total_seconds() >= 600
    standin.release.set()
    clinic.clock.advance(seconds=601)
    return gateway


async def test_after_a_timeout_the_lookup_finds_it_and_it_is_not_sent_again(clinic, standin):
    gateway = await _timed_out_once(clinic, standin, "hold")
    assert standin.wait_accepted(1)  # Twilio did take it, though the answer was lost
    report = await clinic.worker(gateway).run_once()
    await gateway.aclose()
    assert (report.sent, report.found) == (1, 1)
    assert len(standin.requests) == 1 and standin.accepted[next(iter(standin.accepted))] == 1
    [row] = await OutboxMessage.objects()
    assert row.status == "sent" and row.provider_id == standin.messages[0]["sid"]


async def test_after_a_timeout_the_lookup_misses_and_it_is_sent_once_more(clinic, standin):
    gateway = await _timed_out_once(clinic, standin, "hold-drop")
    report = await clinic.worker(gateway).run_once()
    await gateway.aclose()
    assert (report.sent, report.found) == (1, 0)
    assert len(standin.lookups) == 1 and len(standin.requests) == 2
    assert list(standin.accepted.values()) == [1]
    [row] = await OutboxMessage.objects()
    assert row.status == "sent"


class _LookupFails(ScriptedGateway):
    async def lookup(self, sms: OutgoingSms) -> str | None:
        raise TransientGatewayError("twilio lookup: HTTP 503")


async def test_when_the_provider_cannot_be_asked_the_retry_waits_instead_of_sending(clinic):
    await clinic.visit(phone=NUMBER)
    gateway = _LookupFails(TransientGatewayError("twilio: HTTP 500"))
    await clinic.worker(gateway).run_once()
    clinic.clock.advance(seconds=3600)
    report = await clinic.worker(gateway).run_once()
    assert len(gateway.calls) == 1  # the first send only: no blind second one
    assert report.retried == 1
    [row] = await OutboxMessage.objects()
    assert (row.status, row.last_error) == ("pending", "twilio lookup: HTTP 503")


async def test_the_first_attempt_is_not_looked_up(clinic, standin):
    await clinic.visit(phone=NUMBER)
    gateway = gateway_for(standin)
    assert (await clinic.worker(gateway).run_once()).sent == 1
    await gateway.aclose()
    assert standin.lookups == []

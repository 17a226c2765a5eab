"""Gateways: console (masked), file (JSON lines), and GatewayAPI against a stand-in on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import io
import json

import httpx
import pytest

from survey_service.distribution.gateways import (
    AmbiguousGatewayError,
    ConsoleGateway,
    FileGateway,
    GatewayApiGateway,
    GatewayConfigError,
    OutgoingSms,
    PermanentGatewayError,
    TransientGatewayError,
    make_gateway,
)
from survey_service.distribution.standin import Behaviour, StandinGateway
from survey_service.settings import load_settings

pytestmark = pytest.mark.anyio

TOKEN = "AbCdEfGhIjKlMnOpQrSt"
SMS = OutgoingSms(
    message_id=7,
    to="+4520123456",
    kind="invitation",
    idempotency_key="k" * 32,
    body=f"Hvordan var dit besøg? https://survey.test/s/{TOKEN}",
)


@pytest.fixture
def standin():
    server = StandinGateway(Behaviour(token="t0ken")).start()
    yield server
    server.stop()


def gateway_for(server: StandinGateway, timeout: float = 2.0) -> GatewayApiGateway:
    return GatewayApiGateway(server.url, "t0ken", "Region", timeout)


async def test_console_prints_no_digit_of_the_number_and_no_token():
    out = io.StringIO()
    provider_id = await ConsoleGateway(out).send(SMS)
    text = out.getvalue()
    assert "to ********" in text and "/s/***" in text
    assert "3456" not in text and TOKEN not in text
    assert provider_id == "console-7"


async def test_file_backend_appends_one_json_object_per_message(tmp_path):
    path = tmp_path / "sms.jsonl"
    gateway = FileGateway(str(path))
    await gateway.send(SMS)
    await gateway.send(dataclasses.replace(SMS, message_id=8))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["7", "8"]
    assert lines[0]["to"] == "+4520123456" and lines[0]["body"] == SMS.body
    assert path.stat().st_mode & 0o777 == 0o600  # it holds numbers and live links


async def test_gatewayapi_sends_the_documented_request(standin):
    gateway = gateway_for(standin)
    provider_id = await gateway.send(SMS)
    await gateway.aclose()
    assert provider_id == "1001"
    [payload] = standin.requests
    assert payload == {
        "sender": "Region",
        "message": SMS.body,
        "recipients": [{"msisdn": 4520123456}],
        "userref": "k" * 32,
    }
    assert standin.auth_headers == ["Basic dDBrZW46"]  # the token as Basic user name


async def test_ucs2_texts_say_so(standin):
    gateway = gateway_for(standin)
    await gateway.send(dataclasses.replace(SMS, body="مرحبا", encoding="ucs2"))
    await gateway.aclose()
    assert standin.requests[0]["encoding"] == "UCS2"


@pytest.mark.parametrize(
    ("status", "error", "retry"),
    [
        (400, "gatewayapi: HTTP 400 code 0x0000", False),
        (422, "gatewayapi: HTTP 422 code 0x0000", False),
        (401, "gatewayapi: HTTP 401 code 0x0000", True),
        (403, "gatewayapi: HTTP 403 code 0x0213", True),
        (429, "gatewayapi: HTTP 429 code 0x0000", True),
        (500, "gatewayapi: HTTP 500 code 0x0000", True),
        (503, "gatewayapi: HTTP 503 code 0x0000", True),
    ],
)
async def test_gatewayapi_errors_are_classified(standin, status, error, retry):
    standin.behaviour.script = [status]
    gateway = gateway_for(standin)
    expected = TransientGatewayError if retry else PermanentGatewayError
    with pytest.raises(expected) as caught:
        await gateway.send(SMS)
    await gateway.aclose()
    assert str(caught.value) == error
    assert "4512345678" not in str(caught.value)  # the provider's variables are not echoed


async def test_gatewayapi_timeout_is_transient_and_says_it_may_have_gone(standin):
    standin.behaviour.script = ["hold"]
    gateway = gateway_for(standin, timeout=0.2)
    try:
        with pytest.raises(AmbiguousGatewayError, match="may have gone"):
            await gateway.send(SMS)
    finally:
        standin.release.set()  # let the held request finish
        await gateway.aclose()


async def test_gatewayapi_unreachable_is_transient():
    server = StandinGateway()
    url = server.url
    server.stop()  # nothing listens there any more
    gateway = GatewayApiGateway(url, "t0ken", "Region", 1.0)
    with pytest.raises(TransientGatewayError, match="ConnectError"):
        await gateway.send(SMS)
    await gateway.aclose()


async def test_gatewayapi_accepted_without_readable_id_counts_as_sent():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="OK")

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    gateway = GatewayApiGateway("http://x", "t", "Region", 1.0, client=client)
    assert await gateway.send(SMS) == ""
    await gateway.aclose()


def test_backend_is_chosen_by_setting(tmp_path):
    settings = load_settings()
    assert make_gateway(dataclasses.replace(settings, sms_backend="console")).name == "console"
    file_backend = dataclasses.replace(settings, sms_backend=f"file:{tmp_path}/x.jsonl")
    assert make_gateway(file_backend).name == "file"
    real = dataclasses.replace(settings, sms_backend="gatewayapi", gatewayapi_token="t")
    assert make_gateway(real).name == "gatewayapi"
    for bad, message in [
        (dataclasses.replace(settings, sms_backend="carrier-pigeon"), "use console, file:"),
        (dataclasses.replace(settings, sms_backend="file:relative.jsonl"), "absolute path"),
        (dataclasses.replace(settings, sms_backend="gatewayapi"), "needs GATEWAYAPI_TOKEN"),
        (
            dataclasses.replace(
                settings,
                sms_backend="gatewayapi",
                gatewayapi_token="t",
                sms_sender="Region Midtjylland",
            ),
            "SMS_SENDER",
        ),
    ]:
        with pytest.raises(GatewayConfigError, match=message):
            make_gateway(bad)

"""The visits API for practice systems: keys, own practice only, 422 naming the field."""

from __future__ import annotations

import pytest

from survey_service.distribution.delivery import sign_jwt
from survey_service.distribution.tables import OutboxMessage, SmsContact
from survey_service.invitations.tables import Invitation

pytestmark = pytest.mark.anyio


def auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def visit(clinic, **fields) -> dict:
    return {
        "practice": "P0001",
        "visit_date": clinic.today().isoformat(),
        "phone": "+45 20 12 34 56",
        **fields,
    }


async def test_a_visit_is_accepted_without_any_identifier(clinic, app_client):
    async with app_client(clinic.settings) as client:
        response = await client.post("/api/v1/visits", json=visit(clinic), headers=auth(clinic.key))
        again = await client.post("/api/v1/visits", json=visit(clinic), headers=auth(clinic.key))
    assert response.status_code == 202, response.text
    # The status and nothing else: the practice system knows whose visit it
    # was, so any key the database keeps would let it find the patient's rows.
    assert response.json() == {"status": "invited"}
    assert again.json() == {"status": "duplicate"}
    assert await OutboxMessage.count() == 1


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer sk_wrong", "Basic abc", "sk_x"])
async def test_without_a_valid_key_401(clinic, app_client, header):
    headers = {"authorization": header} if header else {}
    async with app_client(clinic.settings) as client:
        response = await client.post("/api/v1/visits", json=visit(clinic), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert await Invitation.count() == 0


async def test_another_practices_code_403_even_if_unknown(clinic, app_client):
    async with app_client(clinic.settings) as client:
        for code in ("P0002", "NOPE"):
            response = await client.post(
                "/api/v1/visits", json=visit(clinic, practice=code), headers=auth(clinic.key)
            )
            assert response.status_code == 403, code
            assert response.json()["detail"].startswith("practice:")
        # One foreign row refuses the whole batch.
        response = await client.post(
            "/api/v1/visits",
            json=[visit(clinic), visit(clinic, practice="P0002")],
            headers=auth(clinic.key),
        )
        assert response.status_code == 403
    assert await Invitation.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b"[]", "body"),
        (b'{"practice": "P0001", "visit_date": "24/11/2026", "phone": "20123456"}', "visit_date"),
        (b'{"practice": "P0001", "visit_date": "2026-02-30", "phone": "20123456"}', "visit_date"),
        (b'{"practice": "P0001", "visit_date": "2099-01-01", "phone": "20123456"}', "visit_date"),
        (b'{"practice": "P0001", "phone": "20123456"}', "visit_date"),
        (b'{"practice": "P0001", "visit_date": "TODAY", "phone": "123"}', "phone"),
        (b'{"visit_date": "TODAY", "phone": "20123456"}', "practice"),
        (
            b'{"practice": "P0001", "visit_date": "TODAY", "phone": "20123456", "language": "fr"}',
            "language",
        ),
        (b'{"practice": "P0001", "visit_date": "TODAY", "phone": "20123456", "x": 1}', "x"),
        (b'"a string"', "visit"),
    ],
)
async def test_bad_input_422_names_the_field(clinic, app_client, body, field):
    body = body.replace(b"TODAY", clinic.today().isoformat().encode())
    async with app_client(clinic.settings) as client:
        response = await client.post(
            "/api/v1/visits",
            content=body,
            headers={**auth(clinic.key), "content-type": "application/json"},
        )
    assert response.status_code == 422, response.text
    payload = response.json()
    assert field in payload["errors"]
    assert payload["detail"].startswith(f"{field}:") or f"{field}:" in payload["detail"]
    assert await Invitation.count() == 0


async def test_a_batch_keeps_valid_rows(clinic, app_client):
    rows = [
        visit(clinic),
        visit(clinic, phone="nope"),
        visit(clinic, phone="20123457"),
        visit(clinic),
    ]
    async with app_client(clinic.settings) as client:
        response = await client.post("/api/v1/visits", json=rows, headers=auth(clinic.key))
        assert response.status_code == 202
        body = response.json()
        assert (body["accepted"], body["invited"], body["rejected"]) == (3, 2, 1)
        assert [r["status"] for r in body["results"]] == [
            "invited",
            "rejected",
            "invited",
            "duplicate",
        ]
        assert body["results"][1] == {
            "row": 1,
            "status": "rejected",
            "errors": {"phone": "not a valid phone number"},
        }
        assert body["results"][0] == {"row": 0, "status": "invited"}
        # All rows bad: 422 with the same per-row detail.
        response = await client.post(
            "/api/v1/visits", json=[visit(clinic, phone="x")], headers=auth(clinic.key)
        )
        assert response.status_code == 422
        assert response.json()["errors"] == {"0.phone": "not a valid phone number"}
        assert response.json()["results"][0]["status"] == "rejected"
    assert await SmsContact.count() == 2


async def test_poster_and_slip_need_the_practices_own_key(clinic, app_client):
    async with app_client(clinic.settings) as client:
        response = await client.get("/api/v1/practices/P0001/poster")
        assert response.status_code == 401
        response = await client.get("/api/v1/practices/P0002/poster", headers=auth(clinic.key))
        assert response.status_code == 403
        response = await client.get(
            "/api/v1/practices/P0001/poster?size=A3&format=gif", headers=auth(clinic.key)
        )
        assert response.status_code == 422
        assert set(response.json()["errors"]) == {"size", "format"}
        response = await client.get("/api/v1/practices/P0001/poster", headers=auth(clinic.key))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert "http://survey.test/p/P0001" in response.text
        assert "Lægehuset Test" in response.text
        response = await client.post(
            "/api/v1/slips",
            json={"practice": "P0002", "visit_date": clinic.today().isoformat()},
            headers=auth(clinic.key),
        )
        assert response.status_code == 403
        response = await client.post(
            "/api/v1/slips",
            json={"practice": "P0001", "visit_date": "yesterday"},
            headers=auth(clinic.key),
        )
        assert response.status_code == 422 and "visit_date" in response.json()["errors"]
        slip = await client.post(
            "/api/v1/slips",
            json={"practice": "P0001", "visit_date": clinic.today().isoformat()},
            headers=auth(clinic.key),
        )
        assert slip.status_code == 200
        # The image carries the link (it must), and nothing else of the invitation.
        [invitation] = await Invitation.objects()
        assert invitation.token_hash not in slip.text
        assert set(slip.headers) <= {"content-type", "content-length", "cache-control"} | {
            h for h in slip.headers if h.startswith(("x-", "content-security", "referrer"))
        } | {"permissions-policy", "cross-origin-opener-policy", "strict-transport-security"} | {
            # gzip of the image (web/compression.py): encoding headers only
            "content-encoding",
            "vary",
        }


async def test_response_rates_come_from_the_counters(clinic, app_client):
    async with app_client(clinic.settings) as client:
        await client.post(
            "/api/v1/visits",
            json=[visit(clinic), visit(clinic, phone="20123457")],
            headers=auth(clinic.key),
        )
        clinic.clock.advance(minutes=1)  # the API queued them at the real "now"
        await clinic.worker().run_once()
        response = await client.get(
            "/api/v1/practices/P0001/response-rates", headers=auth(clinic.key)
        )
        assert response.status_code == 200
        [row] = response.json()["rows"]
        assert row == {
            "month": clinic.today().isoformat()[:7],
            "channel": "sms",
            "invitations": 2,
            "sent": 2,
            "delivered": 0,
            "failed": 0,
            "unconfirmed": 0,
            "answered": 0,
            "response_rate": 0.0,
        }
        response = await client.get(
            "/api/v1/practices/P0002/response-rates", headers=auth(clinic.key)
        )
        assert response.status_code == 403
        response = await client.get(
            "/api/v1/practices/P0001/response-rates?from=2026-13", headers=auth(clinic.key)
        )
        assert response.status_code == 422 and "from" in response.json()["errors"]


async def test_delivery_reports_are_signed_and_recorded(clinic, app_client):
    await clinic.visit()
    await clinic.worker().run_once()
    [message] = await OutboxMessage.objects()
    report = {
        "id": 1001,
        "msisdn": 4520123456,
        "time": 1,
        "status": "DELIVERED",
        "userref": message.idempotency_key,
    }
    async with app_client(clinic.settings) as client:
        bad = await client.post(
            "/api/v1/sms/status",
            json=report,
            headers={"x-gwapi-signature": sign_jwt(report, "wrong")},
        )
        assert bad.status_code == 401
        good = await client.post(
            "/api/v1/sms/status",
            json=report,
            headers={"x-gwapi-signature": sign_jwt(report, "webhook-secret")},
        )
        assert good.status_code == 200
    assert (await OutboxMessage.objects().first()).delivery == "delivered"
    clinic.settings_with(gatewayapi_webhook_secret="")
    async with app_client(clinic.settings) as client:
        off = await client.post("/api/v1/sms/status", json=report)
        assert off.status_code == 404  # not configured: not there

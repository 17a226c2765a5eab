"""The JSON API: bad input gets a 4xx naming the field; nothing half-stored."""

from __future__ import annotations

import pytest

from survey_service.invitations.tables import Invitation
from survey_service.responses.tables import Answer, Response

pytestmark = pytest.mark.anyio


async def post(client, body):
    return await client.post("/api/v1/responses", json=body)


async def test_valid_response_is_stored(client, survey):
    token = await survey.token()
    result = await post(
        client,
        {"token": token, "language": "en", "answers": {"mini.listened": "5", "mini.visits": 3}},
    )
    assert result.status_code == 201, result.text
    assert result.json() == {"status": "stored"}
    assert {a["item_id"]: a["value"] for a in await Answer.select()} == {
        "mini.listened": "5",
        "mini.visits": "3",
    }
    assert (await Response.select(Response.language).first())["language"] == "en"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"token": 12, "answers": {}}, "token"),
        ({"answers": {}}, "token"),
        ({"token": "x", "answers": ["mini.listened"]}, "answers"),
        ({"token": "x", "answers": {"mini.listened": 5.5}}, "answers"),
        ({"token": "x", "answers": {}, "extra": 1}, "extra"),
    ],
)
async def test_wrong_types_name_the_field(client, survey, body, field):
    result = await post(client, body)
    assert result.status_code == 400
    assert field in result.text


async def test_malformed_json(client, survey):
    result = await client.post(
        "/api/v1/responses", content=b'{"token": ', headers={"content-type": "application/json"}
    )
    assert result.status_code == 400
    assert result.json()["detail"]


@pytest.mark.parametrize(
    ("answers", "problems"),
    [
        ({"mini.nonexistent": "1", "mini.listened": "5"}, {"mini.nonexistent": "unknown_item"}),
        ({}, {"mini.listened": "required"}),
        ({"mini.listened": "6"}, {"mini.listened": "not_an_option"}),
        ({"mini.listened": "5", "mini.comment": "z" * 2001}, {"mini.comment": "too_long"}),
        ({"mini.listened": "5", "mini.visits": 51}, {"mini.visits": "out_of_range"}),
        ({"mini.listened": "5", "mini.visits": "lots"}, {"mini.visits": "not_a_number"}),
        ({"mini.listened": "5", "mini.written": "yes"}, {"mini.written_clear": "required"}),
    ],
)
async def test_invalid_answers_are_422_with_item_ids(client, survey, answers, problems):
    token = await survey.token()
    result = await post(client, {"token": token, "answers": answers})
    assert result.status_code == 422, result.text
    assert result.json()["errors"] == problems
    for item_id in problems:
        assert item_id in result.json()["detail"]
    assert await Response.count() == 0 and await Answer.count() == 0
    assert (await Invitation.select(Invitation.used).first())["used"] is False


async def test_unknown_language_is_422(client, survey):
    token = await survey.token()
    result = await post(client, {"token": token, "language": "xx", "answers": {}})
    assert result.status_code == 422
    assert "language" in result.json()["detail"]


@pytest.mark.parametrize(("token", "status"), [("B" * 20, 404), ("short", 404)])
async def test_unknown_token(client, survey, token, status):
    result = await post(client, {"token": token, "answers": {"mini.listened": "5"}})
    assert result.status_code == status
    assert result.json()["detail"].startswith("token:")


async def test_questionnaire_endpoints(client, survey):
    listing = await client.get("/api/v1/questionnaires")
    assert listing.status_code == 200
    assert [(q["slug"], q["version"]) for q in listing.json()] == [("mini", 1)]
    one = await client.get("/api/v1/questionnaires/mini/1")
    assert one.status_code == 200
    assert next(i["id"] for s in one.json()["sections"] for i in s["items"]) == "mini.listened"
    assert (await client.get("/api/v1/questionnaires/mini/2")).status_code == 404
    assert (await client.get("/api/v1/questionnaires/mini-module/1")).status_code == 404
    assert (await client.get("/api/v1/questionnaires/mini/0")).status_code == 400


async def test_openapi_documents_the_response_endpoint(client, survey):
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["openapi"].startswith("3.1")
    post_op = schema["paths"]["/api/v1/responses"]["post"]
    assert "201" in post_op["responses"]
    assert "/s/{token}" not in schema["paths"]  # patient pages are not an API

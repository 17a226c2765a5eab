"""Hostile input is refused with 4xx naming what was wrong, never a 500 (both databases)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from survey_service.responses.tables import Answer, Response

pytestmark = pytest.mark.anyio

ANSWERS = {"mini.listened": "4", "mini.written": "no", "mini.overall": "2"}


def auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


@pytest.fixture
async def api_key(survey) -> str:
    """A second practice's API key (the ``survey`` fixture keeps none for P0001)."""
    from survey_service.practices import add_practice

    _practice, key = await add_practice("P0009", "Klinik Nord", "gp", "Aalborg")
    return key


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("path", ["/api/v1/responses", "/api/v1/visits", "/api/v1/slips"])
@pytest.mark.parametrize("wrap", ["bare", "in_field"])
async def test_deeply_nested_json_is_400_naming_body(client, api_key, path, wrap):
    deep = nested(1000)
    body = deep if wrap == "bare" else b'{"token": "x", "answers": {"a": ' + deep + b"}}"
    response = await client.post(
        path, content=body, headers={**auth(api_key), "content-type": "application/json"}
    )
    assert response.status_code in (400, 422), response.text
    assert "body" in response.json()["detail"]


async def test_moderately_nested_json_is_still_read(client, api_key):
    # 10 levels: not hostile, so the endpoint's own validation answers.
    response = await client.post(
        "/api/v1/visits",
        content=nested(10),
        headers={**auth(api_key), "content-type": "application/json"},
    )
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/api/v1/responses", "/api/v1/visits", "/api/v1/slips"])
async def test_non_utf8_json_is_400(client, api_key, path):
    body = b'{"token": "\xff\xfe", "practice": "P0009\xe6"}'
    response = await client.post(
        path, content=body, headers={**auth(api_key), "content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert "body" in response.json()["detail"]


async def test_non_utf8_form_is_400_and_nothing_stored(client, survey):
    token = await survey.token()
    page = await client.get(f"/s/{token}")
    body = f"_csrf_token={csrf_of(page.text)}&mini.listened=4&mini.comment=Gr%F8d%E6".encode()
    response = await client.post(
        f"/s/{token}",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert await Response.count() == 0


@pytest.mark.parametrize("body", [{}, {"practice": []}])
@pytest.mark.parametrize("path", ["/api/v1/visits", "/api/v1/slips"])
async def test_empty_or_mistyped_visit_is_422(client, api_key, path, body):
    response = await client.post(path, json=body, headers=auth(api_key))
    assert response.status_code == 422, response.text
    assert "practice" in response.json()["errors"]


@pytest.mark.parametrize("bad", [[], {}, 7, True, None])
@pytest.mark.parametrize("field", ["practice", "visit_date", "phone", "language", "questionnaire"])
async def test_every_visit_field_is_type_checked(client, api_key, field, bad):
    visit = {
        "practice": "P0009",
        "visit_date": dt.date.today().isoformat(),
        "phone": "+4520123456",
        field: bad,
    }
    if bad is None and field in ("language", "questionnaire"):
        return  # null means "not given" for the optional fields
    response = await client.post("/api/v1/visits", json=visit, headers=auth(api_key))
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]


@pytest.mark.parametrize("bad", [[], {}, 7])
@pytest.mark.parametrize("field", ["practice", "visit_date", "language", "questionnaire", "format"])
async def test_every_slip_field_is_type_checked(client, api_key, field, bad):
    slip = {"practice": "P0009", "visit_date": dt.date.today().isoformat(), field: bad}
    response = await client.post("/api/v1/slips", json=slip, headers=auth(api_key))
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "3000-01"])
@pytest.mark.parametrize("name", ["from", "to"])
async def test_response_rate_months_are_bounded(client, api_key, name, month):
    response = await client.get(
        f"/api/v1/practices/P0009/response-rates?{name}={month}", headers=auth(api_key)
    )
    assert response.status_code == 422, response.text
    assert name in response.json()["errors"]


async def test_nul_in_api_free_text_is_stripped(client, survey):
    token = await survey.token()
    response = await client.post(
        "/api/v1/responses",
        json={
            "token": token,
            "answers": {**ANSWERS, "mini.comment": "go\x00od\x07 visit\nthanks\t!"},
        },
    )
    assert response.status_code == 201, response.text
    stored = await Answer.select(Answer.value).where(Answer.item_id == "mini.comment").first()
    assert stored is not None and stored["value"] == "good visit\nthanks\t!"


async def test_nul_in_form_free_text_is_stripped(client, survey):
    token = await survey.token()
    page = await client.get(f"/s/{token}")
    form = {**ANSWERS, "mini.comment": "fine\x00 thanks\r\nbye", "_csrf_token": csrf_of(page.text)}
    response = await client.post(f"/s/{token}", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    stored = await Answer.select(Answer.value).where(Answer.item_id == "mini.comment").first()
    assert stored is not None and stored["value"] == "fine thanks\nbye"


@pytest.mark.parametrize(
    "path", ["/p/P0001%00", "/p/P0001%00/x", "/s/abc%00def", "/p/%01", "/?lang=da%00"]
)
async def test_control_characters_in_the_address_are_never_a_500(client, survey, path):
    response = await client.get(path)
    assert 400 <= response.status_code < 500, response.text


async def test_nul_in_the_login_form_is_never_a_500(client, db):
    page = await client.get("/login")
    form = {"email": "a\x00@example.org", "password": "x\x00", "_csrf_token": csrf_of(page.text)}
    response = await client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 401, response.text

"""Security headers on every response, and no secrets in logs (plan checks 11, privacy)."""

from __future__ import annotations

import logging

import pytest

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/thanks",
        "/nope",
        "/s/" + "C" * 20,
        "/api/v1/questionnaires",
        "/api/v1/missing",
        "/static/survey.css",
    ],
)
async def test_headers_on_every_response(client, survey, path):
    result = await client.get(path)
    csp = result.headers["content-security-policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    max_age = int(result.headers["strict-transport-security"].split("max-age=")[1].split(";")[0])
    assert max_age >= 31_536_000
    assert result.headers["x-content-type-options"] == "nosniff"
    assert result.headers["referrer-policy"] == "no-referrer"


async def test_survey_pages_are_not_cached(client, survey):
    token = await survey.token()
    result = await client.get(f"/s/{token}")
    assert result.headers["cache-control"] == "no-store"


async def test_no_token_in_logs(client, survey, caplog):
    token = await survey.token()
    with caplog.at_level(logging.DEBUG):
        await client.get(f"/s/{token}")
        await client.get("/s/" + "D" * 20)
        await client.post(
            "/api/v1/responses", json={"token": token, "answers": {"mini.listened": "5"}}
        )
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("survey_service")]
    assert any("/s/***" in line for line in ours), "requests are logged, redacted"
    assert not any(token in line or "D" * 20 in line for line in ours)


async def test_html_404_is_a_page_in_the_browser_language(client, survey):
    result = await client.get("/nowhere", headers={"accept-language": "da"})
    assert result.status_code == 404
    assert "Siden findes ikke" in result.text
    assert '<html lang="da"' in result.text

"""Patient pages travel compressed; staff pages with tokens and echoed input do not."""

from __future__ import annotations

import re

import pytest

from survey_service.responses.tables import Response
from survey_service.web.compression import compression

pytestmark = pytest.mark.anyio

GZIP = {"accept-encoding": "gzip"}


def compressed(path: str) -> bool:
    """What the app's compression settings decide for ``path``."""
    from litestar.middleware._utils import build_exclude_path_pattern

    pattern = build_exclude_path_pattern(exclude=compression().exclude)
    assert pattern is not None
    return not pattern.findall(path)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", True),
        ("/s/AbCdEfGhIjKlMnOpQrSt", True),
        ("/s/AbCdEfGhIjKlMnOpQrSt/stop", True),
        ("/p/P0001", True),
        ("/thanks", True),
        ("/accessibility", True),
        ("/static/survey.css", True),
        ("/api/v1/questionnaires", True),
        ("/schema/openapi.json", True),
        ("/login", False),
        ("/feedback/P0001", False),
        ("/admin/audit", False),
        ("/sx", False),  # only whole path segments count
        ("/staticky", False),
    ],
)
def test_which_paths_are_compressed(path, expected):
    assert compressed(path) is expected


async def test_static_files_are_compressed_and_cacheable(client, survey):
    result = await client.get("/static/survey.css", headers=GZIP)
    assert result.status_code == 200
    assert result.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in result.headers["vary"].lower()
    assert "max-age=86400" in result.headers["cache-control"]
    assert result.headers["x-content-type-options"] == "nosniff"
    assert ".option" in result.text


async def test_a_survey_page_is_compressed_and_still_works(client, survey):
    token = await survey.token()
    page = await client.get(f"/s/{token}", headers=GZIP)
    assert page.headers["content-encoding"] == "gzip"
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert csrf, "the CSRF token survives compression"
    sent = await client.post(
        f"/s/{token}",
        data={"_csrf_token": csrf.group(1), "mini.listened": "5"},
        headers=GZIP,
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert await Response.count() == 1


async def test_small_and_staff_responses_are_not_compressed(client, survey):
    health = await client.get("/health", headers=GZIP)
    assert "content-encoding" not in health.headers  # too small to be worth it
    login = await client.get("/login", params={"next": "/feedback"}, headers=GZIP)
    assert login.status_code == 200
    assert "content-encoding" not in login.headers
    plain = await client.get("/static/survey.css", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers

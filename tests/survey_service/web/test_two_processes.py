"""Two `survey-service serve` processes on one database and one Redis act as one.

A region runs several app processes behind its proxy (deploy/compose.yaml);
a login made on one must hold on the other, a logout on either must end it,
and the login throttle and the link-guess guard must count across both, or
an attacker simply alternates between them.
"""

from __future__ import annotations

import os
import re
import secrets

import httpx
import pytest

from survey_service.web.guard import DEFAULT_LIMIT

from ...servers import running_service

pytestmark = pytest.mark.anyio
PASSWORD = "Two processes 7 share"


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set: shared-counter tests need Redis")
    return url


def _token(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "login form carries a CSRF token"
    return match.group(1)


def _login(client: httpx.Client, base: str, password: str) -> httpx.Response:
    form = client.get(f"{base}/login")
    return client.post(
        f"{base}/login",
        data={"email": "admin@example.dk", "password": password, "_csrf_token": _token(form.text)},
        headers={"Origin": base},
    )


async def test_sessions_throttle_and_guard_are_shared(db, redis_url, tmp_path) -> None:
    from survey_service.accounts.service import add_user

    await add_user("admin@example.dk", PASSWORD, "admin")
    env = {
        "DATABASE_URL": db,
        "REDIS_URL": redis_url,
        # a fresh key: the guard's Redis counters of other runs never collide
        "SECRET_KEY": secrets.token_hex(32),
        "SURVEY_SERVICE_DATA_DIR": str(tmp_path / "data"),
    }
    with (
        running_service(["serve"], env, tmp_path / "a.log", ready_path="/ready") as a,
        running_service(["serve"], env, tmp_path / "b.log", ready_path="/ready") as b,
        httpx.Client(timeout=10) as client,  # one cookie jar: a browser behind a proxy
    ):
        done = _login(client, a, PASSWORD)
        assert done.status_code == 303, done.text
        assert client.get(f"{b}/admin/audit").status_code == 200, "session made on A works on B"

        logout_form = client.get(f"{b}/logout")
        client.post(
            f"{b}/logout", data={"_csrf_token": _token(logout_form.text)}, headers={"Origin": b}
        )
        after = client.get(f"{a}/admin/audit")
        assert after.status_code == 401, "logout on B ends the session on A"

        # Login throttle: failures on A and on B add up to the account's allowance.
        from survey_service.accounts.throttle import ACCOUNT_FREE

        answers = [
            _login(client, (a, b)[i % 2], "wrong password").status_code
            for i in range(ACCOUNT_FREE + 1)
        ]
        assert 429 not in answers[:ACCOUNT_FREE], answers
        assert answers[-1] == 429, answers

        # Link guard: misses spread over both processes still reach the limit.
        statuses = [
            client.get(f"{(a, b)[i % 2]}/s/{secrets.token_urlsafe(16)}").status_code
            for i in range(DEFAULT_LIMIT + 2)
        ]
        assert 429 not in statuses[: DEFAULT_LIMIT - 1], statuses
        assert statuses[-1] == 429 and statuses[-2] == 429, statuses

"""A browser that answered through a link remembers it; the server keeps nothing.

The marker cookie is scoped to the link's path, holds only ``1`` and expires
with the link, so a revisit shows a thank-you instead of "cannot be used".
"""

from __future__ import annotations

import datetime as dt
import re
from http.cookies import SimpleCookie

import pytest

from survey_service.invitations.tables import Invitation
from survey_service.responses.tables import Response
from survey_service.web.link_cookies import seconds_left

pytestmark = pytest.mark.anyio


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


async def answer(client, token: str, lang: str = "en"):
    html = (await client.get(f"/s/{token}", params={"lang": lang})).text
    form = {"_csrf_token": csrf_of(html), "_lang": lang, "mini.listened": "5"}
    return await client.post(f"/s/{token}", data=form, follow_redirects=False)


def answered_cookie(response) -> SimpleCookie:
    headers = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    marker = [h for h in headers if h.startswith("answered=")]
    assert len(marker) == 1, headers
    jar = SimpleCookie()
    jar.load(marker[0])
    return jar


async def test_a_stored_answer_sets_a_marker_scoped_to_the_link(client, survey):
    token = await survey.token()
    sent = await answer(client, token)
    assert sent.status_code == 303
    morsel = answered_cookie(sent)["answered"]
    assert morsel.value == "1"  # a marker: no answers, no token
    assert token not in morsel.value
    assert morsel["path"] == f"/s/{token}"
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "strict"
    assert not morsel["secure"]  # the test app is plain HTTP
    # It expires with the link (14 days from issue, by default).
    assert 13 * 86400 < int(morsel["max-age"]) <= 14 * 86400
    assert await Invitation.count() == 0  # and the server keeps nothing of the link


async def test_a_revisit_from_the_same_browser_is_thanked(client, survey):
    token = await survey.token()
    await answer(client, token)
    again = await client.get(f"/s/{token}", params={"lang": "en"})
    assert again.status_code == 200
    assert "You have already answered this survey" in again.text
    assert "cannot be used" not in again.text
    resent = await client.post(f"/s/{token}", data={"mini.listened": "1"})
    assert resent.status_code in (200, 403)  # thanked, or refused by CSRF first
    assert await Response.count() == 1
    danish = await client.get(f"/s/{token}", params={"lang": "da"})
    assert "Du har allerede svaret" in danish.text


async def test_another_browser_or_link_gets_no_thank_you(client, survey):
    token, other = await survey.token(), await survey.token()
    await answer(client, token)
    # The marker is sent only to its own link's path: another link still opens.
    assert (await client.get(f"/s/{other}")).status_code == 200
    client.cookies.delete("answered", path=f"/s/{token}")
    unknown = await client.get(f"/s/{token}", params={"lang": "en"})
    assert unknown.status_code == 404
    assert "This survey link cannot be used" in unknown.text


async def test_a_refused_answer_sets_no_marker(client, survey):
    token = await survey.token()
    html = (await client.get(f"/s/{token}")).text
    refused = await client.post(f"/s/{token}", data={"_csrf_token": csrf_of(html)})
    assert refused.status_code == 422
    assert "answered=" not in refused.headers.get("set-cookie", "")


def test_the_marker_never_outlives_the_link():
    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    assert seconds_left(now + dt.timedelta(hours=2), now) == 7200
    assert seconds_left(now - dt.timedelta(hours=2), now) == 1
    assert seconds_left(None, now) == 1

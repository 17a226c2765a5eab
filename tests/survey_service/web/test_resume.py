"""Save and continue later: half-done answers live sealed on the phone, not the server."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest

from survey_service.invitations.tables import Invitation
from survey_service.responses.tables import Answer, Response
from survey_service.web.resume import MAX_SEALED, fitting, seal, unseal

pytestmark = pytest.mark.anyio

TOKEN = "AbCdEfGhIjKlMnOpQrSt"


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def test_sealed_answers_open_only_for_their_link_and_key():
    value = seal("key-one", TOKEN, {"mini.overall": "2", "mini.comment": "Æblegrød"})
    assert "Æble" not in value and "mini" not in value  # encrypted, not just encoded
    assert unseal(["key-one"], TOKEN, value) == {"mini.overall": "2", "mini.comment": "Æblegrød"}
    assert unseal(["key-two", "key-one"], TOKEN, value) is not None  # during a key rotation
    assert unseal(["key-two"], TOKEN, value) is None
    assert unseal(["key-one"], "B" * 20, value) is None  # copied to another link
    tampered = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    assert unseal(["key-one"], TOKEN, tampered) is None
    for junk in ("", "!!!", "AAAA", "x" * 50):
        assert unseal(["key-one"], TOKEN, junk) is None
    assert seal("key-one", TOKEN, {}) != seal("key-one", TOKEN, {})  # a fresh nonce each time


def test_long_comments_are_dropped_before_choices():
    answers = {"a": "1", "b": "yes", "long": "x" * 3000, "short": "fine"}
    value, complete = fitting("k", TOKEN, answers, {"long", "short"})
    assert not complete and len(value) <= MAX_SEALED
    assert unseal(["k"], TOKEN, value) == {"a": "1", "b": "yes", "short": "fine"}
    value, complete = fitting("k", TOKEN, {"a": "1", "blank": " "}, set())
    assert complete and unseal(["k"], TOKEN, value) == {"a": "1"}


async def test_save_then_come_back_then_send(client, survey):
    token = await survey.token()
    html = (await client.get(f"/s/{token}", params={"lang": "en"})).text
    assert 'name="save" value="1"' in html
    form = {
        "_csrf_token": csrf_of(html),
        "_lang": "en",
        "save": "1",
        "mini.overall": "2",
        "mini.comment": "Venlige folk",
    }
    saved = await client.post(f"/s/{token}", data=form)
    assert saved.status_code == 200
    assert "Your answers are saved on this phone until" in saved.text
    header = next(v for k, v in saved.headers.multi_items() if v.startswith("resume="))
    jar = SimpleCookie()
    jar.load(header)
    morsel = jar["resume"]
    assert morsel["path"] == f"/s/{token}"
    assert morsel["httponly"] is True and morsel["samesite"].lower() == "strict"
    assert 13 * 86400 < int(morsel["max-age"]) <= 14 * 86400
    assert "Venlige" not in morsel.value and token not in morsel.value
    # Nothing is stored on the server, and the link is untouched.
    assert await Response.count() == 0 and await Answer.count() == 0
    assert await Invitation.count() == 1

    back = await client.get(f"/s/{token}", params={"lang": "en"})
    assert back.status_code == 200
    assert "The answers you saved on this phone are filled in." in back.text
    assert 'name="mini.overall" value="2" checked' in back.text
    assert "Venlige folk</textarea>" in back.text

    sent = await client.post(
        f"/s/{token}",
        data={"_csrf_token": csrf_of(back.text), "mini.listened": "5", "mini.overall": "2"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    cleared = [v for k, v in sent.headers.multi_items() if v.startswith("resume=")]
    assert cleared and ("Max-Age=0" in cleared[0] or "max-age=0" in cleared[0].lower())
    assert await Response.count() == 1


async def test_a_foreign_or_broken_cookie_gives_a_blank_form(client, survey):
    token = await survey.token()
    client.cookies.set("resume", seal("another-key", token, {"mini.overall": "2"}))
    page = await client.get(f"/s/{token}", params={"lang": "en"})
    assert page.status_code == 200
    assert "checked" not in page.text and "saved on this phone" not in page.text
    client.cookies.set("resume", "not-a-cookie")
    assert (await client.get(f"/s/{token}")).status_code == 200


async def test_the_poster_offers_no_saving(client, survey):
    html = (await client.get("/p/P0001")).text
    assert 'name="save"' not in html

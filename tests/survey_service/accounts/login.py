"""Logging in through the login form, as a browser does: one helper for every test.

A plain module (not a test file, not a conftest): imported by the accounts tests
and by the feedback fixtures that need a logged-in client.
"""

from __future__ import annotations

import re

from httpx import Response
from litestar.testing import AsyncTestClient

from .conftest import PASSWORD

__all__ = ["HTML", "PASSWORD", "csrf_of", "log_in"]

#: A browser asking for an English page.
HTML = {"accept": "text/html", "accept-language": "en"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


async def log_in(
    client: AsyncTestClient, email: str, password: str = PASSWORD, next_: str = ""
) -> Response:
    """Post the login form with its CSRF token; the answer is not followed (303 on success)."""
    form = await client.get("/login", headers=HTML)  # its form posts _lang=en
    assert form.status_code == 200
    lang = re.search(r'name="_lang" value="([^"]+)"', form.text)
    assert lang and lang.group(1) == "en"
    data = {
        "email": email,
        "password": password,
        "next": next_,
        "_lang": lang.group(1),  # as a browser posts the form's hidden field
        "_csrf_token": csrf_of(form.text),
    }
    return await client.post("/login", data=data, follow_redirects=False)

"""What a patient's own browser remembers about one survey link.

The server keeps nothing of an answered link (docs/anonymity.md), so it cannot
tell a used link from a mistyped one. The patient's browser can: on a
successful answer it gets a marker cookie scoped to that link's path
(``Path=/s/<token>``), and a later visit to the same link with the marker shows
a thank-you instead of "this link cannot be used".

The marker holds nothing but ``1``: no answers, no token (the path says which
link it belongs to, and only this browser ever sends it back). It is HttpOnly,
SameSite=Strict, Secure on HTTPS, and expires when the link would have.
"""

from __future__ import annotations

import datetime as dt

from litestar import Request
from litestar.datastructures import Cookie

from survey_service.settings import Settings

ANSWERED_COOKIE = "answered"
ANSWERED_MARK = "1"


def link_path(token: str) -> str:
    return f"/s/{token}"


def seconds_left(expires_at: dt.datetime | None, now: dt.datetime) -> int:
    """The link's remaining life in whole seconds (at least one, so a cookie is set)."""
    if expires_at is None:
        return 1
    return max(1, int((expires_at - now).total_seconds()))


def answered_cookie(
    token: str, expires_at: dt.datetime | None, settings: Settings, now: dt.datetime
) -> Cookie:
    """The marker set with the redirect after a stored answer."""
    return Cookie(
        key=ANSWERED_COOKIE,
        value=ANSWERED_MARK,
        path=link_path(token),
        max_age=seconds_left(expires_at, now),
        secure=settings.public_base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


def answered_here(request: Request) -> bool:
    """Whether this browser answered through the link it is asking for.

    The browser sends the marker only to its own link's path; a marker planted
    by hand only shows its planter a thank-you, which reveals nothing.
    """
    return request.cookies.get(ANSWERED_COOKIE) == ANSWERED_MARK

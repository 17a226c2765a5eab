"""Security headers on every response, error pages included; the origin check of form posts.

Headers: a ``before_send`` hook rather than a route hook, so 404s from the
router, 405s and 500s get the same headers as ordinary pages.

Origin check (:func:`check_origin`, the app's ``before_request``): a
state-changing request whose ``Origin`` names another site is refused with
403, on every page (patient pages, login, admin). It backs up the CSRF token
and SameSite cookies. ``/api/`` is left out: practice systems authenticate
with API keys, not cookies, so a browser on another site cannot act for them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import Request
from litestar.types import Message, Scope

from survey_service.errors import NotAllowed
from survey_service.settings import Settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

#: The API documentation page only: Swagger UI adds <style> elements as it draws.
#: Scripts stay 'self' there too, and the page shows no patient data.
API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Litestar ``before_send`` hook: runs for every response the app sends."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", []))
    path = scope.get("path", "")
    if path in ("/schema", "/schema/", "/schema/swagger"):
        headers.append((b"content-security-policy", API_DOCS_POLICY.encode()))
    present = {name.lower() for name, _ in headers}
    headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
    if path.startswith(("/s/", "/p/")) and b"cache-control" not in present:
        # Survey links carry a secret and a patient's answers: never cache.
        headers.append((b"cache-control", b"no-store"))
    message["headers"] = headers


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(origin: str, own_origins: set[str]) -> bool:
    # "null" is what browsers send on our own forms: the pages' referrer policy
    # is no-referrer, and the Fetch standard then serialises Origin as "null".
    # It says nothing about the sender, so the CSRF token decides alone.
    if origin.strip() == "null":
        return True
    return origin.strip().rstrip("/").lower() in own_origins


class CrossOriginRefused(NotAllowed):
    code = "cross_origin"
    default_detail = "a form from another site was refused"


async def check_origin(request: Request) -> None:
    """Litestar ``before_request`` hook: refuse cross-site state-changing requests."""
    if request.method in SAFE_METHODS or request.url.path.startswith("/api/"):
        return
    origin = request.headers.get("origin")
    if origin is None:
        return
    settings: Settings = request.app.state.settings
    own = {_origin_of(settings.public_base_url)}
    host = request.headers.get("host")
    if host:
        own.add(f"{request.url.scheme}://{host}".lower())
    if not origin_allowed(origin, own):
        raise CrossOriginRefused()

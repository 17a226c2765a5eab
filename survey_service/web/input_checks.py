"""Refusing hostile request bodies and addresses before any handler parses them.

A ``before_request`` hook, so it runs before Litestar decodes a body into a
handler's ``data`` and before any path parameter reaches the database:

- JSON nested deeper than :data:`MAX_JSON_DEPTH` (msgspec recurses per level
  and a 2 KB body of brackets raises ``RecursionError``, a 500);
- JSON or form bodies that are not UTF-8 (a form parser would otherwise read
  them as Latin-1 and store mojibake);
- control characters in a page's path (404) or query (422): PostgreSQL refuses
  NUL in text, so ``/p/P0001%00`` would be a 500, and no real address has them.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from litestar import Request

from survey_service.errors import InvalidInput, NotFound, ServiceError

#: No request this service reads nests deeper than 3; 32 leaves room for any
#: honest client and stays far below the decoder's recursion limit.
MAX_JSON_DEPTH = 32

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MalformedRequest(ServiceError):
    """A body or address no honest client sends: refused before it is read."""

    status = 400
    code = "malformed_request"
    default_detail = "body: cannot be read"


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays/objects in ``raw`` nest deeper than ``limit`` (strings skipped)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # cannot be that deep: skip the byte-by-byte scan
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


async def check_input(request: Request) -> None:
    """Litestar ``before_request`` hook: raise :class:`MalformedRequest` on hostile input."""
    api = request.url.path.startswith("/api/")
    # Pages only: no page address has a control character in it (404, as for
    # any unknown address; in the query 422). The API's parameters are checked
    # against its OpenAPI schema by each operation, none reaching the database
    # unchecked, and a blanket refusal here would answer schema-valid requests
    # with statuses the schema does not list.
    if not api and _CONTROL.search(request.scope.get("path", "")):
        raise NotFound("path: no such address (control characters)")
    query = request.scope.get("query_string", b"")
    if not api and query and _CONTROL.search(unquote_to_bytes(query).decode("utf-8", "replace")):
        raise InvalidInput.of({"query": "control characters are not allowed"})
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        raw = await request.body()
        if not _is_utf8(unquote_to_bytes(raw.replace(b"+", b" "))):
            raise MalformedRequest("body: the form is not UTF-8")
    elif api:
        # The API reads JSON whatever the content type says.
        raw = await request.body()
        if not _is_utf8(raw):
            raise MalformedRequest("body: JSON must be UTF-8")
        if json_too_deep(raw):
            raise MalformedRequest(f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels")

"""Logging without secrets: survey-link tokens never reach a log line.

Everything a client sends is also made safe to write: one request gives one
log line whatever its path holds (a ``%0d%0a`` in a URL arrives here as a real
CR LF and would otherwise start a forged line), and digit runs that could be a
phone or CPR number are masked.
"""

from __future__ import annotations

import logging
import re
import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["access_log", "access_log_middleware", "redact_path", "safe_log_value"]

_TOKEN_PATH = re.compile(r"^/(s)/[^/?#]+")

# Eight or more digits, optionally after "+", with up to three spaces, dots,
# dashes or underscores between any two of them: "22345678", "+4522345678",
# "22 34 56 78", "22-34-56-78", a CPR number. Whitespace here includes CR, LF
# and U+00A0, so a number split by them is masked before it is escaped. A
# slash is not a separator, so that path segments are never joined.
_LONG_NUMBER = re.compile(r"\+?\d(?:[\s.\-_]{0,3}\d){7,}")
_NUMBER_MASK = "***"

# Short forms for the control characters people recognise; everything else
# that is not printable gets a \xNN, \uNNNN or \UNNNNNNNN escape.
_SHORT_ESCAPES = {"\\": "\\\\", "\r": "\\r", "\n": "\\n", "\t": "\\t"}

access_log = logging.getLogger("survey_service.access")


def _escape_char(char: str) -> str:
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def safe_log_value(value: str) -> str:
    """A client-supplied string made safe to put in a log line.

    Parameters
    ----------
    value : str
        Anything that came from outside: a path, a query string, a header, a
        form field, a gateway's error text.

    Returns
    -------
    str
        The value on one line: every character that is not printable (CR, LF,
        tab, other C0 and C1 controls, DEL, U+2028/U+2029, bidirectional and
        zero-width format characters, lone surrogates) is written as ``\\r``,
        ``\\n``, ``\\t``, ``\\xNN``, ``\\uNNNN`` or ``\\UNNNNNNNN``, and a
        backslash as ``\\\\``, so the escaping cannot be imitated. Every run
        of eight or more digits (allowing spaces, dots, dashes between them)
        is replaced by ``***`` first, since it may be a phone or CPR number;
        a date such as ``2024-03-12`` is masked as well.

    Notes
    -----
    Apply it once, to the value, not to a whole formatted line: applied
    twice, backslashes are doubled again.
    """
    masked = _LONG_NUMBER.sub(_NUMBER_MASK, value)
    # Fast path: most paths are plain printable text.
    if masked.isprintable() and "\\" not in masked:
        return masked
    return "".join(
        char if char.isprintable() and char != "\\" else _escape_char(char) for char in masked
    )


def redact_path(path: str) -> str:
    """``/s/AbC...`` becomes ``/s/***``: a token in a log would be a usable link.

    The result is also passed through :func:`safe_log_value`, so it is ready to
    be logged as it is (do not escape it again).
    """
    return safe_log_value(_TOKEN_PATH.sub(r"/\1/***", path))


def access_log_middleware(app: ASGIApp) -> ASGIApp:
    """One line per request with the path redacted; no IP, no query string.

    Replaces the server's own access log, which would print tokens and IPs.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            access_log.info(
                "%s %s %s %.1fms",
                # The server checks the method's syntax, but this line must
                # hold whatever server or test client sits in front.
                safe_log_value(str(scope.get("method", ""))),
                redact_path(scope["path"]),
                status,
                (time.perf_counter() - started) * 1000,
            )

    return middleware

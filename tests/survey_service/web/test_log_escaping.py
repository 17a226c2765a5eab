"""One request is one access-log line, and no phone number reaches the log.

A path such as ``/p/%0d%0aFAKE`` reaches the app decoded, with a real CR LF
in it; written as it is, it would add a forged line to the access log.
"""

from __future__ import annotations

import logging
import re

import pytest

from survey_service.web.logs import access_log_middleware, redact_path, safe_log_value

ACCESS_LOGGER = "survey_service.access"
# Eight digits with at most three separator characters between any two: what
# a phone number looks like however it was typed.
PHONE_LIKE = re.compile(r"\d(?:[\s.\-_]{0,3}\d){7}")


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The captured access-log output, split as a log reader would split it."""
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    text = "\n".join(formatter.format(r) for r in caplog.records if r.name == ACCESS_LOGGER)
    # str.splitlines also breaks at U+2028, NEL, VT, FF and the like: every
    # character some viewer might show as a new line.
    return text.splitlines()


# ---------------------------------------------------------------- through the app


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "escaped"),
    [
        ("/p/%0d%0aFAKE", "\\r\\nFAKE"),
        ("/p/%0aINFO%20survey_service.access:%20GET%20admin%20200", "\\nINFO"),
        ("/s/abc%0d%0aFAKE/stop", "/s/***/stop"),
        ("/p/x%e2%80%a8FAKE", "\\u2028FAKE"),
        ("/p/x%c2%85FAKE", "\\x85FAKE"),
        ("/p/x%0bFAKE%0cFAKE", "\\x0bFAKE\\x0cFAKE"),
        ("/p/x%1b%5b2K%0dFAKE", "\\x1b[2K\\rFAKE"),
        ("/p/x%00FAKE", "\\x00FAKE"),
    ],
)
async def test_request_with_line_breaks_in_path_gives_one_log_line(
    client, caplog: pytest.LogCaptureFixture, path: str, escaped: str
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await client.get(path)
    records = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "\r" not in message and "\n" not in message
    assert message.isprintable()
    assert escaped in message
    lines = _access_lines(caplog)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"INFO {ACCESS_LOGGER}: GET /")


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    [
        "/p/22345678",
        "/p/22%2034%2056%2078",
        "/p/22-34-56-78",
        "/p/+4522345678",
        "/p/0045%2022%2034%2056%2078",
        "/p/tlf.22.34.56.78",
        "/p/22%0d%0a34%0d%0a56%0d%0a78",
        "/p/22%c2%a034%c2%a056%c2%a078",
        "/api/v1/practices/010190-1234/poster",
        "/p/2234%205678",
    ],
)
async def test_no_phone_number_in_access_log(
    client, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await client.get(path)
    lines = _access_lines(caplog)
    assert len(lines) == 1
    assert "***" in lines[0]
    assert not PHONE_LIKE.search(lines[0]), lines[0]


@pytest.mark.anyio
async def test_unrouted_path_writes_no_raw_line_break(
    client, caplog: pytest.LogCaptureFixture
) -> None:
    # Litestar runs app middleware only for routed requests, so a path that
    # matches no route is not access-logged at all today; whatever any
    # survey_service logger writes for it must still be free of raw breaks.
    with caplog.at_level(logging.DEBUG):
        await client.get("/nowhere%0d%0aFAKE/more")
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("survey_service")]
    assert len(_access_lines(caplog)) <= 1
    assert not any("\r" in m or "\n" in m for m in ours)


@pytest.mark.anyio
async def test_query_string_is_not_logged(client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await client.get("/p/P0001", params={"tlf": "22345678", "x": "\r\nFAKE"})
    lines = _access_lines(caplog)
    assert len(lines) == 1
    assert "tlf" not in lines[0] and "FAKE" not in lines[0]
    assert "/p/P0001" in lines[0]


@pytest.mark.anyio
async def test_ordinary_request_line_is_unchanged(client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await client.get("/api/v1/questionnaires")
    (record,) = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    assert re.fullmatch(r"GET /api/v1/questionnaires 200 \d+\.\dms", record.getMessage())


# ------------------------------------------------------ middleware, any method


@pytest.mark.anyio
async def test_forged_method_is_escaped(caplog: pytest.LogCaptureFixture) -> None:
    # A real server rejects such a method; the middleware must not rely on it.
    async def app(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message) -> None:
        pass

    scope = {"type": "http", "method": "GET\r\nFAKE", "path": "/p/\n22345678"}
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await access_log_middleware(app)(scope, receive, send)
    lines = _access_lines(caplog)
    assert len(lines) == 1
    assert "GET\\r\\nFAKE /p/\\n*** 400" in lines[0]


# ------------------------------------------------------------- the function


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/p/P0001", "/p/P0001"),
        ("/p/\r\nFAKE", "/p/\\r\\nFAKE"),
        ("a\tb", "a\\tb"),
        ("a\x00b\x07c\x7f", "a\\x00b\\x07c\\x7f"),
        ("a\x85b", "a\\x85b"),
        ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),
        ("a\u202eb", "a\\u202eb"),  # right-to-left override
        ("a\u200bb", "a\\u200bb"),  # zero-width space
        ("a\udcffb", "a\\udcffb"),  # lone surrogate, e.g. from surrogateescape
        ("a\U000e0041b", "a\\U000e0041b"),  # tag character
        ("C:\\tmp\\n", "C:\\\\tmp\\\\n"),  # a literal backslash-n is not a line break
        ("Ærø, smørrebrød", "Ærø, smørrebrød"),
        ("tlf 22345678", "tlf ***"),
        ("tlf +45 22 34 56 78", "tlf ***"),
        ("tlf (+45) 22 34 56 78", "tlf (+45) ***"),
        ("tlf 0045-2234-5678", "tlf ***"),
        ("tlf 22\u00a034\u00a056\u00a078", "tlf ***"),
        ("tlf 22\r\n34\r\n56\r\n78", "tlf ***"),
        ("cpr 010190-1234", "cpr ***"),
        ("id 1234567", "id 1234567"),  # seven digits are left alone
        ("/api/v1/questionnaires/gp/2", "/api/v1/questionnaires/gp/2"),
        ("2024/03/12", "2024/03/12"),  # a slash never joins digits
        ("", ""),
    ],
)
def test_safe_log_value(value: str, expected: str) -> None:
    assert safe_log_value(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "\r\n" * 3,
        "".join(chr(c) for c in range(0x20)) + "\x7f" + "".join(chr(c) for c in range(0x80, 0xA0)),
        "x\u2028\u2029\u0085\x0b\x0c\x1c\x1d\x1eFAKE",
        "22345678\n" * 5,
    ],
)
def test_safe_log_value_is_always_one_printable_line(value: str) -> None:
    result = safe_log_value(value)
    assert result.isprintable()
    assert len(result.splitlines()) <= 1
    assert not PHONE_LIKE.search(result)


def test_redact_path_redacts_token_then_escapes() -> None:
    assert redact_path("/s/AbCdEf0123456789xyz") == "/s/***"
    assert redact_path("/s/AbC\r\nFAKE/stop") == "/s/***/stop"
    assert redact_path("/p/\r\nFAKE") == "/p/\\r\\nFAKE"
    assert redact_path("/p/22345678") == "/p/***"

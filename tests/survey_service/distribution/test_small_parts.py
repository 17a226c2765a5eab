"""Small parts: CSV reading, delivery-report signatures."""

from __future__ import annotations

import pytest

from survey_service.distribution.csvfile import CsvError, read_visits
from survey_service.distribution.delivery import SignatureError, sign_jwt, verify_jwt


def test_csv_with_comma_and_english_headers(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("visit_date,phone,language\n2026-11-23,20123456,en\n24/11/2026,+4520123457,\n")
    assert read_visits(path, "P1") == [
        (2, {"practice": "P1", "visit_date": "2026-11-23", "phone": "20123456", "language": "en"}),
        (3, {"practice": "P1", "visit_date": "2026-11-24", "phone": "+4520123457"}),
    ]


def test_csv_with_a_utf8_bom_and_tabs(tmp_path):
    path = tmp_path / "v.tsv"
    path.write_bytes("\ufeffbesøgsdato\tmobil\n1.2.2026\t20123456\n".encode())
    assert read_visits(path, "P1") == [
        (2, {"practice": "P1", "visit_date": "2026-02-01", "phone": "20123456"}),
    ]


def test_csv_refusals_name_the_problem(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("")
    with pytest.raises(CsvError, match="empty"):
        read_visits(path, "P1")
    with pytest.raises(CsvError, match="cannot read"):
        read_visits(tmp_path / "missing.csv", "P1")


def test_jwt_is_checked_strictly():
    token = sign_jwt({"status": "DELIVERED"}, "s3cret")
    assert verify_jwt(token, "s3cret") == {"status": "DELIVERED"}
    for bad in (token + "x", token.replace(token.split(".")[1], "e30"), "a.b", ""):
        with pytest.raises(SignatureError):
            verify_jwt(bad, "s3cret")
    with pytest.raises(SignatureError):
        verify_jwt(token, "other")
    _header, payload, _ = token.split(".")
    none_alg = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    with pytest.raises(SignatureError, match="algorithm"):
        verify_jwt(f"{none_alg}.{payload}.", "s3cret")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMS_QUIET_HOURS": "evenings"}, "SMS_QUIET_HOURS: 'evenings'"),
        ({"SMS_BATCH_SIZE": "0"}, "SMS_BATCH_SIZE must be more than 0"),
        ({"SMS_LEASE_SECONDS": "12"}, "SMS_LEASE_SECONDS (12) must exceed"),
        ({"SMS_RETRY_BASE_SECONDS": "soon"}, "SMS_RETRY_BASE_SECONDS must be a number"),
    ],
)
def test_unusable_sms_settings_are_refused(monkeypatch, env, message):
    from survey_service.settings import SettingsError, load_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(message)


def test_reminders_default_on_and_empty_turns_them_off(monkeypatch):
    from survey_service.settings import load_settings

    monkeypatch.delenv("SMS_REMINDER_DAYS", raising=False)
    assert load_settings().sms_reminder_days == 4
    monkeypatch.setenv("SMS_REMINDER_DAYS", "")
    assert load_settings().sms_reminder_days is None
    monkeypatch.setenv("SMS_REMINDER_DAYS", "2")
    assert load_settings().sms_reminder_days == 2

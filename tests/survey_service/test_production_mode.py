"""SERVICE_MODE=production refuses to start without the keys replicas must share."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest

from survey_service.settings import SettingsError, load_settings

KEYS = {
    "SECRET_KEY": "s" * 64,
    "PHONE_KEYS": "k1:" + base64.b64encode(b"\x01" * 32).decode(),
    "PHONE_HASH_KEY": "h" * 40,
    "PUBLIC_BASE_URL": "https://survey.example.dk",
}


def _env(tmp_path, **overrides: str) -> dict[str, str]:
    env = {"SURVEY_SERVICE_DATA_DIR": str(tmp_path), "SERVICE_MODE": "production", **KEYS}
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def test_production_with_every_key_loads(tmp_path) -> None:
    settings = load_settings(_env(tmp_path))
    assert settings.service_mode == "production"
    assert settings.secret_key == KEYS["SECRET_KEY"]
    assert not (tmp_path / "secret_key").exists(), "no key generated on the host"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "PHONE_KEYS", "PHONE_HASH_KEY"])
def test_production_without_a_key_is_refused_naming_it(tmp_path, missing) -> None:
    with pytest.raises(SettingsError, match=f"SERVICE_MODE=production needs {missing} set"):
        load_settings(_env(tmp_path, **{missing: ""}))
    assert not (tmp_path / "secret_key").exists()


def test_production_needs_https(tmp_path) -> None:
    with pytest.raises(SettingsError, match="https"):
        load_settings(_env(tmp_path, PUBLIC_BASE_URL="http://survey.example.dk"))


def test_development_still_generates_keys(tmp_path) -> None:
    settings = load_settings({"SURVEY_SERVICE_DATA_DIR": str(tmp_path)})
    assert settings.service_mode == "development" and len(settings.secret_key) == 64


def test_unknown_mode_is_refused(tmp_path) -> None:
    with pytest.raises(SettingsError, match="SERVICE_MODE must be development or production"):
        load_settings({"SURVEY_SERVICE_DATA_DIR": str(tmp_path), "SERVICE_MODE": "prod"})


def test_serve_refuses_in_one_line_with_status_2(tmp_path) -> None:
    env = _env(tmp_path, SECRET_KEY="", PHONE_KEYS="")
    result = subprocess.run(
        [sys.executable, "-m", "survey_service", "serve", "--port", "8999"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "Error: SERVICE_MODE=production needs SECRET_KEY, PHONE_KEYS set "
        "(see the README's settings table and deploy/OPERATIONS.md)"
    ]

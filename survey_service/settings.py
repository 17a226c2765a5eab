"""One settings object, read from the environment.

Every setting has a default that makes `survey-service demo` work with nothing
configured; production overrides them through environment variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def default_data_dir() -> Path:
    """Where the embedded SQLite database lives unless DATABASE_URL says otherwise.

    ``SURVEY_SERVICE_DATA_DIR`` wins; otherwise ``$XDG_DATA_HOME/survey-service``
    (``~/.local/share/survey-service``), so the demo works from any directory.
    """
    explicit = os.environ.get("SURVEY_SERVICE_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "survey-service"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


class SettingsError(ValueError):
    """A setting in the environment has a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    """``DATABASE_URL``: ``sqlite:///ABSOLUTE/PATH.sqlite`` or
    ``postgresql://USER@HOST:PORT/DB``. Empty: a SQLite file in the data dir."""

    public_base_url: str = "http://127.0.0.1:8000"
    """``PUBLIC_BASE_URL``: scheme, host and port that links in SMS and QR codes use."""

    secret_key: str = ""
    """``SECRET_KEY``: key for keyed hashes (opt-out, de-duplication) and CSRF.
    Empty: a random key kept in the data dir, so restarts keep working."""

    token_days: int = 14
    """``TOKEN_DAYS``: how long a survey link stays valid."""

    free_text_max: int = 2000
    """Upper bound on a free-text answer (characters)."""

    data_dir: Path = field(default_factory=default_data_dir)

    @property
    def sqlite_default_path(self) -> Path:
        return self.data_dir / "survey.sqlite"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_default_path}"


def load_settings() -> Settings:
    """Read the settings from the environment (call again after changing it)."""
    data_dir = default_data_dir()
    secret = os.environ.get("SECRET_KEY", "")
    if not secret:
        secret = _stored_secret(data_dir)
    return Settings(
        database_url=os.environ.get("DATABASE_URL", "").strip(),
        public_base_url=os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        secret_key=secret,
        token_days=_int("TOKEN_DAYS", 14),
        data_dir=data_dir,
    )


def _stored_secret(data_dir: Path) -> str:
    """A per-installation random key, created on first use (mode 600)."""
    import secrets

    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key

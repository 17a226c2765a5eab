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


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def _optional_int(name: str) -> int | None:
    """Empty means "off" (e.g. no reminder), so it is not the same as 0."""
    raw = os.environ.get(name, "").strip()
    return _int(name, 0) if raw else None


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

    # --- distribution: SMS and QR invitations (see docs/distribution.md) ---

    sms_backend: str = "console"
    """``SMS_BACKEND``: ``console`` (prints, masked), ``file:/ABS/PATH`` (one JSON line
    per message) or ``gatewayapi`` (GatewayAPI's REST API)."""

    sms_sender: str = "Patientsvar"
    """``SMS_SENDER``: sender shown on the phone (at most 11 letters/digits)."""

    sms_delay_minutes: int = 30
    """``SMS_DELAY_MINUTES``: minutes between a visit being reported and its SMS
    (0: at the next worker run)."""

    sms_quiet_hours: str = "21-08"
    """``SMS_QUIET_HOURS``: ``HH[:MM]-HH[:MM]`` in Europe/Copenhagen when no SMS is
    sent (messages wait until it ends); empty disables."""

    sms_reminder_days: int | None = 4
    """``SMS_REMINDER_DAYS``: days after the invitation SMS for one reminder to
    patients who have not answered; empty: no reminder."""

    sms_dedup_days: int = 14
    """``SMS_DEDUP_DAYS``: a patient with several visits to one practice within this
    many days is invited once (0: every visit)."""

    sms_max_attempts: int = 10
    """``SMS_MAX_ATTEMPTS``: send attempts before a message is dead-lettered."""

    sms_retry_base_seconds: float = 30.0
    """``SMS_RETRY_BASE_SECONDS``: first retry delay; doubles per attempt (with jitter)."""

    sms_retry_max_seconds: float = 3600.0
    """``SMS_RETRY_MAX_SECONDS``: upper bound on one retry delay."""

    sms_lease_seconds: float = 60.0
    """``SMS_LEASE_SECONDS``: how long a claimed message belongs to a worker; after
    that another worker may send it (a killed worker's messages are not lost)."""

    sms_timeout_seconds: float = 10.0
    """``SMS_TIMEOUT_SECONDS``: HTTP timeout for one call to the SMS provider."""

    sms_unknown_outcome_wait_seconds: float = 900.0
    """``SMS_UNKNOWN_OUTCOME_WAIT_SECONDS``: after a timeout (the provider may have
    sent the message) wait this long for its delivery report before sending again.
    Only with the delivery webhook configured; without it the normal backoff applies."""

    sms_batch_size: int = 20
    """``SMS_BATCH_SIZE``: messages one worker claims and sends concurrently."""

    sms_poll_seconds: float = 5.0
    """``SMS_POLL_SECONDS``: how long an idle worker waits before looking again."""

    gatewayapi_url: str = "https://gatewayapi.com"
    """``GATEWAYAPI_URL``: base URL of GatewayAPI (tests point it at a stand-in)."""

    gatewayapi_token: str = ""
    """``GATEWAYAPI_TOKEN``: GatewayAPI API token (for ``SMS_BACKEND=gatewayapi``)."""

    gatewayapi_webhook_secret: str = ""
    """``GATEWAYAPI_WEBHOOK_SECRET``: secret of the delivery-status webhook's JWT
    (``X-Gwapi-Signature``); empty: the webhook answers 404."""

    poster_answers_per_hour: int = 6
    """``POSTER_ANSWERS_PER_HOUR``: answers one client may send through a practice's
    QR poster per hour (the poster link is not single-use)."""

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
    settings = Settings(
        database_url=os.environ.get("DATABASE_URL", "").strip(),
        public_base_url=os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        secret_key=secret,
        token_days=_int("TOKEN_DAYS", 14),
        data_dir=data_dir,
        sms_backend=os.environ.get("SMS_BACKEND", "console").strip() or "console",
        sms_sender=os.environ.get("SMS_SENDER", "Patientsvar").strip() or "Patientsvar",
        sms_delay_minutes=_int("SMS_DELAY_MINUTES", 30),
        sms_quiet_hours=_quiet_hours(os.environ.get("SMS_QUIET_HOURS", "21-08")),
        sms_reminder_days=(
            _optional_int("SMS_REMINDER_DAYS") if "SMS_REMINDER_DAYS" in os.environ else 4
        ),
        sms_dedup_days=_int("SMS_DEDUP_DAYS", 14),
        sms_max_attempts=_int("SMS_MAX_ATTEMPTS", 10),
        sms_retry_base_seconds=_float("SMS_RETRY_BASE_SECONDS", 30.0),
        sms_retry_max_seconds=_float("SMS_RETRY_MAX_SECONDS", 3600.0),
        sms_lease_seconds=_float("SMS_LEASE_SECONDS", 60.0),
        sms_timeout_seconds=_float("SMS_TIMEOUT_SECONDS", 10.0),
        sms_unknown_outcome_wait_seconds=_float("SMS_UNKNOWN_OUTCOME_WAIT_SECONDS", 900.0),
        sms_batch_size=_int("SMS_BATCH_SIZE", 20),
        sms_poll_seconds=_float("SMS_POLL_SECONDS", 5.0),
        gatewayapi_url=os.environ.get("GATEWAYAPI_URL", "https://gatewayapi.com").rstrip("/"),
        gatewayapi_token=os.environ.get("GATEWAYAPI_TOKEN", ""),
        gatewayapi_webhook_secret=os.environ.get("GATEWAYAPI_WEBHOOK_SECRET", ""),
        poster_answers_per_hour=_int("POSTER_ANSWERS_PER_HOUR", 6),
    )
    _check_sms(settings)
    return settings


def _check_sms(settings: Settings) -> None:
    """Values that would make the SMS worker misbehave rather than fail."""
    for name, value in (
        ("SMS_BATCH_SIZE", settings.sms_batch_size),
        ("SMS_MAX_ATTEMPTS", settings.sms_max_attempts),
        ("SMS_TIMEOUT_SECONDS", settings.sms_timeout_seconds),
    ):
        if value <= 0:
            raise SettingsError(f"{name} must be more than 0, got {value}")
    # A lease shorter than one send would hand messages still being sent to
    # another worker: a duplicate every time.
    if settings.sms_lease_seconds <= settings.sms_timeout_seconds + 5:
        raise SettingsError(
            f"SMS_LEASE_SECONDS ({settings.sms_lease_seconds:g}) must exceed "
            f"SMS_TIMEOUT_SECONDS + 5 ({settings.sms_timeout_seconds + 5:g})"
        )


def _quiet_hours(raw: str) -> str:
    from survey_service.distribution.timing import QuietHoursError, parse_quiet_hours

    try:
        parse_quiet_hours(raw)
    except QuietHoursError as exc:
        raise SettingsError(f"SMS_QUIET_HOURS: {exc}") from exc
    return raw.strip()


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

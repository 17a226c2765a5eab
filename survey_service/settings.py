"""One settings object, read from the environment in one place.

Every setting is one field of :class:`Settings`: its environment variable, its
one default and its docstring live together in :func:`_setting`, and
:func:`load_settings` reads them all by their declared type. Nothing else in
the service reads the environment (a test enforces it), and the README's
settings table is generated from these fields (``survey-service settings``; a
test keeps the README in step).

The defaults make ``survey-service demo`` work with nothing configured;
production overrides them through environment variables.
"""

from __future__ import annotations

import base64
import dataclasses
import ipaddress
import os
import re
import secrets
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from survey_service.localtime import QuietHoursError, parse_quiet_hours

#: one entry of TRUSTED_PROXIES
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

__all__ = ["Settings", "SettingsError", "kept_secret", "load_settings", "settings_table"]


class SettingsError(ValueError):
    """A setting in the environment has a value the service cannot use."""


def _setting(env: str, default: Any, doc: str) -> Any:
    """A field read from ``env``; ``doc`` is what the README's table says of it."""
    return field(default=default, metadata={"env": env, "doc": " ".join(doc.split())})


@dataclass(frozen=True)
class Settings:
    """Everything the service can be told from outside, with its default."""

    database_url: str = _setting(
        "DATABASE_URL",
        "",
        "`sqlite:///ABSOLUTE/PATH.sqlite` or `postgresql://USER@HOST:PORT/DB`; "
        "empty: the SQLite file `survey.sqlite` in the data directory.",
    )
    data_dir: Path | None = _setting(
        "SURVEY_SERVICE_DATA_DIR",
        None,
        "Directory of the embedded SQLite file and the generated keys; "
        "empty: `$XDG_DATA_HOME/survey-service`, else `~/.local/share/survey-service`.",
    )
    public_base_url: str = _setting(
        "PUBLIC_BASE_URL",
        "http://127.0.0.1:8000",
        "Scheme, host and port that links in SMS and QR codes use "
        "(the demo follows `--host`/`--port` unless this is set).",
    )
    service_mode: str = _setting(
        "SERVICE_MODE",
        "development",
        "`development` or `production`. Production refuses to start unless SECRET_KEY, "
        "PHONE_KEYS and PHONE_HASH_KEY are set (keys generated per host would differ "
        "between replicas and vanish with a container) and PUBLIC_BASE_URL is https.",
    )
    secret_key: str = _setting(
        "SECRET_KEY",
        "",
        "Key for CSRF tokens and link-guess counters; empty: a random key "
        "kept in the data directory, so restarts keep working.",
    )
    secret_key_previous: str = _setting(
        "SECRET_KEY_PREVIOUS",
        "",
        "Earlier SECRET_KEY values, comma-separated, kept while a rotation settles: SMS "
        "links sealed under them are still sent. Drop them after TOKEN_DAYS "
        "(deploy/OPERATIONS.md, Keys).",
    )
    phone_keys: str = _setting(
        "PHONE_KEYS",
        "",
        "Keys that encrypt phone numbers at rest (AES-256-GCM): comma-separated "
        "`id:base64key` with 32-byte keys; the first encrypts, all decrypt, so a new key "
        "goes first and an old one is dropped once no number uses it. Not SECRET_KEY, "
        "never in the database; empty: one key generated in the data directory (demo).",
    )
    phone_hash_key: str = _setting(
        "PHONE_HASH_KEY",
        "",
        "Key (at least 32 characters) of the slow keyed hashes of phone numbers "
        "(duplicate window, opt-out list). Not SECRET_KEY, never in the database; keep it "
        "stable, a new key forgets every opt-out. Empty: generated in the data directory (demo).",
    )
    token_days: int = _setting("TOKEN_DAYS", 14, "Days a survey link stays valid.")
    accessibility_contact: str = _setting(
        "ACCESSIBILITY_CONTACT",
        "",
        "E-mail address the accessibility statement (`/accessibility`) gives for reporting "
        "barriers: the region's own. Empty: the statement asks patients to contact the "
        "region that sent the survey, with no address.",
    )
    questionnaire_dir: Path | None = _setting(
        "SURVEY_QUESTIONNAIRE_DIR",
        None,
        "A region's own questionnaire folder; empty: the questionnaires shipped with the service.",
    )
    redis_url: str = _setting(
        "REDIS_URL",
        "",
        "Redis for counters shared by several app processes (link-guess guard, "
        "poster limit) and for login sessions; empty: counters in process memory, "
        "sessions in the database.",
    )
    trusted_proxies: str = _setting(
        "TRUSTED_PROXIES",
        "",
        "Comma-separated addresses or CIDRs of reverse proxies whose `X-Forwarded-For` "
        "is believed: the right-most address in it that is not one of them is the client "
        "(for the link-guess guard and the poster limit). Empty: the header is ignored and "
        "the connecting address is the client.",
    )
    poster_answers_per_hour: int = _setting(
        "POSTER_ANSWERS_PER_HOUR",
        6,
        "Answers one client may send through a practice's QR poster per hour "
        "(the poster link is not single-use).",
    )

    # --- accounts: staff logins (see docs/accounts.md) ---

    request_body_timeout_seconds: float = _setting(
        "REQUEST_BODY_TIMEOUT_SECONDS",
        15.0,
        "Seconds a request's whole body may take to arrive before the answer is 408 "
        "(a client trickling a body would otherwise hold a connection open).",
    )
    session_idle_minutes: int = _setting(
        "SESSION_IDLE_MINUTES",
        30,
        "A login session ends after this many minutes without a request.",
    )
    session_max_hours: int = _setting(
        "SESSION_MAX_HOURS",
        12,
        "A login session ends this many hours after the login, however busy.",
    )

    # --- distribution: SMS and QR invitations (see docs/distribution.md) ---

    sms_backend: str = _setting(
        "SMS_BACKEND",
        "console",
        "`console` (prints, masked; the demo prints links), `file:/ABS/PATH` "
        "(one JSON line per message), `gatewayapi` (GatewayAPI's REST API) or "
        "`twilio` (Twilio's Messages API).",
    )
    sms_sender: str = _setting(
        "SMS_SENDER", "Patientsvar", "Sender shown on the phone (at most 11 letters/digits)."
    )
    sms_delay_minutes: int = _setting(
        "SMS_DELAY_MINUTES",
        30,
        "Minutes between a visit being reported and its SMS (0: at the next worker run).",
    )
    sms_quiet_hours: str | None = _setting(
        "SMS_QUIET_HOURS",
        "21-08",
        "`HH[:MM]-HH[:MM]` in Europe/Copenhagen when no SMS is sent (messages "
        "wait until it ends); empty disables.",
    )
    sms_reminder_days: int | None = _setting(
        "SMS_REMINDER_DAYS",
        4,
        "Days after the invitation SMS for one reminder to patients who have not "
        "answered; empty: no reminder.",
    )
    sms_dedup_days: int = _setting(
        "SMS_DEDUP_DAYS",
        14,
        "A patient with several visits to one practice within this many days is "
        "invited once (0: every visit).",
    )
    sms_max_attempts: int = _setting(
        "SMS_MAX_ATTEMPTS", 10, "Send attempts before a message is dead-lettered."
    )
    sms_retry_base_seconds: float = _setting(
        "SMS_RETRY_BASE_SECONDS", 30.0, "First retry delay; doubles per attempt (with jitter)."
    )
    sms_retry_max_seconds: float = _setting(
        "SMS_RETRY_MAX_SECONDS", 3600.0, "Upper bound on one retry delay."
    )
    sms_lease_seconds: float = _setting(
        "SMS_LEASE_SECONDS",
        60.0,
        "How long a claimed message belongs to a worker; after that another worker "
        "may send it (a killed worker's messages are not lost).",
    )
    sms_timeout_seconds: float = _setting(
        "SMS_TIMEOUT_SECONDS", 10.0, "HTTP timeout for one call to the SMS provider."
    )
    sms_unknown_outcome_wait_seconds: float = _setting(
        "SMS_UNKNOWN_OUTCOME_WAIT_SECONDS",
        900.0,
        "After a timeout (the provider may have sent the message) wait this long for "
        "its delivery report, or before asking the provider (Twilio), before sending "
        "again; only with the delivery webhook configured or a provider that can be "
        "asked. Without either, a timed-out send is recorded as sent, unconfirmed, and "
        "not repeated (at most once; the reminder is the second chance).",
    )
    sms_batch_size: int = _setting(
        "SMS_BATCH_SIZE", 20, "Messages one worker claims and sends concurrently."
    )
    sms_poll_seconds: float = _setting(
        "SMS_POLL_SECONDS", 5.0, "How long an idle worker waits before looking again."
    )
    gatewayapi_url: str = _setting(
        "GATEWAYAPI_URL",
        "https://gatewayapi.com",
        "Base URL of GatewayAPI (tests point it at a stand-in).",
    )
    gatewayapi_token: str = _setting(
        "GATEWAYAPI_TOKEN", "", "GatewayAPI API token (for `SMS_BACKEND=gatewayapi`)."
    )
    gatewayapi_webhook_secret: str = _setting(
        "GATEWAYAPI_WEBHOOK_SECRET",
        "",
        "Secret of the delivery-status webhook's JWT (`X-Gwapi-Signature`); "
        "empty: the webhook answers 404.",
    )
    twilio_url: str = _setting(
        "TWILIO_URL",
        "https://api.twilio.com",
        "Base URL of Twilio's REST API (tests point it at a stand-in).",
    )
    twilio_account_sid: str = _setting(
        "TWILIO_ACCOUNT_SID", "", "Twilio Account SID, `AC...` (for `SMS_BACKEND=twilio`)."
    )
    twilio_auth_token: str = _setting(
        "TWILIO_AUTH_TOKEN", "", "Twilio Auth Token (for `SMS_BACKEND=twilio`)."
    )
    twilio_from: str = _setting(
        "TWILIO_FROM",
        "",
        "Twilio sender: a number (E.164), an alphanumeric sender ID, or a "
        "Messaging Service SID (`MG...`).",
    )
    results_release_delay_days: int = _setting(
        "RESULTS_RELEASE_DELAY_DAYS",
        0,
        "Days after a period ends before its results may be released "
        "(`survey-service report release`); late answers still arrive meanwhile.",
    )
    results_labels: str = _setting(
        "RESULTS_LABELS",
        "spec",
        "How `report build` labels units above or below the region: `spec` (outside the "
        "unit's own 95% and 99.8% limits, ANALYSIS_SPEC 3) or `fdr` (Benjamini-Hochberg: "
        "at most 5% of the labels expected to be chance however many units). Stored with "
        "the results and stated wherever labels are shown.",
    )
    results_publication_delay_days: int = _setting(
        "RESULTS_PUBLICATION_DELAY_DAYS",
        21,
        "Days (Danish dates) from a period's release to the units until it may be "
        "published on `/results` (`survey-service report publish`): units see their "
        "results first, as in LUP.",
    )

    #: names of the variables that were set in the environment (not defaults)
    explicit: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @property
    def data_directory(self) -> Path:
        """The data directory, with the home-directory fallback applied."""
        if self.data_dir is not None:
            return self.data_dir.expanduser().resolve()
        return Path.home() / ".local" / "share" / "survey-service"

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """SECRET_KEY, then the earlier ones still accepted for opening sealed tokens."""
        previous = (k.strip() for k in self.secret_key_previous.split(","))
        return (self.secret_key, *(k for k in previous if k and k != self.secret_key))

    @property
    def trusted_networks(self) -> tuple[IPNetwork, ...]:
        """``TRUSTED_PROXIES`` parsed (checked when the settings were loaded)."""
        return tuple(
            ipaddress.ip_network(entry.strip(), strict=False)
            for entry in self.trusted_proxies.split(",")
            if entry.strip()
        )

    @property
    def sqlite_default_path(self) -> Path:
        return self.data_directory / "survey.sqlite"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_default_path}"


def _fields() -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(Settings) if "env" in f.metadata]


def _parse(f: dataclasses.Field[Any], raw: str) -> Any:
    """``raw`` (already stripped, non-empty) as the field's declared type."""
    hint = typing.get_type_hints(Settings)[f.name]
    kinds = set(typing.get_args(hint)) - {type(None)} if _is_union(hint) else {hint}
    kind = next(iter(kinds))
    env = f.metadata["env"]
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{env} must be a whole number, got {raw!r}") from None
    if kind is float:
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{env} must be a number, got {raw!r}") from None
    if kind is Path:
        return Path(raw).expanduser()
    return raw.rstrip("/") if env.endswith("_URL") else raw


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment).

    An empty variable means the default, except for optional settings (those
    whose default can be switched off), where it means "off". Call again after
    changing the environment; nothing is cached.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    explicit: set[str] = set()
    for f in _fields():
        name = f.metadata["env"]
        if name not in env:
            continue
        explicit.add(name)
        raw = env[name].strip()
        if raw:
            values[f.name] = _parse(f, raw)
        elif _is_union(typing.get_type_hints(Settings)[f.name]):
            values[f.name] = None  # empty means "off" for optional settings
    if values.get("data_dir") is None and env.get("XDG_DATA_HOME", "").strip():
        values["data_dir"] = Path(env["XDG_DATA_HOME"].strip()) / "survey-service"
    settings = Settings(**values, explicit=frozenset(explicit))
    _check_mode(settings)
    if not settings.secret_key:
        settings = dataclasses.replace(settings, secret_key=_stored_secret(settings.data_directory))
    _check(settings)
    return settings


#: Keys a production installation must be given rather than generate per host.
PRODUCTION_KEYS = ("SECRET_KEY", "PHONE_KEYS", "PHONE_HASH_KEY")


def _check_mode(settings: Settings) -> None:
    """SERVICE_MODE, and in production the keys and https that a region's replicas share."""
    if settings.service_mode not in ("development", "production"):
        raise SettingsError(
            f"SERVICE_MODE must be development or production, got {settings.service_mode!r}"
        )
    if settings.service_mode != "production":
        return
    missing = [name for name in PRODUCTION_KEYS if not getattr(settings, name.lower())]
    if missing:
        raise SettingsError(
            f"SERVICE_MODE=production needs {', '.join(missing)} set "
            "(see the README's settings table and deploy/OPERATIONS.md)"
        )
    if not settings.public_base_url.startswith("https://"):
        raise SettingsError("SERVICE_MODE=production needs an https:// PUBLIC_BASE_URL")


def _check(settings: Settings) -> None:
    """Values that would make the service misbehave rather than fail."""
    try:
        parse_quiet_hours(settings.sms_quiet_hours)
    except QuietHoursError as exc:
        raise SettingsError(f"SMS_QUIET_HOURS: {exc}") from exc
    for name, value in (
        ("TOKEN_DAYS", settings.token_days),
        ("SMS_BATCH_SIZE", settings.sms_batch_size),
        ("SMS_MAX_ATTEMPTS", settings.sms_max_attempts),
        ("SMS_TIMEOUT_SECONDS", settings.sms_timeout_seconds),
        ("SESSION_IDLE_MINUTES", settings.session_idle_minutes),
        ("REQUEST_BODY_TIMEOUT_SECONDS", settings.request_body_timeout_seconds),
        ("SESSION_MAX_HOURS", settings.session_max_hours),
    ):
        if value <= 0:
            raise SettingsError(f"{name} must be more than 0, got {value}")
    for entry in (e.strip() for e in settings.phone_keys.split(",")):
        key_id, _, encoded = entry.partition(":")
        try:
            ok = len(base64.b64decode(encoded, validate=True)) == 32
        except ValueError:
            ok = False
        if entry and not (ok and re.fullmatch(r"[A-Za-z0-9_-]{1,16}", key_id)):
            raise SettingsError("PHONE_KEYS: write id:base64key,... with 32-byte keys")
    try:
        _ = settings.trusted_networks  # parsed once here, so a typo stops start-up
    except ValueError as exc:
        raise SettingsError(f"TRUSTED_PROXIES: {exc}") from None
    if settings.results_labels not in ("spec", "fdr"):
        raise SettingsError(f"RESULTS_LABELS must be spec or fdr, got {settings.results_labels!r}")
    if settings.phone_hash_key and len(settings.phone_hash_key) < 32:
        raise SettingsError("PHONE_HASH_KEY must be at least 32 characters")
    contact = settings.accessibility_contact
    if contact and not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", contact):
        raise SettingsError(f"ACCESSIBILITY_CONTACT must be an e-mail address, got {contact!r}")
    # A lease shorter than one send would hand messages still being sent to
    # another worker: a duplicate every time.
    if settings.sms_lease_seconds <= settings.sms_timeout_seconds + 5:
        raise SettingsError(
            f"SMS_LEASE_SECONDS ({settings.sms_lease_seconds:g}) must exceed "
            f"SMS_TIMEOUT_SECONDS + 5 ({settings.sms_timeout_seconds + 5:g})"
        )


def _stored_secret(data_dir: Path) -> str:
    """A per-installation random key, created on first use (mode 600)."""
    return kept_secret(data_dir / "secret_key", lambda: secrets.token_hex(32))


def kept_secret(path: Path, make: Callable[[], str]) -> str:
    """A generated secret kept in ``path``: made once (mode 600), then read back.

    For installations that did not configure a key (the demo): restarts and
    several processes then agree on it without anyone writing it down.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def settings_table() -> str:
    """The README's settings table (Markdown), generated from the fields."""
    lines = ["| variable | default | what it does |", "|---|---|---|"]
    for f in _fields():
        default = "" if f.default in ("", None) else f"`{f.default}`"
        lines.append(f"| `{f.metadata['env']}` | {default} | {f.metadata['doc']} |")
    return "\n".join(lines) + "\n"

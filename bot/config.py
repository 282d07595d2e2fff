"""Settings read from the environment when the app or a worker starts."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, fields
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

PRODUCTION_REQUIRED = (
    "DATABASE_URL",
    # Proactive messages wait in the outbox until a worker on this Redis sends them.
    "REDIS_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_WHATSAPP_FROM",
    # Signs the dashboard's session cookies and keys the sign-in code hashes.
    "SECRET_KEY",
)
# Used when SECRET_KEY is unset outside production, so that development
# sessions survive a restart. Anyone can forge cookies signed with it.
DEVELOPMENT_SECRET_KEY = "emonev-development-only-secret-key-do-not-deploy"
# Flask signs session cookies with an HMAC keyed by SECRET_KEY. A short key
# was likely typed by hand and may be guessed, so production needs this many.
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """A setting is missing or invalid, so the process must not start."""


@dataclass(frozen=True)
class Settings:
    """Typed view of the environment variables the product reads."""

    EMONEV_ENV: str = "development"
    DATABASE_URL: str = ""
    REDIS_URL: str = ""
    TWILIO_ACCOUNT_SID: str = ""
    TWILIO_AUTH_TOKEN: str = ""
    TWILIO_WHATSAPP_FROM: str = ""
    TWILIO_API_URL: str = ""
    PUBLIC_URL: str = ""
    EMONEV_TIMEZONE: str = "Asia/Jakarta"
    EMONEV_HELP_CONTACT: str = "admin Bappeda"
    # Reminders: days before the deadline (0 is the deadline day), the local
    # time they go out, and after the deadline every N days up to a limit.
    EMONEV_REMINDER_DAYS_BEFORE: str = "3,1,0"
    EMONEV_REMINDER_TIME: str = "08:00"
    EMONEV_REMINDER_EVERY_DAYS_AFTER: str = "2"
    EMONEV_REMINDER_MAX_DAYS_AFTER: str = "14"
    # Seconds between two runs of the reminder sweep by the scheduler.
    EMONEV_SWEEP_INTERVAL: str = "900"
    # A period's reports lock this many days after the deadline day, and an
    # admin's unlock opens one report for this many hours.
    EMONEV_LOCK_DAYS_AFTER: str = "14"
    EMONEV_UNLOCK_HOURS: str = "72"
    # WhatsApp templates for messages outside the 24-hour window: a JSON
    # object from `kind:language` (such as `reminder:id`) to a Content SID.
    TWILIO_TEMPLATES: str = ""
    # Attempts at sending one outbox row before it is marked failed.
    EMONEV_SEND_MAX_ATTEMPTS: str = "6"
    # Messages per second across all workers; Twilio's default for a
    # WhatsApp sender is 10 text messages per second.
    EMONEV_SEND_RATE: str = "10"
    # Unique recipients of templates (business-initiated conversations) per
    # local day; the rest waits for the next local day.
    EMONEV_DAILY_LIMIT: str = "1000"
    # Business-initiated messages (reminders, escalations, summaries): no
    # message in the local quiet hours `HH:MM-HH:MM`, optionally none on
    # Sundays and holidays, at most this many per official per local day, and
    # none while the official's conversation was active this many minutes ago.
    EMONEV_QUIET_HOURS: str = "21:00-07:00"
    EMONEV_SKIP_DAYS_OFF: str = "no"
    EMONEV_DAILY_MESSAGE_CAP: str = "3"
    EMONEV_CONVERSATION_IDLE_MINUTES: str = "30"
    # Agencies still missing this many days after a deadline are listed in a
    # digest to supervisors and admins.
    EMONEV_ESCALATE_DAYS_AFTER: str = "3"
    # The dashboard: the key that signs session cookies and sign-in code
    # hashes, how long a sign-in code sent by WhatsApp stays valid, and how
    # long a signed-in session lasts.
    SECRET_KEY: str = ""
    EMONEV_SIGNIN_CODE_MINUTES: str = "10"
    EMONEV_DASHBOARD_SESSION_HOURS: str = "12"
    extra: dict = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.EMONEV_ENV == "production"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.EMONEV_TIMEZONE)

    @property
    def reminder_days_before(self) -> list[int]:
        return sorted(
            {int(day) for day in self.EMONEV_REMINDER_DAYS_BEFORE.split(",") if day.strip()},
            reverse=True,
        )

    @property
    def reminder_time(self) -> time:
        return time.fromisoformat(self.EMONEV_REMINDER_TIME)

    @property
    def reminder_every_days_after(self) -> int:
        return int(self.EMONEV_REMINDER_EVERY_DAYS_AFTER)

    @property
    def reminder_max_days_after(self) -> int:
        return int(self.EMONEV_REMINDER_MAX_DAYS_AFTER)

    @property
    def sweep_interval(self) -> int:
        return int(self.EMONEV_SWEEP_INTERVAL)

    @property
    def lock_days_after(self) -> int:
        return int(self.EMONEV_LOCK_DAYS_AFTER)

    @property
    def unlock_hours(self) -> int:
        return int(self.EMONEV_UNLOCK_HOURS)

    @property
    def quiet_hours(self) -> tuple[time, time]:
        start, end = self.EMONEV_QUIET_HOURS.split("-")
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())

    @property
    def skip_days_off(self) -> bool:
        return self.EMONEV_SKIP_DAYS_OFF.strip().lower() in TRUE_WORDS

    @property
    def daily_message_cap(self) -> int:
        return int(self.EMONEV_DAILY_MESSAGE_CAP)

    @property
    def conversation_idle_minutes(self) -> int:
        return int(self.EMONEV_CONVERSATION_IDLE_MINUTES)

    @property
    def escalate_days_after(self) -> int:
        return int(self.EMONEV_ESCALATE_DAYS_AFTER)

    @property
    def secret_key(self) -> str:
        """Return SECRET_KEY, or the fixed development key when it is unset."""
        return self.SECRET_KEY or DEVELOPMENT_SECRET_KEY

    @property
    def signin_code_lifetime(self) -> timedelta:
        return timedelta(minutes=int(self.EMONEV_SIGNIN_CODE_MINUTES))

    @property
    def dashboard_session_lifetime(self) -> timedelta:
        return timedelta(hours=int(self.EMONEV_DASHBOARD_SESSION_HOURS))

    @property
    def templates(self) -> dict[str, str]:
        """Content SIDs by `kind:language`, from TWILIO_TEMPLATES."""
        return json.loads(self.TWILIO_TEMPLATES) if self.TWILIO_TEMPLATES.strip() else {}

    @property
    def send_max_attempts(self) -> int:
        return int(self.EMONEV_SEND_MAX_ATTEMPTS)

    @property
    def send_rate(self) -> int:
        return int(self.EMONEV_SEND_RATE)

    @property
    def daily_limit(self) -> int:
        return int(self.EMONEV_DAILY_LIMIT)

    @property
    def twilio_enabled(self) -> bool:
        """Whether outbound messages go through the Twilio REST API."""
        return bool(self.TWILIO_ACCOUNT_SID and self.TWILIO_AUTH_TOKEN)

    @property
    def verify_signatures(self) -> bool:
        """Whether webhooks must carry a valid `X-Twilio-Signature`."""
        return self.production or bool(self.TWILIO_AUTH_TOKEN)


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'emonev.db'}"


def load_settings(overrides: dict | None = None) -> Settings:
    """Build settings from the environment, then apply `overrides`.

    Raises ConfigError when production lacks a required setting or a value
    is invalid, so that a misconfigured process stops before serving.
    """
    names = {f.name for f in fields(Settings)} - {"extra"}
    values = {name: os.environ[name] for name in names if os.environ.get(name)}
    extra = {}
    for key, value in (overrides or {}).items():
        if key in names:
            values[key] = value
        else:
            extra[key] = value
    settings = Settings(**values, extra=extra)
    validate(settings)
    if not settings.DATABASE_URL:
        settings = Settings(
            **{**values, "DATABASE_URL": default_database_url()}, extra=extra
        )
    return settings


def validate(settings: Settings) -> None:
    if settings.EMONEV_ENV not in ("development", "production"):
        raise ConfigError(
            f"EMONEV_ENV must be 'development' or 'production', "
            f"got {settings.EMONEV_ENV!r}."
        )
    try:
        ZoneInfo(settings.EMONEV_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"EMONEV_TIMEZONE {settings.EMONEV_TIMEZONE!r} is not an IANA time "
            "zone; use a name such as 'Asia/Jakarta'."
        ) from exc
    if settings.TWILIO_API_URL:
        validate_api_url(settings.TWILIO_API_URL)
    validate_reminders(settings)
    validate_proactive(settings)
    validate_locking(settings)
    validate_delivery(settings)
    validate_dashboard(settings)
    if settings.production:
        missing = [name for name in PRODUCTION_REQUIRED if not getattr(settings, name)]
        if missing:
            raise ConfigError(
                "Production needs these settings, which are missing: "
                + ", ".join(missing)
                + ". Set them in the environment, or set EMONEV_ENV=development."
            )


# Reminder day counts beyond a year are typing mistakes, and far larger ones
# overflow date arithmetic.
MAX_REMINDER_DAYS = 366
# Lock delays beyond a year are typing mistakes, like reminder day counts.
MAX_LOCK_DAYS = 366
# An unlock longer than 30 days is a typing mistake, and the admin can unlock again.
MAX_UNLOCK_HOURS = 720
# A sweep must run at least hourly, so that every reminder day has a sweep
# after the reminder time however late that time is.
MAX_SWEEP_INTERVAL = 3600
_DAYS_LIST = re.compile(r"[0-9]+(,[0-9]+)*")
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_CLOCK_TIME = re.compile(r"[0-9]{2}:[0-9]{2}")


def validate_reminders(settings: Settings) -> None:
    """Raise ConfigError naming the reminder setting that is invalid and why."""
    days = settings.EMONEV_REMINDER_DAYS_BEFORE.replace(" ", "")
    if not _DAYS_LIST.fullmatch(days):
        raise ConfigError(
            f"EMONEV_REMINDER_DAYS_BEFORE={settings.EMONEV_REMINDER_DAYS_BEFORE!r} "
            "is invalid: use comma-separated whole days before the deadline, such "
            "as 3,1,0 (0 is the deadline day)."
        )
    if max(settings.reminder_days_before) > MAX_REMINDER_DAYS:
        raise ConfigError(
            f"EMONEV_REMINDER_DAYS_BEFORE={days!r} is invalid: days must be at "
            f"most {MAX_REMINDER_DAYS}."
        )
    if not _CLOCK_TIME.fullmatch(settings.EMONEV_REMINDER_TIME) or _bad_time(settings):
        raise ConfigError(
            f"EMONEV_REMINDER_TIME={settings.EMONEV_REMINDER_TIME!r} is invalid: use "
            "a local time as HH:MM, such as 08:00, without a time zone."
        )
    _validate_whole_numbers(settings, {
        "EMONEV_REMINDER_EVERY_DAYS_AFTER": (1, MAX_REMINDER_DAYS),
        "EMONEV_REMINDER_MAX_DAYS_AFTER": (1, MAX_REMINDER_DAYS),
        "EMONEV_SWEEP_INTERVAL": (1, MAX_SWEEP_INTERVAL),
    })


TRUE_WORDS = ("yes", "true", "1", "on")
FALSE_WORDS = ("no", "false", "0", "off")
# A cap above 50 messages a day per person is a typing mistake.
MAX_DAILY_MESSAGE_CAP = 50
# A conversation idle for a day has ended by any measure.
MAX_CONVERSATION_IDLE_MINUTES = 1440
_QUIET_HOURS = re.compile(r"([0-9]{2}:[0-9]{2})-([0-9]{2}:[0-9]{2})")


def validate_proactive(settings: Settings) -> None:
    """Raise ConfigError naming the invalid setting of business-initiated messages."""
    quiet = settings.EMONEV_QUIET_HOURS.replace(" ", "")
    match = _QUIET_HOURS.fullmatch(quiet)
    if match is None or not all(_is_clock_time(part) for part in match.groups()):
        raise ConfigError(
            f"EMONEV_QUIET_HOURS={settings.EMONEV_QUIET_HOURS!r} is invalid: use "
            "local start and end times as HH:MM-HH:MM, such as 21:00-07:00; the "
            "same start and end, such as 00:00-00:00, turns quiet hours off."
        )
    if settings.EMONEV_SKIP_DAYS_OFF.strip().lower() not in TRUE_WORDS + FALSE_WORDS:
        raise ConfigError(
            f"EMONEV_SKIP_DAYS_OFF={settings.EMONEV_SKIP_DAYS_OFF!r} is invalid: "
            "use yes or no."
        )
    _validate_whole_numbers(settings, {
        "EMONEV_DAILY_MESSAGE_CAP": (1, MAX_DAILY_MESSAGE_CAP),
        "EMONEV_CONVERSATION_IDLE_MINUTES": (1, MAX_CONVERSATION_IDLE_MINUTES),
        "EMONEV_ESCALATE_DAYS_AFTER": (0, MAX_REMINDER_DAYS),
    })


def _is_clock_time(text: str) -> bool:
    try:
        time.fromisoformat(text)
    except ValueError:
        return False
    return True


def validate_locking(settings: Settings) -> None:
    """Raise ConfigError naming the lock or unlock setting that is invalid."""
    _validate_whole_numbers(settings, {
        "EMONEV_LOCK_DAYS_AFTER": (0, MAX_LOCK_DAYS),
        "EMONEV_UNLOCK_HOURS": (1, MAX_UNLOCK_HOURS),
    })


def _validate_whole_numbers(
    settings: Settings, limits: dict[str, tuple[int, int]]
) -> None:
    for name, (low, high) in limits.items():
        text = getattr(settings, name)
        if not _WHOLE_NUMBER.fullmatch(text) or not low <= int(text) <= high:
            raise ConfigError(
                f"{name}={text!r} is invalid: use a whole number from {low} to {high}."
            )


def _bad_time(settings: Settings) -> bool:
    try:
        settings.reminder_time
    except ValueError:
        return True
    return False


# A Content SID names an approved template: "HX" and 32 hexadecimal digits.
_CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
# `kind:language`, such as `reminder:id`.
_TEMPLATE_KEY = re.compile(r"[a-z_-]+:[a-z]{2}")
MAX_SEND_ATTEMPTS = 50
# Twilio's maximum throughput for a WhatsApp sender is 50 text messages per second.
MAX_SEND_RATE = 50
MAX_DAILY_LIMIT = 10_000_000


def validate_delivery(settings: Settings) -> None:
    """Raise ConfigError naming the sending setting that is invalid and why."""
    _validate_whole_numbers(settings, {
        "EMONEV_SEND_MAX_ATTEMPTS": (1, MAX_SEND_ATTEMPTS),
        "EMONEV_SEND_RATE": (1, MAX_SEND_RATE),
        "EMONEV_DAILY_LIMIT": (1, MAX_DAILY_LIMIT),
    })
    if not settings.TWILIO_TEMPLATES.strip():
        return
    try:
        templates = json.loads(settings.TWILIO_TEMPLATES)
    except ValueError as exc:
        raise ConfigError(
            f"TWILIO_TEMPLATES is not valid JSON ({exc}); use an object such as "
            '{"reminder:id": "HX...", "reminder:en": "HX..."}.'
        ) from exc
    if not isinstance(templates, dict):
        raise ConfigError(
            "TWILIO_TEMPLATES must be a JSON object from kind:language to a "
            'Content SID, such as {"reminder:id": "HX..."}.'
        )
    for key, sid in templates.items():
        if not _TEMPLATE_KEY.fullmatch(key):
            raise ConfigError(
                f"TWILIO_TEMPLATES key {key!r} is invalid: use kind:language, "
                "such as reminder:id or reminder:en."
            )
        if not isinstance(sid, str) or not _CONTENT_SID.fullmatch(sid):
            raise ConfigError(
                f"TWILIO_TEMPLATES[{key!r}] = {sid!r} is not a Content SID: "
                "expected HX followed by 32 hexadecimal digits, as shown in "
                "Twilio's Content Template Builder."
            )


# A code valid for more than an hour is easier to steal from a notification
# on a locked phone than it is useful.
MAX_SIGNIN_CODE_MINUTES = 60
# A session longer than a week outlives a lost phone by too much.
MAX_DASHBOARD_SESSION_HOURS = 168


def validate_dashboard(settings: Settings) -> None:
    """Raise ConfigError naming the dashboard setting that is invalid and why."""
    _validate_whole_numbers(settings, {
        "EMONEV_SIGNIN_CODE_MINUTES": (1, MAX_SIGNIN_CODE_MINUTES),
        "EMONEV_DASHBOARD_SESSION_HOURS": (1, MAX_DASHBOARD_SESSION_HOURS),
    })
    if settings.production and 0 < len(settings.SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY has {len(settings.SECRET_KEY)} characters, fewer than the "
            f"{MIN_SECRET_KEY_LENGTH} production needs. Generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    if settings.production and settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        raise ConfigError(
            "SECRET_KEY is the published development key, with which anyone can "
            "sign a session cookie. Generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )


def validate_api_url(url: str) -> None:
    """Raise ConfigError unless `url` is an http(s) base URL without a query.

    Checked at start-up because the worker builds the Twilio client only
    when it sends, after it has claimed the outbox row.
    """
    parts = urlsplit(url)
    valid = parts.scheme in ("http", "https") and parts.netloc
    if not valid or parts.query or parts.fragment:
        raise ConfigError(
            f"TWILIO_API_URL {url!r} is invalid: expected http(s)://host[:port][/path] "
            "without a query, such as http://127.0.0.1:8081, or unset it to use Twilio."
        )

"""Settings from the environment: what production requires and what is rejected."""

from __future__ import annotations

import logging
from dataclasses import fields

import pytest

from app import create_app
from bot.config import INSTANCE_DIR, PRODUCTION_REQUIRED, ConfigError, Settings
from tests.support.servers import REPO_ROOT

SETTING_NAMES = [field.name for field in fields(Settings) if field.name != "extra"]

PRODUCTION = {
    "EMONEV_ENV": "production",
    "DATABASE_URL": "postgresql://emonev@127.0.0.1:5432/emonev",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "TWILIO_ACCOUNT_SID": "AC" + "c0nf1g00" * 4,
    "TWILIO_AUTH_TOKEN": "config-test-token",
    "TWILIO_WHATSAPP_FROM": "+14155238886",
    "SECRET_KEY": "config-test-secret-key-0123456789abcdef",
}


@pytest.fixture
def environment(monkeypatch):
    """Clear the product's settings, then return a function that sets some."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)

    def set_values(values: dict[str, str]) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_values


def test_production_complete_starts(environment):
    environment(PRODUCTION)
    settings = create_app().config["SETTINGS"]
    assert settings.production
    assert settings.twilio_enabled
    assert settings.verify_signatures
    assert settings.DATABASE_URL == PRODUCTION["DATABASE_URL"]


@pytest.mark.parametrize("missing", PRODUCTION_REQUIRED)
def test_production_requires_setting(environment, monkeypatch, missing):
    environment(PRODUCTION)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError) as error:
        create_app()
    message = str(error.value)
    assert missing in message
    for name in PRODUCTION_REQUIRED:
        if name != missing:
            assert name not in message


@pytest.mark.parametrize("missing", PRODUCTION_REQUIRED)
def test_production_rejects_empty(environment, missing):
    environment({**PRODUCTION, missing: ""})
    with pytest.raises(ConfigError, match=missing):
        create_app()


def test_production_lists_all_missing(environment):
    environment({"EMONEV_ENV": "production"})
    with pytest.raises(ConfigError) as error:
        create_app()
    for name in PRODUCTION_REQUIRED:
        assert name in str(error.value)


@pytest.mark.parametrize(
    "value", ["Asia/Jakarta_Timur", "WIB", "UTC+7", "/etc/localtime"]
)
def test_invalid_timezone_rejected(environment, value):
    environment({"EMONEV_TIMEZONE": value})
    with pytest.raises(ConfigError) as error:
        create_app()
    assert value in str(error.value)
    assert "EMONEV_TIMEZONE" in str(error.value)


@pytest.mark.parametrize("value", ["prod", "Production", "staging"])
def test_invalid_env_rejected(environment, value):
    environment({"EMONEV_ENV": value})
    with pytest.raises(ConfigError) as error:
        create_app()
    assert repr(value) in str(error.value)
    assert "EMONEV_ENV" in str(error.value)


@pytest.mark.parametrize(
    "value",
    ["127.0.0.1:8081", "ftp://127.0.0.1", "http://", "http://127.0.0.1:8081?x=1"],
)
def test_invalid_twilio_api_url_rejected(environment, value):
    environment({"TWILIO_API_URL": value})
    with pytest.raises(ConfigError) as error:
        create_app()
    assert value in str(error.value)
    assert "TWILIO_API_URL" in str(error.value)


def test_development_needs_nothing(environment):
    environment({})
    settings = create_app().config["SETTINGS"]
    assert settings.EMONEV_ENV == "development"
    assert not settings.production
    assert not settings.twilio_enabled
    assert not settings.verify_signatures
    assert settings.EMONEV_TIMEZONE == "Asia/Jakarta"
    assert settings.DATABASE_URL == f"sqlite:///{INSTANCE_DIR / 'emonev.db'}"
    assert INSTANCE_DIR == REPO_ROOT / "instance"


def test_development_unsigned_warning(environment, caplog):
    environment({"SECRET_KEY": PRODUCTION["SECRET_KEY"]})
    with caplog.at_level(logging.WARNING, logger="app"):
        create_app()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "TWILIO_AUTH_TOKEN" in warnings[0]
    assert "signatures are NOT checked" in warnings[0]


def test_development_with_token_no_warning(environment, caplog):
    environment({"TWILIO_AUTH_TOKEN": "config-test-token",
                 "SECRET_KEY": PRODUCTION["SECRET_KEY"]})
    with caplog.at_level(logging.WARNING, logger="app"):
        settings = create_app().config["SETTINGS"]
    assert settings.verify_signatures
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_overrides_applied_last(environment):
    environment({"EMONEV_HELP_CONTACT": "from the environment"})
    app = create_app({"EMONEV_HELP_CONTACT": "from the test", "TESTING": True})
    assert app.config["SETTINGS"].EMONEV_HELP_CONTACT == "from the test"
    assert app.config["TESTING"] is True


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("EMONEV_LOCK_DAYS_AFTER", "-1", "from 0 to 366"),
        ("EMONEV_LOCK_DAYS_AFTER", "367", "from 0 to 366"),
        ("EMONEV_LOCK_DAYS_AFTER", "dua", "from 0 to 366"),
        ("EMONEV_LOCK_DAYS_AFTER", "1.5", "from 0 to 366"),
        ("EMONEV_UNLOCK_HOURS", "0", "from 1 to 720"),
        ("EMONEV_UNLOCK_HOURS", "721", "from 1 to 720"),
        ("EMONEV_UNLOCK_HOURS", "72h", "from 1 to 720"),
    ],
)
def test_invalid_lock_setting_rejected(environment, name, value, expected):
    environment({name: value})
    with pytest.raises(ConfigError) as error:
        create_app()
    message = str(error.value)
    assert f"{name}={value!r} is invalid" in message
    assert expected in message


def test_lock_settings_defaults(environment):
    environment({})
    settings = create_app().config["SETTINGS"]
    assert settings.lock_days_after == 14
    assert settings.unlock_hours == 72


@pytest.mark.parametrize(
    ("days", "hours"), [("0", "1"), ("366", "720")]
)
def test_lock_settings_limits_accepted(environment, days, hours):
    environment({"EMONEV_LOCK_DAYS_AFTER": days, "EMONEV_UNLOCK_HOURS": hours})
    settings = create_app().config["SETTINGS"]
    assert settings.lock_days_after == int(days)
    assert settings.unlock_hours == int(hours)

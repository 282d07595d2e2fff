"""Fixtures that run the real app under gunicorn against a Twilio double."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.support.servers import AppServer
from tests.support.twilio_double import TwilioDouble

AUTH_TOKEN = "e2e-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "e2e0" * 8
BOT_NUMBER = "+14155238886"


@pytest.fixture
def twilio_double():
    with TwilioDouble() as double:
        yield double


@pytest.fixture
def start_server(twilio_double):
    """Start the app at a local time: `start_server(db_url, "2026-04-06 09:10")`."""

    @contextmanager
    def start(db_url: str, local_time: str | None = None, frozen: bool = False, **env):
        settings = {
            "EMONEV_ENV": "development",
            "DATABASE_URL": db_url,
            "REDIS_URL": "",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
            "TWILIO_API_URL": twilio_double.url,
            "EMONEV_TIMEZONE": "Asia/Jakarta",
            "EMONEV_HELP_CONTACT": "Bappeda (0711) 000-000",
            "PUBLIC_URL": "",
            **env,
        }
        # libfaketime reads the clock in UTC terms when TZ is UTC.
        faketime = None
        if local_time is not None:
            from datetime import datetime
            from zoneinfo import ZoneInfo

            moment = datetime.fromisoformat(local_time).replace(
                tzinfo=ZoneInfo("Asia/Jakarta")
            )
            utc = moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S")
            # "@" starts a running clock at that instant; without it the
            # clock is stopped there, for tests at an exact second.
            faketime = utc if frozen else f"@{utc}"
            settings["TZ"] = "UTC"
        with AppServer(settings, faketime=faketime) as server:
            yield server

    return start

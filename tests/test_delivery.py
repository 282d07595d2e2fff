"""Delivery under WhatsApp's rules: window, templates, consent, retries, limits.

Each test sends through the real `twilio` client to the local Twilio double
and keeps the outbox on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import pytest
from redis import Redis
from sqlmodel import Session, select

from bot.config import ConfigError, Settings, load_settings
from bot.contacts import contact_of, mark_unreachable, opt_in, opt_out, record_inbound
from bot.db import get_engine, session_scope
from bot.outbound import (
    RESENT_ERROR,
    SENDING,
    SENDING_TIMEOUT,
    backoff,
    deliver,
    deliver_pending,
    next_local_midnight,
    outbox_counts,
    queue_message,
    recover_stalled,
    take_send_slot,
)
from models import Official, OptInSource, Outbox, OutboxStatus
from models.types import utcnow
from tests.support.twilio_double import TwilioDouble

DINKES_OPERATOR = "+6281200000001"
DISDIK_OPERATOR = "+6281200000003"
ENGLISH_ADMIN = "+6281200000030"
BOT_NUMBER = "+14155238886"
ACCOUNT_SID = "AC" + "de11very" * 4
AUTH_TOKEN = "delivery-test-token"
PUBLIC_URL = "https://emonev.example.go.id"
REMINDER_ID = "HX" + "1" * 32
REMINDER_EN = "HX" + "2" * 32
TEMPLATES = {"reminder:id": REMINDER_ID, "reminder:en": REMINDER_EN}
VARIABLES = {"1": "Dinkes", "2": "April 2026", "3": "Minggu, 10 Mei 2026"}
REMINDER_BODY = "🔔 Pengingat: laporan April 2026 Dinkes belum dikirim. Ketik *lapor*."


@pytest.fixture
def twilio_double():
    with TwilioDouble(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as double:
        yield double


def delivery_settings(db_url: str, api_url: str, **overrides) -> Settings:
    values = {
        "DATABASE_URL": db_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
        "TWILIO_API_URL": api_url,
        "TWILIO_TEMPLATES": json.dumps(TEMPLATES),
        "PUBLIC_URL": PUBLIC_URL,
        **overrides,
    }
    return Settings(**values)


def official_id(db_url: str, phone: str) -> int:
    with Session(get_engine(db_url)) as session:
        return session.exec(select(Official.id).where(Official.phone == phone)).one()


def set_contact(db_url: str, phone: str, *, window: bool, consent: bool = True) -> None:
    """Give the official a recorded opt-in and an open or closed 24-hour window."""
    now = utcnow()
    with session_scope(get_engine(db_url)) as session:
        official = official_id(db_url, phone)
        contact = contact_of(session, official)
        contact.last_inbound_at = now if window else now - timedelta(days=3)
        contact.opted_in_at = now - timedelta(days=30) if consent else None
        contact.opt_in_source = OptInSource.IMPORT if consent else None
        contact.opted_out_at = None
        session.add(contact)


def add_message(
    db_url: str, settings: Settings, phone: str, body: str = REMINDER_BODY,
    kind: str = "reminder", variables: dict | None = VARIABLES,
) -> list[int]:
    with session_scope(get_engine(db_url)) as session:
        official = session.exec(select(Official).where(Official.phone == phone)).one()
        rows = queue_message(session, settings, official, body, utcnow(),
                             kind=kind, variables=variables)
        return [row.id for row in rows]


def outbox_row(db_url: str, outbox_id: int) -> Outbox:
    with Session(get_engine(db_url)) as session:
        return session.get(Outbox, outbox_id)


def later(seconds: float = 0):
    return utcnow() + timedelta(seconds=seconds)


# --- window and templates ------------------------------------------------------


def test_reminder_outside_window_as_template(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url)
    set_contact(loaded_db_url, DINKES_OPERATOR, window=False)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)

    status = deliver(outbox_id, settings)

    [sent] = twilio_double.requests
    row = outbox_row(loaded_db_url, outbox_id)
    assert status == OutboxStatus.SENT
    assert sent["ContentSid"] == REMINDER_ID
    assert json.loads(sent["ContentVariables"]) == VARIABLES
    assert sent["Body"] is None
    assert sent["StatusCallback"] == f"{PUBLIC_URL}/twilio/status"
    assert row.content_sid == REMINDER_ID
    assert row.twilio_sid == sent["sid"]
    assert row.attempts == 1


def test_template_follows_language(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url)
    set_contact(loaded_db_url, ENGLISH_ADMIN, window=False)
    [outbox_id] = add_message(loaded_db_url, settings, ENGLISH_ADMIN)
    deliver(outbox_id, settings)
    [sent] = twilio_double.requests
    assert sent["ContentSid"] == REMINDER_EN


def test_inside_window_free_text(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url, PUBLIC_URL="")
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)

    assert deliver(outbox_id, settings) == OutboxStatus.SENT
    [sent] = twilio_double.requests
    assert sent["Body"] == REMINDER_BODY
    assert sent["ContentSid"] is None
    assert sent["StatusCallback"] is None
    assert outbox_row(loaded_db_url, outbox_id).content_sid is None


def test_no_template_waits_for_window(loaded_db_url, twilio_double, caplog):
    settings = delivery_settings(loaded_db_url, twilio_double.url, TWILIO_TEMPLATES="")
    set_contact(loaded_db_url, DINKES_OPERATOR, window=False)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)

    with caplog.at_level(logging.WARNING, logger="bot.outbound"):
        first = deliver(outbox_id, settings)
        not_due = deliver(outbox_id, settings)
        rechecked = deliver(outbox_id, settings, now=later(2 * 3600))
    row = outbox_row(loaded_db_url, outbox_id)
    warnings = [r.getMessage() for r in caplog.records if "no template" in r.getMessage()]
    assert first == OutboxStatus.PENDING
    assert not_due == OutboxStatus.PENDING
    assert rechecked == OutboxStatus.PENDING
    assert row.status == OutboxStatus.PENDING
    assert row.error == "no template for reminder:id"
    assert row.attempts == 0
    assert len(warnings) == 1
    assert twilio_double.requests == []

    # The official writes: the window opens and the row is due at once.
    with session_scope(get_engine(loaded_db_url)) as session:
        record_inbound(session, official_id(loaded_db_url, DINKES_OPERATOR), later(2 * 3600 + 1))
    assert deliver(outbox_id, settings, now=later(2 * 3600 + 2)) == OutboxStatus.SENT
    [sent] = twilio_double.requests
    assert sent["Body"] == REMINDER_BODY
    assert outbox_row(loaded_db_url, outbox_id).error is None


def test_sweep_picks_row_after_official_writes(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url, TWILIO_TEMPLATES="",
                                 REDIS_URL="")
    set_contact(loaded_db_url, DINKES_OPERATOR, window=False)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    deliver(outbox_id, settings)
    assert deliver_pending(settings) == 0
    with session_scope(get_engine(loaded_db_url)) as session:
        record_inbound(session, official_id(loaded_db_url, DINKES_OPERATOR), later(1))
    assert deliver_pending(settings, now=later(2)) == 1


def test_63016_retried_as_template(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url)
    # The database believes the window is open; Twilio knows better.
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True)
    twilio_double.close_window(DINKES_OPERATOR)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)

    status = deliver(outbox_id, settings)

    free_text, template = twilio_double.requests
    row = outbox_row(loaded_db_url, outbox_id)
    assert status == OutboxStatus.SENT
    assert free_text["error_code"] == 63016
    assert free_text["Body"] == REMINDER_BODY
    assert template["status"] == 201
    assert template["ContentSid"] == REMINDER_ID
    assert json.loads(template["ContentVariables"]) == VARIABLES
    assert row.content_sid == REMINDER_ID
    assert row.twilio_sid == template["sid"]
    assert row.attempts == 1


def test_63016_without_template_waits(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url, TWILIO_TEMPLATES="")
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True)
    twilio_double.close_window(DINKES_OPERATOR)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    assert deliver(outbox_id, settings) == OutboxStatus.PENDING
    row = outbox_row(loaded_db_url, outbox_id)
    assert row.error == "no template for reminder:id"
    assert len(twilio_double.requests) == 1


def test_split_message_one_template(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url)
    set_contact(loaded_db_url, DINKES_OPERATOR, window=False)
    body = "\n".join(f"baris {n:04d} " + "x" * 40 for n in range(60))
    first, second = add_message(loaded_db_url, settings, DINKES_OPERATOR, body=body)

    assert deliver(first, settings) == OutboxStatus.SENT
    assert deliver(second, settings) == OutboxStatus.PENDING
    [sent] = twilio_double.requests
    assert sent["ContentSid"] == REMINDER_ID
    assert outbox_row(loaded_db_url, second).error.startswith("waiting for the 24-hour window")


def test_queue_message_stores_variables(loaded_db_url):
    settings = delivery_settings(loaded_db_url, "http://127.0.0.1:9")
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    [plain] = add_message(loaded_db_url, settings, DINKES_OPERATOR, kind="notice",
                          variables=None)
    row = outbox_row(loaded_db_url, outbox_id)
    assert row.kind == "reminder"
    assert json.loads(row.variables) == VARIABLES
    assert outbox_row(loaded_db_url, plain).variables is None
    assert outbox_row(loaded_db_url, plain).kind == "notice"


# --- consent and reachability --------------------------------------------------


@pytest.mark.parametrize(
    ("state", "error"),
    [
        ("opted_out", "not sent: the official opted out of proactive messages"),
        ("unreachable", "not sent: the number cannot receive WhatsApp (63003: gone)"),
        ("no_consent", "not sent: no recorded opt-in to proactive messages"),
    ],
)
def test_no_consent_fails_unsent(loaded_db_url, twilio_double, state, error):
    settings = delivery_settings(loaded_db_url, twilio_double.url)
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True,
                consent=state != "no_consent")
    official = official_id(loaded_db_url, DINKES_OPERATOR)
    with session_scope(get_engine(loaded_db_url)) as session:
        if state == "opted_out":
            opt_out(session, official, utcnow())
        if state == "unreachable":
            mark_unreachable(session, official, "63003: gone", utcnow())
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)

    assert deliver(outbox_id, settings) == OutboxStatus.FAILED
    row = outbox_row(loaded_db_url, outbox_id)
    assert row.status == OutboxStatus.FAILED
    assert row.error == error
    assert twilio_double.requests == []


def test_reply_needs_no_consent(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url)
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True, consent=False)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR, kind="reply",
                              variables=None)
    assert deliver(outbox_id, settings) == OutboxStatus.SENT


def test_resumed_official_receives(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url)
    set_contact(loaded_db_url, DINKES_OPERATOR, window=False)
    official = official_id(loaded_db_url, DINKES_OPERATOR)
    with session_scope(get_engine(loaded_db_url)) as session:
        opt_out(session, official, utcnow())
        opt_in(session, official, utcnow(), OptInSource.RESUMED)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    assert deliver(outbox_id, settings) == OutboxStatus.SENT


def test_63003_marks_unreachable(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url)
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True)
    twilio_double.mark_unreachable(DINKES_OPERATOR)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)

    assert deliver(outbox_id, settings) == OutboxStatus.FAILED

    row = outbox_row(loaded_db_url, outbox_id)
    with Session(get_engine(loaded_db_url)) as session:
        contact = contact_of(session, official_id(loaded_db_url, DINKES_OPERATOR))
        notices = session.exec(select(Outbox).where(Outbox.kind == "unreachable")).all()
    assert row.error.startswith("63003")
    assert contact.unreachable_at is not None
    assert len(notices) >= 1
    assert all(DINKES_OPERATOR not in notice.body for notice in notices)


# --- retries ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500])
def test_busy_retried_with_backoff(loaded_db_url, twilio_double, status):
    settings = delivery_settings(loaded_db_url, twilio_double.url)
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True)
    twilio_double.fail_next(status, count=2)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    start = utcnow()

    first = deliver(outbox_id, settings, now=start)
    first_row = outbox_row(loaded_db_url, outbox_id)
    too_early = deliver(outbox_id, settings, now=start + timedelta(seconds=29))
    second = deliver(outbox_id, settings, now=start + timedelta(seconds=31))
    second_row = outbox_row(loaded_db_url, outbox_id)
    third = deliver(outbox_id, settings, now=start + timedelta(seconds=31 + 121))
    row = outbox_row(loaded_db_url, outbox_id)

    assert first == OutboxStatus.PENDING
    assert first_row.next_attempt_at == start + timedelta(seconds=30)
    assert first_row.error.startswith(str(20000 + status))
    assert too_early == OutboxStatus.PENDING
    assert second == OutboxStatus.PENDING
    assert second_row.next_attempt_at == start + timedelta(seconds=31 + 120)
    assert third == OutboxStatus.SENT
    assert row.attempts == 3
    assert row.error is None
    assert len(twilio_double.messages_to(DINKES_OPERATOR)) == 1
    assert len(twilio_double.requests) == 3


def test_retries_end_in_failed(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url,
                                 EMONEV_SEND_MAX_ATTEMPTS="2")
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True)
    twilio_double.fail_next(503, count=5)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    deliver(outbox_id, settings)
    status = deliver(outbox_id, settings, now=later(3600))
    row = outbox_row(loaded_db_url, outbox_id)
    assert status == OutboxStatus.FAILED
    assert row.status == OutboxStatus.FAILED
    assert row.error.startswith("failed after 2 attempts: 20503")
    assert len(twilio_double.requests) == 2


def test_backoff_grows_to_cap():
    waits = [backoff(attempt) for attempt in range(1, 8)]
    assert waits[:4] == [timedelta(seconds=30), timedelta(minutes=2),
                         timedelta(minutes=8), timedelta(minutes=32)]
    assert waits[4:] == [timedelta(hours=1)] * 3
    assert backoff(1000) == timedelta(hours=1)


# --- the daily limit ---------------------------------------------------------------


def test_daily_limit_defers_to_next_day(loaded_db_url, twilio_double, caplog):
    settings = delivery_settings(loaded_db_url, twilio_double.url, EMONEV_DAILY_LIMIT="1")
    set_contact(loaded_db_url, DINKES_OPERATOR, window=False)
    set_contact(loaded_db_url, DISDIK_OPERATOR, window=False)
    [first] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    [second] = add_message(loaded_db_url, settings, DISDIK_OPERATOR)
    [again] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    now = utcnow()

    with caplog.at_level(logging.WARNING, logger="bot.outbound"):
        assert deliver(first, settings, now=now) == OutboxStatus.SENT
        assert deliver(second, settings, now=now) == OutboxStatus.PENDING
    # The same recipient again does not count twice.
    assert deliver(again, settings, now=now) == OutboxStatus.SENT

    deferred = outbox_row(loaded_db_url, second)
    with Session(get_engine(loaded_db_url)) as session:
        counts = outbox_counts(session, settings, now)
    assert deferred.next_attempt_at == next_local_midnight(settings, now)
    assert deferred.error.startswith("daily limit of 1 recipients reached")
    assert "daily limit" in caplog.text
    assert counts["deferred"] == 1
    assert counts["recipients_today"] == 1
    assert counts["daily_limit"] == 1

    next_day = next_local_midnight(settings, now) + timedelta(minutes=1)
    assert deliver(second, settings, now=next_day) == OutboxStatus.SENT
    assert len(twilio_double.messages_to(DISDIK_OPERATOR)) == 1


def test_daily_limit_skips_window_messages(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url, EMONEV_DAILY_LIMIT="1")
    set_contact(loaded_db_url, DINKES_OPERATOR, window=False)
    set_contact(loaded_db_url, DISDIK_OPERATOR, window=True)
    [first] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    [second] = add_message(loaded_db_url, settings, DISDIK_OPERATOR)
    assert deliver(first, settings) == OutboxStatus.SENT
    assert deliver(second, settings) == OutboxStatus.SENT


# --- recovery of a send a worker did not finish --------------------------------------


def stall(db_url: str, outbox_id: int, claimed_at) -> None:
    """Leave the row as a worker killed after claiming it would."""
    with session_scope(get_engine(db_url)) as session:
        row = session.get(Outbox, outbox_id)
        row.status = SENDING
        row.claimed_at = claimed_at
        row.attempts += 1
        session.add(row)


def test_recovery_finds_message_at_twilio(loaded_db_url, twilio_double):
    from bot.twilio_client import make_client, send_message

    settings = delivery_settings(loaded_db_url, twilio_double.url)
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    claimed_at = utcnow()
    stall(loaded_db_url, outbox_id, claimed_at)
    client = make_client(ACCOUNT_SID, AUTH_TOKEN, twilio_double.url)
    sid = send_message(client, from_=f"whatsapp:{BOT_NUMBER}",
                       to=f"whatsapp:{DINKES_OPERATOR}", body=REMINDER_BODY)

    early = recover_stalled(settings, claimed_at + timedelta(seconds=10))
    outcome = recover_stalled(settings, claimed_at + SENDING_TIMEOUT + timedelta(seconds=1))

    row = outbox_row(loaded_db_url, outbox_id)
    assert early == {"sent": 0, "resent": 0, "failed": 0, "unknown": 0}
    assert outcome["sent"] == 1
    assert row.status == OutboxStatus.SENT
    assert row.twilio_sid == sid
    assert row.error.startswith("recovered after a worker stopped mid-send")
    assert len(twilio_double.requests) == 1


def test_recovery_resends_once(loaded_db_url, twilio_double):
    settings = delivery_settings(loaded_db_url, twilio_double.url, REDIS_URL="")
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    claimed_at = utcnow() - SENDING_TIMEOUT - timedelta(seconds=5)
    stall(loaded_db_url, outbox_id, claimed_at)

    assert deliver_pending(settings) == 1
    stalled = outbox_row(loaded_db_url, outbox_id)
    assert deliver(outbox_id, settings) == OutboxStatus.SENT
    assert deliver_pending(settings) == 0

    row = outbox_row(loaded_db_url, outbox_id)
    assert stalled.status == OutboxStatus.PENDING
    assert stalled.error == RESENT_ERROR
    assert row.attempts == 2
    assert len(twilio_double.messages_to(DINKES_OPERATOR)) == 1


def test_recovery_waits_when_twilio_down(loaded_db_url, twilio_double):
    from tests.support.servers import free_port

    settings = delivery_settings(loaded_db_url, f"http://127.0.0.1:{free_port()}")
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    stall(loaded_db_url, outbox_id, utcnow() - SENDING_TIMEOUT - timedelta(seconds=5))
    outcome = recover_stalled(settings, utcnow())
    assert outcome["unknown"] == 1
    assert outbox_row(loaded_db_url, outbox_id).status == SENDING


def test_read_timeout_left_for_recovery(loaded_db_url, twilio_double, monkeypatch):
    import bot.twilio_client

    settings = delivery_settings(loaded_db_url, twilio_double.url)
    set_contact(loaded_db_url, DINKES_OPERATOR, window=True)
    [outbox_id] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    original = bot.twilio_client.make_client
    monkeypatch.setattr(bot.twilio_client, "make_client",
                        lambda *args, **kwargs: original(*args, **{**kwargs, "timeout": 0.5}))
    hold = twilio_double.hold_next(DINKES_OPERATOR, accept=True)
    try:
        status = deliver(outbox_id, settings)
    finally:
        hold.release()
    assert status == SENDING
    row = outbox_row(loaded_db_url, outbox_id)
    assert row.status == SENDING
    recover_stalled(settings, row.claimed_at + SENDING_TIMEOUT + timedelta(seconds=1))
    recovered = outbox_row(loaded_db_url, outbox_id)
    assert recovered.status == OutboxStatus.SENT
    assert recovered.twilio_sid == twilio_double.stored_messages()[0]["sid"]


# --- pacing ----------------------------------------------------------------------------


def test_pacing_waits_for_free_slot(redis_url):
    settings = Settings(REDIS_URL=redis_url, TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                        TWILIO_WHATSAPP_FROM=BOT_NUMBER, EMONEV_SEND_RATE="1")
    redis = Redis.from_url(redis_url)
    base = f"emonev:send-rate:{ACCOUNT_SID}:{BOT_NUMBER}"
    current = int(time.time())
    # The slots of this second and the next are taken.
    for second in (current, current + 1):
        redis.set(f"{base}:{second}", 1, ex=5)

    take_send_slot(settings)

    counters = {
        int(key.decode().rsplit(":", 1)[1]): int(redis.get(key))
        for key in redis.scan_iter(f"{base}:*")
    }
    taken = [second for second, count in counters.items() if count == 1 and second > current + 1]
    assert taken


def test_pacing_without_redis(tmp_path, caplog, monkeypatch):
    import bot.outbound

    # Warnings are rate-limited per process: forget an earlier one.
    monkeypatch.setattr(bot.outbound, "_pacing_warned_at", float("-inf"))
    settings = Settings(REDIS_URL=f"unix://{tmp_path / 'no-redis.sock'}",
                        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_WHATSAPP_FROM=BOT_NUMBER)
    with caplog.at_level(logging.WARNING, logger="bot.outbound"):
        take_send_slot(settings)
        take_send_slot(settings)
    warnings = [r for r in caplog.records if "without pacing" in r.getMessage()]
    assert len(warnings) == 1


# --- settings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TWILIO_TEMPLATES", "{not json", "not valid JSON"),
        ("TWILIO_TEMPLATES", '["HX"]', "must be a JSON object"),
        ("TWILIO_TEMPLATES", '{"reminder": "HX' + "0" * 32 + '"}', "key 'reminder'"),
        ("TWILIO_TEMPLATES", '{"reminder:id": "HXshort"}', "is not a Content SID"),
        ("TWILIO_TEMPLATES", '{"reminder:id": 5}', "is not a Content SID"),
        ("EMONEV_SEND_MAX_ATTEMPTS", "0", "EMONEV_SEND_MAX_ATTEMPTS='0' is invalid"),
        ("EMONEV_SEND_RATE", "fast", "EMONEV_SEND_RATE='fast' is invalid"),
        ("EMONEV_DAILY_LIMIT", "-5", "EMONEV_DAILY_LIMIT='-5' is invalid"),
    ],
)
def test_invalid_delivery_settings(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_settings()


def test_delivery_settings_defaults(monkeypatch):
    for name in ("TWILIO_TEMPLATES", "EMONEV_SEND_MAX_ATTEMPTS", "EMONEV_SEND_RATE",
                 "EMONEV_DAILY_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TWILIO_TEMPLATES", json.dumps(TEMPLATES))
    settings = load_settings()
    assert settings.templates == TEMPLATES
    assert settings.send_max_attempts == 6
    assert settings.send_rate == 10
    assert settings.daily_limit == 1000


def test_outbox_status_command(loaded_db_url, twilio_double, monkeypatch):
    from click.testing import CliRunner

    from app import create_app
    from bot.cli import outbox_status_command

    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = delivery_settings(loaded_db_url, twilio_double.url, EMONEV_DAILY_LIMIT="1")
    set_contact(loaded_db_url, DINKES_OPERATOR, window=False)
    set_contact(loaded_db_url, DISDIK_OPERATOR, window=False)
    [first] = add_message(loaded_db_url, settings, DINKES_OPERATOR)
    [second] = add_message(loaded_db_url, settings, DISDIK_OPERATOR)
    deliver(first, settings)
    deliver(second, settings)

    app = create_app({"DATABASE_URL": loaded_db_url, "EMONEV_DAILY_LIMIT": "1"})
    with app.app_context():
        result = CliRunner().invoke(outbox_status_command)
    lines = dict(line.split("\t") for line in result.output.splitlines())
    assert result.exit_code == 0, result.output
    assert lines["deferred"] == "1"
    assert lines["pending"] == "1"
    assert lines["sent_today"] == "1"
    assert lines["recipients_today"] == "1"
    assert lines["daily_limit"] == "1"

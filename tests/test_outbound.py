"""Proactive messages: splitting, the outbox, and delivery through RQ and Twilio."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import fields
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st
from redis import Redis
from rq import Queue
from sqlmodel import Session, select

from app import create_app
from bot.config import Settings
from bot.contacts import record_inbound
from bot.db import get_engine, session_scope
from bot.outbound import (
    MAX_BODY,
    deliver,
    deliver_pending,
    enqueue_delivery,
    queue_message,
    split_body,
)
from bot.queue import QUEUE_NAME, enqueue
from models import Official, Outbox, OutboxStatus
from models.types import utcnow
from tests.support.processes import WorkerProcess
from tests.support.servers import free_port
from tests.support.twilio_double import TwilioDouble

DINKES_OPERATOR = "+6281200000001"
BOT_NUMBER = "+14155238886"
ACCOUNT_SID = "AC" + "0utb0x00" * 4
AUTH_TOKEN = "outbound-test-token"
NOW = datetime(2026, 4, 6, 2, 10, tzinfo=timezone.utc)

# Upper bound on waiting for the worker. A test fails only when it passes,
# never because the work took a particular time.
WORKER_TIMEOUT_SECONDS = 30.0

# Longer than the first backoff of bot.outbound (30 s).
RETRY_DELAY = timedelta(minutes=1)

SETTING_NAMES = [field.name for field in fields(Settings) if field.name != "extra"]


# --- split_body ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("", 10, [""]),
        ("short", 10, ["short"]),
        ("exactly 10", 10, ["exactly 10"]),
        ("abc\ndef", 7, ["abc\ndef"]),
        ("abc\ndefg", 7, ["abc", "defg"]),
        ("a\n\nb", 10, ["a\n\nb"]),
        ("aaaa\n\nbbbb", 4, ["aaaa", "bbbb"]),
        ("aaaa\nbbbb\ncccc", 9, ["aaaa\nbbbb", "cccc"]),
        ("one two three four", 9, ["one two", "three", "four"]),
        ("abcdefghijkl", 5, ["abcde", "fghij", "kl"]),
        ("head\none two three", 8, ["head", "one two", "three"]),
    ],
)
def test_split_body_table(text, limit, expected):
    assert split_body(text, limit) == expected


def test_split_body_default_limit():
    text = "\n".join(
        f"{n}. Realisasi keuangan kumulatif s.d. bulan laporan: Rp{n}.000"
        for n in range(40)
    )
    parts = split_body(text)
    assert len(text) > MAX_BODY
    assert len(parts) == 2
    assert max(len(part) for part in parts) <= MAX_BODY
    assert "\n".join(parts) == text


def test_split_body_cuts_at_space():
    line = "kata " * 400
    parts = split_body(line.strip())
    assert len(parts) == 2
    assert len(parts[0]) <= MAX_BODY
    assert parts[0].endswith("kata")
    assert parts[1].startswith("kata")


def _non_blank_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


fitting_lines = st.lists(
    st.text(alphabet="ab ,.\u00e9", max_size=12), min_size=0, max_size=30
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(lines=fitting_lines, limit=st.integers(min_value=12, max_value=40))
def test_split_body_keeps_lines(lines, limit):
    text = "\n".join(lines)
    parts = split_body(text, limit)
    assert all(len(part) <= limit for part in parts)
    # Blank lines at the start of a part carry nothing and are dropped.
    assert _non_blank_lines("\n".join(parts)) == _non_blank_lines(text)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="ab \n", max_size=200),
    limit=st.integers(min_value=1, max_value=30),
)
def test_split_body_keeps_characters(text, limit):
    parts = split_body(text, limit)
    assert all(len(part) <= limit for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.text(alphabet="abc", min_size=1, max_size=8), max_size=60),
    limit=st.integers(min_value=8, max_value=30),
)
def test_split_body_keeps_words(words, limit):
    text = " ".join(words)
    parts = split_body(text, limit)
    assert all(len(part) <= limit for part in parts)
    assert " ".join(parts).split() == words


# --- the outbox -----------------------------------------------------------------


def twilio_settings(db_url: str, api_url: str, **overrides) -> Settings:
    values = {
        "DATABASE_URL": db_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
        "TWILIO_API_URL": api_url,
        **overrides,
    }
    return Settings(**values)


def add_outbox(db_url: str, settings: Settings, body: str) -> list[int]:
    """Queue `body` for the Dinkes operator, whose 24-hour window is open now."""
    with session_scope(get_engine(db_url)) as session:
        official = session.exec(
            select(Official).where(Official.phone == DINKES_OPERATOR)
        ).one()
        record_inbound(session, official.id, utcnow())
        rows = queue_message(session, settings, official, body, NOW)
        return [row.id for row in rows]


def outbox_row(db_url: str, outbox_id: int) -> Outbox:
    with Session(get_engine(db_url)) as session:
        return session.get(Outbox, outbox_id)


def test_queue_message_stored(loaded_db_url, caplog):
    settings = Settings(DATABASE_URL=loaded_db_url)
    body = "Pengingat: laporan Maret belum dikirim."
    with caplog.at_level(logging.INFO, logger="bot.outbound"):
        ids = add_outbox(loaded_db_url, settings, body)
    row = outbox_row(loaded_db_url, ids[0])
    logged = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name == "bot.outbound"
    )
    assert len(ids) == 1
    assert row.status == OutboxStatus.STORED
    assert row.body == body
    assert row.phone == DINKES_OPERATOR
    assert "stored" in logged
    assert DINKES_OPERATOR.lstrip("+") not in logged
    assert body not in logged


def test_queue_message_splits_long(loaded_db_url):
    settings = Settings(DATABASE_URL=loaded_db_url)
    body = "\n".join(f"baris {n:04d} " + "x" * 40 for n in range(60))
    ids = add_outbox(loaded_db_url, settings, body)
    bodies = [outbox_row(loaded_db_url, outbox_id).body for outbox_id in ids]
    assert len(ids) == 2
    assert ids == sorted(ids)
    assert "\n".join(bodies) == body


def test_queue_message_pending_with_twilio(loaded_db_url):
    settings = twilio_settings(loaded_db_url, "http://127.0.0.1:9")
    ids = add_outbox(loaded_db_url, settings, "Laporan Dinkes diterima.")
    assert outbox_row(loaded_db_url, ids[0]).status == OutboxStatus.PENDING


# --- deliver ----------------------------------------------------------------------


@pytest.fixture
def twilio_double():
    with TwilioDouble(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as double:
        yield double


@pytest.mark.parametrize("sender", [BOT_NUMBER, f"whatsapp:{BOT_NUMBER}"])
def test_deliver_sends_once(loaded_db_url, twilio_double, sender):
    settings = twilio_settings(
        loaded_db_url, twilio_double.url, TWILIO_WHATSAPP_FROM=sender
    )
    [outbox_id] = add_outbox(loaded_db_url, settings, "Laporan Dinkes diterima.")
    first = deliver(outbox_id, settings)
    second = deliver(outbox_id, settings)
    sent = twilio_double.requests
    row = outbox_row(loaded_db_url, outbox_id)
    assert first == OutboxStatus.SENT
    assert second == OutboxStatus.SENT
    assert len(sent) == 1
    assert sent[0]["From"] == f"whatsapp:{BOT_NUMBER}"
    assert sent[0]["To"] == f"whatsapp:{DINKES_OPERATOR}"
    assert row.status == OutboxStatus.SENT
    assert row.twilio_sid == sent[0]["sid"]
    assert row.attempts == 1
    assert row.sent_at is not None


def test_deliver_concurrent_sends_once(loaded_db_url, twilio_double):
    settings = twilio_settings(loaded_db_url, twilio_double.url)
    [outbox_id] = add_outbox(loaded_db_url, settings, "Laporan Dinkes diterima.")
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        results.append(deliver(outbox_id, settings))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(twilio_double.requests) == 1
    assert outbox_row(loaded_db_url, outbox_id).attempts == 1
    assert len(results) == 2


def test_deliver_twilio_error_fails(loaded_db_url, twilio_double, caplog):
    settings = twilio_settings(loaded_db_url, twilio_double.url)
    [outbox_id] = add_outbox(loaded_db_url, settings, "Laporan Dinkes diterima.")
    twilio_double.fail_next(400, code=21211, message="Invalid 'To' Phone Number")
    with caplog.at_level(logging.WARNING, logger="bot.outbound"):
        status = deliver(outbox_id, settings)
    row = outbox_row(loaded_db_url, outbox_id)
    assert status == OutboxStatus.FAILED
    assert row.status == OutboxStatus.FAILED
    assert row.error.startswith("21211")
    assert row.twilio_sid is None
    assert "21211" in caplog.text


@pytest.mark.parametrize(
    ("status", "code"), [(429, None), (500, None), (503, None), (429, 63018)]
)
def test_deliver_busy_twilio_retryable(loaded_db_url, twilio_double, status, code):
    settings = twilio_settings(loaded_db_url, twilio_double.url)
    [outbox_id] = add_outbox(loaded_db_url, settings, "Pengingat laporan.")
    twilio_double.fail_next(status, code=code)
    first = deliver(outbox_id, settings)
    too_early = deliver(outbox_id, settings)
    second = deliver(outbox_id, settings, now=utcnow() + RETRY_DELAY)
    row = outbox_row(loaded_db_url, outbox_id)
    assert first == OutboxStatus.PENDING
    assert too_early == OutboxStatus.PENDING
    assert second == OutboxStatus.SENT
    assert row.status == OutboxStatus.SENT
    assert len(twilio_double.messages_to(row.phone)) == 1


def test_deliver_connection_error_retryable(loaded_db_url, twilio_double, caplog):
    closed = twilio_settings(loaded_db_url, f"http://127.0.0.1:{free_port()}")
    [outbox_id] = add_outbox(loaded_db_url, closed, "Laporan Dinkes diterima.")
    with caplog.at_level(logging.WARNING, logger="bot.outbound"):
        status = deliver(outbox_id, closed)
    row = outbox_row(loaded_db_url, outbox_id)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert status == OutboxStatus.PENDING
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert len(warnings) == 1
    assert DINKES_OPERATOR.lstrip("+") not in caplog.text

    retried = deliver(outbox_id, twilio_settings(loaded_db_url, twilio_double.url),
                      now=utcnow() + RETRY_DELAY)
    assert retried == OutboxStatus.SENT
    assert outbox_row(loaded_db_url, outbox_id).attempts == 2


def test_deliver_missing_row(loaded_db_url, twilio_double):
    settings = twilio_settings(loaded_db_url, twilio_double.url)
    assert deliver(987654, settings) == "missing"
    assert twilio_double.requests == []


# --- RQ on a Redis of our own ------------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch):
    """Remove the product's settings from the environment of this process."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)


def wait_for_status(
    db_url: str, outbox_id: int, status: str, worker: WorkerProcess
) -> Outbox:
    """Poll the row until it has `status`; fail with the worker's output if not."""
    deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
    row = outbox_row(db_url, outbox_id)
    while time.monotonic() < deadline:
        row = outbox_row(db_url, outbox_id)
        if row.status == status:
            return row
        if worker.process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(
        f"outbox {outbox_id} is {row.status!r}, expected {status!r}. Worker output:\n"
        f"{worker.output()}"
    )


def product_environment(
    db_url: str, redis_url: str = "", api_url: str = "http://127.0.0.1:9"
) -> dict[str, str]:
    """Return the settings of a development process that sends through Twilio."""
    return {
        "EMONEV_ENV": "development",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
        "TWILIO_API_URL": api_url,
        "SECRET_KEY": "outbound-test-secret-key-0123456789abcdef",
    }


def test_worker_delivers_pending(
    loaded_db_url, redis_url, twilio_double, clean_environment, tmp_path
):
    environment = product_environment(loaded_db_url, redis_url, twilio_double.url)
    app = create_app(environment)
    settings = app.config["SETTINGS"]
    body = "Laporan *Maret 2026* Dinkes sudah diterima.\nTerima kasih."
    [outbox_id] = add_outbox(loaded_db_url, settings, body)
    with app.app_context():
        enqueue_delivery(settings, [outbox_id])

    worker = WorkerProcess(environment, tmp_path / "worker.log")
    try:
        row = wait_for_status(loaded_db_url, outbox_id, OutboxStatus.SENT, worker)
    finally:
        exit_code = worker.stop()
    sent = twilio_double.requests
    assert exit_code == 0, worker.output()
    assert len(sent) == 1
    assert sent[0]["To"] == f"whatsapp:{DINKES_OPERATOR}"
    assert sent[0]["From"] == f"whatsapp:{BOT_NUMBER}"
    assert sent[0]["Body"] == body
    assert row.twilio_sid == sent[0]["sid"]


def test_worker_runs_sweep(
    sqlite_loaded_url, redis_url, twilio_double, clean_environment, tmp_path
):
    environment = product_environment(sqlite_loaded_url, redis_url, twilio_double.url)
    app = create_app(environment)
    # A row whose enqueue was lost: only the sweep can hand it to RQ.
    [outbox_id] = add_outbox(sqlite_loaded_url, app.config["SETTINGS"], "Pengingat")
    with app.app_context():
        enqueue("bot.outbound.deliver_pending")

    worker = WorkerProcess(environment, tmp_path / "worker.log")
    try:
        row = wait_for_status(sqlite_loaded_url, outbox_id, OutboxStatus.SENT, worker)
    finally:
        exit_code = worker.stop()
    assert exit_code == 0, worker.output()
    assert len(twilio_double.requests) == 1
    assert row.twilio_sid == twilio_double.requests[0]["sid"]


def test_enqueue_delivery_queues_job(sqlite_loaded_url, redis_url, clean_environment):
    app = create_app(product_environment(sqlite_loaded_url, redis_url))
    settings = app.config["SETTINGS"]
    ids = add_outbox(sqlite_loaded_url, settings, "Laporan Dinkes diterima.")
    with app.app_context():
        enqueue_delivery(settings, ids)
    jobs = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url)).jobs
    assert [job.func_name for job in jobs] == ["bot.outbound.deliver"]
    assert [job.args for job in jobs] == [(ids[0],)]


def test_deliver_pending_redis_down(loaded_db_url, clean_environment, tmp_path, caplog):
    closed_socket = f"unix://{tmp_path / 'no-redis.sock'}"
    app = create_app(product_environment(loaded_db_url, closed_socket))
    settings = app.config["SETTINGS"]
    ids = add_outbox(loaded_db_url, settings, "satu")
    ids += add_outbox(loaded_db_url, settings, "dua")
    # Outside an app context: the settings passed in name the Redis to use.
    with caplog.at_level(logging.WARNING):
        count = deliver_pending(settings)
    statuses = {outbox_row(loaded_db_url, outbox_id).status for outbox_id in ids}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert count == 2
    assert statuses == {OutboxStatus.PENDING}
    assert len(warnings) == 1

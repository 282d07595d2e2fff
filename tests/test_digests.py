"""Escalation digests and daily summaries to supervisors and admins.

The 2026-04 deadline is Sunday 10 May 2026, so with the defaults its
agencies still missing are escalated from Wednesday 13 May (three days
after), then every two days up to 14 days after.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, func, select

from bot.config import load_settings
from bot.contacts import opt_out
from bot.db import get_engine, session_scope
from bot.digests import send_escalations, send_summaries
from bot.periods import expected_agencies
from bot.schedule import periodic_jobs
from models import (
    Agency,
    Contact,
    FlagStatus,
    Official,
    Outbox,
    Period,
    Reminder,
    Report,
    ReportStatus,
    Role,
    ValueFlag,
)
from tests.flows.chat import Chat, local
from tests.flows.test_reporting import DINKES_OPERATOR, complete_dinkes_march

SUPERVISOR = "+6281200000025"
ESCALATION_DAY = "2026-05-13 08:00"


def send(db_url: str, job, moment: str, **overrides) -> list[int]:
    settings = load_settings({"DATABASE_URL": db_url, **overrides})
    with session_scope(get_engine(db_url)) as session:
        return job(session, settings, local(moment))


def recipient_phones(db_url: str) -> set[str]:
    with Session(get_engine(db_url)) as session:
        return set(session.exec(
            select(Official.phone).where(
                Official.role.in_([Role.SUPERVISOR, Role.ADMIN]), Official.active
            )
        ).all())


def outbox_rows(db_url: str, ids: list[int]) -> list[Outbox]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(
            select(Outbox).where(Outbox.id.in_(ids)).order_by(Outbox.id)
        ).all())


def missing_short_names(db_url: str, period_code: str) -> tuple[set[str], set[str]]:
    """Compute, apart from the digest code, the missing agencies with and
    without an active operator."""
    with Session(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == period_code)).one()
        submitted = set(session.exec(
            select(Report.agency_id).where(Report.period_id == period.id,
                                           Report.status != ReportStatus.DRAFT)
        ).all())
        operators = session.exec(
            select(Official).where(Official.role == Role.OPERATOR, Official.active)
        ).all()
        staffed_ids = {o.agency_id for o in operators}
        missing = [a for a in expected_agencies(session, period) if a.id not in submitted]
        return (
            {a.short_name for a in missing if a.id in staffed_ids},
            {a.short_name for a in missing if a.id not in staffed_ids},
        )


NO_OPERATOR = "• Belum ada operator terdaftar: "


def period_block(body: str, label: str) -> str:
    """Return the digest's lines from the period's heading to the next heading."""
    lines = body.splitlines()
    start = lines.index(next(line for line in lines if line.startswith(f"*{label}*")))
    block = [lines[start]]
    for line in lines[start + 1:]:
        if line.startswith("*"):
            break
        block.append(line)
    return "\n".join(block)


def listed_names(block: str) -> tuple[set[str], set[str]]:
    """Return the agencies on the block's two lists: with and without an operator."""
    staffed, unstaffed = set(), set()
    for line in block.splitlines():
        if line.startswith(NO_OPERATOR):
            unstaffed = {name.strip() for name in line.removeprefix(NO_OPERATOR).split(",")}
        elif line.startswith("• "):
            staffed = {name.strip() for name in line.removeprefix("• ").split(",")}
    return staffed, unstaffed


# --- Escalation digests ---------------------------------------------------------


def test_escalation_one_digest_per_recipient(loaded_db_url):
    ids = send(loaded_db_url, send_escalations, ESCALATION_DAY)
    rows = outbox_rows(loaded_db_url, ids)
    staffed, unstaffed = missing_short_names(loaded_db_url, "2026-04")
    per_phone = Counter(row.phone for row in rows)
    assert set(per_phone) == recipient_phones(loaded_db_url)
    assert set(per_phone.values()) == {1}
    assert {row.kind for row in rows} == {"escalation"}
    block = period_block(rows[0].body, "April 2026")
    assert "terlambat 3 hari" in block
    assert f"{len(staffed) + len(unstaffed)} OPD belum lapor" in block
    assert listed_names(block) == (staffed, unstaffed)
    assert "Dinkes" in staffed
    assert unstaffed


def test_escalation_recorded_once(loaded_db_url):
    first = send(loaded_db_url, send_escalations, ESCALATION_DAY)
    again = send(loaded_db_url, send_escalations, "2026-05-13 15:00")
    with Session(get_engine(loaded_db_url)) as session:
        kinds = Counter(session.exec(
            select(Reminder.kind).where(Reminder.kind.startswith("escalate-"))
        ).all())
    assert first
    assert again == []
    assert kinds == {"escalate-3": len(recipient_phones(loaded_db_url))}


@pytest.mark.parametrize(("moment", "due"), [
    ("2026-05-12 20:00", False),
    ("2026-05-13 07:59", False),
    ("2026-05-13 08:00", True),
])
def test_escalation_day_boundary(sqlite_loaded_url, moment, due):
    assert bool(send(sqlite_loaded_url, send_escalations, moment)) is due


def test_escalation_lists_periods_together(loaded_db_url):
    # 13 April is three days after the March deadline and five after Q1's.
    ids = send(loaded_db_url, send_escalations, "2026-04-13 08:00")
    rows = [row for row in outbox_rows(loaded_db_url, ids) if row.phone == SUPERVISOR]
    body = "\n".join(row.body for row in rows)
    with Session(get_engine(loaded_db_url)) as session:
        linked = session.exec(
            select(Reminder.outbox_id).where(Reminder.outbox_id.in_(ids))
            .join(Official, Official.id == Reminder.official_id)
            .where(Official.phone == SUPERVISOR)
        ).all()
    # One digest, which WhatsApp's 1,600-character limit splits into parts.
    assert linked == [rows[0].id, rows[0].id]
    assert all(len(row.body) <= 1600 for row in rows)
    assert "terlambat 3 hari" in period_block(body, "Maret 2026")
    assert "terlambat 5 hari" in period_block(body, "Triwulan I 2026")


def test_escalation_leaves_out_submitted(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("ya", at="2026-04-12 09:00")
    ids = send(sqlite_loaded_url, send_escalations, "2026-04-13 08:00")
    body = "\n".join(
        row.body for row in outbox_rows(sqlite_loaded_url, ids) if row.phone == SUPERVISOR
    )
    staffed, unstaffed = missing_short_names(sqlite_loaded_url, "2026-03")
    assert "Dinkes" not in staffed
    assert listed_names(period_block(body, "Maret 2026")) == (staffed, unstaffed)


def test_escalation_waits_for_next_day_after_digest(sqlite_loaded_url):
    send(sqlite_loaded_url, send_escalations, ESCALATION_DAY)
    with session_scope(get_engine(sqlite_loaded_url)) as session:
        session.exec(
            Reminder.__table__.delete().where(Reminder.kind == "escalate-3")
        )
    later = send(sqlite_loaded_url, send_escalations, "2026-05-13 12:00")
    next_day = send(sqlite_loaded_url, send_escalations, "2026-05-14 08:00")
    assert later == []
    assert len(next_day) == len(recipient_phones(sqlite_loaded_url))


def test_escalation_respects_opt_out(loaded_db_url):
    with session_scope(get_engine(loaded_db_url)) as session:
        supervisor = session.exec(select(Official).where(Official.phone == SUPERVISOR)).one()
        opt_out(session, supervisor.id, local("2026-05-01 10:00"))
    ids = send(loaded_db_url, send_escalations, ESCALATION_DAY)
    phones = {row.phone for row in outbox_rows(loaded_db_url, ids)}
    assert SUPERVISOR not in phones
    assert phones == recipient_phones(loaded_db_url) - {SUPERVISOR}


def test_escalation_in_quiet_hours_waits(sqlite_loaded_url):
    overrides = {"EMONEV_REMINDER_TIME": "22:00"}
    assert send(sqlite_loaded_url, send_escalations, "2026-05-13 22:00", **overrides) == []
    assert send(sqlite_loaded_url, send_escalations, "2026-05-14 07:00", **overrides)


# --- Daily summaries ------------------------------------------------------------


def set_summary_time(
    db_url: str, phone: str, at: str | None, sent_on: str | None = None
) -> None:
    with session_scope(get_engine(db_url)) as session:
        official = session.exec(select(Official).where(Official.phone == phone)).one()
        contact = session.exec(
            select(Contact).where(Contact.official_id == official.id)
        ).one()
        contact.daily_summary_time = at
        contact.daily_summary_sent_on = sent_on
        session.add(contact)


def test_summary_sent_once_a_day_from_its_time(loaded_db_url):
    set_summary_time(loaded_db_url, SUPERVISOR, "07:30")
    early = send(loaded_db_url, send_summaries, "2026-04-13 07:29")
    on_time = send(loaded_db_url, send_summaries, "2026-04-13 07:30")
    later = send(loaded_db_url, send_summaries, "2026-04-13 12:00")
    next_day = send(loaded_db_url, send_summaries, "2026-04-14 07:30")
    assert early == []
    assert len(on_time) == 1
    assert later == []
    assert len(next_day) == 1
    assert outbox_rows(loaded_db_url, on_time)[0].phone == SUPERVISOR
    assert outbox_rows(loaded_db_url, on_time)[0].kind == "summary"


def test_summary_counts(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("ya", at="2026-04-08 20:00")
    set_summary_time(loaded_db_url, SUPERVISOR, "07:30")
    ids = send(loaded_db_url, send_summaries, "2026-04-13 07:30")
    body = outbox_rows(loaded_db_url, ids)[0].body
    with Session(get_engine(loaded_db_url)) as session:
        march = session.exec(select(Period).where(Period.code == "2026-03")).one()
        expected = len(expected_agencies(session, march))
        flags = session.exec(
            select(func.count()).select_from(ValueFlag)
            .join(Report, Report.id == ValueFlag.report_id)
            .where(Report.period_id == march.id,
                   ValueFlag.status.in_([FlagStatus.OPEN, FlagStatus.ANSWERED]))
        ).one()
    assert (
        f"*Maret 2026* (batas Jumat, 10 April 2026): 1 masuk (0 terlambat), "
        f"{expected - 1} belum, {flags} catatan menunggu"
    ) in body
    assert "*Triwulan I 2026*" in body
    assert "Februari 2026" not in body


def test_summary_late_report_counted(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("ya", at="2026-04-11 09:00")
    set_summary_time(sqlite_loaded_url, SUPERVISOR, "07:30")
    ids = send(sqlite_loaded_url, send_summaries, "2026-04-13 07:30")
    assert "1 masuk (1 terlambat)" in outbox_rows(sqlite_loaded_url, ids)[0].body


def test_summary_in_quiet_hours_next_morning(sqlite_loaded_url):
    set_summary_time(sqlite_loaded_url, SUPERVISOR, "22:00", sent_on="2026-04-12")
    held = send(sqlite_loaded_url, send_summaries, "2026-04-13 22:00")
    night = send(sqlite_loaded_url, send_summaries, "2026-04-14 06:59")
    morning = send(sqlite_loaded_url, send_summaries, "2026-04-14 07:00")
    again = send(sqlite_loaded_url, send_summaries, "2026-04-14 08:00")
    assert held == []
    assert night == []
    assert len(morning) == 1
    assert again == []


def test_new_summary_waits_for_its_time(sqlite_loaded_url):
    set_summary_time(sqlite_loaded_url, SUPERVISOR, "07:30")
    assert send(sqlite_loaded_url, send_summaries, "2026-04-13 07:00") == []
    assert len(send(sqlite_loaded_url, send_summaries, "2026-04-13 07:30")) == 1


def test_summary_not_for_operators(sqlite_loaded_url):
    set_summary_time(sqlite_loaded_url, DINKES_OPERATOR, "07:30")
    assert send(sqlite_loaded_url, send_summaries, "2026-04-13 07:30") == []


def test_summary_off_sends_nothing(sqlite_loaded_url):
    set_summary_time(sqlite_loaded_url, SUPERVISOR, None)
    assert send(sqlite_loaded_url, send_summaries, "2026-04-13 07:30") == []


# --- Schedule -------------------------------------------------------------------


def test_schedule_lists_digest_jobs():
    settings = load_settings({"EMONEV_SWEEP_INTERVAL": "600"})
    jobs = {job.name: job for job in periodic_jobs()}
    assert jobs["escalation digests"].func.__name__ == "run_escalations"
    assert jobs["daily summaries"].func.__name__ == "run_summaries"
    assert jobs["escalation digests"].interval(settings) == 600
    assert jobs["daily summaries"].interval(settings) == 600


def test_escalation_job_runs_in_app(sqlite_loaded_url):
    from app import create_app
    from bot.digests import run_escalations

    app = create_app({"DATABASE_URL": sqlite_loaded_url, "REDIS_URL": ""})
    with app.app_context():
        early = run_escalations("2026-05-13T07:30")
        on_time = run_escalations("2026-05-13T08:00")
    assert early == {"messages": 0}
    assert on_time == {"messages": len(recipient_phones(sqlite_loaded_url))}

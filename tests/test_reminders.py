"""The reminder sweep: who is due which reminder when, and at most once."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.config import load_settings
from bot.db import get_engine, session_scope
from bot.periods import expected_agencies
from bot.reminders import due_reminders, reminder_kind, sweep
from models import Agency, Official, Outbox, Period, Reminder, Report, ReportStatus, Role
from tests.flows.chat import Chat, local
from tests.flows.test_reporting import DINKES_OPERATOR, complete_dinkes_march

ROOT = Path(__file__).resolve().parent.parent
APRIL = "2026-04"
# Sunday 10 May 2026 is the deadline of the April report.
THREE_DAYS_BEFORE = "2026-05-07 08:00"


def settings_for(db_url: str, **overrides):
    return load_settings({"DATABASE_URL": db_url, **overrides})


def due_at(db_url: str, moment: str, **overrides) -> set[tuple[str, str, str]]:
    settings = settings_for(db_url, **overrides)
    with Session(get_engine(db_url)) as session:
        return {
            (item.official_name, item.period_code, item.kind)
            for item in due_reminders(session, settings, local(moment))
        }


def unreported_operators(db_url: str, period_code: str) -> set[str]:
    """Compute, independently of the sweep, who should be reminded."""
    with Session(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == period_code)).one()
        submitted = set(
            session.exec(
                select(Report.agency_id).where(
                    Report.period_id == period.id,
                    Report.status == ReportStatus.SUBMITTED,
                )
            ).all()
        )
        agencies = {a.id for a in expected_agencies(session, period)} - submitted
        operators = session.exec(
            select(Official).where(Official.role == Role.OPERATOR, Official.active)
        ).all()
        return {o.name for o in operators if o.agency_id in agencies}


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2026, 5, 7), "before-3"),
        (date(2026, 5, 8), None),
        (date(2026, 5, 9), "before-1"),
        (date(2026, 5, 10), "deadline"),
        (date(2026, 5, 11), None),
        (date(2026, 5, 12), "after-2"),
        (date(2026, 5, 24), "after-14"),
        (date(2026, 5, 26), None),
        (date(2026, 5, 1), None),
    ],
)
def test_reminder_kind_by_day(day, kind):
    settings = load_settings({})
    assert reminder_kind(settings, date(2026, 5, 10), day) == kind


def test_reminder_kind_follows_settings():
    settings = load_settings(
        {
            "EMONEV_REMINDER_DAYS_BEFORE": "5",
            "EMONEV_REMINDER_EVERY_DAYS_AFTER": "3",
            "EMONEV_REMINDER_MAX_DAYS_AFTER": "6",
        }
    )
    deadline = date(2026, 5, 10)
    assert reminder_kind(settings, deadline, date(2026, 5, 5)) == "before-5"
    assert reminder_kind(settings, deadline, date(2026, 5, 7)) is None
    assert reminder_kind(settings, deadline, date(2026, 5, 10)) is None
    assert reminder_kind(settings, deadline, date(2026, 5, 13)) == "after-3"
    assert reminder_kind(settings, deadline, date(2026, 5, 16)) == "after-6"
    assert reminder_kind(settings, deadline, date(2026, 5, 19)) is None


def test_nothing_before_reminder_time(loaded_db_url):
    assert due_at(loaded_db_url, "2026-05-07 07:59:59") == set()


def test_three_days_before_reaches_unreported(loaded_db_url):
    due = due_at(loaded_db_url, THREE_DAYS_BEFORE)
    expected = {(name, APRIL, "before-3") for name in unreported_operators(
        loaded_db_url, APRIL)}
    assert expected
    assert due == expected


def test_reminder_time_is_a_setting(loaded_db_url):
    assert due_at(loaded_db_url, "2026-05-07 08:30", EMONEV_REMINDER_TIME="09:00") == set()
    assert due_at(loaded_db_url, "2026-05-07 09:00", EMONEV_REMINDER_TIME="09:00")


def test_nothing_again_between_reminder_days(loaded_db_url):
    settings = settings_for(loaded_db_url)
    engine = get_engine(loaded_db_url)
    with session_scope(engine) as session:
        first = sweep(session, settings, local(THREE_DAYS_BEFORE))
    with session_scope(engine) as session:
        next_day = sweep(session, settings, local("2026-05-08 10:00"))
    assert first
    assert next_day == []


def test_unsent_reminder_waits_for_next_one(loaded_db_url):
    # Nothing was sent on 7 May, so before-3 stays due until before-1 opens.
    next_day = {kind for _, _, kind in due_at(loaded_db_url, "2026-05-08 10:00")}
    last_moment = {kind for _, _, kind in due_at(loaded_db_url, "2026-05-09 07:59")}
    replaced = {kind for _, _, kind in due_at(loaded_db_url, "2026-05-09 08:00")}
    assert next_day == {"before-3"}
    assert last_moment == {"before-3"}
    assert replaced == {"before-1"}


def test_sunday_deadline_reminded_before(loaded_db_url):
    due = due_at(loaded_db_url, "2026-05-09 08:00")
    assert {kind for _, _, kind in due} == {"before-1"}
    assert {period for _, period, _ in due} == {APRIL}


def test_nothing_after_limit(loaded_db_url):
    assert {k for _, _, k in due_at(loaded_db_url, "2026-05-24 08:00")} == {"after-14"}
    assert due_at(loaded_db_url, "2026-05-26 08:00") == set()


def test_submitted_agency_drops_out(loaded_db_url):
    before = due_at(loaded_db_url, "2026-04-09 08:00")
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("ya", at="2026-04-08 20:00")
    after = due_at(loaded_db_url, "2026-04-09 08:00")
    assert ("Operator Dinkes 1", "2026-03", "before-1") in before
    assert ("Operator Dinkes 2", "2026-03", "before-1") in before
    assert before - after == {
        ("Operator Dinkes 1", "2026-03", "before-1"),
        ("Operator Dinkes 2", "2026-03", "before-1"),
    }


def test_sweep_sends_each_reminder_once(loaded_db_url):
    settings = settings_for(loaded_db_url)
    engine = get_engine(loaded_db_url)
    with session_scope(engine) as session:
        first = sweep(session, settings, local(THREE_DAYS_BEFORE))
    with session_scope(engine) as session:
        second = sweep(session, settings, local("2026-05-07 11:00"))
    with Session(engine) as session:
        reminders = session.exec(select(func.count()).select_from(Reminder)).one()
        outbox = session.exec(select(Outbox).order_by(Outbox.id)).all()
    expected = unreported_operators(loaded_db_url, APRIL)
    assert len(first) == len(expected)
    assert second == []
    assert reminders == len(expected)
    assert len(outbox) == len(expected)
    assert all(row.status == "stored" for row in outbox)


def test_one_message_for_several_periods(loaded_db_url):
    # 10 April is the March deadline and two days after the first quarter's.
    settings = settings_for(loaded_db_url)
    engine = get_engine(loaded_db_url)
    with session_scope(engine) as session:
        sweep(session, settings, local("2026-04-10 08:00"))
    with Session(engine) as session:
        official = session.exec(
            select(Official).where(Official.phone == DINKES_OPERATOR)
        ).one()
        kinds = session.exec(
            select(Reminder.kind).where(Reminder.official_id == official.id)
        ).all()
        bodies = session.exec(
            select(Outbox.body).where(Outbox.official_id == official.id)
        ).all()
    assert sorted(kinds) == ["after-2", "deadline"]
    assert len(bodies) == 1
    assert "Maret 2026" in bodies[0]
    assert "Triwulan I 2026" in bodies[0]
    assert "Jumat, 10 April 2026" in bodies[0]
    assert "hari ini" in bodies[0]
    assert "terlambat 2 hari" in bodies[0]
    assert "lapor" in bodies[0]


def test_reminder_text_names_deadline_and_missing(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR, at="2026-05-06 09:00")
    chat.send("lapor april")
    chat.send("20 M")
    settings = settings_for(loaded_db_url)
    engine = get_engine(loaded_db_url)
    with session_scope(engine) as session:
        sweep(session, settings, local(THREE_DAYS_BEFORE))
    with Session(engine) as session:
        body = session.exec(
            select(Outbox.body).where(Outbox.phone == DINKES_OPERATOR)
        ).one()
    assert "April 2026" in body
    assert "Minggu, 10 Mei 2026" in body
    assert "3 hari lagi" in body
    assert "draf, 1 dari 7 terisi" in body


def test_status_shows_last_reminder(sqlite_loaded_url):
    settings = settings_for(sqlite_loaded_url)
    with session_scope(get_engine(sqlite_loaded_url)) as session:
        sweep(session, settings, local(THREE_DAYS_BEFORE))
    reply = Chat(sqlite_loaded_url, "+6281200000025", at="2026-05-07 10:00").send(
        "status dinkes april"
    )
    assert "Pengingat terakhir ke operator: 07/05 08.00" in reply


def _dry_run(db_url: str, moment: str, tz: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": db_url, "TZ": tz}
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "REDIS_URL"):
        environment.pop(name, None)
    return subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "app", "remind",
         "--at", moment, "--dry-run"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    "moment",
    ["2026-05-07T07:59", "2026-05-07T08:00", "2026-05-08T10:00", "2026-05-26T08:00"],
)
def test_dry_run_ignores_server_time_zone(sqlite_loaded_url, moment):
    in_utc = _dry_run(sqlite_loaded_url, moment, "UTC")
    in_jakarta = _dry_run(sqlite_loaded_url, moment, "Asia/Jakarta")
    expected = due_at(sqlite_loaded_url, moment.replace("T", " "))
    lines = [line.split("\t") for line in in_utc.stdout.splitlines()]
    assert in_utc.returncode == 0, in_utc.stderr
    assert in_utc.stdout == in_jakarta.stdout
    assert {(name, period, kind) for name, _, period, kind in lines} == expected


def test_dry_run_sends_nothing(sqlite_loaded_url):
    result = _dry_run(sqlite_loaded_url, "2026-05-07T08:00", "UTC")
    with Session(get_engine(sqlite_loaded_url)) as session:
        reminders = session.exec(select(func.count()).select_from(Reminder)).one()
        outbox = session.exec(select(func.count()).select_from(Outbox)).one()
    assert result.stdout.count("\n") > 0
    assert reminders == 0
    assert outbox == 0


def test_utc_instant_is_read_in_regency_time(loaded_db_url):
    # 00:59 UTC is 07:59 in Jakarta, 01:00 UTC is 08:00.
    settings = settings_for(loaded_db_url)
    with Session(get_engine(loaded_db_url)) as session:
        early = due_reminders(
            session, settings, datetime.fromisoformat("2026-05-07T00:59:00+00:00")
        )
        on_time = due_reminders(
            session, settings, datetime.fromisoformat("2026-05-07T01:00:00+00:00")
        )
    assert early == []
    assert on_time


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EMONEV_REMINDER_DAYS_BEFORE", "3,x"),
        ("EMONEV_REMINDER_DAYS_BEFORE", "-1"),
        ("EMONEV_REMINDER_TIME", "8 pagi"),
        ("EMONEV_REMINDER_EVERY_DAYS_AFTER", "0"),
        ("EMONEV_REMINDER_MAX_DAYS_AFTER", "dua"),
        ("EMONEV_SWEEP_INTERVAL", "0"),
        ("EMONEV_QUIET_HOURS", "21-07"),
        ("EMONEV_QUIET_HOURS", "25:00-07:00"),
        ("EMONEV_SKIP_DAYS_OFF", "kadang"),
        ("EMONEV_DAILY_MESSAGE_CAP", "0"),
        ("EMONEV_DAILY_MESSAGE_CAP", "51"),
        ("EMONEV_CONVERSATION_IDLE_MINUTES", "0"),
        ("EMONEV_ESCALATE_DAYS_AFTER", "367"),
    ],
)
def test_invalid_reminder_setting_rejected(name, value):
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_moved_deadline_gets_its_reminders(loaded_db_url):
    settings = settings_for(loaded_db_url)
    engine = get_engine(loaded_db_url)
    with session_scope(engine) as session:
        sweep(session, settings, local(THREE_DAYS_BEFORE))
    with session_scope(engine) as session:
        period = session.exec(select(Period).where(Period.code == APRIL)).one()
        period.deadline = date(2026, 5, 20)
        session.add(period)
    with session_scope(engine) as session:
        again = sweep(session, settings, local("2026-05-17 08:00"))
    assert len(again) == len(unreported_operators(loaded_db_url, APRIL))


def test_submission_during_sweep_is_respected(loaded_db_url, monkeypatch):
    import bot.reminders

    settings = settings_for(loaded_db_url)
    engine = get_engine(loaded_db_url)
    with Session(engine) as session:
        stale = due_reminders(session, settings, local(THREE_DAYS_BEFORE))
    chat = Chat(loaded_db_url, DINKES_OPERATOR, at="2026-05-06 09:00")
    chat.send("lapor april")
    for answer in ("20 M", "15", "40", "-", "-", "sdh", "kontrak"):
        chat.send(answer)
    assert "Terkirim" in chat.send("ya", at="2026-05-07 07:59:59")
    monkeypatch.setattr(bot.reminders, "due_reminders", lambda *args: stale)
    with session_scope(engine) as session:
        sweep(session, settings, local(THREE_DAYS_BEFORE))
    with Session(engine) as session:
        phones = set(
            session.exec(
                select(Official.phone).join(
                    Reminder, Reminder.official_id == Official.id
                )
            ).all()
        )
    assert DINKES_OPERATOR not in phones
    assert "+6281200000002" not in phones
    assert "+6281200000003" in phones


def test_dry_run_after_sweep_lists_nothing(sqlite_loaded_url):
    settings = settings_for(sqlite_loaded_url)
    with session_scope(get_engine(sqlite_loaded_url)) as session:
        sweep(session, settings, local(THREE_DAYS_BEFORE))
    result = _dry_run(sqlite_loaded_url, "2026-05-07T09:00", "UTC")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("moment", ["", "kemarin", "9999-12-31T20:00"])
def test_remind_rejects_bad_instant(sqlite_loaded_url, moment):
    result = _dry_run(sqlite_loaded_url, moment, "UTC")
    assert result.returncode != 0
    assert "--at" in result.stderr
    assert "Traceback" not in result.stderr


def test_sweep_job_reads_naive_time_locally(sqlite_loaded_url):
    from app import create_app
    from bot.reminders import run_sweep

    app = create_app({"DATABASE_URL": sqlite_loaded_url, "REDIS_URL": ""})
    with app.app_context():
        early = run_sweep("2026-05-07T07:30")
        on_time = run_sweep("2026-05-07T08:00")
    assert early == {"messages": 0}
    assert on_time["messages"] == len(unreported_operators(sqlite_loaded_url, APRIL))


def test_english_reminder_says_tomorrow(sqlite_loaded_url):
    with session_scope(get_engine(sqlite_loaded_url)) as session:
        official = session.exec(
            select(Official).where(Official.phone == DINKES_OPERATOR)
        ).one()
        official.language = "en"
        session.add(official)
    settings = settings_for(sqlite_loaded_url)
    with session_scope(get_engine(sqlite_loaded_url)) as session:
        sweep(session, settings, local("2026-05-09 08:00"))
    with Session(get_engine(sqlite_loaded_url)) as session:
        body = session.exec(
            select(Outbox.body).where(Outbox.phone == DINKES_OPERATOR)
        ).one()
    assert "E-Monev reminder" in body
    assert "tomorrow" in body
    assert "Sunday, 10 May 2026" in body


# --- Reminder effect (flask metrics) ----------------------------------------------


def prepare_reminder_effect(db_url: str) -> None:
    """Record reminders and first submissions for 2026-04 whose figures are known.

    DINKES: reminded 7 May 08:00 and 9 May 08:00, submitted 9 May 20:00, so
    12 h from the latest reminder and 60 h from the first. DISDIK: reminded
    7 May 08:00, submitted 9 May 08:00, exactly 48 h. DISTAN: reminded 7 May
    08:00, submitted 8 May 08:00, exactly 24 h; its reminder of 9 May came
    after and does not count. DPUPR: reminded, never submitted. DINSOS:
    submitted without a reminder. A supervisor's escalation does not count.
    """
    reminders = {
        "+6281200000001": ["2026-05-07 08:00", "2026-05-09 08:00"],
        "+6281200000003": ["2026-05-07 08:00"],
        "+6281200000006": ["2026-05-07 08:00", "2026-05-09 08:00"],
        "+6281200000004": ["2026-05-07 08:00"],
        "+6281200000025": ["2026-05-13 08:00"],
    }
    submissions = {
        "DINKES": "2026-05-09 20:00",
        "DISDIK": "2026-05-09 08:00",
        "DISTAN": "2026-05-08 08:00",
        "DINSOS": "2026-05-08 10:00",
    }
    with session_scope(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == APRIL)).one()
        for phone, moments in reminders.items():
            official = session.exec(select(Official).where(Official.phone == phone)).one()
            kind = "escalate-3" if official.role != Role.OPERATOR else None
            for number, moment in enumerate(moments):
                session.add(Reminder(
                    official_id=official.id, period_id=period.id,
                    kind=kind or f"test-{number}", deadline=period.deadline,
                    created_at=local(moment),
                ))
        for code, moment in submissions.items():
            agency = session.exec(select(Agency).where(Agency.code == code)).one()
            session.add(Report(
                agency_id=agency.id, period_id=period.id, status=ReportStatus.SUBMITTED,
                first_submitted_at=local(moment), submitted_at=local(moment),
                on_time=True, submission_count=1,
            ))


def _metrics(db_url: str, *arguments: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": db_url}
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "REDIS_URL"):
        environment.pop(name, None)
    return subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "app", "metrics",
         "--period", APRIL, *arguments],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )


def test_reminder_effect_figures(loaded_db_url):
    from bot.metrics import reminder_effect

    prepare_reminder_effect(loaded_db_url)
    with Session(get_engine(loaded_db_url)) as session:
        period = session.exec(select(Period).where(Period.code == APRIL)).one()
        rows, summary = reminder_effect(session, period)
    by_agency = {row.agency: row for row in rows}
    assert set(by_agency) == {"DINKES", "DISDIK", "DISTAN", "DPUPR"}
    assert (by_agency["DINKES"].reminders, by_agency["DINKES"].hours_from_latest,
            by_agency["DINKES"].hours_from_first) == (2, 12.0, 60.0)
    assert by_agency["DISDIK"].hours_from_latest == 48.0
    assert (by_agency["DISTAN"].reminders, by_agency["DISTAN"].hours_from_latest) == (1, 24.0)
    assert by_agency["DPUPR"].hours_from_latest is None
    assert summary.agencies == 4
    assert summary.within_24h == 2
    assert summary.within_48h == 3
    assert summary.within_24h_share == 0.5
    assert summary.within_48h_share == 0.75
    assert summary.median_hours_from_first == 48.0


def test_metrics_command_prints_reminder_effect(sqlite_loaded_url):
    prepare_reminder_effect(sqlite_loaded_url)
    result = _metrics(sqlite_loaded_url)
    reminder_part = result.stdout.split("\n\n", 1)[1]
    assert result.returncode == 0, result.stderr
    assert "reminded agencies: 4" in reminder_part
    assert "submitted within 24 h of the latest reminder: 2 (50.0%)" in reminder_part
    assert "submitted within 48 h of the latest reminder: 3 (75.0%)" in reminder_part
    assert "median h from first reminder to submission: 48.0" in reminder_part


def test_metrics_command_reminder_csv(sqlite_loaded_url):
    prepare_reminder_effect(sqlite_loaded_url)
    result = _metrics(sqlite_loaded_url, "--reminders", "--csv")
    rows = {row[0]: row for row in csv.reader(io.StringIO(result.stdout))}
    assert result.returncode == 0, result.stderr
    assert rows["agency"] == ["agency", "reminders", "hours_from_latest_reminder",
                              "hours_from_first_reminder", "within_24h", "within_48h"]
    assert rows["DINKES"] == ["DINKES", "2", "12.0", "60.0", "1", "1"]
    assert rows["DISDIK"] == ["DISDIK", "1", "48.0", "48.0", "0", "1"]
    assert rows["DPUPR"] == ["DPUPR", "1", "", "", "0", "0"]
    assert rows["TOTAL"] == ["TOTAL", "4", "", "48.0", "0.5000", "0.7500"]

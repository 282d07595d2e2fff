"""The lock on a period's reports after its deadline, unlocks and `flask unlock`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.config import load_settings
from bot.db import get_engine
from bot.locking import is_locked, lock_moment, unlock
from models import Agency, Official, Period, Report, ReportEvent, ReportStatus
from tests.test_cli import flask

WIB = ZoneInfo("Asia/Jakarta")


def settings_for(db_url: str, **values: str):
    return load_settings({"DATABASE_URL": db_url, **values})


def wib(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WIB)


def period_of(session: Session, code: str = "2026-03") -> Period:
    return session.exec(select(Period).where(Period.code == code)).one()


def agency_of(session: Session, code: str) -> Agency:
    return session.exec(select(Agency).where(Agency.code == code)).one()


def submitted_report(db_url: str, agency_code: str = "DINKES") -> int:
    """Store a submitted 2026-03 report for the agency and return its id."""
    with Session(get_engine(db_url)) as session:
        report = Report(
            agency_id=agency_of(session, agency_code).id,
            period_id=period_of(session).id,
            status=ReportStatus.SUBMITTED,
            submitted_at=wib(2026, 4, 6, 9, 0),
        )
        session.add(report)
        session.commit()
        return report.id


def unlock_events(db_url: str, report_id: int) -> list[ReportEvent]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(
            select(ReportEvent)
            .where(ReportEvent.report_id == report_id, ReportEvent.kind == "unlocked")
            .order_by(ReportEvent.id)
        ).all())


# --- lock moment and boundary ------------------------------------------------------


def test_lock_moment_default_days(loaded_db_url):
    settings = settings_for(loaded_db_url)
    with Session(get_engine(loaded_db_url)) as session:
        moment = lock_moment(period_of(session), settings)
    # The deadline is 10 April, so 24 April is the last day with edits.
    assert moment == wib(2026, 4, 25, 0, 0)
    assert moment.tzinfo == timezone.utc
    assert moment == datetime(2026, 4, 24, 17, 0, tzinfo=timezone.utc)


def test_lock_moment_zero_days(loaded_db_url):
    settings = settings_for(loaded_db_url, EMONEV_LOCK_DAYS_AFTER="0")
    with Session(get_engine(loaded_db_url)) as session:
        moment = lock_moment(period_of(session), settings)
    assert moment == wib(2026, 4, 11, 0, 0)


def test_lock_moment_follows_timezone(loaded_db_url):
    settings = settings_for(
        loaded_db_url, EMONEV_TIMEZONE="Asia/Jayapura", EMONEV_LOCK_DAYS_AFTER="1"
    )
    with Session(get_engine(loaded_db_url)) as session:
        moment = lock_moment(period_of(session), settings)
    # Midnight at UTC+9 starting 12 April.
    assert moment == datetime(2026, 4, 11, 15, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("now", "locked"),
    [
        (wib(2026, 4, 10, 23, 59, 59), False),
        (wib(2026, 4, 24, 23, 59, 59, 999999), False),
        (wib(2026, 4, 25, 0, 0), True),
        (wib(2026, 4, 25, 0, 0, 0, 1), True),
        (wib(2026, 6, 1, 12, 0), True),
    ],
)
def test_lock_boundary_at_local_midnight(loaded_db_url, now, locked):
    settings = settings_for(loaded_db_url)
    report_id = submitted_report(loaded_db_url)
    with Session(get_engine(loaded_db_url)) as session:
        report = session.get(Report, report_id)
        assert is_locked(report, period_of(session), now, settings) is locked
        # An agency without a report is locked with the period.
        assert is_locked(None, period_of(session), now, settings) is locked


def test_lock_boundary_with_zero_days(loaded_db_url):
    settings = settings_for(loaded_db_url, EMONEV_LOCK_DAYS_AFTER="0")
    report_id = submitted_report(loaded_db_url)
    with Session(get_engine(loaded_db_url)) as session:
        report = session.get(Report, report_id)
        period = period_of(session)
        on_deadline_day = is_locked(report, period, wib(2026, 4, 10, 23, 59, 59), settings)
        day_after = is_locked(report, period, wib(2026, 4, 11, 0, 0), settings)
    assert on_deadline_day is False
    assert day_after is True


# --- unlock ------------------------------------------------------------------------


def test_unlock_opens_until_unlocked_until(loaded_db_url):
    settings = settings_for(loaded_db_url)
    report_id = submitted_report(loaded_db_url)
    now = wib(2026, 5, 2, 10, 30)
    engine = get_engine(loaded_db_url)
    with Session(engine) as session:
        report = session.get(Report, report_id)
        admin = session.exec(select(Official).where(Official.role == "admin")).first()
        before = is_locked(report, period_of(session), now, settings)
        until = unlock(session, report, admin, now, settings, "whatsapp",
                       note="salah ketik pagu")
        session.commit()
        admin_id = admin.id
    with Session(engine) as session:
        report = session.get(Report, report_id)
        period = period_of(session)
        at_unlock = is_locked(report, period, now, settings)
        last_moment = is_locked(report, period, until - timedelta(microseconds=1), settings)
        at_end = is_locked(report, period, until, settings)
    events = unlock_events(loaded_db_url, report_id)
    assert until == now + timedelta(hours=72)
    assert report.unlocked_until == until
    assert before is True
    assert at_unlock is False
    assert last_moment is False
    assert at_end is True
    assert len(events) == 1
    assert events[0].official_id == admin_id
    assert events[0].channel == "whatsapp"
    assert events[0].note == "salah ketik pagu"
    assert events[0].created_at == now


def test_unlock_hours_setting_and_argument(loaded_db_url):
    settings = settings_for(loaded_db_url, EMONEV_UNLOCK_HOURS="5")
    report_id = submitted_report(loaded_db_url)
    now = wib(2026, 5, 2, 10, 30)
    with Session(get_engine(loaded_db_url)) as session:
        report = session.get(Report, report_id)
        from_setting = unlock(session, report, None, now, settings, "cli")
        from_argument = unlock(session, report, None, now, settings, "cli", hours=1)
        session.commit()
        stored_until = session.get(Report, report_id).unlocked_until
    events = unlock_events(loaded_db_url, report_id)
    assert from_setting == now + timedelta(hours=5)
    # The later unlock replaces the earlier one even though it ends sooner.
    assert from_argument == now + timedelta(hours=1)
    assert stored_until == from_argument
    assert len(events) == 2
    assert events[0].official_id is None
    assert events[0].note is None


def test_unlock_rejects_zero_hours(loaded_db_url):
    settings = settings_for(loaded_db_url)
    report_id = submitted_report(loaded_db_url)
    with Session(get_engine(loaded_db_url)) as session:
        report = session.get(Report, report_id)
        with pytest.raises(ValueError, match="at least 1 hour"):
            unlock(session, report, None, wib(2026, 5, 2, 10, 30), settings, "cli", hours=0)


# --- flask unlock ------------------------------------------------------------------


def test_unlock_command_opens_report(loaded_db_url):
    report_id = submitted_report(loaded_db_url)
    result = flask(loaded_db_url, "unlock", "--agency", "DINKES", "--period", "2026-03",
                   "--hours", "5", "--note", "revisi pagu")
    events = unlock_events(loaded_db_url, report_id)
    with Session(get_engine(loaded_db_url)) as session:
        until = session.get(Report, report_id).unlocked_until
    assert result.returncode == 0, result.stderr
    assert len(events) == 1
    assert events[0].channel == "cli"
    assert events[0].official_id is None
    assert events[0].note == "revisi pagu"
    assert until == events[0].created_at + timedelta(hours=5)
    shown = until.astimezone(WIB).strftime("%Y-%m-%d %H:%M WIB")
    assert f"DINKES 2026-03 is open for edits until {shown}." in result.stdout


def test_unlock_command_default_hours(loaded_db_url):
    report_id = submitted_report(loaded_db_url)
    result = flask(loaded_db_url, "unlock", "--agency", "DINKES", "--period", "2026-03",
                   EMONEV_UNLOCK_HOURS="48")
    events = unlock_events(loaded_db_url, report_id)
    with Session(get_engine(loaded_db_url)) as session:
        until = session.get(Report, report_id).unlocked_until
    assert result.returncode == 0, result.stderr
    assert until == events[0].created_at + timedelta(hours=48)


@pytest.mark.parametrize(
    ("agency", "period", "expected"),
    [
        ("NOPE", "2026-03", "The agency 'NOPE' was not found"),
        ("DINKES", "1999-01", "The period '1999-01' was not found"),
        ("SETDA", "2026-03", "SETDA has no report for 2026-03"),
    ],
)
def test_unlock_command_rejects(loaded_db_url, agency, period, expected):
    submitted_report(loaded_db_url)
    result = flask(loaded_db_url, "unlock", "--agency", agency, "--period", period)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_unlock_command_hours_out_of_range(loaded_db_url):
    report_id = submitted_report(loaded_db_url)
    result = flask(loaded_db_url, "unlock", "--agency", "DINKES", "--period", "2026-03",
                   "--hours", "0")
    assert result.returncode != 0
    assert "--hours" in result.stderr
    assert unlock_events(loaded_db_url, report_id) == []

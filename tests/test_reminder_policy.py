"""The sweep's policy: quiet hours, days off, the daily cap, snooze, consent
and conversations in progress, each at its boundary.

The 2026-04 period's deadline is Sunday 10 May 2026, so its `before-3`
reminder opens on Thursday 7 May at the reminder time (08:00 by default).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, delete, select

from bot.config import load_settings
from bot.contacts import opt_in, opt_out
from bot.db import get_engine, session_scope
from bot.importer import DataImportError, import_directory
from bot.reminders import sweep
from models import (
    Contact,
    Conversation,
    Holiday,
    Official,
    OptInSource,
    Outbox,
    Reminder,
)
from tests.flows.chat import Chat, local
from tests.test_importer import copy_sample, set_cell

APRIL = "2026-04"
DINKES_OPERATOR = "+6281200000001"
MUARA_PADANG_OPERATOR = "+6281200000023"
THREE_DAYS_BEFORE = "2026-05-07 08:00"


def run_sweep(db_url: str, moment: str, **overrides) -> list[int]:
    settings = load_settings({"DATABASE_URL": db_url, **overrides})
    with session_scope(get_engine(db_url)) as session:
        return sweep(session, settings, local(moment))


def official_id(db_url: str, phone: str) -> int:
    with Session(get_engine(db_url)) as session:
        return session.exec(select(Official.id).where(Official.phone == phone)).one()


def bodies_to(db_url: str, phone: str) -> list[str]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(
            select(Outbox.body).where(Outbox.phone == phone).order_by(Outbox.id)
        ).all())


def reminder_kinds(db_url: str, phone: str) -> list[str]:
    with Session(get_engine(db_url)) as session:
        return sorted(session.exec(
            select(Reminder.kind)
            .join(Official, Official.id == Reminder.official_id)
            .where(Official.phone == phone)
        ).all())


def add_outbox_rows(db_url: str, phone: str, moments: list[str], kind: str) -> None:
    with session_scope(get_engine(db_url)) as session:
        official = session.exec(select(Official).where(Official.phone == phone)).one()
        for moment in moments:
            session.add(Outbox(official_id=official.id, phone=phone, body="earlier",
                               status="stored", kind=kind, created_at=local(moment)))


def set_snooze(db_url: str, phone: str, until: str) -> None:
    with session_scope(get_engine(db_url)) as session:
        contact = session.exec(
            select(Contact).where(Contact.official_id == official_id(db_url, phone))
        ).one()
        contact.snoozed_until = local(until)
        session.add(contact)


# --- Quiet hours --------------------------------------------------------------


@pytest.mark.parametrize(("reminder_time", "sent"), [("20:59", True), ("21:00", False)])
def test_quiet_hours_start(loaded_db_url, reminder_time, sent):
    ids = run_sweep(loaded_db_url, f"2026-05-07 {reminder_time}",
                    EMONEV_REMINDER_TIME=reminder_time)
    assert bool(ids) is sent


def test_quiet_hours_end_releases_reminder(loaded_db_url):
    overrides = {"EMONEV_REMINDER_TIME": "21:00"}
    at_start = run_sweep(loaded_db_url, "2026-05-07 21:00", **overrides)
    before_end = run_sweep(loaded_db_url, "2026-05-08 06:59", **overrides)
    at_end = run_sweep(loaded_db_url, "2026-05-08 07:00", **overrides)
    assert at_start == []
    assert before_end == []
    assert at_end
    assert reminder_kinds(loaded_db_url, DINKES_OPERATOR) == ["before-3"]
    assert "2 hari lagi" in bodies_to(loaded_db_url, DINKES_OPERATOR)[0]


def test_quiet_hours_setting_off(sqlite_loaded_url):
    ids = run_sweep(sqlite_loaded_url, "2026-05-07 23:00",
                    EMONEV_REMINDER_TIME="23:00", EMONEV_QUIET_HOURS="00:00-00:00")
    assert ids


# --- Sundays and holidays ---------------------------------------------------------


def test_reminder_before_sunday_deadline(loaded_db_url):
    run_sweep(loaded_db_url, THREE_DAYS_BEFORE, EMONEV_SKIP_DAYS_OFF="yes")
    bodies = bodies_to(loaded_db_url, MUARA_PADANG_OPERATOR)
    assert len(bodies) == 1
    assert "Minggu, 10 Mei 2026" in bodies[0]
    assert "3 hari lagi" in bodies[0]
    assert "Kecamatan Muara Padang" in bodies[0]


def test_sunday_deadline_reminder_moves_to_monday(loaded_db_url):
    on_sunday = run_sweep(loaded_db_url, "2026-05-10 08:00", EMONEV_SKIP_DAYS_OFF="yes")
    on_monday = run_sweep(loaded_db_url, "2026-05-11 08:00", EMONEV_SKIP_DAYS_OFF="yes")
    assert on_sunday == []
    assert on_monday
    assert reminder_kinds(loaded_db_url, DINKES_OPERATOR) == ["deadline"]


def test_sunday_reminder_sent_when_skip_off(sqlite_loaded_url):
    assert run_sweep(sqlite_loaded_url, "2026-05-10 08:00")
    assert reminder_kinds(sqlite_loaded_url, DINKES_OPERATOR) == ["deadline"]


def test_holiday_moves_reminder(loaded_db_url):
    with session_scope(get_engine(loaded_db_url)) as session:
        session.add(Holiday(day=date(2026, 5, 7), name="Libur uji", kind="holiday"))
    on_holiday = run_sweep(loaded_db_url, THREE_DAYS_BEFORE, EMONEV_SKIP_DAYS_OFF="yes")
    next_day = run_sweep(loaded_db_url, "2026-05-08 08:00", EMONEV_SKIP_DAYS_OFF="yes")
    assert on_holiday == []
    assert next_day
    assert reminder_kinds(loaded_db_url, DINKES_OPERATOR) == ["before-3"]


# --- Daily cap ------------------------------------------------------------------


@pytest.mark.parametrize(("earlier", "sent"), [(2, True), (3, False)])
def test_daily_cap(loaded_db_url, earlier, sent):
    moments = [f"2026-05-07 0{hour}:00" for hour in range(earlier)]
    add_outbox_rows(loaded_db_url, DINKES_OPERATOR, moments, kind="notice")
    run_sweep(loaded_db_url, THREE_DAYS_BEFORE)
    reminded = reminder_kinds(loaded_db_url, DINKES_OPERATOR)
    assert reminded == (["before-3"] if sent else [])
    assert reminder_kinds(loaded_db_url, "+6281200000002") == ["before-3"]


def test_daily_cap_counts_local_day_only(sqlite_loaded_url):
    # 23:59 the day before and replies do not count.
    add_outbox_rows(sqlite_loaded_url, DINKES_OPERATOR, ["2026-05-06 23:59"] * 3,
                    kind="reminder")
    add_outbox_rows(sqlite_loaded_url, DINKES_OPERATOR, ["2026-05-07 07:00"] * 3,
                    kind="reply")
    run_sweep(sqlite_loaded_url, THREE_DAYS_BEFORE)
    assert reminder_kinds(sqlite_loaded_url, DINKES_OPERATOR) == ["before-3"]


def test_daily_cap_waits_for_next_day(sqlite_loaded_url):
    add_outbox_rows(sqlite_loaded_url, DINKES_OPERATOR, ["2026-05-07 07:00"],
                    kind="escalation")
    capped = run_sweep(sqlite_loaded_url, THREE_DAYS_BEFORE,
                       EMONEV_DAILY_MESSAGE_CAP="1")
    next_day = run_sweep(sqlite_loaded_url, "2026-05-08 07:00",
                         EMONEV_DAILY_MESSAGE_CAP="1")
    assert DINKES_OPERATOR not in {phone for phone in _phones(sqlite_loaded_url, capped)}
    assert DINKES_OPERATOR in {phone for phone in _phones(sqlite_loaded_url, next_day)}


def _phones(db_url: str, outbox_ids: list[int]) -> list[str]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(select(Outbox.phone).where(Outbox.id.in_(outbox_ids))))


# --- Snooze ---------------------------------------------------------------------


def test_snooze_holds_scheduled_reminder(loaded_db_url):
    set_snooze(loaded_db_url, MUARA_PADANG_OPERATOR, "2026-05-07 16:00")
    run_sweep(loaded_db_url, THREE_DAYS_BEFORE)
    run_sweep(loaded_db_url, "2026-05-07 15:59")
    held = bodies_to(loaded_db_url, MUARA_PADANG_OPERATOR)
    run_sweep(loaded_db_url, "2026-05-07 16:00")
    released = bodies_to(loaded_db_url, MUARA_PADANG_OPERATOR)
    assert held == []
    assert len(released) == 1
    assert "Minggu, 10 Mei 2026" in released[0]
    assert reminder_kinds(loaded_db_url, MUARA_PADANG_OPERATOR) == [
        "before-3", "snooze-05071600"
    ]


def test_snooze_after_reminder_sends_short_one(loaded_db_url):
    run_sweep(loaded_db_url, THREE_DAYS_BEFORE)
    set_snooze(loaded_db_url, MUARA_PADANG_OPERATOR, "2026-05-07 16:00")
    early = run_sweep(loaded_db_url, "2026-05-07 15:59")
    on_time = run_sweep(loaded_db_url, "2026-05-07 16:00")
    later = run_sweep(loaded_db_url, "2026-05-07 16:15")
    bodies = bodies_to(loaded_db_url, MUARA_PADANG_OPERATOR)
    assert early == []
    assert len(on_time) == 1
    assert later == []
    assert len(bodies) == 2
    assert bodies[1] == (
        "🔔 Pengingat: laporan April 2026 Kec. Muara Padang. Ketik *lapor*."
    )


def test_snooze_reminder_skips_submitted_agency(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR, at="2026-05-07 09:00")
    chat.send("lapor april")
    for answer in ("20 M", "15", "40", "-", "-", "sdh", "kontrak"):
        chat.send(answer)
    assert "Terkirim" in chat.send("ya")
    set_snooze(sqlite_loaded_url, DINKES_OPERATOR, "2026-05-07 16:00")
    sent = run_sweep(sqlite_loaded_url, "2026-05-07 16:00")
    assert sent
    assert DINKES_OPERATOR not in _phones(sqlite_loaded_url, sent)
    assert reminder_kinds(sqlite_loaded_url, DINKES_OPERATOR) == []


# --- Consent --------------------------------------------------------------------


def test_opted_out_gets_none_until_mulai(loaded_db_url):
    dinkes = official_id(loaded_db_url, DINKES_OPERATOR)
    with session_scope(get_engine(loaded_db_url)) as session:
        opt_out(session, dinkes, local("2026-05-06 10:00"))
    run_sweep(loaded_db_url, THREE_DAYS_BEFORE)
    after_opt_out = reminder_kinds(loaded_db_url, DINKES_OPERATOR)
    with session_scope(get_engine(loaded_db_url)) as session:
        opt_in(session, dinkes, local("2026-05-07 09:00"), OptInSource.RESUMED)
    run_sweep(loaded_db_url, "2026-05-07 09:15")
    assert after_opt_out == []
    assert reminder_kinds(loaded_db_url, DINKES_OPERATOR) == ["before-3"]
    assert len(bodies_to(loaded_db_url, DINKES_OPERATOR)) == 1


def test_no_recorded_consent_gets_none(loaded_db_url):
    dinkes = official_id(loaded_db_url, DINKES_OPERATOR)
    with session_scope(get_engine(loaded_db_url)) as session:
        session.exec(delete(Contact).where(Contact.official_id == dinkes))
    run_sweep(loaded_db_url, THREE_DAYS_BEFORE)
    assert reminder_kinds(loaded_db_url, DINKES_OPERATOR) == []
    assert reminder_kinds(loaded_db_url, "+6281200000002") == ["before-3"]


# --- Conversations in progress ----------------------------------------------------


def conversation_state(db_url: str, phone: str) -> tuple:
    with Session(get_engine(db_url)) as session:
        row = session.exec(
            select(Conversation).where(
                Conversation.official_id == official_id(db_url, phone)
            )
        ).one()
        return row.flow, row.state, row.status, row.data, row.version, row.updated_at


def test_reminder_waits_for_conversation(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR, at="2026-05-07 07:50")
    first_question = chat.send("lapor april")
    before = conversation_state(loaded_db_url, DINKES_OPERATOR)
    during = run_sweep(loaded_db_url, THREE_DAYS_BEFORE)
    after = conversation_state(loaded_db_url, DINKES_OPERATOR)
    second_question = chat.send("20 M", at="2026-05-07 08:05")
    assert "1/7" in first_question
    assert before == after
    assert DINKES_OPERATOR not in _phones(loaded_db_url, during)
    assert "2/7" in second_question
    assert bodies_to(loaded_db_url, DINKES_OPERATOR) == []
    # Idle for 29 minutes the conversation still counts; at 30 it does not.
    idle_before = conversation_state(loaded_db_url, DINKES_OPERATOR)
    assert run_sweep(loaded_db_url, "2026-05-07 08:34") == []
    released = run_sweep(loaded_db_url, "2026-05-07 08:35")
    assert _phones(loaded_db_url, released) == [DINKES_OPERATOR]
    assert conversation_state(loaded_db_url, DINKES_OPERATOR) == idle_before
    assert "draf, 1 dari 7 terisi" in bodies_to(loaded_db_url, DINKES_OPERATOR)[0]


# --- Consent from officials.csv ----------------------------------------------------


def test_import_records_opt_in(session, tmp_path):
    directory = copy_sample(tmp_path)
    set_cell(directory, "officials.csv", 3, "opt_in", "")
    first = import_directory(session, directory)
    second = import_directory(session, directory)
    contacts = {
        official.phone: contact
        for contact, official in session.exec(
            select(Contact, Official).join(Official, Official.id == Contact.official_id)
        ).all()
    }
    assert first["officials.csv"].created == 30
    assert not second.changed
    assert len(contacts) == 29
    assert "+6281200000002" not in contacts
    assert contacts[DINKES_OPERATOR].opt_in_source == OptInSource.IMPORT
    assert contacts[DINKES_OPERATOR].opted_in_at == datetime(2026, 1, 5, tzinfo=timezone.utc)


def test_import_adds_opt_in_later(session, tmp_path):
    directory = copy_sample(tmp_path)
    set_cell(directory, "officials.csv", 3, "opt_in", "")
    import_directory(session, directory)
    set_cell(directory, "officials.csv", 3, "opt_in", "2026-02-01")
    again = import_directory(session, directory)
    contact = session.exec(
        select(Contact).join(Official, Official.id == Contact.official_id)
        .where(Official.phone == "+6281200000002")
    ).one()
    assert again["officials.csv"].updated == 1
    assert again["officials.csv"].unchanged == 29
    assert contact.opted_in_at == datetime(2026, 2, 1, tzinfo=timezone.utc)


def test_import_keeps_opt_out(session, tmp_path):
    directory = copy_sample(tmp_path)
    import_directory(session, directory)
    dinkes = session.exec(select(Official.id).where(Official.phone == DINKES_OPERATOR)).one()
    opt_out(session, dinkes, local("2026-03-01 10:00"))
    set_cell(directory, "officials.csv", 2, "opt_in", "2026-03-02")
    again = import_directory(session, directory)
    contact = session.exec(select(Contact).where(Contact.official_id == dinkes)).one()
    assert not again.changed
    assert contact.opted_out_at is not None
    assert contact.opted_in_at == datetime(2026, 1, 5, tzinfo=timezone.utc)


def test_import_rejects_bad_opt_in(session, tmp_path):
    directory = copy_sample(tmp_path)
    set_cell(directory, "officials.csv", 4, "opt_in", "5/1/2026")
    with pytest.raises(DataImportError) as error:
        import_directory(session, directory)
    assert error.value.line == 4
    assert error.value.column == "opt_in"
    assert session.exec(select(Contact)).all() == []
    assert session.exec(select(Official)).all() == []

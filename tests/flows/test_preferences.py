"""Opt-out, snooze, reminders on request and the daily summary time, in the chat.

The dates follow the sample periods. The April 2026 report is due on Sunday
10 May 2026, so 7 May is a `before-3` reminder day. The March report was due
on Friday 10 April, so on 13 April the window of the `after-2` reminder,
opened on 12 April, is open.
"""

from __future__ import annotations

from datetime import datetime, time

import pytest
from sqlmodel import Session, select

from bot.config import load_settings
from bot.db import get_engine
from bot.intents import Intent, parse_snooze, recognise, step_command
from bot.reminders import sweep
from flows.preferences import parse_clock
from flows.status import missing_agencies
from models import (
    Agency,
    Contact,
    Conversation,
    ConversationStatus,
    Official,
    OptInSource,
    Outbox,
    Period,
    Reminder,
    Report,
    ReportStatus,
    Role,
)
from tests.flows.chat import JAKARTA, Chat, local
from tests.flows.seed import seed_report
from tests.flows.test_reporting import stored

MUARA_PADANG_OPERATOR = "+6281200000023"
DINKES_OPERATOR = "+6281200000001"
SUPERVISOR = "+6281200000025"
REMINDER_AT = "2026-05-07 08:00"
# 11.47 on Thursday 7 May 2026, the moment of the sample snooze reply.
NOON = datetime(2026, 5, 7, 11, 47, tzinfo=JAKARTA)
EVENING = datetime(2026, 5, 7, 17, 30, tzinfo=JAKARTA)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, tzinfo=JAKARTA)


SNOOZE_CASES = [
    # The sample reply in Palembang: aok = iya, kagek = nanti, sayo = saya.
    ("aok pak, kagek sore sayo kirim", NOON, at(7, 16)),
    ("nanti sore", NOON, at(7, 16)),
    ("Nanti sore ya pak", NOON, at(7, 16)),
    ("iya bu, nanti sore saya isi", NOON, at(7, 16)),
    ("kagek sore", NOON, at(7, 16)),
    # At 17.30 the afternoon is still under way: the snooze ends with it.
    ("nanti sore", EVENING, at(7, 18)),
    ("besok", NOON, at(8, 8)),
    ("besok aja pak", NOON, at(8, 8)),
    ("bsk pagi", NOON, at(8, 8)),
    ("isuk bae", NOON, at(8, 8)),
    ("besok sore", NOON, at(8, 16)),
    ("besok jam 10", NOON, at(8, 10)),
    ("besok pukul 13.30", NOON, at(8, 13, 30)),
    ("lusa", NOON, at(9, 8)),
    ("kagek", NOON, at(7, 14, 47)),
    ("nanti", NOON, at(7, 14, 47)),
    ("nanti ya", NOON, at(7, 14, 47)),
    ("ntar", NOON, at(7, 14, 47)),
    ("nanti malam", NOON, at(7, 19)),
    ("nanti malem", NOON, at(7, 19)),
    ("nanti siang", NOON, at(7, 13)),
    ("1 jam lagi", NOON, at(7, 12, 47)),
    ("2 jam lagi ya", NOON, at(7, 13, 47)),
    ("sejam lagi", NOON, at(7, 12, 47)),
    ("setengah jam lagi", NOON, at(7, 12, 17)),
    ("30 menit lagi", NOON, at(7, 12, 17)),
    ("duo jam lagi", NOON, at(7, 13, 47)),
    ("dalam 2 jam", NOON, at(7, 13, 47)),
    ("bentar lagi ya pak", NOON, at(7, 12, 47)),
    ("nanti jam 3", NOON, at(7, 15)),
    ("nanti jam 3 sore", NOON, at(7, 15)),
    ("kagek jam 2 siang", NOON, at(7, 14)),
    ("nanti jam 15.30", NOON, at(7, 15, 30)),
    ("nanti pukul 16:00", NOON, at(7, 16)),
    ("nanti jam 9", NOON, at(8, 9)),
    ("jam 3 aja pak", NOON, at(7, 15)),
    ("nanti jam 8 malam", NOON, at(7, 20)),
    ("selamat siang pak, nanti sore sy lapor", NOON, at(7, 16)),
    ("later", NOON, at(7, 14, 47)),
    ("tomorrow", NOON, at(8, 8)),
    ("tomorrow afternoon", NOON, at(8, 16)),
    ("tonight", NOON, at(7, 19)),
    ("in 2 hours", NOON, at(7, 13, 47)),
    ("at 3", NOON, at(7, 15)),
    # A part of the day already under way waits an hour, up to the part's end.
    ("nanti malam", at(7, 19, 30), at(7, 20, 30)),
    ("nanti malam", at(7, 20, 15), at(7, 20, 30)),
    ("nanti malam", at(7, 20, 30), at(8, 19)),
    ("nanti siang", at(7, 13, 30), at(7, 14, 30)),
    ("nanti sore", at(7, 16, 10), at(7, 17, 10)),
    ("nanti sore", at(7, 18), at(8, 16)),
    ("besok malam", at(7, 19, 30), at(8, 19)),
    # Subuh is before dawn: `jam 4 subuh` is 04:00, not 16:00.
    ("nanti jam 4 subuh", NOON, at(8, 4)),
    ("besok subuh", NOON, at(8, 5)),
]

NOT_SNOOZE = [
    "sore", "selamat sore pak", "pagi", "lapor", "lapor april", "ya", "aok",
    "312jt", "28", "duo kali", "dak katek", "2 jam", "status", "terima kasih",
    "", "jam", "nanti jam 25",
]


@pytest.mark.parametrize(("text", "now", "expected"), SNOOZE_CASES)
def test_parse_snooze_variants(text, now, expected):
    assert parse_snooze(text, now) == expected


@pytest.mark.parametrize("text", NOT_SNOOZE)
def test_parse_snooze_ignores_other_messages(text):
    assert parse_snooze(text, NOON) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:30", time(7, 30)), ("7.30", time(7, 30)), ("7", time(7)),
        ("19:05", time(19, 5)), ("24:00", None), ("7:60", None), ("pagi", None),
        ("7.5", None),
    ],
)
def test_parse_clock(text, expected):
    assert parse_clock(text) == expected


@pytest.mark.parametrize(
    ("text", "intent", "rest"),
    [
        ("berhenti", Intent.OPT_OUT, ""),
        ("stop", Intent.OPT_OUT, ""),
        ("STOP", Intent.OPT_OUT, ""),
        ("mulai", Intent.OPT_IN, ""),
        ("mulai lagi pak", Intent.OPT_IN, ""),
        ("kirim pengingat ke yg belum", Intent.REMIND_MISSING, "ke yg belum"),
        ("kirim pengingat ke yg belum maret", Intent.REMIND_MISSING,
         "ke yg belum maret"),
        ("ingatkan yg belum", Intent.REMIND_MISSING, "yg belum"),
        ("tolong ingatkan yang belum lapor tw 1", Intent.REMIND_MISSING,
         "yang belum lapor tw 1"),
        ("ringkasan harian 07:30", Intent.DAILY_SUMMARY, "07:30"),
        ("Ringkasan harian mati", Intent.DAILY_SUMMARY, "mati"),
        ("siapa yg blm lapor maret", Intent.MISSING, None),
        ("mulai lapor", Intent.REPORT, None),
    ],
)
def test_recognise_preferences(text, intent, rest):
    recognised = recognise(text)
    assert recognised.intent == intent
    if rest is not None:
        assert recognised.rest == rest


def test_stop_in_question_stays_cancel():
    assert step_command("stop") == Intent.CANCEL
    assert step_command("berhenti") == Intent.CANCEL


def test_berhenti_at_text_question_is_not_an_answer(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, "+6281200000001", at="2026-04-06 09:00")
    chat.send("lapor maret")
    for answer in ("18 M", "15", "40"):
        chat.send(answer)
    reply = chat.send("berhenti")
    assert "RFK-MASALAH" not in stored(sqlite_loaded_url, "DINKES", "2026-03")
    assert "mulai" in reply or "berhenti" in reply


def test_snooze_word_in_free_text_answer_is_kept(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, "+6281200000023", at="2026-05-07 07:00")
    chat.send("lapor april")
    for answer in ("1,2 M", "40", "5"):
        chat.send(answer)
    with Session(get_engine(sqlite_loaded_url)) as session, session.begin():
        sweep(session, load_settings({"DATABASE_URL": sqlite_loaded_url}), local("2026-05-07 08:00"))
    chat.send("dana DAK baru cair besok", at="2026-05-07 08:10")
    values = stored(sqlite_loaded_url, "KEC-MUARAPADANG", "2026-04")
    assert values["RFK-MASALAH"].text == "dana DAK baru cair besok"


def contact(db_url: str, phone: str) -> Contact | None:
    with Session(get_engine(db_url)) as session:
        official = session.exec(select(Official).where(Official.phone == phone)).one()
        return session.exec(
            select(Contact).where(Contact.official_id == official.id)
        ).first()


def conversation(db_url: str, phone: str) -> Conversation:
    with Session(get_engine(db_url)) as session:
        official = session.exec(select(Official).where(Official.phone == phone)).one()
        return session.exec(
            select(Conversation).where(Conversation.official_id == official.id)
        ).one()


def outbox_rows(db_url: str, phone: str | None = None) -> list[Outbox]:
    with Session(get_engine(db_url)) as session:
        query = select(Outbox).order_by(Outbox.id)
        if phone is not None:
            query = query.where(Outbox.phone == phone)
        return list(session.exec(query).all())


def run_sweep(db_url: str, moment: str) -> list[int]:
    settings = load_settings({"DATABASE_URL": db_url})
    with Session(get_engine(db_url)) as session, session.begin():
        return sweep(session, settings, local(moment))


# Opt-out and opt-in


def test_berhenti_opts_out_and_mulai_resumes(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR, at="2026-05-06 10:00")
    reply = chat.send("berhenti")
    assert "tidak dikirim lagi" in reply
    assert "*mulai*" in reply
    opted_out = contact(loaded_db_url, DINKES_OPERATOR)
    assert opted_out.opted_out_at == local("2026-05-06 10:00")

    reply = chat.send("mulai", at="2026-05-06 10:05")
    assert "aktif lagi" in reply
    resumed = contact(loaded_db_url, DINKES_OPERATOR)
    assert resumed.opted_out_at is None
    assert resumed.opt_in_source == OptInSource.RESUMED
    assert resumed.opted_in_at == local("2026-05-06 10:05")


def test_idle_stop_opts_out(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR, at="2026-05-06 10:00")
    assert "*mulai*" in chat.send("stop")
    assert contact(loaded_db_url, DINKES_OPERATOR).opted_out_at is not None


def test_opted_out_operator_gets_no_sweep_reminder(loaded_db_url):
    Chat(loaded_db_url, MUARA_PADANG_OPERATOR, at="2026-05-06 10:00").send("berhenti")
    run_sweep(loaded_db_url, REMINDER_AT)
    assert outbox_rows(loaded_db_url, MUARA_PADANG_OPERATOR) == []


def test_stop_in_question_cancels_with_hint(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR, at="2026-05-06 10:00")
    assert "1/" in chat.send("lapor april")
    reply = chat.send("stop")
    assert "*draf*" in reply
    assert "ketik *berhenti*" in reply
    cancelled = conversation(loaded_db_url, DINKES_OPERATOR)
    assert cancelled.status == ConversationStatus.CANCELLED
    assert contact(loaded_db_url, DINKES_OPERATOR).opted_out_at is None


def test_mulai_when_already_opted_in(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR, at="2026-05-06 10:00")
    assert "sudah aktif" in chat.send("mulai")


# Snooze


def test_snooze_reply_to_reminder(loaded_db_url):
    assert run_sweep(loaded_db_url, REMINDER_AT)
    chat = Chat(loaded_db_url, MUARA_PADANG_OPERATOR)
    reply = chat.send("aok pak, kagek sore sayo kirim", at="2026-05-07 11:47")
    assert reply == "Siap 👍 Saya ingatkan lagi pukul 16.00 ya."
    assert contact(loaded_db_url, MUARA_PADANG_OPERATOR).snoozed_until == local(
        "2026-05-07 16:00"
    )


def test_snooze_besok_says_tomorrow(loaded_db_url):
    run_sweep(loaded_db_url, REMINDER_AT)
    chat = Chat(loaded_db_url, MUARA_PADANG_OPERATOR)
    reply = chat.send("besok", at="2026-05-07 09:00")
    assert reply == "Siap 👍 Saya ingatkan lagi besok pukul 08.00 ya."


def test_snooze_into_quiet_hours_moves_to_their_end(loaded_db_url):
    run_sweep(loaded_db_url, REMINDER_AT)
    chat = Chat(loaded_db_url, MUARA_PADANG_OPERATOR)
    reply = chat.send("nanti jam 10 malam", at="2026-05-07 09:00")
    assert reply == "Siap 👍 Saya ingatkan lagi besok pukul 07.00 ya."
    assert contact(loaded_db_url, MUARA_PADANG_OPERATOR).snoozed_until == local(
        "2026-05-08 07:00"
    )


def test_snooze_in_english(loaded_db_url):
    with Session(get_engine(loaded_db_url)) as session, session.begin():
        official = session.exec(
            select(Official).where(Official.phone == MUARA_PADANG_OPERATOR)
        ).one()
        official.language = "en"
    run_sweep(loaded_db_url, REMINDER_AT)
    chat = Chat(loaded_db_url, MUARA_PADANG_OPERATOR)
    reply = chat.send("later", at="2026-05-07 09:00")
    assert reply == "Sure 👍 I will remind you again at 12:00."


def test_snooze_words_without_reminder_ignored(loaded_db_url):
    reply = Chat(loaded_db_url, MUARA_PADANG_OPERATOR).send(
        "nanti sore", at="2026-05-07 11:47"
    )
    assert "Menu E-Monev" in reply
    assert contact(loaded_db_url, MUARA_PADANG_OPERATOR).snoozed_until is None


def test_snooze_words_long_after_reminder_ignored(loaded_db_url):
    run_sweep(loaded_db_url, REMINDER_AT)
    Chat(loaded_db_url, MUARA_PADANG_OPERATOR).send("nanti sore", at="2026-05-07 15:00")
    assert contact(loaded_db_url, MUARA_PADANG_OPERATOR).snoozed_until is None


def test_snooze_words_answer_open_question(loaded_db_url):
    """A question opened after the reminder takes `nanti` as its answer."""
    run_sweep(loaded_db_url, REMINDER_AT)
    chat = Chat(loaded_db_url, MUARA_PADANG_OPERATOR)
    chat.send("lapor april", at="2026-05-07 09:00")
    reply = chat.send("nanti sore", at="2026-05-07 09:01")
    assert "Siap" not in reply
    assert contact(loaded_db_url, MUARA_PADANG_OPERATOR).snoozed_until is None
    assert conversation(loaded_db_url, MUARA_PADANG_OPERATOR).status == (
        ConversationStatus.ACTIVE
    )


def test_snooze_after_reminder_keeps_question_open(loaded_db_url):
    """A reminder sent after the question changed takes the reply as a snooze."""
    chat = Chat(loaded_db_url, MUARA_PADANG_OPERATOR)
    chat.send("lapor april", at="2026-05-07 07:10")
    chat.send("312jt", at="2026-05-07 07:11")
    before = conversation(loaded_db_url, MUARA_PADANG_OPERATOR)
    assert run_sweep(loaded_db_url, REMINDER_AT)
    reply = chat.send("nanti sore", at="2026-05-07 09:00")
    assert reply == "Siap 👍 Saya ingatkan lagi pukul 16.00 ya."
    after = conversation(loaded_db_url, MUARA_PADANG_OPERATOR)
    assert after.status == ConversationStatus.ACTIVE
    assert after.state == before.state
    assert after.data == before.data


# Reminders on request


def seed_march(db_url: str) -> None:
    """Submit three agencies' March reports: one verified, one needing correction."""
    seed_report(db_url, "DINKES", "2026-03", {"RFK-KEU": 1_000_000, "RFK-FIS": 10},
                submitted_at="2026-04-06 09:18")
    verified = seed_report(db_url, "DISDIK", "2026-03", {"RFK-KEU": 1_000_000},
                           submitted_at="2026-04-07 10:00")
    flagged = seed_report(db_url, "RSUD", "2026-03", {"RFK-KEU": 1_000_000},
                          submitted_at="2026-04-11 10:00")
    with Session(get_engine(db_url)) as session, session.begin():
        session.get(Report, verified).status = ReportStatus.VERIFIED
        session.get(Report, flagged).status = ReportStatus.NEEDS_CORRECTION


def missing_march(db_url: str) -> tuple[list[Agency], dict[int, list[Official]]]:
    """Return the agencies missing for March and their active operators."""
    with Session(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == "2026-03")).one()
        missing = missing_agencies(session, period)
        operators = {
            a.id: list(session.exec(
                select(Official).where(
                    Official.agency_id == a.id, Official.role == Role.OPERATOR,
                    Official.active == True,  # noqa: E712
                )
            ).all())
            for a in missing
        }
        return missing, operators


def test_remind_missing_lists_and_sends(loaded_db_url):
    seed_march(loaded_db_url)
    missing, operators = missing_march(loaded_db_url)
    reached = [o for a in missing for o in operators[a.id]]
    without = [a for a in missing if not operators[a.id]]
    assert reached and without

    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:06")
    listing = chat.send("kirim pengingat ke yg belum")
    assert f"*Belum lapor ({len(missing)}):*" in listing
    assert "Terverifikasi: 1 • Perlu perbaikan: 1" in listing
    question = f"Kirim pengingat ke {len(missing)} OPD di atas? (ya/tidak)"
    assert listing.endswith(question)
    assert outbox_rows(loaded_db_url) == []

    reply = chat.send("ya", at="2026-04-13 08:06")
    assert reply.startswith(f"✅ Pengingat terkirim ke {len(reached)} nomor (")
    assert f"⚠️ {len(without)} OPD belum punya operator terdaftar: " in reply
    for agency in without:
        assert agency.short_name in reply

    rows = outbox_rows(loaded_db_url)
    assert sorted(r.phone for r in rows) == sorted(o.phone for o in reached)
    assert {r.kind for r in rows} == {"reminder"}
    assert all("Maret 2026" in r.body for r in rows)
    with Session(get_engine(loaded_db_url)) as session:
        records = session.exec(select(Reminder)).all()
    assert sorted(r.official_id for r in records) == sorted(o.id for o in reached)
    # 13 April lies in the window of the `after-2` reminder opened on 12 April.
    assert {r.kind for r in records} == {"after-2"}
    assert all(r.outbox_id is not None for r in records)


def march_reminders(db_url: str) -> list[tuple[int, str]]:
    with Session(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == "2026-03")).one()
        return [
            (r.official_id, r.kind)
            for r in session.exec(
                select(Reminder)
                .where(Reminder.period_id == period.id)
                .order_by(Reminder.id)
            ).all()
        ]


def test_requested_reminder_not_repeated_by_sweep(loaded_db_url):
    seed_march(loaded_db_url)
    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:06")
    chat.send("ingatkan yg belum maret")
    chat.send("ya")
    sent = march_reminders(loaded_db_url)
    assert sent
    rows_before = len(outbox_rows(loaded_db_url))
    run_sweep(loaded_db_url, "2026-04-13 09:00")
    # The sweep may remind of other periods, but not of March again.
    assert march_reminders(loaded_db_url) == sent
    new_rows = outbox_rows(loaded_db_url)[rows_before:]
    assert not any("Maret 2026" in row.body for row in new_rows)


def test_second_request_same_day_sends_nothing(loaded_db_url):
    seed_march(loaded_db_url)
    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:06")
    chat.send("kirim pengingat ke yg belum maret")
    chat.send("ya")
    sent = len(outbox_rows(loaded_db_url))
    chat.send("kirim pengingat ke yg belum maret", at="2026-04-13 10:00")
    reply = chat.send("ya", at="2026-04-13 10:00")
    assert "Tidak ada pengingat yang terkirim." in reply
    assert "Sudah diingatkan hari ini" in reply
    assert len(outbox_rows(loaded_db_url)) == sent


def test_request_on_later_day_uses_request_kind(loaded_db_url):
    seed_march(loaded_db_url)
    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:06")
    chat.send("kirim pengingat ke yg belum maret")
    chat.send("ya")
    first = len(outbox_rows(loaded_db_url))
    chat.send("kirim pengingat ke yg belum maret", at="2026-04-14 07:30")
    chat.send("ya", at="2026-04-14 07:30")
    assert len(outbox_rows(loaded_db_url)) == 2 * first
    with Session(get_engine(loaded_db_url)) as session:
        kinds = set(session.exec(select(Reminder.kind)).all())
    assert kinds == {"after-2", "request-0414"}


def test_request_declined_sends_nothing(loaded_db_url):
    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:06")
    chat.send("kirim pengingat ke yg belum maret")
    assert chat.send("tidak") == "Baik, pengingat tidak dikirim."
    assert outbox_rows(loaded_db_url) == []


def test_stop_at_confirmation_cancels(loaded_db_url):
    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:06")
    chat.send("kirim pengingat ke yg belum maret")
    reply = chat.send("stop")
    assert reply.startswith("Baik, pengingat tidak dikirim.")
    assert outbox_rows(loaded_db_url) == []
    assert contact(loaded_db_url, SUPERVISOR).opted_out_at is None


def test_request_names_opted_out_operator(loaded_db_url):
    Chat(loaded_db_url, "+6281200000007", at="2026-04-12 10:00").send("berhenti")
    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:06")
    chat.send("kirim pengingat ke yg belum maret")
    reply = chat.send("ya")
    assert "Operator Dinsos 1 (berhenti menerima pengingat)" in reply
    assert outbox_rows(loaded_db_url, "+6281200000007") == []


def test_request_in_quiet_hours_refused(loaded_db_url):
    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 21:30")
    chat.send("kirim pengingat ke yg belum maret")
    reply = chat.send("ya")
    assert reply.startswith("Sekarang jam tenang (21.00–07.00)")
    assert outbox_rows(loaded_db_url) == []


def test_operator_cannot_request_reminders(loaded_db_url):
    reply = Chat(loaded_db_url, DINKES_OPERATOR, at="2026-04-13 08:06").send(
        "kirim pengingat ke yg belum"
    )
    assert reply == "Perintah ini khusus verifikator dan admin."
    idle = conversation(loaded_db_url, DINKES_OPERATOR)
    assert idle.status != ConversationStatus.ACTIVE


def test_unclear_confirmation_runs_as_command(loaded_db_url):
    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:06")
    chat.send("kirim pengingat ke yg belum maret")
    reply = chat.send("status dinkes maret")
    assert "*Dinkes — Maret 2026*" in reply
    assert outbox_rows(loaded_db_url) == []


# Daily summary time


def test_daily_summary_time_set_and_cleared(loaded_db_url):
    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:06")
    assert "pukul 07.30" in chat.send("ringkasan harian 07:30")
    assert contact(loaded_db_url, SUPERVISOR).daily_summary_time == "07:30"
    assert "pukul 06.05" in chat.send("ringkasan harian jam 6.05")
    assert contact(loaded_db_url, SUPERVISOR).daily_summary_time == "06:05"
    assert "pukul 06.05" in chat.send("ringkasan harian")
    assert chat.send("ringkasan harian mati") == "Ringkasan harian dimatikan."
    assert contact(loaded_db_url, SUPERVISOR).daily_summary_time is None


def test_daily_summary_bad_time_explains(loaded_db_url):
    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:06")
    assert "*ringkasan harian 07:30*" in chat.send("ringkasan harian 25:00")
    assert contact(loaded_db_url, SUPERVISOR).daily_summary_time is None


def test_daily_summary_refused_to_operator(loaded_db_url):
    reply = Chat(loaded_db_url, DINKES_OPERATOR).send("ringkasan harian 07:30")
    assert reply == "Perintah ini khusus verifikator dan admin."
    found = contact(loaded_db_url, DINKES_OPERATOR)
    assert found is None or found.daily_summary_time is None


# Status


def test_status_shows_review_and_opt_out(loaded_db_url):
    seed_march(loaded_db_url)
    Chat(loaded_db_url, DINKES_OPERATOR, at="2026-05-07 09:00").send("berhenti")
    chat = Chat(loaded_db_url, SUPERVISOR, at="2026-05-08 08:10")
    reply = chat.send("status dinkes maret")
    assert "Status: menunggu verifikasi." in reply
    assert "Tidak menerima pengingat: Operator Dinkes 1 sejak 07/05" in reply
    assert "Status: terverifikasi." in chat.send("status disdik maret")
    assert "Status: perlu perbaikan." in chat.send("status rsud maret")

    period = chat.send("status maret")
    assert "Terverifikasi: 1 • Perlu perbaikan: 1" in period
    assert "Tidak menerima pengingat: 1 operator" in period


def test_missing_shows_review_counts(loaded_db_url):
    seed_march(loaded_db_url)
    reply = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:05").send(
        "Pagi. Siapa aja OPD yg blm lapor realisasi bulan maret?"
    )
    assert "Sudah lapor: 3 dari" in reply
    assert "Terverifikasi: 1 • Perlu perbaikan: 1" in reply

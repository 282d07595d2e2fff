"""Reminder chats replayed through signed HTTP requests to a running server.

- A supervisor asks on Monday 13 April 2026 who has not reported for March
  (deadline Friday 10 April), asks to remind them and confirms. Only three
  of the missing agencies (Dinsos, DLH, Kec. Rambutan) have operators here,
  as in the sample chat; the counts follow the seeded data.
- The operator of Kec. Muara Padang gets the April reminder (deadline Sunday
  10 May) at 08.00 on 7 May, snoozes it in Palembang at 11.47, gets it again
  at 16.00 and not before, then reports with Palembang answers: `duo kali`
  (two times) and `dak katek` (nothing to report).

The sweep runs in-process (`bot.reminders.sweep`) at chosen instants; the
server runs under libfaketime at the local time of each part of the chat.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, select

from bot.config import load_settings
from bot.db import get_engine
from bot.reminders import sweep
from models import (
    Agency,
    Contact,
    Official,
    Outbox,
    Period,
    Reminder,
    Report,
    ReportStatus,
    Role,
)
from tests.e2e.test_conversations import Phone
from tests.flows.chat import local
from tests.flows.seed import seed_report
from tests.flows.test_reporting import fetch_report, stored

pytestmark = pytest.mark.e2e

SUPERVISOR = "+6281200000025"
MUARA_PADANG_OPERATOR = "+6281200000023"
# Missing agencies whose operators get the reminder in the sample chat.
REMINDED_AGENCIES = ("DINSOS", "DLH", "KEC-RAMBUTAN")
VERIFIED_AGENCY = "DISDIK"
FLAGGED_AGENCY = "RSUD"


def seed_march(db_url: str) -> None:
    """Submit March for every agency with an operator except the three reminded.

    Dinkes submits at 06/04 09.18 as in the sample chat; one report is
    verified and one needs correction.
    """
    with Session(get_engine(db_url)) as session:
        codes = sorted(set(session.exec(
            select(Agency.code)
            .join(Official, Official.agency_id == Agency.id)
            .where(Official.role == Role.OPERATOR)
        ).all()))
    for code in codes:
        if code in REMINDED_AGENCIES:
            continue
        submitted_at = "2026-04-06 09:18" if code == "DINKES" else "2026-04-09 10:00"
        report_id = seed_report(db_url, code, "2026-03", {"RFK-FIS": 15.5},
                                submitted_at=submitted_at)
        status = {VERIFIED_AGENCY: ReportStatus.VERIFIED,
                  FLAGGED_AGENCY: ReportStatus.NEEDS_CORRECTION}.get(code)
        if status is not None:
            with Session(get_engine(db_url)) as session, session.begin():
                session.get(Report, report_id).status = status


def march_counts(db_url: str) -> tuple[int, list[str], list[str]]:
    """Return the submitted count, the missing agencies' short names in status
    order, and the short names of those among them without an operator."""
    with Session(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == "2026-03")).one()
        submitted = set(session.exec(
            select(Report.agency_id).where(
                Report.period_id == period.id, Report.status != ReportStatus.DRAFT
            )
        ).all())
        staffed = set(session.exec(
            select(Official.agency_id).where(
                Official.role == Role.OPERATOR, Official.active == True  # noqa: E712
            )
        ).all())
        agencies = session.exec(select(Agency).order_by(Agency.id)).all()
        missing = [a for a in agencies if a.id not in submitted]
        return (
            len(submitted),
            [a.short_name for a in missing],
            [a.short_name for a in missing if a.id not in staffed],
        )


def phones_of(db_url: str, codes) -> list[str]:
    with Session(get_engine(db_url)) as session:
        return sorted(session.exec(
            select(Official.phone)
            .join(Agency, Agency.id == Official.agency_id)
            .where(Agency.code.in_(list(codes)), Official.role == Role.OPERATOR,
                   Official.active == True)  # noqa: E712
        ).all())


def outbox(db_url: str, phone: str | None = None) -> list[Outbox]:
    with Session(get_engine(db_url)) as session:
        query = select(Outbox).order_by(Outbox.id)
        if phone is not None:
            query = query.where(Outbox.phone == phone)
        return list(session.exec(query).all())


def test_supervisor_reminds_missing_agencies(start_server, loaded_db_url):
    seed_march(loaded_db_url)
    submitted, missing, without_operator = march_counts(loaded_db_url)
    reminded_phones = phones_of(loaded_db_url, REMINDED_AGENCIES)
    assert len(without_operator) == len(missing) - len(REMINDED_AGENCIES)

    with start_server(loaded_db_url, "2026-04-13 08:05") as server:
        phone = Phone(server, SUPERVISOR)
        listing = phone.send("Pagi. Siapa aja OPD yg blm lapor realisasi bulan maret?")
        assert "*Maret 2026* (batas Jumat, 10 April 2026)" in listing
        assert f"Sudah lapor: {submitted} dari {submitted + len(missing)}" in listing
        assert "Terverifikasi: 1 • Perlu perbaikan: 1" in listing
        assert f"*Belum lapor ({len(missing)}):* {', '.join(missing)}" in listing

        confirm = phone.send("kirim pengingat ke yg belum")
        question = f"Kirim pengingat ke {len(missing)} OPD di atas? (ya/tidak)"
        assert confirm.endswith(question)
        assert outbox(loaded_db_url) == []

        done = phone.send("ya")
        sent = (
            f"✅ Pengingat terkirim ke {len(reminded_phones)} nomor "
            "(Dinsos, DLH, Kec. Rambutan)."
        )
        assert sent in done
        assert (
            f"⚠️ {len(without_operator)} OPD belum punya operator terdaftar: "
            f"{', '.join(without_operator)}." in done
        )

        dinkes = phone.send("status dinkes?")
        assert "*Dinkes — Maret 2026*: terkirim 06/04 09.18" in dinkes
        assert "Status: menunggu verifikasi." in dinkes

    rows = outbox(loaded_db_url)
    assert sorted(row.phone for row in rows) == reminded_phones
    assert {row.kind for row in rows} == {"reminder"}
    for row in rows:
        assert "🔔 *Pengingat E-Monev*" in row.body
        assert "Maret 2026" in row.body
    with Session(get_engine(loaded_db_url)) as session:
        linked = session.exec(select(Reminder.outbox_id)).all()
    assert sorted(linked) == sorted(row.id for row in rows)


def run_sweep(db_url: str, moment: str) -> None:
    settings = load_settings({"DATABASE_URL": db_url})
    with Session(get_engine(db_url)) as session, session.begin():
        sweep(session, settings, local(moment))


def test_snoozed_reminder_then_palembang_report(start_server, loaded_db_url):
    run_sweep(loaded_db_url, "2026-05-07 08:00")
    [first] = outbox(loaded_db_url, MUARA_PADANG_OPERATOR)
    assert first.kind == "reminder"
    assert "April 2026" in first.body
    assert "Minggu, 10 Mei 2026" in first.body
    assert "3 hari lagi" in first.body

    with start_server(loaded_db_url, "2026-05-07 11:47") as server:
        phone = Phone(server, MUARA_PADANG_OPERATOR)
        reply = phone.send("aok pak, kagek sore sayo kirim")
    assert reply == "Siap 👍 Saya ingatkan lagi pukul 16.00 ya."
    with Session(get_engine(loaded_db_url)) as session:
        official = session.exec(
            select(Official).where(Official.phone == MUARA_PADANG_OPERATOR)
        ).one()
        contact = session.exec(
            select(Contact).where(Contact.official_id == official.id)
        ).one()
    assert contact.snoozed_until == local("2026-05-07 16:00")

    for moment in ("2026-05-07 12:00", "2026-05-07 14:00", "2026-05-07 15:59"):
        run_sweep(loaded_db_url, moment)
        assert len(outbox(loaded_db_url, MUARA_PADANG_OPERATOR)) == 1, moment
    run_sweep(loaded_db_url, "2026-05-07 16:00")
    again = outbox(loaded_db_url, MUARA_PADANG_OPERATOR)
    assert len(again) == 2
    assert again[1].kind == "reminder"
    assert "April" in again[1].body
    assert again[1].created_at == local("2026-05-07 16:00")
    run_sweep(loaded_db_url, "2026-05-07 16:15")
    assert len(outbox(loaded_db_url, MUARA_PADANG_OPERATOR)) == 2

    with start_server(loaded_db_url, "2026-05-07 16:31") as server:
        phone = Phone(server, MUARA_PADANG_OPERATOR)
        assert "1/" in phone.send("lapor")
        assert "Rp312.000.000" in phone.send("312jt")
        assert "Jumlah sub kegiatan" in phone.send("28")
        assert "Permasalahan" in phone.send("12")
        assert "Upaya" in phone.send("dak katek")
        assert "Laporan keuangan" in phone.send("-")
        assert "(PATEN)" in phone.send("sudah")
        assert "Frekuensi rapat koordinasi" in phone.send("134")
        summary = phone.send("duo kali")
        assert "Kirim laporan ini? (ya/tidak)" in summary
        assert "No. tanda terima" in phone.send("ya")

    values = stored(loaded_db_url, "KEC-MUARAPADANG", "2026-04")
    assert values["RFK-KEU"].number == Decimal("312000000")
    assert values["RFK-FIS"].number == Decimal("28")
    assert values["RFK-SUBKEG"].number == Decimal("12")
    assert values["RFK-MASALAH"].is_none
    assert values["KEC-PATEN"].number == Decimal("134")
    assert values["KEC-RAKOR"].number == Decimal("2")
    report = fetch_report(loaded_db_url, "KEC-MUARAPADANG", "2026-04")
    assert report.status == ReportStatus.SUBMITTED
    assert report.on_time

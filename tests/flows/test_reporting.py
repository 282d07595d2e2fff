"""The reporting dialogue, driven in-process on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, select

from bot.db import get_engine
from models import (
    Agency,
    Conversation,
    Indicator,
    Message,
    Official,
    Period,
    Report,
    ReportStatus,
    ReportValue,
)
from tests.flows.chat import Chat

DINKES_OPERATOR = "+6281200000001"
DINKES_OPERATOR_2 = "+6281200000002"
PUPR_OPERATOR = "+6281200000004"
DISTAN_OPERATOR = "+6281200000006"
DUKCAPIL_OPERATOR = "+6281200000008"


def stored(db_url: str, agency: str, period: str) -> dict[str, ReportValue]:
    with Session(get_engine(db_url)) as session:
        report = report_of(session, agency, period)
        if report is None:
            return {}
        rows = session.exec(
            select(ReportValue, Indicator)
            .join(Indicator, Indicator.id == ReportValue.indicator_id)
            .where(ReportValue.report_id == report.id)
        ).all()
        return {indicator.code: value for value, indicator in rows}


def report_of(session: Session, agency: str, period: str) -> Report | None:
    return session.exec(
        select(Report)
        .join(Agency, Agency.id == Report.agency_id)
        .join(Period, Period.id == Report.period_id)
        .where(Agency.code == agency, Period.code == period)
    ).first()


def fetch_report(db_url: str, agency: str, period: str) -> Report | None:
    with Session(get_engine(db_url)) as session:
        return report_of(session, agency, period)


def complete_dinkes_march(chat: Chat) -> str:
    chat.send("lapor maret", at="2026-04-06 09:11")
    for answer in (
        "Rp 18.250.500.000,-",
        "15,5 %",
        "42 subkeg",
        "2 paket alkes blm kontrak krn msh nunggu e-katalog",
        "koordinasi dgn UKPBJ, target kontrak minggu ke 2 april",
        "sdh",
    ):
        chat.send(answer)
    return chat.send("msh proses tender pak")


def test_monthly_report_stores_parsed_values(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    first = chat.send("lapor maret", at="2026-04-06 09:11")
    assert "1/7" in first
    assert "Rp152.400.000.000" in first

    reply = chat.send("Rp 18.250.500.000,-")
    assert "Rp18.250.500.000" in reply
    assert "12%" in reply or "11,98%" in reply
    assert "2/7" in reply
    for answer in ("15,5 %", "42 subkeg"):
        chat.send(answer)
    chat.send("2 paket alkes blm kontrak krn msh nunggu e-katalog")
    chat.send("koordinasi dgn UKPBJ, target kontrak minggu ke 2 april")
    chat.send("sdh")
    summary = chat.send("msh proses tender pak")
    assert "Ringkasan" in summary
    assert "Proses Tender" in summary

    values = stored(loaded_db_url, "DINKES", "2026-03")
    assert values["RFK-KEU"].number == Decimal("18250500000")
    assert values["RFK-KEU"].raw_text == "Rp 18.250.500.000,-"
    assert values["RFK-FIS"].number == Decimal("15.5")
    assert values["RFK-SUBKEG"].number == Decimal(42)
    assert values["RFK-MASALAH"].text.startswith("2 paket alkes")
    assert values["RFK-MASALAH"].number is None
    assert values["ADM-LAPKEU"].text == "Sudah"
    assert values["PBJ-STATUS"].text == "Proses Tender"
    assert values["RFK-KEU-PCT"].number.quantize(Decimal("0.01")) == Decimal("11.98")

    receipt = chat.send("y", at="2026-04-06 09:18")
    assert "Terkirim" in receipt
    assert "Tepat waktu" in receipt
    report = fetch_report(loaded_db_url, "DINKES", "2026-03")
    assert report.status == ReportStatus.SUBMITTED
    assert report.on_time is True
    assert report.receipt_no == "DINKES-2026-03-001"


@pytest.mark.parametrize(
    ("moment", "on_time"),
    [("2026-04-10 23:59:59", True), ("2026-04-11 00:00:00", False)],
)
def test_on_time_boundary_is_local_midnight(sqlite_loaded_url, moment, on_time):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    receipt = chat.send("ya", at=moment)
    assert ("Tepat waktu" in receipt) is on_time
    assert fetch_report(sqlite_loaded_url, "DINKES", "2026-03").on_time is on_time


def test_resubmission_keeps_first_timeliness(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("ya", at="2026-04-09 10:00")
    reopened = chat.send("lapor maret", at="2026-04-20 10:00")
    assert "sudah dikirim" in reopened
    edit = chat.send("2")
    assert "Realisasi fisik" in edit
    summary = chat.send("16")
    assert "16%" in summary
    receipt = chat.send("ya")
    assert "Tepat waktu" in receipt
    report = fetch_report(sqlite_loaded_url, "DINKES", "2026-03")
    assert report.on_time is True
    assert report.submission_count == 2
    assert stored(sqlite_loaded_url, "DINKES", "2026-03")["RFK-FIS"].number == 16


def test_summary_edit_by_number(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    question = chat.send("3")
    assert "sub kegiatan" in question.lower()
    summary = chat.send("45")
    assert "Ringkasan" in summary
    assert stored(loaded_db_url, "DINKES", "2026-03")["RFK-SUBKEG"].number == 45


def test_ambiguous_dot_asks_back(loaded_db_url):
    chat = Chat(loaded_db_url, PUPR_OPERATOR, at="2026-04-08 14:09")
    first = chat.send("lapor tw 1")
    assert "capaian" in first
    assert "Panjang jalan" in chat.send("98")
    ask = chat.send("1.250")
    assert "1,25 km" in ask
    assert "1.250 km" in ask
    assert "PU-JALAN-KM" not in stored(loaded_db_url, "DPUPR", "2026-TW1")
    chat.send("1,25 km maksudnya")
    assert stored(loaded_db_url, "DPUPR", "2026-TW1")["PU-JALAN-KM"].number == Decimal(
        "1.25"
    )


def test_letter_o_is_rejected_and_reasked(loaded_db_url):
    chat = Chat(loaded_db_url, DUKCAPIL_OPERATOR, at="2026-04-07 10:20")
    chat.send("lapor tw 1")
    chat.send("98,5 persen")
    chat.send("97,8%")
    reply = chat.send("9O,5")
    assert "huruf O" in reply
    assert "90,5" in reply
    assert "DUK-AKTA" not in stored(loaded_db_url, "DISDUKCAPIL", "2026-TW1")
    chat.send("90,5")
    assert stored(loaded_db_url, "DISDUKCAPIL", "2026-TW1")["DUK-AKTA"].number == Decimal(
        "90.5"
    )


def test_skip_back_cancel_resume(loaded_db_url):
    chat = Chat(loaded_db_url, DISTAN_OPERATOR, at="2026-04-06 13:15")
    assert "1/4" in chat.send("lapor triwulan 1")
    assert "Luas tanam" in chat.send("98,5")
    assert "3/4" in chat.send("45 rb ha")
    skipped = chat.send("lewati dulu, data blm masuk dr BPP")
    assert "Dilewati" in skipped
    assert "4/4" in skipped
    back_to_skipped = chat.send("5,2")
    assert "dilewati" in back_to_skipped
    assert "3/4" in back_to_skipped
    changed = chat.send("eh kembali, luas tanam salah harusnya 54 ribu")
    assert "45.000" in changed
    assert "54.000" in changed
    assert "3/4" in changed
    cancelled = chat.send("batal aja dulu pak, mau cocokkan sama data BPS")
    assert "draf" in cancelled
    values = stored(loaded_db_url, "DISTAN", "2026-TW1")
    assert values["TAN-PADI-TANAM"].number == 54000
    assert values["TAN-PADI-PRODUKTIVITAS"].number == Decimal("5.2")
    assert "TAN-PADI-PROD" not in values
    assert fetch_report(loaded_db_url, "DISTAN", "2026-TW1").status == ReportStatus.DRAFT

    resumed = chat.send("lanjut")
    assert "3/4" in resumed
    summary = chat.send("280.800")
    assert "Ringkasan" in summary
    assert stored(loaded_db_url, "DISTAN", "2026-TW1")["TAN-PADI-PROD"].number == 280800


def test_back_returns_to_previous_question(loaded_db_url):
    chat = Chat(loaded_db_url, DISTAN_OPERATOR, at="2026-04-06 13:15")
    chat.send("lapor triwulan 1")
    chat.send("98,5")
    chat.send("45 rb ha")
    back = chat.send("kembali")
    assert "45.000" in back
    assert "2/4" in back
    assert "3/4" in chat.send("46 rb")
    assert stored(loaded_db_url, "DISTAN", "2026-TW1")["TAN-PADI-TANAM"].number == 46000


def test_required_value_blocks_submission(loaded_db_url):
    chat = Chat(loaded_db_url, DISTAN_OPERATOR, at="2026-04-06 13:15")
    chat.send("lapor tw 1")
    chat.send("98")
    chat.send("54 ribu")
    chat.send("lewati")
    assert "3/4" in chat.send("5,2")
    again = chat.send("lewati")
    assert "Ringkasan" in again
    refused = chat.send("ya")
    assert "wajib" in refused
    assert fetch_report(loaded_db_url, "DISTAN", "2026-TW1").status == ReportStatus.DRAFT


def test_english_official_gets_english(loaded_db_url):
    with Session(get_engine(loaded_db_url)) as session:
        official = session.exec(
            select(Official).where(Official.language == "en")
        ).first()
    assert official is not None
    chat = Chat(loaded_db_url, official.phone, at="2026-04-06 09:00")
    reply = chat.send("help")
    assert "Commands for supervisors" in reply
    assert "status" in chat.send("menu")


def test_unregistered_number_gets_contact(loaded_db_url):
    chat = Chat(loaded_db_url, "+6289999999999", EMONEV_HELP_CONTACT="Bappeda 0711-123")
    reply = chat.send("lapor")
    assert "Bappeda 0711-123" in reply
    assert "belum terdaftar" in reply


def test_media_only_keeps_question(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    chat.send("lapor maret")
    reply = chat.send("", num_media=1)
    assert "teks" in reply
    assert "2/7" in chat.send("18,25 M")


def test_unknown_text_gets_menu(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    reply = chat.send("xyzzy qwerty")
    assert "1." in reply
    assert "4." in reply


def test_typo_command_is_confirmed(loaded_db_url):
    chat = Chat(loaded_db_url, DUKCAPIL_OPERATOR, at="2026-04-07 10:20")
    reply = chat.send("lapr tw I")
    assert "Maksudnya" in reply
    assert "triwulan i 2026" in reply.lower()
    question = chat.send("iyaa")
    assert "1/3" in question


def test_crash_keeps_conversation(loaded_db_url, monkeypatch):
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    chat.send("lapor maret")
    chat.send("18,25 M")
    import flows.reporting

    def explode(*args, **kwargs):
        raise RuntimeError("simulated failure")

    # The answer step calls the store_answer name imported into flows.reporting,
    # so the patch goes there. Patching flows.report_questions would miss it.
    monkeypatch.setattr(flows.reporting, "store_answer", explode)
    reply = chat.send("15,5")
    assert "gangguan" in reply
    monkeypatch.undo()
    with Session(get_engine(loaded_db_url)) as session:
        official = session.exec(
            select(Official).where(Official.phone == DINKES_OPERATOR)
        ).one()
        conversation = session.exec(
            select(Conversation).where(Conversation.official_id == official.id)
        ).one()
        logged = session.exec(select(Message).where(Message.body == "15,5")).all()
    assert conversation.state == "answer"
    assert len(logged) == 1
    assert "3/7" in chat.send("15,5")
    assert stored(loaded_db_url, "DINKES", "2026-03")["RFK-FIS"].number == Decimal("15.5")


def test_colleague_is_notified_on_submit(loaded_db_url):
    from models import Outbox

    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("ya")
    with Session(get_engine(loaded_db_url)) as session:
        rows = session.exec(select(Outbox)).all()
    assert [row.phone for row in rows] == [DINKES_OPERATOR_2]
    assert "Operator Dinkes 1" in rows[0].body
    assert rows[0].status == "stored"

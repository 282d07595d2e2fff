"""Input that must not store a wrong value or lose an answer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models import ReportStatus
from tests.flows.chat import Chat
from tests.flows.test_reporting import (
    DINKES_OPERATOR,
    PUPR_OPERATOR,
    complete_dinkes_march,
    fetch_report,
    stored,
)

SUPERVISOR = "+6281200000025"
BPBD_OPERATOR = "+6281200000009"


@pytest.mark.parametrize("text", ["lapor 2026-03", "lapor 03/2026", "lapor bln 3"])
def test_period_codes_open_the_month(sqlite_loaded_url, text):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    assert "Maret 2026" in chat.send(text)


def test_future_period_is_not_open(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR, at="2026-04-06 09:00")
    reply = chat.send("lapor desember")
    assert "belum bisa diisi" in reply
    assert fetch_report(sqlite_loaded_url, "DINKES", "2026-12") is None


def test_command_at_question_is_not_an_answer(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    chat.send("lapor maret")
    chat.send("18,25 M")
    reply = chat.send("lapor tw 1")
    assert "dijeda" in reply
    assert "Triwulan I 2026" in reply
    assert "RFK-FIS" not in stored(loaded_db_url, "DINKES", "2026-03")


def test_status_at_text_question_is_not_stored(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR, at="2026-04-13 08:00")
    chat.send("lapor maret")
    for answer in ("18,25 M", "15,5", "42"):
        chat.send(answer)
    reply = chat.send("status")
    assert "Dinkes" in reply
    assert "RFK-MASALAH" not in stored(sqlite_loaded_url, "DINKES", "2026-03")


def test_long_text_starting_with_batal_is_an_answer(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, BPBD_OPERATOR)
    chat.send("lapor maret")
    for answer in ("1 M", "10", "3", "banjir di dua kecamatan"):
        chat.send(answer)
    text = "Batal lelang karena tidak ada peserta, akan tender ulang"
    reply = chat.send(text)
    assert "dihentikan" not in reply
    assert stored(sqlite_loaded_url, "BPBD", "2026-03")["RFK-UPAYA"].text == text


def test_blank_message_keeps_question(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    chat.send("lapor maret")
    assert "kosong" in chat.send("   ")
    assert "2/7" in chat.send("18,25 M")
    assert stored(sqlite_loaded_url, "DINKES", "2026-03")["RFK-KEU"].number == Decimal(
        "18250000000"
    )


def test_blank_message_when_idle_shows_menu(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, SUPERVISOR)
    reply = chat.send(" ")
    assert "OPD yang belum lapor" in reply
    assert "Belum lapor (" in chat.send("2")


def test_dot_rule_reply_by_option_number(loaded_db_url):
    chat = Chat(loaded_db_url, PUPR_OPERATOR, at="2026-04-08 14:09")
    chat.send("lapor tw 1")
    chat.send("98")
    assert "1. *1,25 km*" in chat.send("1.250")
    chat.send("1")
    value = stored(loaded_db_url, "DPUPR", "2026-TW1")["PU-JALAN-KM"].number
    assert value == Decimal("1.25")


def test_dot_rule_second_option_is_out_of_bounds(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, PUPR_OPERATOR, at="2026-04-08 14:09")
    chat.send("lapor tw 1")
    chat.send("98")
    chat.send("1.250")
    reply = chat.send("2")
    assert "di luar batas" in reply
    assert "PU-JALAN-KM" not in stored(sqlite_loaded_url, "DPUPR", "2026-TW1")


def test_rupiah_fraction_is_asked_again(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    chat.send("lapor maret")
    reply = chat.send("18,25")
    assert "rupiah utuh" in reply
    assert "RFK-KEU" not in stored(sqlite_loaded_url, "DINKES", "2026-03")


def test_cancel_of_submitted_report_says_sent(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("ya")
    chat.send("tidak")
    chat.send("lapor maret")
    reply = chat.send("batal")
    assert "terkirim" in reply
    assert "draf" not in reply
    report = fetch_report(sqlite_loaded_url, "DINKES", "2026-03")
    assert report.status == ReportStatus.SUBMITTED


def test_resume_skips_submitted_report(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR, at="2026-05-06 09:00")
    chat.send("lapor april")
    chat.send("20 M")
    chat.send("batal")
    complete = Chat(sqlite_loaded_url, DINKES_OPERATOR, at="2026-05-06 09:30")
    complete_dinkes_march(complete)
    complete.send("ya")
    complete.send("tidak")
    reply = complete.send("lanjut")
    assert "April 2026" in reply
    assert "2/7" in reply


def test_choice_list_accepts_a_new_command(sqlite_loaded_url):
    # March (locks on 25 April) and April (open from 23 April) are both open.
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR, at="2026-04-24 09:00")
    assert "Balas dengan angkanya" in chat.send("lapor")
    assert "Maret 2026" in chat.send("lapor maret")


def test_status_unknown_target_is_named(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, SUPERVISOR, at="2026-04-13 08:00")
    reply = chat.send("status dinkess")
    assert "tidak dikenali" in reply
    assert "dinkess" in reply


def test_status_names_late_agencies(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("ya", at="2026-04-12 09:00")
    reply = Chat(sqlite_loaded_url, SUPERVISOR, at="2026-04-13 08:00").send(
        "status maret"
    )
    assert "Terlambat (1):* Dinkes" in reply


def test_agency_status_defaults_to_latest_report(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("ya")
    reply = Chat(sqlite_loaded_url, SUPERVISOR, at="2026-06-20 08:00").send(
        "status dinkes"
    )
    assert "Maret 2026" in reply
    assert "Rp18.250.500.000" in reply


def test_media_with_text_notes_attachment(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    reply = chat.send("bantuan", num_media=1)
    assert "Cara lapor" in reply
    assert "Lampiran tidak dibaca" in reply


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("lima juta", "Rp5.000.000"),
        ("delapan belas miliar", "Rp18.000.000.000"),
        ("1,5 miliyar", "Rp1.500.000.000"),
    ],
)
def test_rupiah_words_keep_their_scale(sqlite_loaded_url, answer, expected):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    chat.send("lapor maret")
    assert expected in chat.send(answer)


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("750k", "tidak dikenali"),
        ("2 million", "tidak dikenali"),
        ("999999999999999999999999 M", "terlalu besar"),
        ("–5 jt", "di luar batas"),
    ],
)
def test_doubtful_rupiah_is_asked_again(loaded_db_url, answer, phrase):
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    chat.send("lapor maret")
    assert phrase in chat.send(answer)
    assert "RFK-KEU" not in stored(loaded_db_url, "DINKES", "2026-03")


def test_unit_of_another_quantity_is_rejected(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, PUPR_OPERATOR, at="2026-04-08 14:09")
    chat.send("lapor tw 1")
    chat.send("98")
    reply = chat.send("150 meter")
    assert "satuan *km*" in reply
    assert "PU-JALAN-KM" not in stored(sqlite_loaded_url, "DPUPR", "2026-TW1")
    chat.send("1,5 km")
    value = stored(sqlite_loaded_url, "DPUPR", "2026-TW1")["PU-JALAN-KM"].number
    assert value == Decimal("1.5")


def test_percent_for_a_count_is_rejected(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    chat.send("lapor maret")
    chat.send("18,25 M")
    chat.send("15,5")
    reply = chat.send("150%")
    assert "bukan %" in reply
    assert "RFK-SUBKEG" not in stored(sqlite_loaded_url, "DINKES", "2026-03")


def test_wait_at_summary_does_not_submit(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    reply = chat.send("tunggu dulu ya pak")
    assert "Terkirim" not in reply
    report = fetch_report(sqlite_loaded_url, "DINKES", "2026-03")
    assert report.status == ReportStatus.DRAFT


def test_colleague_answer_replacement_is_named(sqlite_loaded_url):
    first = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    first.send("lapor maret")
    first.send("18 M")
    first.send("batal")
    second = Chat(sqlite_loaded_url, "+6281200000002")
    assert "2/7" in second.send("lapor maret")
    reply = second.send("kembali, keuangan 20 M")
    assert "Menggantikan jawaban Operator Dinkes 1: Rp18.000.000.000" in reply
    assert "Rp20.000.000.000" in reply
    again = second.send("kembali, keuangan 21 M")
    assert "Menggantikan" not in again


@pytest.mark.parametrize(
    "question",
    [
        "rekap keu bln 3",
        "telat maret 26",
        "yg telat bln 3",
        "peringkat realisasi bln 3",
        "status dinkes maret 26",
        "belum bln 3",
    ],
)
def test_long_question_at_number_not_stored(loaded_db_url, question):
    chat = Chat(loaded_db_url, DINKES_OPERATOR, at="2026-04-13 08:00")
    chat.send("lapor maret")
    reply = chat.send(question)
    assert "dijeda" in reply
    assert "RFK-KEU" not in stored(loaded_db_url, "DINKES", "2026-03")

    assert "1/7" in chat.send("lanjut")
    assert "2/7" in chat.send("18,25 M")
    value = stored(loaded_db_url, "DINKES", "2026-03")["RFK-KEU"]
    assert value.number == Decimal("18250000000")


def test_question_at_summary_keeps_values(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    assert "Kirim laporan ini?" in complete_dinkes_march(chat)
    reply = chat.send("rekap keu bln 3")
    assert "dijeda" in reply
    value = stored(loaded_db_url, "DINKES", "2026-03")["RFK-KEU"]
    assert value.number == Decimal("18250500000")

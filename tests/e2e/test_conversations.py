"""Sample chats replayed through signed HTTP requests to a running server."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, func, select

from bot.db import get_engine
from models import Message, Report, ReportStatus
from tests.e2e.conftest import AUTH_TOKEN
from tests.flows.test_reporting import fetch_report, stored
from tests.flows.test_status import expected_missing
from tests.support.servers import inbound_params, signed_post, twiml_messages

pytestmark = pytest.mark.e2e


class Phone:
    """An official's phone talking to the bot through the webhook."""

    def __init__(self, server, number: str):
        self.url = server.url + "/twilio/whatsapp"
        self.number = number

    def send(self, body: str) -> str:
        params = inbound_params(f"whatsapp:{self.number}", body)
        response = signed_post(self.url, params, AUTH_TOKEN)
        assert response.status_code == 200, response.text
        return "\n".join(twiml_messages(response.text))


def test_monthly_report_mixed_formats(start_server, loaded_db_url):
    with start_server(loaded_db_url, "2026-04-06 09:11") as server:
        phone = Phone(server, "+6281200000001")
        first = phone.send("lapor maret")
        assert "1/7" in first
        assert "2/7" in phone.send("Rp 18.250.500.000,-")
        assert "3/7" in phone.send("15,5 %")
        assert "4/7" in phone.send("42 subkeg")
        assert "5/7" in phone.send("2 paket alkes blm kontrak krn msh nunggu e-katalog")
        assert "6/7" in phone.send("koordinasi dgn UKPBJ, target kontrak minggu ke 2 april")
        assert "7/7" in phone.send("sdh")
        summary = phone.send("msh proses tender pak")
        assert "Proses Tender" in summary
        assert "Rp18.250.500.000" in summary
        receipt = phone.send("y")
        assert "DINKES-2026-03-001" in receipt
        assert "Tepat waktu" in receipt

    values = stored(loaded_db_url, "DINKES", "2026-03")
    assert values["RFK-KEU"].number == Decimal("18250500000")
    assert values["RFK-FIS"].number == Decimal("15.5")
    assert values["RFK-SUBKEG"].number == 42
    assert values["RFK-MASALAH"].text == "2 paket alkes blm kontrak krn msh nunggu e-katalog"
    assert values["ADM-LAPKEU"].text == "Sudah"
    assert values["PBJ-STATUS"].text == "Proses Tender"
    report = fetch_report(loaded_db_url, "DINKES", "2026-03")
    assert report.status == ReportStatus.SUBMITTED
    assert report.on_time is True


def test_abbreviations_and_ambiguous_dot(start_server, loaded_db_url):
    with start_server(loaded_db_url, "2026-04-08 14:02") as server:
        phone = Phone(server, "+6281200000004")
        assert "Maret 2026" in phone.send("lapor bln 3")
        keu = phone.send("2,35 M")
        assert "Rp2.350.000.000" in keu
        assert "3/7" in phone.send("23.5")
        phone.send("12")
        phone.send("-")
        phone.send("-")
        phone.send("sudah")
        after = phone.send("kontrak")
        assert "Ringkasan" in after
        offer = phone.send("ya")
        assert "Triwulan I 2026" in offer
        assert "capaian" in phone.send("gas")
        question = phone.send("98")
        assert "Panjang jalan" in question
        ask = phone.send("1.250")
        assert "1,25 km" in ask
        assert "1.250 km" in ask
        phone.send("1,25 km maksudnya")

    march = stored(loaded_db_url, "DPUPR", "2026-03")
    assert march["RFK-KEU"].number == Decimal("2350000000")
    assert march["RFK-FIS"].number == Decimal("23.5")
    assert march["RFK-MASALAH"].is_none
    quarter = stored(loaded_db_url, "DPUPR", "2026-TW1")
    assert quarter["PU-JALAN-KM"].number == Decimal("1.25")


def test_typo_and_letter_o(start_server, loaded_db_url):
    with start_server(loaded_db_url, "2026-04-07 10:20") as server:
        phone = Phone(server, "+6281200000008")
        confirm = phone.send("lapr tw I")
        assert "Maksudnya" in confirm
        assert "1/3" in phone.send("iyaa")
        assert "2/3" in phone.send("98,5 persen")
        assert "3/3" in phone.send("97,8%")
        rejected = phone.send("9O,5")
        assert "huruf O" in rejected
        assert "Ringkasan" in phone.send("90,5")
        assert "Terkirim" in phone.send("ok kirim")

    values = stored(loaded_db_url, "DISDUKCAPIL", "2026-TW1")
    assert values["DUK-KTP"].number == Decimal("97.8")
    assert values["DUK-AKTA"].number == Decimal("90.5")
    assert values["KIN-CAPAIAN"].number == Decimal("98.5")
    assert values["DUK-AKTA"].raw_text == "90,5"


def test_skip_cancel_resume(start_server, loaded_db_url):
    with start_server(loaded_db_url, "2026-04-06 13:15") as server:
        phone = Phone(server, "+6281200000006")
        assert "1/4" in phone.send("lapor triwulan 1")
        assert "2/4" in phone.send("98,5")
        assert "3/4" in phone.send("45 rb ha")
        assert "Dilewati" in phone.send("lewati dulu, data blm masuk dr BPP")
        assert "dilewati" in phone.send("5,2")
        changed = phone.send("eh kembali, luas tanam salah harusnya 54 ribu")
        assert "54.000" in changed
        cancelled = phone.send("batal aja dulu pak, mau cocokkan sama data BPS")
        assert "draf" in cancelled
        resumed = phone.send("lanjut")
        assert "3/4" in resumed

    values = stored(loaded_db_url, "DISTAN", "2026-TW1")
    assert values["TAN-PADI-TANAM"].number == 54000
    assert values["TAN-PADI-PRODUKTIVITAS"].number == Decimal("5.2")
    assert "TAN-PADI-PROD" not in values
    assert fetch_report(loaded_db_url, "DISTAN", "2026-TW1").status == ReportStatus.DRAFT


def test_missing_agencies_listed(start_server, loaded_db_url):
    with start_server(loaded_db_url, "2026-04-13 08:05") as server:
        supervisor = Phone(server, "+6281200000025")
        reply = supervisor.send("Pagi. Siapa aja OPD yg blm lapor realisasi bulan maret?")
    missing = expected_missing(loaded_db_url, "2026-03", set())
    assert f"Belum lapor ({len(missing)})" in reply
    assert ", ".join(missing) in reply


@pytest.mark.parametrize(
    ("moment", "on_time"),
    [("2026-04-10 23:59:59", True), ("2026-04-11 00:00:00", False)],
)
def test_deadline_boundary_through_server(start_server, sqlite_loaded_url, moment, on_time):
    with start_server(sqlite_loaded_url, "2026-04-10 23:58:30") as server:
        phone = Phone(server, "+6281200000011")
        phone.send("lapor maret")
        phone.send("1,5 M")
        phone.send("20")
        phone.send("10")
        phone.send("-")
        phone.send("-")
        phone.send("sudah")
        phone.send("1 M")
    # The last answer and the submission happen at the chosen instant.
    with start_server(sqlite_loaded_url, moment, frozen=True) as server:
        receipt = Phone(server, "+6281200000011").send("ya")
    assert ("Tepat waktu" in receipt) is on_time
    assert fetch_report(sqlite_loaded_url, "BAPENDA", "2026-03").on_time is on_time


def test_inbound_and_replies_are_logged(start_server, sqlite_loaded_url):
    with start_server(sqlite_loaded_url, "2026-04-06 09:00") as server:
        Phone(server, "+6281200000001").send("halo")
    with Session(get_engine(sqlite_loaded_url)) as session:
        directions = session.exec(select(Message.direction).order_by(Message.id)).all()
        reports = session.exec(select(func.count()).select_from(Report)).one()
    assert directions == ["in", "out"]
    assert reports == 0

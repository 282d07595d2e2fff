"""Doubtful values and a supervisor's review, replayed through the running server.

The chats are the sample ones for a cumulative value that went down with a
physical progress above 100%, and for a bed occupancy rate a supervisor flags.
Proactive messages (the operator's correction prompt, the supervisor's notice)
are checked in the outbox, where the webhook's transaction writes them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, select

from bot.db import get_engine
from models import (
    EventKind,
    FlagSource,
    FlagStatus,
    Indicator,
    Official,
    Outbox,
    ReportEvent,
    ReportStatus,
    Resolution,
    ValueChange,
    ValueFlag,
)
from tests.e2e.test_conversations import Phone
from tests.flows.seed import seed_report
from tests.flows.test_reporting import fetch_report, stored

pytestmark = pytest.mark.e2e

DISDIK_OPERATOR = "+6281200000003"
RSUD_OPERATOR = "+6281200000010"
SUPERVISOR = "+6281200000025"


def flags(db_url: str, report_id: int) -> list[ValueFlag]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(
            select(ValueFlag).where(ValueFlag.report_id == report_id).order_by(ValueFlag.id)
        ).all())


def outbox_to(db_url: str, phone: str) -> list[str]:
    with Session(get_engine(db_url)) as session:
        return [
            row.body for row in session.exec(
                select(Outbox).where(Outbox.phone == phone).order_by(Outbox.id)
            ).all()
        ]


def test_cumulative_drop_and_over_limit_in_one_message(start_server, loaded_db_url):
    seed_report(loaded_db_url, "DISDIK", "2026-02",
                {"RFK-KEU": 2_100_000_000, "RFK-FIS": 9}, submitted_at="2026-03-09 10:00")
    with start_server(loaded_db_url, "2026-04-08 19:40") as server:
        phone = Phone(server, DISDIK_OPERATOR)
        warning = phone.send("realisasi keuangan maret 1,9 M fisik 150")
        assert "Ada yang perlu dicek" in warning
        assert "*Fisik 150%* melebihi 100%" in warning
        assert "Rp1.900.000.000" in warning
        assert "Rp2.100.000.000" in warning
        # The hard bound rejected 150; the doubtful 1,9 M is kept, flagged.
        values = stored(loaded_db_url, "DISDIK", "2026-03")
        assert values["RFK-KEU"].number == Decimal("1900000000")
        assert "RFK-FIS" not in values
        report = fetch_report(loaded_db_url, "DISDIK", "2026-03")
        [flag] = flags(loaded_db_url, report.id)
        assert flag.source == FlagSource.RULE and flag.status == FlagStatus.OPEN

        fixed = phone.send("eh salah ketik, fisik 15")
        assert "Fisik 15%" in fixed
        assert "Rp1.900.000.000" in fixed
        assert stored(loaded_db_url, "DISDIK", "2026-03")["RFK-FIS"].number == 15

        offer = phone.send("yg 1,9 M itu realisasi bulan maret aja pak bukan kumulatif")
        assert "Rp2.100.000.000 + Rp1.900.000.000 = *Rp4.000.000.000*" in offer
        # Nothing changes before the official agrees.
        assert stored(loaded_db_url, "DISDIK", "2026-03")["RFK-KEU"].number == Decimal(
            "1900000000")

        done = phone.send("betul")
        assert "Rp4.000.000.000 ✔️" in done
        assert "sub kegiatan" in done.lower()

    values = stored(loaded_db_url, "DISDIK", "2026-03")
    assert values["RFK-KEU"].number == Decimal("4000000000")
    [flag] = flags(loaded_db_url, report.id)
    assert flag.status == FlagStatus.CLOSED
    assert flag.resolution == Resolution.CORRECTED
    with Session(get_engine(loaded_db_url)) as session:
        keu = session.exec(select(Indicator).where(Indicator.code == "RFK-KEU")).one()
        changes = session.exec(
            select(ValueChange)
            .where(ValueChange.report_id == report.id, ValueChange.indicator_id == keu.id)
            .order_by(ValueChange.id)
        ).all()
    assert [c.new_number for c in changes] == [Decimal("1900000000"), Decimal("4000000000")]
    assert "kumulatif Februari 2026" in changes[-1].reason


def test_supervisor_flags_operator_corrects_supervisor_approves(start_server, loaded_db_url):
    report_id = seed_report(
        loaded_db_url, "RSUD", "2026-03",
        {"RFK-KEU": 20_000_000_000, "RFK-FIS": 25, "RFK-SUBKEG": 30,
         "ADM-LAPKEU": "Sudah", "PBJ-STATUS": "Kontrak", "RS-BOR": 112},
        submitted_at="2026-04-07 10:00",
    )
    with start_server(loaded_db_url, "2026-04-09 08:30") as server:
        supervisor = Phone(server, SUPERVISOR)
        operator = Phone(server, RSUD_OPERATOR)
        reply = supervisor.send("tandai RSUD BOR maret, 112% tdk mungkin. mohon dicek")
        assert "Ditandai: RSUD • RS-BOR • Maret 2026 = 112%" in reply
        [prompt] = outbox_to(loaded_db_url, RSUD_OPERATOR)
        assert "Perlu perbaikan" in prompt
        assert "*112%* (maks 100%)" in prompt
        assert '"112% tdk mungkin. mohon dicek"' in prompt
        assert fetch_report(loaded_db_url, "RSUD", "2026-03").status == (
            ReportStatus.NEEDS_CORRECTION)

        answer = operator.send("mohon maaf pak, salah input. yg benar 81,2")
        assert "112% → *81,2%*" in answer
        assert "menunggu verifikasi ulang" in answer
        assert stored(loaded_db_url, "RSUD", "2026-03")["RS-BOR"].number == Decimal("81.2")
        assert fetch_report(loaded_db_url, "RSUD", "2026-03").status == ReportStatus.CORRECTED
        [notice] = outbox_to(loaded_db_url, SUPERVISOR)
        assert "RSUD sudah memperbaiki RS-BOR Maret: 112% → 81,2%" in notice

        verdict = supervisor.send("setuju")
        assert "RSUD Maret 2026 *terverifikasi*" in verdict

    report = fetch_report(loaded_db_url, "RSUD", "2026-03")
    assert report.status == ReportStatus.VERIFIED
    with Session(get_engine(loaded_db_url)) as session:
        events = session.exec(
            select(ReportEvent).where(ReportEvent.report_id == report_id)
            .order_by(ReportEvent.created_at, ReportEvent.id)
        ).all()
        names = {o.id: o.name for o in session.exec(select(Official)).all()}
    kinds = [e.kind for e in events]
    assert kinds == [EventKind.SUBMITTED, EventKind.FLAGGED, EventKind.CORRECTED,
                     EventKind.APPROVED, EventKind.VERIFIED]
    assert names[events[1].official_id] == "Supervisor Bappeda 1"
    assert names[events[2].official_id] == "Operator RSUD 1"
    assert events[1].note == "112% tdk mungkin. mohon dicek"


def test_two_operators_answering_one_prompt_at_once(start_server, loaded_db_url):
    from tests.e2e.conftest import AUTH_TOKEN
    from tests.e2e.test_webhook import _post_together
    from tests.support.servers import inbound_params

    report_id = seed_report(
        loaded_db_url, "DINKES", "2026-03",
        {"RFK-KEU": 18_000_000_000, "RFK-FIS": 15, "RFK-SUBKEG": 40,
         "ADM-LAPKEU": "Sudah", "PBJ-STATUS": "Kontrak"},
        submitted_at="2026-04-07 10:00",
    )
    with start_server(loaded_db_url, "2026-04-09 08:30") as server:
        Phone(server, SUPERVISOR).send("tandai dinkes fisik maret, fisik terlalu rendah")
        url = server.url + "/twilio/whatsapp"
        responses = _post_together(url, [
            inbound_params("whatsapp:+6281200000001", "21"),
            inbound_params("whatsapp:+6281200000002", "22"),
        ])
    assert all(r.status_code == 200 for r in responses)
    [flag] = flags(loaded_db_url, report_id)
    assert flag.status == FlagStatus.ANSWERED
    value = stored(loaded_db_url, "DINKES", "2026-03")["RFK-FIS"].number
    # One answer won; the other operator was told a colleague answered.
    assert value in (21, 22)
    with Session(get_engine(loaded_db_url)) as session:
        fis = session.exec(select(Indicator).where(Indicator.code == "RFK-FIS")).one()
        changes = session.exec(
            select(ValueChange).where(ValueChange.report_id == report_id,
                                      ValueChange.indicator_id == fis.id)).all()
        corrected = session.exec(
            select(ReportEvent).where(ReportEvent.report_id == report_id,
                                      ReportEvent.kind == EventKind.CORRECTED)).all()
    assert len(changes) == 2  # the seeded value and one correction
    assert len(corrected) == 1
    assert len(outbox_to(loaded_db_url, SUPERVISOR)) == 1

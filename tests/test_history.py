"""The audit trail of report values and the `history` command."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.db import get_engine
from models import (
    Agency,
    Indicator,
    Official,
    Period,
    Report,
    ReportEvent,
    ValueChange,
    ValueFlag,
)
from tests.flows.chat import Chat
from tests.flows.test_reporting import DINKES_OPERATOR, complete_dinkes_march

ROOT = Path(__file__).resolve().parent.parent


def changes(db_url: str, code: str) -> list[ValueChange]:
    with Session(get_engine(db_url)) as session:
        return list(
            session.exec(
                select(ValueChange)
                .join(Indicator, Indicator.id == ValueChange.indicator_id)
                .where(Indicator.code == code)
                .order_by(ValueChange.created_at, ValueChange.id)
            ).all()
        )


def test_first_answer_and_edit_are_recorded(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("2", at="2026-04-06 10:00")
    chat.send("16")
    history = changes(loaded_db_url, "RFK-FIS")
    with Session(get_engine(loaded_db_url)) as session:
        operator = session.exec(
            select(Official).where(Official.phone == DINKES_OPERATOR)
        ).one()
    assert len(history) == 2
    assert history[0].old_number is None
    assert history[0].new_number == Decimal("15.5")
    assert history[0].new_raw_text == "15,5 %"
    assert history[1].old_number == Decimal("15.5")
    assert history[1].new_number == 16
    assert history[1].official_id == operator.id
    assert history[1].channel == "whatsapp"


def test_same_answer_again_records_nothing(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("2")
    chat.send("15,5 %")
    assert len(changes(sqlite_loaded_url, "RFK-FIS")) == 1


def test_computed_change_is_recorded_as_system(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("1")
    chat.send("20 M")
    history = changes(sqlite_loaded_url, "RFK-KEU-PCT")
    assert len(history) == 2
    assert history[1].official_id is None
    assert history[1].channel == "computed"
    assert history[1].old_number == history[0].new_number


def test_history_command_prints_changes(sqlite_loaded_url):
    chat = Chat(sqlite_loaded_url, DINKES_OPERATOR)
    complete_dinkes_march(chat)
    chat.send("2", at="2026-04-06 10:00")
    chat.send("16")
    environment = {**os.environ, "DATABASE_URL": sqlite_loaded_url}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "app", "history",
         "--agency", "DINKES", "--period", "2026-03"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    fisik = [line for line in lines if line[1] == "RFK-FIS"]
    assert result.returncode == 0, result.stderr
    assert fisik[0][2:6] == ["(none)", "15.5", "Operator Dinkes 1", "whatsapp"]
    assert fisik[1][0] == "2026-04-06 10:00:00"
    assert fisik[1][2:4] == ["15.5", "16"]


def test_history_command_unknown_agency(sqlite_loaded_url):
    environment = {**os.environ, "DATABASE_URL": sqlite_loaded_url}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "app", "history",
         "--agency", "NOPE", "--period", "2026-03"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "'NOPE' was not found" in result.stderr


def test_history_interleaves_review_events(loaded_db_url):
    """Value changes and review events in one list, ordered by time.

    At the same instant the value change comes first, although the event
    row was written earlier and has a lower id than the next change.
    """
    wib = ZoneInfo("Asia/Jakarta")
    with Session(get_engine(loaded_db_url)) as session:
        dinkes = session.exec(select(Agency).where(Agency.code == "DINKES")).one()
        period = session.exec(select(Period).where(Period.code == "2026-03")).one()
        operator = session.exec(
            select(Official).where(Official.phone == DINKES_OPERATOR)
        ).one()
        supervisor = session.exec(
            select(Official).where(Official.role == "supervisor").order_by(Official.id)
        ).first()
        fis = session.exec(select(Indicator).where(Indicator.code == "RFK-FIS")).one()
        keu = session.exec(select(Indicator).where(Indicator.code == "RFK-KEU")).one()
        report = Report(agency_id=dinkes.id, period_id=period.id, status="verified")
        session.add(report)
        session.flush()
        flagged_at = datetime(2026, 4, 6, 9, 12, tzinfo=wib)
        corrected_at = datetime(2026, 4, 7, 8, 0, tzinfo=wib)
        rule_flag = ValueFlag(
            report_id=report.id, indicator_id=fis.id, source="rule",
            rule_code="FIS-JUMP", message="naik\tdari 2%", raised_at=flagged_at,
            status="closed", resolution="corrected", resolved_at=corrected_at,
        )
        supervisor_flag = ValueFlag(
            report_id=report.id, indicator_id=keu.id, source="supervisor",
            note="cek SP2D", raised_by_id=supervisor.id,
            raised_at=datetime(2026, 4, 8, 10, 0, tzinfo=wib), status="closed",
            resolution="confirmed", reason="sesuai SP2D",
        )
        session.add_all([rule_flag, supervisor_flag])
        session.flush()

        def event(kind, at, **fields):
            row = ReportEvent(
                report_id=report.id, kind=kind, channel=fields.pop("channel", "whatsapp"),
                created_at=datetime(2026, 4, *at, tzinfo=wib), **fields,
            )
            session.add(row)
            session.flush()
            return row

        def change(at, indicator, old, new, **fields):
            row = ValueChange(
                report_id=report.id, indicator_id=indicator.id, old_number=old,
                new_number=new, channel="whatsapp", official_id=operator.id,
                created_at=datetime(2026, 4, *at, tzinfo=wib), **fields,
            )
            session.add(row)
            session.flush()
            return row

        # Written out of time order on purpose. The events recorded at the
        # same instant as a change get the lower ids.
        tied_events = [
            event("corrected", (7, 8, 0), flag_id=rule_flag.id, indicator_id=fis.id,
                  official_id=operator.id),
            event("flagged", (6, 9, 12), flag_id=rule_flag.id, indicator_id=fis.id,
                  channel="computed"),
        ]
        event("unlocked", (20, 10, 0), channel="cli", note="revisi\npagu")
        event("submitted", (6, 9, 15), official_id=operator.id, note="DINKES-2026-03-001")
        event("flagged", (8, 10, 0), flag_id=supervisor_flag.id, indicator_id=keu.id,
              official_id=supervisor.id)
        event("confirmed", (8, 11, 0), flag_id=supervisor_flag.id, indicator_id=keu.id,
              official_id=operator.id)
        event("rejected", (8, 12, 0), flag_id=supervisor_flag.id, indicator_id=keu.id,
              official_id=supervisor.id, note="lampirkan bukti")
        event("approved", (9, 9, 0), flag_id=supervisor_flag.id, indicator_id=keu.id,
              official_id=supervisor.id)
        event("verified", (9, 9, 0), official_id=supervisor.id)
        change((6, 9, 10), keu, None, Decimal("18250500000"))
        tied_changes = [
            change((7, 8, 0), fis, Decimal("50"), Decimal("5"), reason="salah ketik"),
            change((6, 9, 12), fis, None, Decimal("50")),
        ]
        for tied_event, tied_change in zip(tied_events, tied_changes):
            assert tied_event.id < tied_change.id
        session.commit()
        operator_name, supervisor_name = operator.name, supervisor.name

    environment = {**os.environ, "DATABASE_URL": loaded_db_url}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "app", "history",
         "--agency", "DINKES", "--period", "2026-03"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert result.returncode == 0, result.stderr
    assert all(len(line) == 8 for line in lines)
    assert [(line[0], line[7]) for line in lines] == [
        ("2026-04-06 09:10:00", "changed"),
        ("2026-04-06 09:12:00", "changed"),
        ("2026-04-06 09:12:00", "flagged"),
        ("2026-04-06 09:15:00", "submitted"),
        ("2026-04-07 08:00:00", "changed"),
        ("2026-04-07 08:00:00", "corrected"),
        ("2026-04-08 10:00:00", "flagged"),
        ("2026-04-08 11:00:00", "confirmed"),
        ("2026-04-08 12:00:00", "rejected"),
        ("2026-04-09 09:00:00", "approved"),
        ("2026-04-09 09:00:00", "verified"),
        ("2026-04-20 10:00:00", "unlocked"),
    ]
    assert lines[1][1:7] == ["RFK-FIS", "(none)", "50", operator_name, "whatsapp", ""]
    assert lines[2][1:7] == ["RFK-FIS", "", "", "system", "computed",
                             "FIS-JUMP: naik dari 2%"]
    assert lines[3][1:7] == ["", "", "", operator_name, "whatsapp", "DINKES-2026-03-001"]
    assert lines[4][1:7] == ["RFK-FIS", "50", "5", operator_name, "whatsapp",
                             "salah ketik"]
    assert lines[5][1:5] == ["RFK-FIS", "", "", operator_name]
    assert lines[6][1:7] == ["RFK-KEU", "", "", supervisor_name, "whatsapp", "cek SP2D"]
    # Without a note on the event, the flag's reason is shown.
    assert lines[7][1:7] == ["RFK-KEU", "", "", operator_name, "whatsapp", "sesuai SP2D"]
    assert lines[8][6] == "lampirkan bukti"
    assert lines[10][1] == ""
    assert lines[11][1:7] == ["", "", "", "cli", "cli", "revisi pagu"]


def test_history_of_a_flag_correction_and_approval(loaded_db_url):
    from tests.flows.seed import seed_report

    seed_report(loaded_db_url, "RSUD", "2026-03",
                {"RFK-KEU": 20_000_000_000, "RFK-FIS": 25, "RFK-SUBKEG": 30,
                 "ADM-LAPKEU": "Sudah", "PBJ-STATUS": "Kontrak", "RS-BOR": 112},
                submitted_at="2026-04-07 10:00")
    supervisor = Chat(loaded_db_url, "+6281200000025", at="2026-04-09 08:30")
    supervisor.send("tandai RSUD BOR maret, 112% tdk mungkin. mohon dicek")
    operator = Chat(loaded_db_url, "+6281200000010", at="2026-04-09 09:05")
    operator.send("mohon maaf pak, salah input. yg benar 81,2")
    supervisor.send("setuju", at="2026-04-09 09:20")

    environment = {**os.environ, "DATABASE_URL": loaded_db_url}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "app", "history",
         "--agency", "RSUD", "--period", "2026-03"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    review = [line for line in lines if line[0] >= "2026-04-09"]
    assert [line[-1] for line in review] == [
        "flagged", "changed", "corrected", "approved", "verified",
    ]
    flagged, changed, corrected, approved, verified = review
    assert flagged[0] == "2026-04-09 08:30:00"
    assert flagged[4] == "Supervisor Bappeda 1"
    assert "112% tdk mungkin. mohon dicek" in flagged[6]
    assert changed[1:6] == ["RS-BOR", "112", "81.2", "Operator RSUD 1", "whatsapp"]
    assert "112% tdk mungkin" in changed[6]
    assert corrected[4] == "Operator RSUD 1"
    assert approved[0] == "2026-04-09 09:20:00"
    assert approved[4] == "Supervisor Bappeda 1"
    assert verified[4] == "Supervisor Bappeda 1"

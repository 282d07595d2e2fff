"""The audit trail of report values and the `history` command."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, select

from bot.db import get_engine
from models import Indicator, Official, ValueChange
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

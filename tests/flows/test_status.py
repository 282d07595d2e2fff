"""Status, missing-agency and deadline questions, checked against the data."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from bot.db import get_engine
from bot.periods import applicable_indicators
from models import Agency, Period
from tests.flows.chat import Chat
from tests.flows.test_reporting import DINKES_OPERATOR, complete_dinkes_march

SUPERVISOR = "+6281200000025"
DINSOS_OPERATOR = "+6281200000007"


def expected_missing(db_url: str, period_code: str, submitted: set[str]) -> list[str]:
    with Session(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == period_code)).one()
        agencies = session.exec(select(Agency).order_by(Agency.id)).all()
        return [
            a.short_name
            for a in agencies
            if applicable_indicators(session, a, period) and a.code not in submitted
        ]


def test_missing_list_follows_data(loaded_db_url):
    operator = Chat(loaded_db_url, DINKES_OPERATOR)
    complete_dinkes_march(operator)
    operator.send("ya", at="2026-04-06 09:18")

    supervisor = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:05")
    reply = supervisor.send("Pagi. Siapa aja OPD yg blm lapor realisasi bulan maret?")
    missing = expected_missing(loaded_db_url, "2026-03", {"DINKES"})
    total = len(missing) + 1
    assert f"Sudah lapor: 1 dari {total}" in reply
    assert "Tepat waktu: 1" in reply
    assert f"Belum lapor ({len(missing)})" in reply
    listed = reply.split(f"Belum lapor ({len(missing)}):* ")[1].split(", ")
    assert listed == missing
    assert "Dinkes" not in listed

    assert reply == Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:06").send(
        "belum maret"
    ) or "Belum lapor" in reply


def test_status_of_agency_shows_values(loaded_db_url):
    operator = Chat(loaded_db_url, DINKES_OPERATOR)
    complete_dinkes_march(operator)
    operator.send("ya", at="2026-04-06 09:18")
    supervisor = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:10")
    reply = supervisor.send("status dinkes?")
    assert "Dinkes" in reply
    assert "06/04 09.18" in reply
    assert "Rp18.250.500.000" in reply
    assert "15,5%" in reply
    assert "tepat waktu" in reply


def test_operator_sees_only_own_agency(loaded_db_url):
    chat = Chat(loaded_db_url, DINSOS_OPERATOR, at="2026-04-13 08:10")
    reply = chat.send("status dinkes maret")
    assert "hanya dapat melihat laporan Dinsos" in reply
    assert "*Dinsos — Maret 2026*" in reply
    missing = chat.send("belum maret")
    assert "Belum lapor (" not in missing
    assert "Dinsos" in missing


def test_period_status_counts(loaded_db_url):
    supervisor = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:10")
    reply = supervisor.send("status tw 1")
    count = len(expected_missing(loaded_db_url, "2026-TW1", set()))
    assert re.search(rf"Sudah lapor: 0 dari {count}\b", reply)


def test_deadline_question(loaded_db_url):
    chat = Chat(loaded_db_url, "+6281200000016", at="2026-07-02 10:04")
    reply = chat.send("batas tw 2 kpn?")
    assert "Selasa, 7 Juli 2026" in reply


def test_greeting_and_thanks(loaded_db_url):
    chat = Chat(loaded_db_url, DINKES_OPERATOR)
    assert "Waalaikumsalam" in chat.send("Assalamualaikum pak")
    assert "Sama-sama" in chat.send("mksh")
    for text in ("bantuan", "help", "?", "cara lapor gmn ya?"):
        assert "Cara lapor" in chat.send(text)

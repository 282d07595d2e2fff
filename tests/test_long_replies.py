"""A reply longer than Twilio's ten TwiML messages: the rest goes through the outbox."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.db import get_engine
from bot.inbound import MAX_TWIML_MESSAGES, Inbound, handle_inbound
from bot.outbound import MAX_BODY
from models import Agency, AgencyAlias, Outbox
from tests.flows.chat import Chat, local

SUPERVISOR = "+6281200000025"
ASKED = "2026-04-13 08:05"
EXTRA_AGENCIES = 400


def add_agencies(db_url: str) -> list[str]:
    """Add agencies with long names; return every agency's short name."""
    with Session(get_engine(db_url)) as session, session.begin():
        for number in range(1, EXTRA_AGENCIES + 1):
            agency = Agency(
                code=f"KEL-{number:03d}", name=f"Kelurahan Contoh {number}",
                short_name=f"Kelurahan Contoh Dengan Nama Yang Cukup Panjang {number:03d}",
                kind="kelurahan",
            )
            session.add(agency)
            session.flush()
            session.add(AgencyAlias(alias=f"kel-{number:03d}", agency_id=agency.id))
    with Session(get_engine(db_url)) as session:
        return list(session.exec(select(Agency.short_name)).all())


def outbox_bodies(db_url: str, kind: str) -> list[str]:
    with Session(get_engine(db_url)) as session:
        rows = session.exec(
            select(Outbox).where(Outbox.phone == SUPERVISOR, Outbox.kind == kind)
            .order_by(Outbox.id)
        ).all()
        return [row.body for row in rows]


def ask(chat: Chat, sid: str, body: str) -> tuple[list[str], list[int]]:
    message = Inbound(sid=sid, phone=SUPERVISOR, body=body, num_media=0,
                      received_at=local(ASKED))
    return handle_inbound(chat.engine, chat.settings, message)


def test_reply_over_ten_messages_continues_in_outbox(loaded_db_url):
    names = add_agencies(loaded_db_url)
    chat = Chat(loaded_db_url, SUPERVISOR, at=ASKED)

    parts, outbox_ids = ask(chat, "SM" + "1" * 32, "peringkat realisasi")

    assert len(parts) == MAX_TWIML_MESSAGES
    assert all(0 < len(part) <= MAX_BODY for part in parts)
    overflow = outbox_bodies(loaded_db_url, "reply")
    assert overflow and len(outbox_ids) == len(overflow)
    assert all(len(body) <= MAX_BODY for body in overflow)
    # Every agency is named once, in the reply or in its continuation, and
    # no line is cut between the two.
    lines = "\n".join([*parts, *overflow]).split("\n")
    for name in names:
        assert sum(name in line for line in lines) == 1, name


def test_repeated_delivery_of_long_question_queues_nothing_more(loaded_db_url):
    add_agencies(loaded_db_url)
    chat = Chat(loaded_db_url, SUPERVISOR, at=ASKED)
    sid = "SM" + "2" * 32

    first, first_ids = ask(chat, sid, "peringkat realisasi")
    again, again_ids = ask(chat, sid, "peringkat realisasi")

    assert again == first
    assert again_ids == []
    assert len(outbox_bodies(loaded_db_url, "reply")) == len(first_ids)


@pytest.mark.parametrize("question", ["status dinkes", "telat"])
def test_short_reply_uses_no_outbox(loaded_db_url, question):
    chat = Chat(loaded_db_url, SUPERVISOR, at=ASKED)
    parts, _ = ask(chat, "SM" + "3" * 32, question)
    assert 1 <= len(parts) < MAX_TWIML_MESSAGES
    assert outbox_bodies(loaded_db_url, "reply") == []

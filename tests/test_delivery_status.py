"""Delivery status callbacks and unreachable numbers, in process, on both back ends."""

from __future__ import annotations

import itertools
import logging
import random
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from app import create_app
from bot.config import Settings
from bot.contacts import contact_of, record_inbound
from bot.db import get_engine, session_scope
from bot.delivery_status import (
    UNREACHABLE_CODES,
    record_status,
    report_unreachable,
)
from bot.phones import mask
from models import Contact, Official, Outbox, OutboxStatus
from tests.flows.chat import Chat

NOW = datetime(2026, 4, 6, 2, 0, tzinfo=timezone.utc)
DINKES_OPERATOR = "+6281200000001"
SUPERVISOR = "+6281200000025"
ENGLISH_ADMIN = "+6281200000030"
AUTH_TOKEN = "status-test-token-0123456789abcdef"
# Active supervisors and admins in data/sample/officials.csv: four
# supervisors and two admins, one of whom reads English.
SUPERVISORS_AND_ADMINS = 6
_sids = itertools.count(1)


def settings_for(db_url: str) -> Settings:
    return Settings(
        DATABASE_URL=db_url, TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_WHATSAPP_FROM="+14155238886",
    )


def sent_message(db_url: str, phone: str = DINKES_OPERATOR) -> str:
    """Add an outbox row as the sending code leaves it after Twilio accepted it."""
    sid = f"SM{next(_sids):032x}"
    with session_scope(get_engine(db_url)) as session:
        official = session.exec(select(Official).where(Official.phone == phone)).one()
        session.add(Outbox(
            official_id=official.id, phone=phone, body="Pengingat laporan Maret.",
            status=OutboxStatus.SENT, twilio_sid=sid, created_at=NOW, sent_at=NOW,
        ))
    return sid


def post_status(db_url, sid, status, error_code=None, now=NOW):
    with session_scope(get_engine(db_url)) as session:
        return record_status(session, settings_for(db_url), sid, status, error_code, now)


def outbox_of(db_url: str, sid: str) -> Outbox:
    with Session(get_engine(db_url)) as session:
        return session.exec(select(Outbox).where(Outbox.twilio_sid == sid)).one()


def notices(db_url: str) -> list[tuple[str, Outbox]]:
    """Return (recipient phone, row) for every outbox row of kind `unreachable`."""
    with Session(get_engine(db_url)) as session:
        rows = session.exec(
            select(Outbox).where(Outbox.kind == "unreachable").order_by(Outbox.id)
        ).all()
        return [(row.phone, row) for row in rows]


def contact_by_phone(db_url: str, phone: str) -> Contact | None:
    with Session(get_engine(db_url)) as session:
        official = session.exec(select(Official).where(Official.phone == phone)).one()
        return session.exec(
            select(Contact).where(Contact.official_id == official.id)
        ).first()


# --- status order -------------------------------------------------------------


@pytest.mark.parametrize(
    ("sequence", "final"),
    [
        (["sent", "delivered", "read"], "read"),
        (["read", "delivered", "sent"], "read"),
        (["delivered", "sent", "delivered"], "delivered"),
        (["sending", "queued"], "sending"),
        (["undelivered", "sent"], "undelivered"),
        (["failed", "queued", "sending"], "failed"),
        (["failed", "undelivered"], "failed"),
        (["undelivered", "delivered"], "delivered"),
        (["failed", "read"], "read"),
        (["delivered", "failed"], "delivered"),
        (["read", "undelivered"], "read"),
    ],
)
def test_status_never_moves_backwards(loaded_db_url, sequence, final):
    sid = sent_message(loaded_db_url)
    for status in sequence:
        post_status(loaded_db_url, sid, status)
    assert outbox_of(loaded_db_url, sid).delivery_status == final


def test_status_stores_error_and_time(loaded_db_url):
    sid = sent_message(loaded_db_url)
    later = NOW + timedelta(minutes=3)
    result = post_status(loaded_db_url, sid, "undelivered", 63016, now=later)
    row = outbox_of(loaded_db_url, sid)
    assert result.found
    assert result.applied
    assert row.delivery_status == "undelivered"
    assert row.error_code == 63016
    assert row.delivery_updated_at == later
    # The sending code's own status is not the delivery status.
    assert row.status == OutboxStatus.SENT


def test_repeated_status_not_applied(loaded_db_url):
    sid = sent_message(loaded_db_url)
    first = post_status(loaded_db_url, sid, "delivered")
    second = post_status(loaded_db_url, sid, "delivered", now=NOW + timedelta(minutes=1))
    assert first.applied
    assert not second.applied
    assert outbox_of(loaded_db_url, sid).delivery_updated_at == NOW


def test_unknown_sid_not_found(loaded_db_url):
    result = post_status(loaded_db_url, "SM" + "f" * 32, "delivered")
    assert not result.found
    assert not result.applied


def test_concurrent_callbacks_keep_highest(loaded_db_url):
    """Callbacks handled at the same moment in threads still end at the highest rank."""
    sids = [sent_message(loaded_db_url) for _ in range(3)]
    jobs = [(sid, status) for sid in sids for status in
            ("sent", "delivered", "read", "sent", "delivered", "read")]
    random.Random(7).shuffle(jobs)
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(sid, status):
        barrier.wait()
        try:
            post_status(loaded_db_url, sid, status)
        except Exception as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for sid in sids:
        assert outbox_of(loaded_db_url, sid).delivery_status == "read"


# --- unreachable numbers --------------------------------------------------------


def test_unreachable_codes_listed():
    assert 63003 in UNREACHABLE_CODES
    # "Outside the 24-hour window" and "rate limit" do not mean the number is gone.
    assert 63016 not in UNREACHABLE_CODES
    assert 63018 not in UNREACHABLE_CODES


def test_three_failures_notify_once(loaded_db_url, caplog):
    sids = [sent_message(loaded_db_url) for _ in range(3)]
    with caplog.at_level(logging.INFO, logger="bot.delivery_status"):
        results = [post_status(loaded_db_url, sid, "failed", 63003) for sid in sids]
    contact = contact_by_phone(loaded_db_url, DINKES_OPERATOR)
    notified = notices(loaded_db_url)
    recipients = [phone for phone, _row in notified]
    assert contact.unreachable_at == NOW
    assert contact.unreachable_error.startswith("63003")
    assert contact.unreachable_reported_at == NOW
    assert [len(result.notices) for result in results] == [SUPERVISORS_AND_ADMINS, 0, 0]
    assert len(notified) == SUPERVISORS_AND_ADMINS
    assert len(set(recipients)) == SUPERVISORS_AND_ADMINS
    assert SUPERVISOR in recipients
    assert DINKES_OPERATOR not in recipients
    assert DINKES_OPERATOR.lstrip("+") not in caplog.text


def test_notice_names_official_and_agency(loaded_db_url):
    sid = sent_message(loaded_db_url)
    post_status(loaded_db_url, sid, "undelivered", 63003)
    bodies = {phone: row.body for phone, row in notices(loaded_db_url)}
    rows = [row for _phone, row in notices(loaded_db_url)]
    assert "Operator Dinkes 1" in bodies[SUPERVISOR]
    assert "(Dinkes, " in bodies[SUPERVISOR]
    assert mask(DINKES_OPERATOR) in bodies[SUPERVISOR]
    assert "tidak dapat menerima pesan" in bodies[SUPERVISOR]
    assert "cannot receive messages" in bodies[ENGLISH_ADMIN]
    for body in bodies.values():
        assert DINKES_OPERATOR not in body
        assert DINKES_OPERATOR.lstrip("+") not in body
    for row in rows:
        assert row.status == OutboxStatus.PENDING


@pytest.mark.parametrize("code", [None, 63016, 63018, 30008])
def test_other_failures_not_unreachable(loaded_db_url, code):
    sid = sent_message(loaded_db_url)
    post_status(loaded_db_url, sid, "failed", code)
    contact = contact_by_phone(loaded_db_url, DINKES_OPERATOR)
    assert contact is None or contact.unreachable_at is None
    assert notices(loaded_db_url) == []


def test_late_failure_after_delivery_ignored(loaded_db_url):
    sid = sent_message(loaded_db_url)
    post_status(loaded_db_url, sid, "delivered")
    post_status(loaded_db_url, sid, "undelivered", 63003)
    contact = contact_by_phone(loaded_db_url, DINKES_OPERATOR)
    assert contact is None or contact.unreachable_at is None
    assert notices(loaded_db_url) == []


def test_report_unreachable_once_until_inbound(loaded_db_url):
    settings = settings_for(loaded_db_url)
    engine = get_engine(loaded_db_url)

    def report(now):
        with session_scope(engine) as session:
            official = session.exec(
                select(Official).where(Official.phone == DINKES_OPERATOR)
            ).one()
            return report_unreachable(
                session, settings, official, "63003: Channel could not find To address", now
            )

    first = report(NOW)
    again = report(NOW + timedelta(hours=1))
    with session_scope(engine) as session:
        official = session.exec(
            select(Official).where(Official.phone == DINKES_OPERATOR)
        ).one()
        record_inbound(session, official.id, NOW + timedelta(hours=2))
    cleared = contact_by_phone(loaded_db_url, DINKES_OPERATOR)
    after_inbound = report(NOW + timedelta(hours=3))
    assert first is True
    assert again is False
    assert cleared.unreachable_at is None
    assert after_inbound is True
    assert len(notices(loaded_db_url)) == 2 * SUPERVISORS_AND_ADMINS


def test_concurrent_failures_notify_once(loaded_db_url):
    sids = [sent_message(loaded_db_url) for _ in range(4)]
    barrier = threading.Barrier(len(sids))
    errors = []

    def run(sid):
        barrier.wait()
        try:
            post_status(loaded_db_url, sid, "failed", 63003)
        except Exception as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(sid,)) for sid in sids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(notices(loaded_db_url)) == SUPERVISORS_AND_ADMINS


# --- the supervisor's status reply ---------------------------------------------


def mark_operator_unreachable(db_url: str) -> None:
    with session_scope(get_engine(db_url)) as session:
        official = session.exec(
            select(Official).where(Official.phone == DINKES_OPERATOR)
        ).one()
        contact_of(session, official.id)
        report_unreachable(session, Settings(DATABASE_URL=db_url), official, "63003", NOW)


def test_status_lists_unreachable(loaded_db_url):
    mark_operator_unreachable(loaded_db_url)
    reply = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:10").send("status dinkes")
    other = Chat(loaded_db_url, SUPERVISOR, at="2026-04-13 08:11").send("status disdik")
    assert f"Nomor tidak aktif di WhatsApp: Operator Dinkes 1 ({mask(DINKES_OPERATOR)})" in reply
    assert "tidak aktif" not in other


def test_operator_status_hides_unreachable(loaded_db_url):
    mark_operator_unreachable(loaded_db_url)
    reply = Chat(loaded_db_url, "+6281200000002", at="2026-04-13 08:10").send("status")
    assert "tidak aktif" not in reply


# --- the route, through Flask's test client ---------------------------------------


@pytest.fixture
def client(sqlite_loaded_url):
    app = create_app({
        "DATABASE_URL": sqlite_loaded_url, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "REDIS_URL": "", "PUBLIC_URL": "",
    })
    test_client = app.test_client()
    test_client.db_url = sqlite_loaded_url
    return test_client


def signed(client, params, token=AUTH_TOKEN, url="http://localhost/twilio/status"):
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(token).compute_signature(url, params)
    return client.post("/twilio/status", data=params,
                       headers={"X-Twilio-Signature": signature})


def test_route_records_status(client):
    sid = sent_message(client.db_url)
    response = signed(client, {"MessageSid": sid, "MessageStatus": "delivered"})
    assert response.status_code == 204
    assert response.data == b""
    assert outbox_of(client.db_url, sid).delivery_status == "delivered"


def test_route_rejects_bad_signature(client):
    sid = sent_message(client.db_url)
    params = {"MessageSid": sid, "MessageStatus": "delivered"}
    unsigned = client.post("/twilio/status", data=params)
    wrong = signed(client, params, token="another-token")
    assert unsigned.status_code == 403
    assert wrong.status_code == 403
    assert outbox_of(client.db_url, sid).delivery_status is None


@pytest.mark.parametrize(
    "params",
    [
        {"MessageSid": "SM" + "e" * 32, "MessageStatus": "delivered"},
        {"MessageSid": "SM" + "e" * 32, "MessageStatus": "exploded"},
        {"MessageStatus": "delivered"},
        {"MessageSid": "SM" + "e" * 32, "MessageStatus": "failed", "ErrorCode": "x"},
        {"MessageSid": "SM" + "e" * 32, "MessageStatus": "failed",
         "ErrorCode": "99999999999"},
    ],
)
def test_route_acknowledges_unusable_callbacks(client, params, caplog):
    with caplog.at_level(logging.INFO, logger="bot.webhook"):
        response = signed(client, params)
    assert response.status_code == 204
    assert "status callback:" in caplog.text
    assert notices(client.db_url) == []


def test_route_reads_error_code(client):
    sid = sent_message(client.db_url)
    response = signed(client, {"MessageSid": sid, "MessageStatus": "FAILED",
                               "ErrorCode": "63003", "AccountSid": "AC" + "0" * 32})
    row = outbox_of(client.db_url, sid)
    assert response.status_code == 204
    assert row.delivery_status == "failed"
    assert row.error_code == 63003
    assert len(notices(client.db_url)) == SUPERVISORS_AND_ADMINS


def test_route_checks_public_url(sqlite_loaded_url):
    public = "https://emonev.example.go.id"
    app = create_app({
        "DATABASE_URL": sqlite_loaded_url, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "REDIS_URL": "", "PUBLIC_URL": public,
    })
    client = app.test_client()
    sid = sent_message(sqlite_loaded_url)
    params = {"MessageSid": sid, "MessageStatus": "read"}
    direct = signed(client, params)
    proxied = signed(client, params, url=public + "/twilio/status")
    assert direct.status_code == 403
    assert proxied.status_code == 204
    assert outbox_of(sqlite_loaded_url, sid).delivery_status == "read"

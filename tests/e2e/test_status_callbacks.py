"""Twilio status callbacks through a running server, on both back ends."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timezone

import pytest
import requests
from redis import Redis
from rq import Queue
from sqlmodel import Session, select

from bot.config import Settings
from bot.contacts import record_inbound
from bot.db import get_engine, session_scope
from bot.outbound import deliver, queue_message
from bot.queue import QUEUE_NAME
from models import Contact, Official, Outbox, OutboxStatus
from models.types import utcnow
from tests.e2e.conftest import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER
from tests.support.servers import signed_post

pytestmark = pytest.mark.e2e

DINKES_OPERATOR = "+6281200000001"
NOW = datetime(2026, 4, 6, 2, 0, tzinfo=timezone.utc)
# Active supervisors and admins in data/sample/officials.csv: four
# supervisors and two admins, one of whom reads English.
SUPERVISORS_AND_ADMINS = 6


def send_through_double(db_url: str, api_url: str, count: int) -> list[str]:
    """Queue `count` messages to the Dinkes operator, send them; return their SIDs."""
    settings = Settings(
        DATABASE_URL=db_url, TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_WHATSAPP_FROM=BOT_NUMBER, TWILIO_API_URL=api_url,
    )
    with session_scope(get_engine(db_url)) as session:
        official = session.exec(
            select(Official).where(Official.phone == DINKES_OPERATOR)
        ).one()
        # An inbound message now opens the 24-hour window, so free text may go out.
        record_inbound(session, official.id, utcnow())
        ids = [
            queue_message(session, settings, official, f"Pengingat {n}.", NOW)[0].id
            for n in range(count)
        ]
    for outbox_id in ids:
        assert deliver(outbox_id, settings) == OutboxStatus.SENT
    with Session(get_engine(db_url)) as session:
        return [session.get(Outbox, outbox_id).twilio_sid for outbox_id in ids]


def callback(sid: str, status: str, error_code: int | None = None) -> dict[str, str]:
    """Build the form Twilio posts to a status callback URL for a WhatsApp message."""
    params = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "ChannelToAddress": DINKES_OPERATOR,
        "From": f"whatsapp:{BOT_NUMBER}",
        "To": f"whatsapp:{DINKES_OPERATOR}",
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
    }
    if error_code is not None:
        params["ErrorCode"] = str(error_code)
    return params


def post_together(url: str, forms: list[dict[str, str]]) -> list[int]:
    """POST every form at once from its own thread; return the HTTP statuses in order."""
    barrier = threading.Barrier(len(forms))
    codes: list[int | None] = [None] * len(forms)

    def post(index: int) -> None:
        barrier.wait()
        codes[index] = signed_post(url, forms[index], AUTH_TOKEN).status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return codes


def outbox_by_sid(db_url: str, sid: str) -> Outbox:
    with Session(get_engine(db_url)) as session:
        return session.exec(select(Outbox).where(Outbox.twilio_sid == sid)).one()


def test_repeated_reordered_callbacks_keep_final(start_server, twilio_double, loaded_db_url):
    delivered, read, failed = send_through_double(loaded_db_url, twilio_double.url, 3)
    forms = (
        [callback(delivered, status) for status in ("sent", "delivered")] * 2
        + [callback(read, status) for status in ("sent", "delivered", "read")] * 2
        + [callback(failed, "sent"), callback(failed, "undelivered", 30008)] * 2
    )
    random.Random(11).shuffle(forms)
    with start_server(loaded_db_url) as app:
        url = app.url + "/twilio/status"
        first = post_together(url, forms)
        # Late repeats of early statuses, posted after the final ones.
        late = post_together(url, [callback(sid, "sent") for sid in (delivered, read, failed)])
        unknown = signed_post(url, callback("SM" + "0" * 32, "read"), AUTH_TOKEN)
        unsigned = requests.post(url, data=callback(read, "queued"), timeout=10)
    assert first == [204] * len(forms)
    assert late == [204] * 3
    assert unknown.status_code == 204
    assert unsigned.status_code == 403
    assert outbox_by_sid(loaded_db_url, delivered).delivery_status == "delivered"
    assert outbox_by_sid(loaded_db_url, read).delivery_status == "read"
    assert outbox_by_sid(loaded_db_url, failed).delivery_status == "undelivered"
    assert outbox_by_sid(loaded_db_url, failed).error_code == 30008
    assert outbox_by_sid(loaded_db_url, read).error_code is None
    assert "SM" + "0" * 32 in app.stderr_text() + app.stdout_text()


def test_invalid_recipient_notified_once(start_server, twilio_double, loaded_db_url, redis_url):
    sids = send_through_double(loaded_db_url, twilio_double.url, 3)
    forms = [callback(sid, "failed", 63003) for sid in sids] * 2
    with start_server(loaded_db_url, REDIS_URL=redis_url) as app:
        codes = post_together(app.url + "/twilio/status", forms)
        logs = app.stderr_text() + app.stdout_text()
    with Session(get_engine(loaded_db_url)) as session:
        official = session.exec(
            select(Official).where(Official.phone == DINKES_OPERATOR)
        ).one()
        contact = session.exec(
            select(Contact).where(Contact.official_id == official.id)
        ).one()
        notices = session.exec(select(Outbox).where(Outbox.kind == "unreachable")).all()
    queued = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url)).count
    assert codes == [204] * len(forms)
    assert contact.unreachable_at is not None
    assert contact.unreachable_error.startswith("63003")
    assert len(notices) == SUPERVISORS_AND_ADMINS
    assert len({row.official_id for row in notices}) == SUPERVISORS_AND_ADMINS
    assert all("Operator Dinkes 1" in row.body for row in notices)
    # The notices were handed to RQ after the commit, not left for the sweep.
    assert queued == SUPERVISORS_AND_ADMINS
    assert DINKES_OPERATOR.lstrip("+") not in logs

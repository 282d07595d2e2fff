"""Proactive messages: written to the outbox, then sent by a worker."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from bot.config import Settings
from bot.db import get_engine, session_scope
from bot.phones import mask
from models import Official, Outbox, OutboxStatus
from models.types import utcnow

logger = logging.getLogger(__name__)

# Twilio rejects a WhatsApp body longer than this (error 21617).
MAX_BODY = 1600
SENDING = "sending"
# Twilio errors that say "not now" rather than "never": 63018 is a rate or
# messaging limit of the sender.
RETRYABLE_CODES = frozenset({63018})


def split_body(text: str, limit: int = MAX_BODY) -> list[str]:
    """Split a message at line boundaries into parts of at most `limit` characters.

    A single line longer than the limit is cut at the last space before it.
    Blank lines at the start of a part are dropped.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            head, line = line[:cut], line[cut:].lstrip()
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def queue_message(
    session: Session, settings: Settings, official: Official, body: str, now: datetime
) -> list[Outbox]:
    """Add outbox rows for `body` in the caller's transaction.

    Without Twilio credentials (development) the rows are stored, not sent.
    """
    status = OutboxStatus.PENDING if settings.twilio_enabled else OutboxStatus.STORED
    rows = []
    for part in split_body(body):
        row = Outbox(
            official_id=official.id, phone=official.phone, body=part,
            status=status, created_at=now,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    for row in rows:
        if status == OutboxStatus.STORED:
            logger.info(
                "outbox %s: message to %s stored, not sent (no Twilio credentials)",
                row.id, mask(row.phone),
            )
    return rows


def enqueue_delivery(settings: Settings, outbox_ids: list[int]) -> None:
    """Hand pending rows to RQ.

    After the first failed enqueue (Redis down or not configured), the
    remaining rows are not tried and stay pending for the sweep.
    """
    if not outbox_ids or not settings.twilio_enabled:
        return
    from bot.queue import enqueue

    for position, outbox_id in enumerate(outbox_ids):
        job_id = enqueue("bot.outbound.deliver", outbox_id, redis_url=settings.REDIS_URL)
        if job_id is None:
            logger.info("outbox: %d rows left pending for the sweep",
                        len(outbox_ids) - position)
            return


def deliver(outbox_id: int, settings: Settings | None = None) -> str:
    """Send one outbox row through Twilio; return its new status.

    The row is claimed with a conditional update, so two workers given the
    same id send it once.
    """
    from flask import current_app

    settings = settings or current_app.config["SETTINGS"]
    engine = get_engine(settings.DATABASE_URL)
    with session_scope(engine) as session:
        claimed = session.exec(
            update(Outbox)
            .where(Outbox.id == outbox_id, Outbox.status == OutboxStatus.PENDING)
            .values(status=SENDING, attempts=Outbox.attempts + 1)
        ).rowcount
        row = session.get(Outbox, outbox_id)
    if not claimed:
        logger.info("outbox %s: already taken (%s), skipped", outbox_id,
                    row.status if row else "missing")
        return row.status if row else "missing"

    from requests import RequestException
    from twilio.base.exceptions import TwilioRestException

    from bot.twilio_client import make_client, send_message

    client = make_client(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_URL or None,
    )
    try:
        sid = send_message(
            client, from_=f"whatsapp:{settings.TWILIO_WHATSAPP_FROM.removeprefix('whatsapp:')}",
            to=f"whatsapp:{row.phone}", body=row.body,
        )
    except TwilioRestException as exc:
        if exc.status == 429 or exc.status >= 500 or exc.code in RETRYABLE_CODES:
            # NOTE: retried by the outbox sweep every minute, without backoff
            # or a limit on attempts.
            logger.warning("outbox %s: Twilio busy for %s (HTTP %s, error %s), "
                           "left pending for a retry",
                           outbox_id, mask(row.phone), exc.status, exc.code)
            _release(engine, outbox_id)
            return OutboxStatus.PENDING
        logger.warning("outbox %s: Twilio rejected the message to %s (error %s)",
                       outbox_id, mask(row.phone), exc.code)
        _finish(engine, outbox_id, OutboxStatus.FAILED, error=f"{exc.code}: {exc.msg}"[:400])
        return OutboxStatus.FAILED
    except RequestException as exc:
        # NOTE: after a read timeout Twilio may have accepted the message, so
        # the retry from the sweep can send it twice.
        logger.warning("outbox %s: sending to %s failed (%s), left pending for a retry",
                       outbox_id, mask(row.phone), type(exc).__name__)
        _release(engine, outbox_id)
        return OutboxStatus.PENDING
    _finish(engine, outbox_id, OutboxStatus.SENT, sid=sid)
    logger.info("outbox %s: sent to %s as %s", outbox_id, mask(row.phone), sid)
    return OutboxStatus.SENT


def _finish(engine, outbox_id: int, status: str, sid=None, error=None) -> None:
    with session_scope(engine) as session:
        row = session.get(Outbox, outbox_id)
        row.status = status
        row.twilio_sid = sid
        row.error = error
        row.sent_at = utcnow() if status == OutboxStatus.SENT else None
        session.add(row)


def _release(engine, outbox_id: int) -> None:
    """Put a claimed row back to pending so that the sweep enqueues it again."""
    with session_scope(engine) as session:
        session.exec(
            update(Outbox)
            .where(Outbox.id == outbox_id, Outbox.status == SENDING)
            .values(status=OutboxStatus.PENDING)
        )


def deliver_pending(settings: Settings | None = None) -> int:
    """Enqueue every pending row; run periodically to catch missed enqueues."""
    from flask import current_app

    settings = settings or current_app.config["SETTINGS"]
    engine = get_engine(settings.DATABASE_URL)
    with session_scope(engine) as session:
        ids = list(
            session.exec(
                select(Outbox.id).where(Outbox.status == OutboxStatus.PENDING).limit(500)
            ).all()
        )
    enqueue_delivery(settings, ids)
    return len(ids)

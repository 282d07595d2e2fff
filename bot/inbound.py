"""Handle one inbound WhatsApp message inside one database transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert as insert_statement
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.config import Settings
from bot.contacts import record_inbound
from bot.i18n import language, t
from bot.outbound import queue_message, split_body
from bot.phones import mask
from flows.context import Context
from flows.router import handle_text
from models import (
    Agency,
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
    Official,
)

logger = logging.getLogger(__name__)

# Twilio sends at most this many messages of one TwiML reply. Its warning 14109
# (twilio.com/docs/api/errors/14109) recommends the Messages API for the rest.
MAX_TWIML_MESSAGES = 10


@dataclass(frozen=True)
class Inbound:
    sid: str
    phone: str
    body: str
    num_media: int
    received_at: datetime


class Duplicate(Exception):
    """The MessageSid is already stored: a retry or a concurrent delivery."""


def handle_inbound(engine, settings: Settings, message: Inbound) -> tuple[list[str], list[int]]:
    """Store the message, run the flow and store the replies, all or nothing.

    Returns the replies and the ids of outbox rows to dispatch. A MessageSid
    seen before returns the replies stored for it and no outbox rows. A
    concurrent duplicate waits on the unique index for the first, then
    inserts nothing.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        with session.begin():
            inbound_id, official = _store_inbound(session, message)
            replies, outbox_ids = _respond(session, settings, official, message)
            if replies:
                session.execute(insert_statement(Message), [
                    {
                        "direction": MessageDirection.OUTBOUND,
                        "phone": message.phone,
                        "official_id": official.id if official else None,
                        "body": text,
                        "num_media": 0,
                        "in_reply_to_id": inbound_id,
                        "channel": "twiml",
                        "created_at": message.received_at,
                    }
                    for text in replies
                ])
        return replies, outbox_ids
    except Duplicate:
        logger.info("message %s: duplicate delivery, replaying the stored reply",
                    message.sid)
        return stored_replies(session, message.sid), []
    finally:
        session.close()


def _store_inbound(session: Session, message: Inbound) -> tuple[int, Official | None]:
    """Insert the inbound row, or raise Duplicate if its MessageSid is stored.

    `ON CONFLICT DO NOTHING` on the unique MessageSid makes a concurrent
    duplicate wait for the first transaction and then insert nothing.
    """
    official = session.exec(select(Official).where(Official.phone == message.phone)).first()
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Message)
        .values(
            direction=MessageDirection.INBOUND, message_sid=message.sid,
            official_id=official.id if official else None, phone=message.phone,
            body=message.body, num_media=message.num_media, channel="twiml",
            created_at=message.received_at,
        )
        .on_conflict_do_nothing(index_elements=["message_sid"])
        .returning(Message.id)
    )
    inbound_id = session.execute(statement).scalar()
    if inbound_id is None:
        raise Duplicate(message.sid)
    return inbound_id, official


def stored_replies(session: Session, sid: str) -> list[str]:
    with session.begin():
        inbound = session.exec(select(Message).where(Message.message_sid == sid)).first()
        if inbound is None:
            return []
        rows = session.exec(
            select(Message).where(Message.in_reply_to_id == inbound.id).order_by(Message.id)
        ).all()
        return [row.body for row in rows]


def _respond(session, settings, official, message) -> tuple[list[str], list[int]]:
    contact = settings.EMONEV_HELP_CONTACT
    if official is None:
        logger.info("message %s: from unregistered number %s", message.sid, mask(message.phone))
        return [t("id", "unregistered", contact=contact)], []
    lang = language(official.language)
    if not official.active:
        return [t(lang, "inactive", contact=contact)], []
    conversation = _lock_conversation(session, official)
    record_inbound(session, official.id, message.received_at)
    body = message.body
    if not body.strip():
        if message.num_media:
            return [t(lang, "media_only")], []
        if conversation.status == ConversationStatus.ACTIVE:
            return [t(lang, "empty_message")], []
        body = "menu"

    agency = session.get(Agency, official.agency_id) if official.agency_id else None
    ctx = Context(
        session=session, settings=settings, official=official, agency=agency,
        conversation=conversation, now=message.received_at,
    )
    savepoint = session.begin_nested()
    try:
        handle_text(ctx, body)
        session.add(conversation)
        outbox_ids = _queue_notices(session, settings, ctx)
        savepoint.commit()
    except Exception:
        # The flow's changes are undone; the inbound message stays logged.
        savepoint.rollback()
        logger.exception("official %s: message %s failed, conversation kept",
                         official.id, message.sid)
        return [t(lang, "error.retry")], []
    replies = list(ctx.replies)
    if message.num_media and body.strip():
        replies.append(t(lang, "media_ignored"))
    if not replies:
        replies = [t(lang, "menu.supervisor" if ctx.is_supervisor else "menu.operator")]
    parts = split_body("\n".join(replies))
    if len(parts) > MAX_TWIML_MESSAGES:
        # Twilio sends at most ten messages of one TwiML reply and drops the
        # rest, so the remainder goes through the outbox, in the same
        # transaction, as a reply inside the window the official just opened.
        overflow = "\n".join(parts[MAX_TWIML_MESSAGES:])
        rows = queue_message(session, settings, official, overflow,
                             message.received_at, kind="reply")
        outbox_ids = [*outbox_ids, *(row.id for row in rows)]
        logger.info("official %s: reply of %d parts, %d sent through the outbox",
                    official.id, len(parts), len(rows))
        parts = parts[:MAX_TWIML_MESSAGES]
    return parts, outbox_ids


def _lock_conversation(session: Session, official: Official) -> Conversation:
    """Return the official's conversation row, locked until the transaction ends."""
    query = select(Conversation).where(Conversation.official_id == official.id)
    conversation = session.exec(query.with_for_update()).first()
    if conversation is not None:
        return conversation
    nested = session.begin_nested()
    session.add(Conversation(official_id=official.id))
    try:
        nested.commit()
    except IntegrityError:
        nested.rollback()
    return session.exec(query.with_for_update()).first()


def _queue_notices(session, settings, ctx: Context) -> list[int]:
    ids = []
    for official_id, text in ctx.notices:
        recipient = session.get(Official, official_id)
        if recipient is None or not recipient.active:
            continue
        ids.extend(row.id for row in queue_message(session, settings, recipient, text, ctx.now))
    return ids

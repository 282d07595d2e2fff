"""Each official's messaging state: the 24-hour window, consent, reachability."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from models import Contact, OptInSource

# WhatsApp lets a business answer with free text for 24 hours after the
# user's last message; after that only an approved template may be sent.
WINDOW = timedelta(hours=24)


def contact_of(session: Session, official_id: int, lock: bool = False) -> Contact:
    """Return the official's contact row, creating it if needed.

    The insert ignores a conflict on the unique official id, so two requests
    creating the row at once both end with the same row.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    query = select(Contact).where(Contact.official_id == official_id)
    if lock:
        query = query.with_for_update()
    contact = session.exec(query).first()
    if contact is not None:
        return contact
    session.execute(
        insert(Contact).values(official_id=official_id)
        .on_conflict_do_nothing(index_elements=["official_id"])
    )
    return session.exec(query).one()


def record_inbound(session: Session, official_id: int, now: datetime) -> Contact:
    """Note an inbound message: it opens the window and proves reachability.

    A first message from an official who never opted in and never opted out
    counts as consent, since the official started the conversation.
    """
    contact = contact_of(session, official_id, lock=True)
    contact.last_inbound_at = now
    contact.unreachable_at = None
    contact.unreachable_error = None
    contact.unreachable_reported_at = None
    if contact.opted_in_at is None and contact.opted_out_at is None:
        contact.opted_in_at = now
        contact.opt_in_source = OptInSource.MESSAGE
    session.add(contact)
    return contact


def in_window(contact: Contact | None, now: datetime) -> bool:
    """True while free text may be sent: within 24 hours of the last inbound message."""
    return (
        contact is not None
        and contact.last_inbound_at is not None
        and now - contact.last_inbound_at < WINDOW
    )


def may_initiate(contact: Contact | None) -> bool:
    """True when a business-initiated message may go to the official.

    That needs a recorded opt-in, no opt-out since, and a reachable number.
    """
    return (
        contact is not None
        and contact.opted_in_at is not None
        and contact.opted_out_at is None
        and contact.unreachable_at is None
    )


def opt_out(session: Session, official_id: int, now: datetime) -> Contact:
    contact = contact_of(session, official_id, lock=True)
    contact.opted_out_at = now
    session.add(contact)
    return contact


def opt_in(session: Session, official_id: int, now: datetime, source: str) -> Contact:
    contact = contact_of(session, official_id, lock=True)
    contact.opted_out_at = None
    contact.opted_in_at = now
    contact.opt_in_source = source
    session.add(contact)
    return contact


def mark_unreachable(
    session: Session, official_id: int, error: str, now: datetime
) -> bool:
    """Record that the official's number cannot receive WhatsApp.

    Returns True when supervisors and admins have not been told yet; the
    caller tells them and the row remembers it, so they are told once.
    """
    contact = contact_of(session, official_id, lock=True)
    if contact.unreachable_at is None:
        contact.unreachable_at = now
    contact.unreachable_error = error[:80]
    first = contact.unreachable_reported_at is None
    if first:
        contact.unreachable_reported_at = now
    session.add(contact)
    return first

"""Twilio delivery status callbacks and numbers that cannot receive WhatsApp.

Status order. Twilio sends a status callback for each change after the
message is created: `queued`, `sending`, `sent`, then `delivered` and `read`,
or `failed`/`undelivered` (Twilio's "Outbound Message Status in Status
Callbacks" guide). Callbacks can repeat and arrive in any order, so a
stored status is replaced only by one of a higher rank:

    queued < sending < sent < failed = undelivered < delivered < read

`failed` and `undelivered` are final against the statuses before them, and a
late `sent` never hides a failure. A `delivered` or `read` receipt still
replaces them because only the recipient's WhatsApp produces it, so the
message did arrive. A late `failed` never replaces `delivered` or `read`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, or_, update
from sqlmodel import Session, select

from bot.config import Settings
from bot.contacts import mark_unreachable
from bot.i18n import t
from bot.outbound import queue_message
from bot.phones import mask
from models import Agency, Contact, Official, Outbox, Role

logger = logging.getLogger(__name__)

# The rank of each status Twilio reports for an outbound WhatsApp message.
STATUS_RANK = {
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "failed": 4,
    "undelivered": 4,
    "delivered": 5,
    "read": 6,
}
FAILED_STATUSES = frozenset({"failed", "undelivered"})

# Twilio errors that mean the number cannot receive WhatsApp at all, as
# opposed to "not now" (63018 rate limit) or "not this message" (63016
# outside the 24-hour window):
# - 63003 "Channel could not find To address": not a WhatsApp user, or an
#   inactive one (WhatsApp errors 1006, 1013 and 1021).
# - 63024: the code Twilio maps WhatsApp errors 1002 and 1026 to.
# Sources: twilio.com/docs/api/errors/63003 and Twilio's table of
# corresponding Twilio and WhatsApp error codes (twilio.com/docs/whatsapp/api/
# error-code-mapping).
# NOTE: 63024 is listed from that mapping table alone; its own error page was
# not checked.
UNREACHABLE_CODES = frozenset({63003, 63024})

OUTBOX_KIND = "unreachable"


@dataclass
class StatusUpdate:
    """The outcome of one status callback."""

    # False when no outbox row has the SID.
    found: bool
    # False when the stored status already ranks as high or higher.
    applied: bool
    official_id: int | None = None
    # Outbox rows written for supervisors and admins, to enqueue after commit.
    notices: list[Outbox] = field(default_factory=list)


def _rank_of(column):
    """Build a SQL expression for the rank of the status in `column`, 0 for none or unknown."""
    return case(
        *((column == status, rank) for status, rank in STATUS_RANK.items()),
        else_=0,
    )


def record_status(
    session: Session,
    settings: Settings,
    sid: str,
    status: str,
    error_code: int | None,
    now: datetime,
) -> StatusUpdate:
    """Store a status callback for the outbox row of `sid` in the caller's transaction.

    One conditional UPDATE moves the status only to a higher rank, so two
    callbacks handled at the same moment cannot move it backwards. A failure
    with an error of UNREACHABLE_CODES marks the official unreachable and
    queues one notice to each supervisor and admin, once per outage. `status` must be a key of
    STATUS_RANK.
    """
    rank = STATUS_RANK[status]
    applied = session.exec(
        update(Outbox)
        .where(
            Outbox.twilio_sid == sid,
            or_(Outbox.delivery_status.is_(None), _rank_of(Outbox.delivery_status) < rank),
        )
        .values(delivery_status=status, error_code=error_code, delivery_updated_at=now)
    ).rowcount
    row = session.exec(
        select(Outbox.id, Outbox.official_id).where(Outbox.twilio_sid == sid)
    ).first()
    if row is None:
        return StatusUpdate(found=False, applied=False)
    result = StatusUpdate(found=True, applied=bool(applied), official_id=row.official_id)
    if (
        applied
        and status in FAILED_STATUSES
        and error_code in UNREACHABLE_CODES
        and row.official_id is not None
    ):
        official = session.get(Official, row.official_id)
        if official is not None:
            _first, result.notices = _report(
                session, settings, official, f"{error_code}: status {status}", now
            )
    return result


def report_unreachable(
    session: Session, settings: Settings, official: Official, error_text: str, now: datetime
) -> bool:
    """Mark `official` unreachable and notify the supervisors and admins once.

    Call it in the transaction that records the failure, with the error as
    Twilio gave it (`"63003: ..."`). Returns True when this call made the
    first report since the official's last inbound message, which wrote one
    outbox row per active supervisor and admin. Those rows are pending, so
    the outbox sweep sends them unless the caller enqueues them after commit.
    """
    first, _rows = _report(session, settings, official, error_text, now)
    return first


def _report(
    session: Session, settings: Settings, official: Official, error_text: str, now: datetime
) -> tuple[bool, list[Outbox]]:
    """Mark the official unreachable and, on the first report, queue the notices."""
    first = mark_unreachable(session, official.id, error_text, now)
    if not first:
        logger.info(
            "official %s (%s): unreachable again (%s), supervisors already notified",
            official.id, mask(official.phone), error_text[:40],
        )
        return False, []
    agency = session.get(Agency, official.agency_id) if official.agency_id else None
    agency_name = agency.short_name if agency is not None else "-"
    recipients = session.exec(
        select(Official).where(
            Official.role.in_([Role.SUPERVISOR, Role.ADMIN]),
            Official.active.is_(True),
            Official.id != official.id,
        ).order_by(Official.id)
    ).all()
    rows: list[Outbox] = []
    for recipient in recipients:
        body = t(
            recipient.language, "unreachable.notice",
            name=official.name, agency=agency_name, phone=mask(official.phone),
        )
        rows.extend(queue_message(
            session, settings, recipient, body, now, kind=OUTBOX_KIND,
            variables={"1": official.name, "2": agency_name},
        ))
    session.flush()
    if recipients:
        logger.warning(
            "official %s (%s): number unreachable (%s), %d supervisors and admins notified",
            official.id, mask(official.phone), error_text[:40], len(recipients),
        )
    else:
        logger.warning(
            "official %s (%s): number unreachable (%s), no active supervisor or "
            "admin to notify", official.id, mask(official.phone), error_text[:40],
        )
    return True, rows


def unreachable_officials(session: Session, agency: Agency) -> list[Official]:
    """Return the agency's active officials whose number is marked unreachable."""
    return list(
        session.exec(
            select(Official)
            .join(Contact, Contact.official_id == Official.id)
            .where(
                Official.agency_id == agency.id,
                Official.active.is_(True),
                Contact.unreachable_at.is_not(None),
            )
            .order_by(Official.name)
        ).all()
    )

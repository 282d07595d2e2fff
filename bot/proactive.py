"""When a business-initiated message may go to an official.

Reminders, escalation digests and daily summaries wait, and are not dropped,
while any of these holds:

- the official has no recorded opt-in, opted out, or cannot be reached
  (`bot.contacts.may_initiate`);
- it is quiet hours in the regency (`EMONEV_QUIET_HOURS`, start inclusive,
  end exclusive), or a Sunday or holiday when `EMONEV_SKIP_DAYS_OFF` is on;
- the official's conversation is active and changed within
  `EMONEV_CONVERSATION_IDLE_MINUTES`, so a message would interrupt it;
- the official already got `EMONEV_DAILY_MESSAGE_CAP` outbox rows of
  business-initiated kinds (every kind but `reply` and `signin`) this local
  day;
- for reminders, the official snoozed them (`Contact.snoozed_until`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import Session, func, select

from bot.config import Settings
from bot.contacts import may_initiate
from bot.outbound import REQUESTED_KINDS
from models import Contact, Conversation, ConversationStatus, Outbox

SUNDAY = 6


class Blocked:
    """Reasons a business-initiated message waits, as logged and tested."""

    CONSENT = "no consent"
    QUIET_HOURS = "quiet hours"
    DAY_OFF = "day off"
    CONVERSATION = "conversation active"
    CAP = "daily cap reached"
    SNOOZED = "snoozed"


def in_quiet_hours(settings: Settings, at: datetime) -> bool:
    """Tell whether `at` falls in the quiet hours, read in the regency's time zone."""
    start, end = settings.quiet_hours
    clock = at.astimezone(settings.tz).time()
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def is_day_off(settings: Settings, day: date, holidays: set[date]) -> bool:
    """Tell whether no business-initiated message goes out on `day`.

    Always False unless EMONEV_SKIP_DAYS_OFF is on; then Sundays and the
    days of the `holiday` table are off.
    """
    return settings.skip_days_off and (day.weekday() == SUNDAY or day in holidays)


def next_working_day(settings: Settings, day: date, holidays: set[date]) -> date:
    """Return `day`, or the first day after it that is not a day off."""
    while is_day_off(settings, day, holidays):
        day += timedelta(days=1)
    return day


def local_day_bounds(settings: Settings, at: datetime) -> tuple[datetime, datetime]:
    """Return the start and end of the local day of `at`, as aware datetimes."""
    day = at.astimezone(settings.tz).date()
    start = datetime.combine(day, time(0), tzinfo=settings.tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=settings.tz)


def messages_today(
    session: Session, settings: Settings, official_id: int, at: datetime,
    kind: str | None = None,
) -> int:
    """Count the official's business-initiated outbox rows of the local day of `at`.

    Every kind but `reply` and `signin` is business-initiated, as in
    `bot.outbound`. With `kind`, only rows of that kind count. A message
    split into several rows counts once per row.
    """
    start, end = local_day_bounds(settings, at)
    counted = (
        Outbox.kind == kind if kind is not None
        else Outbox.kind.not_in(REQUESTED_KINDS)
    )
    return session.exec(
        select(func.count()).select_from(Outbox).where(
            Outbox.official_id == official_id,
            counted,
            Outbox.created_at >= start,
            Outbox.created_at < end,
        )
    ).one()


def conversation_active(
    session: Session, settings: Settings, official_id: int, at: datetime
) -> bool:
    """Tell whether the official is in a conversation that changed recently."""
    conversation = session.exec(
        select(Conversation).where(Conversation.official_id == official_id)
    ).first()
    if conversation is None or conversation.status != ConversationStatus.ACTIVE:
        return False
    idle = timedelta(minutes=settings.conversation_idle_minutes)
    return at - conversation.updated_at < idle


def contact_row(session: Session, official_id: int) -> Contact | None:
    return session.exec(select(Contact).where(Contact.official_id == official_id)).first()


def moment_blocked(
    settings: Settings, at: datetime, holidays: set[date]
) -> str | None:
    """Return why no business-initiated message goes out at `at`, or None."""
    if in_quiet_hours(settings, at):
        return Blocked.QUIET_HOURS
    if is_day_off(settings, at.astimezone(settings.tz).date(), holidays):
        return Blocked.DAY_OFF
    return None


def official_blocked(
    session: Session, settings: Settings, official_id: int, at: datetime,
    snooze: bool = True,
) -> str | None:
    """Return why a business-initiated message to the official waits at `at`, or None.

    The checks that hold for everyone at `at` (quiet hours, days off) are
    `moment_blocked`; this one reads the official's own state. With
    `snooze`, a snooze that has not ended also blocks.
    """
    contact = contact_row(session, official_id)
    if not may_initiate(contact):
        return Blocked.CONSENT
    if snooze and contact.snoozed_until is not None and at < contact.snoozed_until:
        return Blocked.SNOOZED
    if conversation_active(session, settings, official_id, at):
        return Blocked.CONVERSATION
    if messages_today(session, settings, official_id, at) >= settings.daily_message_cap:
        return Blocked.CAP
    return None

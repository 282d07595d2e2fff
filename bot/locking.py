"""The lock on a period's reports some days after its deadline, and unlocks.

A period's reports lock at the start of the local day that follows the
deadline by `EMONEV_LOCK_DAYS_AFTER` + 1 days, so edits are still allowed on
the deadline + N day itself. An admin's unlock opens one report again for
`EMONEV_UNLOCK_HOURS`, recorded in `Report.unlocked_until`.

NOTE: this module computes whether a report is locked but rejects no write.
Code that changes a value must call `is_locked` first.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone

from sqlmodel import Session

from bot.config import Settings
from models import EventKind, Official, Period, Report, ReportEvent

logger = logging.getLogger(__name__)


def lock_moment(period: Period, settings: Settings) -> datetime:
    """Return the aware UTC instant from which the period's reports are locked.

    NOTE: in a time zone whose clocks jump at midnight, the local midnight is
    read with `fold=0`. This gives the start of the day for a jump forward
    and the first of the two midnights for a jump back.
    """
    day = period.deadline + timedelta(days=settings.lock_days_after + 1)
    return datetime.combine(day, time(0), tzinfo=settings.tz).astimezone(timezone.utc)


def is_locked(
    report: Report | None, period: Period, now: datetime, settings: Settings
) -> bool:
    """Return whether the report's values may no longer change at `now`.

    A report is locked from the period's lock moment on, except while its
    `unlocked_until` is later than `now`. Pass None for an agency without a
    report, which is locked with the period.
    """
    if report is not None and report.unlocked_until is not None:
        if now < report.unlocked_until:
            return False
    return now >= lock_moment(period, settings)


def unlock(
    session: Session,
    report: Report,
    admin: Official | None,
    now: datetime,
    settings: Settings,
    channel: str,
    note: str | None = None,
    hours: int | None = None,
) -> datetime:
    """Open the report for edits for `hours` from `now`, EMONEV_UNLOCK_HOURS by default.

    Sets `report.unlocked_until`, replacing any earlier unlock even if that
    one ended later, and records an `unlocked` event. `admin` is None for
    the `unlock` command. The caller checks that the official may unlock.
    Returns the new `unlocked_until`.
    """
    if hours is None:
        hours = settings.unlock_hours
    if hours < 1:
        raise ValueError(f"an unlock lasts at least 1 hour, got {hours}")
    until = now + timedelta(hours=hours)
    report.unlocked_until = until
    session.add(report)
    session.add(ReportEvent(
        report_id=report.id,
        kind=EventKind.UNLOCKED,
        official_id=admin.id if admin else None,
        channel=channel,
        note=note[:600] if note else None,
        created_at=now,
    ))
    session.flush()
    logger.info(
        "official %s: unlocked report %s until %s (channel %s)",
        admin.id if admin else "-", report.id, until.isoformat(), channel,
    )
    return until


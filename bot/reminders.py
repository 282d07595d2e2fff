"""Deadline reminders: who is due which reminder at an instant, and sending them."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy import update
from sqlmodel import Session, select

from bot import reports
from bot.config import Settings
from bot.i18n import long_date, period_label, t
from bot.outbound import enqueue_delivery, queue_message
from bot.periods import applicable_indicators, expected_agencies
from models import Agency, Official, Period, Reminder, Report, ReportStatus, Role

logger = logging.getLogger(__name__)

DEADLINE = "deadline"


@dataclass(frozen=True)
class Due:
    """One reminder that an instant calls for."""

    official_id: int
    official_name: str
    agency_id: int
    agency_code: str
    period_id: int
    period_code: str
    deadline: date
    kind: str


def reminder_kind(settings: Settings, deadline: date, day: date) -> str | None:
    """Name the reminder that falls on `day` for a deadline, or None.

    `before-3` three days ahead, `deadline` on the day, `after-2` two days
    late, following the configured days before, interval after and limit.
    """
    offset = (deadline - day).days
    if offset >= 0:
        if offset not in settings.reminder_days_before:
            return None
        return DEADLINE if offset == 0 else f"before-{offset}"
    late = -offset
    if late > settings.reminder_max_days_after:
        return None
    if late % settings.reminder_every_days_after:
        return None
    return f"after-{late}"


def due_reminders(session: Session, settings: Settings, at: datetime) -> list[Due]:
    """List the reminders due at `at`, in the regency's time zone.

    A reminder day's reminders are due from the configured time until the end
    of that local day, so a sweep every few minutes finds them once the time
    has passed, and a sweep the next day does not send yesterday's.
    """
    local = at.astimezone(settings.tz)
    if local.time() < settings.reminder_time:
        return []
    today = local.date()
    earliest = today - timedelta(days=settings.reminder_max_days_after)
    latest = today + timedelta(days=max(settings.reminder_days_before, default=0))
    periods = session.exec(
        select(Period)
        .where(Period.deadline >= earliest, Period.deadline <= latest)
        .order_by(Period.deadline, Period.id)
    ).all()

    due = []
    for period in periods:
        kind = reminder_kind(settings, period.deadline, today)
        if kind is None:
            continue
        for agency, official in _unreported_operators(session, period):
            due.append(Due(official.id, official.name, agency.id, agency.code,
                           period.id, period.code, period.deadline, kind))
    return sorted(due, key=lambda d: (d.official_id, d.period_id))


def _unreported_operators(session: Session, period: Period):
    submitted = set(
        session.exec(
            select(Report.agency_id).where(
                Report.period_id == period.id, Report.status != ReportStatus.DRAFT
            )
        ).all()
    )
    agencies = {
        a.id: a for a in expected_agencies(session, period) if a.id not in submitted
    }
    if not agencies:
        return []
    operators = session.exec(
        select(Official)
        .where(
            Official.agency_id.in_(list(agencies)),
            Official.role == Role.OPERATOR,
            Official.active == True,  # noqa: E712  (SQL comparison)
        )
        .order_by(Official.id)
    ).all()
    return [(agencies[o.agency_id], o) for o in operators]


def sweep(session: Session, settings: Settings, at: datetime) -> list[int]:
    """Record and queue the reminders due at `at`; return the outbox ids.

    Each (official, period, kind) is inserted with ON CONFLICT DO NOTHING, so
    of two sweeps running at once only one records, and sends, a reminder.
    One official due several periods at once gets one message.
    """
    by_official: dict[int, list[Due]] = defaultdict(list)
    for item in due_reminders(session, settings, at):
        by_official[item.official_id].append(item)

    outbox_ids = []
    for official_id, items in by_official.items():
        recorded = {}
        for item in items:
            reminder_id = _record(session, item, at)
            if reminder_id is not None:
                recorded[reminder_id] = item
        if not recorded:
            continue
        official = session.get(Official, official_id)
        body = compose(session, settings, official, list(recorded.values()), at)
        rows = queue_message(session, settings, official, body, at)
        session.execute(
            update(Reminder)
            .where(Reminder.id.in_(list(recorded)))
            .values(outbox_id=rows[0].id)
        )
        outbox_ids.extend(row.id for row in rows)
    return outbox_ids


def _record(session: Session, item: Due, at: datetime) -> int | None:
    """Insert the reminder and return its id, or None if it exists or the
    report was submitted since.

    The report is read again here, after `due_reminders`: on PostgreSQL a
    concurrent sweep's inserts can hold this one up while the agency submits.
    """
    submitted = session.exec(
        select(Report.id).where(
            Report.agency_id == item.agency_id,
            Report.period_id == item.period_id,
            Report.status != ReportStatus.DRAFT,
        )
    ).first()
    if submitted is not None:
        return None
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Reminder)
        .values(official_id=item.official_id, period_id=item.period_id,
                kind=item.kind, deadline=item.deadline, created_at=at)
        .on_conflict_do_nothing(
            index_elements=["official_id", "period_id", "kind", "deadline"]
        )
        .returning(Reminder.id)
    )
    return session.execute(statement).scalar()


def already_recorded(session: Session, item: Due) -> bool:
    return session.exec(
        select(Reminder.id).where(
            Reminder.official_id == item.official_id,
            Reminder.period_id == item.period_id,
            Reminder.kind == item.kind,
            Reminder.deadline == item.deadline,
        )
    ).first() is not None


def compose(
    session: Session, settings: Settings, official: Official, items: list[Due],
    at: datetime,
) -> str:
    """Write one reminder naming each period, its deadline and what is missing."""
    lang = official.language
    today = at.astimezone(settings.tz).date()
    agency = session.get(Agency, official.agency_id)
    lines = [t(lang, "reminder.title"), t(lang, "reminder.agency", agency=agency.name)]
    for item in items:
        period = session.get(Period, item.period_id)
        lines.append(t(
            lang, "reminder.period",
            label=period_label(period, lang),
            deadline=long_date(period.deadline, lang),
            when=_relative(lang, period.deadline, today),
            missing=_missing(session, lang, agency, period),
        ))
    lines.append(t(lang, "reminder.how"))
    return "\n".join(lines)


def _relative(lang: str, deadline: date, today: date) -> str:
    days = (deadline - today).days
    if days == 0:
        return t(lang, "reminder.today")
    if days == 1:
        return t(lang, "reminder.tomorrow")
    if days > 0:
        return t(lang, "reminder.days_left", days=days)
    return t(lang, "reminder.days_late", days=-days)


def _missing(session: Session, lang: str, agency: Agency, period: Period) -> str:
    report = reports.get_report(session, agency, period)
    asked = [i for i in applicable_indicators(session, agency, period) if not i.computed]
    if report is None:
        return t(lang, "reminder.not_started", total=len(asked))
    values = reports.values_by_indicator(session, report)
    filled = sum(1 for i in asked if i.id in values)
    return t(lang, "reminder.draft", filled=filled, total=len(asked))


def run_sweep(at: str | None = None) -> dict:
    """RQ job: run the sweep for `at` (ISO-8601) or now, then enqueue sending."""
    from flask import current_app

    from bot.db import get_engine, session_scope
    from models.types import utcnow

    settings = current_app.config["SETTINGS"]
    moment = datetime.fromisoformat(at) if at else utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.tz)
    with session_scope(get_engine(settings.DATABASE_URL)) as session:
        outbox_ids = sweep(session, settings, moment)
    enqueue_delivery(settings, outbox_ids)
    logger.info("sweep at %s: %d reminder messages queued", moment.isoformat(),
                len(outbox_ids))
    return {"messages": len(outbox_ids)}


def last_reminded(session: Session, agency: Agency) -> datetime | None:
    """Return when any operator of the agency was last sent a reminder."""
    return session.exec(
        select(Reminder.created_at)
        .join(Official, Official.id == Reminder.official_id)
        .where(Official.agency_id == agency.id)
        .order_by(Reminder.created_at.desc())
    ).first()

"""Deadline reminders: who is due which reminder at an instant, and sending them.

Each reminder day (`before-3`, `deadline`, `after-2`, ...) opens a window at
the reminder time of that day, moved to the next working day when
EMONEV_SKIP_DAYS_OFF is on. The window closes when the next reminder day's
window opens, so a reminder held back by `bot.proactive` (quiet hours,
consent, an active conversation, the daily cap, a snooze) goes out at the
first sweep that allows it, unless the next reminder replaces it.
"""

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
from bot.proactive import moment_blocked, next_working_day, official_blocked
from models import (
    Agency,
    Contact,
    Holiday,
    Official,
    Period,
    Reminder,
    Report,
    ReportStatus,
    Role,
)

logger = logging.getLogger(__name__)

DEADLINE = "deadline"
OUTBOX_KIND = "reminder"
# The reminder after a snooze is recorded under `snooze-MMDDHHMM`, the local
# end of the snooze, so each snooze gets one.
SNOOZE_PREFIX = "snooze-"
# Reminder days move forward over days off; periods whose deadline lies this
# many days before the last possible reminder day are still looked at.
SHIFT_SLACK_DAYS = 31


@dataclass(frozen=True)
class Window:
    """The span in which one scheduled reminder or escalation may go out."""

    kind: str
    opens: datetime
    closes: datetime


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


def reminder_days(settings: Settings, deadline: date) -> list[tuple[date, str]]:
    """List the days that `reminder_kind` names for a deadline, with their kinds."""
    days = [
        (deadline - timedelta(days=offset), DEADLINE if offset == 0 else f"before-{offset}")
        for offset in settings.reminder_days_before
    ]
    every = settings.reminder_every_days_after
    for late in range(every, settings.reminder_max_days_after + 1, every):
        days.append((deadline + timedelta(days=late), f"after-{late}"))
    return sorted(days)


def windows(
    settings: Settings, days: list[tuple[date, str]], holidays: set[date]
) -> list[Window]:
    """Turn reminder days into windows, in order, leaving out empty ones.

    A window opens at the reminder time of its day, or of the next working
    day, and closes when the next one opens. The last one closes
    EMONEV_REMINDER_EVERY_DAYS_AFTER days after it opened. Two days moved to
    the same working day leave only the later kind.
    """
    opens = [
        datetime.combine(
            next_working_day(settings, day, holidays), settings.reminder_time,
            tzinfo=settings.tz,
        )
        for day, _ in days
    ]
    if not opens:
        return []
    tail = opens[-1] + timedelta(days=settings.reminder_every_days_after)
    closes = opens[1:] + [tail]
    return [
        Window(kind, start, end)
        for (_, kind), start, end in zip(days, opens, closes)
        if start < end
    ]


def open_window(windows_: list[Window], at: datetime) -> Window | None:
    for window in windows_:
        if window.opens <= at < window.closes:
            return window
    return None


def days_off(session: Session, settings: Settings) -> set[date]:
    """Return the holidays when EMONEV_SKIP_DAYS_OFF is on, else an empty set."""
    if not settings.skip_days_off:
        return set()
    return set(session.exec(select(Holiday.day)).all())


def periods_near(session: Session, settings: Settings, today: date) -> list[Period]:
    """List the periods whose reminders or escalations may be open on `today`."""
    back = max(settings.reminder_max_days_after, settings.escalate_days_after)
    back += settings.reminder_every_days_after + SHIFT_SLACK_DAYS
    ahead = max(settings.reminder_days_before, default=0)
    return list(session.exec(
        select(Period)
        .where(
            Period.deadline >= today - timedelta(days=back),
            Period.deadline <= today + timedelta(days=ahead),
        )
        .order_by(Period.deadline, Period.id)
    ).all())


def due_reminders(session: Session, settings: Settings, at: datetime) -> list[Due]:
    """List the reminders whose window is open at `at`, recorded or not.

    Lists every active operator of each agency without a submitted report,
    whatever `bot.proactive` would hold back; `sweep` applies that.
    """
    holidays = days_off(session, settings)
    due = []
    for period in periods_near(session, settings, at.astimezone(settings.tz).date()):
        days = reminder_days(settings, period.deadline)
        window = open_window(windows(settings, days, holidays), at)
        if window is None:
            continue
        kind = window.kind
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
    One official due several periods at once gets one message. A reminder
    that `bot.proactive` holds back is not recorded, so a later sweep in its
    window sends it.
    """
    holidays = days_off(session, settings)
    blocked = moment_blocked(settings, at, holidays)
    if blocked is not None:
        logger.info("sweep at %s: no reminders (%s)", at.isoformat(), blocked)
        return []

    by_official: dict[int, list[Due]] = defaultdict(list)
    for item in due_reminders(session, settings, at):
        by_official[item.official_id].append(item)
    for item in snooze_reminders(session, settings, at, holidays):
        by_official[item.official_id].append(item)

    outbox_ids = []
    held: dict[str, int] = defaultdict(int)
    for official_id, items in by_official.items():
        reason = official_blocked(session, settings, official_id, at)
        if reason is not None:
            held[reason] += 1
            continue
        outbox_ids.extend(_send(session, settings, official_id, items, at))
    if held:
        logger.info("sweep at %s: reminders held back for %s", at.isoformat(),
                    ", ".join(f"{count} officials ({reason})"
                              for reason, count in sorted(held.items())))
    return outbox_ids


def _send(
    session: Session, settings: Settings, official_id: int, items: list[Due],
    at: datetime,
) -> list[int]:
    recorded = {}
    for item in items:
        reminder_id = _record(session, item, at)
        if reminder_id is not None:
            recorded[reminder_id] = item
    if not recorded:
        return []
    official = session.get(Official, official_id)
    scheduled = [item for item in recorded.values() if not is_snooze(item.kind)]
    if scheduled:
        body = compose(session, settings, official, scheduled, at)
    else:
        body = compose_short(session, official, list(recorded.values()))
    rows = queue_message(
        session, settings, official, body, at, kind=OUTBOX_KIND,
        variables=template_variables(session, official, list(recorded.values())),
    )
    session.execute(
        update(Reminder)
        .where(Reminder.id.in_(list(recorded)))
        .values(outbox_id=rows[0].id)
    )
    return [row.id for row in rows]


def is_snooze(kind: str) -> bool:
    return kind.startswith(SNOOZE_PREFIX)


def snooze_reminders(
    session: Session, settings: Settings, at: datetime, holidays: set[date]
) -> list[Due]:
    """List the reminders owed after a snooze that ended at or before `at`.

    An operator whose snooze has ended gets one reminder for each period
    whose reminder season is on: from the first reminder window's opening to
    the last one's closing, the agency's report not submitted. The kind
    names the snooze's end, so the same snooze never gets a second one.
    """
    rows = session.exec(
        select(Contact, Official)
        .join(Official, Official.id == Contact.official_id)
        .where(
            Contact.snoozed_until.is_not(None),
            Contact.snoozed_until <= at,
            Official.role == Role.OPERATOR,
            Official.active == True,  # noqa: E712  (SQL comparison)
        )
        .order_by(Official.id)
    ).all()
    if not rows:
        return []
    in_season = []
    for period in periods_near(session, settings, at.astimezone(settings.tz).date()):
        spans = windows(settings, reminder_days(settings, period.deadline), holidays)
        if spans and spans[0].opens <= at < spans[-1].closes:
            in_season.append(period)
    due = []
    for contact, official in rows:
        kind = SNOOZE_PREFIX + contact.snoozed_until.astimezone(settings.tz).strftime(
            "%m%d%H%M"
        )
        for period in in_season:
            for agency, operator in _unreported_operators(session, period):
                if operator.id == official.id:
                    due.append(Due(official.id, official.name, agency.id, agency.code,
                                   period.id, period.code, period.deadline, kind))
    return due


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
    return record_once(session, item.official_id, item.period_id, item.kind,
                       item.deadline, at)


def record_once(
    session: Session, official_id: int, period_id: int, kind: str, deadline: date,
    at: datetime,
) -> int | None:
    """Insert a `reminder` row and return its id, or None if the key exists.

    ON CONFLICT DO NOTHING on the unique key makes the first of two
    concurrent sweeps the only one that records, and so sends.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Reminder)
        .values(official_id=official_id, period_id=period_id,
                kind=kind, deadline=deadline, created_at=at)
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


def compose_short(session: Session, official: Official, items: list[Due]) -> str:
    """Write the one-line reminder sent when a snooze ends."""
    agency = session.get(Agency, official.agency_id)
    labels = [period_label(session.get(Period, item.period_id), official.language)
              for item in items]
    return t(official.language, "reminder.snoozed",
             periods=", ".join(labels), agency=agency.short_name)


def template_variables(
    session: Session, official: Official, items: list[Due]
) -> dict[str, str]:
    """Fill the reminder template: agency short name, periods, their deadlines.

    Several periods are joined with "; " in the order of the items.
    """
    lang = official.language
    agency = session.get(Agency, official.agency_id)
    periods = [session.get(Period, item.period_id) for item in items]
    return {
        "1": agency.short_name,
        "2": "; ".join(period_label(period, lang) for period in periods),
        "3": "; ".join(long_date(period.deadline, lang) for period in periods),
    }


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
        .where(Official.agency_id == agency.id, Official.role == Role.OPERATOR)
        .order_by(Reminder.created_at.desc())
    ).first()

"""Messages to supervisors and admins: escalation digests and daily summaries.

Escalation. On the day EMONEV_ESCALATE_DAYS_AFTER days after a deadline,
and every EMONEV_REMINDER_EVERY_DAYS_AFTER days after that up to
EMONEV_REMINDER_MAX_DAYS_AFTER, the agencies still without a submitted
report are escalated. Each active supervisor and admin gets one digest a
day that lists every such period and agency, recorded in the `reminder`
table as (official, period, `escalate-N`, deadline) so it goes out once.

Daily summary. A supervisor or admin with `Contact.daily_summary_time` set
gets, once a local day from that time, the reported, late and missing
counts and the flags waiting for each period that has ended and is not
locked yet.

Both follow the rules of `bot.proactive`; a held message waits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, func, select

from bot.config import Settings
from bot.i18n import long_date, period_label, t
from bot.locking import lock_moment
from bot.outbound import enqueue_delivery, queue_message
from bot.periods import expected_agencies
from bot.proactive import messages_today, moment_blocked, official_blocked
from bot.reminders import days_off, open_window, periods_near, record_once, windows
from models import (
    Agency,
    Contact,
    FlagStatus,
    Official,
    Period,
    Reminder,
    Report,
    ReportStatus,
    Role,
    ValueFlag,
)

logger = logging.getLogger(__name__)

ESCALATION_KIND = "escalation"
SUMMARY_KIND = "summary"
ESCALATE_PREFIX = "escalate-"
RECIPIENT_ROLES = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class Escalation:
    """One period whose missing agencies are due for escalation at an instant."""

    period: Period
    kind: str
    days_late: int
    # Agencies without a submitted report, each with whether it has an
    # active operator.
    missing: list[tuple[Agency, bool]]


# --- Escalation digests ---------------------------------------------------------


def escalation_days(settings: Settings, deadline: date) -> list[tuple[date, str]]:
    """List the escalation days of a deadline with their kinds (`escalate-3`, ...)."""
    first = settings.escalate_days_after
    last = max(first, settings.reminder_max_days_after)
    every = settings.reminder_every_days_after
    return [
        (deadline + timedelta(days=late), f"{ESCALATE_PREFIX}{late}")
        for late in range(first, last + 1, every)
    ]


def missing_agencies(session: Session, period: Period) -> list[tuple[Agency, bool]]:
    """List expected agencies without a submitted report, with whether each has
    an active operator."""
    submitted = set(session.exec(
        select(Report.agency_id).where(
            Report.period_id == period.id, Report.status != ReportStatus.DRAFT
        )
    ).all())
    missing = [a for a in expected_agencies(session, period) if a.id not in submitted]
    staffed = set(session.exec(
        select(Official.agency_id).where(
            Official.agency_id.in_([a.id for a in missing]),
            Official.role == Role.OPERATOR,
            Official.active == True,  # noqa: E712  (SQL comparison)
        )
    ).all())
    return [(agency, agency.id in staffed) for agency in missing]


def due_escalations(session: Session, settings: Settings, at: datetime) -> list[Escalation]:
    """List the periods whose escalation window is open at `at` and that miss reports."""
    holidays = days_off(session, settings)
    due = []
    for period in periods_near(session, settings, at.astimezone(settings.tz).date()):
        spans = windows(settings, escalation_days(settings, period.deadline), holidays)
        window = open_window(spans, at)
        if window is None:
            continue
        missing = missing_agencies(session, period)
        if missing:
            days_late = int(window.kind.removeprefix(ESCALATE_PREFIX))
            due.append(Escalation(period, window.kind, days_late, missing))
    return due


def recipients(session: Session) -> list[Official]:
    return list(session.exec(
        select(Official)
        .where(Official.role.in_(RECIPIENT_ROLES), Official.active == True)  # noqa: E712
        .order_by(Official.id)
    ).all())


def send_escalations(session: Session, settings: Settings, at: datetime) -> list[int]:
    """Record and queue the escalation digests due at `at`; return the outbox ids.

    A recipient who already got an escalation digest this local day waits
    for the next day, so the periods due today go out together.
    """
    blocked = moment_blocked(settings, at, days_off(session, settings))
    if blocked is not None:
        logger.info("escalations at %s: none sent (%s)", at.isoformat(), blocked)
        return []
    due = due_escalations(session, settings, at)
    if not due:
        return []
    outbox_ids = []
    for official in recipients(session):
        reason = official_blocked(session, settings, official.id, at)
        if reason is None and messages_today(
            session, settings, official.id, at, kind=ESCALATION_KIND
        ):
            reason = "digest already sent today"
        if reason is not None:
            logger.info("official %s: escalation digest held back (%s)", official.id, reason)
            continue
        recorded = {}
        for item in due:
            reminder_id = record_once(session, official.id, item.period.id, item.kind,
                                      item.period.deadline, at)
            if reminder_id is not None:
                recorded[reminder_id] = item
        if not recorded:
            continue
        items = list(recorded.values())
        rows = queue_message(
            session, settings, official, compose_escalation(official, items), at,
            kind=ESCALATION_KIND, variables=escalation_variables(official, items),
        )
        session.execute(
            update(Reminder)
            .where(Reminder.id.in_(list(recorded)))
            .values(outbox_id=rows[0].id)
        )
        outbox_ids.extend(row.id for row in rows)
    return outbox_ids


def compose_escalation(official: Official, items: list[Escalation]) -> str:
    """Write one digest listing each period and its missing agencies.

    Agencies are listed on one line, those without an active operator on a
    second, so one period of the sample regency's 56 agencies fits in one
    WhatsApp message of 1,600 characters. `queue_message` splits a longer
    digest into parts, and each part counts towards the daily cap.
    """
    lang = official.language
    lines = [t(lang, "escalation.title")]
    for item in items:
        lines.append("")
        lines.append(t(
            lang, "escalation.period", label=period_label(item.period, lang),
            deadline=long_date(item.period.deadline, lang), days=item.days_late,
            count=len(item.missing),
        ))
        staffed = [agency.short_name for agency, has_operator in item.missing
                   if has_operator]
        unstaffed = [agency.short_name for agency, has_operator in item.missing
                     if not has_operator]
        if staffed:
            lines.append(t(lang, "escalation.agencies", names=", ".join(staffed)))
        if unstaffed:
            lines.append(t(lang, "escalation.no_operator", names=", ".join(unstaffed)))
    lines.append("")
    lines.append(t(lang, "escalation.how"))
    return "\n".join(lines)


def escalation_variables(official: Official, items: list[Escalation]) -> dict[str, str]:
    """Fill the escalation template: missing agencies in total, and the periods."""
    return {
        "1": str(sum(len(item.missing) for item in items)),
        "2": "; ".join(period_label(item.period, official.language) for item in items),
    }


# --- Daily summaries --------------------------------------------------------------


def summary_day(contact: Contact, settings: Settings, at: datetime) -> date | None:
    """Return the local day whose summary is owed at `at`, or None.

    Today's is owed from the chosen time. Yesterday's is still owed before
    that time when it was not sent, so a summary held back in the evening
    (quiet hours, a conversation) goes out the next morning. A summary
    never sent before is owed only from today's time.
    """
    local = at.astimezone(settings.tz)
    chosen = time.fromisoformat(contact.daily_summary_time)
    day = local.date() if local.time() >= chosen else local.date() - timedelta(days=1)
    if contact.daily_summary_sent_on is None:
        return day if day == local.date() else None
    return day if contact.daily_summary_sent_on < day.isoformat() else None


def open_summary_periods(session: Session, settings: Settings, at: datetime) -> list[Period]:
    """List the periods that have ended and whose reports are not locked at `at`."""
    today = at.astimezone(settings.tz).date()
    periods = session.exec(
        select(Period).where(Period.end < today).order_by(Period.deadline, Period.id)
    ).all()
    return [p for p in periods if at < lock_moment(p, settings)]


def compose_summary(
    session: Session, settings: Settings, official: Official, at: datetime
) -> str:
    """Write the summary: per open period, reported (of which late), missing, flags."""
    lang = official.language
    lines = [t(lang, "summary.title",
               date=long_date(at.astimezone(settings.tz).date(), lang))]
    periods = open_summary_periods(session, settings, at)
    for period in periods:
        expected = {a.id for a in expected_agencies(session, period)}
        reports = session.exec(
            select(Report).where(
                Report.period_id == period.id, Report.status != ReportStatus.DRAFT
            )
        ).all()
        reported = [r for r in reports if r.agency_id in expected]
        flags = session.exec(
            select(func.count()).select_from(ValueFlag)
            .join(Report, Report.id == ValueFlag.report_id)
            .where(Report.period_id == period.id,
                   or_(ValueFlag.status == FlagStatus.OPEN,
                       ValueFlag.status == FlagStatus.ANSWERED))
        ).one()
        lines.append(t(
            lang, "summary.period", label=period_label(period, lang),
            deadline=long_date(period.deadline, lang), reported=len(reported),
            late=sum(1 for r in reported if r.on_time is False),
            missing=len(expected) - len(reported), flags=flags,
        ))
    if not periods:
        lines.append(t(lang, "summary.none"))
    lines.append(t(lang, "summary.how"))
    return "\n".join(lines)


def send_summaries(session: Session, settings: Settings, at: datetime) -> list[int]:
    """Queue the daily summaries owed at `at`; return the outbox ids.

    The day is claimed with a conditional update of `daily_summary_sent_on`,
    so of two runs at once only one sends it.
    """
    blocked = moment_blocked(settings, at, days_off(session, settings))
    if blocked is not None:
        return []
    rows = session.exec(
        select(Contact, Official)
        .join(Official, Official.id == Contact.official_id)
        .where(Contact.daily_summary_time.is_not(None),
               Official.role.in_(RECIPIENT_ROLES),
               Official.active == True)  # noqa: E712
        .order_by(Official.id)
    ).all()
    outbox_ids = []
    for contact, official in rows:
        day = summary_day(contact, settings, at)
        if day is None:
            continue
        reason = official_blocked(session, settings, official.id, at, snooze=False)
        if reason is not None:
            logger.info("official %s: daily summary held back (%s)", official.id, reason)
            continue
        claimed = session.exec(
            update(Contact)
            .where(Contact.id == contact.id,
                   or_(Contact.daily_summary_sent_on.is_(None),
                       Contact.daily_summary_sent_on < day.isoformat()))
            .values(daily_summary_sent_on=day.isoformat())
        ).rowcount
        if not claimed:
            continue
        queued = queue_message(
            session, settings, official, compose_summary(session, settings, official, at),
            at, kind=SUMMARY_KIND,
            variables={"1": long_date(at.astimezone(settings.tz).date(), official.language)},
        )
        outbox_ids.extend(row.id for row in queued)
    return outbox_ids


# --- Jobs -----------------------------------------------------------------------


def _run(name: str, send, at: str | None) -> dict:
    from flask import current_app

    from bot.db import get_engine, session_scope
    from models.types import utcnow

    settings = current_app.config["SETTINGS"]
    moment = datetime.fromisoformat(at) if at else utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.tz)
    with session_scope(get_engine(settings.DATABASE_URL)) as session:
        outbox_ids = send(session, settings, moment)
    enqueue_delivery(settings, outbox_ids)
    logger.info("%s at %s: %d messages queued", name, moment.isoformat(), len(outbox_ids))
    return {"messages": len(outbox_ids)}


def run_escalations(at: str | None = None) -> dict:
    """RQ job: send the escalation digests due at `at` (ISO-8601) or now."""
    return _run("escalations", send_escalations, at)


def run_summaries(at: str | None = None) -> dict:
    """RQ job: send the daily summaries owed at `at` (ISO-8601) or now."""
    return _run("daily summaries", send_summaries, at)

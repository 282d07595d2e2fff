"""Reporting periods: which one a message means and which ones are open."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.parsing import PeriodRef
from models import Agency, Indicator, Period, Periodicity, Report, ReportStatus

# A period is offered for reporting from this many days before its end.
OPEN_BEFORE_END_DAYS = 7
PERIODICITY_ORDER = {
    Periodicity.MONTHLY: 0,
    Periodicity.QUARTERLY: 1,
    Periodicity.ANNUAL: 2,
}


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def is_on_time(submitted_at: datetime, period: Period, tz: ZoneInfo) -> bool:
    """Tell whether a submission falls on or before the deadline day, locally."""
    return local_date(submitted_at, tz) <= period.deadline


def period_index(period: Period) -> int:
    if period.periodicity == Periodicity.MONTHLY:
        return period.start.month
    if period.periodicity == Periodicity.QUARTERLY:
        return (period.start.month - 1) // 3 + 1
    return 1


def resolve(session: Session, ref: PeriodRef, today: date) -> Period | None:
    """Find the period a parsed reference names.

    Without a year, the latest such period that has started wins, so that
    `desember` in January means the December just ended.
    """
    candidates = [
        p
        for p in session.exec(
            select(Period).where(Period.periodicity == ref.periodicity)
        ).all()
        if period_index(p) == ref.index
        and (ref.year is None or p.start.year == ref.year)
    ]
    if not candidates:
        return None
    started = [p for p in candidates if p.start <= today]
    if started:
        return max(started, key=lambda p: p.start)
    return min(candidates, key=lambda p: p.start)


def applicable_indicators(
    session: Session, agency: Agency, period: Period
) -> list[Indicator]:
    """List the indicators an agency reports for a period, in question order.

    The indicators of each periodicity are read once per session and kept in
    `session.info`, since one message asks this many times.
    """
    cache = session.info.setdefault("indicators_by_periodicity", {})
    rows = cache.get(period.periodicity)
    if rows is None:
        rows = session.exec(
            select(Indicator)
            .where(Indicator.periodicity == period.periodicity)
            .order_by(Indicator.position)
        ).all()
        cache[period.periodicity] = rows
    applicable = session.info.setdefault("applicable_indicators", {})
    key = (agency.id, period.periodicity)
    if key not in applicable:
        applicable[key] = [indicator for indicator in rows if indicator.applies(agency)]
    return list(applicable[key])


def open_periods(
    session: Session,
    agency: Agency,
    today: date,
    periodicity: str | None = None,
) -> list[Period]:
    """List periods the agency can still report, most pressing first.

    A period is open when it has ended or ends within a week, the agency
    reports at least one indicator for it, and its report is not submitted.
    Monthly periods come first; within a periodicity, deadlines still ahead
    come before missed ones, and missed ones start with the most recent.
    """
    query = select(Period).where(
        Period.end <= today + timedelta(days=OPEN_BEFORE_END_DAYS)
    )
    if periodicity:
        query = query.where(Period.periodicity == periodicity)
    submitted = set(
        session.exec(
            select(Report.period_id).where(
                Report.agency_id == agency.id,
                Report.status != ReportStatus.DRAFT,
            )
        ).all()
    )
    periods = [
        p
        for p in session.exec(query).all()
        if p.id not in submitted and applicable_indicators(session, agency, p)
    ]

    def urgency(period: Period):
        missed = period.deadline < today
        days = (today - period.deadline).days if missed else (period.deadline - today).days
        return (PERIODICITY_ORDER.get(period.periodicity, 9), missed, days)

    return sorted(periods, key=urgency)


def latest_ended(
    session: Session, today: date, periodicity: str = Periodicity.MONTHLY
) -> Period | None:
    """Return the most recent period of a periodicity that has ended."""
    return session.exec(
        select(Period)
        .where(Period.periodicity == periodicity, Period.end < today)
        .order_by(Period.end.desc())
    ).first()


def upcoming_deadlines(session: Session, today: date, limit: int = 3) -> list[Period]:
    return list(
        session.exec(
            select(Period)
            .where(Period.deadline >= today)
            .order_by(Period.deadline, Period.periodicity)
            .limit(limit)
        ).all()
    )


def expected_agencies(session: Session, period: Period) -> list[Agency]:
    """List agencies that report at least one indicator for the period."""
    agencies = session.exec(select(Agency).order_by(Agency.id)).all()
    return [a for a in agencies if applicable_indicators(session, a, period)]

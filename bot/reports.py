"""Reports and their values: read, store, compute and submit."""

from __future__ import annotations

import ast
import logging
import operator
from datetime import datetime
from decimal import Decimal, DivisionByZero, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot import review
from bot.periods import applicable_indicators, is_on_time
from models import (
    Agency,
    Budget,
    Channel,
    EventKind,
    FlagSource,
    Indicator,
    Official,
    Period,
    Report,
    ReportStatus,
    ReportValue,
    ValueChange,
)

logger = logging.getLogger(__name__)

BUDGET = "budget"
_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def get_report(session: Session, agency: Agency, period: Period) -> Report | None:
    return session.exec(
        select(Report).where(
            Report.agency_id == agency.id, Report.period_id == period.id
        )
    ).first()


def get_or_create_report(session: Session, agency: Agency, period: Period) -> Report:
    """Return the agency's report for the period, creating a draft if needed.

    The unique (agency, period) constraint settles a race between two
    operators of one agency: the loser's flush fails and it reads the row.
    """
    report = get_report(session, agency, period)
    if report is not None:
        return report
    report = Report(agency_id=agency.id, period_id=period.id)
    nested = session.begin_nested()
    session.add(report)
    try:
        nested.commit()
    except IntegrityError:
        nested.rollback()
        report = get_report(session, agency, period)
        if report is None:
            raise
    return report


def values_by_indicator(session: Session, report: Report) -> dict[int, ReportValue]:
    rows = session.exec(
        select(ReportValue).where(ReportValue.report_id == report.id)
    ).all()
    return {row.indicator_id: row for row in rows}


def budget_ceiling(session: Session, agency: Agency, year: int) -> Decimal | None:
    budget = session.exec(
        select(Budget).where(Budget.agency_id == agency.id, Budget.year == year)
    ).first()
    return budget.ceiling if budget else None


def store_value(
    session: Session,
    report: Report,
    indicator: Indicator,
    *,
    raw_text: str,
    number: Decimal | None = None,
    text: str | None = None,
    is_none: bool = False,
    official: Official | None,
    now: datetime,
    channel: str = Channel.WHATSAPP,
    reason: str | None = None,
) -> ReportValue:
    """Insert or update the report's value for one indicator, and audit it.

    A change is recorded with the old and new value whenever the value or its
    raw text changes; storing the same answer again records nothing.
    """
    value = _find_value(session, report, indicator)
    old = None if value is None else (value.raw_text, value.number, _text_of(value))
    if value is None:
        value = ReportValue(report_id=report.id, indicator_id=indicator.id)
    value.raw_text = raw_text
    value.number = number
    value.text = text
    value.is_none = is_none
    value.answered_by_id = official.id if official else None
    value.updated_at = now
    report.updated_at = now
    session.add(value)
    session.add(report)
    new = (raw_text, number, _text_of(value))
    if old != new:
        session.add(ValueChange(
            report_id=report.id, indicator_id=indicator.id,
            old_raw_text=old[0] if old else None,
            old_number=old[1] if old else None,
            old_text=old[2] if old else None,
            new_raw_text=raw_text, new_number=number, new_text=new[2],
            official_id=official.id if official else None,
            channel=channel, reason=reason, created_at=now,
        ))
    session.flush()
    return value


def _find_value(session: Session, report: Report, indicator: Indicator):
    return session.exec(
        select(ReportValue).where(
            ReportValue.report_id == report.id,
            ReportValue.indicator_id == indicator.id,
        )
    ).first()


def _text_of(value: ReportValue) -> str | None:
    """Return the text side of a value, with an optional "none" answer as `-`."""
    return "-" if value.is_none else value.text


def clear_value(
    session: Session, report: Report, indicator: Indicator, now: datetime,
    channel: str = Channel.COMPUTED,
) -> None:
    """Delete the report's value for one indicator, auditing the removal."""
    value = _find_value(session, report, indicator)
    if value is None:
        return
    session.add(ValueChange(
        report_id=report.id, indicator_id=indicator.id,
        old_raw_text=value.raw_text, old_number=value.number,
        old_text=_text_of(value), channel=channel, created_at=now,
    ))
    session.delete(value)
    session.flush()


def evaluate_formula(formula: str, variables: dict[str, Decimal]) -> Decimal | None:
    """Evaluate `100 * RFK-KEU / budget` with exact decimals.

    Indicator codes contain hyphens, so each variable is swapped for a plain
    name before parsing. Returns None when a variable is missing or the
    arithmetic is undefined (a zero budget).
    """
    names = {}
    expression = formula
    for index, code in enumerate(sorted(variables, key=len, reverse=True)):
        name = f"v{index}"
        names[name] = variables[code]
        expression = expression.replace(code, name)
    try:
        tree = ast.parse(expression, mode="eval")
        return _evaluate(tree.body, names)
    except (KeyError, DivisionByZero, InvalidOperation, ZeroDivisionError):
        return None


def _evaluate(node: ast.AST, names: dict[str, Decimal]) -> Decimal:
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left = _evaluate(node.left, names)
        right = _evaluate(node.right, names)
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Decimal(str(node.value))
    if isinstance(node, ast.Name):
        if names[node.id] is None:
            raise KeyError(node.id)
        return names[node.id]
    raise ValueError(f"unsupported formula element {ast.dump(node)!r}")


def refresh_computed(
    session: Session,
    report: Report,
    agency: Agency,
    period: Period,
    now: datetime,
) -> None:
    """Recalculate every computed indicator of the report from its values."""
    indicators = applicable_indicators(session, agency, period)
    values = values_by_indicator(session, report)
    variables = {
        ind.code: values[ind.id].number
        for ind in indicators
        if ind.id in values and values[ind.id].number is not None
    }
    variables[BUDGET] = budget_ceiling(session, agency, period.start.year)
    for indicator in indicators:
        if not indicator.computed:
            continue
        result = evaluate_formula(indicator.formula, variables)
        if result is None:
            clear_value(session, report, indicator, now)
            continue
        result = result.quantize(Decimal("0.0001"))
        store_value(
            session, report, indicator, raw_text="", number=result,
            official=None, now=now, channel=Channel.COMPUTED,
        )


def previous_value(
    session: Session, agency: Agency, indicator: Indicator, period: Period
) -> tuple[Period, ReportValue] | None:
    """Return the nearest earlier period of the same year and kind with a value."""
    row = session.exec(
        select(Period, ReportValue)
        .join(Report, Report.period_id == Period.id)
        .join(ReportValue, ReportValue.report_id == Report.id)
        .where(
            Report.agency_id == agency.id,
            ReportValue.indicator_id == indicator.id,
            ReportValue.number != None,  # noqa: E711  (SQL comparison)
            Period.periodicity == period.periodicity,
            Period.start < period.start,
            Period.start >= period.start.replace(month=1, day=1),
        )
        .order_by(Period.start.desc())
    ).first()
    return tuple(row) if row else None


def missing_required(
    session: Session, report: Report, agency: Agency, period: Period
) -> list[Indicator]:
    """List required, asked indicators that have no value yet."""
    values = values_by_indicator(session, report)
    return [
        ind
        for ind in applicable_indicators(session, agency, period)
        if ind.required and not ind.computed and ind.id not in values
    ]


def submit(
    session: Session,
    report: Report,
    period: Period,
    official: Official,
    now: datetime,
    tz: ZoneInfo,
) -> Report:
    """Mark the report submitted; the first submission fixes on-time status.

    A report under a supervisor's review keeps its review status until the
    supervisor decides.
    """
    under_review = any(
        flag.source == FlagSource.SUPERVISOR
        for flag in review.pending_flags(session, report)
    )
    if not under_review:
        report.status = ReportStatus.SUBMITTED
    report.submitted_by_id = official.id
    report.submitted_at = now
    report.submission_count += 1
    if report.first_submitted_at is None:
        report.first_submitted_at = now
        report.on_time = is_on_time(now, period, tz)
    agency = session.get(Agency, report.agency_id)
    report.receipt_no = (
        f"{agency.code}-{period.code}-{report.submission_count:03d}"
    )
    report.updated_at = now
    session.add(report)
    review.record(session, report, EventKind.SUBMITTED, official=official, now=now,
                  note=report.receipt_no)
    session.flush()
    logger.info(
        "official %s: submitted report %s (agency %s, period %s, on_time=%s)",
        official.id, report.id, agency.code, period.code, report.on_time,
    )
    return report

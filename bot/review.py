"""Flags on report values, the officials' answers and the supervisors' decisions.

A flag is raised by a rule of rules.csv when a value is stored, or by a
supervisor's `tandai`. The official corrects the value or keeps it with a
reason; a supervisor's flag then waits for `setuju` or `tolak`. Every step is
kept as a `ReportEvent`, and every change of a value as a `ValueChange`.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlmodel import Session, select

from models import (
    Channel,
    EventKind,
    FlagSource,
    FlagStatus,
    Indicator,
    Official,
    Report,
    ReportEvent,
    ReportStatus,
    Resolution,
    Rule,
    ValueFlag,
)

logger = logging.getLogger(__name__)

# A flag in one of these states stops a report from being verified.
PENDING = (FlagStatus.OPEN, FlagStatus.ANSWERED)
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def record(
    session: Session,
    report: Report,
    kind: str,
    *,
    official: Official | None,
    now: datetime,
    channel: str = Channel.WHATSAPP,
    indicator_id: int | None = None,
    flag: ValueFlag | None = None,
    note: str | None = None,
) -> ReportEvent:
    event = ReportEvent(
        report_id=report.id, kind=kind, indicator_id=indicator_id,
        flag_id=flag.id if flag else None,
        official_id=official.id if official else None,
        channel=channel, note=note[:600] if note else None, created_at=now,
    )
    session.add(event)
    return event


def pending_flags(session: Session, report: Report) -> list[ValueFlag]:
    """Return the report's flags that wait for an official or a supervisor."""
    return list(session.exec(
        select(ValueFlag)
        .where(ValueFlag.report_id == report.id, ValueFlag.status.in_(PENDING))
        .order_by(ValueFlag.id)
    ).all())


def rule_codes(rule: Rule, indicator_code: str) -> set[str]:
    """Return the indicator codes a rule reads: its subject and those in `other`."""
    codes = {indicator_code}
    if rule.other:
        codes |= {code for code in _CODE.findall(rule.other) if code != "budget"}
    return codes


def apply_findings(
    session: Session,
    report: Report,
    findings: list,
    changed_codes: set[str],
    *,
    indicators: list[Indicator],
    official: Official | None,
    now: datetime,
) -> list[ValueFlag]:
    """Bring the report's rule flags in line with a fresh check.

    A finding with no open flag raises one, unless the official already kept
    the same value for the same rule. An open flag of a rule that read a
    changed value and no longer fires is closed as corrected. Returns the
    open rule flags of the rules that read a changed value. `indicators` are
    the ones the agency reports for the period.
    """
    from bot.checks import active_rules

    code_of = {indicator.id: indicator.code for indicator in indicators}
    relevant = {
        rule.code for rule in active_rules(session)
        if rule.indicator_id in code_of
        and rule_codes(rule, code_of[rule.indicator_id]) & changed_codes
    }
    if not relevant and not findings:
        return []
    open_by_rule = {
        flag.rule_code: flag
        for flag in session.exec(
            select(ValueFlag).where(
                ValueFlag.report_id == report.id,
                ValueFlag.source == FlagSource.RULE,
                ValueFlag.status == FlagStatus.OPEN,
            )
        ).all()
    }
    fired = set()
    result = []
    for finding in findings:
        code = finding.rule.code
        fired.add(code)
        flag = open_by_rule.get(code)
        if flag is not None:
            flag.message = finding.message[:600]
            flag.value_number = finding.number
            session.add(flag)
            result.append(flag)
            continue
        if _kept_before(session, report, code, finding):
            continue
        flag = ValueFlag(
            report_id=report.id, indicator_id=finding.indicator.id,
            source=FlagSource.RULE, rule_code=code, message=finding.message[:600],
            value_number=finding.number, raised_at=now,
        )
        session.add(flag)
        session.flush()
        record(session, report, EventKind.FLAGGED, official=None, now=now,
               channel=Channel.COMPUTED, indicator_id=flag.indicator_id, flag=flag,
               note=finding.message)
        result.append(flag)
    for code, flag in open_by_rule.items():
        if code in relevant and code not in fired:
            flag.status = FlagStatus.CLOSED
            flag.resolution = Resolution.CORRECTED
            flag.resolved_at = now
            flag.resolved_by_id = official.id if official else None
            session.add(flag)
            record(session, report, EventKind.CORRECTED, official=official, now=now,
                   indicator_id=flag.indicator_id, flag=flag)
    session.flush()
    return result


def _kept_before(session: Session, report: Report, code: str, finding) -> bool:
    """True when the official kept this very value for this rule with a reason."""
    kept = session.exec(
        select(ValueFlag).where(
            ValueFlag.report_id == report.id,
            ValueFlag.rule_code == code,
            ValueFlag.resolution == Resolution.CONFIRMED,
            ValueFlag.status == FlagStatus.CLOSED,
        ).order_by(ValueFlag.id.desc())
    ).first()
    return kept is not None and kept.value_number == finding.number


def confirm(
    session: Session, flag: ValueFlag, report: Report, official: Official,
    reason: str, now: datetime,
) -> None:
    """Keep the flagged value with a reason; a supervisor's flag then waits."""
    flag.reason = reason[:600]
    _answer(session, flag, report, official, Resolution.CONFIRMED, now, note=reason)


def corrected(
    session: Session, flag: ValueFlag, report: Report, official: Official,
    now: datetime,
) -> None:
    """Mark a supervisor's flag answered by a new value."""
    _answer(session, flag, report, official, Resolution.CORRECTED, now)


def _answer(
    session: Session, flag: ValueFlag, report: Report, official: Official,
    resolution: str, now: datetime, note: str | None = None,
) -> None:
    """Record the official's answer to a flag and its event.

    A rule's flag closes with the answer; a supervisor's flag waits for the
    supervisor's decision.
    """
    flag.resolution = resolution
    flag.resolved_at = now
    flag.resolved_by_id = official.id
    flag.status = (
        FlagStatus.ANSWERED if flag.source == FlagSource.SUPERVISOR else FlagStatus.CLOSED
    )
    session.add(flag)
    kind = EventKind.CONFIRMED if resolution == Resolution.CONFIRMED else EventKind.CORRECTED
    record(session, report, kind, official=official, now=now,
           indicator_id=flag.indicator_id, flag=flag, note=note)
    _after_answer(session, report, flag, now)


def _after_answer(session: Session, report: Report, flag: ValueFlag, now: datetime) -> None:
    if flag.source != FlagSource.SUPERVISOR:
        return
    waiting = [
        f for f in pending_flags(session, report)
        if f.source == FlagSource.SUPERVISOR and f.status == FlagStatus.OPEN
    ]
    if not waiting and report.status == ReportStatus.NEEDS_CORRECTION:
        report.status = ReportStatus.CORRECTED
        report.updated_at = now
        session.add(report)
    session.flush()


def accept_rule_flag(
    session: Session, flag: ValueFlag, report: Report, supervisor: Official,
    now: datetime,
) -> None:
    """Keep a value a rule flagged and the official left open, on a supervisor's word."""
    flag.resolution = Resolution.CONFIRMED
    flag.resolved_at = now
    flag.resolved_by_id = supervisor.id
    flag.reason = flag.reason or None
    session.add(flag)


def raise_flag(
    session: Session, report: Report, indicator: Indicator, value, *,
    supervisor: Official, note: str, now: datetime,
) -> ValueFlag:
    """Flag a submitted value on a supervisor's behalf."""
    flag = ValueFlag(
        report_id=report.id, indicator_id=indicator.id, source=FlagSource.SUPERVISOR,
        note=note[:600] or None, value_number=value.number,
        value_text=value.text, raised_by_id=supervisor.id, raised_at=now,
    )
    session.add(flag)
    session.flush()
    report.status = ReportStatus.NEEDS_CORRECTION
    report.updated_at = now
    session.add(report)
    record(session, report, EventKind.FLAGGED, official=supervisor, now=now,
           indicator_id=indicator.id, flag=flag, note=note)
    session.flush()
    return flag


def approve(
    session: Session, flag: ValueFlag, report: Report, supervisor: Official,
    now: datetime,
) -> bool:
    """Accept the official's answer; returns True when the report became verified."""
    flag.status = FlagStatus.CLOSED
    flag.decided_at = now
    flag.decided_by_id = supervisor.id
    session.add(flag)
    record(session, report, EventKind.APPROVED, official=supervisor, now=now,
           indicator_id=flag.indicator_id, flag=flag)
    session.flush()
    if pending_flags(session, report):
        return False
    verify(session, report, supervisor, now)
    return True


def reject(
    session: Session, flag: ValueFlag, report: Report, supervisor: Official,
    note: str, now: datetime,
) -> None:
    """Send the flag back to the official with a new note."""
    flag.status = FlagStatus.OPEN
    flag.resolution = None
    flag.reason = None
    if note:
        flag.note = note[:600]
    flag.decided_at = now
    flag.decided_by_id = supervisor.id
    session.add(flag)
    report.status = ReportStatus.NEEDS_CORRECTION
    report.updated_at = now
    session.add(report)
    record(session, report, EventKind.REJECTED, official=supervisor, now=now,
           indicator_id=flag.indicator_id, flag=flag, note=note)
    session.flush()


def verify(
    session: Session, report: Report, supervisor: Official | None, now: datetime,
    channel: str = Channel.WHATSAPP,
) -> None:
    report.status = ReportStatus.VERIFIED
    report.verified_at = now
    report.verified_by_id = supervisor.id if supervisor else None
    report.updated_at = now
    session.add(report)
    record(session, report, EventKind.VERIFIED, official=supervisor, now=now,
           channel=channel)
    session.flush()
    logger.info("report %s verified by official %s", report.id,
                supervisor.id if supervisor else "-")

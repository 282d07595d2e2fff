"""Export one period's report values as CSV rows for spreadsheets and scripts."""

from __future__ import annotations

import csv
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.periods import applicable_indicators
from models import (
    Agency,
    FlagSource,
    FlagStatus,
    Period,
    Report,
    ReportStatus,
    ReportValue,
    Resolution,
    ValueFlag,
)
from models.types import canonical

COLUMNS = (
    "period",
    "agency_code",
    "agency_name",
    "indicator_code",
    "indicator_name",
    "unit",
    "value",
    "raw_text",
    "status",
    "submitted_at",
    "on_time",
    "receipt_no",
    "flag",
    "flag_reason",
    "verification",
    "verified_at",
)
# The status of an agency that has no report for the period.
MISSING = "missing"
# The value of an optional question answered with "-" or "tidak ada".
NONE_VALUE = "none"


def export_rows(session: Session, period: Period, tz: ZoneInfo) -> list[dict]:
    """List a row per agency and applicable indicator, computed ones included.

    Rows follow agency id, then question order. An agency that reports no
    indicator for the period has no rows. `submitted_at` and `verified_at`
    are local times, and `flag_columns` describes the flag columns.
    """
    reports = {
        report.agency_id: report
        for report in session.exec(
            select(Report).where(Report.period_id == period.id)
        ).all()
    }
    values = {
        (value.report_id, value.indicator_id): value
        for value in session.exec(
            select(ReportValue)
            .join(Report, Report.id == ReportValue.report_id)
            .where(Report.period_id == period.id)
        ).all()
    }
    flags: dict[tuple[int, int], list[ValueFlag]] = {}
    for flag in session.exec(
        select(ValueFlag)
        .join(Report, Report.id == ValueFlag.report_id)
        .where(Report.period_id == period.id)
        .order_by(ValueFlag.id)
    ).all():
        flags.setdefault((flag.report_id, flag.indicator_id), []).append(flag)
    rows = []
    for agency in session.exec(select(Agency).order_by(Agency.id)).all():
        report = reports.get(agency.id)
        for indicator in applicable_indicators(session, agency, period):
            key = (report.id, indicator.id) if report else None
            value = values.get(key)
            rows.append(
                {
                    "period": period.code,
                    "agency_code": agency.code,
                    "agency_name": agency.name,
                    "indicator_code": indicator.code,
                    "indicator_name": indicator.name,
                    "unit": indicator.unit,
                    "value": format_value(value),
                    "raw_text": value.raw_text if value else "",
                    **report_columns(report, tz),
                    **flag_columns(flags.get(key, [])),
                    **verification_columns(report, tz),
                }
            )
    return rows


def format_value(value: ReportValue | None) -> str:
    """Write a value plainly: `18250500000`, `15.5`, the text, `none` or empty."""
    if value is None:
        return ""
    if value.is_none:
        return NONE_VALUE
    if value.number is not None:
        return format(canonical(value.number), "f")
    return value.text or ""


def report_columns(report: Report | None, tz: ZoneInfo) -> dict[str, str]:
    if report is None:
        return {"status": MISSING, "submitted_at": "", "on_time": "", "receipt_no": ""}
    submitted_at = ""
    if report.submitted_at is not None:
        submitted_at = report.submitted_at.astimezone(tz).isoformat()
    on_time = ""
    if report.on_time is not None:
        on_time = "yes" if report.on_time else "no"
    # `status` says whether the agency reported; the review has its own column.
    draft = report.status == ReportStatus.DRAFT
    status = ReportStatus.DRAFT if draft else ReportStatus.SUBMITTED
    return {
        "status": str(status),
        "submitted_at": submitted_at,
        "on_time": on_time,
        "receipt_no": report.receipt_no or "",
    }


def flag_columns(flags: list[ValueFlag]) -> dict[str, str]:
    """Describe a value's flags in the `flag` and `flag_reason` columns.

    While any flag waits, `flag` is `open` (one waits for the official) or
    `answered` (all wait for a supervisor), and `flag_reason` joins the
    waiting flags' texts with " | ". Once all are closed, both describe the
    flag closed last: its resolution (`corrected` or `confirmed`, or `closed`
    when a supervisor closed it unanswered) and its text. A flag's text is
    the rule's message or the supervisor's note. When the official kept the
    value, the official's reason follows it as `(kept: REASON)`.
    Both columns are empty for a value that was never flagged.
    """
    if not flags:
        return {"flag": "", "flag_reason": ""}
    waiting = [flag for flag in flags if flag.status != FlagStatus.CLOSED]
    if waiting:
        if any(flag.status == FlagStatus.OPEN for flag in waiting):
            state = str(FlagStatus.OPEN)
        else:
            state = str(FlagStatus.ANSWERED)
        return {
            "flag": state,
            "flag_reason": " | ".join(_flag_text(flag) for flag in waiting),
        }
    last = max(flags, key=_closed_at)
    return {
        "flag": str(last.resolution or FlagStatus.CLOSED),
        "flag_reason": _flag_text(last),
    }


def _closed_at(flag: ValueFlag):
    return (flag.decided_at or flag.resolved_at or flag.raised_at, flag.id)


def _flag_text(flag: ValueFlag) -> str:
    if flag.source == FlagSource.SUPERVISOR:
        text = flag.note or flag.message
    else:
        text = flag.message or flag.note or flag.rule_code or ""
    # A flag sent back to the official is open again, and its `reason` may
    # then be the supervisor's note instead of the official's reason.
    if (
        flag.resolution == Resolution.CONFIRMED
        and flag.status != FlagStatus.OPEN
        and flag.reason
    ):
        text = f"{text} (kept: {flag.reason})"
    return text


def verification_columns(report: Report | None, tz: ZoneInfo) -> dict[str, str]:
    """Return the report's review status and its local verification time."""
    if report is None:
        return {"verification": "", "verified_at": ""}
    verified_at = ""
    if report.verified_at is not None:
        verified_at = report.verified_at.astimezone(tz).isoformat()
    return {"verification": str(report.status), "verified_at": verified_at}


def write_csv(rows: list[dict], stream: TextIO) -> None:
    """Write the rows with a header line and LF line ends, like the data files."""
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)

"""Export one period's report values as CSV rows for spreadsheets and scripts."""

from __future__ import annotations

import csv
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.periods import applicable_indicators
from models import Agency, Period, Report, ReportValue
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
)
# The status of an agency that has no report for the period.
MISSING = "missing"
# The value of an optional question answered with "-" or "tidak ada".
NONE_VALUE = "none"


def export_rows(session: Session, period: Period, tz: ZoneInfo) -> list[dict]:
    """List a row per agency and applicable indicator, computed ones included.

    Rows follow agency id, then question order. An agency that reports no
    indicator for the period has no rows, and `submitted_at` is local time.
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
    rows = []
    for agency in session.exec(select(Agency).order_by(Agency.id)).all():
        report = reports.get(agency.id)
        for indicator in applicable_indicators(session, agency, period):
            value = values.get((report.id, indicator.id)) if report else None
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
    return {
        "status": str(report.status),
        "submitted_at": submitted_at,
        "on_time": on_time,
        "receipt_no": report.receipt_no or "",
    }


def write_csv(rows: list[dict], stream: TextIO) -> None:
    """Write the rows with a header line and LF line ends, like the data files."""
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)

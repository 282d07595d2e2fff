"""Accuracy of one period's reports: how many values were flagged and how it ended.

Definitions, per agency that has a report for the period:

- values: the report's stored values of indicators that are not computed.
- flagged: those values with at least one flag, from a rule or a supervisor.
  Flags on computed indicators, or on values removed since, are not counted.
- corrected before the deadline: flagged values with a flag whose resolution
  is `corrected`, that is not open again, and whose `resolved_at` falls on or
  before the deadline day in the regency's time zone (`is_on_time`).
- confirmed: flagged values whose flags all ended without a change: each flag
  is closed, with resolution `confirmed`, or a supervisor's flag the
  supervisor approved (`decided_at` set) without a correction.
- median hours to correction: the median of `resolved_at - raised_at` over
  the counted flags resolved as `corrected` and not open again, on time or not.

Shares are of the flagged values. The total row adds up the counts and takes
the median over all agencies' corrections.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.periods import is_on_time
from models import (
    Agency,
    FlagSource,
    FlagStatus,
    Indicator,
    Period,
    Report,
    ReportValue,
    Resolution,
    ValueFlag,
)

TOTAL = "TOTAL"
CSV_COLUMNS = (
    "agency",
    "values",
    "flagged",
    "flagged_share",
    "corrected_before_deadline",
    "corrected_before_deadline_share",
    "confirmed",
    "confirmed_share",
    "median_hours_to_correction",
)
TABLE_HEADERS = (
    "agency",
    "values",
    "flagged",
    "flagged %",
    "corrected by deadline %",
    "confirmed %",
    "median h to correction",
)
# Shown in the table for a share or median that has no data.
NO_DATA = "-"


@dataclass
class Accuracy:
    """The accuracy counts of one agency's report, or of all of them."""

    agency: str
    values: int = 0
    flagged: int = 0
    corrected_before_deadline: int = 0
    confirmed: int = 0
    # Hours from raising to correcting, one item per corrected flag.
    hours_to_correction: list[float] = field(default_factory=list)

    @property
    def flagged_share(self) -> float | None:
        return self.flagged / self.values if self.values else None

    @property
    def corrected_share(self) -> float | None:
        return self.corrected_before_deadline / self.flagged if self.flagged else None

    @property
    def confirmed_share(self) -> float | None:
        return self.confirmed / self.flagged if self.flagged else None

    @property
    def median_hours(self) -> float | None:
        if not self.hours_to_correction:
            return None
        return statistics.median(self.hours_to_correction)

    def add(self, other: Accuracy) -> None:
        self.values += other.values
        self.flagged += other.flagged
        self.corrected_before_deadline += other.corrected_before_deadline
        self.confirmed += other.confirmed
        self.hours_to_correction.extend(other.hours_to_correction)


def period_accuracy(
    session: Session, period: Period, tz: ZoneInfo, agency: Agency | None = None
) -> list[Accuracy]:
    """Compute a row per agency with a report for the period, then the total row.

    Rows follow the agency id. With `agency`, only that agency's report is
    counted. Runs three queries whatever the number of values.
    """
    report_query = (
        select(Report.id, Agency.code)
        .join(Agency, Agency.id == Report.agency_id)
        .where(Report.period_id == period.id)
        .order_by(Agency.id)
    )
    if agency is not None:
        report_query = report_query.where(Report.agency_id == agency.id)
    reports = session.exec(report_query).all()
    report_ids = [report_id for report_id, _ in reports]

    counted = set(
        session.exec(
            select(ReportValue.report_id, ReportValue.indicator_id)
            .join(Indicator, Indicator.id == ReportValue.indicator_id)
            .where(ReportValue.report_id.in_(report_ids), Indicator.formula == "")
        ).all()
    )
    flags_by_value: dict[tuple[int, int], list[ValueFlag]] = defaultdict(list)
    for flag in session.exec(
        select(ValueFlag).where(ValueFlag.report_id.in_(report_ids))
    ).all():
        key = (flag.report_id, flag.indicator_id)
        if key in counted:
            flags_by_value[key].append(flag)

    rows = {report_id: Accuracy(agency=code) for report_id, code in reports}
    for report_id, _ in counted:
        rows[report_id].values += 1
    for (report_id, _), flags in flags_by_value.items():
        _count_flagged_value(rows[report_id], flags, period, tz)

    total = Accuracy(agency=TOTAL)
    for row in rows.values():
        total.add(row)
    return [*rows.values(), total]


def _count_flagged_value(
    row: Accuracy, flags: list[ValueFlag], period: Period, tz: ZoneInfo
) -> None:
    row.flagged += 1
    corrections = [flag for flag in flags if _is_correction(flag)]
    if any(is_on_time(flag.resolved_at, period, tz) for flag in corrections):
        row.corrected_before_deadline += 1
    if all(_ended_without_change(flag) for flag in flags):
        row.confirmed += 1
    for flag in corrections:
        seconds = (flag.resolved_at - flag.raised_at).total_seconds()
        row.hours_to_correction.append(seconds / 3600)


def _is_correction(flag: ValueFlag) -> bool:
    return (
        flag.resolution == Resolution.CORRECTED
        and flag.resolved_at is not None
        and flag.status != FlagStatus.OPEN
    )


def _ended_without_change(flag: ValueFlag) -> bool:
    if flag.status != FlagStatus.CLOSED or flag.resolution == Resolution.CORRECTED:
        return False
    if flag.resolution == Resolution.CONFIRMED:
        return True
    return flag.source == FlagSource.SUPERVISOR and flag.decided_at is not None


def format_table(rows: list[Accuracy]) -> str:
    """Lay the rows out in fixed-width columns under a header line."""
    cells = [TABLE_HEADERS] + [
        (
            row.agency,
            str(row.values),
            str(row.flagged),
            _percent(row.flagged_share),
            _percent(row.corrected_share),
            _percent(row.confirmed_share),
            _hours(row.median_hours) or NO_DATA,
        )
        for row in rows
    ]
    widths = [
        max(len(line[column]) for line in cells) for column in range(len(TABLE_HEADERS))
    ]
    lines = []
    for line in cells:
        # The agency code is left-aligned, the figures right-aligned.
        parts = [line[0].ljust(widths[0])]
        parts += [text.rjust(width) for text, width in zip(line[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def write_csv(rows: list[Accuracy], stream: TextIO) -> None:
    """Write the rows as CSV, shares as fractions with four decimals."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([
            row.agency,
            row.values,
            row.flagged,
            _fraction(row.flagged_share),
            row.corrected_before_deadline,
            _fraction(row.corrected_share),
            row.confirmed,
            _fraction(row.confirmed_share),
            _hours(row.median_hours),
        ])


def _percent(share: float | None) -> str:
    return NO_DATA if share is None else f"{100 * share:.1f}%"


def _fraction(share: float | None) -> str:
    return "" if share is None else f"{share:.4f}"


def _hours(hours: float | None) -> str:
    return "" if hours is None else f"{hours:.1f}"

"""Accuracy of one period's reports, and the tables that `flask metrics` prints.

The accuracy definitions, per agency that has a report for the period, are
below. `bot.timeliness` defines the timeliness figures these tables add.

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
from typing import TYPE_CHECKING, TextIO
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

if TYPE_CHECKING:
    # `bot.timeliness` imports this module for its trend.
    from bot.timeliness import Timeliness, TrendPoint

TOTAL = "TOTAL"
# Added to a trend row whose deadline day has not passed: its figures still grow.
ONGOING_MARK = "(ongoing)"
# The state shown for an agency that has a report but reports no indicator.
NOT_EXPECTED = "not_expected"
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

    # Plain tuples: looking up SQLAlchemy rows in a set is far slower.
    counted = {
        (report_id, indicator_id)
        for report_id, indicator_id in session.exec(
            select(ReportValue.report_id, ReportValue.indicator_id)
            .join(Indicator, Indicator.id == ReportValue.indicator_id)
            .where(ReportValue.report_id.in_(report_ids), Indicator.formula == "")
        ).all()
    }
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


# --- Reminder effect --------------------------------------------------------------
#
# Per agency reminded for the period: an agency with at least one reminder
# (an operator's `reminder` row, escalations to supervisors left out) created
# before its report's first submission, or any reminder when it never
# submitted. Reminders after the first submission are not counted.
#
# - hours from the latest reminder: from the last counted reminder to the
#   first submission (`Report.first_submitted_at`).
# - hours from the first reminder: from the first counted reminder to the
#   first submission.
# - within 24 h and 48 h: the share of reminded agencies, submitted or not,
#   whose hours from the latest reminder are at most 24 or 48.
# - median h first reminder to submission: over reminded agencies that
#   submitted.
#
# A reminder's time is when the sweep recorded and queued it, not when
# WhatsApp delivered it.

REMINDER_CSV_COLUMNS = (
    "agency",
    "reminders",
    "hours_from_latest_reminder",
    "hours_from_first_reminder",
    "within_24h",
    "within_48h",
)
REMINDER_TABLE_HEADERS = (
    "agency",
    "reminders",
    "h latest reminder to submission",
    "h first reminder to submission",
)
ESCALATION_KIND_PREFIX = "escalate-"


@dataclass
class ReminderEffect:
    """The hours between one reminded agency's reminders and its first submission."""

    agency: str
    reminders: int
    hours_from_latest: float | None
    hours_from_first: float | None

    def within(self, hours: float) -> bool:
        return self.hours_from_latest is not None and self.hours_from_latest <= hours


@dataclass
class ReminderSummary:
    """The reminder effect over every reminded agency of a period."""

    agencies: int
    within_24h: int
    within_48h: int
    median_hours_from_first: float | None

    @property
    def within_24h_share(self) -> float | None:
        return self.within_24h / self.agencies if self.agencies else None

    @property
    def within_48h_share(self) -> float | None:
        return self.within_48h / self.agencies if self.agencies else None


def reminder_effect(
    session: Session, period: Period, agency: Agency | None = None
) -> tuple[list[ReminderEffect], ReminderSummary]:
    """Compute a row per reminded agency, in agency id order, and the summary."""
    from models import Official, Reminder, Role

    query = (
        select(Official.agency_id, Agency.code, Reminder.created_at)
        .join(Official, Official.id == Reminder.official_id)
        .join(Agency, Agency.id == Official.agency_id)
        .where(
            Reminder.period_id == period.id,
            Official.role == Role.OPERATOR,
            Reminder.kind.not_like(f"{ESCALATION_KIND_PREFIX}%"),
        )
        .order_by(Official.agency_id, Reminder.created_at)
    )
    if agency is not None:
        query = query.where(Official.agency_id == agency.id)
    reminded: dict[int, tuple[str, list]] = {}
    for agency_id, code, created_at in session.exec(query).all():
        reminded.setdefault(agency_id, (code, []))[1].append(created_at)
    submitted = dict(session.exec(
        select(Report.agency_id, Report.first_submitted_at).where(
            Report.period_id == period.id,
            Report.agency_id.in_(list(reminded)),
            Report.first_submitted_at.is_not(None),
        )
    ).all())

    rows = []
    for agency_id, (code, moments) in reminded.items():
        submitted_at = submitted.get(agency_id)
        if submitted_at is not None:
            moments = [moment for moment in moments if moment <= submitted_at]
        if not moments:
            continue
        rows.append(ReminderEffect(
            agency=code,
            reminders=len(moments),
            hours_from_latest=_hours_between(moments[-1], submitted_at),
            hours_from_first=_hours_between(moments[0], submitted_at),
        ))
    firsts = [row.hours_from_first for row in rows if row.hours_from_first is not None]
    summary = ReminderSummary(
        agencies=len(rows),
        within_24h=sum(1 for row in rows if row.within(24)),
        within_48h=sum(1 for row in rows if row.within(48)),
        median_hours_from_first=statistics.median(firsts) if firsts else None,
    )
    return rows, summary


def _hours_between(start, end) -> float | None:
    return None if end is None else (end - start).total_seconds() / 3600


def format_reminder_table(rows: list[ReminderEffect], summary: ReminderSummary) -> str:
    """Lay out the reminded agencies, then the period's shares and median."""
    cells = [REMINDER_TABLE_HEADERS] + [
        (
            row.agency,
            str(row.reminders),
            _hours(row.hours_from_latest) or NO_DATA,
            _hours(row.hours_from_first) or NO_DATA,
        )
        for row in rows
    ]
    widths = [
        max(len(line[column]) for line in cells)
        for column in range(len(REMINDER_TABLE_HEADERS))
    ]
    lines = []
    for line in cells:
        parts = [line[0].ljust(widths[0])]
        parts += [text.rjust(width) for text, width in zip(line[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
    lines += [
        "",
        f"reminded agencies: {summary.agencies}",
        f"submitted within 24 h of the latest reminder: {summary.within_24h} "
        f"({_percent(summary.within_24h_share)})",
        f"submitted within 48 h of the latest reminder: {summary.within_48h} "
        f"({_percent(summary.within_48h_share)})",
        "median h from first reminder to submission: "
        f"{_hours(summary.median_hours_from_first) or NO_DATA}",
    ]
    return "\n".join(lines) + "\n"


def write_reminder_csv(
    rows: list[ReminderEffect], summary: ReminderSummary, stream: TextIO
) -> None:
    """Write a row per reminded agency and a TOTAL row, as `metrics --reminders --csv`.

    An agency row's within columns are 1 or 0. The TOTAL row has the number
    of reminded agencies in `reminders`, the median hours from the first
    reminder in `hours_from_first_reminder`, and the shares as fractions.
    """
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(REMINDER_CSV_COLUMNS)
    for row in rows:
        writer.writerow([
            row.agency,
            row.reminders,
            _hours(row.hours_from_latest),
            _hours(row.hours_from_first),
            int(row.within(24)),
            int(row.within(48)),
        ])
    writer.writerow([
        TOTAL,
        summary.agencies,
        "",
        _hours(summary.median_hours_from_first),
        _fraction(summary.within_24h_share),
        _fraction(summary.within_48h_share),
    ])


# --- Accuracy beside timeliness, per agency ---------------------------------------
#
# `flask metrics --period` prints one row per agency that is expected for the
# period or has a report for it: the accuracy counts above, then the
# timeliness figures of `bot.timeliness.period_timeliness`. An agency row
# counts one expected report, so its on-time share is 1 or 0; the TOTAL row
# has the shares over all expected agencies.

TIMELINESS_CSV_COLUMNS = (
    "state",
    "expected",
    "submitted",
    "on_time",
    "late",
    "missing",
    "open",
    "on_time_share",
    "required_values",
    "required_present",
    "completeness",
    "median_days_late",
)
TIMELINESS_TABLE_HEADERS = ("state", "on time %", "complete %", "days late")


@dataclass
class AgencyFigures:
    """The accuracy and timeliness of one agency for a period, or their totals.

    `timeliness` is None for an agency that has a report but reports no
    indicator for the period any more.
    """

    agency: str
    accuracy: Accuracy
    timeliness: Timeliness | None


def agency_figures(
    accuracy: list[Accuracy], timeliness: list[Timeliness], order: list[str]
) -> list[AgencyFigures]:
    """Pair the rows of `period_accuracy` and `period_timeliness` by agency code.

    Agencies follow `order`, a list of agency codes, and the TOTAL row comes
    last. An agency in only one of the lists gets an empty accuracy row or no
    timeliness.
    """
    accuracy_by_code = {row.agency: row for row in accuracy}
    timeliness_by_code = {row.code: row for row in timeliness}
    rows = [
        AgencyFigures(
            agency=code,
            accuracy=accuracy_by_code.get(code) or Accuracy(agency=code),
            timeliness=timeliness_by_code.get(code),
        )
        for code in order
        if code != TOTAL and (code in accuracy_by_code or code in timeliness_by_code)
    ]
    rows.append(AgencyFigures(
        agency=TOTAL,
        accuracy=accuracy_by_code.get(TOTAL) or Accuracy(agency=TOTAL),
        timeliness=timeliness_by_code.get(TOTAL),
    ))
    return rows


def format_agency_table(rows: list[AgencyFigures]) -> str:
    """Lay out the accuracy columns, then the timeliness columns, per agency."""
    cells = [TABLE_HEADERS + TIMELINESS_TABLE_HEADERS]
    for row in rows:
        cells.append(_accuracy_cells(row.accuracy) + _timeliness_cells(row))
    return _layout(cells)


def _accuracy_cells(row: Accuracy) -> tuple[str, ...]:
    return (
        row.agency,
        str(row.values),
        str(row.flagged),
        _percent(row.flagged_share),
        _percent(row.corrected_share),
        _percent(row.confirmed_share),
        _hours(row.median_hours) or NO_DATA,
    )


def _timeliness_cells(row: AgencyFigures) -> tuple[str, ...]:
    timeliness = row.timeliness
    if timeliness is None:
        state = NOT_EXPECTED if row.agency != TOTAL else NO_DATA
        return (state, NO_DATA, NO_DATA, NO_DATA)
    return (
        str(timeliness.state) if timeliness.state else NO_DATA,
        _percent(timeliness.on_time_rate),
        _percent(timeliness.completeness),
        _days(timeliness.median_days_late) or NO_DATA,
    )


def write_agency_csv(rows: list[AgencyFigures], stream: TextIO) -> None:
    """Write `CSV_COLUMNS` then `TIMELINESS_CSV_COLUMNS`, shares as fractions.

    The timeliness columns are empty for an agency that is not expected.
    """
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + TIMELINESS_CSV_COLUMNS)
    for row in rows:
        writer.writerow(_accuracy_csv(row.accuracy) + _timeliness_csv(row))


def _accuracy_csv(row: Accuracy) -> list:
    return [
        row.agency,
        row.values,
        row.flagged,
        _fraction(row.flagged_share),
        row.corrected_before_deadline,
        _fraction(row.corrected_share),
        row.confirmed,
        _fraction(row.confirmed_share),
        _hours(row.median_hours),
    ]


def _timeliness_csv(row: AgencyFigures) -> list:
    timeliness = row.timeliness
    if timeliness is None:
        state = NOT_EXPECTED if row.agency != TOTAL else ""
        return [state] + [""] * (len(TIMELINESS_CSV_COLUMNS) - 1)
    return [
        str(timeliness.state) if timeliness.state else "",
        *_timeliness_counts(timeliness),
    ]


def _timeliness_counts(row: Timeliness) -> list:
    """Return the timeliness CSV cells after `state`, as both CSVs have them."""
    return [
        row.expected,
        row.submitted,
        row.on_time,
        row.late,
        row.missing,
        row.open,
        _fraction(row.on_time_rate),
        row.required_expected,
        row.required_present,
        _fraction(row.completeness),
        _days(row.median_days_late),
    ]


# --- Timeliness per indicator -----------------------------------------------------

INDICATOR_CSV_COLUMNS = ("indicator",) + TIMELINESS_CSV_COLUMNS[1:]
INDICATOR_TABLE_HEADERS = (
    "indicator",
    "expected",
    "submitted",
    "on time",
    "late",
    "missing",
    "open",
    "on time %",
    "complete %",
    "median days late",
)


def format_indicator_table(rows: list[Timeliness]) -> str:
    """Lay out the rows of `bot.timeliness.indicator_timeliness`."""
    cells = [INDICATOR_TABLE_HEADERS]
    for row in rows:
        cells.append((
            row.code,
            str(row.expected),
            str(row.submitted),
            str(row.on_time),
            str(row.late),
            str(row.missing),
            str(row.open),
            _percent(row.on_time_rate),
            _percent(row.completeness),
            _days(row.median_days_late) or NO_DATA,
        ))
    return _layout(cells)


def write_indicator_csv(rows: list[Timeliness], stream: TextIO) -> None:
    """Write the indicator rows as CSV, shares as fractions."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(INDICATOR_CSV_COLUMNS)
    for row in rows:
        writer.writerow([row.code, *_timeliness_counts(row)])


# --- Trend over a range of periods ------------------------------------------------

TREND_CSV_COLUMNS = (
    "period",
    "label",
    "periodicity",
    "expected",
    "on_time_share",
    "completeness",
    "median_days_late",
    "flagged_share",
    "corrected_before_deadline_share",
    "reminded_within_24h_share",
)
TREND_TABLE_HEADERS = (
    "period",
    "expected",
    "on time %",
    "complete %",
    "median days late",
    "flagged %",
    "corrected by deadline %",
    "reminded, submitted within 24 h %",
)


def format_trend_table(points: list[TrendPoint]) -> str:
    """Lay out one row per period of `bot.timeliness.trend`."""
    cells = [TREND_TABLE_HEADERS]
    for point in points:
        cells.append((
            point.code if point.due else f"{point.code} {ONGOING_MARK}",
            str(point.expected),
            _percent(point.on_time_rate),
            _percent(point.completeness),
            _days(point.median_days_late) or NO_DATA,
            _percent(point.flagged_share),
            _percent(point.corrected_by_deadline_share),
            _percent(point.reminded_within_24h_share),
        ))
    return _layout(cells)


def write_trend_csv(points: list[TrendPoint], stream: TextIO) -> None:
    """Write one row per period as CSV, shares as fractions."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(TREND_CSV_COLUMNS)
    for point in points:
        writer.writerow([
            point.code,
            point.label,
            point.periodicity,
            point.expected,
            _fraction(point.on_time_rate),
            _fraction(point.completeness),
            _days(point.median_days_late),
            _fraction(point.flagged_share),
            _fraction(point.corrected_by_deadline_share),
            _fraction(point.reminded_within_24h_share),
        ])


def _layout(cells: list[tuple[str, ...]]) -> str:
    """Lay out rows of text in fixed-width columns, the first one left-aligned."""
    widths = [
        max(len(line[column]) for line in cells) for column in range(len(cells[0]))
    ]
    lines = []
    for line in cells:
        parts = [line[0].ljust(widths[0])]
        parts += [text.rjust(width) for text, width in zip(line[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def _days(days: float | None) -> str:
    return "" if days is None else f"{days:.1f}"

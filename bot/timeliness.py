"""Timeliness and completeness of reporting, per period, agency and indicator.

Definitions, for one period:

- expected: the agencies that report at least one indicator for the period
  (`bot.periods.expected_agencies`).
- submitted: the expected agencies whose report is not a draft. A draft
  counts as not submitted, also when it was submitted once and set back to
  draft later, as it does for reminders and `lapor`.
- on time, late: a submitted report is on time when its first submission
  fell on or before the deadline day in the regency's time zone
  (`Report.on_time`, fixed by the first submission). A resubmission after
  the deadline does not make an on-time report late.
- missing: expected, not submitted, and the deadline day has passed.
- open: expected, not submitted, and the deadline day has not passed yet:
  not late yet. Open agencies count in `expected`, so the on-time rate of a
  period whose deadline is still ahead grows as reports come in.
- on-time rate: on time / expected.
- completeness: required values present / required values expected. The
  required values expected are, per expected agency, its applicable
  indicators that are required and not computed. A value is present when the
  agency's report is submitted and contains a number (zero included), a text,
  or an explicit "tidak ada" answer. An absent or skipped value, and every
  value of a draft or missing report, is missing.
- median days late: over the late submissions, the calendar days in the
  regency's time zone from the deadline day to the day of the first
  submission (one minute after local midnight that ends the deadline day is
  1 day late). None when nothing was submitted late.

Every share is None when its denominator is zero, such as a period no
agency reports for. docs/metrics.md lists the edge cases.

NOTE: agencies have no creation date, so an agency added in the middle of a
range is expected, and missing, in the earlier periods too.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from bot.i18n import period_label
from bot.metrics import period_accuracy, reminder_effect
from bot.periods import PERIODICITY_ORDER, is_on_time, local_date
from models import Agency, Indicator, Period, Report, ReportStatus, ReportValue

# The time zone of a deployment that does not set EMONEV_TIMEZONE.
DEFAULT_TZ = ZoneInfo("Asia/Jakarta")


class CellState(StrEnum):
    """The state of one agency's report for one period, as the dashboard shows it.

    A submitted report takes the first that applies: verified, then needs
    correction, then late or on time by `Report.on_time`.
    """

    ON_TIME = "on_time"
    LATE = "late"
    # The deadline day has passed and nothing was submitted.
    MISSING = "missing"
    NEEDS_CORRECTION = "needs_correction"
    VERIFIED = "verified"
    # The deadline day has not passed and nothing was submitted: not late yet.
    OPEN = "open"
    # The agency reports no indicator for that period.
    NOT_EXPECTED = "not_expected"


# Added to the label of a trend point whose deadline day has not passed.
ONGOING_LABEL = "berjalan"

# Values of `Timeliness.scope`, and the code of a total row.
AGENCY = "agency"
INDICATOR = "indicator"
TOTAL = "total"
TOTAL_CODE = "TOTAL"


@dataclass
class Timeliness:
    """The timeliness counts of one agency, one indicator, or a whole period.

    `code` and `name` are the agency's or indicator's; a total row has the
    code `TOTAL`. The rates and the median are properties computed from the
    counts.
    """

    scope: str
    code: str
    name: str
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    open: int = 0
    verified: int = 0
    needs_correction: int = 0
    required_expected: int = 0
    required_present: int = 0
    # Calendar days late, one item per late submission.
    days_late: list[int] = field(default_factory=list)
    # The cell state of an agency row; None for indicator and total rows.
    state: CellState | None = None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    @property
    def completeness(self) -> float | None:
        if not self.required_expected:
            return None
        return self.required_present / self.required_expected

    @property
    def median_days_late(self) -> float | None:
        return statistics.median(self.days_late) if self.days_late else None

    def add(self, other: Timeliness) -> None:
        """Add another row's counts to this one, as a total row does."""
        self.expected += other.expected
        self.submitted += other.submitted
        self.on_time += other.on_time
        self.late += other.late
        self.missing += other.missing
        self.open += other.open
        self.verified += other.verified
        self.needs_correction += other.needs_correction
        self.required_expected += other.required_expected
        self.required_present += other.required_present
        self.days_late.extend(other.days_late)


@dataclass
class TrendPoint:
    """The regency-wide figures of one period, for the trend table and chart.

    `flagged_share` and `corrected_by_deadline_share` are the TOTAL row of
    `bot.metrics.period_accuracy`; `reminded_within_24h_share` is the
    `within_24h_share` of `bot.metrics.reminder_effect`.
    """

    code: str
    label: str
    periodicity: str
    expected: int
    on_time_rate: float | None
    completeness: float | None
    median_days_late: float | None
    flagged_share: float | None
    corrected_by_deadline_share: float | None
    reminded_within_24h_share: float | None
    # False while the deadline day has not passed: reports still come in,
    # so the on-time rate and completeness are not final.
    due: bool = True


def periods_between(
    session: Session,
    from_code: str,
    to_code: str,
    periodicity: str | None = None,
) -> list[Period]:
    """List the periods from `from_code` to `to_code` inclusive, in deadline order.

    Periods of every periodicity are listed unless `periodicity` names one.
    Periods that share a deadline follow the order monthly, quarterly,
    annual, so a range that starts or ends at one of them includes exactly
    the periods that sort between the two codes. Raises ValueError for an
    unknown code, or when `from_code` sorts after `to_code`.
    """
    ordered = sorted(session.exec(select(Period)).all(), key=deadline_order)
    codes = [period.code for period in ordered]
    for code in (from_code, to_code):
        if code not in codes:
            raise ValueError(
                f"The period {code!r} was not found; use a code of periods.csv "
                "such as 2026-03 or 2026-TW1."
            )
    first, last = codes.index(from_code), codes.index(to_code)
    if first > last:
        start, end = ordered[first], ordered[last]
        raise ValueError(
            f"The range is reversed: {start.code} (deadline {start.deadline}) comes "
            f"after {end.code} (deadline {end.deadline}); swap the two codes."
        )
    selected = ordered[first : last + 1]
    if periodicity is not None:
        selected = [period for period in selected if period.periodicity == periodicity]
    return selected


def deadline_order(period: Period) -> tuple:
    """Sort key of periods: deadline, then monthly before quarterly before annual."""
    rank = PERIODICITY_ORDER.get(period.periodicity, len(PERIODICITY_ORDER))
    return (period.deadline, rank, period.start, period.code)


def compliance_matrix(
    session: Session, periods: list[Period], today: date, tz: ZoneInfo = DEFAULT_TZ
) -> dict[tuple[int, int], CellState]:
    """Map (agency id, period id) to the cell state, for every agency and period.

    An agency that reports no indicator for a period gets NOT_EXPECTED. The
    deadline has passed when `today`, a local date, is after the deadline
    day. `tz` is as for `cell_state`. Runs three queries (agencies,
    indicators, reports), whatever the number of agencies and periods.
    """
    snapshot = _Snapshot.load(session, periods, with_values=False)
    matrix = {}
    for period in periods:
        for agency in snapshot.agencies:
            if not snapshot.indicators(agency, period):
                matrix[agency.id, period.id] = CellState.NOT_EXPECTED
                continue
            report = snapshot.reports.get((agency.id, period.id))
            matrix[agency.id, period.id] = cell_state(report, period, today, tz)
    return matrix


def cell_state(
    report: _ReportRow | Report | None,
    period: Period,
    today: date,
    tz: ZoneInfo = DEFAULT_TZ,
) -> CellState:
    """Return the state of an expected agency's report, or of its absence.

    `tz` only matters for a submitted report without `Report.on_time`,
    which `bot.reports.submit` always sets.
    """
    if report is None or report.status == ReportStatus.DRAFT:
        return CellState.MISSING if today > period.deadline else CellState.OPEN
    if report.status == ReportStatus.VERIFIED:
        return CellState.VERIFIED
    if report.status == ReportStatus.NEEDS_CORRECTION:
        return CellState.NEEDS_CORRECTION
    return CellState.ON_TIME if _is_on_time(report, period, tz) else CellState.LATE


def period_timeliness(
    session: Session, period: Period, tz: ZoneInfo, today: date
) -> list[Timeliness]:
    """Compute a row per expected agency, in agency id order, then the total row.

    An agency row counts one expected report, and its `state` is its cell
    state. The total row adds up the counts and takes the median days late
    over every late submission. Runs a fixed number of queries, whatever the
    number of agencies.
    """
    snapshot = _Snapshot.load(session, [period], with_values=True)
    return snapshot.agency_rows(period, tz, today)


def indicator_timeliness(
    session: Session, period: Period, tz: ZoneInfo, today: date
) -> list[Timeliness]:
    """Compute a row per indicator of the period, in question order.

    An indicator's row counts the expected agencies that report it: their
    reports by state, and the indicator's values. Only indicators that apply
    to at least one agency have a row. Completeness is None for an optional
    or computed indicator, as neither has required values.
    """
    snapshot = _Snapshot.load(session, [period], with_values=True)
    rows: dict[int, Timeliness] = {}
    for indicator in snapshot.indicators_by_periodicity[period.periodicity]:
        rows[indicator.id] = Timeliness(
            scope=INDICATOR, code=indicator.code, name=indicator.name
        )
    for agency in snapshot.agencies:
        indicators = snapshot.indicators(agency, period)
        if not indicators:
            continue
        report = snapshot.reports.get((agency.id, period.id))
        state = cell_state(report, period, today, tz)
        for indicator in indicators:
            row = rows[indicator.id]
            _count_report(row, report, state, period, tz)
            if _is_required(indicator):
                row.required_expected += 1
                row.required_present += snapshot.is_present(report, indicator)
    return [row for row in rows.values() if row.expected]


def trend(
    session: Session, periods: list[Period], tz: ZoneInfo, today: date
) -> list[TrendPoint]:
    """Compute one point per period, in the order given.

    The timeliness figures are the total row of `period_timeliness`, the
    flag figures the TOTAL row of `period_accuracy`, and the 24-hour share
    the summary of `reminder_effect`. Runs a fixed number of queries for the
    timeliness of all periods plus five per period for the flags and
    reminders, whatever the number of agencies.
    """
    snapshot = _Snapshot.load(session, periods, with_values=True)
    points = []
    for period in periods:
        total = snapshot.agency_rows(period, tz, today)[-1]
        accuracy = period_accuracy(session, period, tz)[-1]
        _, reminders = reminder_effect(session, period)
        due = today > period.deadline
        label = period_label(period, "id")
        points.append(TrendPoint(
            code=period.code,
            label=label if due else f"{label} ({ONGOING_LABEL})",
            periodicity=period.periodicity,
            expected=total.expected,
            on_time_rate=total.on_time_rate,
            completeness=total.completeness,
            median_days_late=total.median_days_late,
            flagged_share=accuracy.flagged_share,
            corrected_by_deadline_share=accuracy.corrected_share,
            reminded_within_24h_share=reminders.within_24h_share,
            due=due,
        ))
    return points


# --- Loading and counting ----------------------------------------------------------


@dataclass(frozen=True)
class _ReportRow:
    """The columns of a report that timeliness reads."""

    id: int
    status: str
    on_time: bool | None
    first_submitted_at: datetime | None
    submitted_at: datetime | None
    updated_at: datetime


@dataclass
class _Snapshot:
    """The agencies, indicators, reports and present values of some periods."""

    agencies: list[Agency]
    # Indicators per periodicity, in question order.
    indicators_by_periodicity: dict[str, list[Indicator]]
    reports: dict[tuple[int, int], _ReportRow]
    # (report id, indicator id) of the present values of submitted reports.
    present: set[tuple[int, int]]
    # Every token of the indicators' `applies_to`, agency codes among them.
    named: set[str] = field(default_factory=set)
    applicable: dict[tuple, list[Indicator]] = field(default_factory=dict)
    required: dict[tuple, list[int]] = field(default_factory=dict)

    @classmethod
    def load(
        cls, session: Session, periods: list[Period], with_values: bool
    ) -> _Snapshot:
        """Read everything in four queries, three without the values."""
        period_ids = [period.id for period in periods]
        periodicities = sorted({period.periodicity for period in periods})
        agencies = list(session.exec(select(Agency).order_by(Agency.id)).all())
        indicators_by_periodicity: dict[str, list[Indicator]] = {
            periodicity: [] for periodicity in periodicities
        }
        named = set()
        for indicator in session.exec(
            select(Indicator)
            .where(Indicator.periodicity.in_(periodicities))
            .order_by(Indicator.position, Indicator.id)
        ).all():
            indicators_by_periodicity[indicator.periodicity].append(indicator)
            named.update(token.strip() for token in indicator.applies_to.split(";"))
        reports = {}
        for agency_id, period_id, *columns in session.exec(
            select(
                Report.agency_id, Report.period_id, Report.id, Report.status,
                Report.on_time, Report.first_submitted_at, Report.submitted_at,
                Report.updated_at,
            ).where(Report.period_id.in_(period_ids))
        ).all():
            reports[agency_id, period_id] = _ReportRow(*columns)
        present = set()
        if with_values:
            # Plain tuples: looking up SQLAlchemy rows in a set is far slower.
            present = {
                (report_id, indicator_id)
                for report_id, indicator_id in session.exec(
                    _present_values_query(period_ids)
                ).all()
            }
        return cls(agencies, indicators_by_periodicity, reports, present, named)

    def indicators(self, agency: Agency, period: Period) -> list[Indicator]:
        """List the agency's indicators for the period, as `applicable_indicators`."""
        key = self._applicability_key(agency, period)
        if key not in self.applicable:
            self.applicable[key] = [
                indicator
                for indicator in self.indicators_by_periodicity[period.periodicity]
                if indicator.applies(agency)
            ]
        return self.applicable[key]

    def required_ids(self, agency: Agency, period: Period) -> list[int]:
        """List the ids of the agency's required, not computed indicators."""
        key = self._applicability_key(agency, period)
        if key not in self.required:
            self.required[key] = [
                indicator.id
                for indicator in self.indicators(agency, period)
                if _is_required(indicator)
            ]
        return self.required[key]

    def _applicability_key(self, agency: Agency, period: Period) -> tuple:
        # `Indicator.applies` reads only the agency's code and kind, and the
        # code only matters when some `applies_to` names it. Agencies of one
        # kind that no indicator names share their indicators, which saves
        # most of the calls in a regency of thousands of agencies.
        code = agency.code if agency.code in self.named else None
        return (period.periodicity, agency.kind, code)

    def is_present(self, report: _ReportRow | None, indicator: Indicator) -> bool:
        return report is not None and (report.id, indicator.id) in self.present

    def agency_rows(
        self, period: Period, tz: ZoneInfo, today: date
    ) -> list[Timeliness]:
        rows = []
        total = Timeliness(scope=TOTAL, code=TOTAL_CODE, name="")
        for agency in self.agencies:
            if not self.indicators(agency, period):
                continue
            report = self.reports.get((agency.id, period.id))
            state = cell_state(report, period, today, tz)
            row = Timeliness(
                scope=AGENCY, code=agency.code, name=agency.name, state=state
            )
            _count_report(row, report, state, period, tz)
            required = self.required_ids(agency, period)
            row.required_expected = len(required)
            if report is not None:
                row.required_present = sum(
                    (report.id, indicator_id) in self.present
                    for indicator_id in required
                )
            total.add(row)
            rows.append(row)
        return [*rows, total]


def _present_values_query(period_ids: list[int]):
    """Select (report id, indicator id) of the present values of submitted reports."""
    return (
        select(ReportValue.report_id, ReportValue.indicator_id)
        .join(Report, Report.id == ReportValue.report_id)
        .where(
            Report.period_id.in_(period_ids),
            Report.status != ReportStatus.DRAFT,
            or_(
                ReportValue.number.is_not(None),
                ReportValue.is_none.is_(True),
                and_(ReportValue.text.is_not(None), ReportValue.text != ""),
            ),
        )
    )


def _is_required(indicator: Indicator) -> bool:
    return indicator.required and not indicator.computed


def _count_report(
    row: Timeliness,
    report: _ReportRow | None,
    state: CellState,
    period: Period,
    tz: ZoneInfo,
) -> None:
    row.expected += 1
    if state == CellState.MISSING:
        row.missing += 1
        return
    if state == CellState.OPEN:
        row.open += 1
        return
    row.submitted += 1
    if state == CellState.VERIFIED:
        row.verified += 1
    elif state == CellState.NEEDS_CORRECTION:
        row.needs_correction += 1
    if _is_on_time(report, period, tz):
        row.on_time += 1
    else:
        row.late += 1
        row.days_late.append(_days_late(report, period, tz))


def _first_submission(report: _ReportRow | Report) -> datetime:
    # Reports stored by `bot.reports.submit` always have `first_submitted_at`.
    return report.first_submitted_at or report.submitted_at or report.updated_at


def _is_on_time(report: _ReportRow | Report, period: Period, tz: ZoneInfo) -> bool:
    if report.on_time is not None:
        return report.on_time
    return is_on_time(_first_submission(report), period, tz)


def _days_late(report: _ReportRow | Report, period: Period, tz: ZoneInfo) -> int:
    """Count calendar days from the deadline day to the first submission, locally.

    A report recorded late whose first submission falls on or before the
    current deadline day, because a re-import moved the deadline later,
    counts 0 days.
    """
    days = (local_date(_first_submission(report), tz) - period.deadline).days
    return max(days, 0)

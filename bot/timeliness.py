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
  agency's report is submitted and holds a number (zero included), a text,
  or an explicit "tidak ada" answer. An absent or skipped value, and every
  value of a draft or missing report, is missing.
- median days late: over the late submissions, the calendar days in the
  regency's time zone from the deadline day to the day of the first
  submission (one minute after local midnight that ends the deadline day is
  1 day late). None when nothing was submitted late.

Every share is None when its denominator is zero, such as a period no
agency reports for.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session

from models import Period


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


# Values of `Timeliness.scope`.
AGENCY = "agency"
INDICATOR = "indicator"
TOTAL = "total"


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


def periods_between(session: Session, from_code: str, to_code: str) -> list[Period]:
    """List the periods from `from_code` to `to_code` inclusive, in deadline order.

    Raises ValueError for an unknown code or when `from_code` comes after
    `to_code`.
    """
    raise NotImplementedError


def compliance_matrix(
    session: Session, periods: list[Period], today: date
) -> dict[tuple[int, int], CellState]:
    """Map (agency id, period id) to the cell state, for every agency and period."""
    raise NotImplementedError


def period_timeliness(
    session: Session, period: Period, tz: ZoneInfo, today: date
) -> list[Timeliness]:
    """Compute a row per expected agency, in agency id order, then the total row."""
    raise NotImplementedError


def indicator_timeliness(
    session: Session, period: Period, tz: ZoneInfo, today: date
) -> list[Timeliness]:
    """Compute a row per indicator of the period, in question order."""
    raise NotImplementedError


def trend(
    session: Session, periods: list[Period], tz: ZoneInfo, today: date
) -> list[TrendPoint]:
    """Compute one point per period, in the order given."""
    raise NotImplementedError

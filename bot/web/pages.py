"""View data of the dashboard pages, read from the database for the templates.

The figures come from `bot.timeliness` and `bot.history`. This module picks
the periods, arranges the rows and formats values as the Indonesian pages
show them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.history import HistoryEntry, history_entries
from bot.i18n import period_label, plain_text
from bot.phones import mask
from bot.timeliness import CellState, compliance_matrix, deadline_order, periods_between
from flows.answers import display_number
from models import (
    Agency,
    FlagSource,
    FlagStatus,
    Indicator,
    Official,
    Period,
    Periodicity,
    Report,
    ReportStatus,
    Resolution,
    Role,
    ValueFlag,
)

# Periods whose deadline passed shown by default, before the current ones.
DEFAULT_PASSED_PERIODS = 6
# A wider range is rejected with a message, because no phone can show the table.
MAX_PERIODS = 24
ALL_PERIODICITIES = "all"
PERIODICITY_LABELS = {
    Periodicity.MONTHLY: "Bulanan",
    Periodicity.QUARTERLY: "Triwulanan",
    Periodicity.ANNUAL: "Tahunan",
    ALL_PERIODICITIES: "Semua",
}


@dataclass(frozen=True)
class StateStyle:
    """The display of a cell state: a symbol, a label and a CSS class.

    The symbol and label carry the meaning, so the colour of the class is
    never the only signal.
    """

    symbol: str
    label: str
    css: str


STATE_STYLES = {
    CellState.ON_TIME: StateStyle("✓", "Tepat waktu", "on-time"),
    CellState.LATE: StateStyle("T", "Terlambat", "late"),
    CellState.MISSING: StateStyle("✗", "Belum lapor, lewat batas", "missing"),
    CellState.NEEDS_CORRECTION: StateStyle("!", "Perlu perbaikan", "needs-correction"),
    CellState.VERIFIED: StateStyle("V", "Terverifikasi", "verified"),
    CellState.OPEN: StateStyle("○", "Belum lapor, belum lewat batas", "open"),
    CellState.NOT_EXPECTED: StateStyle("–", "Tidak wajib lapor", "not-expected"),
}
REPORT_STATUS_LABELS = {
    ReportStatus.DRAFT: "Draf",
    ReportStatus.SUBMITTED: "Terkirim",
    ReportStatus.NEEDS_CORRECTION: "Perlu perbaikan",
    ReportStatus.CORRECTED: "Sudah diperbaiki",
    ReportStatus.VERIFIED: "Terverifikasi",
}
FLAG_STATUS_LABELS = {
    FlagStatus.OPEN: "Menunggu jawaban OPD",
    FlagStatus.ANSWERED: "Menunggu keputusan pengawas",
    FlagStatus.CLOSED: "Selesai",
}
RESOLUTION_LABELS = {
    Resolution.CORRECTED: "Diperbaiki",
    Resolution.CONFIRMED: "Dipertahankan dengan alasan",
}
FLAG_SOURCE_LABELS = {"rule": "Aturan", "supervisor": "Pengawas"}
ROLE_LABELS = {
    Role.OPERATOR: "operator",
    Role.SUPERVISOR: "pengawas",
    Role.ADMIN: "admin",
}
HISTORY_KIND_LABELS = {
    "changed": "Nilai diubah",
    "submitted": "Dikirim",
    "flagged": "Ditandai",
    "corrected": "Diperbaiki",
    "confirmed": "Dipertahankan",
    "approved": "Disetujui",
    "rejected": "Ditolak",
    "verified": "Diverifikasi",
    "unlocked": "Dibuka kembali",
}
_PERIOD_CODE = re.compile(r"[0-9A-Za-z-]{1,20}")


class RangeError(ValueError):
    """A period range in the query string that cannot be shown."""


@dataclass
class PeriodRange:
    """The periods a page shows, and the choices its range form offers."""

    periods: list[Period]
    periodicity: str
    from_code: str
    to_code: str
    choices: list[Period]

    @property
    def query(self) -> dict[str, str]:
        """Return the query string arguments that choose this range again."""
        return {
            "from": self.from_code,
            "to": self.to_code,
            "periodicity": self.periodicity,
        }


def choose_periods(
    session: Session,
    today: date,
    from_code: str | None,
    to_code: str | None,
    periodicity: str | None,
) -> PeriodRange:
    """Pick the periods from the query string, or the default range.

    The default is the last DEFAULT_PASSED_PERIODS periods whose deadline
    passed, then the current one: the first period that has started and
    whose deadline has not passed. Raises RangeError with a message for the
    page when a code is unknown, the range is reversed or too wide.
    """
    periodicity = periodicity or Periodicity.MONTHLY
    if periodicity not in PERIODICITY_LABELS:
        raise RangeError("Jenis periode tidak dikenal.")
    wanted = None if periodicity == ALL_PERIODICITIES else periodicity
    everything = sorted(session.exec(select(Period)).all(), key=deadline_order)
    choices = [p for p in everything if wanted is None or p.periodicity == wanted]
    if from_code or to_code:
        periods = _explicit_range(session, choices, from_code, to_code, wanted)
    else:
        periods = default_periods(choices, today)
    if len(periods) > MAX_PERIODS:
        raise RangeError(
            f"Rentang berisi {len(periods)} periode; pilih paling banyak {MAX_PERIODS}."
        )
    return PeriodRange(
        periods=periods,
        periodicity=periodicity,
        from_code=periods[0].code if periods else "",
        to_code=periods[-1].code if periods else "",
        choices=choices,
    )


def _explicit_range(
    session: Session,
    choices: list[Period],
    from_code: str | None,
    to_code: str | None,
    periodicity: str | None,
) -> list[Period]:
    from_code = from_code or (choices[0].code if choices else "")
    to_code = to_code or (choices[-1].code if choices else "")
    for code in (from_code, to_code):
        if not _PERIOD_CODE.fullmatch(code):
            raise RangeError("Kode periode tidak dikenal.")
    try:
        return periods_between(session, from_code, to_code, periodicity)
    except ValueError as exc:
        if "reversed" in str(exc):
            raise RangeError("Periode awal harus sebelum periode akhir.") from exc
        raise RangeError("Kode periode tidak dikenal.") from exc


def default_periods(choices: list[Period], today: date) -> list[Period]:
    """Return the last periods whose deadline passed, then the current ones.

    Each periodicity in `choices` adds its current period. `choices` are in
    deadline order.
    """
    passed = [period for period in choices if period.deadline < today]
    current = []
    seen = set()
    for period in choices:
        if period.deadline >= today and period.start <= today:
            if period.periodicity not in seen:
                seen.add(period.periodicity)
                current.append(period)
    return passed[-DEFAULT_PASSED_PERIODS:] + current


# --- the compliance matrix --------------------------------------------------------


def agency_order(agency: Agency) -> tuple[str, int]:
    """Sort by the short name the pages show, ignoring case, then by id."""
    return agency.short_name.casefold(), agency.id


@dataclass
class MatrixRow:
    agency: Agency
    cells: list[CellState]


@dataclass
class Matrix:
    """Agencies by periods, with the count of each state per period."""

    periods: list[Period]
    labels: list[str]
    rows: list[MatrixRow]
    # One dict per period, from state to count, with every state present.
    counts: list[dict[CellState, int]] = field(default_factory=list)


def build_matrix(
    session: Session, periods: list[Period], today: date, tz: ZoneInfo
) -> Matrix:
    """Arrange `compliance_matrix` as rows of agencies in `agency_order`.

    Runs the matrix's queries and one for the agencies, whatever their number.
    """
    states = compliance_matrix(session, periods, today, tz)
    agencies = sorted(session.exec(select(Agency)).all(), key=agency_order)
    rows = [
        MatrixRow(agency, [states[agency.id, period.id] for period in periods])
        for agency in agencies
    ]
    counts = []
    for column, _ in enumerate(periods):
        count = {state: 0 for state in CellState}
        for row in rows:
            count[row.cells[column]] += 1
        counts.append(count)
    labels = [period_label(period, "id") for period in periods]
    return Matrix(periods=periods, labels=labels, rows=rows, counts=counts)


# --- the agency page --------------------------------------------------------------


@dataclass
class ReportLine:
    period: Period
    label: str
    state: CellState
    report: Report | None
    status: str
    submitted_at: str
    first_submitted_at: str
    verified_at: str


@dataclass
class FlagLine:
    period_label: str
    indicator: str
    source: str
    text: str
    status: str
    resolution: str
    reason: str
    raised_at: str
    resolved_at: str
    decided_at: str
    open: bool


@dataclass
class HistoryBlock:
    label: str
    lines: list[list[str]]


@dataclass
class AgencyPage:
    agency: Agency
    officials: list[tuple[str, str, str, bool]]
    reports: list[ReportLine]
    flags: list[FlagLine]
    history: list[HistoryBlock]


def build_agency_page(
    session: Session, agency: Agency, periods: list[Period], today: date, tz: ZoneInfo
) -> AgencyPage:
    """Collect the agency's reports, flags and audit trail over `periods`.

    Periods come newest first. Flags that still wait come before closed ones.
    Phone numbers are masked.
    """
    states = compliance_matrix(session, periods, today, tz)
    reports = {
        report.period_id: report
        for report in session.exec(
            select(Report).where(
                Report.agency_id == agency.id,
                Report.period_id.in_([period.id for period in periods]),
            )
        ).all()
    }
    newest_first = list(reversed(periods))
    lines = [
        _report_line(period, states[agency.id, period.id], reports.get(period.id), tz)
        for period in newest_first
    ]
    history = [
        HistoryBlock(
            period_label(period, "id"),
            [_history_line(entry, tz) for entry in history_entries(session, report)],
        )
        for period in newest_first
        if (report := reports.get(period.id)) is not None
    ]
    return AgencyPage(
        agency=agency,
        officials=_officials(session, agency),
        reports=lines,
        flags=_flag_lines(session, reports, periods, tz),
        history=[block for block in history if block.lines],
    )


def _report_line(
    period: Period, state: CellState, report: Report | None, tz: ZoneInfo
) -> ReportLine:
    if report is None:
        label = period_label(period, "id")
        return ReportLine(period, label, state, None, "", "", "", "")
    return ReportLine(
        period=period,
        label=period_label(period, "id"),
        state=state,
        report=report,
        status=REPORT_STATUS_LABELS.get(report.status, report.status),
        submitted_at=local_time(report.submitted_at, tz),
        first_submitted_at=local_time(report.first_submitted_at, tz),
        verified_at=local_time(report.verified_at, tz),
    )


def _officials(session: Session, agency: Agency) -> list[tuple[str, str, str, bool]]:
    """List (name, role, masked phone, active) of the agency's officials."""
    officials = session.exec(
        select(Official).where(Official.agency_id == agency.id).order_by(Official.name)
    ).all()
    return [
        (official.name, ROLE_LABELS.get(official.role, official.role),
         mask(official.phone), official.active)
        for official in officials
    ]


def _flag_lines(
    session: Session, reports: dict[int, Report], periods: list[Period], tz: ZoneInfo
) -> list[FlagLine]:
    if not reports:
        return []
    by_report = {report.id: period_id for period_id, report in reports.items()}
    labels = {period.id: period_label(period, "id") for period in periods}
    found = session.exec(
        select(ValueFlag, Indicator)
        .join(Indicator, Indicator.id == ValueFlag.indicator_id)
        .where(ValueFlag.report_id.in_(list(by_report)))
        .order_by(ValueFlag.raised_at.desc(), ValueFlag.id.desc())
    ).all()
    lines = []
    for flag, indicator in found:
        if flag.source == FlagSource.SUPERVISOR:
            text = plain_text(flag.note or flag.message)
        else:
            text = plain_text(flag.message)
        lines.append(FlagLine(
            period_label=labels[by_report[flag.report_id]],
            indicator=indicator.name,
            source=FLAG_SOURCE_LABELS.get(flag.source, flag.source),
            text=text or flag.rule_code or "",
            status=FLAG_STATUS_LABELS.get(flag.status, flag.status),
            resolution=RESOLUTION_LABELS.get(flag.resolution, flag.resolution or ""),
            reason=flag.reason or "",
            raised_at=local_time(flag.raised_at, tz),
            resolved_at=local_time(flag.resolved_at, tz),
            decided_at=local_time(flag.decided_at, tz),
            open=flag.status != FlagStatus.CLOSED,
        ))
    # Stable: within each group the newest flag stays first.
    lines.sort(key=lambda line: not line.open)
    return lines


# --- formatting -------------------------------------------------------------------

# Times on the pages, Indonesian style without seconds: `2026-04-06 09.18`.
PAGE_TIME_FORMAT = "%Y-%m-%d %H.%M"
CHANNEL_LABELS = {"whatsapp": "WhatsApp", "computed": "dihitung", "cli": "baris perintah"}
ACTOR_LABELS = {"system": "sistem", "cli": "baris perintah"}


def _history_line(entry: HistoryEntry, tz: ZoneInfo) -> list[str]:
    """Write one audit entry as the page shows it: names, Indonesian numbers, labels.

    The command line shows `18250000000` and `(none)`; the page shows
    `Rp18.250.000.000` and `–`.
    """
    indicator = entry.indicator
    return [
        local_time(entry.at, tz),
        indicator.name if indicator else "",
        _history_value(entry.old_number, entry.old_text, indicator),
        _history_value(entry.new_number, entry.new_text, indicator),
        ACTOR_LABELS.get(entry.actor, entry.actor),
        CHANNEL_LABELS.get(entry.channel, entry.channel),
        entry.note,
        entry.kind,
    ]


def _history_value(
    number: Decimal | None, text: str | None, indicator: Indicator | None
) -> str:
    # Only value changes carry numbers, and each names its indicator.
    if number is not None and indicator is not None:
        return display_number(indicator, number)
    return text or ""


def local_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """Write an aware time as `2026-04-06 09.18` in the regency's time zone."""
    if moment is None:
        return ""
    return moment.astimezone(tz).strftime(PAGE_TIME_FORMAT)


def percent(share: float | None) -> str:
    """Write a share as Indonesian percent, `87,5%`, or `–` when there is no figure."""
    if share is None:
        return "–"
    return f"{100 * share:.1f}".replace(".", ",") + "%"


def days(value: float | None) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} hari"

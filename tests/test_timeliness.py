"""Timeliness, completeness, the compliance matrix and the trend, on both back ends.

A small regency of five agencies is written as rows, with six periods of
reports submitted through `bot.reports.submit` at known local times. Every
figure is checked against arithmetic written out below.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from bot import reports
from bot.db import get_engine
from bot.timeliness import (
    ONGOING_LABEL,
    CellState,
    compliance_matrix,
    indicator_timeliness,
    period_timeliness,
    periods_between,
    trend,
)
from models import (
    Agency,
    Indicator,
    Official,
    Period,
    Reminder,
    Report,
    ReportStatus,
    Role,
    ValueFlag,
)

WIB = ZoneInfo("Asia/Jakarta")
# The local date the figures are judged on: the deadline of 2026-05
# (10 June) has not passed, every earlier one has.
TODAY = date(2026, 6, 5)

AGENCIES = [
    # code, kind
    ("DINKES", "dinas"),
    ("RSUD", "rsud"),
    ("DPUPR", "dinas"),
    ("SETDA", "sekretariat"),
    ("KEC", "kecamatan"),
]
INDICATORS = [
    # code, type, periodicity, applies_to, required, formula
    ("KEU", "currency", "monthly", "ALL", True, ""),
    ("KEU-PCT", "percent", "monthly", "ALL", True, "100 * KEU / budget"),
    ("FIS", "percent", "monthly", "ALL", True, ""),
    ("MASALAH", "text", "monthly", "ALL", False, ""),
    ("BOR", "percent", "monthly", "RSUD", True, ""),
    ("CAPAIAN", "percent", "quarterly", "kind:dinas;RSUD;SETDA", True, ""),
    ("IMUN", "percent", "quarterly", "DINKES", True, ""),
]
PERIODS = [
    # code, periodicity, start, end, deadline
    ("2026-01", "monthly", date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 10)),
    ("2026-02", "monthly", date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 10)),
    ("2026-03", "monthly", date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 10)),
    ("2026-04", "monthly", date(2026, 4, 1), date(2026, 4, 30), date(2026, 5, 10)),
    ("2026-05", "monthly", date(2026, 5, 1), date(2026, 5, 31), date(2026, 6, 10)),
    ("2026-TW1", "quarterly", date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 8)),
    # No annual indicator exists, so no agency is expected.
    ("2026", "annual", date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 8)),
]
# Required values, computed and optional ones left out: KEU and FIS for every
# agency, BOR for RSUD too. Quarterly: CAPAIAN, and IMUN for DINKES; KEC
# reports no quarterly indicator.
MONTHLY_REQUIRED = 2 + 3 + 2 + 2 + 2
QUARTERLY_REQUIRED = 2 + 1 + 1 + 1


def wib(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WIB)


def by_code(session: Session, model, code: str):
    return session.exec(select(model).where(model.code == code)).one()


class History:
    """Writes the regency and its reports as rows, with explicit times."""

    def __init__(self, session: Session):
        self.session = session

    def regency(self) -> None:
        for index, (code, kind) in enumerate(AGENCIES):
            agency = Agency(code=code, name=f"Dinas {code}", short_name=code, kind=kind)
            self.session.add(agency)
            self.session.flush()
            self.session.add(Official(
                name=f"Operator {code}", phone=f"+62812000099{index:02d}",
                role=Role.OPERATOR, agency_id=agency.id,
            ))
        for position, (code, kind, periodicity, applies_to, required, formula) in (
            enumerate(INDICATORS)
        ):
            self.session.add(Indicator(
                code=code, name=f"Indikator {code}", type=kind, periodicity=periodicity,
                applies_to=applies_to, required=required, formula=formula,
                position=position,
            ))
        for code, periodicity, start, end, deadline in PERIODS:
            self.session.add(Period(
                code=code, periodicity=periodicity, start=start, end=end,
                deadline=deadline,
            ))
        self.session.flush()

    def report(
        self,
        agency_code: str,
        period_code: str,
        values: dict[str, object],
        *,
        submitted: list[datetime] = (),
        status: str | None = None,
        drafted: datetime | None = None,
    ) -> Report:
        """Store `values` and submit once per moment of `submitted`.

        A number is stored as a number, a string as a text, and None as an
        explicit "tidak ada". `status` then overrides the report's status,
        as a supervisor's review would.
        """
        agency = by_code(self.session, Agency, agency_code)
        period = by_code(self.session, Period, period_code)
        operator = self.session.exec(
            select(Official).where(Official.agency_id == agency.id)
        ).one()
        report = reports.get_or_create_report(self.session, agency, period)
        moment = drafted or (submitted[0] if submitted else wib(2026, 1, 1, 8, 0))
        for code, value in values.items():
            reports.store_value(
                self.session, report, by_code(self.session, Indicator, code),
                raw_text="-" if value is None else str(value),
                number=Decimal(str(value)) if isinstance(value, int | float) else None,
                text=value if isinstance(value, str) else None,
                is_none=value is None, official=operator, now=moment,
            )
        for moment in submitted:
            reports.submit(self.session, report, period, operator, moment, WIB)
        if status is not None:
            report.status = status
            self.session.add(report)
            self.session.flush()
        return report

    def flag(self, report: Report, code: str, **fields) -> None:
        self.session.add(ValueFlag(
            report_id=report.id, indicator_id=by_code(self.session, Indicator, code).id,
            **fields,
        ))

    def reminder(self, agency_code: str, period_code: str, at: datetime) -> None:
        agency = by_code(self.session, Agency, agency_code)
        period = by_code(self.session, Period, period_code)
        operator = self.session.exec(
            select(Official).where(Official.agency_id == agency.id)
        ).one()
        self.session.add(Reminder(
            official_id=operator.id, period_id=period.id, kind=f"after-{at.day}",
            deadline=period.deadline, created_at=at,
        ))


def build_history(db_url: str) -> None:
    """Write the regency and the reports whose figures the tests compute by hand."""
    with Session(get_engine(db_url)) as session:
        build = History(session)
        build.regency()

        # 2026-01, deadline 10 February.
        build.report("DINKES", "2026-01", {"KEU": 100, "FIS": 10},
                     submitted=[wib(2026, 2, 5, 10, 0)], status=ReportStatus.VERIFIED)
        # Late by 3 days; a stored zero is a present value.
        build.report("RSUD", "2026-01", {"KEU": 100, "FIS": 10, "BOR": 0},
                     submitted=[wib(2026, 2, 13, 9, 0)])
        # A draft counts as not submitted, its value as missing.
        build.report("DPUPR", "2026-01", {"KEU": 100}, drafted=wib(2026, 2, 9, 8, 0))
        # SETDA has no report. KEC submitted at local midnight after the
        # deadline day, still 10 February in UTC, and skipped FIS.
        build.report("KEC", "2026-01", {"KEU": 100}, submitted=[wib(2026, 2, 11, 0, 0)])

        # 2026-02, deadline 10 March.
        # The last minute of the deadline day is on time.
        build.report("DINKES", "2026-02", {"KEU": 200, "FIS": 20},
                     submitted=[wib(2026, 3, 10, 23, 59)],
                     status=ReportStatus.NEEDS_CORRECTION)
        build.report("RSUD", "2026-02", {"KEU": 200, "FIS": 20, "BOR": 70},
                     submitted=[wib(2026, 3, 11, 0, 0)])
        # On time, resubmitted after the deadline: the first submission counts.
        build.report("DPUPR", "2026-02", {"KEU": 0, "FIS": 0},
                     submitted=[wib(2026, 3, 8, 9, 0), wib(2026, 3, 20, 9, 0)])
        build.report("SETDA", "2026-02", {"KEU": 200, "FIS": 20},
                     submitted=[wib(2026, 3, 17, 9, 0)])
        # Submitted on time, then set back to draft: not submitted.
        build.report("KEC", "2026-02", {"KEU": 200, "FIS": 20},
                     submitted=[wib(2026, 3, 5, 9, 0)], status=ReportStatus.DRAFT)

        # 2026-TW1, deadline 8 April.
        build.report("DINKES", "2026-TW1", {"CAPAIAN": 80, "IMUN": 90},
                     submitted=[wib(2026, 4, 7, 9, 0)])
        build.report("RSUD", "2026-TW1", {"CAPAIAN": 80},
                     submitted=[wib(2026, 4, 10, 9, 0)])
        # Submitted with its one required value skipped.
        build.report("SETDA", "2026-TW1", {}, submitted=[wib(2026, 4, 2, 9, 0)])

        # 2026-03, deadline 10 April.
        dinkes = build.report(
            "DINKES", "2026-03", {"KEU": 300, "FIS": 30, "MASALAH": None},
            submitted=[wib(2026, 4, 1, 9, 0)],
        )
        rsud = build.report("RSUD", "2026-03", {"KEU": 300, "FIS": 30, "BOR": 75},
                            submitted=[wib(2026, 4, 9, 9, 0)])
        build.report("DPUPR", "2026-03", {"KEU": 300, "FIS": 30},
                     submitted=[wib(2026, 4, 15, 9, 0)])
        # An explicit "tidak ada" is a present value.
        build.report("SETDA", "2026-03", {"KEU": 300, "FIS": None},
                     submitted=[wib(2026, 4, 30, 9, 0)])
        build.report("KEC", "2026-03", {"KEU": 300, "FIS": 30},
                     submitted=[wib(2026, 4, 10, 12, 0)])
        # Corrected before the deadline, and a supervisor's flag still open.
        build.flag(dinkes, "KEU", source="rule", status="closed",
                   resolution="corrected", raised_at=wib(2026, 4, 1, 9, 0),
                   resolved_at=wib(2026, 4, 5, 9, 0))
        build.flag(rsud, "BOR", source="supervisor", status="open", note="cek",
                   raised_at=wib(2026, 4, 11, 9, 0))
        # DPUPR submitted 73 h after its reminder, SETDA 23 h after.
        build.reminder("DPUPR", "2026-03", wib(2026, 4, 12, 8, 0))
        build.reminder("SETDA", "2026-03", wib(2026, 4, 29, 10, 0))

        # 2026-04, deadline 10 May: SETDA has no report.
        for code in ("DINKES", "DPUPR", "KEC"):
            build.report(code, "2026-04", {"KEU": 400, "FIS": 40},
                         submitted=[wib(2026, 5, 4, 9, 0)])
        build.report("RSUD", "2026-04", {"KEU": 400, "FIS": 40, "BOR": 80},
                     submitted=[wib(2026, 5, 4, 9, 0)])

        # 2026-05, deadline 10 June, still ahead on TODAY.
        build.report("DINKES", "2026-05", {"KEU": 500, "FIS": 50},
                     submitted=[wib(2026, 6, 2, 9, 0)])
        build.report("DPUPR", "2026-05", {"KEU": 500}, drafted=wib(2026, 6, 3, 9, 0))
        session.commit()


@pytest.fixture
def history(db_url) -> str:
    build_history(db_url)
    yield db_url
    get_engine(db_url).dispose()


# The figures of each period, computed by hand. Days late run from the
# deadline day to the local day of the first submission.
EXPECTED_TOTALS = {
    "2026-01": {
        "expected": 5, "submitted": 3, "on_time": 1, "late": 2, "missing": 2,
        "open": 0, "verified": 1, "needs_correction": 0,
        "required_expected": MONTHLY_REQUIRED,
        # DINKES 2, RSUD 3 with its zero, the draft 0, SETDA 0 and KEC 1 of 2.
        "required_present": 2 + 3 + 0 + 0 + 1,
        # RSUD 13 - 10 February, KEC 11 - 10 February.
        "days_late": [13 - 10, 11 - 10],
    },
    "2026-02": {
        "expected": 5, "submitted": 4, "on_time": 2, "late": 2, "missing": 1,
        "open": 0, "verified": 0, "needs_correction": 1,
        "required_expected": MONTHLY_REQUIRED,
        # The zeros of DPUPR count, but the report set back to draft does not.
        "required_present": 2 + 3 + 2 + 2 + 0,
        # RSUD 11 - 10 March, SETDA 17 - 10 March.
        "days_late": [11 - 10, 17 - 10],
    },
    "2026-TW1": {
        "expected": 4, "submitted": 3, "on_time": 2, "late": 1, "missing": 1,
        "open": 0, "verified": 0, "needs_correction": 0,
        "required_expected": QUARTERLY_REQUIRED,
        "required_present": 2 + 1 + 0 + 0,
        # RSUD 10 - 8 April.
        "days_late": [10 - 8],
    },
    "2026-03": {
        "expected": 5, "submitted": 5, "on_time": 3, "late": 2, "missing": 0,
        "open": 0, "verified": 0, "needs_correction": 0,
        "required_expected": MONTHLY_REQUIRED,
        "required_present": 2 + 3 + 2 + 2 + 2,
        # DPUPR 15 - 10 April, SETDA 30 - 10 April.
        "days_late": [15 - 10, 30 - 10],
    },
    "2026-04": {
        "expected": 5, "submitted": 4, "on_time": 4, "late": 0, "missing": 1,
        "open": 0, "verified": 0, "needs_correction": 0,
        "required_expected": MONTHLY_REQUIRED,
        "required_present": 2 + 3 + 2 + 0 + 2,
        "days_late": [],
    },
    "2026-05": {
        "expected": 5, "submitted": 1, "on_time": 1, "late": 0, "missing": 0,
        "open": 4, "verified": 0, "needs_correction": 0,
        "required_expected": MONTHLY_REQUIRED,
        "required_present": 2,
        "days_late": [],
    },
}
EXPECTED_RATES = {
    # period: (on-time rate, completeness, median days late)
    "2026-01": (1 / 5, (2 + 3 + 1) / MONTHLY_REQUIRED, (3 + 1) / 2),
    "2026-02": (2 / 5, (2 + 3 + 2 + 2) / MONTHLY_REQUIRED, (1 + 7) / 2),
    "2026-TW1": (2 / 4, (2 + 1) / QUARTERLY_REQUIRED, 2),
    "2026-03": (3 / 5, MONTHLY_REQUIRED / MONTHLY_REQUIRED, (5 + 20) / 2),
    "2026-04": (4 / 5, (2 + 3 + 2 + 2) / MONTHLY_REQUIRED, None),
    "2026-05": (1 / 5, 2 / MONTHLY_REQUIRED, None),
}
S = CellState
EXPECTED_CELLS = {
    "2026-01": {"DINKES": S.VERIFIED, "RSUD": S.LATE, "DPUPR": S.MISSING,
                "SETDA": S.MISSING, "KEC": S.LATE},
    "2026-02": {"DINKES": S.NEEDS_CORRECTION, "RSUD": S.LATE, "DPUPR": S.ON_TIME,
                "SETDA": S.LATE, "KEC": S.MISSING},
    "2026-TW1": {"DINKES": S.ON_TIME, "RSUD": S.LATE, "DPUPR": S.MISSING,
                 "SETDA": S.ON_TIME, "KEC": S.NOT_EXPECTED},
    "2026-03": {"DINKES": S.ON_TIME, "RSUD": S.ON_TIME, "DPUPR": S.LATE,
                "SETDA": S.LATE, "KEC": S.ON_TIME},
    "2026-04": {"DINKES": S.ON_TIME, "RSUD": S.ON_TIME, "DPUPR": S.ON_TIME,
                "SETDA": S.MISSING, "KEC": S.ON_TIME},
    "2026-05": {"DINKES": S.ON_TIME, "RSUD": S.OPEN, "DPUPR": S.OPEN,
                "SETDA": S.OPEN, "KEC": S.OPEN},
    "2026": {code: S.NOT_EXPECTED for code, _ in AGENCIES},
}
# Deadline order; TW1's deadline, 8 April, comes before that of 2026-03.
RANGE = ["2026-01", "2026-02", "2026-TW1", "2026-03", "2026-04", "2026-05"]


def period_of(session: Session, code: str) -> Period:
    return by_code(session, Period, code)


# --- periods_between --------------------------------------------------------------


def test_periods_between_deadline_order(history):
    with Session(get_engine(history)) as session:
        periods = periods_between(session, "2026-01", "2026-05")
    assert [period.code for period in periods] == RANGE


def test_periods_between_one_periodicity(history):
    with Session(get_engine(history)) as session:
        periods = periods_between(session, "2026-01", "2026-05", "quarterly")
    assert [period.code for period in periods] == ["2026-TW1"]


def test_periods_between_single_period(history):
    with Session(get_engine(history)) as session:
        periods = periods_between(session, "2026-TW1", "2026-TW1")
    assert [period.code for period in periods] == ["2026-TW1"]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("1999-01", "2026-03", "The period '1999-01' was not found"),
        ("2026-01", "nope", "The period 'nope' was not found"),
        ("2026-03", "2026-01", "The range is reversed: 2026-03"),
    ],
)
def test_periods_between_rejects(history, start, end, message):
    with Session(get_engine(history)) as session:
        with pytest.raises(ValueError, match=message):
            periods_between(session, start, end)


# --- compliance_matrix ------------------------------------------------------------


def test_matrix_cell_states(history):
    with Session(get_engine(history)) as session:
        periods = [period_of(session, code) for code in EXPECTED_CELLS]
        matrix = compliance_matrix(session, periods, TODAY)
        ids = {code: by_code(session, Agency, code).id for code, _ in AGENCIES}
    assert len(matrix) == len(AGENCIES) * len(EXPECTED_CELLS)
    for period in periods:
        for code, state in EXPECTED_CELLS[period.code].items():
            assert matrix[ids[code], period.id] == state, (period.code, code)


def test_matrix_open_until_deadline_passes(history):
    """On the deadline day a report not submitted is open, the day after missing."""
    with Session(get_engine(history)) as session:
        period = period_of(session, "2026-05")
        rsud = by_code(session, Agency, "RSUD").id
        on_deadline = compliance_matrix(session, [period], period.deadline)
        after = compliance_matrix(session, [period], date(2026, 6, 11))
    assert on_deadline[rsud, period.id] == CellState.OPEN
    assert after[rsud, period.id] == CellState.MISSING


def test_submission_deadline_boundary(history):
    """23:59 on the deadline day is on time, 00:00 the next day is 1 day late."""
    with Session(get_engine(history)) as session:
        period = period_of(session, "2026-02")
        matrix = compliance_matrix(session, [period], TODAY)
        rows = {row.code: row for row in period_timeliness(session, period, WIB, TODAY)}
        rsud = by_code(session, Agency, "RSUD").id
    assert rows["DINKES"].on_time == 1
    assert rows["DINKES"].days_late == []
    assert rows["RSUD"].late == 1
    assert rows["RSUD"].days_late == [11 - 10]
    assert matrix[rsud, period.id] == CellState.LATE


# --- period_timeliness ------------------------------------------------------------


@pytest.mark.parametrize("code", list(EXPECTED_TOTALS))
def test_period_totals(history, code):
    with Session(get_engine(history)) as session:
        rows = period_timeliness(session, period_of(session, code), WIB, TODAY)
    total = rows[-1]
    expected = EXPECTED_TOTALS[code]
    assert total.code == "TOTAL"
    for name, value in expected.items():
        if name == "days_late":
            assert sorted(total.days_late) == sorted(value), name
        else:
            assert getattr(total, name) == value, name
    on_time_rate, completeness, median = EXPECTED_RATES[code]
    assert total.on_time_rate == pytest.approx(on_time_rate)
    assert total.completeness == pytest.approx(completeness)
    assert total.median_days_late == median


def test_period_agency_rows(history):
    with Session(get_engine(history)) as session:
        rows = period_timeliness(session, period_of(session, "2026-01"), WIB, TODAY)
    by_agency = {row.code: row for row in rows}
    assert [row.code for row in rows] == [code for code, _ in AGENCIES] + ["TOTAL"]
    for code, state in EXPECTED_CELLS["2026-01"].items():
        assert by_agency[code].state == state, code
        assert by_agency[code].expected == 1, code
    assert by_agency["DINKES"].on_time == 1
    assert by_agency["DINKES"].verified == 1
    assert by_agency["RSUD"].days_late == [13 - 10]
    assert by_agency["RSUD"].required_present == 3
    assert by_agency["RSUD"].required_expected == 3
    assert by_agency["DPUPR"].submitted == 0
    assert by_agency["DPUPR"].required_present == 0
    assert by_agency["KEC"].days_late == [11 - 10]
    assert by_agency["KEC"].completeness == 1 / 2


def test_period_resubmission_keeps_first(history):
    with Session(get_engine(history)) as session:
        rows = period_timeliness(session, period_of(session, "2026-02"), WIB, TODAY)
    dpupr = {row.code: row for row in rows}["DPUPR"]
    assert dpupr.state == CellState.ON_TIME
    assert dpupr.on_time == 1
    assert dpupr.days_late == []


def test_period_without_expected_agencies(history):
    with Session(get_engine(history)) as session:
        rows = period_timeliness(session, period_of(session, "2026"), WIB, TODAY)
    assert [row.code for row in rows] == ["TOTAL"]
    assert rows[0].expected == 0
    assert rows[0].on_time_rate is None
    assert rows[0].completeness is None
    assert rows[0].median_days_late is None


# --- indicator_timeliness ---------------------------------------------------------


def test_indicator_rows(history):
    with Session(get_engine(history)) as session:
        rows = indicator_timeliness(session, period_of(session, "2026-01"), WIB, TODAY)
    by_code_ = {row.code: row for row in rows}
    assert [row.code for row in rows] == ["KEU", "KEU-PCT", "FIS", "MASALAH", "BOR"]
    keu = by_code_["KEU"]
    assert (keu.expected, keu.submitted, keu.on_time, keu.late, keu.missing) == (
        5, 3, 1, 2, 2
    )
    # DINKES, RSUD and KEC. The draft's value does not count.
    assert keu.completeness == 3 / 5
    assert keu.median_days_late == (3 + 1) / 2
    # KEC skipped FIS.
    assert by_code_["FIS"].completeness == 2 / 5
    # RSUD's zero is present.
    assert by_code_["BOR"].expected == 1
    assert by_code_["BOR"].completeness == 1 / 1
    assert by_code_["BOR"].days_late == [3]
    # Neither a computed nor an optional indicator has required values.
    assert by_code_["KEU-PCT"].completeness is None
    assert by_code_["MASALAH"].completeness is None
    assert by_code_["MASALAH"].expected == 5


def test_indicator_rows_quarterly(history):
    with Session(get_engine(history)) as session:
        rows = indicator_timeliness(session, period_of(session, "2026-TW1"), WIB, TODAY)
    by_code_ = {row.code: row for row in rows}
    # KEC reports no quarterly indicator.
    assert by_code_["CAPAIAN"].expected == 4
    # DINKES and RSUD. SETDA skipped it and DPUPR is missing.
    assert by_code_["CAPAIAN"].completeness == 2 / 4
    assert by_code_["IMUN"].expected == 1
    assert by_code_["IMUN"].completeness == 1 / 1


# --- trend ------------------------------------------------------------------------


def test_trend_points(history):
    with Session(get_engine(history)) as session:
        periods = [period_of(session, code) for code in RANGE]
        points = trend(session, periods, WIB, TODAY)
    assert [point.code for point in points] == RANGE
    for point in points:
        on_time_rate, completeness, median = EXPECTED_RATES[point.code]
        assert point.expected == EXPECTED_TOTALS[point.code]["expected"], point.code
        assert point.on_time_rate == pytest.approx(on_time_rate), point.code
        assert point.completeness == pytest.approx(completeness), point.code
        assert point.median_days_late == median, point.code


def test_trend_flags_and_reminders(history):
    with Session(get_engine(history)) as session:
        periods = [period_of(session, code) for code in RANGE]
        points = {point.code: point for point in trend(session, periods, WIB, TODAY)}
    march = points["2026-03"]
    assert march.label == "Maret 2026"
    assert points["2026-TW1"].label == "Triwulan I 2026"
    # Stored values: DINKES 3 with "tidak ada", RSUD 3, DPUPR 2, SETDA 2, KEC 2.
    # DINKES's KEU and RSUD's BOR are flagged.
    assert march.flagged_share == 2 / (3 + 3 + 2 + 2 + 2)
    # Only DINKES's flag was corrected, before the deadline.
    assert march.corrected_by_deadline_share == 1 / 2
    # SETDA submitted 23 h after its reminder, DPUPR 73 h after.
    assert march.reminded_within_24h_share == 1 / 2
    # January's stored values, the draft's included, have no flag.
    assert points["2026-01"].flagged_share == 0 / (2 + 3 + 1 + 1)
    assert points["2026-01"].corrected_by_deadline_share is None
    assert points["2026-01"].reminded_within_24h_share is None


# --- query counts -----------------------------------------------------------------


def add_agencies(db_url: str, count: int) -> None:
    """Add `count` agencies that submitted 2026-01 to 2026-03 on time."""
    with Session(get_engine(db_url)) as session:
        build = History(session)
        for number in range(count):
            code = f"EXTRA{number}"
            agency = Agency(code=code, name=code, short_name=code, kind="dinas")
            session.add(agency)
            session.flush()
            session.add(Official(name=code, phone=f"+62813000{number:05d}",
                                 role=Role.OPERATOR, agency_id=agency.id))
            session.flush()
            for period_code in ("2026-01", "2026-02", "2026-03"):
                build.report(code, period_code, {"KEU": 1, "FIS": 1},
                             submitted=[wib(2026, 1, 31, 9, 0)])
        session.commit()


def count_statements(db_url: str, action) -> int:
    engine = get_engine(db_url)
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with Session(engine) as session:
        periods = [period_of(session, code) for code in RANGE]
        event.listen(engine, "before_cursor_execute", count)
        try:
            action(session, periods)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_query_count_independent_of_agencies(history):
    def matrix(session, periods):
        compliance_matrix(session, periods, TODAY)

    def trend_points(session, periods):
        trend(session, periods, WIB, TODAY)

    small = (count_statements(history, matrix), count_statements(history, trend_points))
    add_agencies(history, 30)
    large = (count_statements(history, matrix), count_statements(history, trend_points))

    assert large == small
    # Agencies, indicators and reports.
    assert small[0] == 3
    # The same plus present values, then per period three accuracy and two
    # reminder queries.
    assert small[1] == 4 + len(RANGE) * (3 + 2)


def test_trend_marks_period_before_deadline(history):
    with Session(get_engine(history)) as session:
        periods = [period_of(session, code) for code in RANGE]
        points = trend(session, periods, WIB, TODAY)
        deadlines = {period.code: period.deadline for period in periods}
        may = period_of(session, "2026-05")
        after_may = trend(session, [may], WIB, may.deadline + timedelta(days=1))
        on_may_deadline = trend(session, [may], WIB, may.deadline)

    for point in points:
        assert point.due == (TODAY > deadlines[point.code]), point.code
    assert [point.code for point in points if not point.due] == ["2026-05"]
    assert points[-1].label == f"Mei 2026 ({ONGOING_LABEL})"
    assert on_may_deadline[0].due is False
    assert after_may[0].due is True
    assert after_may[0].label == "Mei 2026"

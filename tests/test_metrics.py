"""Accuracy metrics of a period's reports and `flask metrics`, on both back ends.

The period 2026-03 (deadline 10 April 2026, Asia/Jakarta) of the sample
regency is prepared as rows with known times, and every figure is checked
against arithmetic written out here. The timeliness columns, the indicator
table and the trend run on the small regency of `tests/test_timeliness.py`.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from decimal import Decimal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from bot.db import get_engine
from bot.metrics import ONGOING_MARK, period_accuracy
from models import (
    Agency,
    Indicator,
    Official,
    Period,
    Report,
    ReportStatus,
    ReportValue,
    ValueFlag,
)
from tests.test_cli import flask
from tests.test_timeliness import (
    EXPECTED_RATES,
    EXPECTED_TOTALS,
    MONTHLY_REQUIRED,
    RANGE,
    TODAY,
    build_history,
)

WIB = ZoneInfo("Asia/Jakarta")


def wib(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WIB)


def by_code(session: Session, model, code: str):
    return session.exec(select(model).where(model.code == code)).one()


class Builder:
    """Adds reports, values and flags of period 2026-03 as plain rows."""

    def __init__(self, session: Session):
        self.session = session
        self.period = by_code(session, Period, "2026-03")
        self.supervisor = session.exec(
            select(Official).where(Official.role == "supervisor").order_by(Official.id)
        ).first()

    def report(self, agency_code: str) -> Report:
        report = Report(
            agency_id=by_code(self.session, Agency, agency_code).id,
            period_id=self.period.id,
            status=ReportStatus.SUBMITTED,
            submitted_at=wib(2026, 4, 6, 9, 0),
        )
        self.session.add(report)
        self.session.flush()
        return report

    def value(self, report: Report, code: str, number: str | None = "1") -> None:
        self.session.add(ReportValue(
            report_id=report.id,
            indicator_id=by_code(self.session, Indicator, code).id,
            raw_text=number or "-",
            number=Decimal(number) if number else None,
            is_none=number is None,
        ))

    def flag(self, report: Report, code: str, source: str, status: str, **fields) -> None:
        if source == "supervisor":
            fields.setdefault("raised_by_id", self.supervisor.id)
            fields.setdefault("note", "mohon dicek")
        else:
            fields.setdefault("rule_code", f"R-{code}")
            fields.setdefault("message", "nilai tidak wajar")
        self.session.add(ValueFlag(
            report_id=report.id,
            indicator_id=by_code(self.session, Indicator, code).id,
            source=source,
            status=status,
            **fields,
        ))


@pytest.fixture
def prepared(loaded_db_url) -> str:
    """Prepare DINKES, RSUD and DPUPR reports for 2026-03; SETDA has none."""
    with Session(get_engine(loaded_db_url)) as session:
        build = Builder(session)

        dinkes = build.report("DINKES")
        for code in ("RFK-KEU", "RFK-FIS", "RFK-SUBKEG", "ADM-LAPKEU", "PBJ-STATUS"):
            build.value(dinkes, code)
        build.value(dinkes, "RFK-MASALAH", None)
        # Computed: neither the value nor its flag counts.
        build.value(dinkes, "RFK-KEU-PCT")
        build.flag(dinkes, "RFK-KEU-PCT", "rule", "open", raised_at=wib(2026, 4, 6, 9, 0))
        # Corrected after 3 hours, on time.
        build.flag(dinkes, "RFK-KEU", "rule", "closed", resolution="corrected",
                   raised_at=wib(2026, 4, 6, 9, 0), resolved_at=wib(2026, 4, 6, 12, 0))
        # Corrected in the last second of the deadline day, still waiting for
        # the supervisor: on time.
        build.flag(dinkes, "RFK-FIS", "supervisor", "answered", resolution="corrected",
                   raised_at=wib(2026, 4, 8, 10, 0),
                   resolved_at=wib(2026, 4, 10, 23, 59, 59))
        # Corrected at local midnight after the deadline day, which is still
        # 10 April in UTC: late, after 40 hours.
        build.flag(dinkes, "RFK-SUBKEG", "rule", "closed", resolution="corrected",
                   raised_at=wib(2026, 4, 9, 8, 0), resolved_at=wib(2026, 4, 11, 0, 0))
        # Kept with a reason: confirmed.
        build.flag(dinkes, "ADM-LAPKEU", "rule", "closed", resolution="confirmed",
                   reason="sudah disusun", raised_at=wib(2026, 4, 6, 9, 0),
                   resolved_at=wib(2026, 4, 7, 9, 0))
        # Kept with a reason but the supervisor has not decided: neither.
        build.flag(dinkes, "RFK-MASALAH", "supervisor", "answered",
                   resolution="confirmed", reason="memang tidak ada",
                   raised_at=wib(2026, 4, 7, 9, 0), resolved_at=wib(2026, 4, 7, 10, 0))

        rsud = build.report("RSUD")
        for code in ("RS-BOR", "RFK-KEU", "RFK-FIS", "RFK-SUBKEG"):
            build.value(rsud, code)
        # Approved by the supervisor before the official replied: confirmed.
        build.flag(rsud, "RS-BOR", "supervisor", "closed",
                   raised_at=wib(2026, 4, 7, 9, 0), decided_at=wib(2026, 4, 8, 9, 0))
        # One flag kept, another still open: neither.
        build.flag(rsud, "RFK-KEU", "rule", "closed", resolution="confirmed",
                   reason="sesuai SP2D", raised_at=wib(2026, 4, 6, 9, 0),
                   resolved_at=wib(2026, 4, 6, 10, 0))
        build.flag(rsud, "RFK-KEU", "supervisor", "open", raised_at=wib(2026, 4, 8, 9, 0))
        # A correction the supervisor sent back is open again: not a correction.
        build.flag(rsud, "RFK-FIS", "supervisor", "open", resolution="corrected",
                   raised_at=wib(2026, 4, 6, 9, 0), resolved_at=wib(2026, 4, 7, 10, 0),
                   decided_at=wib(2026, 4, 8, 10, 0))
        # Corrected after 1.5 hours, two days late.
        build.flag(rsud, "RFK-SUBKEG", "rule", "closed", resolution="corrected",
                   raised_at=wib(2026, 4, 12, 8, 0), resolved_at=wib(2026, 4, 12, 9, 30))

        dpupr = build.report("DPUPR")
        build.value(dpupr, "RFK-KEU")
        build.value(dpupr, "RFK-MASALAH", None)
        # A flag on a value that was removed since does not count.
        build.flag(dpupr, "RFK-FIS", "rule", "closed", resolution="corrected",
                   raised_at=wib(2026, 4, 6, 9, 0), resolved_at=wib(2026, 4, 6, 9, 30))
        session.commit()
    return loaded_db_url


# The figures of the prepared period, computed by hand.
DINKES_HOURS = [3, 40, 2 * 24 + 13 + 59 / 60 + 59 / 3600]
RSUD_HOURS = [1.5]
EXPECTED = {
    # agency: (values, flagged, corrected by deadline, confirmed, median hours)
    "DINKES": (6, 5, 2, 1, 40),
    "RSUD": (4, 4, 0, 1, 1.5),
    "DPUPR": (2, 0, 0, 0, None),
    # Sorted hours 1.5, 3, 40 and 61.99: the mean of the middle two.
    "TOTAL": (6 + 4 + 2, 5 + 4 + 0, 2 + 0 + 0, 1 + 1 + 0, (3 + 40) / 2),
}
EXPECTED_TABLE = {
    "DINKES": ["DINKES", "6", "5", f"{100 * 5 / 6:.1f}%", f"{100 * 2 / 5:.1f}%",
               f"{100 * 1 / 5:.1f}%", "40.0"],
    "RSUD": ["RSUD", "4", "4", f"{100 * 4 / 4:.1f}%", f"{100 * 0 / 4:.1f}%",
             f"{100 * 1 / 4:.1f}%", "1.5"],
    "DPUPR": ["DPUPR", "2", "0", f"{100 * 0 / 2:.1f}%", "-", "-", "-"],
    "TOTAL": ["TOTAL", "12", "9", f"{100 * 9 / 12:.1f}%", f"{100 * 2 / 9:.1f}%",
              f"{100 * 2 / 9:.1f}%", f"{(3 + 40) / 2:.1f}"],
}
EXPECTED_CSV = {
    "DINKES": ["DINKES", "6", "5", f"{5 / 6:.4f}", "2", f"{2 / 5:.4f}", "1",
               f"{1 / 5:.4f}", "40.0"],
    "RSUD": ["RSUD", "4", "4", f"{4 / 4:.4f}", "0", f"{0 / 4:.4f}", "1", f"{1 / 4:.4f}",
             "1.5"],
    "DPUPR": ["DPUPR", "2", "0", f"{0 / 2:.4f}", "0", "", "0", "", ""],
    "TOTAL": ["TOTAL", "12", "9", f"{9 / 12:.4f}", "2", f"{2 / 9:.4f}", "2",
              f"{2 / 9:.4f}", "21.5"],
}


def agency_order(db_url: str) -> list[str]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(
            select(Agency.code)
            .where(Agency.code.in_(["DINKES", "RSUD", "DPUPR"]))
            .order_by(Agency.id)
        ).all())


def all_agencies(db_url: str) -> list[str]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(select(Agency.code).order_by(Agency.id)).all())


def table_rows(stdout: str) -> list[list[str]]:
    return [re.split(r" {2,}", line.strip()) for line in stdout.splitlines()]


# --- period_accuracy ---------------------------------------------------------------


def test_accuracy_counts(prepared):
    with Session(get_engine(prepared)) as session:
        rows = period_accuracy(session, by_code(session, Period, "2026-03"), WIB)
    by_agency = {row.agency: row for row in rows}
    assert [row.agency for row in rows] == [*agency_order(prepared), "TOTAL"]
    for agency, (values, flagged, corrected, confirmed, median) in EXPECTED.items():
        row = by_agency[agency]
        assert row.values == values, agency
        assert row.flagged == flagged, agency
        assert row.corrected_before_deadline == corrected, agency
        assert row.confirmed == confirmed, agency
        assert row.median_hours == pytest.approx(median), agency


def test_accuracy_shares(prepared):
    with Session(get_engine(prepared)) as session:
        rows = period_accuracy(session, by_code(session, Period, "2026-03"), WIB)
    by_agency = {row.agency: row for row in rows}
    assert by_agency["DINKES"].flagged_share == 5 / 6
    assert by_agency["DINKES"].corrected_share == 2 / 5
    assert by_agency["DINKES"].confirmed_share == 1 / 5
    assert sorted(by_agency["DINKES"].hours_to_correction) == pytest.approx(DINKES_HOURS)
    assert by_agency["RSUD"].hours_to_correction == pytest.approx(RSUD_HOURS)
    assert by_agency["DPUPR"].flagged_share == 0 / 2
    assert by_agency["DPUPR"].corrected_share is None
    assert by_agency["DPUPR"].confirmed_share is None
    assert by_agency["DPUPR"].median_hours is None
    assert by_agency["TOTAL"].flagged_share == 9 / 12


def test_accuracy_one_agency(prepared):
    with Session(get_engine(prepared)) as session:
        rsud = by_code(session, Agency, "RSUD")
        rows = period_accuracy(session, by_code(session, Period, "2026-03"), WIB, rsud)
    assert [row.agency for row in rows] == ["RSUD", "TOTAL"]
    assert rows[1].values == 4
    assert rows[1].flagged == 4
    assert rows[1].confirmed == 1


def test_accuracy_period_without_reports(prepared):
    with Session(get_engine(prepared)) as session:
        rows = period_accuracy(session, by_code(session, Period, "2026-04"), WIB)
    assert [row.agency for row in rows] == ["TOTAL"]
    assert rows[0].values == 0
    assert rows[0].flagged_share is None


def test_accuracy_query_count(prepared):
    engine = get_engine(prepared)
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with Session(engine) as session:
        period = by_code(session, Period, "2026-03")
        event.listen(engine, "before_cursor_execute", count)
        try:
            period_accuracy(session, period, WIB)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    # Reports, values and flags: one query each, however many values.
    assert len(statements) == 3


# --- flask metrics -----------------------------------------------------------------


ACCURACY_HEADERS = ["agency", "values", "flagged", "flagged %",
                    "corrected by deadline %", "confirmed %", "median h to correction"]
TIMELINESS_HEADERS = ["state", "on time %", "complete %", "days late"]
# An agency without a report: no values, so no shares.
NO_REPORT_ACCURACY = ["0", "0", "-", "-", "-", "-"]


def test_metrics_command_table(prepared):
    result = flask(prepared, "metrics", "--period", "2026-03")
    # The reminder effect follows the agency table after a blank line.
    accuracy = result.stdout.split("\n\n")[0]
    rows = table_rows(accuracy)
    lines = accuracy.splitlines()
    assert result.returncode == 0, result.stderr
    assert rows[0] == ACCURACY_HEADERS + TIMELINESS_HEADERS
    # Every expected agency has a row, with a report or not.
    assert [row[0] for row in rows[1:]] == [*all_agencies(prepared), "TOTAL"]
    for row in rows[1:]:
        if row[0] in EXPECTED_TABLE:
            assert row[:7] == EXPECTED_TABLE[row[0]]
        else:
            assert row[1:7] == NO_REPORT_ACCURACY, row[0]
    # Fixed-width columns with the figures right-aligned.
    assert len({len(line) for line in lines}) == 1


def test_metrics_command_csv(prepared):
    result = flask(prepared, "metrics", "--period", "2026-03", "--csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert result.returncode == 0, result.stderr
    assert rows[0] == [
        "agency", "values", "flagged", "flagged_share", "corrected_before_deadline",
        "corrected_before_deadline_share", "confirmed", "confirmed_share",
        "median_hours_to_correction",
        # The timeliness columns, appended.
        "state", "expected", "submitted", "on_time", "late", "missing", "open",
        "on_time_share", "required_values", "required_present", "completeness",
        "median_days_late",
    ]
    assert [row[0] for row in rows[1:]] == [*all_agencies(prepared), "TOTAL"]
    for row in rows[1:]:
        if row[0] in EXPECTED_CSV:
            assert row[:9] == EXPECTED_CSV[row[0]]
        else:
            assert row[1:9] == ["0", "0", "", "0", "", "0", "", ""], row[0]


def test_metrics_command_one_agency(prepared):
    result = flask(prepared, "metrics", "--period", "2026-03", "--agency", "DINKES")
    rows = table_rows(result.stdout.split("\n\n")[0])
    assert result.returncode == 0, result.stderr
    assert [row[0] for row in rows] == ["agency", "DINKES", "TOTAL"]
    assert rows[1][:7] == EXPECTED_TABLE["DINKES"]
    assert rows[2][1:7] == EXPECTED_TABLE["DINKES"][1:]
    # The agency's timeliness is its total, without a state.
    assert rows[2][8:] == rows[1][8:]
    assert rows[2][7] == "-"


def test_metrics_command_agency_without_report(prepared):
    result = flask(prepared, "metrics", "--period", "2026-03", "--agency", "SETDA",
                   "--as-of", "2026-04-20")
    rows = table_rows(result.stdout.split("\n\n")[0])
    assert result.returncode == 0, result.stderr
    assert [row[0] for row in rows] == ["agency", "SETDA", "TOTAL"]
    assert rows[1][1:7] == NO_REPORT_ACCURACY
    assert rows[1][7:] == ["missing", f"{100 * 0 / 1:.1f}%", f"{100 * 0:.1f}%", "-"]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--period", "1999-01"], "The period '1999-01' was not found"),
        (["--period", "2026-03", "--agency", "NOPE"], "The agency 'NOPE' was not found"),
        (["--from", "1999-01", "--to", "2026-03"],
         "The period '1999-01' was not found"),
        (["--from", "2026-03", "--to", "2026-01"], "The range is reversed: 2026-03"),
        (["--from", "2026-01"],
         "Give --period CODE, or both --from CODE and --to CODE"),
        (["--period", "2026-03", "--from", "2026-01", "--to", "2026-03"],
         "not both"),
        (["--period", "2026-03", "--chart", "trend.png"], "--chart draws a trend"),
        (["--from", "2026-01", "--to", "2026-03", "--chart", "trend.pdf"],
         "must end in .png or .svg"),
        (["--from", "2026-01", "--to", "2026-03", "--agency", "DINKES"],
         "work with --period only"),
        (["--period", "2026-03", "--by", "indicator", "--agency", "DINKES"],
         "leave out --agency"),
        ([], "Give --period CODE, or --from CODE --to CODE"),
    ],
)
def test_metrics_command_rejects(prepared, arguments, expected):
    result = flask(prepared, "metrics", *arguments)
    assert result.returncode != 0
    assert expected in result.stderr
    # One line after click's "Error: ", no traceback.
    assert "Traceback" not in result.stderr


# --- timeliness and trend through flask metrics -----------------------------------


@pytest.fixture
def history(db_url) -> str:
    build_history(db_url)
    yield db_url
    get_engine(db_url).dispose()


AS_OF = ["--as-of", TODAY.isoformat()]
# January of the small regency, from the figures of tests/test_timeliness.py:
# accuracy (values, flagged, flagged %) then state, on time %, complete % and
# days late. Nothing is flagged, so the other accuracy shares have no data.
JANUARY_TABLE = {
    "DINKES": ["2", "0", f"{0:.1f}%", "verified", f"{100 * 1:.1f}%",
               f"{100 * 2 / 2:.1f}%", "-"],
    "RSUD": ["3", "0", f"{0:.1f}%", "late", f"{0:.1f}%", f"{100 * 3 / 3:.1f}%",
             f"{13 - 10:.1f}"],
    # The draft's one value counts as a value, not as a present one.
    "DPUPR": ["1", "0", f"{0:.1f}%", "missing", f"{0:.1f}%", f"{0:.1f}%", "-"],
    "SETDA": ["0", "0", "-", "missing", f"{0:.1f}%", f"{0:.1f}%", "-"],
    "KEC": ["1", "0", f"{0:.1f}%", "late", f"{0:.1f}%", f"{100 * 1 / 2:.1f}%",
            f"{11 - 10:.1f}"],
    "TOTAL": ["7", "0", f"{0:.1f}%", "-", f"{100 * 1 / 5:.1f}%",
              f"{100 * (2 + 3 + 1) / MONTHLY_REQUIRED:.1f}%", f"{(3 + 1) / 2:.1f}"],
}


def test_metrics_timeliness_columns(history):
    result = flask(history, "metrics", "--period", "2026-01", *AS_OF)
    rows = table_rows(result.stdout.split("\n\n")[0])
    assert result.returncode == 0, result.stderr
    assert [row[0] for row in rows[1:]] == [*JANUARY_TABLE]
    for row in rows[1:]:
        expected = JANUARY_TABLE[row[0]]
        assert row[1:4] == expected[:3], row[0]
        assert row[7:] == expected[3:], row[0]


def test_metrics_timeliness_csv(history):
    result = flask(history, "metrics", "--period", "2026-01", "--csv", *AS_OF)
    rows = {row["agency"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert result.returncode == 0, result.stderr
    total = rows["TOTAL"]
    january = EXPECTED_TOTALS["2026-01"]
    for name in ("expected", "submitted", "on_time", "late", "missing", "open"):
        assert total[name] == str(january[name]), name
    assert total["state"] == ""
    assert total["on_time_share"] == f"{1 / 5:.4f}"
    assert total["required_values"] == str(MONTHLY_REQUIRED)
    assert total["required_present"] == str(2 + 3 + 1)
    assert total["completeness"] == f"{(2 + 3 + 1) / MONTHLY_REQUIRED:.4f}"
    assert total["median_days_late"] == f"{(3 + 1) / 2:.1f}"
    assert rows["RSUD"]["state"] == "late"
    assert rows["RSUD"]["median_days_late"] == f"{13 - 10:.1f}"
    assert rows["DINKES"]["on_time_share"] == f"{1:.4f}"


def test_metrics_agency_not_expected(history):
    result = flask(history, "metrics", "--period", "2026-TW1", "--agency", "KEC")
    assert result.returncode != 0
    assert "KEC reports no indicator for 2026-TW1 and has no report" in result.stderr


def test_metrics_by_indicator(history):
    result = flask(history, "metrics", "--period", "2026-01", "--by", "indicator",
                   *AS_OF)
    rows = {row[0]: row for row in table_rows(result.stdout)}
    assert result.returncode == 0, result.stderr
    assert list(rows) == ["indicator", "KEU", "KEU-PCT", "FIS", "MASALAH", "BOR"]
    # expected, submitted, on time, late, missing, open, on time %, complete %,
    # median days late.
    assert rows["KEU"][1:] == ["5", "3", "1", "2", "2", "0", f"{100 * 1 / 5:.1f}%",
                               f"{100 * 3 / 5:.1f}%", f"{(3 + 1) / 2:.1f}"]
    assert rows["FIS"][8] == f"{100 * 2 / 5:.1f}%"
    assert rows["MASALAH"][8] == "-"
    assert rows["BOR"][1] == "1"


def test_metrics_by_indicator_csv(history):
    result = flask(history, "metrics", "--period", "2026-TW1", "--by", "indicator",
                   "--csv", *AS_OF)
    rows = {row["indicator"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert result.returncode == 0, result.stderr
    assert rows["CAPAIAN"]["expected"] == "4"
    assert rows["CAPAIAN"]["completeness"] == f"{2 / 4:.4f}"
    assert rows["IMUN"]["required_values"] == "1"


def test_metrics_trend_table(history):
    result = flask(history, "metrics", "--from", "2026-01", "--to", "2026-05", *AS_OF)
    rows = table_rows(result.stdout)
    assert result.returncode == 0, result.stderr
    assert rows[0] == ["period", "expected", "on time %", "complete %",
                       "median days late", "flagged %", "corrected by deadline %",
                       "reminded, submitted within 24 h %"]
    with Session(get_engine(history)) as session:
        deadlines = {
            period.code: period.deadline for period in session.exec(select(Period)).all()
        }
    # A period whose deadline day has not passed is marked: its figures still grow.
    assert [row[0] for row in rows[1:]] == [
        code if TODAY > deadlines[code] else f"{code} {ONGOING_MARK}" for code in RANGE
    ]
    assert rows[-1][0] == f"2026-05 {ONGOING_MARK}"
    for row in rows[1:]:
        row[0] = row[0].removesuffix(f" {ONGOING_MARK}")
        on_time_rate, completeness, median = EXPECTED_RATES[row[0]]
        assert row[1] == str(EXPECTED_TOTALS[row[0]]["expected"])
        assert row[2] == f"{100 * on_time_rate:.1f}%", row[0]
        assert row[3] == f"{100 * completeness:.1f}%", row[0]
        assert row[4] == ("-" if median is None else f"{median:.1f}"), row[0]
    march = rows[1 + RANGE.index("2026-03")]
    assert march[5:] == [f"{100 * 2 / 12:.1f}%", f"{100 * 1 / 2:.1f}%",
                         f"{100 * 1 / 2:.1f}%"]


def test_metrics_trend_csv(history):
    result = flask(history, "metrics", "--from", "2026-01", "--to", "2026-05", "--csv",
                   *AS_OF)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.returncode == 0, result.stderr
    assert [row["period"] for row in rows] == RANGE
    by_period = {row["period"]: row for row in rows}
    assert by_period["2026-TW1"]["label"] == "Triwulan I 2026"
    assert by_period["2026-TW1"]["periodicity"] == "quarterly"
    assert by_period["2026-02"]["on_time_share"] == f"{2 / 5:.4f}"
    assert by_period["2026-02"]["median_days_late"] == f"{(1 + 7) / 2:.1f}"
    assert by_period["2026-03"]["flagged_share"] == f"{2 / 12:.4f}"
    assert by_period["2026-03"]["corrected_before_deadline_share"] == f"{1 / 2:.4f}"
    assert by_period["2026-03"]["reminded_within_24h_share"] == f"{1 / 2:.4f}"
    assert by_period["2026-04"]["median_days_late"] == ""
    assert by_period["2026-04"]["reminded_within_24h_share"] == ""


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_metrics_trend_chart(history, tmp_path, suffix):
    chart = tmp_path / f"trend{suffix}"
    result = flask(history, "metrics", "--from", "2026-01", "--to", "2026-05",
                   "--chart", str(chart), *AS_OF)
    assert result.returncode == 0, result.stderr
    assert f"Wrote the trend chart to {chart}" in result.stderr
    # The table is printed as well.
    assert result.stdout.startswith("period")
    data = chart.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(data) > 10_000
    else:
        root = ElementTree.fromstring(data)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"

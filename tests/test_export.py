"""Tests of `bot.export` and `flask export`, CSV and xlsx, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlmodel import Session, select

from bot import reports
from bot.db import get_engine
from bot.export import (
    COLUMNS,
    export_rows,
    export_table,
    flag_columns,
    write_csv,
    write_table_csv,
    write_xlsx,
)
from bot.importer import import_directory
from bot.periods import applicable_indicators
from bot.timeliness import periods_between
from models import (
    NUMERIC_TYPES,
    Agency,
    FlagSource,
    FlagStatus,
    Indicator,
    Official,
    Period,
    ValueFlag,
)
from tests.conftest import load_sample
from tests.test_cli import (
    COMMAND_TIMEOUT_SECONDS,
    FLASK,
    REPO_ROOT,
    base_environment,
    flask,
    guarded_subprocess_env,
)

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
WIB = ZoneInfo("Asia/Jakarta")
# 09.18 WIB on 6 April, before the 2026-03 deadline of 10 April.
ON_TIME = datetime(2026, 4, 6, 2, 18, tzinfo=timezone.utc)
# 00.30 WIB on 11 April, still 10 April in UTC: late in the regency.
LATE = datetime(2026, 4, 10, 17, 30, tzinfo=timezone.utc)
DRAFTED = datetime(2026, 4, 3, 1, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def dispose_engine(db_url):
    """Close the pooled connections of each test's database after the test.

    Every test gets its own database, and idle pools left open would reach
    PostgreSQL's connection limit (100 by default) within one run.
    """
    yield
    get_engine(db_url).dispose()


def by_code(session: Session, model, code: str):
    return session.exec(select(model).where(model.code == code)).one()


def operator_of(session: Session, agency: Agency) -> Official:
    return session.exec(
        select(Official).where(Official.agency_id == agency.id).order_by(Official.id)
    ).first()


def store(session, report, code, raw, *, number=None, text=None, is_none=False):
    reports.store_value(
        session,
        report,
        by_code(session, Indicator, code),
        raw_text=raw,
        number=number,
        text=text,
        is_none=is_none,
        official=None,
        now=DRAFTED,
    )


@pytest.fixture
def period(session) -> Period:
    """Period 2026-03 of the sample regency, in which DINKES and RSUD have
    submitted, DPUPR has a draft and every other agency has no report."""
    import_directory(session, SAMPLE_DIR)
    period = by_code(session, Period, "2026-03")

    dinkes = by_code(session, Agency, "DINKES")
    report = reports.get_or_create_report(session, dinkes, period)
    store(session, report, "RFK-KEU", "18,25 M", number=Decimal("18250500000"))
    store(session, report, "RFK-FIS", "15,5%", number=Decimal("15.5"))
    store(session, report, "RFK-SUBKEG", "12", number=Decimal("12"))
    store(session, report, "RFK-MASALAH", "-", is_none=True)
    store(session, report, "ADM-LAPKEU", "sdh", text="Sudah")
    store(session, report, "PBJ-STATUS", "tender", text="Proses Tender")
    reports.refresh_computed(session, report, dinkes, period, DRAFTED)
    reports.submit(session, report, period, operator_of(session, dinkes), ON_TIME, WIB)

    rsud = by_code(session, Agency, "RSUD")
    report = reports.get_or_create_report(session, rsud, period)
    store(session, report, "RS-BOR", "87,5", number=Decimal("87.5"))
    reports.submit(session, report, period, operator_of(session, rsud), LATE, WIB)

    dpupr = by_code(session, Agency, "DPUPR")
    report = reports.get_or_create_report(session, dpupr, period)
    store(session, report, "RFK-KEU", "1.234.567.890", number=Decimal("1234567890"))
    store(session, report, "RFK-MASALAH", "hujan deras", text="hujan deras")

    session.commit()
    session.expire_all()
    return period


@pytest.fixture
def reviewed(session, period) -> Period:
    """Add flags to DINKES's values and verify its report.

    Flags are added out of the order in which they close, so that the last
    outcome must come from the closing times rather than the ids.
    """
    dinkes = by_code(session, Agency, "DINKES")
    report = reports.get_report(session, dinkes, period)
    supervisor = session.exec(
        select(Official).where(Official.role == "supervisor").order_by(Official.id)
    ).first()

    def flag(code, source, status, **fields):
        if source == "supervisor":
            fields.setdefault("raised_by_id", supervisor.id)
        session.add(ValueFlag(
            report_id=report.id, indicator_id=by_code(session, Indicator, code).id,
            source=source, status=status,
            raised_at=fields.pop("raised_at", DRAFTED), **fields,
        ))
        session.flush()

    flag("RFK-KEU", "rule", "open", rule_code="KEU-JUMP", message="naik 300%")
    flag("RFK-KEU", "supervisor", "answered", note="cek SP2D",
         resolution="confirmed", reason="sesuai SP2D", resolved_at=ON_TIME)
    flag("RFK-FIS", "supervisor", "answered", note="fisik terlalu rendah",
         resolution="corrected", resolved_at=ON_TIME)
    flag("RFK-SUBKEG", "rule", "closed", rule_code="SUBKEG-RANGE",
         message="di atas 40", resolution="corrected", resolved_at=ON_TIME)
    flag("ADM-LAPKEU", "rule", "closed", rule_code="LAPKEU-A", message="pesan pertama",
         resolution="confirmed", reason="sudah final",
         resolved_at=datetime(2026, 4, 8, 2, 0, tzinfo=timezone.utc))
    flag("ADM-LAPKEU", "rule", "closed", rule_code="LAPKEU-B", message="pesan kedua",
         resolution="corrected",
         resolved_at=datetime(2026, 4, 6, 3, 0, tzinfo=timezone.utc))
    flag("PBJ-STATUS", "supervisor", "closed", note="status benar?",
         decided_at=datetime(2026, 4, 7, 2, 0, tzinfo=timezone.utc))
    # Sent back by the supervisor: open again, and `reason` is not the official's.
    flag("RFK-KEU-PCT", "supervisor", "open", note="hitung ulang",
         resolution="confirmed", reason="catatan lama",
         decided_at=datetime(2026, 4, 7, 2, 0, tzinfo=timezone.utc))

    report.status = "verified"
    report.verified_at = datetime(2026, 4, 12, 8, 0, tzinfo=timezone.utc)
    session.add(report)
    session.commit()
    session.expire_all()
    return period


def rows_of(rows: list[dict], agency_code: str) -> dict[str, dict]:
    return {
        row["indicator_code"]: row for row in rows if row["agency_code"] == agency_code
    }


def test_export_row_per_agency_indicator(session, period):
    rows = export_rows(session, period, WIB)

    agencies = session.exec(select(Agency).order_by(Agency.id)).all()
    expected = [
        (agency.code, indicator.code)
        for agency in agencies
        for indicator in applicable_indicators(session, agency, period)
    ]
    assert [(row["agency_code"], row["indicator_code"]) for row in rows] == expected
    assert all(tuple(row) == COLUMNS for row in rows)
    assert {row["period"] for row in rows} == {"2026-03"}
    # Computed indicators are exported too.
    assert "RFK-KEU-PCT" in rows_of(rows, "SETDA")


def test_export_submitted_report(session, period):
    rows = rows_of(export_rows(session, period, WIB), "DINKES")

    keu = rows["RFK-KEU"]
    assert keu["agency_name"] == "Dinas Kesehatan"
    assert keu["indicator_name"] == "Realisasi keuangan kumulatif s.d. bulan laporan"
    assert keu["unit"] == "Rp"
    assert keu["value"] == "18250500000"
    assert keu["raw_text"] == "18,25 M"
    assert keu["status"] == "submitted"
    assert keu["submitted_at"] == "2026-04-06T09:18:00+07:00"
    assert keu["on_time"] == "yes"
    assert keu["receipt_no"] == "DINKES-2026-03-001"
    assert rows["RFK-FIS"]["value"] == "15.5"
    assert rows["RFK-SUBKEG"]["value"] == "12"
    assert rows["RFK-MASALAH"]["value"] == "none"
    assert rows["RFK-MASALAH"]["raw_text"] == "-"
    assert rows["ADM-LAPKEU"]["value"] == "Sudah"
    assert rows["PBJ-STATUS"]["value"] == "Proses Tender"
    # An indicator without a value still gets a row with the report's status.
    assert rows["RFK-UPAYA"]["value"] == ""
    assert rows["RFK-UPAYA"]["status"] == "submitted"


def test_export_computed_value(session, period):
    rows = rows_of(export_rows(session, period, WIB), "DINKES")

    dinkes = by_code(session, Agency, "DINKES")
    ceiling = reports.budget_ceiling(session, dinkes, 2026)
    expected = (100 * Decimal("18250500000") / ceiling).quantize(Decimal("0.0001"))
    assert Decimal(rows["RFK-KEU-PCT"]["value"]) == expected
    assert rows["RFK-KEU-PCT"]["raw_text"] == ""


def test_export_late_submission(session, period):
    rows = rows_of(export_rows(session, period, WIB), "RSUD")

    assert rows["RS-BOR"]["value"] == "87.5"
    assert rows["RS-BOR"]["submitted_at"] == "2026-04-11T00:30:00+07:00"
    assert rows["RS-BOR"]["on_time"] == "no"


def test_export_draft_report(session, period):
    rows = rows_of(export_rows(session, period, WIB), "DPUPR")

    assert {row["status"] for row in rows.values()} == {"draft"}
    assert rows["RFK-KEU"]["value"] == "1234567890"
    assert rows["RFK-MASALAH"]["value"] == "hujan deras"
    assert rows["RFK-FIS"]["value"] == ""
    for row in rows.values():
        assert row["submitted_at"] == ""
        assert row["on_time"] == ""
        assert row["receipt_no"] == ""


def test_export_missing_agency(session, period):
    rows = rows_of(export_rows(session, period, WIB), "SETDA")

    assert rows
    for row in rows.values():
        assert row["status"] == "missing"
        assert row["value"] == ""
        assert row["raw_text"] == ""
        assert row["submitted_at"] == ""
        assert row["on_time"] == ""
        assert row["receipt_no"] == ""


def test_write_csv_round_trip(session, period):
    rows = export_rows(session, period, WIB)
    stream = io.StringIO(newline="")

    write_csv(rows, stream)

    text = stream.getvalue()
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert "\r" not in text
    assert list(csv.DictReader(io.StringIO(text, newline=""))) == rows


@pytest.mark.parametrize(
    "amount",
    ["18250500000", "987654321098765432", "18250500000.5", "0.0001"],
)
def test_rupiah_exact_through_export(session, period, amount):
    """Rupiah amounts, some beyond float precision, survive database and CSV."""
    dinkes = by_code(session, Agency, "DINKES")
    report = reports.get_report(session, dinkes, period)
    store(session, report, "RFK-KEU", amount, number=Decimal(amount))
    session.commit()
    session.expire_all()

    stream = io.StringIO(newline="")
    write_csv(export_rows(session, period, WIB), stream)
    stream.seek(0)
    exported = [
        row for row in csv.DictReader(stream)
        if row["agency_code"] == "DINKES" and row["indicator_code"] == "RFK-KEU"
    ]

    assert len(exported) == 1
    assert exported[0]["value"] == amount
    assert Decimal(exported[0]["value"]) == Decimal(amount)


def test_export_new_columns_appended():
    assert COLUMNS[:12] == (
        "period", "agency_code", "agency_name", "indicator_code", "indicator_name",
        "unit", "value", "raw_text", "status", "submitted_at", "on_time", "receipt_no",
    )
    assert COLUMNS[12:] == ("flag", "flag_reason", "verification", "verified_at")


def test_export_waiting_flags(session, reviewed):
    rows = rows_of(export_rows(session, reviewed, WIB), "DINKES")

    # One flag waits for the official, so the value is `open`.
    assert rows["RFK-KEU"]["flag"] == "open"
    assert rows["RFK-KEU"]["flag_reason"] == "naik 300% | cek SP2D (kept: sesuai SP2D)"
    assert rows["RFK-FIS"]["flag"] == "answered"
    assert rows["RFK-FIS"]["flag_reason"] == "fisik terlalu rendah"
    assert rows["RFK-KEU-PCT"]["flag"] == "open"
    assert rows["RFK-KEU-PCT"]["flag_reason"] == "hitung ulang"


def test_export_closed_flags(session, reviewed):
    rows = rows_of(export_rows(session, reviewed, WIB), "DINKES")

    assert rows["RFK-SUBKEG"]["flag"] == "corrected"
    assert rows["RFK-SUBKEG"]["flag_reason"] == "di atas 40"
    # The flag with the lower id closed last, on 8 April.
    assert rows["ADM-LAPKEU"]["flag"] == "confirmed"
    assert rows["ADM-LAPKEU"]["flag_reason"] == "pesan pertama (kept: sudah final)"
    # Closed by the supervisor before the official replied.
    assert rows["PBJ-STATUS"]["flag"] == "closed"
    assert rows["PBJ-STATUS"]["flag_reason"] == "status benar?"


def test_export_unflagged_values(session, reviewed):
    rows = export_rows(session, reviewed, WIB)

    assert rows_of(rows, "DINKES")["RFK-MASALAH"]["flag"] == ""
    assert rows_of(rows, "DINKES")["RFK-MASALAH"]["flag_reason"] == ""
    for row in rows:
        if row["agency_code"] != "DINKES":
            assert row["flag"] == ""
            assert row["flag_reason"] == ""


def test_export_verification(session, reviewed):
    rows = export_rows(session, reviewed, WIB)

    dinkes = rows_of(rows, "DINKES")["RFK-KEU"]
    assert dinkes["verification"] == "verified"
    assert dinkes["status"] == "submitted"
    assert dinkes["verified_at"] == "2026-04-12T15:00:00+07:00"
    assert rows_of(rows, "RSUD")["RS-BOR"]["verification"] == "submitted"
    assert rows_of(rows, "RSUD")["RS-BOR"]["verified_at"] == ""
    assert rows_of(rows, "DPUPR")["RFK-KEU"]["verification"] == "draft"
    for row in rows_of(rows, "SETDA").values():
        assert row["verification"] == ""
        assert row["verified_at"] == ""


def test_export_flag_columns_through_csv(session, reviewed):
    stream = io.StringIO(newline="")

    write_csv(export_rows(session, reviewed, WIB), stream)
    stream.seek(0)
    exported = rows_of(list(csv.DictReader(stream)), "DINKES")

    assert exported["RFK-KEU"]["flag_reason"] == "naik 300% | cek SP2D (kept: sesuai SP2D)"
    assert exported["ADM-LAPKEU"]["verified_at"] == "2026-04-12T15:00:00+07:00"


# --- ranges, typed rows and xlsx --------------------------------------------------


def export_csv_text(session, periods) -> str:
    columns, rows = export_table(session, periods, WIB)
    stream = io.StringIO(newline="")
    write_table_csv(columns, rows, stream)
    return stream.getvalue()


def export_xlsx(session, periods) -> bytes:
    columns, rows = export_table(session, periods, WIB)
    stream = io.BytesIO()
    write_xlsx(columns, rows, stream)
    return stream.getvalue()


def numeric_indicators(session) -> set[str]:
    return {
        indicator.code
        for indicator in session.exec(select(Indicator)).all()
        if indicator.type in NUMERIC_TYPES
    }


def test_table_csv_same_as_period_csv(session, reviewed):
    """One period's typed rows give the same file as the string rows."""
    stream = io.StringIO(newline="")
    write_csv(export_rows(session, reviewed, WIB), stream)

    assert export_csv_text(session, [reviewed]) == stream.getvalue()


def test_export_range_has_every_period(session, reviewed):
    periods = periods_between(session, "2026-02", "2026-03")
    rows = list(csv.DictReader(io.StringIO(export_csv_text(session, periods))))

    codes = [period.code for period in periods]
    assert codes == ["2026-02", "2026-TW1", "2026-03"]
    # Rows stay grouped by period, in deadline order.
    seen = [row["period"] for row in rows]
    assert sorted(set(seen), key=seen.index) == codes
    for period in periods:
        assert [row for row in rows if row["period"] == period.code] == export_rows(
            session, period, WIB
        )


def test_export_table_typed_cells(session, reviewed):
    columns, rows = export_table(session, [reviewed], WIB)
    dinkes = {
        row[columns.index("indicator_code")]: dict(zip(columns, row))
        for row in rows
        if row[columns.index("agency_code")] == "DINKES"
    }

    assert dinkes["RFK-KEU"]["value"] == Decimal("18250500000")
    assert dinkes["RFK-KEU"]["submitted_at"] == ON_TIME
    assert dinkes["RFK-KEU"]["submitted_at"].utcoffset().total_seconds() == 7 * 3600
    assert dinkes["RFK-MASALAH"]["value"] == "none"
    assert dinkes["ADM-LAPKEU"]["value"] == "Sudah"
    assert dinkes["RFK-UPAYA"]["value"] is None
    assert dinkes["RFK-UPAYA"]["flag"] is None


def test_xlsx_cells_match_csv(session, reviewed):
    periods = periods_between(session, "2026-02", "2026-03")
    csv_rows = list(csv.reader(io.StringIO(export_csv_text(session, periods))))
    sheet = load_workbook(io.BytesIO(export_xlsx(session, periods))).active
    sheet_rows = list(sheet.iter_rows())
    numeric = numeric_indicators(session)

    assert len(sheet_rows) == len(csv_rows)
    assert [cell.value for cell in sheet_rows[0]] == csv_rows[0]
    counted = {"number": 0, "date": 0}
    for csv_row, sheet_row in zip(csv_rows[1:], sheet_rows[1:]):
        cells = dict(zip(COLUMNS, sheet_row))
        for column, text in zip(COLUMNS, csv_row):
            cell = cells[column]
            where = (csv_row[1], csv_row[3], column)
            if text == "":
                assert cell.value is None, where
            elif column in ("submitted_at", "verified_at"):
                assert cell.is_date, where
                local = datetime.fromisoformat(text)
                assert cell.value == local.replace(tzinfo=None), where
                counted["date"] += 1
            elif column == "value" and csv_row[3] in numeric and text != "none":
                assert cell.data_type == "n", where
                assert cell.value == pytest.approx(float(Decimal(text)), rel=1e-15)
                counted["number"] += 1
            else:
                assert cell.data_type == "s", where
                assert cell.value == text, where
    # DINKES's three numbers and its computed share, RSUD's BOR and the
    # number in DPUPR's draft, all in 2026-03.
    assert counted["number"] == 4 + 1 + 1
    # Times appear on every row of DINKES and RSUD in 2026-03.
    assert counted["date"] > 0


def test_xlsx_layout(session, reviewed):
    sheet = load_workbook(io.BytesIO(export_xlsx(session, [reviewed]))).active

    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(COLUMNS))}1"
    widths = [sheet.column_dimensions[get_column_letter(index)].width
              for index in range(1, len(COLUMNS) + 1)]
    assert all(width >= len(column) for width, column in zip(widths, COLUMNS))
    # Names are wider than codes.
    agency_name = widths[COLUMNS.index("agency_name")]
    assert agency_name > widths[COLUMNS.index("agency_code")]


def test_xlsx_keeps_formula_text(session, period):
    """A reply that starts with "=" stays text, so Excel does not run it."""
    dpupr = by_code(session, Agency, "DPUPR")
    report = reports.get_report(session, dpupr, period)
    store(session, report, "RFK-MASALAH", "=1+1", text="=1+1")
    session.commit()

    sheet = load_workbook(io.BytesIO(export_xlsx(session, [period]))).active
    cells = [
        row for row in sheet.iter_rows(min_row=2)
        if row[1].value == "DPUPR" and row[3].value == "RFK-MASALAH"
    ][0]
    assert cells[COLUMNS.index("value")].data_type == "s"
    assert cells[COLUMNS.index("value")].value == "=1+1"
    assert cells[COLUMNS.index("raw_text")].data_type == "s"


def test_xlsx_replaces_control_characters(session, period):
    """A reply with a control character, which XML cannot contain, still exports."""
    dpupr = by_code(session, Agency, "DPUPR")
    report = reports.get_report(session, dpupr, period)
    typed = "banjir\x0b di\x1b kecamatan\tdua"
    store(session, report, "RFK-MASALAH", typed, text=typed)
    session.commit()

    sheet = load_workbook(io.BytesIO(export_xlsx(session, [period]))).active
    cells = [
        row for row in sheet.iter_rows(min_row=2)
        if row[1].value == "DPUPR" and row[3].value == "RFK-MASALAH"
    ][0]
    assert cells[COLUMNS.index("value")].value == "banjir\ufffd di\ufffd kecamatan\tdua"
    assert cells[COLUMNS.index("raw_text")].value == "banjir\ufffd di\ufffd kecamatan\tdua"


# --- flask export -----------------------------------------------------------------


def test_export_command_range_csv(session, reviewed, db_url, tmp_path):
    output = tmp_path / "range.csv"
    result = flask(db_url, "export", "--from", "2026-02", "--to", "2026-03",
                   "--output", str(output))

    periods = periods_between(session, "2026-02", "2026-03")
    expected = export_csv_text(session, periods)
    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8") == expected
    assert f"Wrote {len(expected.splitlines()) - 1} rows" in result.stderr


def test_export_command_period_csv_unchanged(session, reviewed, db_url):
    result = flask(db_url, "export", "--period", "2026-03")

    stream = io.StringIO(newline="")
    write_csv(export_rows(session, reviewed, WIB), stream)
    assert result.returncode == 0, result.stderr
    assert result.stdout == stream.getvalue()


@pytest.mark.parametrize("arguments", [[], ["--format", "xlsx"]])
def test_export_command_xlsx_file(session, reviewed, db_url, tmp_path, arguments):
    output = tmp_path / "range.xlsx"
    result = flask(db_url, "export", "--from", "2026-02", "--to", "2026-03",
                   "--output", str(output), *arguments)

    periods = periods_between(session, "2026-02", "2026-03")
    csv_rows = list(csv.reader(io.StringIO(export_csv_text(session, periods))))
    sheet = load_workbook(output).active
    assert result.returncode == 0, result.stderr
    assert sheet.max_row == len(csv_rows)
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert [cell.value for cell in sheet["A"][1:]] == [row[0] for row in csv_rows[1:]]


def test_export_command_xlsx_to_pipe(reviewed, db_url):
    result = subprocess.run(
        [str(FLASK), "--app", "app", "export", "--period", "2026-03", "--format",
         "xlsx"],
        cwd=REPO_ROOT, env=guarded_subprocess_env(base_environment(db_url)),
        capture_output=True, timeout=COMMAND_TIMEOUT_SECONDS,
    )

    assert result.returncode == 0, result.stderr
    sheet = load_workbook(io.BytesIO(result.stdout)).active
    assert sheet["A2"].value == "2026-03"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--period", "1999-01"], "Period '1999-01' not found"),
        (["--from", "2026-01", "--to", "nope"], "The period 'nope' was not found"),
        (["--from", "2026-03", "--to", "2026-01"], "The range is reversed"),
        (["--from", "2026-01"], "both --from CODE and --to CODE"),
        (["--period", "2026-03", "--to", "2026-04"], "not both"),
        ([], "Give --period CODE"),
        (["--period", "2026-03", "--format", "pdf"], "Invalid value for '--format'"),
    ],
)
def test_export_command_rejects(db_url, arguments, expected):
    load_sample(db_url)
    result = flask(db_url, "export", *arguments)

    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_whatsapp_bold_marks_left_out_of_flag_reason():
    flag = ValueFlag(
        report_id=1, indicator_id=1, source=FlagSource.RULE, rule_code="RANGE-BOR",
        status=FlagStatus.OPEN, message="*BOR 112%* melebihi 100%.",
    )
    assert flag_columns([flag])["flag_reason"] == "BOR 112% melebihi 100%."

"""Export report values as CSV or Excel (.xlsx), for one period or a range.

`export_table` lists typed rows: numbers as `Decimal`, times as aware local
datetimes, empty cells as None. `write_table_csv` and `write_xlsx` write
those rows, and `export_rows` with `write_csv` keep the string rows of one
period that earlier versions returned.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import BinaryIO, TextIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlmodel import Session, select

from bot.i18n import plain_text
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


# Width of each column in the xlsx sheet, in Excel's character units. Rows
# are streamed, so the widths are fixed ahead for typical content, not
# measured.
XLSX_WIDTHS = {
    "period": 10,
    "agency_code": 16,
    "agency_name": 40,
    "indicator_code": 18,
    "indicator_name": 50,
    "unit": 12,
    "value": 18,
    "raw_text": 18,
    "status": 11,
    "submitted_at": 19,
    "on_time": 8,
    "receipt_no": 24,
    "flag": 11,
    "flag_reason": 40,
    "verification": 17,
    "verified_at": 19,
}
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
XLSX_SHEET_TITLE = "Laporan"
# The character written in place of each control character an xlsx file cannot contain.
XLSX_REPLACEMENT_CHARACTER = "\ufffd"


def export_table(
    session: Session, periods: Iterable[Period], tz: ZoneInfo
) -> tuple[tuple[str, ...], Iterator[list]]:
    """Return the columns and the typed rows of the periods, in the order given.

    Each period has a row per agency and applicable indicator, as
    `export_rows` describes, and the `period` column distinguishes the
    periods. A cell is a `Decimal` for a number, an aware datetime in `tz`
    for `submitted_at` and `verified_at`, a string, or None when empty.
    The rows are produced one period at a time while they are read, so the
    session must stay open until they are consumed.
    """
    return COLUMNS, _table_rows(session, list(periods), tz)


def _table_rows(
    session: Session, periods: list[Period], tz: ZoneInfo
) -> Iterator[list]:
    agencies = list(session.exec(select(Agency).order_by(Agency.id)).all())
    for period in periods:
        for row in _period_rows(session, period, agencies, tz):
            yield [row[column] for column in COLUMNS]


def export_rows(session: Session, period: Period, tz: ZoneInfo) -> list[dict]:
    """List a row per agency and applicable indicator, computed ones included.

    Rows follow agency id, then question order. An agency that reports no
    indicator for the period has no rows. Every cell is a string, as
    `format_cell` writes it: `submitted_at` and `verified_at` are local
    times, and `flag_columns` describes the flag columns.
    """
    agencies = list(session.exec(select(Agency).order_by(Agency.id)).all())
    return [
        {column: format_cell(row[column]) for column in COLUMNS}
        for row in _period_rows(session, period, agencies, tz)
    ]


def _period_rows(
    session: Session, period: Period, agencies: list[Agency], tz: ZoneInfo
) -> Iterator[dict]:
    """Yield one period's typed rows as dicts; three queries whatever its size."""
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
    for agency in agencies:
        report = reports.get(agency.id)
        for indicator in applicable_indicators(session, agency, period):
            key = (report.id, indicator.id) if report else None
            value = values.get(key)
            yield {
                "period": period.code,
                "agency_code": agency.code,
                "agency_name": agency.name,
                "indicator_code": indicator.code,
                "indicator_name": indicator.name,
                "unit": indicator.unit or None,
                "value": value_cell(value),
                "raw_text": (value.raw_text or None) if value else None,
                **report_columns(report, tz),
                **_none_if_empty(flag_columns(flags.get(key, []))),
                **verification_columns(report, tz),
            }


def value_cell(value: ReportValue | None) -> Decimal | str | None:
    """Return a value's cell: the number, the text, `none`, or None without a value."""
    if value is None:
        return None
    if value.is_none:
        return NONE_VALUE
    if value.number is not None:
        return canonical(value.number)
    return value.text or None


def format_value(value: ReportValue | None) -> str:
    """Write a value plainly: `18250500000`, `15.5`, the text, `none` or empty."""
    return format_cell(value_cell(value))


def format_cell(cell) -> str:
    """Write a typed cell as the CSV has it: numbers plainly, times as ISO 8601."""
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return format(cell, "f")
    if isinstance(cell, datetime):
        return cell.isoformat()
    return str(cell)


def report_columns(report: Report | None, tz: ZoneInfo) -> dict:
    """Return the report's status, local submission time, on-time mark and receipt."""
    if report is None:
        return {"status": MISSING, "submitted_at": None, "on_time": None,
                "receipt_no": None}
    on_time = None
    if report.on_time is not None:
        on_time = "yes" if report.on_time else "no"
    # `status` says whether the agency reported; the review has its own column.
    draft = report.status == ReportStatus.DRAFT
    status = ReportStatus.DRAFT if draft else ReportStatus.SUBMITTED
    return {
        "status": str(status),
        "submitted_at": _local(report.submitted_at, tz),
        "on_time": on_time,
        "receipt_no": report.receipt_no or None,
    }


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(tz)


def _none_if_empty(cells: dict[str, str]) -> dict[str, str | None]:
    return {column: text or None for column, text in cells.items()}


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
    return plain_text(text)


def verification_columns(report: Report | None, tz: ZoneInfo) -> dict:
    """Return the report's review status and its local verification time."""
    if report is None:
        return {"verification": None, "verified_at": None}
    return {
        "verification": str(report.status),
        "verified_at": _local(report.verified_at, tz),
    }


def write_csv(rows: list[dict], stream: TextIO) -> None:
    """Write the rows with a header line and LF line ends, like the data files."""
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def write_table_csv(
    columns: tuple[str, ...], rows: Iterable[list], stream: TextIO
) -> int:
    """Write typed rows as CSV with LF line ends and return the row count.

    Cells are written by `format_cell`, so one period's file is the same as
    `write_csv` of `export_rows`.
    """
    chunks = csv_chunks(columns, rows)
    stream.write(next(chunks))
    count = 0
    for chunk in chunks:
        stream.write(chunk)
        count += 1
    return count


def csv_chunks(columns: tuple[str, ...], rows: Iterable[list]) -> Iterator[str]:
    """Yield the CSV text of the header, then of each row, for a streamed download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    yield _drain(buffer)
    for row in rows:
        writer.writerow([format_cell(cell) for cell in row])
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def write_xlsx(columns: tuple[str, ...], rows: Iterable[list], stream: BinaryIO) -> int:
    """Write typed rows as one Excel sheet to a binary stream and return the row count.

    The workbook is in openpyxl's write-only mode, which keeps rows in a
    temporary file instead of memory. The header row is bold and frozen with
    a filter. Numbers are numeric cells and times are date cells in the
    regency's local time, since Excel has no time zones. Empty cells are left
    out. NOTE: Excel keeps 15 significant digits, so a number longer than
    that, exact in the CSV, is rounded in the sheet.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(XLSX_SHEET_TITLE)
    for index, column in enumerate(columns, start=1):
        width = XLSX_WIDTHS.get(column, max(len(column), 10) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"

    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
        count += 1
    workbook.save(stream)
    return count


def _xlsx_cell(sheet, value):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = XLSX_DATETIME_FORMAT
        return cell
    if isinstance(value, str):
        # XML 1.0 has no control characters other than tab and line breaks,
        # so openpyxl raises IllegalCharacterError for a reply that contains
        # one. The CSV keeps them.
        value = ILLEGAL_CHARACTERS_RE.sub(XLSX_REPLACEMENT_CHARACTER, value)
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store such a string as a formula, which Excel runs.
        # An operator's reply is text, so it is stored as text.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value

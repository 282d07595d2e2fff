"""Read the import's CSV files into rows, checking encoding, header and shape."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

AGENCIES = "agencies.csv"
OFFICIALS = "officials.csv"
INDICATORS = "indicators.csv"
PERIODS = "periods.csv"
BUDGETS = "budgets.csv"
HOLIDAYS = "holidays.csv"
RULES = "rules.csv"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class DataImportError(ValueError):
    """An invalid CSV file or row, with its file, line, column and reason."""

    def __init__(
        self, file: str, line: int | None, column: str | None, reason: str
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        place = self.file
        if self.line is not None:
            place += f" line {self.line}"
        if self.column is not None:
            place += f", column {self.column}"
        return f"{place}: {self.reason}"


@dataclass(frozen=True)
class _CsvSpec:
    """The columns of one CSV file and whether the file must be present."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    file_required: bool = True

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


_SPECS = {
    AGENCIES: _CsvSpec(AGENCIES, ("code", "name", "short_name", "kind"), ("aliases",)),
    OFFICIALS: _CsvSpec(
        OFFICIALS, ("name", "phone", "role"), ("agency_code", "language", "opt_in"),
        False,
    ),
    INDICATORS: _CsvSpec(
        INDICATORS,
        ("code", "name", "type", "periodicity"),
        ("aliases", "unit", "min", "max", "choices", "applies_to", "required",
         "formula"),
    ),
    PERIODS: _CsvSpec(PERIODS, ("code", "periodicity", "start", "end", "deadline")),
    BUDGETS: _CsvSpec(BUDGETS, ("agency_code", "year", "ceiling"), (), False),
    HOLIDAYS: _CsvSpec(HOLIDAYS, ("date", "name", "kind"), (), False),
    RULES: _CsvSpec(
        RULES,
        ("code", "kind", "indicator"),
        ("other", "min", "max", "threshold", "note"),
        False,
    ),
}


@dataclass
class _Row:
    """One data row of a CSV file with its physical line number."""

    file: str
    line: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")

    def error(self, column: str | None, reason: str) -> DataImportError:
        return DataImportError(self.file, self.line, column, reason)


def _read_rows(directory: Path, spec: _CsvSpec) -> list[_Row] | None:
    """Read a CSV file into rows, or return None for an absent optional file.

    Raises DataImportError for a missing required file, text that is not
    UTF-8 or not CSV, a bad header and a row with the wrong number of fields.
    """
    path = directory / spec.name
    if not path.is_file():
        if not spec.file_required:
            return None
        raise DataImportError(
            spec.name, None, None, f"required file not found in {directory}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataImportError(
            spec.name, None, None, f"cannot be read: {exc.strerror}"
        ) from exc
    reader = csv.reader(io.StringIO(_decode(spec.name, data), newline=""), strict=True)
    line = 1
    try:
        header = _read_header(reader, spec)
        rows = []
        line = reader.line_num + 1
        for cells in reader:
            row = _make_row(spec.name, line, header, cells)
            if row is not None:
                rows.append(row)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise DataImportError(
            spec.name, line, None, f"is not valid CSV: {exc}"
        ) from exc
    return rows


def _decode(file: str, data: bytes) -> str:
    """Decode UTF-8 text, dropping a byte order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataImportError(
            file,
            line,
            None,
            f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}). Save the file as UTF-8.",
        ) from exc


def _read_header(reader, spec: _CsvSpec) -> list[str]:
    cells = next(reader, None)
    if not cells or not any(cell.strip() for cell in cells):
        raise DataImportError(
            spec.name, 1, None,
            f"the header row is missing. Expected columns: {', '.join(spec.columns)}",
        )
    header = [cell.strip().lower() for cell in cells]
    for index, column in enumerate(header):
        if column not in spec.columns:
            raise DataImportError(
                spec.name, 1, column or f"#{index + 1}",
                f"unknown column. Expected columns: {', '.join(spec.columns)}",
            )
        if column in header[:index]:
            raise DataImportError(spec.name, 1, column, "the column appears twice")
    for column in spec.required:
        if column not in header:
            raise DataImportError(spec.name, 1, column, "required column is missing")
    return header


def _make_row(file: str, line: int, header: list[str], cells: list[str]) -> _Row | None:
    """Build a row from its cells, or return None for a blank line."""
    cells = [cell.strip() for cell in cells]
    if not any(cells):
        return None
    if len(cells) != len(header):
        raise DataImportError(
            file, line, None,
            f"the row has {len(cells)} fields but the header has {len(header)}",
        )
    row = _Row(file, line, dict(zip(header, cells)))
    for column, cell in row.cells.items():
        match = _CONTROL.search(cell)
        if match:
            raise row.error(
                column,
                f"contains the control character U+{ord(match.group()):04X}. "
                "Remove it, and keep each value on one line.",
            )
    return row

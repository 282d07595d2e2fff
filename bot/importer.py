"""Load the regency's reference data from a directory of CSV files.

`import_directory` validates every file before it writes anything, then
upserts rows by natural key inside a savepoint of the caller's transaction.
Rows that the files no longer list are kept, because agencies, indicators and
periods carry reports and a deployment deactivates officials explicitly. The
only rows it deletes are agency aliases that the agency's current code, names
and aliases no longer produce.
"""

from __future__ import annotations

import ast
import csv
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, SQLModel, select

from bot.parsing import normalise
from bot.phones import InvalidPhone, mask, to_e164
from bot.reports import BUDGET
from models import (
    NUMERIC_TYPES,
    Agency,
    AgencyAlias,
    Budget,
    Holiday,
    ImportRun,
    Indicator,
    IndicatorType,
    Official,
    Period,
    Periodicity,
    Role,
)
from models.types import DECIMAL_PRECISION, DECIMAL_SCALE, canonical

logger = logging.getLogger(__name__)

AGENCIES = "agencies.csv"
OFFICIALS = "officials.csv"
INDICATORS = "indicators.csv"
PERIODS = "periods.csv"
BUDGETS = "budgets.csv"
HOLIDAYS = "holidays.csv"

LANGUAGES = ("id", "en")
HOLIDAY_KINDS = ("holiday", "collective_leave")
# ExactDecimal is NUMERIC(24, 4) on PostgreSQL, which rounds a fifth decimal and
# rejects a 21st digit before the point.
MAX_INTEGER_DIGITS = DECIMAL_PRECISION - DECIMAL_SCALE

_PLAIN_DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_KIND = re.compile(r"[a-z0-9_-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PUNCTUATION = re.compile(r"[^\w\s]")
_WORD = re.compile(r"\w+")
_FORMULA_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


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


@dataclass
class FileCounts:
    """Rows of one CSV file that the import created, updated or left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass
class ImportSummary:
    """Per-file counts of one import and the optional files that were absent."""

    source: str
    files: dict[str, FileCounts] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def __getitem__(self, file: str) -> FileCounts:
        return self.files[file]

    @property
    def created(self) -> int:
        return sum(counts.created for counts in self.files.values())

    @property
    def updated(self) -> int:
        return sum(counts.updated for counts in self.files.values())

    @property
    def unchanged(self) -> int:
        return sum(counts.unchanged for counts in self.files.values())

    @property
    def changed(self) -> bool:
        return any(counts.changed for counts in self.files.values())

    def __str__(self) -> str:
        parts = [
            f"{name}: {c.created} created, {c.updated} updated, "
            f"{c.unchanged} unchanged"
            for name, c in self.files.items()
        ]
        parts += [f"{name}: not present, skipped" for name in self.skipped]
        return "; ".join(parts)


# --- Reading CSV files -------------------------------------------------------


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
        OFFICIALS, ("name", "phone", "role"), ("agency_code", "language"), False
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


# --- Parsing cells -----------------------------------------------------------


def _max_length(model: type[SQLModel], column: str) -> int | None:
    return model.__table__.c[column].type.length


def _text_cell(
    row: _Row,
    column: str,
    model: type[SQLModel],
    attribute: str | None = None,
    *,
    required: bool = True,
) -> str:
    """Return a stripped cell, checked to be present and to fit its column."""
    value = row[column]
    if required and not value:
        raise row.error(column, "a value is required")
    _check_length(row, column, value, _max_length(model, attribute or column))
    return value


def _check_length(row: _Row, column: str, value: str, limit: int | None) -> None:
    if limit is not None and len(value) > limit:
        raise row.error(
            column, f"{value[:40]!r}... is {len(value)} characters long, but "
            f"the maximum is {limit}",
        )


def _enum_cell(row: _Row, column: str, allowed: Iterable[str]) -> str:
    value = row[column].lower()
    allowed = list(allowed)
    if not value:
        raise row.error(column, f"a value is required: one of {', '.join(allowed)}")
    if value not in allowed:
        raise row.error(
            column, f"{row[column]!r} is not one of {', '.join(allowed)}"
        )
    return value


def _code_cell(row: _Row, column: str, model: type[SQLModel]) -> str:
    value = _text_cell(row, column, model, "code")
    if not _CODE.fullmatch(value):
        raise row.error(
            column,
            f"{value!r} is not a valid code. Use only letters, digits, '.', '_' "
            "and '-'.",
        )
    return value


def _decimal_cell(row: _Row, column: str) -> Decimal | None:
    """Parse an exact decimal such as `18250500000` or `15.5`, or None if empty."""
    value = row[column]
    if not value:
        return None
    if not _PLAIN_DECIMAL.fullmatch(value):
        raise row.error(
            column,
            f"{value!r} is not a plain decimal number. Write it like 15.5, "
            "with a point and no thousands separators.",
        )
    number = Decimal(value)
    integer_part, _, fraction = value.lstrip("+-").partition(".")
    if len(fraction.rstrip("0")) > DECIMAL_SCALE:
        raise row.error(
            column, f"{value!r} has more than {DECIMAL_SCALE} decimal places"
        )
    if len(integer_part.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise row.error(
            column, f"{value!r} has more than {MAX_INTEGER_DIGITS} digits before "
            "the decimal point",
        )
    return canonical(number)


def _date_cell(row: _Row, column: str) -> date:
    value = row[column]
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise row.error(
            column, f"{value!r} is not a date in the form YYYY-MM-DD"
        ) from None


def _check_unique(row: _Row, column: str, key, seen: dict, label: str) -> None:
    """Raise when `key` already appeared on an earlier line of the file."""
    if key in seen:
        raise row.error(column, f"{label} is already used on line {seen[key]}")
    seen[key] = row.line


# --- Records -----------------------------------------------------------------


@dataclass
class _AgencyRecord:
    line: int
    code: str
    values: dict
    # Each alias with the column it comes from, for error messages.
    aliases: dict[str, str]


@dataclass
class _IndicatorRecord:
    row: _Row
    values: dict
    tokens: list[str]
    alias_keys: set[str]

    @property
    def code(self) -> str:
        return self.values["code"]


@dataclass
class _KeyedRecord:
    """A validated row: its natural key, column values and agency, if any."""

    line: int
    key: object
    values: dict
    agency_code: str | None = None


@dataclass
class _Plan:
    """Every file, validated and ready to write."""

    agencies: list[_AgencyRecord]
    officials: list[_KeyedRecord] | None
    indicators: list[_IndicatorRecord]
    periods: list[_KeyedRecord]
    budgets: list[_KeyedRecord] | None
    holidays: list[_KeyedRecord] | None


@dataclass
class _Known:
    """Agencies stored before the import, which the files may refer to."""

    agencies: dict[str, Agency]
    aliases: dict[str, AgencyAlias]
    agency_by_id: dict[int, Agency]


# --- Agencies ----------------------------------------------------------------


def alias_forms(text: str) -> list[str]:
    """List the lower-case forms an agency name is stored under.

    The second form drops punctuation and reads `-` as a space, so that
    `KEC-MUARAPADANG` is also `kec muarapadang`. The third splits at any
    punctuation, which is how the status lookup splits a message into words.
    """
    plain = normalise(text)
    spaced = plain.replace("-", " ")
    stripped = " ".join(_PUNCTUATION.sub("", spaced).split())
    words = " ".join(_WORD.findall(spaced))
    return list(dict.fromkeys(form for form in (plain, stripped, words) if form))


def _parse_agencies(rows: list[_Row], known: _Known) -> list[_AgencyRecord]:
    records: list[_AgencyRecord] = []
    seen_codes: dict[str, int] = {}
    alias_owner: dict[str, tuple[str, int]] = {}
    listed = {row["code"] for row in rows}
    alias_limit = _max_length(AgencyAlias, "alias")
    for row in rows:
        code = _code_cell(row, "code", Agency)
        _check_unique(row, "code", code, seen_codes, f"code {code!r}")
        kind = _text_cell(row, "kind", Agency).lower()
        if not _KIND.fullmatch(kind):
            raise row.error(
                "kind", f"{row['kind']!r} is not a valid kind such as dinas or "
                "kecamatan. Use only lower-case letters, digits, '_' and '-'.",
            )
        values = {
            "code": code,
            "name": _text_cell(row, "name", Agency),
            "short_name": _text_cell(row, "short_name", Agency),
            "kind": kind,
        }
        sources = [("code", code), ("short_name", values["short_name"]),
                   ("name", values["name"])]
        sources += [("aliases", a) for a in row["aliases"].split("|") if a.strip()]
        aliases: dict[str, str] = {}
        for column, text in sources:
            for alias in alias_forms(text):
                _check_length(row, column, alias, alias_limit)
                aliases.setdefault(alias, column)
        for alias, column in aliases.items():
            _check_alias_owner(row, column, alias, code, alias_owner, known, listed)
            alias_owner[alias] = (code, row.line)
        records.append(_AgencyRecord(row.line, code, values, aliases))
    return records


def _check_alias_owner(
    row: _Row,
    column: str,
    alias: str,
    code: str,
    alias_owner: dict[str, tuple[str, int]],
    known: _Known,
    listed: set[str],
) -> None:
    """Raise when another agency of the file or of the database has the alias."""
    if alias in alias_owner:
        other, line = alias_owner[alias]
        raise row.error(
            column,
            f"alias {alias!r} of {code} is also an alias of {other} (line {line}). "
            "An alias must name one agency, so change one of the two.",
        )
    stored = known.aliases.get(alias)
    if stored is None:
        return
    owner = known.agency_by_id[stored.agency_id]
    if owner.code != code and owner.code not in listed:
        raise row.error(
            column,
            f"alias {alias!r} of {code} is also an alias of {owner.code}, which is "
            f"stored but not listed in {AGENCIES}. An alias must name one agency, "
            f"so list {owner.code} with other names or change this alias.",
        )


# --- Officials ---------------------------------------------------------------


def _phone_for_message(raw: str) -> str:
    """Quote a short invalid phone cell as typed, and mask anything longer."""
    digits = sum(ch.isdigit() for ch in raw)
    return repr(raw) if digits <= 6 else mask(raw)


def _parse_officials(rows: list[_Row], agency_codes: set[str]) -> list[_KeyedRecord]:
    records = []
    seen_phones: dict[str, int] = {}
    for row in rows:
        name = _text_cell(row, "name", Official)
        raw_phone = row["phone"]
        if not raw_phone:
            raise row.error("phone", "a value is required")
        try:
            phone = to_e164(raw_phone)
        except InvalidPhone:
            raise row.error(
                "phone", f"{_phone_for_message(raw_phone)} is not a valid phone number"
            ) from None
        _check_length(row, "phone", phone, _max_length(Official, "phone"))
        _check_unique(row, "phone", phone, seen_phones, f"phone {mask(phone)}")
        role = _enum_cell(row, "role", list(Role))
        agency_code = row["agency_code"] or None
        if agency_code is None and role == Role.OPERATOR:
            raise row.error(
                "agency_code", "an operator needs the code of the agency it reports for"
            )
        if agency_code is not None and agency_code not in agency_codes:
            raise row.error(
                "agency_code", f"agency {agency_code!r} not found in {AGENCIES}"
            )
        language = _enum_cell(row, "language", LANGUAGES) if row["language"] else "id"
        values = {"name": name, "phone": phone, "role": role, "language": language}
        records.append(_KeyedRecord(row.line, phone, values, agency_code))
    return records


# --- Indicators --------------------------------------------------------------


def _split_list(text: str, separator: str) -> list[str]:
    return [item.strip() for item in text.split(separator) if item.strip()]


def _parse_indicators(
    rows: list[_Row], agency_kinds: dict[str, str]
) -> list[_IndicatorRecord]:
    records = []
    seen_codes: dict[str, int] = {}
    for position, row in enumerate(rows, start=1):
        code = _code_cell(row, "code", Indicator)
        _check_unique(row, "code", code, seen_codes, f"code {code!r}")
        if code.lower() == BUDGET:
            raise row.error("code", f"{BUDGET!r} is reserved for the agency's ceiling")
        kind = _enum_cell(row, "type", list(IndicatorType))
        minimum, maximum = _parse_bounds(row, kind)
        aliases = _split_list(row["aliases"], "|")
        values = {
            "code": code,
            "name": _text_cell(row, "name", Indicator),
            "aliases": "|".join(aliases),
            "unit": _text_cell(row, "unit", Indicator, required=False),
            "type": kind,
            "minimum": minimum,
            "maximum": maximum,
            "choices": _parse_choices(row, kind),
            "periodicity": _enum_cell(row, "periodicity", list(Periodicity)),
            "applies_to": ";".join(_parse_applies_to(row, agency_kinds)),
            "required": _parse_required(row),
            "formula": _text_cell(row, "formula", Indicator, required=False),
            "position": position,
        }
        for column in ("aliases", "applies_to"):
            _check_length(row, column, values[column], _max_length(Indicator, column))
        if values["formula"] and kind not in NUMERIC_TYPES:
            raise row.error("formula", f"a {kind} indicator cannot have a formula")
        tokens = values["applies_to"].split(";")
        alias_keys = {normalise(alias) for alias in aliases}
        records.append(_IndicatorRecord(row, values, tokens, alias_keys))
    by_code = {record.code: record for record in records}
    for record in records:
        if record.values["formula"]:
            _check_formula(record, by_code)
    return records


def _parse_bounds(row: _Row, kind: str) -> tuple[Decimal | None, Decimal | None]:
    minimum = _decimal_cell(row, "min")
    maximum = _decimal_cell(row, "max")
    for column, bound in (("min", minimum), ("max", maximum)):
        if bound is None:
            continue
        if kind not in NUMERIC_TYPES:
            raise row.error(column, f"a {kind} indicator cannot have a {column} bound")
        if kind == IndicatorType.INTEGER and bound != bound.to_integral_value():
            raise row.error(
                column,
                f"{row[column]!r} is not a whole number, but the type is integer",
            )
    if minimum is not None and maximum is not None and minimum > maximum:
        raise row.error("max", f"max {maximum} is less than min {minimum}")
    return minimum, maximum


def _parse_choices(row: _Row, kind: str) -> str:
    choices = _split_list(row["choices"], "|")
    if kind != IndicatorType.CHOICE:
        if choices:
            raise row.error(
                "choices", f"only a choice indicator has choices, not {kind}"
            )
        return ""
    if not choices:
        raise row.error(
            "choices", "a choice indicator needs its choices, separated by |"
        )
    seen: dict[str, str] = {}
    for choice in choices:
        key = normalise(choice)
        if key in seen:
            raise row.error("choices", f"choice {choice!r} is listed twice")
        seen[key] = choice
    value = "|".join(choices)
    _check_length(row, "choices", value, _max_length(Indicator, "choices"))
    return value


def _parse_applies_to(row: _Row, agency_kinds: dict[str, str]) -> list[str]:
    if "applies_to" not in row.cells:
        return ["ALL"]
    tokens = _split_list(row["applies_to"], ";")
    if not tokens:
        raise row.error(
            "applies_to", "a value is required: ALL, agency codes or kind:KIND"
        )
    kinds = set(agency_kinds.values())
    for token in tokens:
        if token == "ALL" or token in agency_kinds:
            continue
        if token.startswith("kind:"):
            if token[5:] in kinds:
                continue
            raise row.error(
                "applies_to", f"no agency has the kind {token[5:]!r} of {token!r}"
            )
        raise row.error(
            "applies_to",
            f"{token!r} is not ALL, an agency code from {AGENCIES} or kind:KIND",
        )
    return tokens


def _parse_required(row: _Row) -> bool:
    if "required" not in row.cells:
        return True
    return _enum_cell(row, "required", ("yes", "no")) == "yes"


def _check_formula(
    record: _IndicatorRecord, by_code: dict[str, _IndicatorRecord]
) -> None:
    """Check a formula the way `bot.reports.evaluate_formula` reads it.

    Codes are swapped for plain names, longest first, and the result must be
    +, -, * and / over numbers, numeric indicators of the file and `budget`.
    """
    row = record.row
    formula = record.values["formula"]
    expression = formula
    names: dict[str, str] = {}
    for index, code in enumerate(sorted([*by_code, BUDGET], key=len, reverse=True)):
        if code in expression:
            names[f"__ref{index}__"] = code
            expression = expression.replace(code, f"__ref{index}__")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        raise row.error("formula", f"{formula!r} is not a valid expression") from None
    for node in ast.walk(tree.body):
        _check_formula_node(row, formula, node, names)
    for code in names.values():
        if code == record.code:
            raise row.error("formula", f"{formula!r} refers to the indicator itself")
        if code != BUDGET and by_code[code].values["type"] not in NUMERIC_TYPES:
            raise row.error(
                "formula", f"{formula!r} uses {code}, which is not a numeric indicator"
            )


def _check_formula_node(row: _Row, formula: str, node: ast.AST, names: dict) -> None:
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, _FORMULA_OPERATORS):
            raise row.error("formula", f"{formula!r} may only use + - * /")
    elif isinstance(node, ast.Name):
        if node.id not in names:
            name = node.id
            for placeholder, code in names.items():
                name = name.replace(placeholder, code)
            raise row.error(
                "formula",
                f"{formula!r} uses {name!r}, which is neither an indicator code "
                f"in {INDICATORS} nor {BUDGET}",
            )
    elif isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise row.error("formula", f"{formula!r} contains {node.value!r}")
    elif not isinstance(node, (ast.operator, ast.expr_context)):
        raise row.error(
            "formula", f"{formula!r} may only use numbers, codes, budget and + - * /"
        )


def _check_indicator_aliases(
    records: list[_IndicatorRecord], agency_kinds: dict[str, str]
) -> None:
    """Raise when two indicators that one agency reports share an alias."""
    earlier: dict[str, list[_IndicatorRecord]] = {}
    for record in records:
        for alias in sorted(record.alias_keys):
            for other in earlier.get(alias, []):
                agency = _common_agency(record, other, agency_kinds)
                if agency is not None:
                    raise record.row.error(
                        "aliases",
                        f"alias {alias!r} is also an alias of {other.code} "
                        f"(line {other.row.line}), and {agency} reports both",
                    )
            earlier.setdefault(alias, []).append(record)


def _common_agency(
    first: _IndicatorRecord, second: _IndicatorRecord, agency_kinds: dict[str, str]
) -> str | None:
    for code, kind in agency_kinds.items():
        if _applies(first.tokens, code, kind) and _applies(second.tokens, code, kind):
            return code
    return None


def _applies(tokens: list[str], code: str, kind: str) -> bool:
    """Match `Indicator.applies` for an agency that may not be stored yet."""
    return any(
        token == "ALL" or token == code or token == f"kind:{kind}" for token in tokens
    )


# --- Periods, budgets and holidays ------------------------------------------


def _parse_periods(rows: list[_Row]) -> list[_KeyedRecord]:
    records = []
    seen_codes: dict[str, int] = {}
    for row in rows:
        code = _text_cell(row, "code", Period)
        _check_unique(row, "code", code, seen_codes, f"code {code!r}")
        periodicity = _enum_cell(row, "periodicity", list(Periodicity))
        start = _date_cell(row, "start")
        end = _date_cell(row, "end")
        deadline = _date_cell(row, "deadline")
        if end < start:
            raise row.error("end", f"end {end} is before start {start}")
        if deadline < end:
            raise row.error("deadline", f"deadline {deadline} is before end {end}")
        values = {
            "code": code,
            "periodicity": periodicity,
            "start": start,
            "end": end,
            "deadline": deadline,
        }
        records.append(_KeyedRecord(row.line, code, values))
    return records


def _parse_budgets(rows: list[_Row], agency_codes: set[str]) -> list[_KeyedRecord]:
    records = []
    seen: dict[tuple[str, int], int] = {}
    for row in rows:
        agency_code = row["agency_code"]
        if agency_code not in agency_codes:
            raise row.error(
                "agency_code", f"agency {agency_code!r} not found in {AGENCIES}"
            )
        if not _YEAR.fullmatch(row["year"]):
            raise row.error("year", f"{row['year']!r} is not a four-digit year")
        year = int(row["year"])
        _check_unique(
            row, "year", (agency_code, year), seen, f"{agency_code} {year}"
        )
        ceiling = _decimal_cell(row, "ceiling")
        if ceiling is None:
            raise row.error("ceiling", "a value is required")
        if ceiling < 0:
            raise row.error("ceiling", f"{row['ceiling']!r} is negative")
        values = {"year": year, "ceiling": ceiling}
        records.append(_KeyedRecord(row.line, (agency_code, year), values, agency_code))
    return records


def _parse_holidays(rows: list[_Row]) -> list[_KeyedRecord]:
    records = []
    seen: dict[date, int] = {}
    for row in rows:
        day = _date_cell(row, "date")
        _check_unique(row, "date", day, seen, f"date {day}")
        values = {
            "day": day,
            "name": _text_cell(row, "name", Holiday),
            "kind": _enum_cell(row, "kind", HOLIDAY_KINDS),
        }
        records.append(_KeyedRecord(row.line, day, values))
    return records


# --- Validation and writing --------------------------------------------------


def _load_known(session: Session) -> _Known:
    agencies = session.exec(select(Agency)).all()
    aliases = session.exec(select(AgencyAlias)).all()
    return _Known(
        agencies={agency.code: agency for agency in agencies},
        aliases={row.alias: row for row in aliases},
        agency_by_id={agency.id: agency for agency in agencies},
    )


def _validate(directory: Path, known: _Known) -> _Plan:
    """Read and check every file, raising DataImportError at the first bad row."""
    rows = {name: _read_rows(directory, spec) for name, spec in _SPECS.items()}
    agencies = _parse_agencies(rows[AGENCIES], known)
    # Stored agencies that the file omits are kept, so rows may refer to them.
    agency_kinds = {code: agency.kind for code, agency in known.agencies.items()}
    agency_kinds |= {record.code: record.values["kind"] for record in agencies}
    agency_codes = set(agency_kinds)
    indicators = _parse_indicators(rows[INDICATORS], agency_kinds)
    _check_indicator_aliases(indicators, agency_kinds)

    def optional(name, parse, *args):
        return None if rows[name] is None else parse(rows[name], *args)

    return _Plan(
        agencies=agencies,
        officials=optional(OFFICIALS, _parse_officials, agency_codes),
        indicators=indicators,
        periods=_parse_periods(rows[PERIODS]),
        budgets=optional(BUDGETS, _parse_budgets, agency_codes),
        holidays=optional(HOLIDAYS, _parse_holidays),
    )


def _assign(target: SQLModel, values: dict) -> bool:
    """Set the attributes that differ and tell whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def _upsert(
    session: Session,
    model: type[SQLModel],
    stored: dict,
    records: list[_KeyedRecord],
    counts: FileCounts,
    agencies: dict[str, Agency] | None = None,
) -> None:
    """Insert or update one row per record, keyed by its natural key.

    With `agencies`, each record's agency code also sets `agency_id`.
    """
    for record in records:
        values = record.values
        if agencies is not None:
            agency = agencies.get(record.agency_code) if record.agency_code else None
            values = values | {"agency_id": agency.id if agency else None}
        row = stored.get(record.key)
        if row is None:
            session.add(model(**values))
            counts.created += 1
        elif _assign(row, values):
            session.add(row)
            counts.updated += 1
        else:
            counts.unchanged += 1


def _write_agencies(
    session: Session, records: list[_AgencyRecord], known: _Known, counts: FileCounts
) -> dict[str, Agency]:
    """Upsert agencies and rebuild their aliases; return every agency by code."""
    agencies = dict(known.agencies)
    changed: set[str] = set()
    for record in records:
        agency = agencies.get(record.code)
        if agency is None:
            agencies[record.code] = Agency(**record.values)
            session.add(agencies[record.code])
            counts.created += 1
        elif _assign(agency, record.values):
            changed.add(record.code)
    session.flush()

    by_agency: dict[int, dict[str, AgencyAlias]] = {}
    for row in known.aliases.values():
        by_agency.setdefault(row.agency_id, {})[row.alias] = row
    additions = []
    for record in records:
        agency = agencies[record.code]
        current = by_agency.get(agency.id, {})
        for alias, row in current.items():
            if alias not in record.aliases:
                session.delete(row)
                changed.add(record.code)
        for alias in record.aliases:
            if alias not in current:
                additions.append(AgencyAlias(alias=alias, agency_id=agency.id))
                if record.code in known.agencies:
                    changed.add(record.code)
    # Deletes go first: an alias may move from one listed agency to another.
    session.flush()
    session.add_all(additions)
    session.flush()

    existing = sum(1 for record in records if record.code in known.agencies)
    counts.updated += len(changed)
    counts.unchanged += existing - len(changed)
    return agencies


def _write_plan(session: Session, plan: _Plan, known: _Known) -> dict[str, FileCounts]:
    counts: dict[str, FileCounts] = {AGENCIES: FileCounts()}
    agencies = _write_agencies(session, plan.agencies, known, counts[AGENCIES])

    if plan.officials is not None:
        counts[OFFICIALS] = FileCounts()
        # Officials missing from the file stay as they are, active or not:
        # a deployment deactivates people explicitly, never by omission.
        # The import does not touch `active` of listed officials either.
        stored = {o.phone: o for o in session.exec(select(Official)).all()}
        _upsert(session, Official, stored, plan.officials, counts[OFFICIALS], agencies)

    counts[INDICATORS] = FileCounts()
    stored = {i.code: i for i in session.exec(select(Indicator)).all()}
    records = [_KeyedRecord(r.row.line, r.code, r.values) for r in plan.indicators]
    _upsert(session, Indicator, stored, records, counts[INDICATORS])

    counts[PERIODS] = FileCounts()
    stored = {p.code: p for p in session.exec(select(Period)).all()}
    _upsert(session, Period, stored, plan.periods, counts[PERIODS])

    if plan.budgets is not None:
        counts[BUDGETS] = FileCounts()
        code_by_id = {agency.id: code for code, agency in agencies.items()}
        stored = {
            (code_by_id[b.agency_id], b.year): b
            for b in session.exec(select(Budget)).all()
        }
        _upsert(session, Budget, stored, plan.budgets, counts[BUDGETS], agencies)

    if plan.holidays is not None:
        counts[HOLIDAYS] = FileCounts()
        stored = {h.day: h for h in session.exec(select(Holiday)).all()}
        _upsert(session, Holiday, stored, plan.holidays, counts[HOLIDAYS])

    session.flush()
    return counts


def import_directory(session: Session, directory: Path) -> ImportSummary:
    """Validate the CSV files in `directory`, then upsert them into the tables.

    Works inside the caller's transaction and never commits. Every file is
    checked before the first write, and the writes run in a savepoint, so on
    any error the session holds nothing of this call. An `ImportRun` row is
    added only when a row was created or updated.

    Raises DataImportError naming the file, line and column of a bad value.
    """
    directory = Path(directory)
    known = _load_known(session)
    plan = _validate(directory, known)
    summary = ImportSummary(source=str(directory.resolve()))
    summary.skipped = [
        name for name in (OFFICIALS, BUDGETS, HOLIDAYS)
        if getattr(plan, name.removesuffix(".csv")) is None
    ]
    with session.begin_nested():
        summary.files = _write_plan(session, plan, known)
        if summary.changed:
            source = summary.source[-_max_length(ImportRun, "source"):]
            session.add(
                ImportRun(source=source, created=summary.created,
                          updated=summary.updated)
            )
            session.flush()
    logger.info(
        "import %s: %d created, %d updated, %d unchanged, skipped %s",
        directory, summary.created, summary.updated, summary.unchanged,
        summary.skipped or "none",
    )
    return summary

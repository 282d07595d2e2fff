"""Parse the cells of a row: text, codes, enumerations, decimals and dates."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlmodel import SQLModel

from bot.importer.csvfiles import _Row
from models.types import DECIMAL_PRECISION, DECIMAL_SCALE, canonical

# ExactDecimal is NUMERIC(24, 4) on PostgreSQL, which rounds a fifth decimal and
# rejects a 21st digit before the point.
MAX_INTEGER_DIGITS = DECIMAL_PRECISION - DECIMAL_SCALE

_PLAIN_DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


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

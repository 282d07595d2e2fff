"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.types import TypeDecorator

# Rupiah amounts reach 10^15 in a province's budget; four decimals keep
# percentages such as 87,5 and ratios exact.
DECIMAL_PRECISION = 24
DECIMAL_SCALE = 4


class ExactDecimal(TypeDecorator):
    """A `Decimal` stored exactly: NUMERIC on PostgreSQL, text on SQLite.

    SQLite has no exact decimal type and would round 18250500000.5 through a
    float, so there the value is kept as its canonical string.
    """

    impl = Numeric(DECIMAL_PRECISION, DECIMAL_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(
            Numeric(DECIMAL_PRECISION, DECIMAL_SCALE, asdecimal=True)
        )

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value)
        if dialect.name == "sqlite":
            return format(canonical(value), "f")
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return canonical(Decimal(value))


def canonical(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class UTCDateTime(TypeDecorator):
    """An aware UTC `datetime`; SQLite would otherwise drop the offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)

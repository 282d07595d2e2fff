"""Read Indonesian WhatsApp answers: numbers, choices, yes or no, periods, dates."""

from bot.parsing.choices import parse_choice, parse_yes_no
from bot.parsing.numbers import (
    Ambiguous,
    OutOfBounds,
    ParseError,
    format_number,
    format_percent,
    format_rupiah,
    number_readings,
    parse_number,
    trailing_unit,
)
from bot.parsing.periods import PeriodRef, parse_date, parse_period, strip_periods
from bot.parsing.text import edit_distance, is_none_answer, normalise

__all__ = [
    "Ambiguous",
    "OutOfBounds",
    "ParseError",
    "PeriodRef",
    "edit_distance",
    "format_number",
    "format_percent",
    "format_rupiah",
    "is_none_answer",
    "normalise",
    "number_readings",
    "parse_choice",
    "parse_date",
    "parse_number",
    "parse_period",
    "parse_yes_no",
    "strip_periods",
    "trailing_unit",
]

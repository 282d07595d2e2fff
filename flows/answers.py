"""Read an answer for an indicator and write a value back for display."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.i18n import t
from bot.parsing import (
    Ambiguous,
    OutOfBounds,
    ParseError,
    format_number,
    format_percent,
    format_rupiah,
    is_none_answer,
    normalise,
    parse_choice,
    parse_number,
    trailing_unit,
)
from models import Indicator, IndicatorType, ReportValue


# Units of measure whose confusion changes a value: `150 meter` is not 150 km.
# Count nouns (orang, kasus, unit) are left out, since officials use them
# loosely for the same count.
MEASURE_UNITS = frozenset(
    {"%", "Rp", "km", "m", "m²", "km²", "m³", "ha", "ton", "kg", "jam", "menit",
     "hari", "detik", "m/s", "ton/ha"}
)


class UnitMismatch(ParseError):
    """A number written with a unit of another quantity than the question's."""

    def __init__(self, text: str, given: str, expected: str) -> None:
        ValueError.__init__(self, f"The unit {given} does not match {expected}.")
        self.code = "unit_mismatch"
        self.text = text
        self.given = given
        self.expected = expected


@dataclass(frozen=True)
class Answer:
    """A parsed answer, ready to store."""

    number: Decimal | None = None
    text: str | None = None
    is_none: bool = False


def parse_answer(indicator: Indicator, raw: str) -> Answer:
    """Parse `raw` by the indicator's type; raise ParseError when it does not fit."""
    kind = indicator.type
    if kind == IndicatorType.TEXT:
        if is_none_answer(raw):
            if indicator.required:
                raise ParseError("empty", raw)
            return Answer(is_none=True)
        if not raw.strip():
            raise ParseError("empty", raw)
        return Answer(text=raw.strip())
    if kind == IndicatorType.CHOICE:
        return Answer(text=parse_choice(raw, indicator.choice_list))
    check_unit(indicator, raw)
    number = parse_number(
        raw,
        minimum=indicator.minimum,
        maximum=indicator.maximum,
        integer=kind == IndicatorType.INTEGER,
    )
    if kind == IndicatorType.CURRENCY and number != number.to_integral_value():
        # `18,25` is far more likely 18,25 M with the scale forgotten than
        # Rp18 and 25 sen, so ask instead of storing it.
        raise ParseError("not_integer", raw)
    return Answer(number=number)


def expected_unit(indicator: Indicator) -> str | None:
    """Return the canonical unit of a numeric question, or None for a bare count."""
    if indicator.type == IndicatorType.CURRENCY:
        return "Rp"
    if indicator.type == IndicatorType.PERCENT:
        return "%"
    return trailing_unit(f"1 {indicator.unit}") if indicator.unit else None


def check_unit(indicator: Indicator, raw: str) -> None:
    """Raise UnitMismatch when the answer names a unit of another quantity."""
    given = trailing_unit(raw)
    if given is None or given not in MEASURE_UNITS:
        return
    expected = expected_unit(indicator)
    if expected is None:
        if given in ("%", "Rp"):
            raise UnitMismatch(raw, given, indicator.unit or "angka")
        return
    if given == expected or expected.split("/")[0] == given:
        return
    raise UnitMismatch(raw, given, expected)


def display(indicator: Indicator, value: ReportValue | None, lang: str) -> str:
    """Write a stored value the way the bot shows it: `Rp2.350.000.000`, `15,5%`."""
    if value is None:
        return t(lang, "value.empty")
    if value.is_none:
        return t(lang, "value.none")
    if value.number is None:
        return value.text or ""
    return display_number(indicator, value.number)


def display_number(indicator: Indicator, number: Decimal) -> str:
    if indicator.type == IndicatorType.CURRENCY:
        return format_rupiah(number)
    if indicator.type == IndicatorType.PERCENT:
        return format_percent(number.quantize(Decimal("0.01")).normalize())
    unit = f" {indicator.unit}" if indicator.unit else ""
    return format_number(number) + unit


def example(indicator: Indicator, lang: str) -> str:
    """Give an example answer inside the indicator's bounds."""
    if indicator.type == IndicatorType.CURRENCY:
        return t(lang, "example.currency")
    if indicator.type == IndicatorType.CHOICE:
        return indicator.choice_list[0] if indicator.choice_list else ""
    sample = Decimal("87.5") if indicator.type == IndicatorType.PERCENT else None
    if indicator.type == IndicatorType.INTEGER:
        sample = Decimal(12)
    if indicator.type == IndicatorType.NUMBER:
        sample = Decimal("1.25")
    if indicator.maximum is not None and sample > indicator.maximum:
        sample = indicator.maximum / 2
        if indicator.type == IndicatorType.INTEGER:
            sample = sample.to_integral_value()
    return format_number(sample)


def bounds(indicator: Indicator) -> str:
    """Write the hard bounds as `0–200 km`, or an empty string when unbounded."""
    if indicator.minimum is None and indicator.maximum is None:
        return ""
    # Rupiah and percentages carry their sign on each number; other units
    # follow the range once.
    unit = ""
    if indicator.type in (IndicatorType.CURRENCY, IndicatorType.PERCENT):
        def write(value: Decimal) -> str:
            return display_number(indicator, value)
    else:
        write = format_number
        if indicator.unit:
            unit = f" {indicator.unit}"
    low = "" if indicator.minimum is None else write(indicator.minimum)
    if indicator.maximum is None:
        return f"≥ {low}{unit}"
    return f"{low}–{write(indicator.maximum)}{unit}"


def error_text(indicator: Indicator, error: ParseError, lang: str) -> str:
    """Explain a rejected answer and show a valid example."""
    raw = error.text.strip()[:40]
    if isinstance(error, Ambiguous):
        thousands, decimal = error.readings
        return t(
            lang, "answer.ambiguous",
            decimal=display_number(indicator, decimal),
            thousands=display_number(indicator, thousands),
            bounds=bounds(indicator),
        )
    if isinstance(error, OutOfBounds):
        return t(
            lang, "answer.out_of_bounds",
            value=display_number(indicator, error.value),
            bounds=bounds(indicator),
            example=example(indicator, lang),
        )
    if error.code == "unknown_choice":
        options = "\n".join(
            f"{n}. {choice}" for n, choice in enumerate(indicator.choice_list, 1)
        )
        return t(lang, "answer.unknown_choice", options=options)
    if error.code == "letter_o":
        fixed = re.sub("[oO]", "0", raw)
        return t(lang, "answer.letter_o", raw=raw, example=fixed)
    if error.code == "empty" and indicator.type == IndicatorType.TEXT:
        return t(lang, "answer.empty_text")
    if error.code == "not_integer" and indicator.type == IndicatorType.CURRENCY:
        return t(lang, "answer.currency_fraction", raw=raw, example=example(indicator, lang))
    if isinstance(error, UnitMismatch):
        return t(lang, "answer.unit_mismatch", given=error.given,
                 expected=error.expected, example=example(indicator, lang))
    if error.code == "too_large":
        return t(lang, "answer.too_large", raw=raw, example=example(indicator, lang))
    if error.code == "unknown_scale":
        return t(lang, "answer.unknown_scale", raw=raw, example=example(indicator, lang))
    key = {
        "malformed": "answer.malformed",
        "several_numbers": "answer.several_numbers",
        "not_integer": "answer.not_integer",
    }.get(error.code, "answer.not_a_number")
    text = t(lang, key, raw=raw, example=example(indicator, lang))
    limits = bounds(indicator)
    return text + t(lang, "answer.bounds_hint", bounds=limits) if limits else text


def find_mention(text: str, indicators: list[Indicator]) -> tuple[Indicator, str] | None:
    """Find an indicator named in a message and return it with the words after it.

    Codes, aliases and names count as whole words; the longest match wins,
    so `realisasi fisik` beats `fisik`.
    """
    norm = normalise(text)
    best: tuple[int, Indicator, int] | None = None
    for indicator in indicators:
        names = [indicator.code.lower(), indicator.name.lower(), *indicator.alias_list]
        for name in names:
            name = normalise(name)
            match = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", norm)
            if match and (best is None or len(name) > best[0]):
                best = (len(name), indicator, match.end())
    if best is None:
        return None
    _, indicator, end = best
    return indicator, norm[end:].strip(" ,.:=")

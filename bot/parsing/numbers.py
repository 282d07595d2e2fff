"""Read and write numbers, rupiah amounts and percentages in Indonesian style."""

import decimal
import re
from decimal import Decimal

from babel.numbers import format_decimal

from bot.parsing.errors import Ambiguous, OutOfBounds, ParseError
from bot.parsing.scales import SCALES, UNIT_LETTERS, UNITS, is_unknown_scale
from bot.parsing.text import normalise
from bot.parsing.words import WordNumber, read_word_numbers

# Maximum digits in one number, far above any amount the bot asks for.
MAX_DIGITS = 30
# Maximum digits before the decimal separator of a value after scaling. Values are
# stored as NUMERIC(24, 4), which rejects a 21st digit before the point.
MAX_INTEGER_DIGITS = 20
# Precision for reading, enough for MAX_DIGITS digits scaled by up to 10^12.
_PRECISION = 100

_SCALE_WORDS = "|".join(sorted(SCALES, key=len, reverse=True))

# Dashes and the minus sign U+2212, each read as `-` before a number.
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_CURRENCY = re.compile(r"(?<![a-z])(?:rp\.?|idr)\s*(?=-?\d)")
# `Rp` or `IDR` anywhere, also before number words as in `rp lima juta`.
_CURRENCY_MARK = re.compile(r"(?<![a-z])(?:rp|idr)(?![a-z])")
# The `,-` after a rupiah amount, as in `Rp1.500.000,-`.
_DASH_CENTS = re.compile(r"(?<=\d),-+")
# Groups of three digits separated by spaces, as in `1 500 000`.
_SPACE_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?!\d)")
# The exponent of `m2` or `km²` (² is 2 after NFKC), marked as `m^2` so that it is
# not read as a number.
_UNIT_EXPONENT = re.compile(r"(?<![a-z])(k?m)([23])(?!\d|[.,]\d)")
# A run of digits, dots, commas and letters o, not part of a word. The possessive
# quantifier keeps the search linear in the length of the answer.
_DIGIT_LIKE_RUN = re.compile(r"(?<![a-z])[\do.,]++(?![a-z])")
_O_BESIDE_DIGIT = re.compile(r"\d[.,]?o|o[.,]?\d")
# The sign is `-` or the word `minus`. A leading separator, as in `,5`, starts a
# fraction. A single `m` or `t` followed by `/` or an exponent is a unit such as
# m/s, t/ha or m^2, not a scale.
_NUMBER = re.compile(
    r"(?P<sign>(?<![\w.,])-|(?<![a-z])minus\s*)?"
    r"(?P<body>(?:(?<![\w.,^])[.,])?(?<!\^)\d[\d.,]*)"
    rf"(?:\s?(?P<scale>{_SCALE_WORDS})(?![\w/^]))?"
)
_MINUS_WORD_BEFORE = re.compile(r"(?<![a-z])minus\s*$")
_WORD_AFTER = re.compile(r"\s*([a-z]+)")
# A unit after a number, with an optional exponent or `persegi`/`kubik` (square,
# cubic) and an optional `/` and second unit, as in `m^2`, `meter persegi`, `t/ha`.
_UNIT_AFTER = re.compile(
    r"\s*(?P<unit>%|[a-z]+)(?:\^(?P<exponent>[23])|\s+(?P<power>persegi|kubik)\b)?"
    r"(?:\s*/\s*(?P<per>%|[a-z]+))?"
)
_EXPONENTS = {"2": "\u00b2", "3": "\u00b3", "persegi": "\u00b2", "kubik": "\u00b3"}


# A dash, then a space, then a digit at the start of an answer.
_DETACHED_MINUS = re.compile(r"\s*[-\u2010-\u2015\u2212]\s+\d")


def number_readings(text: str) -> list[Decimal]:
    """Read the one number in a free-form answer, returning each possible value.

    A single dot before exactly three digits gives two readings, thousands first.
    Raise ParseError when the answer contains no number, several different numbers, a
    letter O among digits, a malformed grouping, a word after the number that looks
    like a scale but is not a known one (`unknown_scale`), or a value with more than
    MAX_INTEGER_DIGITS digits before the decimal separator (`too_large`).
    """
    cleaned = _strip_decoration(text)
    if not cleaned:
        raise ParseError("empty", text)
    if _DETACHED_MINUS.match(cleaned):
        # `- 5` may be a minus sign or a list dash, so it is not guessed.
        raise ParseError("not_a_number", text)
    for run in _DIGIT_LIKE_RUN.finditer(cleaned):
        if _O_BESIDE_DIGIT.search(run[0]):
            raise ParseError("letter_o", text)

    found = []
    for match in _NUMBER.finditer(cleaned):
        if not match["scale"]:
            _check_word_after(cleaned, match.end(), text)
        found.append(_match_readings(match, text))
    if not found:
        found = [
            _word_number_reading(number, cleaned, text)
            for number in read_word_numbers(cleaned)
        ]
    distinct = list(dict.fromkeys(found))
    if not distinct:
        raise ParseError("not_a_number", text)
    if len(distinct) > 1:
        raise ParseError("several_numbers", text)
    for value in distinct[0]:
        if abs(value) >= 10**MAX_INTEGER_DIGITS:
            message = (
                f"The number has more than {MAX_INTEGER_DIGITS} digits before the "
                "decimal separator, the maximum that can be stored. Check the digits "
                "and the scale word."
            )
            raise ParseError("too_large", text, message)
    return list(distinct[0])


def parse_number(
    text: str,
    *,
    minimum: Decimal | int | None = None,
    maximum: Decimal | int | None = None,
    integer: bool = False,
) -> Decimal:
    """Read the number in an answer and check it against inclusive bounds.

    When both readings of a dotted number fit, the thousands reading wins. When only
    the decimal reading fits, raise Ambiguous so that the bot asks. Raise OutOfBounds
    with the thousands reading when neither fits.
    """
    readings = number_readings(text)
    if integer:
        readings = [value for value in readings if value == value.to_integral_value()]
        if not readings:
            raise ParseError("not_integer", text)

    if _within(readings[0], minimum, maximum):
        return readings[0]
    if len(readings) == 2 and _within(readings[1], minimum, maximum):
        raise Ambiguous(text, (readings[0], readings[1]))
    raise OutOfBounds(text, readings[0], minimum, maximum)


def format_number(value: Decimal | int, decimals: int | None = None) -> str:
    """Write a number in Indonesian style, such as `1.250,5`.

    With `decimals` the value is rounded half up to exactly that many places, so
    `format_number(Decimal("11.98"), 1)` is `12,0`. Without it, every significant
    decimal is written and trailing zeros are dropped.
    """
    value = _tidy(Decimal(value))
    with decimal.localcontext(_exact_context(value, decimals or 0)):
        pattern = "#,##0"
        if decimals is not None:
            value = value.quantize(Decimal(1).scaleb(-decimals), decimal.ROUND_HALF_UP)
            value = value if value else abs(value)  # -0,0 after rounding is 0,0
            pattern = "#,##0." + "0" * decimals if decimals else pattern
        return format_decimal(
            value, format=pattern, locale="id", decimal_quantization=False
        )


def format_rupiah(value: Decimal | int) -> str:
    """Write a rupiah amount such as `Rp18.250.500.000` or `Rp1.500,50`.

    A whole amount has no decimals, and a fraction gets at least two places.
    """
    value = _tidy(Decimal(value))
    places = max(0, -value.as_tuple().exponent)
    decimals = max(2, places) if places else None
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{format_number(abs(value), decimals)}"


def format_percent(value: Decimal | int, decimals: int | None = None) -> str:
    """Write a percentage such as `15,5%` from a value in percent."""
    return f"{format_number(value, decimals)}%"


def trailing_unit(text: str) -> str | None:
    """Return the canonical unit written with the number, such as `%` for `98 persen`.

    A currency mark (`Rp`, `IDR` or a trailing `,-`) gives `Rp`. Otherwise the word
    right after the number and its scale word is looked up in the unit table, so
    `45 rb ha` gives `ha`. An exponent or `/` is kept, as in `m²` or `ton/ha`. Of
    several numbers, the first one followed by a unit gives it. Return None when no
    known unit follows a number, as in `42 subkeg` or `2 M`.
    """
    unified = _unify(text)
    if _CURRENCY_MARK.search(unified) or _DASH_CENTS.search(unified):
        return "Rp"
    cleaned = _strip_decoration(text)
    ends = [match.end() for match in _NUMBER.finditer(cleaned)]
    if not ends:
        ends = [number.end for number in read_word_numbers(cleaned)]
    for end in ends:
        unit = _unit_at(cleaned, end)
        if unit is not None:
            return unit
    return None


def _unit_at(cleaned: str, position: int) -> str | None:
    """Return the canonical unit that starts at position, or None."""
    match = _UNIT_AFTER.match(cleaned, position)
    if not match:
        return None
    power = match["exponent"] or match["power"]
    word = match["unit"]
    unit = UNITS.get(word)
    if unit is None and (power or match["per"]):
        unit = UNIT_LETTERS.get(word)
    if unit is None:
        return None
    if power:
        unit += _EXPONENTS[power]
    if match["per"]:
        per = match["per"]
        unit += "/" + UNITS.get(per, UNIT_LETTERS.get(per, per))
    return unit


def _unify(text: str) -> str:
    """Return the normalised answer with every dash as `-` and unit exponents marked."""
    unified = normalise(text).translate(_DASHES)
    return _UNIT_EXPONENT.sub(r"\1^\2", unified)


def _strip_decoration(text: str) -> str:
    """Return the normalised answer without currency marks, with digit groups joined."""
    cleaned = _CURRENCY.sub("", _unify(text))
    cleaned = _DASH_CENTS.sub("", cleaned)
    return _SPACE_GROUPS.sub(lambda match: match[0].replace(" ", "."), cleaned)


def _check_word_after(cleaned: str, position: int, text: str) -> None:
    """Raise ParseError when the word at position looks like an unknown scale."""
    word = _WORD_AFTER.match(cleaned, position)
    if word and is_unknown_scale(word[1]):
        raise ParseError("unknown_scale", text)


def _word_number_reading(number: WordNumber, cleaned: str, text: str) -> tuple[Decimal]:
    """Return the value of a number in words, negative after the word `minus`."""
    _check_word_after(cleaned, number.end, text)
    negative = _MINUS_WORD_BEFORE.search(cleaned, 0, number.start)
    return (Decimal(-number.value if negative else number.value),)


def _match_readings(match: re.Match, text: str) -> tuple[Decimal, ...]:
    body = match["body"]
    if body[-1] in ".,":
        body = body[:-1]  # a full stop or comma that ends the sentence
    if body[0] in ".,":
        body = "0" + body  # a leading separator, as in ,5 for 0,5
    if sum(character.isdigit() for character in body) > MAX_DIGITS:
        raise ParseError("malformed", text, f"The number has over {MAX_DIGITS} digits.")
    exponent = SCALES[match["scale"]] if match["scale"] else 0
    readings = []
    with decimal.localcontext(decimal.Context(prec=_PRECISION)):
        for value in _body_readings(body, text):
            value = value.scaleb(exponent)
            readings.append(_tidy(-value if match["sign"] else value))
    return tuple(readings)


def _body_readings(body: str, text: str) -> list[Decimal]:
    """Read digits with dots and at most one comma, following the dot rule."""
    whole, comma, fraction = body.partition(",")
    if re.search(r"[.,]{2}|[.,]$", body) or "," in fraction or "." in fraction:
        raise ParseError("malformed", text)
    groups = whole.split(".")
    if comma:
        if len(groups) > 1 and not _is_grouping(groups):
            raise ParseError("malformed", text)
        return [Decimal("".join(groups) + "." + fraction)]

    if len(groups) == 1:
        return [Decimal(whole)]
    if len(groups) == 2 and not _is_grouping(groups):
        return [Decimal(whole)]  # a decimal point, as in 23.5 or 87.50
    if not _is_grouping(groups):
        raise ParseError("malformed", text)
    thousands = Decimal("".join(groups))
    return [thousands, Decimal(whole)] if len(groups) == 2 else [thousands]


def _is_grouping(groups: list[str]) -> bool:
    """Tell whether dot-separated digit groups are valid thousands groups."""
    first, *rest = groups
    leading_ok = 1 <= len(first) <= 3 and not first.startswith("0")
    return leading_ok and all(len(group) == 3 for group in rest)


def _within(value: Decimal, minimum: Decimal | None, maximum: Decimal | None) -> bool:
    above_minimum = minimum is None or value >= Decimal(minimum)
    return above_minimum and (maximum is None or value <= Decimal(maximum))


def _tidy(value: Decimal) -> Decimal:
    """Return the value without trailing zero decimals, exponent and negative zero."""
    if not value:
        return Decimal(0)
    with decimal.localcontext(_exact_context(value)):
        if value == value.to_integral_value():
            return value.quantize(Decimal(1))
        return value.normalize()


def _exact_context(value: Decimal, decimals: int = 0) -> decimal.Context:
    """Return a context precise enough to hold every digit of the value."""
    _, digits, exponent = value.as_tuple()
    return decimal.Context(prec=max(28, len(digits) + abs(exponent) + decimals + 2))

"""Read and write numbers, rupiah amounts and percentages in Indonesian style."""

import decimal
import re
from decimal import Decimal

from babel.numbers import format_decimal

from bot.parsing.text import normalise

_MESSAGES = {
    "empty": "The answer is empty.",
    "not_a_number": "The answer contains no number.",
    "letter_o": "The number contains a letter O where a digit belongs.",
    "malformed": "The number has invalid digit grouping. Thousands are grouped "
    "as in 1.500.000 and a single comma marks decimals, as in 87,5.",
    "several_numbers": "The answer contains more than one number.",
    "not_integer": "The number must be a whole number.",
    "unknown_choice": "The answer matches none of the choices.",
}
# OutOfBounds and Ambiguous write their own messages, with the values read.
ERROR_CODES = frozenset(_MESSAGES) | {"out_of_bounds", "ambiguous"}

# Maximum digits in one number, far above any amount the bot asks for.
MAX_DIGITS = 30
# Precision for reading, enough for MAX_DIGITS digits scaled by up to 10^12.
_PRECISION = 100

# Scale words by the power of ten they stand for. `M` is miliar, never million.
_SCALE_NAMES = {
    3: "rb ribu",
    6: "jt juta",
    9: "m miliar milyar milyard",
    12: "t triliun",
}
_SCALES = {
    word: power for power, names in _SCALE_NAMES.items() for word in names.split()
}
_SCALE_WORDS = "|".join(sorted(_SCALES, key=len, reverse=True))

_CURRENCY = re.compile(r"(?<![a-z])(?:rp\.?|idr)\s*(?=-?\d)")
# The `,-` after a rupiah amount, as in `Rp1.500.000,-`.
_DASH_CENTS = re.compile(r"(?<=\d),-+")
# Groups of three digits separated by spaces, as in `1 500 000`.
_SPACE_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?!\d)")
# A run of digits, dots, commas and letters o, not part of a word. The possessive
# quantifier keeps the search linear in the length of the answer.
_DIGIT_LIKE_RUN = re.compile(r"(?<![a-z])[\do.,]++(?![a-z])")
_O_BESIDE_DIGIT = re.compile(r"\d[.,]?o|o[.,]?\d")
# A single `m` or `t` followed by `/` is a unit such as m/s or t/ha, not a scale.
_NUMBER = re.compile(
    rf"(?P<sign>(?<![\w.,])-)?(?P<body>\d[\d.,]*)"
    rf"(?:\s?(?P<scale>{_SCALE_WORDS})(?![\w/]))?"
)

# Digit words from 0 to 9, with the Palembang forms `duo`, `tigo`, `limo`, `lapan`.
_UNIT_NAMES = (
    "nol|satu|dua duo|tiga tigo|empat|lima limo|enam|tujuh|delapan lapan|sembilan"
)
_UNIT_WORDS = {
    word: value
    for value, names in enumerate(_UNIT_NAMES.split("|"))
    for word in names.split()
}
# Words that form a whole part of a number: (value, place of the next part).
_WHOLE_WORDS = {"sepuluh": (10, 1), "sebelas": (11, 1), "seratus": (100, 100)}
# Words after a unit: (multiplier, addend, place of the next part).
_PLACE_WORDS = {"belas": (1, 10, 1), "puluh": (10, 0, 10), "ratus": (100, 0, 100)}


class ParseError(ValueError):
    """Answer that cannot be read as the value asked for.

    `code` names the reason and `text` stores the raw answer. The message leaves the
    answer out, because answers are personal data and exceptions end up in logs.
    """

    def __init__(self, code: str, text: str, message: str | None = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"Unknown parse error code {code!r}.")
        super().__init__(message or _MESSAGES[code])
        self.code = code
        self.text = text


class OutOfBounds(ParseError):
    """Number outside the bounds of the question, with `value` the reading shown."""

    def __init__(
        self,
        text: str,
        value: Decimal,
        minimum: Decimal | None,
        maximum: Decimal | None,
    ) -> None:
        low = "-inf" if minimum is None else minimum
        high = "inf" if maximum is None else maximum
        message = f"The number {value} is outside the bounds [{low}, {high}]."
        super().__init__("out_of_bounds", text, message)
        self.value = value
        self.minimum = minimum
        self.maximum = maximum


class Ambiguous(ParseError):
    """Dotted number whose thousands reading is out of bounds but decimal one is not.

    `readings` is (thousands reading, decimal reading), and the bot must ask which
    one was meant.
    """

    def __init__(self, text: str, readings: tuple[Decimal, Decimal]) -> None:
        thousands, fraction = readings
        message = f"The number can be {thousands} or {fraction}. Ask which was meant."
        super().__init__("ambiguous", text, message)
        self.readings = readings


def number_readings(text: str) -> list[Decimal]:
    """Read the one number in a free-form answer, returning each possible value.

    A single dot before exactly three digits gives two readings, thousands first.
    Raise ParseError when the answer contains no number, several different numbers, a
    letter O among digits or a malformed grouping.
    """
    cleaned = _strip_decoration(text)
    if not cleaned:
        raise ParseError("empty", text)
    for run in _DIGIT_LIKE_RUN.finditer(cleaned):
        if _O_BESIDE_DIGIT.search(run[0]):
            raise ParseError("letter_o", text)

    found = [_match_readings(match, text) for match in _NUMBER.finditer(cleaned)]
    if not found:
        found = [(Decimal(value),) for value in _word_numbers(cleaned)]
    distinct = list(dict.fromkeys(found))
    if not distinct:
        raise ParseError("not_a_number", text)
    if len(distinct) > 1:
        raise ParseError("several_numbers", text)
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


def _strip_decoration(text: str) -> str:
    """Return the normalised answer without currency marks, with digit groups joined."""
    cleaned = normalise(text).replace("\u2212", "-")
    cleaned = _CURRENCY.sub("", cleaned)
    cleaned = _DASH_CENTS.sub("", cleaned)
    return _SPACE_GROUPS.sub(lambda match: match[0].replace(" ", "."), cleaned)


def _match_readings(match: re.Match, text: str) -> tuple[Decimal, ...]:
    body = match["body"]
    if body[-1] in ".,":
        body = body[:-1]  # a full stop or comma that ends the sentence
    if sum(character.isdigit() for character in body) > MAX_DIGITS:
        raise ParseError("malformed", text, f"The number has over {MAX_DIGITS} digits.")
    exponent = _SCALES[match["scale"]] if match["scale"] else 0
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


def _word_numbers(cleaned: str) -> list[int]:
    """Read Indonesian number words such as `tiga puluh lima` or Palembang `duo`."""
    tokens = re.findall(r"[a-z]+", cleaned)
    numbers: list[int] = []
    current: int | None = None
    place = 0  # the next part joins the current number only if it is below this
    index = 0
    while index < len(tokens):
        value, next_place, width = _word_part(tokens, index)
        if value is not None and current is not None and value < place:
            current += value
        else:
            if current is not None:
                numbers.append(current)
            current = value
        place = next_place
        index += width
    if current is not None:
        numbers.append(current)
    return numbers


def _word_part(tokens: list[str], index: int) -> tuple[int | None, int, int]:
    """Return the value of the number part at index, the place after it and its width.

    A word that is not a number word gives no value and a place of zero.
    """
    word = tokens[index]
    if word in _WHOLE_WORDS:
        value, next_place = _WHOLE_WORDS[word]
        return value, next_place, 1
    if word not in _UNIT_WORDS:
        return None, 0, 1
    unit = _UNIT_WORDS[word]
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if following in _PLACE_WORDS and unit > 0:
        multiplier, addend, next_place = _PLACE_WORDS[following]
        return unit * multiplier + addend, next_place, 2
    return unit, 1, 1


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

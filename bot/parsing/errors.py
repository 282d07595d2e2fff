"""Errors raised for answers that cannot be read as the value asked for."""

from decimal import Decimal

_MESSAGES = {
    "empty": "The answer is empty.",
    "not_a_number": "The answer contains no number.",
    "letter_o": "The number contains a letter O where a digit belongs.",
    "malformed": "The number has invalid digit grouping. Thousands are grouped "
    "as in 1.500.000 and a single comma marks decimals, as in 87,5.",
    "several_numbers": "The answer contains more than one number.",
    "not_integer": "The number must be a whole number.",
    "unknown_choice": "The answer matches none of the choices.",
    "unknown_scale": "The word after the number looks like a scale word, such as k "
    "or jutaan, but is not one of rb, ribu, jt, juta, M, miliar, T or triliun. "
    "Write the number in full or with one of those.",
}
# OutOfBounds and Ambiguous write their own messages, with the values read, and so
# does the "too_large" error, which names the digit limit.
ERROR_CODES = frozenset(_MESSAGES) | {"out_of_bounds", "ambiguous", "too_large"}


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

"""Phone numbers: normalise to E.164 and mask them for logs."""

from __future__ import annotations

import phonenumbers

# The region that local forms such as 0812... belong to.
DEFAULT_REGION = "ID"


class InvalidPhone(ValueError):
    """A phone number that cannot be read as a valid number."""


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """Normalise `0812...`, `62812...`, `+62 812-...` and `whatsapp:+62...`.

    Raises InvalidPhone with the reason when the number is not valid.
    """
    text = raw.strip()
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:") :]
    digits = "".join(ch for ch in text if ch.isdigit())
    # 00 is the international call prefix: 0062812... is +62812...
    if not text.startswith("+") and digits.startswith("00"):
        text, digits = "+" + digits[2:], digits[2:]
    # A bare country code without "+" (62812...) reads as a local number.
    if not text.startswith("+") and digits.startswith("62") and len(digits) >= 10:
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{mask(raw)} is not a phone number: {exc}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(f"{mask(raw)} has the wrong number of digits")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str) -> str:
    """Keep the country code and the last three digits: `+62*******001`."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) <= 5:
        return "*" * len(digits)
    return "+" + digits[:2] + "*" * (len(digits) - 5) + digits[-3:]

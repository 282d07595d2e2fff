"""Phone normalisation to E.164 and masking for logs."""

import pytest

from bot.phones import InvalidPhone, mask, to_e164


@pytest.mark.parametrize(
    "raw",
    [
        "0812-0000-0001",
        "081200000001",
        "6281200000001",
        "+62 812-0000-0001",
        "+62 (812) 0000 0001",
        "whatsapp:+6281200000001",
        "006281200000001",
        " 0812 0000 0001 ",
    ],
)
def test_local_forms_become_e164(raw):
    assert to_e164(raw) == "+6281200000001"


@pytest.mark.parametrize("raw", ["", "abc", "12", "+62"])
def test_invalid_phone_is_rejected(raw):
    with pytest.raises(InvalidPhone):
        to_e164(raw)


def test_mask_hides_the_middle():
    masked = mask("+6281200000001")
    assert masked == "+62********001"
    assert "81200000" not in masked

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.parsing import (
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
from bot.parsing.numbers import MAX_INTEGER_DIGITS
from models.types import DECIMAL_PRECISION, DECIMAL_SCALE

NBSP = "\u00a0"
NNBSP = "\u202f"

# Answers as officials type them on WhatsApp, with the value each one means.
NUMBERS = [
    # Rupiah amounts and their decorations.
    ("Rp 18.250.500.000,-", "18250500000"),
    ("18.250.500.000", "18250500000"),
    ("Rp 1.500.000", "1500000"),
    ("Rp1.500.000,-", "1500000"),
    ("IDR 1.500.000,00", "1500000"),
    ("rp1500000", "1500000"),
    ("1.500.000 rupiah", "1500000"),
    ("Rp. 1.500.000", "1500000"),
    ("Rp4.000.000.000", "4000000000"),
    ("Rp2.100.000.000", "2100000000"),
    ("Rp18.250.500.000", "18250500000"),
    ("1.250.000", "1250000"),
    # Scale words, with and without a space.
    ("2,35 M", "2350000000"),
    ("18,25 M", "18250000000"),
    ("1,9 M", "1900000000"),
    ("312jt", "312000000"),
    ("1,25 jt", "1250000"),
    ("3 juta", "3000000"),
    ("45 rb ha", "45000"),
    ("54 ribu", "54000"),
    ("eh kembali, luas tanam salah harusnya 54 ribu", "54000"),
    ("2 m", "2000000000"),
    ("2 miliar", "2000000000"),
    ("2 milyar", "2000000000"),
    ("2 milyard", "2000000000"),
    ("1 T", "1000000000000"),
    ("1,5 triliun", "1500000000000"),
    ("Rp 45rb", "45000"),
    # Common misspellings of the scale words.
    ("1,5 miliyar", "1500000000"),
    ("2 millyar", "2000000000"),
    ("3 milyar", "3000000000"),
    ("1 trilyun", "1000000000000"),
    ("1 triliyun", "1000000000000"),
    # Percentages.
    ("15,5 %", "15.5"),
    ("97,8%", "97.8"),
    ("98,5 persen", "98.5"),
    ("90,5", "90.5"),
    ("81,2", "81.2"),
    ("12,0%", "12"),
    # Decimal comma and decimal point.
    ("87,5", "87.5"),
    ("87.5", "87.5"),
    ("23.5", "23.5"),
    ("87.50", "87.5"),
    ("5,2", "5.2"),
    ("0,25", "0.25"),
    ("0.250", "0.25"),
    ("1234.567", "1234.567"),
    ("1.500.000,50", "1500000.5"),
    # Groups separated by spaces, including the no-break spaces of pasted text.
    ("1 500 000", "1500000"),
    (f"1{NBSP}500{NBSP}000", "1500000"),
    (f"1{NNBSP}500{NNBSP}000", "1500000"),
    (f"Rp{NBSP}1.500.000", "1500000"),
    # Words around the number.
    ("42 subkeg", "42"),
    ("2 paket alkes", "2"),
    ("28 bu", "28"),
    ("15 ibu", "15"),
    ("angka 15 itu", "15"),
    ("12 data", "12"),
    ("5 jiwa", "5"),
    ("5 juga", "5"),
    ("5 hari lagi", "5"),
    ("5 m/s", "5"),
    ("150 m²", "150"),
    ("150 m2", "150"),
    ("12 km²", "12"),
    ("1,25 km maksudnya", "1.25"),
    ("yg benar 81,2", "81.2"),
    ("mohon maaf pak, salah input. yg benar 81,2", "81.2"),
    ("eh salah ketik, fisik 15", "15"),
    ("fisik 150", "150"),
    ("28", "28"),
    ("134", "134"),
    ("5,2 t/ha", "5.2"),
    ("81,2.", "81.2"),
    ("10ok", "10"),
    # Number words, including Palembang forms.
    ("duo kali", "2"),
    ("tigo", "3"),
    ("limo", "5"),
    ("lapan", "8"),
    ("delapan", "8"),
    ("sembilan", "9"),
    ("nol", "0"),
    ("sepuluh", "10"),
    ("sebelas", "11"),
    ("lapan belas", "18"),
    ("tiga puluh lima", "35"),
    ("seratus", "100"),
    ("seratus dua puluh tiga", "123"),
    ("dua (2)", "2"),
    ("dua puluh", "20"),
    # Number words with scale words.
    ("dua ribu", "2000"),
    ("tiga ratus ribu", "300000"),
    ("sebelas ribu", "11000"),
    ("lima juta", "5000000"),
    ("delapan belas miliar", "18000000000"),
    ("dua juta lima ratus ribu", "2500000"),
    ("seribu lima ratus", "1500"),
    ("dua milyar", "2000000000"),
    # Signs.
    ("-5", "-5"),
    ("-1,5", "-1.5"),
    ("-Rp1.500.000", "-1500000"),
    ("\u20135 jt", "-5000000"),
    ("\u20145", "-5"),
    ("\u22125", "-5"),
    ("Rp\u22121.500.000", "-1500000"),
    ("minus 5", "-5"),
    ("minus 1,5 M", "-1500000000"),
    ("minus lima", "-5"),
    ("Rp1.500.000,\u2013", "1500000"),
    # A leading decimal separator.
    (",5", "0.5"),
    (".5", "0.5"),
    ("-,5", "-0.5"),
    (",25 jt", "250000"),
    # The largest values that fit 20 digits before the decimal separator.
    ("99.999.999 T", "99999999000000000000"),
    ("9" * 20 + ",5", "9" * 20 + ".5"),
]

BAD_NUMBERS = [
    ("9O,5", "letter_o"),
    ("9o,5", "letter_o"),
    ("1O0", "letter_o"),
    ("O,5", "letter_o"),
    ("1.50.000", "malformed"),
    ("1..500", "malformed"),
    ("1,5,5", "malformed"),
    ("1,500.5", "malformed"),
    ("1.500.00", "malformed"),
    ("1" * 31, "malformed"),
    ("abc", "not_a_number"),
    ("-", "not_a_number"),
    # A dash apart from the digits may be a list dash, not a minus sign.
    ("- 5", "not_a_number"),
    ("\u2013 5", "not_a_number"),
    ("dak katek", "not_a_number"),
    ("", "empty"),
    ("   ", "empty"),
    ("12 dan 15", "several_numbers"),
    ("realisasi keuangan maret 1,9 M fisik 150", "several_numbers"),
    ("dua tiga", "several_numbers"),
    # Words after the number that look like a scale but are not read as one.
    ("750k", "unknown_scale"),
    ("5 mil", "unknown_scale"),
    ("750 K", "unknown_scale"),
    ("2 million", "unknown_scale"),
    ("3 thousand", "unknown_scale"),
    ("1 billion", "unknown_scale"),
    ("1 trillion", "unknown_scale"),
    ("5 B", "unknown_scale"),
    ("5 jutaan", "unknown_scale"),
    ("5 ribuan", "unknown_scale"),
    ("2 miliaran", "unknown_scale"),
    ("2 rbu", "unknown_scale"),
    ("2 rib", "unknown_scale"),
    ("3 jta", "unknown_scale"),
    ("3 jutq", "unknown_scale"),
    ("1 mliar", "unknown_scale"),
    ("1 trilun", "unknown_scale"),
    ("5 ratus", "unknown_scale"),
    ("2 puluh", "unknown_scale"),
    ("dua ribuan", "unknown_scale"),
    ("lima jutaan", "unknown_scale"),
    # More than 20 digits before the decimal separator after scaling.
    ("999999999999999999999999 M", "too_large"),
    ("100.000.000 T", "too_large"),
    ("1" * 21, "too_large"),
    ("-" + "1" * 21, "too_large"),
]


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_parse_number_value(text, expected):
    value = parse_number(text)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


@pytest.mark.parametrize(("text", "code"), BAD_NUMBERS)
def test_parse_number_rejects(text, code):
    with pytest.raises(ParseError) as error:
        parse_number(text)
    assert error.value.code == code
    assert error.value.text == text


def test_error_message_omits_answer():
    with pytest.raises(ParseError) as error:
        parse_number("9O,5 rahasia")
    assert "rahasia" not in str(error.value)


def test_repeated_number_is_one():
    assert parse_number("15, ya 15") == Decimal(15)


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("1.250", ["1250", "1.25"]),
        ("45.000", ["45000", "45"]),
        ("1.250 jt", ["1250000000", "1250000"]),
        ("1.500.000", ["1500000"]),
        ("23.5", ["23.5"]),
        ("87,5", ["87.5"]),
        ("0.250", ["0.25"]),
    ],
)
def test_readings_dot_rule(text, readings):
    assert number_readings(text) == [Decimal(value) for value in readings]


@pytest.mark.parametrize(
    ("text", "minimum", "maximum", "expected"),
    [
        ("1.250", 0, 2000, "1250"),
        ("1.250", None, None, "1250"),
        ("45.000", 0, 300000, "45000"),
        ("45 rb ha", 0, 300000, "45000"),
        ("1,25 km maksudnya", 0, 200, "1.25"),
        ("23.5", 0, 100, "23.5"),
        ("15,5 %", 0, 100, "15.5"),
        ("0", 0, 100, "0"),
        ("100", 0, 100, "100"),
    ],
)
def test_parse_number_inside_bounds(text, minimum, maximum, expected):
    assert parse_number(text, minimum=minimum, maximum=maximum) == Decimal(expected)


def test_ambiguous_dot_asks():
    with pytest.raises(Ambiguous) as error:
        parse_number("1.250", minimum=0, maximum=200)
    assert error.value.code == "ambiguous"
    assert error.value.readings == (Decimal(1250), Decimal("1.25"))


@pytest.mark.parametrize(
    ("text", "minimum", "maximum", "value"),
    [
        ("fisik 150", 0, 100, "150"),
        ("112", 0, 100, "112"),
        ("-5", 0, None, "-5"),
        ("\u20135 jt", 0, None, "-5000000"),
        ("\u22125", 0, None, "-5"),
        ("minus 5", 0, None, "-5"),
        ("1.250", 0, 1, "1250"),
        ("Rp 1.500.000", 0, 1000, "1500000"),
    ],
)
def test_out_of_bounds(text, minimum, maximum, value):
    with pytest.raises(OutOfBounds) as error:
        parse_number(text, minimum=minimum, maximum=maximum)
    assert error.value.code == "out_of_bounds"
    assert error.value.value == Decimal(value)
    assert error.value.minimum == minimum
    assert error.value.maximum == maximum


def test_integer_accepts_whole():
    assert parse_number("42 subkeg", minimum=0, maximum=500, integer=True) == 42


def test_integer_rejects_fraction():
    with pytest.raises(ParseError) as error:
        parse_number("1,5", integer=True)
    assert error.value.code == "not_integer"


def test_integer_drops_decimal_reading():
    with pytest.raises(OutOfBounds) as error:
        parse_number("1.250", minimum=0, maximum=500, integer=True)
    assert error.value.value == Decimal(1250)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        ("15.5", None, "15,5"),
        ("15.50", None, "15,5"),
        ("1.25", None, "1,25"),
        ("54000", None, "54.000"),
        ("45000", None, "45.000"),
        ("18250500000", None, "18.250.500.000"),
        ("0", None, "0"),
        ("-0", None, "0"),
        ("-1250.5", None, "-1.250,5"),
        ("0.001", None, "0,001"),
        ("11.975", 1, "12,0"),
        ("11.98", 1, "12,0"),
        ("4.1", 1, "4,1"),
        ("1.25", 0, "1"),
        ("-0.04", 1, "0,0"),
    ],
)
def test_format_number(value, decimals, expected):
    assert format_number(Decimal(value), decimals) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("18250500000", "Rp18.250.500.000"),
        ("4000000000.00", "Rp4.000.000.000"),
        ("2350000000", "Rp2.350.000.000"),
        ("57300000000", "Rp57.300.000.000"),
        ("152400000000", "Rp152.400.000.000"),
        ("312000000", "Rp312.000.000"),
        ("1500000.5", "Rp1.500.000,50"),
        ("-1500", "-Rp1.500"),
        ("0", "Rp0"),
    ],
)
def test_format_rupiah(value, expected):
    assert format_rupiah(Decimal(value)) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        ("15.5", None, "15,5%"),
        ("97.8", None, "97,8%"),
        ("81.2", None, "81,2%"),
        ("112", None, "112%"),
        ("11.975", 1, "12,0%"),
    ],
)
def test_format_percent(value, decimals, expected):
    assert format_percent(Decimal(value), decimals) == expected


def test_format_accepts_int():
    assert format_number(1250) == "1.250"


# Decimals with up to six places and up to 20 integer digits, the most that a
# stored value holds.
decimals = st.integers(min_value=0, max_value=6).flatmap(
    lambda places: st.integers(
        min_value=-(10 ** (20 + places)) + 1, max_value=10 ** (20 + places) - 1
    ).map(lambda digits: Decimal(digits).scaleb(-places))
)
margins = st.one_of(st.none(), st.integers(min_value=0, max_value=10**6))


def _bounds(value, below, above):
    minimum = None if below is None else value - below
    maximum = None if above is None else value + above
    return minimum, maximum


@given(decimals, margins, margins)
def test_format_number_round_trip(value, below, above):
    minimum, maximum = _bounds(value, below, above)
    text = format_number(value)
    assert parse_number(text, minimum=minimum, maximum=maximum) == value


@given(decimals, st.integers(min_value=0, max_value=4))
def test_format_decimals_round_trip(value, places):
    with localcontext(prec=60):
        rounded = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    assume(abs(rounded) < 10**MAX_INTEGER_DIGITS)  # 99…9,5 rounds up to 21 digits
    assert parse_number(format_number(value, places)) == rounded


@given(decimals, margins, margins)
def test_format_rupiah_round_trip(value, below, above):
    minimum, maximum = _bounds(value, below, above)
    text = format_rupiah(value)
    assert parse_number(text, minimum=minimum, maximum=maximum) == value


@given(decimals.filter(lambda value: abs(value) <= 1000), margins, margins)
def test_format_percent_round_trip(value, below, above):
    minimum, maximum = _bounds(value, below, above)
    text = format_percent(value)
    assert parse_number(text, minimum=minimum, maximum=maximum) == value


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_thousands_dots_round_trip(number):
    text = f"{number:,}".replace(",", ".")
    assert parse_number(text, integer=True) == number


@given(st.integers(min_value=10**20, max_value=10**28), st.booleans())
def test_over_20_digits_rejected(number, negative):
    value = -number if negative else number
    with pytest.raises(ParseError) as error:
        parse_number(format_number(value))
    assert error.value.code == "too_large"


def test_integer_digit_limit_matches_storage():
    assert MAX_INTEGER_DIGITS == DECIMAL_PRECISION - DECIMAL_SCALE


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("15,5 %", "%"),
        ("12,0%", "%"),
        ("98,5 persen", "%"),
        ("98,5 prosen", "%"),
        ("1,25 km maksudnya", "km"),
        ("3 kilometer", "km"),
        ("150 meter", "m"),
        ("150 mtr", "m"),
        ("150 m²", "m\u00b2"),
        ("150 m2", "m\u00b2"),
        ("150 meter persegi", "m\u00b2"),
        ("12 km²", "km\u00b2"),
        ("10 m³", "m\u00b3"),
        ("10 m/s", "m/s"),
        ("5,2 t/ha", "ton/ha"),
        ("5,2 ton/ha", "ton/ha"),
        ("45 rb ha", "ha"),
        ("54 ribu hektar", "ha"),
        ("3 hektare", "ha"),
        ("20 ton", "ton"),
        ("20 kg", "kg"),
        ("20 kilo", "kg"),
        ("20 kilogram", "kg"),
        ("3 jam", "jam"),
        ("30 menit", "menit"),
        ("30 mnt", "menit"),
        ("5 hari lagi", "hari"),
        ("40 detik", "detik"),
        ("12 orang", "orang"),
        ("12 org", "orang"),
        ("12 jiwa", "orang"),
        ("4 unit", "unit"),
        ("7 ekor", "ekor"),
        ("9 desa", "desa"),
        ("3 kasus", "kasus"),
        ("15 izin", "izin"),
        ("134 layanan", "layanan"),
        ("duo kali", "kali"),
        ("2 kejadian", "kejadian"),
        ("2 paket alkes", "paket"),
        ("Rp 1.500.000", "Rp"),
        ("rp1500000", "Rp"),
        ("IDR 1.500.000,00", "Rp"),
        ("1.500.000,-", "Rp"),
        ("1.500.000 rupiah", "Rp"),
        ("lima ratus ribu rupiah", "Rp"),
        ("Rp lima juta", "Rp"),
        ("fisik 15", None),
        ("42 subkeg", None),
        ("2,35 M", None),
        ("2 m", None),
        ("1 T", None),
        ("312jt", None),
        ("28", None),
        ("abc", None),
        ("", None),
    ],
)
def test_trailing_unit(text, unit):
    assert trailing_unit(text) == unit

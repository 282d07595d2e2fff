import datetime

import pytest

from bot.parsing import PeriodRef, parse_date, parse_period

MONTH_NAMES = [
    ("januari", 1),
    ("jan", 1),
    ("februari", 2),
    ("feb", 2),
    ("maret", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("mei", 5),
    ("juni", 6),
    ("jun", 6),
    ("juli", 7),
    ("jul", 7),
    ("agustus", 8),
    ("agu", 8),
    ("agt", 8),
    ("agus", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("oktober", 10),
    ("okt", 10),
    ("november", 11),
    ("nov", 11),
    ("desember", 12),
    ("des", 12),
    ("march", 3),
    ("May", 5),
    ("october", 10),
    ("December", 12),
]


@pytest.mark.parametrize(("name", "month"), MONTH_NAMES)
def test_period_month_name(name, month):
    assert parse_period(f"lapor {name}") == PeriodRef("monthly", month, None)
    assert parse_period(f"{name} 2026") == PeriodRef("monthly", month, 2026)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Monthly.
        ("maret 2026", PeriodRef("monthly", 3, 2026)),
        ("Maret", PeriodRef("monthly", 3, None)),
        ("bln 3", PeriodRef("monthly", 3, None)),
        ("lapor bln 3", PeriodRef("monthly", 3, None)),
        ("bulan 3", PeriodRef("monthly", 3, None)),
        ("bulan ke-3", PeriodRef("monthly", 3, None)),
        ("bulan 12 2026", PeriodRef("monthly", 12, 2026)),
        ("2026-03", PeriodRef("monthly", 3, 2026)),
        ("03/2026", PeriodRef("monthly", 3, 2026)),
        ("3/2026", PeriodRef("monthly", 3, 2026)),
        ("lapor 5/3/2026", PeriodRef("monthly", 3, 2026)),
        ("maret, tahun 2026", PeriodRef("monthly", 3, 2026)),
        ("lapor maret ya, tahun 2025", PeriodRef("monthly", 3, 2025)),
        (
            "Siapa aja OPD yg blm lapor realisasi bulan maret?",
            PeriodRef("monthly", 3, None),
        ),
        (
            "tandai RSUD BOR maret, 112% tdk mungkin. mohon dicek",
            PeriodRef("monthly", 3, None),
        ),
        (
            "realisasi keuangan maret 1,9 M fisik 150",
            PeriodRef("monthly", 3, None),
        ),
        ("status dinkes april?", PeriodRef("monthly", 4, None)),
        # Quarterly.
        ("tw 1", PeriodRef("quarterly", 1, None)),
        ("tw1", PeriodRef("quarterly", 1, None)),
        ("tw I", PeriodRef("quarterly", 1, None)),
        ("TW-I", PeriodRef("quarterly", 1, None)),
        ("trw 1", PeriodRef("quarterly", 1, None)),
        ("triwulan I", PeriodRef("quarterly", 1, None)),
        ("triwulan 1", PeriodRef("quarterly", 1, None)),
        ("triwulan ii", PeriodRef("quarterly", 2, None)),
        ("triwulan III 2026", PeriodRef("quarterly", 3, 2026)),
        ("tw iv", PeriodRef("quarterly", 4, None)),
        ("tw ke-2", PeriodRef("quarterly", 2, None)),
        ("2026-TW1", PeriodRef("quarterly", 1, 2026)),
        ("q1", PeriodRef("quarterly", 1, None)),
        ("Q3 2026", PeriodRef("quarterly", 3, 2026)),
        ("lapr tw I", PeriodRef("quarterly", 1, None)),
        ("lapor triwulan 1", PeriodRef("quarterly", 1, None)),
        ("batas tw 2 kpn?", PeriodRef("quarterly", 2, None)),
        ("triwulan I tahun 2026", PeriodRef("quarterly", 1, 2026)),
        # Annual.
        ("tahunan", PeriodRef("annual", 1, None)),
        ("tahunan 2026", PeriodRef("annual", 1, 2026)),
        ("tahun 2026", PeriodRef("annual", 1, 2026)),
        ("2026", PeriodRef("annual", 1, 2026)),
        ("lapor sakip 2026", PeriodRef("annual", 1, 2026)),
    ],
)
def test_period_found(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "lapor",
        "fisik 15",
        "42 subkeg",
        "Rp 1.500.000",
        "1.250",
        "sy mau lapor realisasi",
        "tw 5",
        "tw ini",
        "bulan 13",
        "2026-13",
        "tahun 1500",
        "pak agus minta data",
        "bu juni sudah kirim",
        "jangan lupa",
    ],
)
def test_period_none(text):
    assert parse_period(text) is None


@pytest.mark.parametrize(
    ("period", "code"),
    [
        (PeriodRef("monthly", 3, 2026), "2026-03"),
        (PeriodRef("monthly", 12, None), "2025-12"),
        (PeriodRef("quarterly", 1, 2026), "2026-TW1"),
        (PeriodRef("annual", 1, 2026), "2026"),
    ],
)
def test_period_code(period, code):
    assert period.code(default_year=2025) == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/3/2026", (2026, 3, 5)),
        ("05/03/2026", (2026, 3, 5)),
        ("05-03-2026", (2026, 3, 5)),
        ("5.3.2026", (2026, 3, 5)),
        ("2026-03-05", (2026, 3, 5)),
        ("2026/03/05", (2026, 3, 5)),
        ("2026-12-01", (2026, 12, 1)),
        ("5 Maret 2026", (2026, 3, 5)),
        ("10 Agt 2026", (2026, 8, 10)),
        ("1 des 2026", (2026, 12, 1)),
        ("1 Januari 2026", (2026, 1, 1)),
        ("28 Februari 2026", (2026, 2, 28)),
        ("8 Okt 2026", (2026, 10, 8)),
        ("17 Agustus 2026", (2026, 8, 17)),
        ("10 august 2026", (2026, 8, 10)),
        ("Jumat, 10 April 2026", (2026, 4, 10)),
        ("Minggu, 10 Mei 2026", (2026, 5, 10)),
        ("Rabu, 8 April 2026", (2026, 4, 8)),
        ("Selasa, 7 Juli 2026", (2026, 7, 7)),
        ("[06/04/26 09.10] Operator: 1", (2026, 4, 6)),
        ("tgl 5 maret 2026 jam 10", (2026, 3, 5)),
    ],
)
def test_date_found(text, expected):
    assert parse_date(text) == datetime.date(*expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "lapor",
        "5/3",
        "5 maret",
        "5/13/2026",
        "31/2/2026",
        "2026-02-30",
        "32 Maret 2026",
        "fisik 15",
        "1.500.000",
    ],
)
def test_date_none(text):
    assert parse_date(text) is None

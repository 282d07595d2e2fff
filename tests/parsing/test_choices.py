import pytest

from bot.parsing import (
    ParseError,
    edit_distance,
    is_none_answer,
    normalise,
    parse_choice,
    parse_yes_no,
)

# Choice lists of the sample indicators and of the main menu.
LAPKEU = ["Sudah", "Belum"]
PBJ = [
    "Belum Proses",
    "Persiapan",
    "Proses Tender",
    "Kontrak",
    "Pelaksanaan",
    "Selesai (PHO)",
]
SAKIP = ["AA", "A", "BB", "B", "CC", "C", "D"]
OPINI = ["WTP", "WDP", "TW", "TMP"]
MUSRENBANG = ["Belum", "Terjadwal", "Sudah"]
MENU = [
    "Lapor realisasi bulanan (RFK)",
    "Lapor indikator triwulan",
    "Cek status laporan",
    "Bantuan",
]


@pytest.mark.parametrize(
    ("text", "choices", "expected"),
    [
        ("sdh", LAPKEU, "Sudah"),
        ("sudah", LAPKEU, "Sudah"),
        ("SUDAH", LAPKEU, "Sudah"),
        ("udh", LAPKEU, "Sudah"),
        ("udah pak", LAPKEU, "Sudah"),
        ("sudh", LAPKEU, "Sudah"),
        ("blm", LAPKEU, "Belum"),
        ("blum", LAPKEU, "Belum"),
        ("belum.", LAPKEU, "Belum"),
        ("1", LAPKEU, "Sudah"),
        ("2", LAPKEU, "Belum"),
        ("msh proses tender pak", PBJ, "Proses Tender"),
        ("Proses Tender", PBJ, "Proses Tender"),
        ("belum proses", PBJ, "Belum Proses"),
        ("blm proses", PBJ, "Belum Proses"),
        ("sdh kontrak", PBJ, "Kontrak"),
        ("pelaksanaan", PBJ, "Pelaksanaan"),
        ("selesai", PBJ, "Selesai (PHO)"),
        ("pho", PBJ, "Selesai (PHO)"),
        ("sdh PHO pak", PBJ, "Selesai (PHO)"),
        ("Selesai (PHO)", PBJ, "Selesai (PHO)"),
        ("2", PBJ, "Persiapan"),
        ("no 3", PBJ, "Proses Tender"),
        ("6 aja", PBJ, "Selesai (PHO)"),
        ("belum proses", ["Belum", "Belum Proses"], "Belum Proses"),
        ("belum", ["Belum", "Belum Proses"], "Belum"),
        ("BB", SAKIP, "BB"),
        ("a", SAKIP, "A"),
        ("predikat aa", SAKIP, "AA"),
        ("wtp", OPINI, "WTP"),
        ("opini WDP", OPINI, "WDP"),
        ("sdh terjadwal", MUSRENBANG, "Terjadwal"),
        ("1", MENU, "Lapor realisasi bulanan (RFK)"),
        ("bantuan", MENU, "Bantuan"),
    ],
)
def test_choice_found(text, choices, expected):
    assert parse_choice(text, choices) == expected


@pytest.mark.parametrize(
    ("text", "choices"),
    [
        ("", LAPKEU),
        ("entahlah", LAPKEU),
        ("7", PBJ),
        ("0", PBJ),
        ("proses", PBJ),
        ("blm kontrak", PBJ),
        ("sudah tapi belum lengkap", LAPKEU),
        ("E", SAKIP),
    ],
)
def test_choice_unknown(text, choices):
    with pytest.raises(ParseError) as error:
        parse_choice(text, choices)
    assert error.value.code == "unknown_choice"


YES = [
    "ya",
    "iya",
    "iyaa",
    "yaaa",
    "y",
    "Y",
    "yes",
    "ok",
    "oke",
    "okey",
    "okee",
    "siap",
    "betul",
    "benar",
    "bener",
    "sdh",
    "sudah",
    "udah",
    "gas",
    "lanjut",
    "kirim",
    "ok kirim",
    "aok",
    "aok pak, kagek sore sayo kirim",
    "boleh",
    "setuju",
    "ya pak",
    "iya bu 🙏",
    "siap min!",
    "oke dong",
    "ya aja",
    "betul, kirim",
]
NO = [
    "tidak",
    "tdk",
    "gak",
    "ga",
    "gk",
    "nggak",
    "enggak",
    "ngga",
    "no",
    "n",
    "belum",
    "blm",
    "dak",
    "jangan",
    "batal",
    "batal aja dulu pak",
    "tidak pak",
    "tidak setuju",
    "jangan kirim dulu",
    "jangan dulu",
    "tidak usah kirim",
    "gak jadi",
]
UNSURE = [
    "",
    "hmm",
    "👍",
    "lapor",
    "gak tau",
    "belum tahu pak",
    "ya tidak",
    "ok tapi belum",
    "?",
]
# Answers that ask the bot to wait. The user has not answered yet, so they are
# neither yes nor no, even with the particle `ya`.
WAIT = [
    "tunggu dulu ya pak",
    "tunggu",
    "tungguu bu",
    "sebentar ya",
    "sbntr",
    "bentar",
    "bntr ya",
    "nanti dulu",
    "nanti ya pak",
    "ok nanti",
    "ntar",
    "entar",
    "ntar dulu ya",
]


@pytest.mark.parametrize("text", YES)
def test_yes_no_yes(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", NO)
def test_yes_no_no(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", UNSURE)
def test_yes_no_unsure(text):
    assert parse_yes_no(text) is None


@pytest.mark.parametrize("text", WAIT)
def test_yes_no_wait(text):
    assert parse_yes_no(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "-",
        " - ",
        "--",
        "—",
        "tidak ada",
        "Tidak ada.",
        "tdk ada",
        "gak ada",
        "ga ada",
        "nggak ada pak",
        "belum ada",
        "nihil",
        "Nihil",
        "kosong",
        "dak katek",
        "dak ado",
        "none",
        "no",
        "n/a",
        "N/A",
        "tidak ada kendala",
        "tidak ada masalah",
    ],
)
def test_none_answer_true(text):
    assert is_none_answer(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2 paket alkes blm kontrak krn msh nunggu e-katalog",
        "ada kendala",
        "tidak ada dana",
        "-5",
        "kosong 2 paket",
    ],
)
def test_none_answer_false(text):
    assert is_none_answer(text) is False


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("lapr", "lapor", 1),
        ("lapor", "lapor", 0),
        ("lpaor", "lapor", 1),
        ("", "lapor", 5),
        ("batl", "batal", 1),
        ("status", "stauts", 1),
        ("ca", "abc", 3),
        ("kitten", "sitting", 3),
    ],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Lapor   BLN 3 ", "lapor bln 3"),
        ("Rp\u00a01.500.000", "rp 1.500.000"),
        ("1\u202f500", "1 500"),
        ("ｌａｐｏｒ", "lapor"),
        ("la\u200bpor", "lapor"),
        ("Ya,\nkirim!", "ya, kirim!"),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected

"""Scale words such as `juta` and unit words such as `ha` written after a number."""

from bot.parsing.text import FILLER_WORDS, edit_distance

# Scale words by the power of ten they stand for, with common misspellings.
# `M` is miliar, never million.
_SCALE_NAMES = {
    3: "rb ribu",
    6: "jt juta",
    9: "m miliar milyar milyard miliyar millyar",
    12: "t triliun trilyun triliyun",
}
SCALES = {
    word: power for power, names in _SCALE_NAMES.items() for word in names.split()
}

# Units by their canonical name, with the spellings read as that unit. A lone `m`
# is the scale miliar, so a bare `m` is a unit only before `/` or an exponent.
_UNIT_NAMES = {
    "%": "% persen prosen",
    "km": "km kilometer",
    "m": "meter mtr",
    "ha": "ha hektar hektare",
    "ton": "ton",
    "kg": "kg kilo kilogram",
    "jam": "jam",
    "menit": "menit mnt",
    "hari": "hari",
    "detik": "detik",
    "orang": "orang org jiwa",
    "unit": "unit",
    "ekor": "ekor",
    "desa": "desa",
    "kasus": "kasus",
    "izin": "izin",
    "layanan": "layanan",
    "kali": "kali",
    "kejadian": "kejadian",
    "paket": "paket",
    "Rp": "rp rupiah idr",
}
UNITS = {word: unit for unit, names in _UNIT_NAMES.items() for word in names.split()}
# The scale letters `m` and `t` read as units before `/` or an exponent: `t/ha`.
UNIT_LETTERS = {"m": "m", "t": "ton"}

# Words that look like a scale but are not read as one: English scale words and
# their abbreviations, and words such as `jutaan` ("millions of") that give no
# exact value. `puluh`, `belas` and `ratus` after digits, as in `5 ratus`, are
# not read either, so they are rejected too.
# `mil` may be miliar, the English thousand or a mile, so it is asked about.
_UNREAD_SCALES = frozenset(
    "k b mil mio mln thousand thousands million millions billion billions trillion "
    "trillions puluh puluhan belas belasan ratus ratusan".split()
)
# Common words and chat abbreviations within two edits of a scale word, such as
# `juga`, `itu` and `juni`, that may follow a number and are not misspelt scales.
_WORDS_NEAR_SCALES = frozenset(
    "akta biru buat buta data dua duo hilir ibu itu jasa jga jika juara jual juga "
    "juli jumat juni kata kita kota mata milik pula rabu rata ratu regu riau rupa "
    "rusa tebu tiba tua utk".split()
)
# A word this close to a scale word of at least four letters is taken for a
# misspelt scale, as `rbu` for `ribu` or `jutaan` for `juta`.
_MAX_SCALE_TYPO_EDITS = 2
_LONG_SCALES = tuple(word for word in SCALES if len(word) >= 4)


def is_unknown_scale(word: str) -> bool:
    """Tell whether a word after a number looks like a scale word that is not read.

    Known scales, units, forms of address and the common words near a scale are
    never unknown scales. Words of one or two letters count only when listed, such
    as `k`.
    """
    if word in SCALES or word in UNITS or word in FILLER_WORDS:
        return False
    if word in _WORDS_NEAR_SCALES:
        return False
    if word in _UNREAD_SCALES:
        return True
    if len(word) < 3:
        return False
    return any(
        edit_distance(word, scale) <= _MAX_SCALE_TYPO_EDITS for scale in _LONG_SCALES
    )

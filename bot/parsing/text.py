"""Normalise WhatsApp answers and recognise short Indonesian replies."""

import re
import unicodedata

# Zero-width characters that pasted WhatsApp text often carries between letters.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

# Chat abbreviations, each replaced by the full word before a reply is matched.
ABBREVIATIONS = {
    "sdh": "sudah",
    "sudh": "sudah",
    "udh": "sudah",
    "udah": "sudah",
    "dah": "sudah",
    "blm": "belum",
    "blum": "belum",
    "msh": "masih",
    "dgn": "dengan",
    "yg": "yang",
    "tdk": "tidak",
    "gk": "gak",
    "sy": "saya",
    "krn": "karena",
    "dr": "dari",
}

# Forms of address and particles that carry no answer.
FILLER_WORDS = frozenset(
    {
        "pak",
        "bu",
        "bapak",
        "ibu",
        "min",
        "admin",
        "mas",
        "mbak",
        "kak",
        "bang",
        "dong",
        "aja",
        "saja",
        "deh",
        "kok",
        "nih",
        "sih",
        "lah",
    }
)

_NEGATIONS = r"(?:tidak|tdk|gak|ga|gk|nggak|enggak|ngga|dak|belum|blm)"
# Whole answers, once fillers are dropped, that mean there is nothing to report.
_NONE_ANSWER = re.compile(
    r"[-–—]+|n/a|nihil|kosong|none|no|nothing|tidak ada apa-apa"
    rf"|{_NEGATIONS} (?:ada|katek|ado)(?: kendala| masalah| permasalahan)?"
)
_PUNCTUATION_EDGES = " .,!?;:~\"'()[]"


def normalise(text: str) -> str:
    """Lower-case the text in NFKC form with whitespace collapsed and trimmed."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return " ".join(text.lower().split())


def words(text: str) -> list[str]:
    """Split normalised text into words of letters and digits, dropping the rest."""
    return re.findall(r"[^\W_]+", normalise(text))


def expand_abbreviations(tokens: list[str]) -> list[str]:
    """Replace chat abbreviations such as `sdh` and `blm` by their full words."""
    return [ABBREVIATIONS.get(token, token) for token in tokens]


def edit_distance(a: str, b: str) -> int:
    """Count the edits between two strings, an adjacent swap counting as one.

    This is the optimal string alignment form of the Damerau-Levenshtein distance:
    insertions, deletions, substitutions and transpositions of neighbours.
    """
    previous_row: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before_previous, previous_row = previous_row, row
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(
                previous_row[j] + 1,
                row[j - 1] + 1,
                previous_row[j - 1] + cost,
            )
            swapped = i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]
            if swapped:
                row[j] = min(row[j], before_previous[j - 2] + 1)
    return row[len(b)]


def is_none_answer(text: str) -> bool:
    """Tell whether an answer means "nothing to report", such as `-` or `nihil`."""
    stripped = [word.strip(_PUNCTUATION_EDGES) for word in normalise(text).split()]
    answer_words = [word for word in stripped if word and word not in FILLER_WORDS]
    return bool(_NONE_ANSWER.fullmatch(" ".join(answer_words)))

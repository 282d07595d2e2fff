"""Match answers to the choices of a question, and to yes or no."""

import re

from bot.parsing.numbers import ParseError
from bot.parsing.text import FILLER_WORDS, expand_abbreviations, words

# Words before a choice number, as in `no 2` or `pilih 3`.
_NUMBER_PREFIXES = frozenset({"no", "nomor", "nomer", "pilih", "pilihan", "angka"})

# Negations after abbreviation expansion. A choice right after one is not chosen.
_NEGATIONS = frozenset(
    {"tidak", "gak", "ga", "nggak", "enggak", "ngga", "dak", "belum", "jangan", "bukan"}
)
# Words that pass a negation on to the next word, as in `tidak usah kirim`.
_NEGATION_CARRIERS = frozenset({"usah", "perlu", "jadi", "mau"})

_YES_WORDS = {
    "ya",
    "iya",
    "y",
    "yes",
    "yup",
    "ok",
    "oke",
    "okey",
    "okay",
    "sip",
    "siap",
    "betul",
    "benar",
    "bener",
    "sudah",
    "gas",
    "lanjut",
    "lanjutkan",
    "kirim",
    "aok",
    "boleh",
    "setuju",
    "silakan",
}
_NO_WORDS = _NEGATIONS | {"no", "n", "batal", "salah"}
# Words that show the user does not know yet, as in `gak tau`.
_UNSURE_WORDS = {"tau", "tahu", "ragu", "mungkin", "bingung", "entah"}
# Words that ask to wait, as in `tunggu dulu ya pak` or `nanti dulu`. The user has
# not answered yet, so the `ya` in such an answer is a particle, not a yes.
# NOTE: the Palembang `kagek` (nanti) is left out, because the reminder reply
# `aok pak, kagek sore sayo kirim` must read as yes. So `iya, nanti sore saya
# kirim` gives None while its Palembang form gives True.
_WAIT_WORDS = {
    "tunggu",
    "tgu",
    "sebentar",
    "sbntr",
    "bentar",
    "bntr",
    "nanti",
    "nnti",
    "ntar",
    "entar",
    "tar",
    "wait",
    "later",
}


def _squeeze(word: str) -> str:
    """Collapse repeated letters, so that `iyaa` and `okee` read as `iya` and `oke`."""
    return re.sub(r"(.)\1+", r"\1", word)


_YES = frozenset(map(_squeeze, _YES_WORDS))
_NO = frozenset(map(_squeeze, _NO_WORDS))
_NEGATION_FORMS = frozenset(map(_squeeze, _NEGATIONS))
_UNSURE = frozenset(map(_squeeze, _UNSURE_WORDS))
_WAIT = frozenset(map(_squeeze, _WAIT_WORDS))


def parse_choice(text: str, choices: list[str]) -> str:
    """Return the choice that an answer names by number or by words.

    A number picks a choice 1-based. Otherwise the choice whose words occur in the
    answer wins, the longest one when several do. Raise ParseError with code
    `unknown_choice` when no choice or more than one equally long choice matches.
    """
    tokens = _answer_tokens(text)
    chosen = _choice_by_number(tokens, choices)
    if chosen is not None:
        return chosen

    scores = {choice: _match_score(tokens, choice) for choice in choices}
    best = max(scores.values(), default=0)
    winners = [choice for choice, score in scores.items() if score == best]
    if best == 0 or len(winners) > 1:
        raise ParseError("unknown_choice", text)
    return winners[0]


def parse_yes_no(text: str) -> bool | None:
    """Read a yes or no answer, returning None when the answer is unclear.

    Other words are ignored. A yes word right after a negation counts as no, as in
    `tidak setuju`. Mixed answers, words of doubt such as `tau` and words that ask
    to wait such as `tunggu` or `nanti` give None.
    """
    tokens = [_squeeze(token) for token in _answer_tokens(text)]
    readings: set[bool] = set()
    negated = False
    for token in tokens:
        if token in _UNSURE or token in _WAIT:
            return None
        if token in _YES:
            readings.add(not negated)
        elif token in _NO:
            readings.add(False)
        if token not in _NEGATION_CARRIERS:
            negated = token in _NEGATION_FORMS
    return readings.pop() if len(readings) == 1 else None


def _answer_tokens(text: str) -> list[str]:
    """Return the words of an answer with abbreviations expanded and fillers dropped."""
    tokens = expand_abbreviations(words(text))
    return [token for token in tokens if token not in FILLER_WORDS]


def _choice_by_number(tokens: list[str], choices: list[str]) -> str | None:
    """Return the choice picked by a bare number, or None when there is no number."""
    remaining = [token for token in tokens if token not in _NUMBER_PREFIXES]
    if len(remaining) != 1 or not remaining[0].isdecimal() or len(remaining[0]) > 3:
        return None
    position = int(remaining[0])
    if not 1 <= position <= len(choices):
        return None
    return choices[position - 1]


def _match_score(tokens: list[str], choice: str) -> int:
    """Return the letter count of the longest form of a choice found in the answer.

    The forms are the whole choice and each part between punctuation, so that
    `Selesai (PHO)` is found as `selesai pho`, `selesai` or `pho`. A form right
    after a negation word does not count, so `belum kontrak` is not `Kontrak`.
    """
    forms = [words(choice)] + [words(part) for part in re.split(r"[^\w\s]+", choice)]
    best = 0
    for form in filter(None, forms):
        form = expand_abbreviations(form)
        for start in _occurrences(tokens, form):
            negated = start > 0 and tokens[start - 1] in _NEGATIONS
            if not negated or form[0] in _NEGATIONS:
                best = max(best, sum(map(len, form)))
    return best


def _occurrences(tokens: list[str], form: list[str]) -> list[int]:
    """Return each position where the words of form occur in a row in tokens."""
    width = len(form)
    return [
        start
        for start in range(len(tokens) - width + 1)
        if tokens[start : start + width] == form
    ]

"""Read numbers written in Indonesian words, such as `tiga ratus ribu`."""

import re
from typing import NamedTuple

from bot.parsing.scales import SCALES

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
# Scale words that may follow number words, by power of ten. The one-letter
# forms `m` and `t` are left out: after a word they are more likely units.
_WORD_SCALES = {word: power for word, power in SCALES.items() if len(word) > 1}
# One of a scale in one word: `seribu` is 1,000.
_SE_SCALES = {"seribu": 3, "sejuta": 6, "semiliar": 9, "setriliun": 12}
# Words after a unit: (multiplier, addend, place of the next part).
_PLACE_WORDS = {"belas": (1, 10, 1), "puluh": (10, 0, 10), "ratus": (100, 0, 100)}


class WordNumber(NamedTuple):
    """Number read from words, with the character offsets of its first and last word."""

    value: int
    start: int
    end: int


def read_word_numbers(cleaned: str) -> list[WordNumber]:
    """Read Indonesian number words such as `tiga puluh lima` or Palembang `duo`.

    Scale words multiply what comes before them, largest first, so
    `delapan belas miliar` is 18 * 10^9 and `dua juta lima ratus ribu` is
    2,500,000. A word that is not part of a number ends the number.
    """
    matches = list(re.finditer(r"[a-z]+", cleaned))
    tokens = [match[0] for match in matches]
    reader = _WordNumberReader([match.span() for match in matches])
    index = 0
    while index < len(tokens):
        index += reader.feed(tokens, index)
    reader.close()
    return reader.numbers


class _WordNumberReader:
    """Accumulate number words into integers, one number at a time."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans  # the character offsets of each token
        self.numbers: list[WordNumber] = []
        self.started = False
        self.total = 0  # the scaled parts read so far, such as 2,000,000
        self.current: int | None = None  # the part not yet scaled
        self.place = 0  # the next part joins the current one only below this
        self.scale_cap: int | None = None  # the next scale must be smaller
        self.start = 0  # the offset where the number being read begins
        self.end = 0  # the offset where the number being read ends so far

    def close(self) -> None:
        if self.started:
            value = self.total + (self.current or 0)
            self.numbers.append(WordNumber(value, self.start, self.end))
        self.started, self.total, self.current, self.scale_cap = False, 0, None, None

    def feed(self, tokens: list[str], index: int) -> int:
        """Consume the number part at `index` and return how many tokens it used."""
        word = tokens[index]
        if word in _SE_SCALES:
            power = _SE_SCALES[word]
            if not (self.started and self.current is None and self._below_cap(power)):
                self.close()
                self._begin(index)
            self.total += 10**power
            self.scale_cap, self.place = power, 10**power
            self._extend(index, 1)
            return 1
        if word in _WORD_SCALES and self.current is not None:
            power = _WORD_SCALES[word]
            if self._below_cap(power):
                self.total += self.current * 10**power
                self.current, self.scale_cap, self.place = None, power, 10**power
                self._extend(index, 1)
                return 1
        value, next_place, width = _word_part(tokens, index)
        if value is None:
            self.close()
            self.place = 0
            return width
        if self.started and value < self.place:
            self.current = value + (self.current or 0)
        else:
            self.close()
            self._begin(index)
            self.current = value
        self.place = next_place
        self._extend(index, width)
        return width

    def _begin(self, index: int) -> None:
        self.started = True
        self.start = self.spans[index][0]

    def _extend(self, index: int, width: int) -> None:
        self.end = self.spans[index + width - 1][1]

    def _below_cap(self, power: int) -> bool:
        return self.scale_cap is None or power < self.scale_cap


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

"""Find reporting periods and calendar dates in Indonesian messages."""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from dateutil import parser as date_parser

from bot.parsing.text import normalise

_NAMES_BY_MONTH = {
    1: "januari jan january",
    2: "februari pebruari feb february",
    3: "maret mar march",
    4: "april apr",
    5: "mei may",
    6: "juni jun june",
    7: "juli jul july",
    8: "agustus agu agt agus ags aug august",
    9: "september sep sept",
    10: "oktober okt oct october",
    11: "november nopember nov",
    12: "desember des dec december",
}
# Month numbers by Indonesian or English name, full or short.
MONTHS = {
    name: number for number, names in _NAMES_BY_MONTH.items() for name in names.split()
}
_ENGLISH_MONTHS = (
    "january february march april may june july august september october "
    "november december"
).split()
_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
# Quarter numbers written as Roman numerals or words, as in `tw II` or `triwulan kedua`.
_QUARTER_WORDS = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "pertama": 1,
    "kedua": 2,
    "ketiga": 3,
    "keempat": 4,
}
_QUARTER = "[1-4]|" + "|".join(sorted(_QUARTER_WORDS, key=len, reverse=True))

# Periods name years 2000 to 2099 only, so a number such as 1500 is never a year.
_YEAR = r"(?P<year>20\d{2})"
# A year after a period, as in `maret 2026`, `tw 1 tahun 2026` or `bln 3/2026`.
_YEAR_AFTER = rf"(?:[\s,/-]*(?:tahun|thn)?\s*{_YEAR}(?!\d))?"
_STANDALONE_YEAR = re.compile(rf"(?<![\d/.,-]){_YEAR}(?![\d/.,-])")
# Forms of address. A month name right after one is a name, as in `pak agus`.
_ADDRESS_WORDS = frozenset({"pak", "bu", "bapak", "ibu", "mas", "mbak", "kak", "bang"})


@dataclass(frozen=True)
class PeriodRef:
    """Reporting period named in a message, with `year` None when not stated.

    `periodicity` is `monthly`, `quarterly` or `annual`, and `index` is the month
    (1-12), the quarter (1-4) or 1 for a year.
    """

    periodicity: str
    index: int
    year: int | None

    def code(self, default_year: int) -> str:
        """Return the period code, such as `2026-03`, `2026-TW1` or `2026`."""
        year = self.year if self.year is not None else default_year
        if self.periodicity == "monthly":
            return f"{year}-{self.index:02d}"
        if self.periodicity == "quarterly":
            return f"{year}-TW{self.index}"
        return str(year)


def _year(match: re.Match) -> int | None:
    return int(match["year"]) if match["year"] else None


def _month(match: re.Match) -> PeriodRef | None:
    month = int(match["month"])
    return PeriodRef("monthly", month, _year(match)) if 1 <= month <= 12 else None


def _named_month(match: re.Match) -> PeriodRef | None:
    before = match.string[: match.start()].split()
    if before and before[-1] in _ADDRESS_WORDS:
        return None
    return PeriodRef("monthly", MONTHS[match["name"]], _year(match))


def _quarter(match: re.Match) -> PeriodRef:
    quarter = match["quarter"]
    index = _QUARTER_WORDS[quarter] if quarter in _QUARTER_WORDS else int(quarter)
    return PeriodRef("quarterly", index, _year(match))


def _annual(match: re.Match) -> PeriodRef:
    return PeriodRef("annual", 1, _year(match))


_QUARTER_CODE = re.compile(rf"(?<!\d){_YEAR}-?tw(?P<quarter>[1-4])(?!\d)")
_QUARTER_WORD = re.compile(
    r"\b(?:triwulan|trw|tw|kuartal)\s*[-.]?\s*(?:ke\s*-?\s*)?"
    rf"(?P<quarter>{_QUARTER})\b{_YEAR_AFTER}"
)
_QUARTER_Q = re.compile(rf"\bq(?P<quarter>[1-4])\b{_YEAR_AFTER}")
_YEAR_MONTH = re.compile(rf"(?<![\d/.-]){_YEAR}[-/](?P<month>\d{{1,2}})(?!\d)")
_MONTH_YEAR = re.compile(rf"(?<!\d)(?P<month>\d{{1,2}})[-/]{_YEAR}(?!\d)")
_MONTH_NAME = re.compile(rf"\b(?P<name>{_MONTH_WORDS})\b{_YEAR_AFTER}")
_MONTH_NUMBER = re.compile(
    rf"\b(?:bulan|bln)\s*(?:ke\s*-?\s*)?(?P<month>\d{{1,2}})\b{_YEAR_AFTER}"
)
_ANNUAL_WORD = re.compile(rf"\btahunan\b{_YEAR_AFTER}")
_YEAR_WORD = re.compile(rf"\b(?:tahun|thn)\s*{_YEAR}(?!\d)")

# Each pattern with the function that reads its match. At the same position the
# earlier pattern wins, so `2026-TW1` is a quarter before it is a year.
_PERIOD_PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], PeriodRef | None]]] = [
    (_QUARTER_CODE, _quarter),
    (_QUARTER_WORD, _quarter),
    (_QUARTER_Q, _quarter),
    (_YEAR_MONTH, _month),
    (_MONTH_YEAR, _month),
    (_MONTH_NAME, _named_month),
    (_MONTH_NUMBER, _month),
    (_ANNUAL_WORD, _annual),
    (_YEAR_WORD, _annual),
    (_STANDALONE_YEAR, _annual),
]

_ISO_DATE = re.compile(r"(?<![\d/.-])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d/.-])")
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.-])(?P<day>\d{1,2})(?P<separator>[-/.])(?P<month>\d{1,2})"
    r"(?P=separator)(?:\d{4}|\d{2})(?![\d/-]|\.\d)"
)
_NAMED_DATE = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})\s*(?P<name>{_MONTH_WORDS})\b\.?,?\s*(?P<year>\d{{4}})"
    r"(?!\d)"
)


def parse_period(text: str) -> PeriodRef | None:
    """Find the first reporting period named in a message, or return None.

    A year stated elsewhere in the message fills in a period given without one.
    A full date names its month, so `5/3/2026` is March 2026.
    """
    text = normalise(text)
    found = []
    for priority, (pattern, read) in enumerate(_PERIOD_PATTERNS):
        for match in pattern.finditer(text):
            period = read(match)
            if period is not None:
                found.append((match.start(), priority, period))
                break
    if not found:
        return None

    _, _, period = min(found, key=lambda item: item[:2])
    if period.year is None:
        year = _STANDALONE_YEAR.search(text)
        period = replace(period, year=int(year["year"]) if year else None)
    return period


def parse_date(text: str) -> datetime.date | None:
    """Find a day-first or ISO date in a message, or return None.

    ISO dates (`2026-03-05`) are read year first and never swapped. Other dates are
    day first, with numbers (`5/3/2026`) or a month name (`5 Maret 2026`). A date
    without a year or with an impossible day gives None.
    """
    text = normalise(text)
    iso = _ISO_DATE.search(text)
    if iso:
        year, month, day = map(int, iso.groups())
        return _make_date(year, month, day)

    named = _NAMED_DATE.search(text)
    if named:
        english = _ENGLISH_MONTHS[MONTHS[named["name"]] - 1]
        return _read_day_first(f"{named['day']} {english} {named['year']}", named)

    numeric = _NUMERIC_DATE.search(text)
    if numeric:
        return _read_day_first(numeric[0], numeric)
    return None


def _make_date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _read_day_first(date_text: str, match: re.Match) -> datetime.date | None:
    """Parse with dateutil day first, rejecting a result that swapped day and month.

    dateutil reads `5/13/2026` as 13 May because 13 cannot be a month.
    """
    try:
        parsed = date_parser.parse(date_text, dayfirst=True, fuzzy=False).date()
    except (ValueError, OverflowError):
        return None
    return parsed if parsed.day == int(match["day"]) else None


def strip_periods(text: str) -> str:
    """Remove the period words from a normalised message: `maret 1,9 m` → `1,9 m`.

    A bare year is kept, since `izin 2026` is a count; `maret 2026` and
    `tahun 2026` go.
    """
    # Dates go first, so that `s.d. 31 maret` leaves no stray day number.
    # A bare `15 maret` stays: it is more often a value for March.
    for pattern in (_ISO_DATE, _NUMERIC_DATE, _DAY_MONTH):
        text = pattern.sub(" ", text)
    for pattern, _ in _PERIOD_PATTERNS:
        if pattern is not _STANDALONE_YEAR:
            text = pattern.sub(" ", text)
    return " ".join(text.split())


# A day and month after a word that introduces a date: `s.d. 31 maret`,
# `per 31 mar 2026`. Without the word, `fisik 15 maret` is 15 for March.
_DAY_MONTH = re.compile(
    r"\b(?:s\.?\s?d\.?|s/d|per|tgl\.?|tanggal|sampai(?: dengan)?|hingga|until|as of)\s*"
    rf"(?P<day>\d{{1,2}})\s*(?P<name>{_MONTH_WORDS})\b\.?,?(?:\s*20\d{{2}}(?!\d))?"
)

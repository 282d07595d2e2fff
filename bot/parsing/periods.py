"""Find reporting periods and calendar dates in Indonesian messages."""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from dateutil import parser as date_parser

from bot.parsing.text import normalise

_MONTH_NUMBERS = {
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
MONTHS = {
    name: number for number, names in _MONTH_NUMBERS.items() for name in names.split()
}
_ENGLISH_MONTHS = (
    "january february march april may june july august september october "
    "november december"
).split()
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

# A year after a period, as in `maret 2026`, `tw 1 tahun 2026` or `bln 3/2026`.
_YEAR_AFTER = r"(?:[\s,/-]*(?:tahun|thn)?\s*(?P<year>20\d{2})(?!\d))?"
_STANDALONE_YEAR = re.compile(r"(?<![\d/.,-])(?P<year>20\d{2})(?![\d/.,-])")
# Forms of address; a month name right after one is a person, as in `pak agus`.
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
    index = _ROMAN[quarter] if quarter in _ROMAN else int(quarter)
    return PeriodRef("quarterly", index, _year(match))


def _annual(match: re.Match) -> PeriodRef:
    return PeriodRef("annual", 1, _year(match))


# Each pattern with the function that reads its match. At the same position the
# earlier pattern wins, so `2026-TW1` is a quarter before it is a year.
_PERIOD_PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], PeriodRef | None]]] = [
    (re.compile(r"(?<!\d)(?P<year>\d{4})-?tw(?P<quarter>[1-4])(?!\d)"), _quarter),
    (
        re.compile(
            r"\b(?:triwulan|trw|tw|kuartal)\s*[-.]?\s*(?:ke\s*-?\s*)?"
            r"(?P<quarter>[1-4]|iv|iii|ii|i)\b" + _YEAR_AFTER
        ),
        _quarter,
    ),
    (re.compile(r"\bq(?P<quarter>[1-4])\b" + _YEAR_AFTER), _quarter),
    (re.compile(r"(?<![\d/.-])(?P<year>\d{4})[-/](?P<month>\d{1,2})(?!\d)"), _month),
    (re.compile(r"(?<!\d)(?P<month>\d{1,2})[-/](?P<year>\d{4})(?!\d)"), _month),
    (re.compile(rf"\b(?P<name>{_MONTH_NAMES})\b" + _YEAR_AFTER), _named_month),
    (
        re.compile(r"\b(?:bulan|bln)\s*(?:ke\s*-?\s*)?(?P<month>\d{1,2})\b" + _YEAR_AFTER),
        _month,
    ),
    (re.compile(r"\btahunan\b" + _YEAR_AFTER), _annual),
    (re.compile(r"\b(?:tahun|thn)\s*(?P<year>20\d{2})(?!\d)"), _annual),
    (_STANDALONE_YEAR, _annual),
]

_ISO_DATE = re.compile(r"(?<![\d/.-])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d/.-])")
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.-])(?P<day>\d{1,2})(?P<separator>[-/.])(?P<month>\d{1,2})"
    r"(?P=separator)(?:\d{4}|\d{2})(?![\d/-]|\.\d)"
)
_NAMED_DATE = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})\s*(?P<name>{_MONTH_NAMES})\b\.?,?\s*(?P<year>\d{{4}})"
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

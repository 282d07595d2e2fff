"""Validate periods.csv, budgets.csv and holidays.csv."""

from __future__ import annotations

import re
from datetime import date

from bot.importer.cells import (
    _check_unique,
    _date_cell,
    _decimal_cell,
    _enum_cell,
    _text_cell,
)
from bot.importer.csvfiles import AGENCIES, _Row
from bot.importer.records import _KeyedRecord
from models import Holiday, Period, Periodicity

HOLIDAY_KINDS = ("holiday", "collective_leave")
_YEAR = re.compile(r"\d{4}")


def _parse_periods(rows: list[_Row]) -> list[_KeyedRecord]:
    records = []
    seen_codes: dict[str, int] = {}
    for row in rows:
        code = _text_cell(row, "code", Period)
        _check_unique(row, "code", code, seen_codes, f"code {code!r}")
        periodicity = _enum_cell(row, "periodicity", list(Periodicity))
        start = _date_cell(row, "start")
        end = _date_cell(row, "end")
        deadline = _date_cell(row, "deadline")
        if end < start:
            raise row.error("end", f"end {end} is before start {start}")
        if deadline < end:
            raise row.error("deadline", f"deadline {deadline} is before end {end}")
        values = {
            "code": code,
            "periodicity": periodicity,
            "start": start,
            "end": end,
            "deadline": deadline,
        }
        records.append(_KeyedRecord(row.line, code, values))
    return records


def _parse_budgets(rows: list[_Row], agency_codes: set[str]) -> list[_KeyedRecord]:
    records = []
    seen: dict[tuple[str, int], int] = {}
    for row in rows:
        agency_code = row["agency_code"]
        if agency_code not in agency_codes:
            raise row.error(
                "agency_code", f"agency {agency_code!r} not found in {AGENCIES}"
            )
        if not _YEAR.fullmatch(row["year"]):
            raise row.error("year", f"{row['year']!r} is not a four-digit year")
        year = int(row["year"])
        _check_unique(
            row, "year", (agency_code, year), seen, f"{agency_code} {year}"
        )
        ceiling = _decimal_cell(row, "ceiling")
        if ceiling is None:
            raise row.error("ceiling", "a value is required")
        if ceiling < 0:
            raise row.error("ceiling", f"{row['ceiling']!r} is negative")
        values = {"year": year, "ceiling": ceiling}
        records.append(_KeyedRecord(row.line, (agency_code, year), values, agency_code))
    return records


def _parse_holidays(rows: list[_Row]) -> list[_KeyedRecord]:
    records = []
    seen: dict[date, int] = {}
    for row in rows:
        day = _date_cell(row, "date")
        _check_unique(row, "date", day, seen, f"date {day}")
        values = {
            "day": day,
            "name": _text_cell(row, "name", Holiday),
            "kind": _enum_cell(row, "kind", HOLIDAY_KINDS),
        }
        records.append(_KeyedRecord(row.line, day, values))
    return records

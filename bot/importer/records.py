"""Validated rows, ready to write, and the agencies stored before the import."""

from __future__ import annotations

from dataclasses import dataclass

from bot.importer.csvfiles import _Row
from models import Agency, AgencyAlias, Indicator


@dataclass
class _AgencyRecord:
    line: int
    code: str
    values: dict
    # Each alias with the column it comes from, for error messages.
    aliases: dict[str, str]


@dataclass
class _IndicatorRecord:
    row: _Row
    values: dict
    tokens: list[str]
    alias_keys: set[str]

    @property
    def code(self) -> str:
        return self.values["code"]


@dataclass
class _KeyedRecord:
    """A validated row: its natural key, column values and agency, if any."""

    line: int
    key: object
    values: dict
    agency_code: str | None = None


@dataclass
class _RuleRecord:
    """A validated rule row; the indicator's id is known only after it is written."""

    line: int
    code: str
    values: dict
    indicator_code: str


@dataclass
class _Plan:
    """Every file, validated and ready to write."""

    agencies: list[_AgencyRecord]
    officials: list[_KeyedRecord] | None
    indicators: list[_IndicatorRecord]
    periods: list[_KeyedRecord]
    budgets: list[_KeyedRecord] | None
    holidays: list[_KeyedRecord] | None
    rules: list[_RuleRecord] | None


@dataclass
class _Known:
    """Agencies and indicators stored before the import, for the files to refer to."""

    agencies: dict[str, Agency]
    aliases: dict[str, AgencyAlias]
    agency_by_id: dict[int, Agency]
    indicators: dict[str, Indicator]

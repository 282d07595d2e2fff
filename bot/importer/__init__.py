"""Load the regency's reference data from a directory of CSV files.

`import_directory` validates every file before it writes anything, then
upserts rows by natural key inside a savepoint of the caller's transaction.
Rows that the files no longer list are kept, because agencies, indicators and
periods carry reports and a deployment deactivates officials explicitly. Rules
that rules.csv no longer lists are deactivated, not deleted, because the flags
they raised name them. The only rows it deletes are agency aliases that the
agency's current code, names and aliases no longer produce.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlmodel import Session, select

from bot.importer.agencies import (
    LANGUAGES,
    _load_contacts,
    _parse_agencies,
    _parse_officials,
    _write_consents,
    alias_forms,
)
from bot.importer.cells import MAX_INTEGER_DIGITS, _max_length
from bot.importer.csvfiles import (
    _SPECS,
    AGENCIES,
    BUDGETS,
    HOLIDAYS,
    INDICATORS,
    OFFICIALS,
    PERIODS,
    RULES,
    DataImportError,
    _read_rows,
)
from bot.importer.indicators import _check_indicator_aliases, _parse_indicators
from bot.importer.periods import (
    HOLIDAY_KINDS,
    _parse_budgets,
    _parse_holidays,
    _parse_periods,
)
from bot.importer.records import _KeyedRecord, _Known, _Plan
from bot.importer.rules import IndicatorFacts, _deactivate_missing, _parse_rules
from bot.importer.summary import FileCounts, ImportSummary
from bot.importer.writer import _upsert, _write_agencies
from models import (
    Agency,
    AgencyAlias,
    Budget,
    Holiday,
    ImportRun,
    Indicator,
    Official,
    Period,
    Rule,
)

__all__ = [
    "AGENCIES",
    "BUDGETS",
    "HOLIDAYS",
    "HOLIDAY_KINDS",
    "INDICATORS",
    "LANGUAGES",
    "MAX_INTEGER_DIGITS",
    "OFFICIALS",
    "PERIODS",
    "RULES",
    "DataImportError",
    "FileCounts",
    "ImportSummary",
    "alias_forms",
    "import_directory",
]

logger = logging.getLogger(__name__)


def _load_known(session: Session) -> _Known:
    agencies = session.exec(select(Agency)).all()
    aliases = session.exec(select(AgencyAlias)).all()
    indicators = session.exec(select(Indicator)).all()
    return _Known(
        agencies={agency.code: agency for agency in agencies},
        aliases={row.alias: row for row in aliases},
        agency_by_id={agency.id: agency for agency in agencies},
        indicators={indicator.code: indicator for indicator in indicators},
    )


def _validate(directory: Path, known: _Known) -> _Plan:
    """Read and check every file, raising DataImportError at the first bad row."""
    rows = {name: _read_rows(directory, spec) for name, spec in _SPECS.items()}
    agencies = _parse_agencies(rows[AGENCIES], known)
    # Stored agencies that the file omits are kept, so rows may refer to them.
    agency_kinds = {code: agency.kind for code, agency in known.agencies.items()}
    agency_kinds |= {record.code: record.values["kind"] for record in agencies}
    agency_codes = set(agency_kinds)
    indicators = _parse_indicators(rows[INDICATORS], agency_kinds)
    _check_indicator_aliases(indicators, agency_kinds)
    # Rules may name stored indicators that indicators.csv leaves out.
    indicator_facts = {
        code: IndicatorFacts(indicator.type, indicator.periodicity)
        for code, indicator in known.indicators.items()
    }
    indicator_facts |= {
        record.code: IndicatorFacts(record.values["type"], record.values["periodicity"])
        for record in indicators
    }

    def optional(name, parse, *args):
        return None if rows[name] is None else parse(rows[name], *args)

    return _Plan(
        agencies=agencies,
        officials=optional(OFFICIALS, _parse_officials, agency_codes),
        indicators=indicators,
        periods=_parse_periods(rows[PERIODS]),
        budgets=optional(BUDGETS, _parse_budgets, agency_codes),
        holidays=optional(HOLIDAYS, _parse_holidays),
        rules=optional(RULES, _parse_rules, indicator_facts),
    )


# _write_plan stays here rather than in writer.py because a test replaces
# bot.importer._upsert to make one write fail, and only a call that looks up
# _upsert in this module uses the replacement.
def _write_plan(session: Session, plan: _Plan, known: _Known) -> dict[str, FileCounts]:
    counts: dict[str, FileCounts] = {AGENCIES: FileCounts()}
    agencies = _write_agencies(session, plan.agencies, known, counts[AGENCIES])

    if plan.officials is not None:
        counts[OFFICIALS] = FileCounts()
        # Officials missing from the file stay as they are, active or not:
        # a deployment deactivates people explicitly, never by omission.
        # The import does not touch `active` of listed officials either.
        stored = {o.phone: o for o in session.exec(select(Official)).all()}
        contacts = _load_contacts(session)
        _upsert(session, Official, stored, plan.officials, counts[OFFICIALS], agencies)
        _write_consents(session, plan.officials, stored, contacts, counts[OFFICIALS])

    counts[INDICATORS] = FileCounts()
    stored = {i.code: i for i in session.exec(select(Indicator)).all()}
    records = [_KeyedRecord(r.row.line, r.code, r.values) for r in plan.indicators]
    _upsert(session, Indicator, stored, records, counts[INDICATORS])

    counts[PERIODS] = FileCounts()
    stored = {p.code: p for p in session.exec(select(Period)).all()}
    _upsert(session, Period, stored, plan.periods, counts[PERIODS])

    if plan.budgets is not None:
        counts[BUDGETS] = FileCounts()
        code_by_id = {agency.id: code for code, agency in agencies.items()}
        stored = {
            (code_by_id[b.agency_id], b.year): b
            for b in session.exec(select(Budget)).all()
        }
        _upsert(session, Budget, stored, plan.budgets, counts[BUDGETS], agencies)

    if plan.holidays is not None:
        counts[HOLIDAYS] = FileCounts()
        stored = {h.day: h for h in session.exec(select(Holiday)).all()}
        _upsert(session, Holiday, stored, plan.holidays, counts[HOLIDAYS])

    if plan.rules is not None:
        counts[RULES] = FileCounts()
        # The select flushes the indicators created above, so they have ids.
        indicator_ids = {i.code: i.id for i in session.exec(select(Indicator)).all()}
        records = [
            _KeyedRecord(
                r.line,
                r.code,
                r.values | {"indicator_id": indicator_ids[r.indicator_code]},
            )
            for r in plan.rules
        ]
        stored = {r.code: r for r in session.exec(select(Rule)).all()}
        _upsert(session, Rule, stored, records, counts[RULES])
        listed = {r.code for r in plan.rules}
        _deactivate_missing(session, list(stored.values()), listed, counts[RULES])

    session.flush()
    return counts


def import_directory(session: Session, directory: Path) -> ImportSummary:
    """Validate the CSV files in `directory`, then upsert them into the tables.

    Works inside the caller's transaction and never commits. Every file is
    checked before the first write, and the writes run in a savepoint, so on
    any error the session holds nothing of this call. An `ImportRun` row is
    added only when a row was created or updated.

    Raises DataImportError naming the file, line and column of a bad value.
    """
    directory = Path(directory)
    known = _load_known(session)
    plan = _validate(directory, known)
    summary = ImportSummary(source=str(directory.resolve()))
    summary.skipped = [
        name for name in (OFFICIALS, BUDGETS, HOLIDAYS, RULES)
        if getattr(plan, name.removesuffix(".csv")) is None
    ]
    with session.begin_nested():
        summary.files = _write_plan(session, plan, known)
        if summary.changed:
            source = summary.source[-_max_length(ImportRun, "source"):]
            session.add(
                ImportRun(source=source, created=summary.created,
                          updated=summary.updated)
            )
            session.flush()
    logger.info(
        "import %s: %d created, %d updated, %d unchanged, skipped %s",
        directory, summary.created, summary.updated, summary.unchanged,
        summary.skipped or "none",
    )
    return summary

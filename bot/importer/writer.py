"""Upsert validated records by natural key and rebuild the agency aliases."""

from __future__ import annotations

from sqlmodel import Session, SQLModel

from bot.importer.records import _AgencyRecord, _KeyedRecord, _Known
from bot.importer.summary import FileCounts
from models import Agency, AgencyAlias


def _assign(target: SQLModel, values: dict) -> bool:
    """Set the attributes that differ and tell whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def _upsert(
    session: Session,
    model: type[SQLModel],
    stored: dict,
    records: list[_KeyedRecord],
    counts: FileCounts,
    agencies: dict[str, Agency] | None = None,
) -> None:
    """Insert or update one row per record, keyed by its natural key.

    With `agencies`, each record's agency code also sets `agency_id`.
    """
    for record in records:
        values = record.values
        if agencies is not None:
            agency = agencies.get(record.agency_code) if record.agency_code else None
            values = values | {"agency_id": agency.id if agency else None}
        row = stored.get(record.key)
        if row is None:
            session.add(model(**values))
            counts.created += 1
        elif _assign(row, values):
            session.add(row)
            counts.updated += 1
        else:
            counts.unchanged += 1


def _write_agencies(
    session: Session, records: list[_AgencyRecord], known: _Known, counts: FileCounts
) -> dict[str, Agency]:
    """Upsert agencies and rebuild their aliases; return every agency by code."""
    agencies = dict(known.agencies)
    changed: set[str] = set()
    for record in records:
        agency = agencies.get(record.code)
        if agency is None:
            agencies[record.code] = Agency(**record.values)
            session.add(agencies[record.code])
            counts.created += 1
        elif _assign(agency, record.values):
            changed.add(record.code)
    session.flush()

    by_agency: dict[int, dict[str, AgencyAlias]] = {}
    for row in known.aliases.values():
        by_agency.setdefault(row.agency_id, {})[row.alias] = row
    additions = []
    for record in records:
        agency = agencies[record.code]
        current = by_agency.get(agency.id, {})
        for alias, row in current.items():
            if alias not in record.aliases:
                session.delete(row)
                changed.add(record.code)
        for alias in record.aliases:
            if alias not in current:
                additions.append(AgencyAlias(alias=alias, agency_id=agency.id))
                if record.code in known.agencies:
                    changed.add(record.code)
    # Deletes go first: an alias may move from one listed agency to another.
    session.flush()
    session.add_all(additions)
    session.flush()

    existing = sum(1 for record in records if record.code in known.agencies)
    counts.updated += len(changed)
    counts.unchanged += existing - len(changed)
    return agencies

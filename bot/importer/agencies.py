"""Validate agencies.csv and officials.csv."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlmodel import Session, select

from bot.importer.cells import (
    _check_length,
    _check_unique,
    _code_cell,
    _date_cell,
    _enum_cell,
    _max_length,
    _text_cell,
)
from bot.importer.csvfiles import AGENCIES, _Row
from bot.importer.records import _AgencyRecord, _KeyedRecord, _Known
from bot.importer.summary import FileCounts
from bot.parsing import normalise
from bot.phones import InvalidPhone, mask, to_e164
from models import Agency, AgencyAlias, Contact, Official, OptInSource, Role

LANGUAGES = ("id", "en")

_KIND = re.compile(r"[a-z0-9_-]+")
_PUNCTUATION = re.compile(r"[^\w\s]")
_WORD = re.compile(r"\w+")


# --- Agencies ----------------------------------------------------------------


def alias_forms(text: str) -> list[str]:
    """List the lower-case forms an agency name is stored under.

    The second form drops punctuation and reads `-` as a space, so that
    `KEC-MUARAPADANG` is also `kec muarapadang`. The third splits at any
    punctuation, which is how the status lookup splits a message into words.
    """
    plain = normalise(text)
    spaced = plain.replace("-", " ")
    stripped = " ".join(_PUNCTUATION.sub("", spaced).split())
    words = " ".join(_WORD.findall(spaced))
    return list(dict.fromkeys(form for form in (plain, stripped, words) if form))


def _parse_agencies(rows: list[_Row], known: _Known) -> list[_AgencyRecord]:
    records: list[_AgencyRecord] = []
    seen_codes: dict[str, int] = {}
    alias_owner: dict[str, tuple[str, int]] = {}
    listed = {row["code"] for row in rows}
    alias_limit = _max_length(AgencyAlias, "alias")
    for row in rows:
        code = _code_cell(row, "code", Agency)
        _check_unique(row, "code", code, seen_codes, f"code {code!r}")
        kind = _text_cell(row, "kind", Agency).lower()
        if not _KIND.fullmatch(kind):
            raise row.error(
                "kind", f"{row['kind']!r} is not a valid kind such as dinas or "
                "kecamatan. Use only lower-case letters, digits, '_' and '-'.",
            )
        values = {
            "code": code,
            "name": _text_cell(row, "name", Agency),
            "short_name": _text_cell(row, "short_name", Agency),
            "kind": kind,
        }
        sources = [("code", code), ("short_name", values["short_name"]),
                   ("name", values["name"])]
        sources += [("aliases", a) for a in row["aliases"].split("|") if a.strip()]
        aliases: dict[str, str] = {}
        for column, text in sources:
            for alias in alias_forms(text):
                _check_length(row, column, alias, alias_limit)
                aliases.setdefault(alias, column)
        for alias, column in aliases.items():
            _check_alias_owner(row, column, alias, code, alias_owner, known, listed)
            alias_owner[alias] = (code, row.line)
        records.append(_AgencyRecord(row.line, code, values, aliases))
    return records


def _check_alias_owner(
    row: _Row,
    column: str,
    alias: str,
    code: str,
    alias_owner: dict[str, tuple[str, int]],
    known: _Known,
    listed: set[str],
) -> None:
    """Raise when another agency of the file or of the database has the alias."""
    if alias in alias_owner:
        other, line = alias_owner[alias]
        raise row.error(
            column,
            f"alias {alias!r} of {code} is also an alias of {other} (line {line}). "
            "An alias must name one agency, so change one of the two.",
        )
    stored = known.aliases.get(alias)
    if stored is None:
        return
    owner = known.agency_by_id[stored.agency_id]
    if owner.code != code and owner.code not in listed:
        raise row.error(
            column,
            f"alias {alias!r} of {code} is also an alias of {owner.code}, which is "
            f"stored but not listed in {AGENCIES}. An alias must name one agency, "
            f"so list {owner.code} with other names or change this alias.",
        )


# --- Officials ---------------------------------------------------------------


def _phone_for_message(raw: str) -> str:
    """Quote a short invalid phone cell as typed, and mask anything longer."""
    digits = sum(ch.isdigit() for ch in raw)
    return repr(raw) if digits <= 6 else mask(raw)


@dataclass
class _OfficialRecord(_KeyedRecord):
    """An officials.csv row, with the date of the consent it records, if any."""

    opt_in: date | None = None


def _parse_officials(rows: list[_Row], agency_codes: set[str]) -> list[_OfficialRecord]:
    records = []
    seen_phones: dict[str, int] = {}
    for row in rows:
        name = _text_cell(row, "name", Official)
        raw_phone = row["phone"]
        if not raw_phone:
            raise row.error("phone", "a value is required")
        try:
            phone = to_e164(raw_phone)
        except InvalidPhone:
            raise row.error(
                "phone", f"{_phone_for_message(raw_phone)} is not a valid phone number"
            ) from None
        _check_length(row, "phone", phone, _max_length(Official, "phone"))
        _check_unique(row, "phone", phone, seen_phones, f"phone {mask(phone)}")
        role = _enum_cell(row, "role", list(Role))
        agency_code = row["agency_code"] or None
        if agency_code is None and role == Role.OPERATOR:
            raise row.error(
                "agency_code", "an operator needs the code of the agency it reports for"
            )
        if agency_code is not None and agency_code not in agency_codes:
            raise row.error(
                "agency_code", f"agency {agency_code!r} not found in {AGENCIES}"
            )
        language = _enum_cell(row, "language", LANGUAGES) if row["language"] else "id"
        values = {"name": name, "phone": phone, "role": role, "language": language}
        opt_in = _date_cell(row, "opt_in") if row["opt_in"] else None
        records.append(_OfficialRecord(row.line, phone, values, agency_code, opt_in))
    return records


def _load_contacts(session: Session) -> dict[int, Contact]:
    return {c.official_id: c for c in session.exec(select(Contact)).all()}


def _write_consents(
    session: Session,
    records: list[_OfficialRecord],
    stored: dict[str, Official],
    contacts: dict[int, Contact],
    counts: FileCounts,
) -> None:
    """Record the opt-in dates of officials.csv as consent from the import.

    Call after the officials' upsert and before any flush, with the officials
    and contacts read before it: an official row that the upsert left
    unchanged but whose consent this records counts as updated. A consent
    already recorded, by any source, and an opt-out stay as they are, so a
    second import changes nothing and an empty cell revokes nothing. The date
    is stored as midnight UTC of that day.
    """
    new_consents = []
    for record in records:
        if record.opt_in is None:
            continue
        official = stored.get(record.key)
        contact = contacts.get(official.id) if official is not None else None
        if contact is not None and (contact.opted_in_at or contact.opted_out_at):
            continue
        new_consents.append((record, contact))
        if official is not None and official not in session.dirty:
            counts.unchanged -= 1
            counts.updated += 1
    if not new_consents:
        return
    # Officials created by the upsert get their ids here.
    session.flush()
    by_phone = {o.phone: o for o in session.exec(select(Official)).all()}
    for record, contact in new_consents:
        if contact is None:
            contact = Contact(official_id=by_phone[record.key].id)
        contact.opted_in_at = datetime.combine(record.opt_in, time(0), tzinfo=timezone.utc)
        contact.opt_in_source = OptInSource.IMPORT
        session.add(contact)

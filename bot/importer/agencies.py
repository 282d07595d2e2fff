"""Validate agencies.csv and officials.csv."""

from __future__ import annotations

import re

from bot.importer.cells import (
    _check_length,
    _check_unique,
    _code_cell,
    _enum_cell,
    _max_length,
    _text_cell,
)
from bot.importer.csvfiles import AGENCIES, _Row
from bot.importer.records import _AgencyRecord, _KeyedRecord, _Known
from bot.parsing import normalise
from bot.phones import InvalidPhone, mask, to_e164
from models import Agency, AgencyAlias, Official, Role

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


def _parse_officials(rows: list[_Row], agency_codes: set[str]) -> list[_KeyedRecord]:
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
        records.append(_KeyedRecord(row.line, phone, values, agency_code))
    return records

"""Validate rules.csv: plausibility checks on the values of numeric indicators."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from bot.checks import product_factors
from bot.importer.cells import (
    _PLAIN_DECIMAL,
    _check_length,
    _check_unique,
    _code_cell,
    _decimal_cell,
    _enum_cell,
    _max_length,
    _text_cell,
)
from bot.importer.csvfiles import INDICATORS, _Row
from bot.importer.records import _RuleRecord
from bot.importer.summary import FileCounts
from bot.reports import BUDGET
from models import NUMERIC_TYPES, Indicator, IndicatorType, Rule, RuleKind

# The note explains a rule to the people who maintain the file. The import
# checks its length but does not store it, because `rule` has no such column.
NOTE_MAX_LENGTH = 400

# The optional columns each kind reads. The other optional columns must be
# empty, so that a value in a column the kind ignores cannot go unnoticed.
_USED_COLUMNS = {
    RuleKind.MONOTONIC: (),
    RuleKind.JUMP: ("threshold",),
    RuleKind.SPREAD: ("threshold",),
    RuleKind.RANGE: ("min", "max"),
    RuleKind.CEILING: ("other", "threshold"),
    RuleKind.GAP: ("other", "threshold"),
    RuleKind.PRODUCT: ("other", "threshold"),
}
_OPTIONAL_COLUMNS = ("other", "min", "max", "threshold")
_THRESHOLD_REQUIRED = (RuleKind.JUMP, RuleKind.SPREAD, RuleKind.GAP, RuleKind.PRODUCT)
_OTHER_DESCRIPTION = {
    RuleKind.CEILING: f"a numeric indicator code or {BUDGET}",
    RuleKind.GAP: "the code of a percent indicator",
    RuleKind.PRODUCT: "indicator codes joined by * or /, such as A*B",
}


@dataclass(frozen=True)
class IndicatorFacts:
    """The type and periodicity of an indicator, stored or in indicators.csv."""

    type: str
    periodicity: str


def _parse_rules(
    rows: list[_Row], indicators: dict[str, IndicatorFacts]
) -> list[_RuleRecord]:
    records = []
    seen_codes: dict[str, int] = {}
    for row in rows:
        code = _code_cell(row, "code", Rule)
        _check_unique(row, "code", code, seen_codes, f"code {code!r}")
        kind = _enum_cell(row, "kind", list(RuleKind))
        subject = _text_cell(row, "indicator", Indicator, "code")
        _check_numeric_indicator(row, "indicator", subject, indicators)
        for column in _OPTIONAL_COLUMNS:
            if row[column] and column not in _USED_COLUMNS[kind]:
                raise row.error(
                    column, f"a {kind} rule does not use {column}. Leave it empty."
                )
        minimum, maximum = _parse_range(row, kind)
        other = _parse_other(row, kind, subject, indicators)
        threshold = _parse_threshold(row, kind)
        _check_length(row, "note", row["note"], NOTE_MAX_LENGTH)
        values = {
            "code": code,
            "kind": kind,
            "other": other,
            "minimum": minimum,
            "maximum": maximum,
            "threshold": threshold,
            "active": True,
        }
        records.append(_RuleRecord(row.line, code, values, subject))
    return records


def _check_numeric_indicator(
    row: _Row, column: str, code: str, indicators: dict[str, IndicatorFacts]
) -> IndicatorFacts:
    facts = indicators.get(code)
    if facts is None:
        raise row.error(
            column, f"indicator {code!r} not found in {INDICATORS} or stored"
        )
    if facts.type not in NUMERIC_TYPES:
        raise row.error(
            column,
            f"{code} is a {facts.type} indicator, but a rule needs a numeric one",
        )
    return facts


def _parse_range(row: _Row, kind: str) -> tuple[Decimal | None, Decimal | None]:
    minimum = _decimal_cell(row, "min")
    maximum = _decimal_cell(row, "max")
    if kind != RuleKind.RANGE:
        return None, None
    if minimum is None and maximum is None:
        raise row.error("min", "a range rule needs min, max or both")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise row.error("max", f"max {maximum} is less than min {minimum}")
    return minimum, maximum


def _parse_threshold(row: _Row, kind: str) -> Decimal | None:
    threshold = _decimal_cell(row, "threshold")
    if threshold is None:
        if kind in _THRESHOLD_REQUIRED:
            raise row.error("threshold", f"a value is required for a {kind} rule")
        return None
    if kind == RuleKind.GAP:
        if threshold < 0:
            raise row.error(
                "threshold",
                f"{row['threshold']!r} is negative. Write 0 or more points.",
            )
    elif threshold <= 0:
        raise row.error("threshold", f"{row['threshold']!r} is not greater than 0")
    if kind == RuleKind.PRODUCT and threshold > 1:
        raise row.error(
            "threshold",
            f"{row['threshold']!r} is more than 1. A product rule's threshold is a "
            "share of the product, such as 0.2 for 20%.",
        )
    return threshold


def _parse_other(
    row: _Row, kind: str, subject: str, indicators: dict[str, IndicatorFacts]
) -> str | None:
    """Check `other` for the kind and return it without spaces, or None."""
    if kind not in _OTHER_DESCRIPTION:
        return None
    other = row["other"]
    if not other:
        raise row.error("other", f"a value is required: {_OTHER_DESCRIPTION[kind]}")
    if kind == RuleKind.CEILING and other == BUDGET:
        return other
    if other == BUDGET:
        raise row.error("other", f"{BUDGET} is allowed only in a ceiling rule")
    if kind == RuleKind.PRODUCT:
        other = _parse_product(row, subject, indicators)
    else:
        _check_other_indicator(row, other, subject, indicators)
    if kind == RuleKind.GAP:
        for column, code in (("indicator", subject), ("other", other)):
            if indicators[code].type != IndicatorType.PERCENT:
                raise row.error(
                    column,
                    f"a gap rule compares percentages, but {code} is of type "
                    f"{indicators[code].type}",
                )
    _check_length(row, "other", other, _max_length(Rule, "other"))
    return other


def _check_other_indicator(
    row: _Row, code: str, subject: str, indicators: dict[str, IndicatorFacts]
) -> None:
    if code == subject:
        raise row.error("other", f"{code!r} is the rule's own indicator")
    facts = _check_numeric_indicator(row, "other", code, indicators)
    periodicity = indicators[subject].periodicity
    if facts.periodicity != periodicity:
        # Both values must come from one report, which has one periodicity.
        raise row.error(
            "other",
            f"{code} is {facts.periodicity} but {subject} is {periodicity}, and a "
            "rule compares values of the same report",
        )


def _parse_product(
    row: _Row, subject: str, indicators: dict[str, IndicatorFacts]
) -> str:
    """Check `A*B/C` and return it without spaces.

    Each operand is a numeric indicator code or a plain decimal number, and at
    least one operand is a code. A code wins over a number of the same text.
    """
    other = row["other"]
    parts = product_factors(other)
    operands = parts[0::2]
    if any(not operand for operand in operands):
        raise row.error(
            "other",
            f"{other!r} is not a valid expression. Write codes joined by * or /.",
        )
    codes = 0
    for operand in operands:
        if operand in indicators or not _PLAIN_DECIMAL.fullmatch(operand):
            _check_other_indicator(row, operand, subject, indicators)
            codes += 1
    if not codes:
        raise row.error("other", f"{other!r} names no indicator")
    return "".join(parts)


def _deactivate_missing(
    session: Session, stored: list[Rule], listed: set[str], counts: FileCounts
) -> None:
    """Deactivate stored rules that the file no longer lists, and count them.

    They stay stored because the flags they raised name them.
    """
    for rule in stored:
        if rule.active and rule.code not in listed:
            rule.active = False
            session.add(rule)
            counts.updated += 1

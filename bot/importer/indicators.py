"""Validate indicators.csv: types, bounds, choices, applies_to and formulas."""

from __future__ import annotations

import ast
from decimal import Decimal

from bot.importer.cells import (
    _check_length,
    _check_unique,
    _code_cell,
    _decimal_cell,
    _enum_cell,
    _max_length,
    _text_cell,
)
from bot.importer.csvfiles import AGENCIES, INDICATORS, _Row
from bot.importer.records import _IndicatorRecord
from bot.parsing import normalise
from bot.reports import BUDGET
from models import NUMERIC_TYPES, Indicator, IndicatorType, Periodicity

_FORMULA_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def _split_list(text: str, separator: str) -> list[str]:
    return [item.strip() for item in text.split(separator) if item.strip()]


def _parse_indicators(
    rows: list[_Row], agency_kinds: dict[str, str]
) -> list[_IndicatorRecord]:
    records = []
    seen_codes: dict[str, int] = {}
    for position, row in enumerate(rows, start=1):
        code = _code_cell(row, "code", Indicator)
        _check_unique(row, "code", code, seen_codes, f"code {code!r}")
        if code.lower() == BUDGET:
            raise row.error("code", f"{BUDGET!r} is reserved for the agency's ceiling")
        kind = _enum_cell(row, "type", list(IndicatorType))
        minimum, maximum = _parse_bounds(row, kind)
        aliases = _split_list(row["aliases"], "|")
        values = {
            "code": code,
            "name": _text_cell(row, "name", Indicator),
            "aliases": "|".join(aliases),
            "unit": _text_cell(row, "unit", Indicator, required=False),
            "type": kind,
            "minimum": minimum,
            "maximum": maximum,
            "choices": _parse_choices(row, kind),
            "periodicity": _enum_cell(row, "periodicity", list(Periodicity)),
            "applies_to": ";".join(_parse_applies_to(row, agency_kinds)),
            "required": _parse_required(row),
            "formula": _text_cell(row, "formula", Indicator, required=False),
            "position": position,
        }
        for column in ("aliases", "applies_to"):
            _check_length(row, column, values[column], _max_length(Indicator, column))
        if values["formula"] and kind not in NUMERIC_TYPES:
            raise row.error("formula", f"a {kind} indicator cannot have a formula")
        tokens = values["applies_to"].split(";")
        alias_keys = {normalise(alias) for alias in aliases}
        records.append(_IndicatorRecord(row, values, tokens, alias_keys))
    by_code = {record.code: record for record in records}
    for record in records:
        if record.values["formula"]:
            _check_formula(record, by_code)
    return records


def _parse_bounds(row: _Row, kind: str) -> tuple[Decimal | None, Decimal | None]:
    minimum = _decimal_cell(row, "min")
    maximum = _decimal_cell(row, "max")
    for column, bound in (("min", minimum), ("max", maximum)):
        if bound is None:
            continue
        if kind not in NUMERIC_TYPES:
            raise row.error(column, f"a {kind} indicator cannot have a {column} bound")
        if kind == IndicatorType.INTEGER and bound != bound.to_integral_value():
            raise row.error(
                column,
                f"{row[column]!r} is not a whole number, but the type is integer",
            )
    if minimum is not None and maximum is not None and minimum > maximum:
        raise row.error("max", f"max {maximum} is less than min {minimum}")
    return minimum, maximum


def _parse_choices(row: _Row, kind: str) -> str:
    choices = _split_list(row["choices"], "|")
    if kind != IndicatorType.CHOICE:
        if choices:
            raise row.error(
                "choices", f"only a choice indicator has choices, not {kind}"
            )
        return ""
    if not choices:
        raise row.error(
            "choices", "a choice indicator needs its choices, separated by |"
        )
    seen: dict[str, str] = {}
    for choice in choices:
        key = normalise(choice)
        if key in seen:
            raise row.error("choices", f"choice {choice!r} is listed twice")
        seen[key] = choice
    value = "|".join(choices)
    _check_length(row, "choices", value, _max_length(Indicator, "choices"))
    return value


def _parse_applies_to(row: _Row, agency_kinds: dict[str, str]) -> list[str]:
    if "applies_to" not in row.cells:
        return ["ALL"]
    tokens = _split_list(row["applies_to"], ";")
    if not tokens:
        raise row.error(
            "applies_to", "a value is required: ALL, agency codes or kind:KIND"
        )
    kinds = set(agency_kinds.values())
    for token in tokens:
        if token == "ALL" or token in agency_kinds:
            continue
        if token.startswith("kind:"):
            if token[5:] in kinds:
                continue
            raise row.error(
                "applies_to", f"no agency has the kind {token[5:]!r} of {token!r}"
            )
        raise row.error(
            "applies_to",
            f"{token!r} is not ALL, an agency code from {AGENCIES} or kind:KIND",
        )
    return tokens


def _parse_required(row: _Row) -> bool:
    if "required" not in row.cells:
        return True
    return _enum_cell(row, "required", ("yes", "no")) == "yes"


def _check_formula(
    record: _IndicatorRecord, by_code: dict[str, _IndicatorRecord]
) -> None:
    """Check a formula the way `bot.reports.evaluate_formula` reads it.

    Codes are swapped for plain names, longest first, and the result must be
    +, -, * and / over numbers, numeric indicators of the file and `budget`.
    """
    row = record.row
    formula = record.values["formula"]
    expression = formula
    names: dict[str, str] = {}
    for index, code in enumerate(sorted([*by_code, BUDGET], key=len, reverse=True)):
        if code in expression:
            names[f"__ref{index}__"] = code
            expression = expression.replace(code, f"__ref{index}__")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        raise row.error("formula", f"{formula!r} is not a valid expression") from None
    for node in ast.walk(tree.body):
        _check_formula_node(row, formula, node, names)
    for code in names.values():
        if code == record.code:
            raise row.error("formula", f"{formula!r} refers to the indicator itself")
        if code != BUDGET and by_code[code].values["type"] not in NUMERIC_TYPES:
            raise row.error(
                "formula", f"{formula!r} uses {code}, which is not a numeric indicator"
            )


def _check_formula_node(row: _Row, formula: str, node: ast.AST, names: dict) -> None:
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, _FORMULA_OPERATORS):
            raise row.error("formula", f"{formula!r} may only use + - * /")
    elif isinstance(node, ast.Name):
        if node.id not in names:
            name = node.id
            for placeholder, code in names.items():
                name = name.replace(placeholder, code)
            raise row.error(
                "formula",
                f"{formula!r} uses {name!r}, which is neither an indicator code "
                f"in {INDICATORS} nor {BUDGET}",
            )
    elif isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise row.error("formula", f"{formula!r} contains {node.value!r}")
    elif not isinstance(node, (ast.operator, ast.expr_context)):
        raise row.error(
            "formula", f"{formula!r} may only use numbers, codes, budget and + - * /"
        )


def _check_indicator_aliases(
    records: list[_IndicatorRecord], agency_kinds: dict[str, str]
) -> None:
    """Raise when two indicators that one agency reports share an alias."""
    earlier: dict[str, list[_IndicatorRecord]] = {}
    for record in records:
        for alias in sorted(record.alias_keys):
            for other in earlier.get(alias, []):
                agency = _common_agency(record, other, agency_kinds)
                if agency is not None:
                    raise record.row.error(
                        "aliases",
                        f"alias {alias!r} is also an alias of {other.code} "
                        f"(line {other.row.line}), and {agency} reports both",
                    )
            earlier.setdefault(alias, []).append(record)


def _common_agency(
    first: _IndicatorRecord, second: _IndicatorRecord, agency_kinds: dict[str, str]
) -> str | None:
    for code, kind in agency_kinds.items():
        if _applies(first.tokens, code, kind) and _applies(second.tokens, code, kind):
            return code
    return None


def _applies(tokens: list[str], code: str, kind: str) -> bool:
    """Match `Indicator.applies` for an agency that may not be stored yet."""
    return any(
        token == "ALL" or token == code or token == f"kind:{kind}" for token in tokens
    )

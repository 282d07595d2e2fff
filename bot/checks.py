"""Check a report's values against the plausibility rules of rules.csv.

A rule raises a soft doubt about a stored value, where the hard bounds of
indicators.csv reject an answer outright. This module only reads: it returns
findings with a one-line message, and the caller decides what to store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import cached_property

from sqlmodel import Session, func, select

from bot.i18n import period_label, t
from bot.parsing import format_number, format_percent
from bot.periods import applicable_indicators
from bot.reports import BUDGET, budget_ceiling, values_by_indicator
from flows.answers import display_number
from models import (
    Agency,
    Indicator,
    IndicatorType,
    Period,
    Report,
    ReportValue,
    Rule,
    RuleKind,
)

# The spread rule compares a value with at most this many earlier periods,
# and only when at least SPREAD_MIN_HISTORY of them have a value.
HISTORY_LIMIT = 12
SPREAD_MIN_HISTORY = 3
# With a flat history (standard deviation 0), the spread rule flags a value
# that differs from the mean by more than this share of the mean, so that a
# tiny move after identical months raises nothing. With a mean of 0, any
# other value is flagged.
FLAT_SPREAD_SHARE = Decimal("0.1")
# Rules that compare a value with the agency's earlier periods.
HISTORY_KINDS = frozenset({RuleKind.MONOTONIC, RuleKind.JUMP, RuleKind.SPREAD})

_FACTOR_OPERATOR = re.compile(r"\s*([*/])\s*")
# A number in a product rule, written as in the CSV files.
_PLAIN_DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")
# Products of large rupiah amounts have more digits than the default 28.
_PRECISION = 60


@dataclass(frozen=True)
class Finding:
    """A value that breaks a rule, with the line that explains it."""

    rule: Rule
    # The rule's subject indicator, whose value is in doubt.
    indicator: Indicator
    # The subject's value that was checked.
    number: Decimal
    # One line in the official's language, with WhatsApp markup.
    message: str


@dataclass(frozen=True)
class _Earlier:
    """The value of one earlier period of the same agency and periodicity."""

    period: Period
    number: Decimal


def short_label(indicator: Indicator) -> str:
    """Name an indicator briefly: `BOR`, `Keuangan`, or its name without aliases.

    The first alias is used, in upper case when it is an acronym (`bor`,
    `pad`, or `spbe` when the name writes `SPBE`), else with a capital first
    letter (`izin`, `fisik`).
    """
    aliases = indicator.alias_list
    if not aliases:
        return indicator.name
    alias = aliases[0]
    if _is_acronym(alias, indicator):
        return alias.upper()
    return alias[0].upper() + alias[1:]


def _is_acronym(alias: str, indicator: Indicator) -> bool:
    if not alias.isalpha() or len(alias) > 4:
        return False
    return len(alias) <= 3 or re.search(rf"\b{alias.upper()}\b", indicator.name) is not None


def inline_label(indicator: Indicator) -> str:
    """Name an indicator inside a sentence: `fisik`, `BOR`, or its name."""
    aliases = indicator.alias_list
    if not aliases:
        return indicator.name
    alias = aliases[0]
    return alias.upper() if _is_acronym(alias, indicator) else alias


def product_factors(expression: str) -> list[str]:
    """Split `A*B/C` into operands and operators: `["A", "*", "B", "/", "C"]`."""
    return _FACTOR_OPERATOR.split(expression.strip())


def other_codes(rule: Rule) -> list[str]:
    """Return the indicator codes and numbers that a rule's `other` names.

    `budget` is left out, because it is not an indicator.
    """
    if not rule.other or rule.other == BUDGET:
        return []
    if rule.kind == RuleKind.PRODUCT:
        return product_factors(rule.other)[0::2]
    return [rule.other]


def check_report(
    session: Session,
    report: Report,
    agency: Agency,
    period: Period,
    changed: set[int],
    lang: str,
) -> list[Finding]:
    """Check the rules that read a changed value of the report.

    `changed` contains the ids of the indicators whose values just changed. The
    computed indicators whose formulas use one of them count as changed too.
    A rule runs when it is active, its subject applies to the agency in this
    period, and its subject or an indicator of its `other` is changed. A rule
    with a missing input (no value, no budget row, no earlier period) gives
    no finding. Findings come in question order, then by rule code.

    Queries: the active rules, the report's values, and at most one query for
    the earlier periods and one for the budget, whatever the number of rules.
    """
    indicators = applicable_indicators(session, agency, period)
    if not indicators or not changed:
        return []
    order = {indicator.id: position for position, indicator in enumerate(indicators)}
    changed = with_computed(indicators, changed)
    by_code = {indicator.code: indicator for indicator in indicators}
    rules = [
        rule
        for rule in active_rules(session)
        if rule.indicator_id in order and _reads_changed(rule, changed, by_code)
    ]
    if not rules:
        return []
    rules.sort(key=lambda rule: (order[rule.indicator_id], rule.code))
    inputs = _Inputs(
        session=session,
        agency=agency,
        period=period,
        lang=lang,
        by_code=by_code,
        numbers={
            indicator_id: value.number
            for indicator_id, value in values_by_indicator(session, report).items()
            if value.number is not None
        },
        history_ids=frozenset(
            rule.indicator_id for rule in rules if rule.kind in HISTORY_KINDS
        ),
    )
    findings = []
    with localcontext() as context:
        context.prec = _PRECISION
        for rule in rules:
            subject = indicators[order[rule.indicator_id]]
            number = inputs.numbers.get(subject.id)
            check = _CHECKS.get(rule.kind)
            if number is None or check is None:
                continue
            message = check(rule, subject, number, inputs)
            if message is not None:
                findings.append(Finding(rule, subject, number, message))
    return findings


def active_rules(session: Session) -> list[Rule]:
    """Return the active rules, read once per session and kept in `session.info`.

    One message checks several answers, and each webhook request has its own
    session, so a new import is seen by the next message.
    """
    rules = session.info.get("active_rules")
    if rules is None:
        rules = list(session.exec(select(Rule).where(Rule.active).order_by(Rule.code)).all())
        session.info["active_rules"] = rules
    return list(rules)


def with_computed(indicators: list[Indicator], changed: set[int]) -> set[int]:
    """Add the computed indicators whose formulas use a changed indicator.

    A formula may use another computed indicator, so this repeats until
    nothing is added.
    """
    changed = set(changed)
    codes = [indicator.code for indicator in indicators]
    added = True
    while added:
        added = False
        changed_codes = {i.code for i in indicators if i.id in changed}
        for indicator in indicators:
            if not indicator.computed or indicator.id in changed:
                continue
            if formula_codes(indicator.formula, codes) & changed_codes:
                changed.add(indicator.id)
                added = True
    return changed


def formula_codes(formula: str, codes: list[str]) -> set[str]:
    """Find the codes a formula uses, longest first, as the formula is evaluated.

    `RFK-KEU-PCT` is matched before `RFK-KEU`, so it does not count as a use
    of `RFK-KEU`.
    """
    found = set()
    for code in sorted(codes, key=len, reverse=True):
        if code in formula:
            found.add(code)
            formula = formula.replace(code, " ")
    return found


def _reads_changed(
    rule: Rule, changed: set[int], by_code: dict[str, Indicator]
) -> bool:
    if rule.indicator_id in changed:
        return True
    return any(
        code in by_code and by_code[code].id in changed for code in other_codes(rule)
    )


@dataclass
class _Inputs:
    """What the checks of one call read, each loaded at most once."""

    session: Session
    agency: Agency
    period: Period
    lang: str
    by_code: dict[str, Indicator]
    # Numeric values of the report, by indicator id.
    numbers: dict[int, Decimal]
    # Subjects of the rules that read earlier periods.
    history_ids: frozenset[int]

    @cached_property
    def budget(self) -> Decimal | None:
        return budget_ceiling(self.session, self.agency, self.period.start.year)

    @cached_property
    def history(self) -> dict[int, list[_Earlier]]:
        return _load_history(self.session, self.agency, self.period, self.history_ids)

    def earlier(self, indicator: Indicator) -> list[_Earlier]:
        """Return the values of earlier periods, the nearest first."""
        return self.history.get(indicator.id, [])

    def value_of(self, code: str) -> tuple[Indicator, Decimal] | None:
        indicator = self.by_code.get(code)
        if indicator is None or indicator.id not in self.numbers:
            return None
        return indicator, self.numbers[indicator.id]


def _load_history(
    session: Session, agency: Agency, period: Period, indicator_ids: frozenset[int]
) -> dict[int, list[_Earlier]]:
    """Read the agency's values of earlier periods of the same periodicity.

    One query returns, for each indicator, the values of at most
    HISTORY_LIMIT periods that start before `period`, the nearest first. It
    reads every report of the agency, whatever its status. The report's unique
    (agency_id, period_id) index and the value's unique (report_id,
    indicator_id) index serve the joins.
    """
    if not indicator_ids:
        return {}
    rank = func.row_number().over(
        partition_by=ReportValue.indicator_id,
        order_by=(Period.start.desc(), Period.id.desc()),
    )
    ranked = (
        select(
            ReportValue.indicator_id.label("indicator_id"),
            ReportValue.number.label("number"),
            Period.id.label("period_id"),
            rank.label("rank"),
        )
        .join(Report, Report.id == ReportValue.report_id)
        .join(Period, Period.id == Report.period_id)
        .where(
            Report.agency_id == agency.id,
            Period.periodicity == period.periodicity,
            Period.start < period.start,
            ReportValue.indicator_id.in_(sorted(indicator_ids)),
            ReportValue.number.is_not(None),
        )
        .subquery()
    )
    rows = session.exec(
        select(ranked.c.indicator_id, ranked.c.number, Period)
        .join(Period, Period.id == ranked.c.period_id)
        .where(ranked.c.rank <= HISTORY_LIMIT)
        .order_by(ranked.c.indicator_id, ranked.c.rank)
    ).all()
    history: dict[int, list[_Earlier]] = {}
    for indicator_id, number, earlier in rows:
        history.setdefault(indicator_id, []).append(_Earlier(earlier, number))
    return history


# --- one function per rule kind ------------------------------------------------
# Each returns the message of a finding, or None when the value passes or an
# input is missing.


def _check_monotonic(
    rule: Rule, subject: Indicator, number: Decimal, inputs: _Inputs
) -> str | None:
    earlier = inputs.earlier(subject)
    # The nearest earlier value overall is the one to compare, unless it
    # belongs to another year, where the cumulative count starts again.
    if not earlier or earlier[0].period.start.year != inputs.period.start.year:
        return None
    previous = earlier[0]
    if number >= previous.number:
        return None
    return t(
        inputs.lang, "check.monotonic",
        label=short_label(subject),
        value=display_number(subject, number),
        previous_period=period_label(previous.period, inputs.lang),
        previous=display_number(subject, previous.number),
    )


def _check_jump(
    rule: Rule, subject: Indicator, number: Decimal, inputs: _Inputs
) -> str | None:
    earlier = inputs.earlier(subject)
    if not earlier or not earlier[0].number:
        return None
    previous = earlier[0]
    base = abs(previous.number)
    if abs(number - previous.number) <= rule.threshold * base:
        return None
    key = "check.jump_up" if number > previous.number else "check.jump_down"
    return t(
        inputs.lang, key,
        label=short_label(subject),
        value=display_number(subject, number),
        change=_share(abs(number - previous.number) / base),
        previous_period=period_label(previous.period, inputs.lang),
        previous=display_number(subject, previous.number),
    )


def _check_spread(
    rule: Rule, subject: Indicator, number: Decimal, inputs: _Inputs
) -> str | None:
    numbers = [earlier.number for earlier in inputs.earlier(subject)]
    if len(numbers) < SPREAD_MIN_HISTORY:
        return None
    mean = sum(numbers) / len(numbers)
    deviation = (sum((x - mean) ** 2 for x in numbers) / len(numbers)).sqrt()
    distance = abs(number - mean)
    if deviation:
        outside = number < min(numbers) or number > max(numbers)
        flagged = outside and distance > rule.threshold * deviation
    else:
        flagged = distance > FLAT_SPREAD_SHARE * abs(mean)
    if not flagged:
        return None
    return t(
        inputs.lang, "check.spread",
        label=short_label(subject),
        value=display_number(subject, number),
        count=len(numbers),
        mean=display_number(subject, _rounded(subject, mean)),
        low=display_number(subject, min(numbers)),
        high=display_number(subject, max(numbers)),
    )


def _check_range(
    rule: Rule, subject: Indicator, number: Decimal, inputs: _Inputs
) -> str | None:
    label = short_label(subject)
    value = display_number(subject, number)
    if rule.maximum is not None and number > rule.maximum:
        return t(
            inputs.lang, "check.range_high", label=label, value=value,
            limit=display_number(subject, rule.maximum),
        )
    if rule.minimum is not None and number < rule.minimum:
        return t(
            inputs.lang, "check.range_low", label=label, value=value,
            limit=display_number(subject, rule.minimum),
        )
    return None


def _check_ceiling(
    rule: Rule, subject: Indicator, number: Decimal, inputs: _Inputs
) -> str | None:
    if rule.other == BUDGET:
        ceiling = inputs.budget
        other = t(inputs.lang, "check.budget")
        other_value = None if ceiling is None else display_number(subject, ceiling)
    else:
        found = inputs.value_of(rule.other)
        ceiling = None if found is None else found[1]
        other = None if found is None else inline_label(found[0])
        other_value = None if found is None else display_number(*found)
    if ceiling is None:
        return None
    share = Decimal(1) if rule.threshold is None else rule.threshold
    limit = ceiling * share
    if number <= limit:
        return None
    label = short_label(subject)
    value = display_number(subject, number)
    if share == 1:
        return t(
            inputs.lang, "check.ceiling", label=label, value=value, other=other,
            limit=other_value,
        )
    return t(
        inputs.lang, "check.ceiling_share", label=label, value=value,
        share=_share(share), other=other, other_value=other_value,
        limit=display_number(subject, _rounded(subject, limit)),
    )


def _check_gap(
    rule: Rule, subject: Indicator, number: Decimal, inputs: _Inputs
) -> str | None:
    found = inputs.value_of(rule.other)
    if found is None:
        return None
    other, other_number = found
    difference = number - other_number
    if difference <= rule.threshold:
        return None
    return t(
        inputs.lang, "check.gap",
        label=short_label(subject),
        value=display_number(subject, number),
        other=inline_label(other),
        other_value=display_number(other, other_number),
        difference=format_number(difference.quantize(Decimal("0.01"))),
    )


def _check_product(
    rule: Rule, subject: Indicator, number: Decimal, inputs: _Inputs
) -> str | None:
    parts = product_factors(rule.other)
    product = None
    terms = []
    for index in range(0, len(parts), 2):
        operand = parts[index]
        found = inputs.value_of(operand)
        if found is not None:
            factor = found[1]
            terms.append(f"{inline_label(found[0])} {display_number(*found)}")
        elif operand in inputs.by_code or not _is_number(operand):
            return None
        else:
            factor = Decimal(operand)
            terms.append(format_number(factor))
        if index == 0:
            product = factor
        elif parts[index - 1] == "*":
            product *= factor
        elif not factor:
            return None
        else:
            product /= factor
    # A deviation from a zero product has no share to compare.
    if not product:
        return None
    share = abs(number - product) / abs(product)
    if share <= rule.threshold:
        return None
    expression = ""
    for index, term in enumerate(terms):
        if index:
            expression += " × " if parts[2 * index - 1] == "*" else " / "
        expression += term
    return t(
        inputs.lang, "check.product",
        label=short_label(subject),
        value=display_number(subject, number),
        expression=expression,
        product=display_number(subject, _rounded(subject, product)),
        difference=_share(share),
    )


_CHECKS = {
    RuleKind.MONOTONIC: _check_monotonic,
    RuleKind.JUMP: _check_jump,
    RuleKind.SPREAD: _check_spread,
    RuleKind.RANGE: _check_range,
    RuleKind.CEILING: _check_ceiling,
    RuleKind.GAP: _check_gap,
    RuleKind.PRODUCT: _check_product,
}


def _is_number(text: str) -> bool:
    return _PLAIN_DECIMAL.fullmatch(text) is not None


def _share(ratio: Decimal) -> str:
    """Write a ratio as a percentage with at most one decimal: `150%`, `12,5%`."""
    return format_percent((ratio * 100).quantize(Decimal("0.1")))


def _rounded(indicator: Indicator, number: Decimal) -> Decimal:
    """Round a computed figure for display: whole rupiah, else two decimals."""
    if indicator.type == IndicatorType.CURRENCY:
        return number.quantize(Decimal(1))
    return number.quantize(Decimal("0.01"))

"""Answers to questions across agencies: late reports, one indicator, rankings.

- `telat [periode]`: who submitted after the deadline, by how many days, and
  who is still missing after it.
- `rekap <indikator> [periode]`: every agency's value, sorted, with the count,
  minimum, median and maximum.
- `peringkat [indikator] [periode]`: agencies ranked by financial realisation
  against their budget ceiling, or by a named numeric indicator.

Every figure comes with its change from the previous period of the same
periodicity. Operators get their own agency's line only, after a note.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, select

from bot import locking, reports
from bot.checks import active_rules, formula_codes, short_label
from bot.i18n import long_date, period_label, short_datetime
from bot.parsing import format_percent, normalise, strip_periods
from bot.periods import (
    PERIODICITY_ORDER,
    applicable_indicators,
    expected_agencies,
    latest_ended,
    local_date,
)
from bot.reports import BUDGET
from flows import reporting, status
from flows.answers import display, display_number
from flows.context import Context
from models import (
    Agency,
    Budget,
    Indicator,
    IndicatorType,
    NUMERIC_TYPES,
    Period,
    Report,
    ReportStatus,
    ReportValue,
    RuleKind,
)

# Min and max name at most this many agencies that share the value.
MAX_TIED_NAMES = 3
# An unknown indicator gets at most this many suggestions, each at least this
# similar (difflib ratio) to what was typed.
MAX_SUGGESTIONS = 4
SUGGESTION_CUTOFF = 0.5
# A text answer is cut to this many characters in a recap line.
TEXT_PREVIEW = 80
# Words of a question that name no indicator, agency or period.
QUESTION_FILLER = status.STATUS_FILLER | frozenset(
    "rekap rekapitulasi recap peringkat ranking rangking rank bulan bln data nilai "
    "angka indikator berapa per dari untuk yang yg aja saja opd semua".split()
)
_WORDS = re.compile(r"[^\W_]+")
_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")


# --- finding the indicator and its period ------------------------------------------


@dataclass(frozen=True)
class Mention:
    """An indicator named in a message, and where its name is in the normalised text."""

    indicator: Indicator
    start: int
    end: int


def find_indicator(session: Session, text: str) -> Mention | None:
    """Find the indicator named in `text` by code, name or alias.

    The longest name wins, so `realisasi fisik` beats `fisik`.
    """
    norm = normalise(text)
    best: Mention | None = None
    for indicator in all_indicators(session):
        names = [indicator.code.lower(), indicator.name.lower(), *indicator.alias_list]
        for name in names:
            name = normalise(name)
            if not name:
                continue
            match = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", norm)
            if match is None:
                continue
            if best is None or match.end() - match.start() > best.end - best.start:
                best = Mention(indicator, match.start(), match.end())
    return best


def all_indicators(session: Session) -> list[Indicator]:
    return list(session.exec(select(Indicator).order_by(Indicator.position)).all())


def unknown_words(text: str) -> list[str]:
    """Return the words of a question that are neither filler nor a period."""
    return [
        word
        for word in _WORDS.findall(strip_periods(normalise(text)))
        if word not in QUESTION_FILLER and not word.isdigit()
    ]


def close_indicators(session: Session, typed: str) -> list[str]:
    """Name the indicators whose code, name or alias look most like `typed`."""
    scored = []
    for indicator in all_indicators(session):
        names = [indicator.code.lower(), indicator.name.lower(), *indicator.alias_list]
        score = max(
            difflib.SequenceMatcher(None, typed, normalise(name)).ratio()
            for name in names
        )
        if score >= SUGGESTION_CUTOFF:
            scored.append((-score, indicator.position, short_label(indicator)))
    labels = [label for _, _, label in sorted(scored)]
    return list(dict.fromkeys(labels))[:MAX_SUGGESTIONS]


def say_unknown_indicator(ctx: Context, words: list[str]) -> None:
    typed = " ".join(words)[:40]
    options = close_indicators(ctx.session, typed)
    if options:
        ctx.say("insight.unknown_indicator", text=typed,
                options=", ".join(f"*{o}*" for o in options))
    else:
        ctx.say("insight.unknown_indicator_none", text=typed)


def is_cumulative(session: Session, indicator: Indicator) -> bool:
    """Tell whether a value adds up over the year, so a period includes earlier ones.

    An indicator is cumulative when an active `monotonic` rule of rules.csv
    checks it, or when it is computed from such an indicator (the share of
    the budget spent is computed from the cumulative spending).
    """
    monotonic = {
        rule.indicator_id
        for rule in active_rules(session)
        if rule.kind == RuleKind.MONOTONIC
    }
    if indicator.id in monotonic:
        return True
    if not indicator.computed:
        return False
    indicators = all_indicators(session)
    codes = formula_codes(indicator.formula, [i.code for i in indicators])
    return any(i.id in monotonic for i in indicators if i.code in codes)


def indicator_period(
    ctx: Context, indicator: Indicator, requested: Period | None
) -> Period | None:
    """Return the period of the indicator's periodicity that answers the question.

    Without a named period this is the latest period that has ended. A
    quarter or year named for a cumulative monthly indicator means its last
    month, since that month's value covers the whole quarter or year. Returns
    None when the named period does not fit the indicator.
    """
    if requested is None:
        return latest_ended(ctx.session, ctx.today, indicator.periodicity)
    if requested.periodicity == indicator.periodicity:
        return requested
    finer = PERIODICITY_ORDER.get(indicator.periodicity, 9) < PERIODICITY_ORDER.get(
        requested.periodicity, 9
    )
    if not finer or not is_cumulative(ctx.session, indicator):
        return None
    return ctx.session.exec(
        select(Period)
        .where(
            Period.periodicity == indicator.periodicity,
            Period.start >= requested.start,
            Period.end <= requested.end,
        )
        .order_by(Period.end.desc())
    ).first()


def period_heading(ctx: Context, period: Period, requested: Period | None) -> str:
    """Name the period shown, and the quarter or year named if it ends that period."""
    label = period_label(period, ctx.lang)
    if requested is None or requested.id == period.id:
        return label
    whole = period_label(requested, ctx.lang)
    return ctx.text("insight.end_of", label=label, whole=whole)


def say_periodicity_mismatch(ctx: Context, indicator: Indicator, command: str) -> None:
    latest = latest_ended(ctx.session, ctx.today, indicator.periodicity)
    example = f"{command} {short_label(indicator).lower()}"
    if latest is not None:
        example += f" {period_label(latest, ctx.lang).lower()}"
    ctx.say("insight.periodicity", indicator=short_label(indicator),
            periodicity=ctx.text(f"insight.periodicity.{indicator.periodicity}"),
            example=example)


def fit_period(
    ctx: Context, indicator: Indicator, requested: Period | None, command: str
) -> Period | None:
    """Return the period to show for the indicator, or None after saying why not."""
    period = indicator_period(ctx, indicator, requested)
    if period is not None:
        return period
    if requested is None:
        ctx.say("period.unknown")
    else:
        say_periodicity_mismatch(ctx, indicator, command)
    return None


# --- values of one indicator across agencies ------------------------------------


@dataclass(frozen=True)
class Entry:
    """One expected agency's value for the period and its value of the period before."""

    agency: Agency
    value: ReportValue | None
    # The agency's value in its submitted report of the previous period.
    earlier: ReportValue | None

    @property
    def number(self) -> Decimal | None:
        return None if self.value is None else self.value.number

    @property
    def before(self) -> Decimal | None:
        return None if self.earlier is None else self.earlier.number


def submitted_values(
    session: Session, indicator: Indicator, period: Period | None
) -> dict[int, ReportValue]:
    """Return the indicator's values in the period's submitted reports, by agency id."""
    if period is None:
        return {}
    rows = session.exec(
        select(Report.agency_id, ReportValue)
        .join(ReportValue, ReportValue.report_id == Report.id)
        .where(
            Report.period_id == period.id,
            Report.status != ReportStatus.DRAFT,
            ReportValue.indicator_id == indicator.id,
        )
    ).all()
    return {agency_id: value for agency_id, value in rows}


def collect(
    session: Session, indicator: Indicator, period: Period, previous: Period | None
) -> list[Entry]:
    """List every agency that reports the indicator, in id order, with its values."""
    values = submitted_values(session, indicator, period)
    earlier = submitted_values(session, indicator, previous)
    agencies = session.exec(select(Agency).order_by(Agency.id)).all()
    return [
        Entry(agency, values.get(agency.id), earlier.get(agency.id))
        for agency in agencies
        if indicator.applies(agency)
    ]


def median(numbers: list[Decimal]) -> Decimal:
    """Return the middle value, or the mean of the two middle values."""
    ordered = sorted(numbers)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def rounded(indicator: Indicator, number: Decimal) -> Decimal:
    """Round a computed figure as it is shown: whole rupiah, else two decimals."""
    step = Decimal(1) if indicator.type == IndicatorType.CURRENCY else _CENT
    return number.quantize(step, rounding=ROUND_HALF_UP)


def tied_names(ctx: Context, entries: list[Entry], number: Decimal) -> str:
    names = sorted(e.agency.short_name for e in entries if e.number == number)
    if len(names) <= MAX_TIED_NAMES:
        return ", ".join(names)
    return ctx.text("insight.more_names", names=", ".join(names[:MAX_TIED_NAMES]),
                    count=len(names) - MAX_TIED_NAMES)


def say_own_scope(ctx: Context) -> bool:
    """Say that an operator sees only their agency, or return False if there is none."""
    if ctx.agency is None:
        status.say_no_agency(ctx)
        return False
    ctx.say("status.own_agency_only", agency=ctx.agency.short_name)
    return True


# --- rekap <indikator> ------------------------------------------------------------


def handle_recap(ctx: Context, text: str) -> None:
    """Reply to `rekap <indikator> [periode]`; `rekap` alone is `status`."""
    requested = status.requested_period(ctx, text)
    if requested is False:
        ctx.say("period.unknown")
        return
    mention = find_indicator(ctx.session, text)
    norm = normalise(text)
    rest = norm if mention is None else f"{norm[: mention.start]} {norm[mention.end :]}"
    if mention is None or status.find_agency(ctx.session, rest) is not None:
        recap_as_status(ctx, text)
        return
    indicator = mention.indicator
    if not ctx.is_supervisor and not say_own_scope(ctx):
        return
    period = fit_period(ctx, indicator, requested, "rekap")
    if period is None:
        return
    previous = status.previous_period(ctx.session, period)
    entries = collect(ctx.session, indicator, period, previous)
    heading = period_heading(ctx, period, requested)
    if not ctx.is_supervisor:
        own_value(ctx, indicator, entries, period, previous, heading)
    elif indicator.type in NUMERIC_TYPES:
        numeric_recap(ctx, indicator, entries, period, previous, heading)
    else:
        listed_recap(ctx, indicator, entries, period, previous, heading)


def recap_as_status(ctx: Context, text: str) -> None:
    """Reply to `rekap`, `rekap maret` or `rekap dinkes` as `status` does."""
    agency = status.find_agency(ctx.session, text)
    words = unknown_words(text)
    if agency is None and words:
        say_unknown_indicator(ctx, words)
        return
    own = ctx.agency
    names_own = own is not None and (agency is None or agency.id == own.id)
    if not ctx.is_supervisor and names_own:
        ctx.say("status.own_agency_only", agency=own.short_name)
    status.handle_status(ctx, text)


def numeric_recap(
    ctx: Context,
    indicator: Indicator,
    entries: list[Entry],
    period: Period,
    previous: Period | None,
    heading: str,
) -> None:
    """List the agencies' values, highest first, then the count, min, median and max."""
    label = short_label(indicator)
    ctx.say("insight.recap_title", indicator=label, label=heading, name=indicator.name)
    reported = [e for e in entries if e.number is not None]
    if not reported:
        ctx.say("insight.no_values", indicator=label, label=heading)
        return

    if previous is not None and any(e.before is not None for e in reported):
        ctx.say("insight.changes_from", label=period_label(previous, ctx.lang))
    for entry in sorted(reported, key=lambda e: (-e.number, e.agency.short_name)):
        change = ""
        if entry.before is not None:
            change = ctx.text("compare.change", change=status.indicator_change(
                indicator, entry.number, entry.before, ctx.lang))
        ctx.say("insight.value_line", agency=entry.agency.short_name,
                value=display_number(indicator, entry.number), change=change)

    ctx.say("insight.count", reported=len(reported), expected=len(entries))
    numbers = [e.number for e in reported]
    middle = rounded(indicator, median(numbers))
    earlier = [e.before for e in entries if e.before is not None]
    middle_before = rounded(indicator, median(earlier)) if earlier else None
    ctx.say(
        "insight.spread",
        low=display_number(indicator, min(numbers)),
        low_names=tied_names(ctx, reported, min(numbers)),
        median=display_number(indicator, middle),
        median_change=status.compared(
            indicator, middle, middle_before, previous, period, ctx.lang
        ),
        high=display_number(indicator, max(numbers)),
        high_names=tied_names(ctx, reported, max(numbers)),
    )
    say_without_value(ctx, entries, reported)


def listed_recap(
    ctx: Context,
    indicator: Indicator,
    entries: list[Entry],
    period: Period,
    previous: Period | None,
    heading: str,
) -> None:
    """List a choice indicator's answers with their agencies, or each text answer."""
    label = short_label(indicator)
    ctx.say("insight.recap_title", indicator=label, label=heading, name=indicator.name)
    reported = [e for e in entries if e.value is not None]
    if not reported:
        ctx.say("insight.no_values", indicator=label, label=heading)
        return
    if indicator.type == IndicatorType.CHOICE:
        say_choices(ctx, indicator, entries, previous, period)
    else:
        for entry in reported:
            answer = display(indicator, entry.value, ctx.lang)
            if len(answer) > TEXT_PREVIEW:
                answer = answer[: TEXT_PREVIEW - 1].rstrip() + "…"
            ctx.say("insight.value_line", agency=entry.agency.short_name,
                    value=" ".join(answer.split()), change="")
    ctx.say("insight.count", reported=len(reported), expected=len(entries))
    say_without_value(ctx, entries, reported)


def say_choices(
    ctx: Context,
    indicator: Indicator,
    entries: list[Entry],
    previous: Period | None,
    period: Period,
) -> None:
    """Say how many agencies gave each answer, this period and the one before."""
    given = [e.value.text for e in entries if e.value is not None and e.value.text]
    answers = list(indicator.choice_list)
    answers += sorted(set(given) - set(answers))
    for answer in answers:
        names = [
            e.agency.short_name
            for e in entries
            if e.value is not None and e.value.text == answer
        ]
        if not names:
            continue
        before = ""
        if previous is not None:
            count = sum(1 for e in entries if e.earlier and e.earlier.text == answer)
            label = status.short_period_label(previous, ctx.lang, period)
            before = ctx.text("insight.choice_before", period=label, count=count)
        ctx.say("insight.choice_line", choice=answer, count=len(names), before=before,
                names=", ".join(names))


def say_without_value(
    ctx: Context, entries: list[Entry], reported: list[Entry]
) -> None:
    reported_ids = {e.agency.id for e in reported}
    names = [e.agency.short_name for e in entries if e.agency.id not in reported_ids]
    if names:
        ctx.say("insight.without_value", count=len(names),
                names=status.join_names(names))


def own_value(
    ctx: Context,
    indicator: Indicator,
    entries: list[Entry],
    period: Period,
    previous: Period | None,
    heading: str,
) -> None:
    """Show an operator's own agency's value, and nothing of other agencies."""
    label = short_label(indicator)
    agency = ctx.agency
    entry = next((e for e in entries if e.agency.id == agency.id), None)
    if entry is None:
        ctx.say("insight.not_applicable", indicator=label, agency=agency.short_name)
        return
    if entry.value is None:
        ctx.say("insight.own_none", agency=agency.short_name, indicator=label,
                label=heading)
        return
    change = status.compared(indicator, entry.number, entry.before, previous, period,
                             ctx.lang)
    value = display(indicator, entry.value, ctx.lang)
    ctx.say("insight.own_value", agency=agency.short_name, indicator=label,
            label=heading, value=value, change=change)


# --- peringkat [indikator] ------------------------------------------------------


def spending_indicator(session: Session) -> Indicator | None:
    """Return the indicator of financial realisation, checked against the budget.

    It is the currency indicator that an active `ceiling` rule of rules.csv
    bounds by `budget` (in the sample regency, the cumulative spending).
    NOTE: with several such indicators the first in question order is taken.
    """
    bounded = {
        rule.indicator_id
        for rule in active_rules(session)
        if rule.kind == RuleKind.CEILING and rule.other == BUDGET
    }
    for indicator in all_indicators(session):
        if indicator.id in bounded and indicator.type == IndicatorType.CURRENCY:
            return indicator
    return None


@dataclass(frozen=True)
class Measure:
    """The quantity agencies are ranked by: a share of the budget, or a value."""

    indicator: Indicator
    # True: the indicator's value as a percentage of the agency's budget ceiling.
    by_budget: bool

    def title(self, ctx: Context) -> str:
        label = short_label(self.indicator)
        if self.by_budget:
            return ctx.text("insight.measure_budget", indicator=label)
        return label

    def show(self, score: Decimal) -> str:
        if self.by_budget:
            return format_percent(score, 1)
        return display_number(self.indicator, score)

    def change(self, score: Decimal, before: Decimal, lang: str) -> str:
        if self.by_budget:
            return status.signed_change(
                score - before, lambda size: status.points(size, lang, 1), lang
            )
        return status.indicator_change(self.indicator, score, before, lang)


def ranking_measure(ctx: Context, text: str) -> Measure | None:
    """Return the measure `peringkat ...` ranks by, or None after replying why not.

    Without an indicator, or naming the spending or its share of the budget,
    it is the share of the budget spent. Another numeric indicator is ranked
    by its value.
    """
    spending = spending_indicator(ctx.session)
    mention = find_indicator(ctx.session, text)
    if mention is None:
        words = unknown_words(text)
        if words and status.find_agency(ctx.session, text) is None:
            say_unknown_indicator(ctx, words)
            return None
        if spending is None:
            ctx.say("insight.no_budget_indicator")
            return None
        return Measure(spending, by_budget=True)
    indicator = mention.indicator
    if spending is not None and (
        indicator.id == spending.id
        or reads_budget_share(ctx.session, indicator, spending)
    ):
        return Measure(spending, by_budget=True)
    if indicator.type not in NUMERIC_TYPES:
        label = short_label(indicator)
        ctx.say("insight.not_numeric", indicator=label, example=label.lower())
        return None
    return Measure(indicator, by_budget=False)


def reads_budget_share(
    session: Session, indicator: Indicator, spending: Indicator
) -> bool:
    """Tell whether a computed indicator divides the spending by the budget."""
    if not indicator.computed or BUDGET not in indicator.formula:
        return False
    codes = [i.code for i in all_indicators(session)]
    return spending.code in formula_codes(indicator.formula, codes)


def budget_ceilings(session: Session, year: int) -> dict[int, Decimal]:
    rows = session.exec(select(Budget).where(Budget.year == year)).all()
    return {row.agency_id: row.ceiling for row in rows}


@dataclass(frozen=True)
class Ranked:
    """An agency's place: its score as shown, and its score of the period before."""

    agency: Agency
    rank: int
    score: Decimal
    before: Decimal | None


@dataclass(frozen=True)
class Ranking:
    ranked: list[Ranked]
    # Expected agencies without a submitted value, and those without a budget.
    no_report: list[Agency]
    no_budget: list[Agency]


def rank_agencies(
    session: Session,
    measure: Measure,
    entries: list[Entry],
    period: Period,
    previous: Period | None,
) -> Ranking:
    """Score each agency and rank them, highest first. Equal scores share a rank.

    A share of the budget is rounded to one decimal before ranking, so two
    agencies shown with the same share share a rank.
    """
    ceilings = {period.start.year: budget_ceilings(session, period.start.year)}
    if previous is not None and previous.start.year not in ceilings:
        ceilings[previous.start.year] = budget_ceilings(session, previous.start.year)

    def score(number: Decimal | None, agency: Agency, year: int) -> Decimal | None:
        if number is None:
            return None
        if not measure.by_budget:
            return rounded(measure.indicator, number)
        ceiling = ceilings[year].get(agency.id)
        if not ceiling:
            return None
        return (100 * number / ceiling).quantize(_TENTH, rounding=ROUND_HALF_UP)

    scored, no_report, no_budget = [], [], []
    for entry in entries:
        if entry.number is None:
            no_report.append(entry.agency)
            continue
        current = score(entry.number, entry.agency, period.start.year)
        if current is None:
            no_budget.append(entry.agency)
            continue
        before = None
        if previous is not None:
            before = score(entry.before, entry.agency, previous.start.year)
        scored.append((current, before, entry.agency))
    scored.sort(key=lambda item: (-item[0], item[2].short_name))
    ranked: list[Ranked] = []
    for position, (current, before, agency) in enumerate(scored, 1):
        tied = bool(ranked) and ranked[-1].score == current
        rank = ranked[-1].rank if tied else position
        ranked.append(Ranked(agency, rank, current, before))
    return Ranking(ranked, no_report, no_budget)


def handle_ranking(ctx: Context, text: str) -> None:
    """Reply to `peringkat realisasi [periode]`, `peringkat fisik` and the like."""
    requested = status.requested_period(ctx, text)
    if requested is False:
        ctx.say("period.unknown")
        return
    measure = ranking_measure(ctx, text)
    if measure is None:
        return
    if not ctx.is_supervisor and not say_own_scope(ctx):
        return
    period = fit_period(ctx, measure.indicator, requested, "peringkat")
    if period is None:
        return
    previous = status.previous_period(ctx.session, period)
    entries = collect(ctx.session, measure.indicator, period, previous)
    ranking = rank_agencies(ctx.session, measure, entries, period, previous)
    heading = period_heading(ctx, period, requested)
    if not ctx.is_supervisor:
        own_rank(ctx, measure, entries, ranking, period, previous, heading)
        return

    ctx.say("insight.ranking_title", measure=measure.title(ctx), label=heading)
    if not ranking.ranked:
        ctx.say("insight.ranking_none", label=heading)
    elif previous is not None and any(r.before is not None for r in ranking.ranked):
        ctx.say("insight.changes_from", label=period_label(previous, ctx.lang))
    for place in ranking.ranked:
        change = ""
        if place.before is not None:
            difference = measure.change(place.score, place.before, ctx.lang)
            change = ctx.text("compare.change", change=difference)
        ctx.say("insight.rank_line", rank=place.rank, agency=place.agency.short_name,
                value=measure.show(place.score), change=change)

    if ranking.no_report:
        names = status.join_names([a.short_name for a in ranking.no_report])
        ctx.say("status.missing", count=len(ranking.no_report), names=names)
    if ranking.no_budget:
        names = status.join_names([a.short_name for a in ranking.no_budget])
        ctx.say("insight.no_budget_list", year=period.start.year,
                count=len(ranking.no_budget), names=names)


def own_rank(
    ctx: Context,
    measure: Measure,
    entries: list[Entry],
    ranking: Ranking,
    period: Period,
    previous: Period | None,
    heading: str,
) -> None:
    """Show an operator's own rank and score, with no other agency's name or score."""
    agency = ctx.agency
    label = short_label(measure.indicator)
    if all(e.agency.id != agency.id for e in entries):
        ctx.say("insight.not_applicable", indicator=label, agency=agency.short_name)
        return
    if any(a.id == agency.id for a in ranking.no_budget):
        ctx.say("insight.own_no_budget", agency=agency.short_name,
                year=period.start.year)
        return
    place = next((r for r in ranking.ranked if r.agency.id == agency.id), None)
    if place is None:
        ctx.say("insight.own_none", agency=agency.short_name,
                indicator=measure.title(ctx), label=heading)
        return
    change = ""
    if place.before is not None and previous is not None:
        change = ctx.text(
            "compare.previous",
            period=status.short_period_label(previous, ctx.lang, period),
            value=measure.show(place.before),
            change=measure.change(place.score, place.before, ctx.lang),
        )
    ctx.say("insight.own_rank", agency=agency.short_name, measure=measure.title(ctx),
            label=heading, rank=place.rank, count=len(ranking.ranked),
            value=measure.show(place.score), change=change)


# --- telat [periode] ------------------------------------------------------------


def handle_late(ctx: Context, text: str) -> None:
    """Reply to `telat [periode]`: late reports, then the agencies still missing.

    Without a period it is the period whose deadline passed most recently.
    """
    period = status.requested_period(ctx, text)
    if period is False:
        ctx.say("period.unknown")
        return
    period = period or status.latest_due(ctx.session, ctx.today)
    period = period or latest_ended(ctx.session, ctx.today)
    if period is None:
        ctx.say("period.unknown")
        return
    if not ctx.is_supervisor:
        if say_own_scope(ctx):
            own_timing(ctx, period)
        return
    late_status(ctx, period)


def submitted_reports(session: Session, period: Period) -> dict[int, Report]:
    rows = session.exec(
        select(Report).where(
            Report.period_id == period.id, Report.status != ReportStatus.DRAFT
        )
    ).all()
    return {report.agency_id: report for report in rows}


def days_late(ctx: Context, report: Report, period: Period) -> int:
    """Count the days from the deadline to the first submission, in local dates."""
    first = report.first_submitted_at or report.submitted_at
    return (local_date(first, ctx.settings.tz) - period.deadline).days


def submitted_on(ctx: Context, report: Report) -> str:
    first = report.first_submitted_at or report.submitted_at
    return short_datetime(first.astimezone(ctx.settings.tz), ctx.lang)


def late_status(ctx: Context, period: Period) -> None:
    expected = expected_agencies(ctx.session, period)
    submitted = submitted_reports(ctx.session, period)
    done = [a for a in expected if a.id in submitted]
    late = [a for a in done if submitted[a.id].on_time is False]
    label = period_label(period, ctx.lang)
    deadline = long_date(period.deadline, ctx.lang)
    ctx.say("status.period", label=label, deadline=deadline, submitted=len(done),
            total=len(expected), on_time=len(done) - len(late), late=len(late))
    if period.deadline >= ctx.today:
        ctx.say("insight.late_not_due", label=label, deadline=deadline)
        return
    if late:
        ctx.say("insight.late_header", count=len(late))
        by_days = sorted(
            late, key=lambda a: (-days_late(ctx, submitted[a.id], period), a.short_name)
        )
        for agency in by_days:
            report = submitted[agency.id]
            ctx.say("insight.late_line", agency=agency.short_name,
                    days=days_late(ctx, report, period), when=submitted_on(ctx, report))
    else:
        ctx.say("insight.late_none")
    missing = [a.short_name for a in expected if a.id not in submitted]
    if missing:
        ctx.say("insight.overdue", days=(ctx.today - period.deadline).days,
                count=len(missing), names=status.join_names(missing))
    else:
        ctx.say("status.none_missing")


def own_timing(ctx: Context, period: Period) -> None:
    """Say whether the operator's own agency reported on time, late, or not yet."""
    agency = ctx.agency
    label = period_label(period, ctx.lang)
    if not applicable_indicators(ctx.session, agency, period):
        ctx.say("report.nothing_to_report", period=label)
        return
    report = submitted_reports(ctx.session, period).get(agency.id)
    deadline = long_date(period.deadline, ctx.lang)
    if report is not None and report.on_time is False:
        ctx.say("insight.own_late", agency=agency.short_name, label=label,
                days=days_late(ctx, report, period), when=submitted_on(ctx, report))
    elif report is not None:
        ctx.say("insight.own_on_time", agency=agency.short_name, label=label,
                when=submitted_on(ctx, report))
    elif period.deadline < ctx.today:
        days = (ctx.today - period.deadline).days
        draft = reports.get_report(ctx.session, agency, period)
        if locking.is_locked(draft, period, ctx.now, ctx.settings):
            # `lapor` would be rejected, so name the lock and the admin's unlock.
            ctx.say("insight.own_overdue_locked", agency=agency.short_name,
                    label=label, days=days, deadline=deadline)
            reporting.say_locked(ctx, period)
        else:
            ctx.say("insight.own_overdue", agency=agency.short_name, label=label,
                    days=days, deadline=deadline)
    else:
        ctx.say("insight.own_not_due", agency=agency.short_name, label=label,
                deadline=deadline)


# --- laporan <OPD> -----------------------------------------------------------------


def asks_for_agency_report(ctx: Context, text: str) -> bool:
    """Tell whether `laporan <OPD> [periode]` requests a report to read, not to fill.

    It does when it names an agency, unless an operator names their own
    agency, which keeps starting their report as `lapor` does.
    """
    words = normalise(text).split()
    if not words or words[0] != "laporan":
        return False
    agency = status.find_agency(ctx.session, " ".join(words[1:]))
    if agency is None:
        return False
    return ctx.is_supervisor or ctx.agency is None or agency.id != ctx.agency.id

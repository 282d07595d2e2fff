"""The reporting dialogue: one question at a time, a summary, then submit.

This module contains the entry points, the question steps and the `STEPS`
table that `flows.router` reads. The question helpers are in
`flows.report_questions`, and the summary step and submission are in
`flows.report_submit`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from sqlmodel import select

from bot import locking, reports
from bot.i18n import long_date, period_label
from bot.intents import Intent, interrupting_command, step_command
from bot.parsing import ParseError, format_rupiah, parse_choice, parse_period, parse_yes_no
from bot.periods import (
    OPEN_BEFORE_END_DAYS,
    applicable_indicators,
    resolve,
)
from flows.answers import display, error_text, find_mention, parse_answer
from flows import checking
from flows.context import Context
from flows.report_questions import (
    State,
    acknowledge,
    ask,
    ask_next,
    cancel,
    edit_by_mention,
    editable_periods,
    find_indicator,
    load_period,
    load_queue,
    load_values,
    pause,
    show_summary,
    store_answer,
    update_data,
)
from flows.report_submit import summary
from models import NUMERIC_TYPES, IndicatorType, Period, Report, ReportStatus, Role

logger = logging.getLogger(__name__)

FLOW = "report"
# The maximum number of periods offered in one numbered choice.
MAX_CHOICES = 9
# On a free-text question, a longer message starting with `batal` is an answer.
STEP_COMMAND_MAX_WORDS_IN_TEXT = 3


# --- entering the flow ------------------------------------------------------


def begin(
    ctx: Context, period: Period | None, periodicity: str | None = None
) -> str | None:
    """Start reporting `period`, or offer the agency's open periods."""
    if ctx.official.role != Role.OPERATOR or ctx.agency is None:
        ctx.say("report.not_operator")
        return None
    if period is not None:
        if not can_open(ctx, period):
            return None
        return open_report(ctx, period)

    periods = editable_periods(ctx, periodicity)
    if not periods:
        ctx.say("report.no_open_periods")
        return None
    if len(periods) == 1:
        return open_report(ctx, periods[0])
    shown = periods[:MAX_CHOICES]
    lines = [
        ctx.text(
            "report.period_option", number=n, label=period_label(p, ctx.lang),
            deadline=long_date(p.deadline, ctx.lang),
        )
        for n, p in enumerate(shown, 1)
    ]
    ctx.start(FLOW, State.CHOOSE_PERIOD, {"choices": [p.id for p in shown]})
    ctx.say("report.choose_period", options="\n".join(lines))
    if len(periods) > len(shown):
        ctx.say("report.more_periods", count=len(periods) - len(shown))
    return State.CHOOSE_PERIOD


def can_open(ctx: Context, period: Period) -> bool:
    """Say why the agency cannot report `period` now, or return True."""
    if not applicable_indicators(ctx.session, ctx.agency, period):
        ctx.say("report.nothing_to_report", period=period_label(period, ctx.lang))
        return False
    opens_on = period.end - timedelta(days=OPEN_BEFORE_END_DAYS)
    if opens_on > ctx.today:
        ctx.say("report.not_open_yet", label=period_label(period, ctx.lang),
                opens=long_date(opens_on, ctx.lang))
        return False
    report = reports.get_report(ctx.session, ctx.agency, period) or Report()
    if locking.is_locked(report, period, ctx.now, ctx.settings):
        say_locked(ctx, period)
        return False
    return True


def say_locked(ctx: Context, period: Period) -> None:
    since = locking.lock_moment(period, ctx.settings).astimezone(ctx.settings.tz)
    ctx.say("report.locked", label=period_label(period, ctx.lang),
            since=long_date(since.date(), ctx.lang), agency=ctx.agency.code,
            period=period.code)


def quick_fill(ctx: Context, text: str) -> tuple[bool, str | None]:
    """Fill values named in a message sent outside any question.

    "realisasi keuangan maret 1,9 M fisik 150" opens the March report and
    fills both. Returns (False, None) when the message names no indicator
    with a value, so that it is handled as a command.
    """
    if ctx.official.role != Role.OPERATOR or ctx.agency is None:
        return False, None
    ref = parse_period(text)
    if ref is not None:
        period = resolve(ctx.session, ref, ctx.today)
        candidates = [period] if period is not None else []
    else:
        candidates = editable_periods(ctx)
    matches = []
    for period in candidates:
        asked = [
            indicator
            for indicator in applicable_indicators(ctx.session, ctx.agency, period)
            if not indicator.computed
        ]
        pairs = checking.split_mentions(text, asked)
        if pairs:
            matches.append((period, pairs))
    if not matches:
        return False, None
    if len(matches) > 1:
        period, pairs = matches[0]
        example = f"{pairs[0][1]}"
        label = period_label(period, ctx.lang).split(" ")[0].lower()
        name = checking.short_label(pairs[0][0]).lower()
        ctx.say("check.which_period", example=f"{name} {label} {example}")
        return True, None
    period, pairs = matches[0]
    if not can_open(ctx, period):
        return True, None
    report = reports.get_or_create_report(ctx.session, ctx.agency, period)
    start_flow(ctx, period, report)
    return True, checking.fill(ctx, pairs)


def resume(ctx: Context) -> str | None:
    """Resume the official's last draft, or the agency's latest; None if none.

    A report that was submitted in the meantime is not resumed, since `lanjut`
    means "continue filling in".
    """
    if ctx.agency is None or ctx.official.role != Role.OPERATOR:
        return None
    data = ctx.conversation.data
    if ctx.conversation.flow == FLOW and data.get("report_id"):
        report = ctx.session.get(Report, data["report_id"])
        if report is not None and report.status == ReportStatus.DRAFT:
            return open_report(ctx, ctx.session.get(Period, report.period_id), True)
    draft = ctx.session.exec(
        select(Report)
        .where(Report.agency_id == ctx.agency.id, Report.status == ReportStatus.DRAFT)
        .order_by(Report.updated_at.desc())
    ).first()
    if draft is None:
        return None
    return open_report(ctx, ctx.session.get(Period, draft.period_id), resumed=True)


def start_flow(ctx: Context, period: Period, report: Report, resumed: bool = False) -> None:
    """Enter the reporting flow on `report` without saying anything."""
    queue = [
        ind.id
        for ind in applicable_indicators(ctx.session, ctx.agency, period)
        if not ind.computed
    ]
    previous = ctx.conversation.data
    carried_over = {}
    if resumed and previous.get("report_id") == report.id:
        # Skipped questions stay skipped after `lanjut`, and required ones are
        # asked again before the summary, as they would be without the cancel.
        carried_over = {k: previous.get(k, []) for k in ("skipped", "history")}
    ctx.start(
        FLOW,
        State.ANSWER,
        {"period_id": period.id, "report_id": report.id, "queue": queue,
         "skipped": [], "reasked": [], "history": [], "current": None,
         **carried_over},
    )


def open_report(ctx: Context, period: Period, resumed: bool = False) -> str | None:
    report = reports.get_report(ctx.session, ctx.agency, period)
    if locking.is_locked(report or Report(), period, ctx.now, ctx.settings):
        say_locked(ctx, period)
        return None
    report = report or reports.get_or_create_report(ctx.session, ctx.agency, period)
    start_flow(ctx, period, report, resumed)
    label = period_label(period, ctx.lang)
    if report.status != ReportStatus.DRAFT:
        ctx.say("report.reopened", label=label, agency=ctx.agency.short_name)
        return show_summary(ctx)
    key = "report.resumed" if resumed else "report.header"
    ctx.say(key, label=label, agency=ctx.agency.short_name,
            deadline=long_date(period.deadline, ctx.lang))
    ceiling = reports.budget_ceiling(ctx.session, ctx.agency, period.start.year)
    if ceiling is not None and period.periodicity == "monthly" and not resumed:
        ctx.say("report.budget", agency=ctx.agency.short_name,
                year=period.start.year, ceiling=format_rupiah(ceiling))
    return ask_next(ctx)


# --- steps ----------------------------------------------------------------------


def choose_period(ctx: Context, text: str) -> str | None:
    if step_command(text) == Intent.CANCEL:
        ctx.say("report.cancelled_choice")
        return None
    choices = [ctx.session.get(Period, i) for i in ctx.data["choices"]]
    stripped = text.strip().rstrip(".")
    if stripped.isdigit():
        if 1 <= int(stripped) <= len(choices):
            return open_report(ctx, choices[int(stripped) - 1])
        ctx.say("report.choose_again", count=len(choices))
        return State.CHOOSE_PERIOD
    labels = [period_label(p, ctx.lang) for p in choices]
    try:
        return open_report(ctx, choices[labels.index(parse_choice(text, labels))])
    except ParseError:
        pass
    # Not a choice from the list: `lapor januari`, `status`, `bantuan` and the
    # like are handled as new commands.
    from flows.router import dispatch

    ctx.finish()
    return dispatch(ctx, text)


def answer(ctx: Context, text: str) -> str | None:
    indicator = find_indicator(ctx, ctx.data["current"])
    interruption = interrupting_command(text, numeric=indicator.type in NUMERIC_TYPES)
    if interruption == Intent.HELP:
        ctx.say("report.help")
        return ask(ctx, indicator)
    if interruption is not None:
        return pause(ctx, text)
    command = step_command(text)
    if command is not None and indicator.type == IndicatorType.TEXT:
        # A long free-text answer may start with `batal` or `kembali` as a
        # word of the answer ("Batal lelang karena ..."), so only a short
        # message counts as a command here.
        if len(text.split()) > STEP_COMMAND_MAX_WORDS_IN_TEXT:
            command = None
    if command == Intent.CANCEL or command == Intent.MENU:
        return cancel(ctx)
    if command == Intent.SKIP:
        return skip(ctx)
    if command == Intent.BACK:
        return back(ctx, text)
    if command == Intent.HELP:
        ctx.say("report.help")
        return ask(ctx, indicator)

    if indicator.type != IndicatorType.TEXT:
        # "keuangan 1,9 M fisik 15" fills both; "fisik 15" at the fisik
        # question is that question's answer.
        pairs = checking.split_mentions(text, load_queue(ctx))
        if len(pairs) > 1 or (pairs and pairs[0][0].id != indicator.id):
            return checking.fill(ctx, pairs)
        if pairs:
            text = pairs[0][1]
    try:
        parsed = parse_answer(indicator, text)
    except ParseError as error:
        ctx.replies.append(error_text(indicator, error, ctx.lang))
        if error.code == "ambiguous":
            update_data(ctx, readings=[str(r) for r in error.readings])
            return State.CONFIRM_READING
        return State.ANSWER
    store_answer(ctx, indicator, text, parsed)
    return checking.settle(ctx, indicator)


def confirm_reading(ctx: Context, text: str) -> str | None:
    """Take the reply to "1. 1,25 km or 2. 1.250 km?"; a clear new number also counts."""
    # The readings are of a number, so the question is a numeric one.
    if interrupting_command(text, numeric=True) is not None or step_command(text):
        return answer(ctx, text)
    indicator = find_indicator(ctx, ctx.data["current"])
    thousands, decimal = (Decimal(r) for r in ctx.data["readings"])
    picked = {"1": decimal, "2": thousands}.get(text.strip().rstrip("."))
    try:
        if picked is not None:
            parsed = parse_answer(indicator, str(picked).replace(".", ","))
        else:
            parsed = parse_answer(indicator, text)
    except ParseError as error:
        ctx.replies.append(error_text(indicator, error, ctx.lang))
        return State.CONFIRM_READING if error.code == "ambiguous" else State.ANSWER
    store_answer(ctx, indicator, text, parsed)
    return checking.settle(ctx, indicator)


def skip(ctx: Context) -> str:
    indicator = find_indicator(ctx, ctx.data["current"])
    values = load_values(ctx)
    if indicator.id not in values:
        update_data(ctx, skipped=sorted({*ctx.data["skipped"], indicator.id}))
        key = "answer.skipped_required" if indicator.required else "answer.skipped"
        ctx.say(key, deadline=long_date(load_period(ctx).deadline, ctx.lang))
    return ask_next(ctx)


def back(ctx: Context, text: str) -> str:
    """Go back one question, or change a named earlier answer in one message."""
    queue = load_queue(ctx)
    mention = find_mention(text, queue)
    if mention is not None and mention[1]:
        indicator, rest = mention
        if edit_by_mention(ctx, indicator, rest):
            doubt = checking.check_edit(ctx, indicator)
            if doubt is not None:
                return doubt
            current = ctx.data.get("current")
            if current is not None:
                return ask(ctx, find_indicator(ctx, current))
            return ask_next(ctx)
        return State.ANSWER
    history = [i for i in ctx.data["history"] if i != ctx.data.get("current")]
    if not history:
        ctx.say("report.back_at_start")
        return ask(ctx, find_indicator(ctx, ctx.data["current"]))
    previous = find_indicator(ctx, history[-1])
    values = load_values(ctx)
    ctx.say("report.back", value=display(previous, values.get(previous.id), ctx.lang))
    update_data(ctx, history=history[:-1])
    return ask(ctx, previous)


def offer_next_reply(ctx: Context, text: str) -> str | None:
    decision = parse_yes_no(text)
    if decision is None:
        # Not an answer to the offer: treat it as a new command.
        from flows.router import dispatch

        ctx.finish()
        return dispatch(ctx, text)
    if not decision:
        ctx.say("report.later")
        ctx.finish()
        return None
    period = ctx.session.get(Period, ctx.data["next_period_id"])
    return open_report(ctx, period)


STEPS = {
    State.CHOOSE_PERIOD: choose_period,
    State.ANSWER: answer,
    State.CONFIRM_READING: confirm_reading,
    State.SUMMARY: summary,
    State.OFFER_NEXT: offer_next_reply,
    State.CHECK: checking.check_step,
    State.CONFIRM_SUM: checking.confirm_sum,
}

"""Read the open report, ask its questions, store the answers, pause or cancel.

`State` is defined here, below the step modules, because `ask` and
`show_summary` return it. `flows.reporting` imports it from here.
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import select

from bot import locking, reports, review
from bot.i18n import period_label
from bot.parsing import ParseError
from bot.periods import applicable_indicators, open_periods
from flows.answers import display, display_number, error_text, parse_answer
from flows.context import Context
from models import (
    ConversationStatus,
    FlagStatus,
    Indicator,
    IndicatorType,
    Official,
    Period,
    Report,
    ReportStatus,
)


class State(StrEnum):
    CHOOSE_PERIOD = "choose_period"
    ANSWER = "answer"
    CONFIRM_READING = "confirm_reading"
    SUMMARY = "summary"
    OFFER_NEXT = "offer_next"
    # Waiting for a corrected value or `tetap <alasan>` after a check's flag.
    CHECK = "check"
    # Waiting for yes or no to "previous cumulative + this month = total?".
    CONFIRM_SUM = "confirm_sum"


class ReportLocked(Exception):
    """The report locked after its deadline; an admin must unlock it first."""


# --- reading the report -------------------------------------------------------


def load_period(ctx: Context) -> Period:
    """Return the conversation's period, read once per message."""
    key = ("period", ctx.data["period_id"])
    if key not in ctx.loaded:
        ctx.loaded[key] = ctx.session.get(Period, ctx.data["period_id"])
    return ctx.loaded[key]


def load_report(ctx: Context) -> Report:
    """Return the conversation's report, read once per message."""
    key = ("report", ctx.data["report_id"])
    if key not in ctx.loaded:
        ctx.loaded[key] = ctx.session.get(Report, ctx.data["report_id"])
    return ctx.loaded[key]


def load_queue(ctx: Context) -> list[Indicator]:
    key = ("queue", ctx.data["period_id"], tuple(ctx.data["queue"]))
    if key not in ctx.loaded:
        by_id = {
            indicator.id: indicator
            for indicator in applicable_indicators(
                ctx.session, ctx.agency, load_period(ctx)
            )
        }
        ctx.loaded[key] = [by_id[i] for i in ctx.data["queue"] if i in by_id]
    return ctx.loaded[key]


def find_indicator(ctx: Context, indicator_id: int) -> Indicator:
    """Return the indicator from the question queue, else from the database."""
    for indicator in load_queue(ctx):
        if indicator.id == indicator_id:
            return indicator
    return ctx.session.get(Indicator, indicator_id)


def load_values(ctx: Context) -> dict:
    """Return the report's values by indicator id, read once until one changes."""
    key = ("values", ctx.data["report_id"])
    if key not in ctx.loaded:
        ctx.loaded[key] = reports.values_by_indicator(ctx.session, load_report(ctx))
    return ctx.loaded[key]


def update_data(ctx: Context, **changes) -> None:
    # JSON columns only notice reassignment, not in-place mutation.
    ctx.conversation.data = {**ctx.data, **changes}


def editable_periods(ctx: Context, periodicity: str | None = None) -> list[Period]:
    """List the agency's open periods whose reports are not locked."""
    periods = open_periods(ctx.session, ctx.agency, ctx.today, periodicity)
    by_period = {
        report.period_id: report
        for report in ctx.session.exec(
            select(Report).where(Report.agency_id == ctx.agency.id,
                                 Report.period_id.in_([p.id for p in periods]))
        ).all()
    }
    return [
        period for period in periods
        if not locking.is_locked(by_period.get(period.id), period, ctx.now, ctx.settings)
    ]


# --- questions ----------------------------------------------------------------


def ask(ctx: Context, indicator: Indicator) -> str:
    queue = ctx.data["queue"]
    update_data(ctx, current=indicator.id)
    hint = ""
    if indicator.type == IndicatorType.CHOICE:
        hint = " (" + " / ".join(indicator.choice_list) + ")"
    elif indicator.type == IndicatorType.TEXT and not indicator.required:
        hint = ctx.text("question.optional_text")
    elif indicator.type == IndicatorType.CURRENCY:
        hint = ctx.text("question.currency_hint")
    elif indicator.unit:
        hint = f" ({indicator.unit})"
    ctx.say(
        "question",
        number=queue.index(indicator.id) + 1,
        total=len(queue),
        name=indicator.name,
        hint=hint,
    )
    return State.ANSWER


def ask_next(ctx: Context) -> str:
    """Ask the first unanswered question; skipped required ones come back once."""
    if ctx.data.get("editing"):
        update_data(ctx, editing=False)
        return show_summary(ctx)
    values = load_values(ctx)
    queue = load_queue(ctx)
    skipped = set(ctx.data["skipped"])
    for indicator in queue:
        if indicator.id not in values and indicator.id not in skipped:
            return ask(ctx, indicator)
    reasked = set(ctx.data["reasked"])
    for indicator in queue:
        if (
            indicator.required
            and indicator.id not in values
            and indicator.id not in reasked
        ):
            update_data(ctx, reasked=[*reasked, indicator.id])
            ctx.say("report.skipped_back")
            return ask(ctx, indicator)
    return show_summary(ctx)


def show_summary(ctx: Context) -> str:
    period, report = load_period(ctx), load_report(ctx)
    values = load_values(ctx)
    lines = []
    # Marked while the official still has to act: open, not waiting for a
    # supervisor's decision.
    flagged = {
        flag.indicator_id
        for flag in review.pending_flags(ctx.session, report)
        if flag.status == FlagStatus.OPEN
    }
    mark = ctx.text("summary.flagged")
    for n, indicator in enumerate(load_queue(ctx), 1):
        shown = display(indicator, values.get(indicator.id), ctx.lang)
        lines.append(f"{n}. {indicator.name}: {shown}{mark if indicator.id in flagged else ''}")
    for indicator in applicable_indicators(ctx.session, ctx.agency, period):
        if indicator.computed and indicator.id in values:
            shown = display(indicator, values[indicator.id], ctx.lang)
            lines.append(f"• {indicator.name}: {shown}{mark if indicator.id in flagged else ''}")
    ctx.say(
        "summary",
        label=period_label(period, ctx.lang),
        agency=ctx.agency.short_name,
        lines="\n".join(lines),
    )
    update_data(ctx, current=None)
    return State.SUMMARY


def store_answer(
    ctx: Context, indicator: Indicator, raw: str, answer, reason: str | None = None
) -> None:
    report = load_report(ctx)
    if locking.is_locked(report, load_period(ctx), ctx.now, ctx.settings):
        raise ReportLocked(report.id)
    previous = load_values(ctx).get(indicator.id)
    if (
        previous is not None
        and previous.answered_by_id is not None
        and previous.answered_by_id != ctx.official.id
    ):
        # Operators of one agency share the report: say whose answer this
        # replaces, so that two people filling it at once notice each other.
        colleague = ctx.session.get(Official, previous.answered_by_id)
        ctx.say("answer.replaces_colleague",
                name=colleague.name if colleague else "-",
                old=display(indicator, previous, ctx.lang))
    ctx.loaded.pop(("values", report.id), None)
    reports.store_value(
        ctx.session, report, indicator, raw_text=raw, number=answer.number,
        text=answer.text, is_none=answer.is_none, official=ctx.official, now=ctx.now,
        reason=reason,
    )
    if report.status == ReportStatus.VERIFIED:
        # A changed value needs a new verification.
        report.status = ReportStatus.SUBMITTED
        ctx.session.add(report)
    period = load_period(ctx)
    if any(
        other.computed and indicator.code in other.formula
        for other in applicable_indicators(ctx.session, ctx.agency, period)
    ):
        reports.refresh_computed(ctx.session, report, ctx.agency, period, ctx.now)
    history = [i for i in ctx.data["history"] if i != indicator.id]
    update_data(ctx, history=[*history, indicator.id])


def acknowledge(ctx: Context, indicator: Indicator, old: str | None = None) -> None:
    values = load_values(ctx)
    shown = display(indicator, values.get(indicator.id), ctx.lang)
    if old is not None:
        ctx.say("answer.changed", name=indicator.name, old=old, new=shown)
        return
    extra = ""
    if indicator.type == IndicatorType.CURRENCY:
        for other in applicable_indicators(ctx.session, ctx.agency, load_period(ctx)):
            if other.computed and indicator.code in other.formula and other.id in values:
                share = display_number(other, values[other.id].number)
                extra = ctx.text("answer.share_of_budget", share=share)
    ctx.say("answer.ok", value=shown, extra=extra)


def edit_by_mention(ctx: Context, indicator: Indicator, raw: str) -> bool:
    """Change the named indicator's value; reply with the error when it fails."""
    values = load_values(ctx)
    old = display(indicator, values.get(indicator.id), ctx.lang)
    try:
        parsed = parse_answer(indicator, raw)
    except ParseError as error:
        ctx.replies.append(error_text(indicator, error, ctx.lang))
        return False
    store_answer(ctx, indicator, raw, parsed)
    acknowledge(ctx, indicator, old=old if indicator.id in values else None)
    return True


# --- leaving the dialogue -----------------------------------------------------


def pause(ctx: Context, text: str) -> str | None:
    """Leave the open question for a new command, keeping every answer."""
    from flows.router import dispatch

    ctx.say("report.paused", label=period_label(load_period(ctx), ctx.lang))
    ctx.finish(ConversationStatus.CANCELLED)
    return dispatch(ctx, text)


def cancel(ctx: Context) -> None:
    if load_report(ctx).status == ReportStatus.DRAFT:
        ctx.say("report.cancelled")
    else:
        ctx.say("report.cancelled_submitted")
    ctx.finish(ConversationStatus.CANCELLED)
    return None

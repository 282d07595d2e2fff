"""The reporting dialogue: one question at a time, a summary, then submit."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum

from sqlmodel import select

from bot import reports
from bot.i18n import long_date, period_label, t
from bot.intents import Intent, interrupting_command, step_command
from bot.parsing import ParseError, format_rupiah, parse_choice, parse_yes_no
from bot.periods import OPEN_BEFORE_END_DAYS, applicable_indicators, open_periods
from flows.answers import display, display_number, error_text, find_mention, parse_answer
from flows.context import Context
from models import (
    ConversationStatus,
    Indicator,
    IndicatorType,
    Official,
    Period,
    Report,
    ReportStatus,
    Role,
)

logger = logging.getLogger(__name__)

FLOW = "report"
# The maximum number of periods offered in one numbered choice.
MAX_CHOICES = 9
# On a free-text question, a longer message starting with `batal` is an answer.
STEP_COMMAND_MAX_WORDS_IN_TEXT = 3


class State(StrEnum):
    CHOOSE_PERIOD = "choose_period"
    ANSWER = "answer"
    CONFIRM_READING = "confirm_reading"
    SUMMARY = "summary"
    OFFER_NEXT = "offer_next"


# --- entering the flow ------------------------------------------------------


def begin(
    ctx: Context, period: Period | None, periodicity: str | None = None
) -> str | None:
    """Start reporting `period`, or offer the agency's open periods."""
    if ctx.official.role != Role.OPERATOR or ctx.agency is None:
        ctx.say("report.not_operator")
        return None
    if period is not None:
        if not applicable_indicators(ctx.session, ctx.agency, period):
            ctx.say("report.nothing_to_report", period=period_label(period, ctx.lang))
            return None
        opens_on = period.end - timedelta(days=OPEN_BEFORE_END_DAYS)
        if opens_on > ctx.today:
            ctx.say("report.not_open_yet", label=period_label(period, ctx.lang),
                    opens=long_date(opens_on, ctx.lang))
            return None
        return open_report(ctx, period)

    periods = open_periods(ctx.session, ctx.agency, ctx.today, periodicity)
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


def open_report(ctx: Context, period: Period, resumed: bool = False) -> str:
    report = reports.get_or_create_report(ctx.session, ctx.agency, period)
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


# --- helpers ------------------------------------------------------------------


def _period(ctx: Context) -> Period:
    key = ("period", ctx.data["period_id"])
    if key not in ctx.loaded:
        ctx.loaded[key] = ctx.session.get(Period, ctx.data["period_id"])
    return ctx.loaded[key]


def _report(ctx: Context) -> Report:
    key = ("report", ctx.data["report_id"])
    if key not in ctx.loaded:
        ctx.loaded[key] = ctx.session.get(Report, ctx.data["report_id"])
    return ctx.loaded[key]


def _queue(ctx: Context) -> list[Indicator]:
    by_id = {
        indicator.id: indicator
        for indicator in applicable_indicators(ctx.session, ctx.agency, _period(ctx))
    }
    return [by_id[i] for i in ctx.data["queue"] if i in by_id]


def _indicator(ctx: Context, indicator_id: int) -> Indicator:
    for indicator in _queue(ctx):
        if indicator.id == indicator_id:
            return indicator
    return ctx.session.get(Indicator, indicator_id)


def _values(ctx: Context) -> dict:
    """Return the report's values by indicator id, read once until one changes."""
    key = ("values", ctx.data["report_id"])
    if key not in ctx.loaded:
        ctx.loaded[key] = reports.values_by_indicator(ctx.session, _report(ctx))
    return ctx.loaded[key]


def _update(ctx: Context, **changes) -> None:
    # JSON columns only notice reassignment, not in-place mutation.
    ctx.conversation.data = {**ctx.data, **changes}


def ask(ctx: Context, indicator: Indicator) -> str:
    queue = ctx.data["queue"]
    _update(ctx, current=indicator.id)
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
        _update(ctx, editing=False)
        return show_summary(ctx)
    values = _values(ctx)
    queue = _queue(ctx)
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
            _update(ctx, reasked=[*reasked, indicator.id])
            ctx.say("report.skipped_back")
            return ask(ctx, indicator)
    return show_summary(ctx)


def show_summary(ctx: Context) -> str:
    period, report = _period(ctx), _report(ctx)
    values = _values(ctx)
    lines = []
    for n, indicator in enumerate(_queue(ctx), 1):
        shown = display(indicator, values.get(indicator.id), ctx.lang)
        lines.append(f"{n}. {indicator.name}: {shown}")
    for indicator in applicable_indicators(ctx.session, ctx.agency, period):
        if indicator.computed and indicator.id in values:
            shown = display(indicator, values[indicator.id], ctx.lang)
            lines.append(f"• {indicator.name}: {shown}")
    ctx.say(
        "summary",
        label=period_label(period, ctx.lang),
        agency=ctx.agency.short_name,
        lines="\n".join(lines),
    )
    _update(ctx, current=None)
    return State.SUMMARY


def store_answer(ctx: Context, indicator: Indicator, raw: str, answer) -> None:
    report = _report(ctx)
    ctx.loaded.pop(("values", report.id), None)
    reports.store_value(
        ctx.session, report, indicator, raw_text=raw, number=answer.number,
        text=answer.text, is_none=answer.is_none, official=ctx.official, now=ctx.now,
    )
    period = _period(ctx)
    if any(
        other.computed and indicator.code in other.formula
        for other in applicable_indicators(ctx.session, ctx.agency, period)
    ):
        reports.refresh_computed(ctx.session, report, ctx.agency, period, ctx.now)
    history = [i for i in ctx.data["history"] if i != indicator.id]
    _update(ctx, history=[*history, indicator.id])


def acknowledge(ctx: Context, indicator: Indicator, old: str | None = None) -> None:
    values = _values(ctx)
    shown = display(indicator, values.get(indicator.id), ctx.lang)
    if old is not None:
        ctx.say("answer.changed", name=indicator.name, old=old, new=shown)
        return
    extra = ""
    if indicator.type == IndicatorType.CURRENCY:
        for other in applicable_indicators(ctx.session, ctx.agency, _period(ctx)):
            if other.computed and indicator.code in other.formula and other.id in values:
                share = display_number(other, values[other.id].number)
                extra = ctx.text("answer.share_of_budget", share=share)
    ctx.say("answer.ok", value=shown, extra=extra)


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
    indicator = _indicator(ctx, ctx.data["current"])
    interruption = interrupting_command(text)
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

    try:
        parsed = parse_answer(indicator, text)
    except ParseError as error:
        ctx.replies.append(error_text(indicator, error, ctx.lang))
        if error.code == "ambiguous":
            _update(ctx, readings=[str(r) for r in error.readings])
            return State.CONFIRM_READING
        return State.ANSWER
    store_answer(ctx, indicator, text, parsed)
    acknowledge(ctx, indicator)
    return ask_next(ctx)


def pause(ctx: Context, text: str) -> str | None:
    """Leave the open question for a new command, keeping every answer."""
    from flows.router import dispatch

    ctx.say("report.paused", label=period_label(_period(ctx), ctx.lang))
    ctx.finish(ConversationStatus.CANCELLED)
    return dispatch(ctx, text)


def confirm_reading(ctx: Context, text: str) -> str | None:
    """Take the reply to "1. 1,25 km or 2. 1.250 km?"; a clear new number also counts."""
    if interrupting_command(text) is not None or step_command(text) is not None:
        return answer(ctx, text)
    indicator = _indicator(ctx, ctx.data["current"])
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
    acknowledge(ctx, indicator)
    return ask_next(ctx)


def cancel(ctx: Context) -> None:
    if _report(ctx).status == ReportStatus.DRAFT:
        ctx.say("report.cancelled")
    else:
        ctx.say("report.cancelled_submitted")
    ctx.finish(ConversationStatus.CANCELLED)
    return None


def skip(ctx: Context) -> str:
    indicator = _indicator(ctx, ctx.data["current"])
    values = _values(ctx)
    if indicator.id not in values:
        _update(ctx, skipped=sorted({*ctx.data["skipped"], indicator.id}))
        key = "answer.skipped_required" if indicator.required else "answer.skipped"
        ctx.say(key, deadline=long_date(_period(ctx).deadline, ctx.lang))
    return ask_next(ctx)


def back(ctx: Context, text: str) -> str:
    """Go back one question, or change a named earlier answer in one message."""
    queue = _queue(ctx)
    mention = find_mention(text, queue)
    if mention is not None and mention[1]:
        indicator, rest = mention
        if edit_by_mention(ctx, indicator, rest):
            current = ctx.data.get("current")
            if current is not None:
                return ask(ctx, _indicator(ctx, current))
            return ask_next(ctx)
        return State.ANSWER
    history = [i for i in ctx.data["history"] if i != ctx.data.get("current")]
    if not history:
        ctx.say("report.back_at_start")
        return ask(ctx, _indicator(ctx, ctx.data["current"]))
    previous = _indicator(ctx, history[-1])
    values = _values(ctx)
    ctx.say("report.back", value=display(previous, values.get(previous.id), ctx.lang))
    _update(ctx, history=history[:-1])
    return ask(ctx, previous)


def edit_by_mention(ctx: Context, indicator: Indicator, raw: str) -> bool:
    """Change the named indicator's value; reply with the error when it fails."""
    values = _values(ctx)
    old = display(indicator, values.get(indicator.id), ctx.lang)
    try:
        parsed = parse_answer(indicator, raw)
    except ParseError as error:
        ctx.replies.append(error_text(indicator, error, ctx.lang))
        return False
    store_answer(ctx, indicator, raw, parsed)
    acknowledge(ctx, indicator, old=old if indicator.id in values else None)
    return True


def summary(ctx: Context, text: str) -> str | None:
    interruption = interrupting_command(text)
    if interruption is not None and interruption != Intent.HELP:
        return pause(ctx, text)
    command = step_command(text)
    if command == Intent.CANCEL or command == Intent.MENU:
        return cancel(ctx)
    if command == Intent.BACK:
        _update(ctx, editing=True)
        return ask(ctx, _queue(ctx)[-1])
    if command == Intent.HELP or interruption == Intent.HELP:
        ctx.say("summary.unclear")
        return State.SUMMARY
    stripped = text.strip().rstrip(".")
    if stripped.isdigit():
        number = int(stripped)
        queue = _queue(ctx)
        if not 1 <= number <= len(queue):
            ctx.say("summary.bad_number", count=len(queue))
            return State.SUMMARY
        _update(ctx, editing=True)
        return ask(ctx, queue[number - 1])
    mention = find_mention(text, _queue(ctx))
    if mention is not None and mention[1]:
        edit_by_mention(ctx, *mention)
        return show_summary(ctx)

    decision = parse_yes_no(text)
    if decision is None:
        ctx.say("summary.unclear")
        return State.SUMMARY
    if not decision:
        ctx.say("summary.not_sent")
        return State.SUMMARY
    return submit(ctx)


def submit(ctx: Context) -> str | None:
    period, report = _period(ctx), _report(ctx)
    missing = reports.missing_required(ctx.session, report, ctx.agency, period)
    if missing:
        queue = ctx.data["queue"]
        names = ", ".join(f"{queue.index(i.id) + 1}. {i.name}" for i in missing)
        ctx.say("summary.missing", names=names)
        return State.SUMMARY
    first = report.first_submitted_at is None
    reports.submit(ctx.session, report, period, ctx.official, ctx.now, ctx.settings.tz)
    timing = "receipt.on_time" if report.on_time else "receipt.late"
    ctx.say(
        "receipt",
        receipt=report.receipt_no,
        timing=ctx.text(timing, deadline=long_date(period.deadline, ctx.lang)),
    )
    notify_colleagues(ctx, period, first)
    return offer_next(ctx, period)


def notify_colleagues(ctx: Context, period: Period, first: bool) -> None:
    """Tell the agency's other operators, so nobody fills the report twice."""
    colleagues = ctx.session.exec(
        select(Official).where(
            Official.agency_id == ctx.agency.id,
            Official.role == Role.OPERATOR,
            Official.active == True,  # noqa: E712  (SQL comparison)
            Official.id != ctx.official.id,
        )
    ).all()
    for colleague in colleagues:
        key = "notice.submitted" if first else "notice.resubmitted"
        ctx.notices.append((
            colleague.id,
            t(colleague.language, key, label=period_label(period, colleague.language),
              agency=ctx.agency.short_name, name=ctx.official.name),
        ))


def offer_next(ctx: Context, done: Period) -> str | None:
    remaining = [
        p for p in open_periods(ctx.session, ctx.agency, ctx.today) if p.id != done.id
    ]
    if not remaining:
        ctx.finish()
        return None
    upcoming = min(remaining, key=lambda p: (p.deadline < ctx.today, p.deadline))
    _update(ctx, next_period_id=upcoming.id)
    ctx.say(
        "report.offer_next",
        label=period_label(upcoming, ctx.lang),
        deadline=long_date(upcoming.deadline, ctx.lang),
    )
    return State.OFFER_NEXT


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
}

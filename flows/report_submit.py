"""The summary step: edit or confirm the answers, submit, offer the next period."""

from __future__ import annotations

from sqlmodel import select

from bot import reports
from bot.i18n import long_date, period_label, t
from bot.intents import Intent, interrupting_command, step_command
from bot.parsing import parse_yes_no
from flows import checking
from flows.answers import find_mention
from flows.context import Context
from flows.report_questions import (
    State,
    ask,
    cancel,
    edit_by_mention,
    editable_periods,
    load_period,
    load_queue,
    load_report,
    pause,
    show_summary,
    update_data,
)
from models import Official, Period, Role


def summary(ctx: Context, text: str) -> str | None:
    # A question such as `rekap keu bln 3` must not edit the value it names,
    # but `belum` still answers "send this report?".
    interruption = interrupting_command(text, numeric=True)
    if interruption == Intent.MISSING and parse_yes_no(text) is not None:
        interruption = None
    if interruption is not None and interruption != Intent.HELP:
        return pause(ctx, text)
    command = step_command(text)
    if command == Intent.CANCEL or command == Intent.MENU:
        return cancel(ctx)
    if command == Intent.BACK:
        update_data(ctx, editing=True)
        return ask(ctx, load_queue(ctx)[-1])
    if command == Intent.HELP or interruption == Intent.HELP:
        ctx.say("summary.unclear")
        return State.SUMMARY
    stripped = text.strip().rstrip(".")
    if stripped.isdigit():
        number = int(stripped)
        queue = load_queue(ctx)
        if not 1 <= number <= len(queue):
            ctx.say("summary.bad_number", count=len(queue))
            return State.SUMMARY
        update_data(ctx, editing=True)
        return ask(ctx, queue[number - 1])
    pairs = checking.split_mentions(text, load_queue(ctx))
    if len(pairs) > 1:
        update_data(ctx, editing=True)
        return checking.fill(ctx, pairs)
    mention = find_mention(text, load_queue(ctx))
    if mention is not None and mention[1]:
        if edit_by_mention(ctx, *mention):
            doubt = checking.check_edit(ctx, mention[0])
            if doubt is not None:
                return doubt
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
    period, report = load_period(ctx), load_report(ctx)
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
        p for p in editable_periods(ctx) if p.id != done.id
    ]
    if not remaining:
        ctx.finish()
        return None
    upcoming = min(remaining, key=lambda p: (p.deadline < ctx.today, p.deadline))
    update_data(ctx, next_period_id=upcoming.id)
    ctx.say(
        "report.offer_next",
        label=period_label(upcoming, ctx.lang),
        deadline=long_date(upcoming.deadline, ctx.lang),
    )
    return State.OFFER_NEXT

"""Route an official's message to the flow step or command it belongs to."""

from __future__ import annotations

import logging

from bot.intents import Intent, recognise, step_command
from bot.i18n import period_label
from bot.parsing import normalise, parse_period, strip_periods
from bot.periods import resolve
from flows import insight, menu, preferences, reporting, status, verification
from flows.report_questions import ReportLocked, State
from flows.context import Context
from models import ConversationStatus, Indicator, IndicatorType, Periodicity

logger = logging.getLogger(__name__)

FLOWS = {
    reporting.FLOW: reporting.STEPS,
    menu.FLOW: menu.STEPS,
    verification.FLOW: verification.STEPS,
    preferences.FLOW: preferences.STEPS,
}


def handle_text(ctx: Context, text: str) -> None:
    """Handle one text message; the conversation row is updated in place."""
    conversation = ctx.conversation
    # A flow that ends with this message shows a supervisor's note that waited.
    was_busy = (
        conversation.status == ConversationStatus.ACTIVE
        and conversation.flow != verification.FLOW
    )
    steps = FLOWS.get(conversation.flow, {})
    step = steps.get(conversation.state)
    # While a question other than the menu's is open, a snooze in reply to a
    # reminder sent since the question last changed leaves the question open.
    # `stop` still cancels the question, and the reply adds how to opt out.
    in_question = (
        conversation.status == ConversationStatus.ACTIVE
        and step is not None
        and conversation.flow != menu.FLOW
    )
    try:
        if in_question and not _free_text_open(ctx) and preferences.snooze_after_reminder(
            ctx, text, since=conversation.updated_at
        ):
            next_state = conversation.state
        elif conversation.status == ConversationStatus.ACTIVE and step is not None:
            next_state = step(ctx, text)
            if in_question and _cancelled_by_stop(text) and (
                conversation.status != ConversationStatus.ACTIVE
            ):
                preferences.stop_hint(ctx)
        else:
            if conversation.status == ConversationStatus.ACTIVE:
                logger.warning(
                    "official %s: unknown state %r of flow %r, starting over",
                    ctx.official.id, conversation.state, conversation.flow,
                )
                ctx.finish(ConversationStatus.EXPIRED)
            next_state = dispatch(ctx, text)
    except ReportLocked:
        # The report locked while it was open: nothing of it was changed.
        from flows.report_questions import load_period

        reporting.say_locked(ctx, load_period(ctx))
        ctx.finish(ConversationStatus.CANCELLED)
        next_state = None
    if next_state is None and was_busy and conversation.status != ConversationStatus.ACTIVE:
        next_state = verification.offer_pending(ctx)
    _settle(ctx, next_state)


def _free_text_open(ctx: Context) -> bool:
    """Tell whether the open question takes free text, where `besok` is an answer.

    A free-text question, a check of a doubtful value (`tetap <alasan>`) and a
    supervisor's note all read whatever the official writes.
    """
    conversation = ctx.conversation
    if conversation.flow == verification.FLOW:
        return True
    if conversation.flow != reporting.FLOW:
        return False
    if conversation.state in (State.CHECK, State.CONFIRM_SUM):
        return True
    current = conversation.data.get("current")
    if conversation.state != State.ANSWER or current is None:
        return False
    indicator = ctx.session.get(Indicator, current)
    return indicator is not None and indicator.type == IndicatorType.TEXT


def _cancelled_by_stop(text: str) -> bool:
    """Tell whether `text` is a cancel typed as `stop` or `berhenti`, which idle mean opt-out."""
    words = text.strip().lower().split()
    return bool(words) and words[0].strip(".,!") in ("stop", "berhenti") and (
        step_command(text) == Intent.CANCEL
    )


def _settle(ctx: Context, next_state: str | None) -> None:
    conversation = ctx.conversation
    if next_state is None:
        if conversation.status == ConversationStatus.ACTIVE:
            ctx.finish()
        return
    conversation.state = next_state
    conversation.version += 1
    conversation.updated_at = ctx.now


def dispatch(ctx: Context, text: str) -> str | None:
    """Handle a message that answers no pending question."""
    if preferences.snooze_after_reminder(ctx, text):
        return None
    recognised = recognise(text)
    intent = recognised.intent
    if intent == Intent.REPORT and insight.asks_for_agency_report(ctx, text):
        status.handle_status(ctx, recognised.rest)
        return None
    if intent == Intent.REPORT:
        return start_report(ctx, recognised.rest)
    if intent == Intent.RESUME:
        return reporting.resume(ctx) or start_report(ctx, recognised.rest)
    if intent == Intent.STATUS:
        status.handle_status(ctx, recognised.rest)
        return None
    if intent == Intent.MISSING:
        status.handle_missing(ctx, recognised.rest)
        return None
    if intent == Intent.LATE:
        insight.handle_late(ctx, recognised.rest)
        return None
    if intent == Intent.RECAP:
        insight.handle_recap(ctx, recognised.rest)
        return None
    if intent == Intent.RANKING:
        insight.handle_ranking(ctx, recognised.rest)
        return None
    if intent == Intent.DEADLINE:
        status.handle_deadline(ctx, recognised.rest)
        return None
    if intent == Intent.HELP:
        ctx.say("help.supervisor" if ctx.is_supervisor else "help")
        return None
    if intent == Intent.FLAG:
        verification.handle_flag(ctx, _original_rest(text))
        return None
    if intent == Intent.APPROVE:
        verification.handle_approve(ctx, recognised.rest)
        return None
    if intent == Intent.REJECT:
        verification.handle_reject(ctx, _original_rest(text))
        return None
    if intent == Intent.VERIFY:
        verification.handle_verify(ctx, recognised.rest)
        return None
    if intent == Intent.UNLOCK:
        verification.handle_unlock(ctx, recognised.rest)
        return None
    if intent == Intent.CORRECTIONS:
        return verification.handle_corrections(ctx)
    if intent == Intent.OPT_OUT:
        preferences.handle_opt_out(ctx)
        return None
    if intent == Intent.OPT_IN:
        preferences.handle_opt_in(ctx)
        return None
    if intent == Intent.REMIND_MISSING:
        return preferences.handle_remind_missing(ctx, recognised.rest)
    if intent == Intent.DAILY_SUMMARY:
        preferences.handle_daily_summary(ctx, recognised.rest)
        return None
    if intent == Intent.THANKS:
        ctx.say("thanks")
        return None
    if intent in (Intent.CANCEL, Intent.SKIP, Intent.BACK):
        ctx.say("nothing_in_progress")
        return None
    handled, state = reporting.quick_fill(ctx, text)
    if handled:
        return state
    if recognised.suggestion:
        command = f"{recognised.suggestion} {recognised.rest}".strip()
        return menu.suggest(ctx, command, describe(ctx, recognised.suggestion, recognised.rest))
    if intent == Intent.GREETING:
        return menu.show_menu(ctx, menu.greeting_reply(ctx, text))
    return menu.show_menu(ctx)


def _original_rest(text: str) -> str:
    """Return the message after its first word, as typed, for notes."""
    parts = text.strip().split(None, 1)
    return parts[1] if len(parts) > 1 else ""


def describe(ctx: Context, command: str, rest: str) -> str:
    """Write a suggested command with its period spelled out.

    The other words stay, so `pringkat realisasi maret` is shown as
    `peringkat realisasi maret 2026`.
    """
    ref = parse_period(rest) if rest else None
    period = resolve(ctx.session, ref, ctx.today) if ref else None
    if period is None:
        return f"{command} {rest}".strip()
    words = strip_periods(normalise(rest))
    label = period_label(period, ctx.lang).lower()
    return " ".join(filter(None, [command, words, label]))


def start_report(ctx: Context, rest: str) -> str | None:
    periodicity = None
    words = rest.split()
    if words[:1] in (["bulanan"], ["monthly"]):
        periodicity = Periodicity.MONTHLY
    elif words[:1] in (["triwulan"], ["quarterly"]) and len(words) == 1:
        periodicity = Periodicity.QUARTERLY
    ref = parse_period(rest) if periodicity is None and rest else None
    period = None
    if ref is not None:
        period = resolve(ctx.session, ref, ctx.today)
        if period is None:
            ctx.say("period.unknown")
            return None
    return reporting.begin(ctx, period, periodicity)

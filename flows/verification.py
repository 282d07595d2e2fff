"""Supervisors flag, approve, reject and verify; operators answer the flags.

`tandai RSUD BOR maret, <catatan>` flags a submitted value and sends the
agency's operators a correction prompt. An operator in the middle of a report
gets a short notice instead, and the prompt once that report is finished, so
the prompt never takes over the question being answered. The operator's new
value or `tetap <alasan>` goes to the supervisor, who replies `setuju` or
`tolak <catatan>`. `verifikasi RSUD maret` verifies a report with no pending
flag, and an admin's `buka RSUD maret` unlocks a locked report.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum

from sqlmodel import select

from bot import checks, locking, reports, review
from bot.i18n import long_date, period_label, t
from bot.intents import Intent, interrupting_command, step_command
from bot.parsing import ParseError, parse_period
from bot.periods import applicable_indicators, resolve
from flows.answers import display, display_number, error_text, find_mention, parse_answer
from flows.checking import KEEP, recheck
from flows.context import Context
from flows.status import find_agency
from models import (
    Agency,
    Conversation,
    ConversationStatus,
    FlagSource,
    FlagStatus,
    Indicator,
    Official,
    Period,
    Report,
    ReportStatus,
    ReportValue,
    Role,
    Rule,
    RuleKind,
    ValueFlag,
)

logger = logging.getLogger(__name__)

FLOW = "correction"


class State(StrEnum):
    # Waiting for the operator's new value or `tetap <alasan>`.
    CORRECT = "correct"


CORRECT = State.CORRECT


# --- supervisors ------------------------------------------------------------------


def _target(ctx: Context, text: str, period_required: bool = False) -> tuple[Agency, Period] | None:
    """Read `<agency> [period]`, or explain what is missing and return None.

    Without a period, the agency's latest submitted report is meant.
    """
    agency = find_agency(ctx.session, text)
    if agency is None:
        ctx.say("review.unknown_agency", example="tandai RSUD BOR maret, <catatan>")
        return None
    ref = parse_period(text)
    if ref is not None:
        period = resolve(ctx.session, ref, ctx.today)
    elif period_required:
        ctx.say("review.period_needed", example=f"buka {agency.code} maret")
        return None
    else:
        period = _latest_submitted(ctx, agency)
    if period is None:
        ctx.say("period.unknown")
        return None
    return agency, period


def _latest_submitted(ctx: Context, agency: Agency) -> Period | None:
    return ctx.session.exec(
        select(Period)
        .join(Report, Report.period_id == Period.id)
        .where(Report.agency_id == agency.id, Report.status != ReportStatus.DRAFT)
        .order_by(Period.end.desc(), Period.id.desc())
    ).first()


def handle_flag(ctx: Context, rest: str) -> None:
    if not ctx.is_supervisor:
        ctx.say("review.only_supervisors")
        return
    head, _, note = rest.partition(",")
    note = note.strip()
    if not head.strip():
        ctx.say("review.flag_usage")
        return
    target = _target(ctx, head)
    if target is None:
        return
    agency, period = target
    label = period_label(period, ctx.lang)
    indicators = [
        i for i in applicable_indicators(ctx.session, agency, period) if not i.computed
    ]
    mention = find_mention(head, indicators)
    if mention is None:
        options = ", ".join(checks.short_label(i) for i in indicators[:12])
        ctx.say("review.unknown_indicator", agency=agency.short_name, label=label,
                options=options)
        return
    indicator = mention[0]
    report = reports.get_report(ctx.session, agency, period)
    if report is None or report.status == ReportStatus.DRAFT:
        ctx.say("review.no_report", agency=agency.short_name, label=label)
        return
    value = reports.values_by_indicator(ctx.session, report).get(indicator.id)
    if value is None:
        ctx.say("review.no_value", agency=agency.short_name, indicator=indicator.code,
                label=label)
        return
    if locking.is_locked(report, period, ctx.now, ctx.settings):
        # The operator could not correct it, so the flag would only wait.
        ctx.say("review.locked", agency=agency.code, label=label,
                period=period_label(period, ctx.lang).split(" ")[0].lower())
        return
    flag = review.raise_flag(ctx.session, report, indicator, value,
                             supervisor=ctx.official, note=note, now=ctx.now)
    ctx.say("review.flagged", agency=agency.code, indicator=indicator.code, label=label,
            value=display(indicator, value, ctx.lang))
    logger.info("official %s: flagged %s of report %s", ctx.official.id,
                indicator.code, report.id)
    prompt_operators(ctx, flag, agency)


def _awaiting(ctx: Context, rest: str) -> list[ValueFlag]:
    """Return the flags waiting for a decision that the message may be about.

    These are the supervisors' flags the operators answered, the supervisor's
    own first. Naming an agency and an indicator (`setuju rsud bor`) narrows
    them, and also reaches a rule's flag the operator left open, so that a
    supervisor can accept a value that blocks verification.
    """
    # Locked, so that two supervisors deciding at once decide each flag once.
    flags = list(ctx.session.exec(
        select(ValueFlag)
        .where(ValueFlag.source == FlagSource.SUPERVISOR,
               ValueFlag.status == FlagStatus.ANSWERED)
        .order_by(ValueFlag.resolved_at, ValueFlag.id)
        .with_for_update()
    ).all())
    own = [f for f in flags if f.raised_by_id == ctx.official.id]
    flags = own or flags
    agency = find_agency(ctx.session, rest) if rest.strip() else None
    if agency is None:
        return flags
    reports_of_agency = {
        r.id for r in ctx.session.exec(select(Report).where(Report.agency_id == agency.id)).all()
    }
    flags = [f for f in flags if f.report_id in reports_of_agency]
    rule_flags = ctx.session.exec(
        select(ValueFlag).where(
            ValueFlag.source == FlagSource.RULE, ValueFlag.status == FlagStatus.OPEN,
            ValueFlag.report_id.in_(reports_of_agency),
        ).order_by(ValueFlag.raised_at, ValueFlag.id).with_for_update()
    ).all()
    indicators = {
        f.indicator_id: ctx.session.get(Indicator, f.indicator_id) for f in [*flags, *rule_flags]
    }
    mention = find_mention(rest, [i for i in indicators.values() if i is not None])
    if mention is None:
        return flags
    ref = parse_period(rest)
    period = resolve(ctx.session, ref, ctx.today) if ref else None
    chosen = [f for f in [*flags, *rule_flags] if f.indicator_id == mention[0].id]
    if period is not None:
        chosen = [f for f in chosen if ctx.session.get(Report, f.report_id).period_id == period.id]
    return chosen


def _describe(ctx: Context, flag: ValueFlag) -> tuple[Report, Agency, Period, Indicator]:
    report = ctx.session.get(Report, flag.report_id)
    return (report, ctx.session.get(Agency, report.agency_id),
            ctx.session.get(Period, report.period_id),
            ctx.session.get(Indicator, flag.indicator_id))


def _choose(ctx: Context, rest: str, verb: str) -> ValueFlag | None:
    flags = _awaiting(ctx, rest)
    if not flags:
        ctx.say("review.nothing_waiting")
        return None
    if len(flags) > 1:
        lines = []
        for flag in flags[:9]:
            _, agency, period, indicator = _describe(ctx, flag)
            lines.append(f"• {agency.code} {indicator.code} {period_label(period, ctx.lang)}")
        _, agency, _, indicator = _describe(ctx, flags[0])
        ctx.say("review.choose", lines="\n".join(lines),
                example=f"{verb} {agency.code} {checks.short_label(indicator)}")
        return None
    return flags[0]


def handle_approve(ctx: Context, rest: str) -> None:
    if not ctx.is_supervisor:
        ctx.say("review.only_supervisors")
        return
    flag = _choose(ctx, rest, "setuju")
    if flag is None:
        return
    report, agency, period, indicator = _describe(ctx, flag)
    label = period_label(period, ctx.lang)
    if flag.source == FlagSource.RULE:
        review.accept_rule_flag(ctx.session, flag, report, ctx.official, ctx.now)
    verified = review.approve(ctx.session, flag, report, ctx.official, ctx.now)
    if verified:
        ctx.say("review.verified", agency=agency.code, label=label)
        _tell_operators(ctx, agency, "review.to_operator_verified", period)
        return
    ctx.say("review.approved", agency=agency.code, indicator=indicator.code, label=label)
    ctx.say("review.approved_open", count=len(review.pending_flags(ctx.session, report)))


def handle_reject(ctx: Context, rest: str) -> None:
    if not ctx.is_supervisor:
        ctx.say("review.only_supervisors")
        return
    # `tolak rsud bor, <catatan>` names the flag before the comma; without a
    # comma the whole text is the note, whatever agency names it contains.
    head, comma, after = rest.partition(",")
    if comma and find_agency(ctx.session, head) is not None:
        qualifier, note = head, after.strip()
    else:
        qualifier, note = "", rest.strip()
    flag = _choose(ctx, qualifier, "tolak")
    if flag is None:
        return
    report, agency, period, indicator = _describe(ctx, flag)
    review.reject(ctx.session, flag, report, ctx.official, note, ctx.now)
    ctx.say("review.rejected", agency=agency.code, indicator=indicator.code,
            label=period_label(period, ctx.lang))
    prompt_operators(ctx, flag, agency)


def handle_verify(ctx: Context, rest: str) -> None:
    if not ctx.is_supervisor:
        ctx.say("review.only_supervisors")
        return
    target = _target(ctx, rest)
    if target is None:
        return
    agency, period = target
    label = period_label(period, ctx.lang)
    report = reports.get_report(ctx.session, agency, period)
    if report is None or report.status == ReportStatus.DRAFT:
        ctx.say("review.no_report", agency=agency.short_name, label=label)
        return
    if report.status == ReportStatus.VERIFIED:
        ctx.say("review.already_verified", agency=agency.code, label=label)
        return
    pending = review.pending_flags(ctx.session, report)
    if pending:
        items = ", ".join(
            ctx.session.get(Indicator, flag.indicator_id).code for flag in pending
        )
        example = checks.short_label(ctx.session.get(Indicator, pending[0].indicator_id))
        ctx.say("review.not_verifiable", agency=agency.code, label=label, items=items,
                example=f"setuju {agency.code} {example.lower()}")
        return
    review.verify(ctx.session, report, ctx.official, ctx.now)
    ctx.say("review.verified", agency=agency.code, label=label)
    _tell_operators(ctx, agency, "review.to_operator_verified", period)


def handle_unlock(ctx: Context, rest: str) -> None:
    if ctx.official.role != Role.ADMIN:
        ctx.say("review.only_admins")
        return
    target = _target(ctx, rest, period_required=True)
    if target is None:
        return
    agency, period = target
    report = reports.get_report(ctx.session, agency, period)
    if not locking.is_locked(report, period, ctx.now, ctx.settings):
        since = locking.lock_moment(period, ctx.settings).astimezone(ctx.settings.tz)
        ctx.say("review.not_locked", agency=agency.code, label=period_label(period, ctx.lang),
                until=long_date((since - timedelta(days=1)).date(), ctx.lang))
        return
    report = report or reports.get_or_create_report(ctx.session, agency, period)
    until = locking.unlock(ctx.session, report, ctx.official, ctx.now, ctx.settings,
                           channel="whatsapp")
    local = until.astimezone(ctx.settings.tz)
    ctx.say("review.unlocked", agency=agency.code, label=period_label(period, ctx.lang),
            until=long_date(local.date(), ctx.lang) + local.strftime(" %H.%M"))
    for operator in _operators(ctx, agency):
        lang = operator.language
        ctx.notices.append((operator.id, t(
            lang, "review.to_operator_unlocked", label=period_label(period, lang),
            until=long_date(local.date(), lang) + local.strftime(" %H.%M"),
            period=period_label(period, lang).split(" ")[0].lower(),
        )))


# --- operators ------------------------------------------------------------------


def _operators(ctx: Context, agency: Agency) -> list[Official]:
    return list(ctx.session.exec(
        select(Official).where(
            Official.agency_id == agency.id,
            Official.role == Role.OPERATOR,
            Official.active == True,  # noqa: E712  (SQL comparison)
        ).order_by(Official.id)
    ).all())


def _tell_operators(ctx: Context, agency: Agency, key: str, period: Period) -> None:
    for operator in _operators(ctx, agency):
        ctx.notices.append((operator.id, t(
            operator.language, key, label=period_label(period, operator.language),
            agency=agency.short_name,
        )))


def prompt_text(session, flag: ValueFlag, lang: str) -> str:
    report = session.get(Report, flag.report_id)
    period = session.get(Period, report.period_id)
    indicator = session.get(Indicator, flag.indicator_id)
    value = session.exec(
        select(ReportValue).where(ReportValue.report_id == report.id,
                                  ReportValue.indicator_id == indicator.id)
    ).first()
    limit = ""
    rule = session.exec(
        select(Rule).where(Rule.indicator_id == indicator.id, Rule.active == True,  # noqa: E712
                           Rule.kind == RuleKind.RANGE, Rule.maximum != None)  # noqa: E711
    ).first()
    if rule is not None and value is not None and value.number is not None \
            and value.number > rule.maximum:
        limit = t(lang, "review.prompt_limit", limit=display_number(indicator, rule.maximum))
    return t(
        lang, "review.prompt", label=period_label(period, lang), name=indicator.name,
        value=display(indicator, value, lang), limit=limit, note=flag.note or "-",
    )


def prompt_operators(ctx: Context, flag: ValueFlag, agency: Agency) -> None:
    """Send the correction prompt, or a notice to an operator mid-report.

    Each operator's conversation row is locked in id order before it changes,
    the same order for every supervisor, so two flags cannot deadlock.
    """
    indicator = ctx.session.get(Indicator, flag.indicator_id)
    period = ctx.session.get(Period, ctx.session.get(Report, flag.report_id).period_id)
    for operator in _operators(ctx, agency):
        conversation = ctx.session.exec(
            select(Conversation)
            .where(Conversation.official_id == operator.id)
            .with_for_update()
        ).first()
        lang = operator.language
        # Any open question counts, a menu choice or another note included,
        # so a reply always goes to the question the operator saw last.
        busy = conversation is not None and conversation.status == ConversationStatus.ACTIVE
        if busy:
            ctx.notices.append((operator.id, t(
                lang, "review.prompt_later", label=period_label(period, lang),
                indicator=checks.short_label(indicator),
            )))
            continue
        if conversation is None:
            conversation = Conversation(official_id=operator.id)
        _enter(conversation, flag, ctx.now)
        ctx.session.add(conversation)
        ctx.notices.append((operator.id, prompt_text(ctx.session, flag, lang)))


def _enter(conversation: Conversation, flag: ValueFlag, now) -> None:
    conversation.flow = FLOW
    conversation.state = CORRECT
    conversation.status = ConversationStatus.ACTIVE
    conversation.data = {"flag_id": flag.id}
    conversation.started_at = now
    conversation.updated_at = now
    conversation.version += 1


def open_flag_for(ctx: Context) -> ValueFlag | None:
    """Return the oldest supervisor's flag on the operator's agency still open."""
    if ctx.agency is None or ctx.official.role != Role.OPERATOR:
        return None
    return ctx.session.exec(
        select(ValueFlag)
        .join(Report, Report.id == ValueFlag.report_id)
        .where(Report.agency_id == ctx.agency.id,
               ValueFlag.source == FlagSource.SUPERVISOR,
               ValueFlag.status == FlagStatus.OPEN)
        .order_by(ValueFlag.raised_at, ValueFlag.id)
    ).first()


def offer_pending(ctx: Context) -> str | None:
    """Show the next open correction prompt, entering the correction step."""
    flag = open_flag_for(ctx)
    if flag is None:
        return None
    ctx.replies.append(prompt_text(ctx.session, flag, ctx.lang))
    ctx.start(FLOW, CORRECT, {"flag_id": flag.id})
    return CORRECT


def handle_corrections(ctx: Context) -> str | None:
    """`perbaikan`: show the next supervisor's note to answer, if any."""
    state = offer_pending(ctx)
    if state is not None:
        return state
    rule_flags = _open_rule_flags(ctx)
    if not rule_flags:
        ctx.say("review.no_corrections")
        return None
    lines = []
    for flag in rule_flags[:5]:
        period = ctx.session.get(Period, ctx.session.get(Report, flag.report_id).period_id)
        lines.append(f"• {period_label(period, ctx.lang)}: {flag.message}")
    period = ctx.session.get(Period, ctx.session.get(Report, rule_flags[0].report_id).period_id)
    ctx.say("review.open_checks", lines="\n".join(lines),
            command=f"lapor {period_label(period, ctx.lang).split(' ')[0].lower()}")
    return None


def _open_rule_flags(ctx: Context) -> list[ValueFlag]:
    if ctx.agency is None:
        return []
    return list(ctx.session.exec(
        select(ValueFlag)
        .join(Report, Report.id == ValueFlag.report_id)
        .where(Report.agency_id == ctx.agency.id, ValueFlag.source == FlagSource.RULE,
               ValueFlag.status == FlagStatus.OPEN)
        .order_by(ValueFlag.raised_at, ValueFlag.id)
    ).all())


def correct(ctx: Context, text: str) -> str | None:
    """Take the operator's new value or `tetap <alasan>` for a flag."""
    from flows.router import dispatch

    # Locked: two operators of one agency may answer the same prompt at once.
    flag = ctx.session.exec(
        select(ValueFlag).where(ValueFlag.id == ctx.data.get("flag_id")).with_for_update()
    ).first()
    if flag is None:
        ctx.finish()
        return dispatch(ctx, text)
    if flag.status != FlagStatus.OPEN:
        ctx.finish()
        if flag.resolved_by_id is not None and flag.resolved_by_id != ctx.official.id:
            colleague = ctx.session.get(Official, flag.resolved_by_id)
            ctx.say("review.already_answered", name=colleague.name if colleague else "-")
            if interrupting_command(text) is None:
                return offer_pending(ctx)
        # A command such as `status` is carried out, not swallowed.
        return dispatch(ctx, text)
    interruption = interrupting_command(text)
    if interruption == Intent.CORRECTIONS:
        ctx.replies.append(prompt_text(ctx.session, flag, ctx.lang))
        return CORRECT
    if interruption is not None:
        ctx.say("review.later")
        ctx.finish(ConversationStatus.CANCELLED)
        return dispatch(ctx, text)
    if step_command(text) in (Intent.CANCEL, Intent.SKIP, Intent.MENU):
        ctx.say("review.later")
        ctx.finish(ConversationStatus.CANCELLED)
        return None
    report, agency, period, indicator = _describe(ctx, flag)
    label = period_label(period, ctx.lang).split(" ")[0]
    supervisor = ctx.session.get(Official, flag.raised_by_id) if flag.raised_by_id else None
    value = reports.values_by_indicator(ctx.session, report).get(indicator.id)
    old = display(indicator, value, ctx.lang)

    keep = KEEP.match(" ".join(text.split()))
    if keep is not None:
        reason = keep["reason"].strip()
        if len(reason) < 3:
            ctx.say("check.reason_needed")
            return CORRECT
        review.confirm(ctx.session, flag, report, ctx.official, reason, ctx.now)
        ctx.say("review.kept", indicator=checks.short_label(indicator), label=label)
        if supervisor is not None and supervisor.active:
            lang = supervisor.language
            ctx.notices.append((supervisor.id, t(
                lang, "review.to_supervisor_kept", agency=agency.code,
                indicator=indicator.code, label=period_label(period, lang).split(" ")[0],
                value=old, reason=reason[:200],
            )))
        return _next(ctx)

    try:
        parsed = parse_answer(indicator, text)
    except ParseError as error:
        ctx.replies.append(error_text(indicator, error, ctx.lang))
        return CORRECT
    if locking.is_locked(report, period, ctx.now, ctx.settings):
        since = locking.lock_moment(period, ctx.settings).astimezone(ctx.settings.tz)
        ctx.say("report.locked", label=period_label(period, ctx.lang),
                since=long_date(since.date(), ctx.lang), agency=agency.code,
                period=period_label(period, ctx.lang).split(" ")[0].lower())
        ctx.finish(ConversationStatus.CANCELLED)
        return None
    reports.store_value(
        ctx.session, report, indicator, raw_text=text, number=parsed.number,
        text=parsed.text, is_none=parsed.is_none, official=ctx.official, now=ctx.now,
        reason=t(ctx.lang, "review.correction_reason", note=flag.note or "-")[:400],
    )
    reports.refresh_computed(ctx.session, report, agency, period, ctx.now)
    # The rules' flags follow the corrected value.
    recheck(ctx, report, period, {indicator.id})
    review.corrected(ctx.session, flag, report, ctx.official, ctx.now)
    value = reports.values_by_indicator(ctx.session, report).get(indicator.id)
    new = display(indicator, value, ctx.lang)
    ctx.say("review.corrected", indicator=checks.short_label(indicator), label=label,
            old=old, new=new)
    if supervisor is not None and supervisor.active:
        lang = supervisor.language
        ctx.notices.append((supervisor.id, t(
            lang, "review.to_supervisor_corrected", agency=agency.code,
            indicator=indicator.code, label=period_label(period, lang).split(" ")[0],
            old=old, new=new,
        )))
    return _next(ctx)


def _next(ctx: Context) -> str | None:
    ctx.finish()
    return offer_pending(ctx)


STEPS = {CORRECT: correct}

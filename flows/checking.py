"""Check stored answers against the rules, and settle each doubt in the chat.

After an answer is stored, the rules of rules.csv that read it run. A value
that raises a flag stays stored; the bot says why in one line and waits in
`State.CHECK` for a corrected value, `tetap <alasan>`, or "that was the
monthly figure", which offers the cumulative sum. Several values in one
message ("keuangan 1,9 M fisik 15") are filled by indicator name and checked
together.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlmodel import select

from bot import checks, reports, review
from bot.i18n import period_label
from bot.periods import applicable_indicators
from bot.intents import Intent, interrupting_command, step_command
from bot.parsing import (
    OutOfBounds,
    ParseError,
    normalise,
    parse_choice,
    parse_yes_no,
    strip_periods,
)
from flows.answers import (
    Answer,
    display,
    display_number,
    error_text,
    find_mention,
    parse_answer,
)
from flows.context import Context
from flows.report_questions import (
    State,
    acknowledge,
    ask_next,
    cancel,
    find_indicator,
    load_period,
    load_queue,
    load_report,
    load_values,
    pause,
    store_answer,
    update_data,
)
from models import FlagStatus, Indicator, IndicatorType, Rule, RuleKind, ValueFlag

# `tetap ada pembayaran termin`, `sudah benar karena ...`: keep the value.
KEEP = re.compile(
    r"^(?:tetap|keep|(?:sudah|memang|udah|sdh)\s+(?:benar|betul|bener))\b[\s,.:;-]*(?P<reason>.*)$",
    re.DOTALL | re.IGNORECASE,
)
# "that figure was the monthly one, not the cumulative one".
MONTHLY = re.compile(
    r"\b(?:bukan\s+kumulatif|tdk\s+kumulatif|tidak\s+kumulatif|blm\s+kumulatif|"
    r"belum\s+kumulatif|bulan\s+\w+\s+(?:aja|saja|doang)|bulan\s+ini\s+(?:aja|saja)|"
    r"per\s*bulan|bulanan|monthly|not\s+cumulative)\b"
)
# `kumulatif, bukan per bulan`: the figure is the cumulative one after all.
NOT_MONTHLY = re.compile(r"\bbukan\s+(?:per\s*bulan|bulanan|monthly)\b|\bnot\s+monthly\b")
# Joining words and punctuation around a value. A dash right before a digit
# is a minus sign and stays, so `subkeg -3` is rejected rather than read as 3.
_CONNECTORS = re.compile(
    r"^(?:[\s,.;:&+/]|-(?!\s*\d))*(?:dan|serta|and|&)?(?:[\s,.;:&+/]|-(?!\s*\d))*"
    r"|[\s,.;:&+/-]*(?:dan|serta|and|&)?[\s,.;:&+/-]*$"
)


# --- several values in one message ----------------------------------------------


def split_mentions(text: str, indicators: list[Indicator]) -> list[tuple[Indicator, str]]:
    """Split "keuangan maret 1,9 M fisik 150" into (indicator, answer) pairs.

    Names, aliases and codes are found as whole words, the longest first and
    without overlaps; each answer is the text up to the next name, with
    period words (`maret`, `tw 1`) removed. Pairs without a number or word
    after the name are left out.
    """
    norm = normalise(text)
    spans = []
    for indicator in indicators:
        names = {indicator.code.lower(), indicator.name.lower(), *indicator.alias_list}
        for name in names:
            name = normalise(name)
            if not name:
                continue
            for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", norm):
                spans.append((match.start(), match.end(), indicator))
    spans.sort(key=lambda span: (-(span[1] - span[0]), span[0]))
    chosen: list[tuple[int, int, Indicator]] = []
    for start, end, indicator in spans:
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, indicator))
    chosen.sort()
    if not chosen or re.search(r"\d", norm[: chosen[0][0]]):
        # `250.000.000 realisasi keuangan`: a number before the first name
        # belongs to no name for sure, so the message is not split.
        return []
    pairs = []
    seen = set()
    for index, (start, end, indicator) in enumerate(chosen):
        if indicator.type == IndicatorType.TEXT:
            # Free text runs to the end of the message, whatever words it
            # contains, and is only read when the message starts with its name.
            typed = re.search(re.escape(norm[start:end]), text, re.IGNORECASE)
            raw = (text[typed.end():] if typed else norm[end:]).strip(" ,.:=-")
            if start == 0 and raw and indicator.id not in seen:
                pairs.append((indicator, raw))
            break
        stop = chosen[index + 1][0] if index + 1 < len(chosen) else len(norm)
        raw = _CONNECTORS.sub("", strip_periods(norm[end:stop])).strip()
        if not raw or indicator.id in seen:
            continue
        if indicator.type == IndicatorType.CHOICE:
            try:
                parse_choice(raw, indicator.choice_list)
            except ParseError:
                continue
        elif not re.search(r"\d", raw):
            continue
        seen.add(indicator.id)
        pairs.append((indicator, raw))
    return pairs


def short_label(indicator: Indicator) -> str:
    return checks.short_label(indicator)


def fill(ctx: Context, pairs: list[tuple[Indicator, str]]) -> str:
    """Store each named value, check them together, and go on or ask."""
    stored, rejected = [], []
    for indicator, raw in pairs:
        try:
            parsed = parse_answer(indicator, raw)
        except ParseError as error:
            rejected.append((indicator, error))
            continue
        store_answer(ctx, indicator, raw, parsed)
        stored.append(indicator.id)
    return after_store(ctx, stored, rejected)


def settle(ctx: Context, indicator: Indicator) -> str:
    """After one answer: ask about a doubt it raised, or confirm it and go on."""
    flags = run_checks(ctx, {indicator.id})
    if flags:
        return after_store(ctx, [indicator.id], flags=flags)
    acknowledge(ctx, indicator)
    return ask_next(ctx)


def check_edit(ctx: Context, indicator: Indicator) -> str | None:
    """After an edit from the summary: return `State.CHECK` if it raised a doubt."""
    flags = run_checks(ctx, {indicator.id})
    if not flags:
        return None
    update_data(ctx, editing=True)
    return after_store(ctx, [indicator.id], flags=flags)


def after_store(ctx: Context, stored: list[int], rejected=(), flags=None) -> str:
    """Run the checks on newly stored values; ask about doubts or go on."""
    if flags is None:
        flags = run_checks(ctx, set(stored)) if stored else []
    checking = [f.id for f in flags]
    pending = [indicator.id for indicator, _ in rejected]
    data = ctx.data
    if data.get("checking") is not None:
        # Already settling doubts: keep the earlier ones that are still open.
        earlier = [fid for fid in data["checking"] if _is_open(ctx, fid)]
        checking = list(dict.fromkeys([*earlier, *checking]))
        pending = list(dict.fromkeys(
            [i for i in data.get("pending", []) if i not in stored] + pending
        ))
    filled = list(dict.fromkeys([*data.get("filled", []), *stored]))
    if not checking and not pending:
        return finish_check(ctx, filled)
    targets = {**data.get("targets", {})}
    for flag in flags:
        targets[str(flag.id)] = _target(ctx, flag, stored)
    update_data(ctx, checking=checking, pending=pending, filled=filled,
                targets=targets, errors={
                    **data.get("errors", {}),
                    **{str(i.id): _rejection(ctx, i, e) for i, e in rejected},
                })
    lines = _doubt_lines(ctx)
    ask = ctx.text("check.ask" if checking else "check.ask_value")
    numbered = "\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1))
    if data.get("checking") is not None and stored:
        acks = " • ".join(_ok(ctx, i) for i in stored if not _has_flag(ctx, i))
        if acks:
            ctx.replies.append(acks)
        ctx.say("check.still", lines=numbered, ask=ask)
    else:
        ctx.say("check.warning", lines=numbered, ask=ask)
    return State.CHECK


def run_checks(ctx: Context, changed: set[int]) -> list[ValueFlag]:
    """Check the report after `changed` values were stored; return open flags."""
    return recheck(ctx, load_report(ctx), load_period(ctx), changed)


def recheck(ctx: Context, report, period, changed: set[int]) -> list[ValueFlag]:
    """Run the rules that read `changed` values and update the report's flags."""
    indicators = applicable_indicators(ctx.session, ctx.agency, period)
    changed = checks.with_computed(indicators, changed)
    codes = {i.code for i in indicators if i.id in changed}
    findings = checks.check_report(
        ctx.session, report, ctx.agency, period, changed, ctx.lang
    )
    return review.apply_findings(
        ctx.session, report, findings, codes, indicators=indicators,
        official=ctx.official, now=ctx.now,
    )


def _is_open(ctx: Context, flag_id: int) -> bool:
    flag = ctx.session.get(ValueFlag, flag_id)
    return flag is not None and flag.status == FlagStatus.OPEN


def _has_flag(ctx: Context, indicator_id: int) -> bool:
    targets = ctx.data.get("targets", {})
    return any(
        targets.get(str(fid)) == indicator_id for fid in ctx.data.get("checking", [])
        if _is_open(ctx, fid)
    )


def _target(ctx: Context, flag: ValueFlag, stored: list[int]) -> int:
    """Return the asked indicator whose answer a flag is about.

    A flag on a computed value (the share of the budget) is about the answer
    it was computed from.
    """
    indicator = find_indicator(ctx, flag.indicator_id)
    if not indicator.computed:
        return indicator.id
    codes = [find_indicator(ctx, indicator_id).code for indicator_id in stored]
    used = checks.formula_codes(indicator.formula, codes)
    for indicator_id, code in zip(stored, codes):
        if code in used:
            return indicator_id
    return stored[0] if stored else indicator.id


def _rejection(ctx: Context, indicator: Indicator, error: ParseError) -> str:
    label = short_label(indicator)
    if isinstance(error, OutOfBounds):
        high = indicator.maximum is not None and error.value > indicator.maximum
        limit = indicator.maximum if high else indicator.minimum
        return ctx.text(
            "check.hard_high" if high else "check.hard_low", label=label,
            value=display_number(indicator, error.value),
            limit=display_number(indicator, limit),
        )
    first = error_text(indicator, error, ctx.lang).split("\n")[0].lstrip("❌ ")
    return ctx.text("check.invalid", label=label, error=first)


def _doubt_lines(ctx: Context) -> list[str]:
    """List the open doubts in question order: rejected answers and flags."""
    order = {indicator.id: n for n, indicator in enumerate(load_queue(ctx))}
    targets = ctx.data.get("targets", {})
    items = []
    for indicator_id in ctx.data.get("pending", []):
        items.append((order.get(indicator_id, 999), 0,
                      ctx.data["errors"].get(str(indicator_id), "")))
    for flag_id in ctx.data.get("checking", []):
        flag = ctx.session.get(ValueFlag, flag_id)
        if flag is not None and flag.status == FlagStatus.OPEN:
            items.append((order.get(targets.get(str(flag_id)), 999), 1, flag.message))
    return [line for *_, line in sorted(items, key=lambda item: item[:2])]


def _ok(ctx: Context, indicator_id: int) -> str:
    indicator = find_indicator(ctx, indicator_id)
    value = load_values(ctx).get(indicator_id)
    return ctx.text("check.ok_item", label=short_label(indicator),
                    value=display(indicator, value, ctx.lang))


def finish_check(ctx: Context, filled: list[int]) -> str:
    """Confirm the values once every doubt is settled, and go on with the questions."""
    if filled:
        ctx.replies.append(" • ".join(_ok(ctx, i) for i in filled))
    update_data(ctx, checking=None, pending=[], filled=[], targets={}, errors={},
                sum_offer=None)
    return ask_next(ctx)


# --- the CHECK step -------------------------------------------------------------


def check_step(ctx: Context, text: str) -> str | None:
    interruption = interrupting_command(text)
    if interruption is not None and interruption != Intent.HELP:
        return pause(ctx, text)
    command = step_command(text)
    if command in (Intent.CANCEL, Intent.MENU):
        return cancel(ctx)
    if command in (Intent.SKIP, Intent.BACK):
        ctx.say("check.left_open")
        update_data(ctx, checking=None, pending=[], filled=[], targets={}, errors={})
        return ask_next(ctx)
    if command == Intent.HELP or interruption == Intent.HELP:
        ctx.say("check.help", example=_example(ctx))
        return State.CHECK

    norm = normalise(text)
    keep = KEEP.match(" ".join(text.split()))
    if keep is not None:
        return _keep(ctx, keep["reason"].strip())
    if MONTHLY.search(norm) and not NOT_MONTHLY.search(norm):
        offered = _offer_sum(ctx, text)
        if offered is not None:
            return offered
    pairs = split_mentions(text, load_queue(ctx))
    if pairs:
        return fill(ctx, pairs)
    targets = _open_targets(ctx)
    if not re.search(r"\d", text) and all(
        find_indicator(ctx, t).type not in (IndicatorType.TEXT, IndicatorType.CHOICE)
        for t in targets
    ):
        # `sdh`, `kirim`, `ok`: no value, so say what the bot waits for.
        ctx.say("check.help", example=_example(ctx))
        return State.CHECK
    if len(targets) != 1:
        ctx.say("check.which", example=_example(ctx))
        return State.CHECK
    indicator = find_indicator(ctx, targets[0])
    try:
        parsed = parse_answer(indicator, text)
    except ParseError as error:
        ctx.replies.append(error_text(indicator, error, ctx.lang))
        return State.CHECK
    store_answer(ctx, indicator, text, parsed)
    return after_store(ctx, [indicator.id])


def _open_targets(ctx: Context) -> list[int]:
    targets = ctx.data.get("targets", {})
    found = [
        targets.get(str(fid)) for fid in ctx.data.get("checking", []) if _is_open(ctx, fid)
    ]
    return list(dict.fromkeys([*ctx.data.get("pending", []), *found]))


def _example(ctx: Context) -> str:
    targets = _open_targets(ctx)
    indicator = find_indicator(ctx, targets[0]) if targets else load_queue(ctx)[0]
    from flows.answers import example

    return f"{short_label(indicator).lower()} {example(indicator, ctx.lang).split(' ')[0]}"


def _keep(ctx: Context, reason: str) -> str:
    """Keep the doubtful values with the reason given.

    With doubts about several answers, the reason must name the one it keeps
    (`tetap fisik ada addendum`); the others stay open.
    """
    if len(reason) < 3:
        ctx.say("check.reason_needed")
        return State.CHECK
    targets = ctx.data.get("targets", {})
    open_flags = [
        flag for flag in (
            ctx.session.get(ValueFlag, fid) for fid in ctx.data.get("checking", [])
        )
        if flag is not None and flag.status == FlagStatus.OPEN
    ]
    kept_targets = {targets.get(str(flag.id)) for flag in open_flags}
    if len(kept_targets) > 1:
        named = find_mention(reason, [find_indicator(ctx, t) for t in kept_targets])
        if named is None:
            example = checks.inline_label(find_indicator(ctx, sorted(kept_targets)[0]))
            ctx.say("check.keep_which", example=f"tetap {example} <alasan>")
            return State.CHECK
        kept_targets = {named[0].id}
    report = load_report(ctx)
    for flag in open_flags:
        if targets.get(str(flag.id)) in kept_targets:
            review.confirm(ctx.session, flag, report, ctx.official, reason, ctx.now)
    ctx.say("check.kept", reason=reason[:200])
    still = [fid for fid in ctx.data.get("checking", []) if _is_open(ctx, fid)]
    # A rejected retype of a value the official has just kept is no longer owed.
    pending = [i for i in ctx.data.get("pending", []) if i not in kept_targets]
    update_data(ctx, checking=still, pending=pending)
    if still or ctx.data.get("pending"):
        lines = "\n".join(f"{n}. {line}" for n, line in enumerate(_doubt_lines(ctx), 1))
        ask = ctx.text("check.ask" if still else "check.ask_value")
        ctx.say("check.still", lines=lines, ask=ask)
        return State.CHECK
    return finish_check(ctx, ctx.data.get("filled", []))


def _offer_sum(ctx: Context, text: str) -> str | None:
    """Offer previous cumulative + this month's figure for a flag that went down.

    Returns None when no open flag is a cumulative value that went down, or
    when the message names another indicator than the one that went down.
    """
    candidates = []
    for flag_id in ctx.data.get("checking", []):
        flag = ctx.session.get(ValueFlag, flag_id)
        if flag is None or flag.status != FlagStatus.OPEN:
            continue
        rule = ctx.session.exec(select(Rule).where(Rule.code == flag.rule_code)).first()
        if rule is not None and rule.kind == RuleKind.MONOTONIC:
            candidates.append(flag)
    named = find_mention(text, load_queue(ctx))
    if named is not None:
        candidates = [f for f in candidates if f.indicator_id == named[0].id]
    for flag in candidates:
        indicator = find_indicator(ctx, flag.indicator_id)
        value = load_values(ctx).get(indicator.id)
        previous = reports.previous_value(ctx.session, ctx.agency, indicator, load_period(ctx))
        if value is None or value.number is None or previous is None:
            break
        period, earlier = previous
        total = earlier.number + value.number
        update_data(ctx, sum_offer={"indicator": indicator.id, "total": str(total),
                                    "period": period.id})
        ctx.say("check.offer_sum", label=period_label(load_period(ctx), ctx.lang),
                previous=display_number(indicator, earlier.number),
                value=display_number(indicator, value.number),
                total=display_number(indicator, total))
        return State.CONFIRM_SUM
    if candidates:
        ctx.say("check.no_previous")
        return State.CHECK
    return None


def confirm_sum(ctx: Context, text: str) -> str | None:
    decision = parse_yes_no(text)
    offer = ctx.data.get("sum_offer") or {}
    if decision is None:
        update_data(ctx, sum_offer=None)
        return check_step(ctx, text)
    update_data(ctx, sum_offer=None)
    if not decision:
        ctx.say("check.send_cumulative")
        return State.CHECK
    indicator = find_indicator(ctx, offer["indicator"])
    from models import Period

    earlier = ctx.session.get(Period, offer["period"])
    total = Decimal(offer["total"])
    store_answer(
        ctx, indicator, display_number(indicator, total), Answer(number=total),
        reason=ctx.text("check.sum_reason", label=period_label(earlier, ctx.lang)),
    )
    return after_store(ctx, [indicator.id])

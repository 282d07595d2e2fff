"""Answers to `status`, `belum` and deadline questions."""

from __future__ import annotations

import re
from decimal import Decimal

from babel.dates import format_date
from sqlmodel import Session, select

from bot import reports
from bot.delivery_status import unreachable_officials
from bot.reminders import last_reminded
from bot.i18n import ROMAN, language, long_date, period_label, short_datetime, t
from bot.parsing import format_number, normalise, parse_period
from bot.phones import mask
from bot.periods import (
    PERIODICITY_ORDER,
    applicable_indicators,
    expected_agencies,
    latest_ended,
    period_index,
    resolve,
    upcoming_deadlines,
)
from flows.answers import display, display_number
from flows.context import Context
from models import (
    Agency,
    AgencyAlias,
    Contact,
    Indicator,
    IndicatorType,
    Official,
    Period,
    Periodicity,
    Report,
    ReportStatus,
    Role,
)

_WORDS = re.compile(r"[\w]+")


def find_agency(session: Session, text: str) -> Agency | None:
    """Find the agency named anywhere in `text` by code, short name or alias."""
    words = _WORDS.findall(normalise(text).replace("-", " "))
    grams = {
        " ".join(words[i:j])
        for i in range(len(words))
        for j in range(i + 1, min(len(words), i + 6) + 1)
    }
    if not grams:
        return None
    rows = session.exec(select(AgencyAlias).where(AgencyAlias.alias.in_(grams))).all()
    if not rows:
        return None
    best = max(rows, key=lambda row: len(row.alias))
    return session.get(Agency, best.agency_id)


# Words in a status request that name neither an agency nor a period.
STATUS_FILLER = frozenset(
    "status laporan lapor rekap cek lihat semua opd realisasi bulan ini terakhir "
    "saya kami kita dong ya pak bu min mas mbak tolong gimana bagaimana report "
    "all my our the please".split()
)


def _meaningful_words(text: str) -> list[str]:
    return [w for w in _WORDS.findall(normalise(text)) if w not in STATUS_FILLER]


def requested_period(ctx: Context, text: str) -> Period | None | bool:
    """Return the period named in `text`, None if none is named, False if unknown."""
    ref = parse_period(text)
    if ref is None:
        return None
    period = resolve(ctx.session, ref, ctx.today)
    return period if period is not None else False


def handle_status(ctx: Context, text: str) -> None:
    period = requested_period(ctx, text)
    if period is False:
        ctx.say("period.unknown")
        return
    agency = find_agency(ctx.session, text)
    if agency is None and period is None and _meaningful_words(text):
        ctx.say("status.unknown_target", text=text.strip()[:40])
        return
    if not ctx.is_supervisor:
        if agency is not None and ctx.agency is not None and agency.id != ctx.agency.id:
            ctx.say("status.own_agency_only", agency=ctx.agency.short_name)
        if ctx.agency is None:
            say_no_agency(ctx)
            return
        agency = ctx.agency
    if agency is not None:
        period = period or latest_report_period(ctx, agency)
    period = period or latest_ended(ctx.session, ctx.today)
    if period is None:
        ctx.say("period.unknown")
        return
    if agency is not None:
        agency_status(ctx, agency, period)
    else:
        period_status(ctx, period, list_missing=True)


def latest_report_period(ctx: Context, agency: Agency) -> Period | None:
    """Return the period of the agency's most recently changed report."""
    report = ctx.session.exec(
        select(Report)
        .where(Report.agency_id == agency.id)
        .order_by(Report.updated_at.desc(), Report.id.desc())
    ).first()
    return ctx.session.get(Period, report.period_id) if report else None


def say_no_agency(ctx: Context) -> None:
    ctx.say("status.no_agency", contact=ctx.settings.EMONEV_HELP_CONTACT)


def handle_missing(ctx: Context, text: str) -> None:
    """List the agencies missing for the named period, else the latest one due."""
    period = requested_period(ctx, text)
    if period is False:
        ctx.say("period.unknown")
        return
    period = period or latest_due(ctx.session, ctx.today)
    period = period or latest_ended(ctx.session, ctx.today)
    if period is None:
        ctx.say("period.unknown")
        return
    if not ctx.is_supervisor:
        if ctx.agency is None:
            say_no_agency(ctx)
            return
        ctx.say("status.own_agency_only", agency=ctx.agency.short_name)
        agency_status(ctx, ctx.agency, period)
        return
    period_status(ctx, period, list_missing=True)


def latest_due(session: Session, today) -> Period | None:
    """Return the period whose deadline passed most recently, monthly first on a tie.

    A deadline has passed once its day is over, so a period due today is not
    yet due.
    """
    last = session.exec(
        select(Period.deadline)
        .where(Period.deadline < today)
        .order_by(Period.deadline.desc())
    ).first()
    if last is None:
        return None
    periods = session.exec(select(Period).where(Period.deadline == last)).all()
    return min(periods, key=lambda p: (PERIODICITY_ORDER.get(p.periodicity, 9), p.id))


def missing_agencies(session: Session, period: Period) -> list[Agency]:
    """List the agencies expected for the period without a submitted report."""
    submitted = set(
        session.exec(
            select(Report.agency_id).where(
                Report.period_id == period.id, Report.status != ReportStatus.DRAFT
            )
        ).all()
    )
    return [a for a in expected_agencies(session, period) if a.id not in submitted]


def period_status(ctx: Context, period: Period, list_missing: bool) -> list[Agency]:
    """Show one period's counts and late and missing agencies; return the missing."""
    expected = expected_agencies(ctx.session, period)
    submitted = {
        r.agency_id: r
        for r in ctx.session.exec(
            select(Report).where(
                Report.period_id == period.id, Report.status != ReportStatus.DRAFT
            )
        ).all()
    }
    done = [a for a in expected if a.id in submitted]
    on_time = sum(1 for a in done if submitted[a.id].on_time)
    missing = [a for a in expected if a.id not in submitted]
    ctx.say(
        "status.period",
        label=period_label(period, ctx.lang),
        deadline=long_date(period.deadline, ctx.lang),
        submitted=len(done),
        total=len(expected),
        on_time=on_time,
        late=len(done) - on_time,
    )
    ctx.say(
        "status.review_counts",
        verified=sum(
            1 for a in done if submitted[a.id].status == ReportStatus.VERIFIED
        ),
        needs_correction=sum(
            1 for a in done if submitted[a.id].status == ReportStatus.NEEDS_CORRECTION
        ),
    )
    late = [a.short_name for a in done if not submitted[a.id].on_time]
    if late:
        ctx.say("status.late_list", count=len(late), names=join_names(late))
    if list_missing and missing:
        names = join_names([a.short_name for a in missing])
        ctx.say("status.missing", count=len(missing), names=names)
    elif list_missing:
        ctx.say("status.none_missing")
    opted_out = opted_out_operators(ctx.session, [a.id for a in expected])
    if opted_out:
        ctx.say("status.opted_out_count", count=len(opted_out))
    return missing


def opted_out_operators(
    session: Session, agency_ids: list[int]
) -> list[tuple[Official, Contact]]:
    """List the active operators of the agencies who opted out of proactive messages."""
    if not agency_ids:
        return []
    return list(
        session.exec(
            select(Official, Contact)
            .join(Contact, Contact.official_id == Official.id)
            .where(
                Official.agency_id.in_(agency_ids),
                Official.role == Role.OPERATOR,
                Official.active == True,  # noqa: E712  (SQL comparison)
                Contact.opted_out_at.is_not(None),
            )
            .order_by(Official.id)
        ).all()
    )


def agency_status(ctx: Context, agency: Agency, period: Period) -> None:
    report = _agency_report(ctx, agency, period)
    if report is not None and report.status != ReportStatus.DRAFT:
        ctx.say("status.review", state=ctx.text(f"status.review.{report.status}"))
    reminded = last_reminded(ctx.session, agency)
    if reminded is not None:
        when = short_datetime(reminded.astimezone(ctx.settings.tz), ctx.lang)
        ctx.say("status.last_reminded", when=when)
    if ctx.is_supervisor:
        unreachable = unreachable_officials(ctx.session, agency)
        if unreachable:
            names = ", ".join(f"{o.name} ({mask(o.phone)})" for o in unreachable)
            ctx.say("status.unreachable", names=names)
        opted_out = opted_out_operators(ctx.session, [agency.id])
        if opted_out:
            tz = ctx.settings.tz
            names = ", ".join(
                ctx.text("status.opted_out_item", name=official.name,
                         since=contact.opted_out_at.astimezone(tz).strftime("%d/%m"))
                for official, contact in opted_out
            )
            ctx.say("status.opted_out", names=names)


def _agency_report(ctx: Context, agency: Agency, period: Period) -> Report | None:
    """Show the agency's report for the period; return the report, if any."""
    label = period_label(period, ctx.lang)
    indicators = applicable_indicators(ctx.session, agency, period)
    if not indicators:
        ctx.say("report.nothing_to_report", period=label)
        return None
    report = reports.get_report(ctx.session, agency, period)
    if report is None:
        ctx.say("status.agency_none", agency=agency.short_name, label=label,
                deadline=long_date(period.deadline, ctx.lang))
        return None
    values = reports.values_by_indicator(ctx.session, report)
    previous = previous_period(ctx.session, period)
    earlier = previous_numbers(ctx.session, agency, previous)
    lines = [
        f"• {ind.name}: {display(ind, values[ind.id], ctx.lang)}"
        + compared(ind, values[ind.id].number, earlier.get(ind.id), previous, period,
                   ctx.lang)
        for ind in indicators
        if ind.id in values
    ]
    if report.status == ReportStatus.DRAFT:
        asked = [i for i in indicators if not i.computed]
        filled = sum(1 for i in asked if i.id in values)
        ctx.say("status.agency_draft", agency=agency.short_name, label=label,
                filled=filled, total=len(asked), lines="\n".join(lines))
        return report
    local = report.submitted_at.astimezone(ctx.settings.tz)
    submitter = None
    if report.submitted_by_id is not None:
        submitter = ctx.session.get(Official, report.submitted_by_id)
    timing = "status.on_time" if report.on_time else "status.late"
    ctx.say(
        "status.agency_submitted",
        agency=agency.short_name,
        label=label,
        when=short_datetime(local, ctx.lang),
        by=submitter.name if submitter else "-",
        timing=ctx.text(timing),
        lines="\n".join(lines),
    )
    return report


def handle_deadline(ctx: Context, text: str) -> None:
    period = requested_period(ctx, text)
    if period is False:
        ctx.say("period.unknown")
        return
    if period is not None:
        ctx.say("deadline.one", label=period_label(period, ctx.lang),
                deadline=long_date(period.deadline, ctx.lang))
        return
    lines = [
        ctx.text("deadline.line", label=period_label(p, ctx.lang),
                 deadline=long_date(p.deadline, ctx.lang))
        for p in upcoming_deadlines(ctx.session, ctx.today)
    ]
    if not lines:
        ctx.say("deadline.none")
        return
    ctx.say("deadline.list", lines="\n".join(lines))


# --- lists and comparisons shared with flows.insight ----------------------------

# Lists of names are broken into lines of at most this many characters. The
# webhook splits a reply into parts of at most 1,600 characters at line
# boundaries (bot.outbound.split_body), so a shorter line is never cut.
# Parts after the tenth go through the outbox (bot.inbound), because Twilio
# sends at most ten messages of one TwiML reply.
NAMES_LINE_WIDTH = 1000


def join_names(names: list[str], width: int = NAMES_LINE_WIDTH) -> str:
    """Join names with commas, starting a new line where one would pass `width`."""
    lines: list[str] = []
    current = ""
    for name in names:
        candidate = f"{current}, {name}" if current else name
        if current and len(candidate) > width:
            lines.append(current + ",")
            current = name
        else:
            current = candidate
    if current:
        lines.append(current)
    return "\n".join(lines)


def previous_period(session: Session, period: Period) -> Period | None:
    """Return the period of the same periodicity that starts right before `period`."""
    return session.exec(
        select(Period)
        .where(Period.periodicity == period.periodicity, Period.start < period.start)
        .order_by(Period.start.desc())
    ).first()


def previous_numbers(
    session: Session, agency: Agency, previous: Period | None
) -> dict[int, Decimal]:
    """Return the numbers of the agency's submitted `previous` report, by indicator."""
    if previous is None:
        return {}
    report = reports.get_report(session, agency, previous)
    if report is None or report.status == ReportStatus.DRAFT:
        return {}
    return {
        indicator_id: value.number
        for indicator_id, value in reports.values_by_indicator(session, report).items()
        if value.number is not None
    }


def short_period_label(
    period: Period, lang: str, reference: Period | None = None
) -> str:
    """Name a period briefly: `Feb`, `TW IV`, `2025`, with the year when it differs.

    The year is added when it is not the year of `reference`, as in `Des 2025`
    next to a January figure.
    """
    lang = language(lang)
    if period.periodicity == Periodicity.ANNUAL:
        return str(period.start.year)
    if period.periodicity == Periodicity.QUARTERLY:
        label = t(lang, "compare.quarter", roman=ROMAN[period_index(period)])
    else:
        label = format_date(period.start, "LLL", locale=lang)
    if reference is None or reference.start.year != period.start.year:
        label = f"{label} {period.start.year}"
    return label


def signed_change(difference: Decimal, write, lang: str) -> str:
    """Write a difference with its sign and its size formatted by `write`.

    A difference of 0 is `tetap` (unchanged).
    """
    if not difference:
        return t(lang, "compare.unchanged")
    sign = "+" if difference > 0 else "-"
    return sign + write(abs(difference))


def indicator_change(
    indicator: Indicator, number: Decimal, before: Decimal, lang: str
) -> str:
    """Write the change of a value: `+5,2 poin`, `-Rp1.500.000`, `+3 orang`.

    Percentages change by percentage points. Both values are rounded to two
    decimals first, as they are shown, so the change is their visible
    difference.
    """
    if indicator.type == IndicatorType.PERCENT:
        cent = Decimal("0.01")
        difference = number.quantize(cent) - before.quantize(cent)
        return signed_change(difference, lambda size: points(size, lang), lang)
    return signed_change(
        number - before, lambda size: display_number(indicator, size), lang
    )


def points(size: Decimal, lang: str, decimals: int | None = None) -> str:
    """Write a number of percentage points: `5,2 poin`."""
    number = format_number(size.normalize() if decimals is None else size, decimals)
    return t(lang, "compare.points", value=number)


def compared(
    indicator: Indicator,
    number: Decimal | None,
    before: Decimal | None,
    previous: Period | None,
    current: Period,
    lang: str,
) -> str:
    """Return ` (Feb 76%, +5,2 poin)` after a value of `current`, or "" without both."""
    if number is None or before is None or previous is None:
        return ""
    return t(
        lang, "compare.previous",
        period=short_period_label(previous, lang, current),
        value=display_number(indicator, before),
        change=indicator_change(indicator, number, before, lang),
    )

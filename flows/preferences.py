"""An official's choices about proactive messages, and reminders on request.

- `berhenti`/`stop` (idle) and `mulai`: opt out of and back into proactive
  messages.
- `nanti sore`, `besok`, `kagek`, `1 jam lagi` in reply to a reminder: no
  reminder before that time (`Contact.snoozed_until`).
- `kirim pengingat ke yg belum [periode]` (supervisors and admins): remind
  the operators of every agency still missing, after a yes.
- `ringkasan harian 07:30` / `ringkasan harian mati` (supervisors and
  admins): the time of the daily summary.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from bot import reminders
from bot.config import Settings
from bot.contacts import contact_of, opt_in, opt_out
from bot.i18n import long_date
from bot.intents import Intent, parse_snooze, step_command
from bot.outbound import queue_message
from bot.parsing import normalise, parse_yes_no
from bot.periods import latest_ended
from bot.phones import mask
from bot.proactive import Blocked, in_quiet_hours, moment_blocked, official_blocked
from flows import status
from flows.context import Context
from models import (
    Agency,
    Contact,
    Official,
    OptInSource,
    Outbox,
    Period,
    Reminder,
    Role,
)

logger = logging.getLogger(__name__)

FLOW = "preferences"


class State(StrEnum):
    CONFIRM_REMINDERS = "confirm_reminders"


# A reply counts as a reply to a reminder for this long after the reminder.
REMINDER_REPLY_WINDOW = timedelta(hours=6)
# Reminders sent on a supervisor's request outside a scheduled reminder's
# window are recorded under `request-MMDD`, the local day of the request.
REQUEST_PREFIX = "request-"
# Catalogue keys of the reasons, by `bot.proactive.Blocked` value, for which a
# reminder on request was held back.
HELD_REASONS = {
    Blocked.CONVERSATION: "remind.reason.busy",
    Blocked.CAP: "remind.reason.cap",
}
_CLOCK = re.compile(r"^(?P<hour>\d{1,2})(?:[.:](?P<minute>\d{2}))?$")
SUMMARY_OFF_WORDS = frozenset(
    {"mati", "off", "stop", "berhenti", "nonaktif", "matikan"}
)


# Opt-out and opt-in


def handle_opt_out(ctx: Context) -> None:
    opt_out(ctx.session, ctx.official.id, ctx.now)
    logger.info("official %s (%s) opted out of proactive messages",
                ctx.official.id, mask(ctx.official.phone))
    ctx.say("optout.done")


def handle_opt_in(ctx: Context) -> None:
    contact = contact_of(ctx.session, ctx.official.id)
    if contact.opted_out_at is None and contact.opted_in_at is not None:
        ctx.say("optin.already")
        return
    opt_in(ctx.session, ctx.official.id, ctx.now, source=OptInSource.RESUMED)
    logger.info("official %s (%s) opted back in to proactive messages",
                ctx.official.id, mask(ctx.official.phone))
    ctx.say("optin.done")


def stop_hint(ctx: Context) -> None:
    """Add how to stop reminders after `stop` cancelled a question."""
    ctx.say("optout.stop_hint")


# Snooze


def last_reminder_at(
    session: Session, official_id: int, now: datetime
) -> datetime | None:
    """Return when the official's last proactive message went out, if it was a
    reminder within `REMINDER_REPLY_WINDOW` before `now`.

    A row counts as a reminder by its outbox kind or by a reminder record
    that points to it.
    """
    # Served by the (official_id, created_at) index of `outbox`.
    row = session.exec(
        select(Outbox)
        .where(
            Outbox.official_id == official_id,
            Outbox.created_at >= now - REMINDER_REPLY_WINDOW,
        )
        .order_by(Outbox.created_at.desc(), Outbox.id.desc())
    ).first()
    if row is None:
        return None
    if row.kind == reminders.OUTBOX_KIND:
        return row.created_at
    linked = session.exec(
        select(Reminder.id).where(Reminder.outbox_id == row.id)
    ).first()
    return row.created_at if linked is not None else None


MAX_SNOOZE = timedelta(days=3)


def snooze_after_reminder(
    ctx: Context, text: str, since: datetime | None = None
) -> bool:
    """Snooze reminders when `text` requests it in reply to a recent reminder.

    With `since`, the reminder must also be later than that moment: the
    caller passes the last change of an open question, so that an answer to
    the question is never taken for a snooze. Returns True when handled.
    """
    sent_at = last_reminder_at(ctx.session, ctx.official.id, ctx.now)
    if sent_at is None:
        return False
    if since is not None and sent_at <= since:
        return False
    local_now = ctx.now.astimezone(ctx.settings.tz)
    until = parse_snooze(text, local_now)
    if until is None:
        return False
    # `999 jam lagi` would silence a whole period: three days at most.
    until = min(until, local_now + MAX_SNOOZE)
    until = after_quiet_hours(ctx.settings, until)
    contact = contact_of(ctx.session, ctx.official.id, lock=True)
    contact.snoozed_until = until
    ctx.session.add(contact)
    logger.info("official %s snoozed reminders until %s",
                ctx.official.id, until.isoformat())
    ctx.say(_snooze_key(local_now, until), time=clock_text(until, ctx.lang),
            date=long_date(until.date(), ctx.lang))
    return True


def after_quiet_hours(settings: Settings, moment: datetime) -> datetime:
    """Move a local time inside the quiet hours to the end of them."""
    if not in_quiet_hours(settings, moment):
        return moment
    end = settings.quiet_hours[1]
    moved = moment.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return moved if moved > moment else moved + timedelta(days=1)


def _snooze_key(now: datetime, until: datetime) -> str:
    days = (until.date() - now.date()).days
    if days == 0:
        return "snooze.today"
    return "snooze.tomorrow" if days == 1 else "snooze.date"


def clock_text(moment: datetime | time, lang: str) -> str:
    """Format a time of day as `16.00` in Indonesian or `16:00` in English."""
    separator = "." if lang == "id" else ":"
    return moment.strftime(f"%H{separator}%M")


# Reminders on request


def handle_remind_missing(ctx: Context, rest: str) -> str | None:
    """List the agencies missing for the period, then ask before reminding them."""
    if not ctx.is_supervisor:
        ctx.say("review.only_supervisors")
        return None
    period = status.requested_period(ctx, rest)
    if period is False:
        ctx.say("period.unknown")
        return None
    period = period or latest_ended(ctx.session, ctx.today)
    if period is None:
        ctx.say("period.unknown")
        return None
    missing = status.period_status(ctx, period, list_missing=True)
    if not missing:
        return None
    ctx.start(FLOW, State.CONFIRM_REMINDERS, {
        "period_id": period.id, "agency_ids": [a.id for a in missing],
    })
    ctx.say("remind.confirm", count=len(missing))
    return State.CONFIRM_REMINDERS


def confirm_reminders(ctx: Context, text: str) -> str | None:
    from flows.router import dispatch

    decision = parse_yes_no(text)
    if step_command(text) == Intent.CANCEL:
        decision = False
    data = dict(ctx.data)
    ctx.finish()
    if decision is None:
        return dispatch(ctx, text)
    if not decision:
        ctx.say("remind.cancelled")
        return None
    period = ctx.session.get(Period, data["period_id"])
    holidays = reminders.days_off(ctx.session, ctx.settings)
    blocked = moment_blocked(ctx.settings, ctx.now, holidays)
    if blocked == Blocked.QUIET_HOURS:
        start, end = ctx.settings.quiet_hours
        ctx.say("remind.quiet", start=clock_text(start, ctx.lang),
                end=clock_text(end, ctx.lang))
        return None
    if blocked is not None:
        ctx.say("remind.day_off")
        return None
    still_missing = {a.id for a in status.missing_agencies(ctx.session, period)}
    agencies = [
        ctx.session.get(Agency, agency_id)
        for agency_id in data["agency_ids"]
        if agency_id in still_missing
    ]
    if not agencies:
        ctx.say("status.none_missing")
        return None
    outcome = send_requested_reminders(
        ctx.session, ctx.settings, period, agencies, ctx.now
    )
    logger.info(
        "official %s requested reminders for %s: %d sent, %d held, %d agencies "
        "without an operator", ctx.official.id, period.code, len(outcome.sent),
        len(outcome.held), len(outcome.without_operator),
    )
    _say_outcome(ctx, outcome)
    return None


@dataclass
class RequestOutcome:
    """The result of a reminder on request, operator by operator."""

    # (operator, agency) pairs that were sent a reminder.
    sent: list[tuple[Official, Agency]] = field(default_factory=list)
    # Operators already reminded of the period today.
    already: list[Official] = field(default_factory=list)
    # (operator, catalogue key of the reason) pairs held back.
    held: list[tuple[Official, str]] = field(default_factory=list)
    without_operator: list[Agency] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)


def send_requested_reminders(
    session: Session, settings: Settings, period: Period, agencies: list[Agency],
    now: datetime,
) -> RequestOutcome:
    """Remind every active operator of `agencies` about `period` now.

    The text is the sweep's reminder. Each one is recorded under the kind of
    the scheduled reminder whose window is open, so the sweep does not send
    that one again, or else under `request-MMDD`. An operator already
    reminded of the period today, or whom `bot.proactive` holds back (no
    consent, opted out, unreachable, in a conversation, daily cap), is left out.
    The outbox rows stay pending for the outbox sweep, which enqueues them.
    """
    outcome = RequestOutcome()
    today = now.astimezone(settings.tz).date()
    kinds = _request_kinds(session, settings, period, now)
    for agency in agencies:
        operators = session.exec(
            select(Official)
            .where(Official.agency_id == agency.id, Official.role == Role.OPERATOR,
                   Official.active == True)  # noqa: E712  (SQL comparison)
            .order_by(Official.id)
        ).all()
        if not operators:
            outcome.without_operator.append(agency)
            continue
        for official in operators:
            if _reminded_on(session, settings, official.id, period.id, today):
                outcome.already.append(official)
                continue
            reason = official_blocked(session, settings, official.id, now, snooze=False)
            if reason is not None:
                key = _held_reason(session, official.id, reason)
                outcome.held.append((official, key))
                continue
            item = reminders.Due(official.id, official.name, agency.id, agency.code,
                                 period.id, period.code, period.deadline, "")
            reminder_id = _record_first(session, item, kinds, now)
            if reminder_id is None:
                outcome.already.append(official)
                continue
            rows = _queue(session, settings, official, item, now)
            session.execute(
                update(Reminder)
                .where(Reminder.id == reminder_id)
                .values(outbox_id=rows[0].id)
            )
            outcome.sent.append((official, agency))
            outcome.outbox_ids.extend(row.id for row in rows)
    return outcome


def _request_kinds(
    session: Session, settings: Settings, period: Period, now: datetime
) -> list[str]:
    """Return the kinds to record a reminder on request under, preferred first."""
    days = reminders.reminder_days(settings, period.deadline)
    window = reminders.open_window(
        reminders.windows(settings, days, reminders.days_off(session, settings)), now
    )
    request = REQUEST_PREFIX + now.astimezone(settings.tz).strftime("%m%d")
    return [window.kind, request] if window is not None else [request]


def _reminded_on(
    session: Session, settings: Settings, official_id: int, period_id: int, day: date
) -> bool:
    start = datetime.combine(day, time(0), tzinfo=settings.tz)
    return session.exec(
        select(Reminder.id).where(
            Reminder.official_id == official_id,
            Reminder.period_id == period_id,
            Reminder.created_at >= start,
            Reminder.created_at < start + timedelta(days=1),
        )
    ).first() is not None


def _record_first(
    session: Session, item: reminders.Due, kinds: list[str], now: datetime
) -> int | None:
    """Insert the reminder under the first of `kinds` not yet taken; return its id."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    for kind in kinds:
        statement = (
            insert(Reminder)
            .values(official_id=item.official_id, period_id=item.period_id,
                    kind=kind, deadline=item.deadline, created_at=now)
            .on_conflict_do_nothing(
                index_elements=["official_id", "period_id", "kind", "deadline"]
            )
            .returning(Reminder.id)
        )
        reminder_id = session.execute(statement).scalar()
        if reminder_id is not None:
            return reminder_id
    return None


def _queue(
    session: Session, settings: Settings, official: Official, item: reminders.Due,
    now: datetime,
) -> list[Outbox]:
    body = reminders.compose(session, settings, official, [item], now)
    return queue_message(
        session, settings, official, body, now, kind=reminders.OUTBOX_KIND,
        variables=reminders.template_variables(session, official, [item]),
    )


def _held_reason(session: Session, official_id: int, reason: str) -> str:
    if reason != Blocked.CONSENT:
        return HELD_REASONS.get(reason, "remind.reason.other")
    contact = session.exec(
        select(Contact).where(Contact.official_id == official_id)
    ).first()
    if contact is not None and contact.opted_out_at is not None:
        return "remind.reason.opted_out"
    if contact is not None and contact.unreachable_at is not None:
        return "remind.reason.unreachable"
    return "remind.reason.no_consent"


def _say_outcome(ctx: Context, outcome: RequestOutcome) -> None:
    if outcome.sent:
        names = _unique(agency.short_name for _, agency in outcome.sent)
        ctx.say("remind.sent", count=len(outcome.sent), agencies=", ".join(names))
    else:
        ctx.say("remind.none_sent")
    if outcome.without_operator:
        ctx.say("remind.no_operator", count=len(outcome.without_operator),
                names=", ".join(a.short_name for a in outcome.without_operator))
    if outcome.already:
        ctx.say("remind.already", names=", ".join(o.name for o in outcome.already))
    if outcome.held:
        items = [f"{o.name} ({ctx.text(key)})" for o, key in outcome.held]
        ctx.say("remind.held", count=len(items), names=", ".join(items))


def _unique(names) -> list[str]:
    return list(dict.fromkeys(names))


# Daily summary time


def handle_daily_summary(ctx: Context, rest: str) -> None:
    """Set or clear the time of the supervisor's daily summary.

    The time is stored in `Contact.daily_summary_time` as local `HH:MM`.
    """
    if not ctx.is_supervisor:
        ctx.say("review.only_supervisors")
        return
    words = normalise(rest).replace("pukul", " ").replace("jam", " ").split()
    contact = contact_of(ctx.session, ctx.official.id, lock=True)
    if not words:
        if contact.daily_summary_time:
            at = time.fromisoformat(contact.daily_summary_time)
            ctx.say("daily_summary.current", time=clock_text(at, ctx.lang))
        else:
            ctx.say("daily_summary.usage")
        return
    if words[0] in SUMMARY_OFF_WORDS:
        contact.daily_summary_time = None
        ctx.session.add(contact)
        ctx.say("daily_summary.off")
        return
    at = parse_clock(words[0])
    if at is None:
        ctx.say("daily_summary.usage")
        return
    contact.daily_summary_time = at.strftime("%H:%M")
    ctx.session.add(contact)
    ctx.say("daily_summary.set", time=clock_text(at, ctx.lang))


def parse_clock(text: str) -> time | None:
    """Read `07:30`, `7.30` or `7` as a time of day, or return None."""
    match = _CLOCK.match(text)
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


STEPS = {State.CONFIRM_REMINDERS: confirm_reminders}

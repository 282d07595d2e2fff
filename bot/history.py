"""One report's history: every change of its values and every review step."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from bot.i18n import plain_text
from models import (
    Channel,
    EventKind,
    FlagSource,
    Indicator,
    Official,
    Report,
    ReportEvent,
    Resolution,
    ValueChange,
    ValueFlag,
)

# The `what` column of a value change. Review events show their kind there.
CHANGED = "changed"
# The side of a value change without a value, such as the old side of a first one.
NO_VALUE = "(none)"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_LINE_BREAKS = re.compile(r"[\t\r\n]+")


@dataclass(frozen=True)
class HistoryEntry:
    """One value change or review event of a report, before formatting.

    A value change has `kind` CHANGED and its old and new sides. A review
    event has its event kind and no sides.
    """

    at: datetime
    indicator: Indicator | None
    old_number: Decimal | None
    old_text: str | None
    new_number: Decimal | None
    new_text: str | None
    actor: str
    channel: str
    note: str
    kind: str


def history_entries(session: Session, report: Report) -> list[HistoryEntry]:
    """List the report's value changes and review events, oldest first.

    At the same instant value changes come first, because a rule's flag or a
    correction is recorded together with the change that caused it. Rows of
    one table at the same instant follow their id.
    """
    entries = []
    changes = session.exec(
        select(ValueChange, Indicator, Official)
        .join(Indicator, Indicator.id == ValueChange.indicator_id)
        .outerjoin(Official, Official.id == ValueChange.official_id)
        .where(ValueChange.report_id == report.id)
    ).all()
    for change, indicator, official in changes:
        entry = HistoryEntry(
            at=change.created_at,
            indicator=indicator,
            old_number=change.old_number,
            old_text=change.old_text,
            new_number=change.new_number,
            new_text=change.new_text,
            actor=_actor(official, change.channel),
            channel=change.channel,
            note=_one_line(change.reason),
            kind=CHANGED,
        )
        entries.append((change.created_at, 0, change.id, entry))
    indicator_id = func.coalesce(ReportEvent.indicator_id, ValueFlag.indicator_id)
    events = session.exec(
        select(ReportEvent, Indicator, ValueFlag, Official)
        .outerjoin(ValueFlag, ValueFlag.id == ReportEvent.flag_id)
        .outerjoin(Indicator, Indicator.id == indicator_id)
        .outerjoin(Official, Official.id == ReportEvent.official_id)
        .where(ReportEvent.report_id == report.id)
    ).all()
    for event, indicator, flag, official in events:
        entry = HistoryEntry(
            at=event.created_at,
            indicator=indicator,
            old_number=None,
            old_text=None,
            new_number=None,
            new_text=None,
            actor=_actor(official, event.channel),
            channel=event.channel,
            note=_one_line(_event_note(event, flag)),
            kind=event.kind,
        )
        entries.append((event.created_at, 1, event.id, entry))
    entries.sort(key=lambda item: item[:3])
    return [entry for *_, entry in entries]


def history_lines(session: Session, report: Report, tz: ZoneInfo) -> list[list[str]]:
    """List the report's history as text lines for the command line, oldest first.

    Each line is [local time, indicator code, old value, new value, who,
    channel, reason or note, what]. Review events leave both values empty.
    """
    return [
        [
            entry.at.astimezone(tz).strftime(TIME_FORMAT),
            entry.indicator.code if entry.indicator else "",
            shown(entry.old_number, entry.old_text) if entry.kind == CHANGED else "",
            shown(entry.new_number, entry.new_text) if entry.kind == CHANGED else "",
            entry.actor,
            entry.channel,
            entry.note,
            entry.kind,
        ]
        for entry in history_entries(session, report)
    ]


def shown(number, text) -> str:
    """Write one side of a value change: the number, the text or `(none)`."""
    if number is not None:
        return format(number, "f")
    return text if text is not None else NO_VALUE


def _actor(official: Official | None, channel: str) -> str:
    if official is not None:
        return official.name
    return "cli" if channel == Channel.CLI else "system"


def _event_note(event: ReportEvent, flag: ValueFlag | None) -> str:
    """Return the event's note, or the text its flag holds when it has none."""
    if event.kind == EventKind.FLAGGED:
        text = event.note or (_flag_text(flag) if flag else "")
        if flag is not None and flag.rule_code:
            return f"{flag.rule_code}: {text}"
        return text
    if event.note:
        return event.note
    if (
        event.kind == EventKind.CONFIRMED
        and flag is not None
        and flag.resolution == Resolution.CONFIRMED
    ):
        return flag.reason or ""
    return ""


def _flag_text(flag: ValueFlag) -> str:
    if flag.source == FlagSource.SUPERVISOR:
        return plain_text(flag.note or flag.message)
    return plain_text(flag.message)


def _one_line(text: str | None) -> str:
    """Keep free text on its line and in its column of the tab-separated output."""
    return _LINE_BREAKS.sub(" ", text) if text else ""

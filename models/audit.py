"""The audit trail of report values."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from models.types import ExactDecimal, UTCDateTime, utcnow


class Channel(StrEnum):
    WHATSAPP = "whatsapp"
    # Computed indicators, recalculated when a value they use changes.
    COMPUTED = "computed"
    # The `flask` commands run by the planning office.
    CLI = "cli"


class ValueChange(SQLModel, table=True):
    """One change of one report value: what it was, what it became, who, why."""

    __tablename__ = "value_change"
    __table_args__ = (
        # Serves the history of one report, oldest change first.
        Index("ix_value_change_report_created", "report_id", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id")
    indicator_id: int = Field(foreign_key="indicator.id")
    # The old side is empty for a first answer; the new side for a removal.
    old_raw_text: str | None = Field(default=None)
    old_number: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal()))
    old_text: str | None = Field(default=None)
    new_raw_text: str | None = Field(default=None)
    new_number: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal()))
    new_text: str | None = Field(default=None)
    # None for a change the system made, such as a computed value.
    official_id: int | None = Field(default=None, foreign_key="official.id")
    channel: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=400)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FlagSource(StrEnum):
    # Raised by a check of rules.csv when a value was stored.
    RULE = "rule"
    # Raised by a supervisor's `tandai`.
    SUPERVISOR = "supervisor"


class FlagStatus(StrEnum):
    # Waiting for the official to correct the value or keep it with a reason.
    OPEN = "open"
    # A supervisor's flag the official answered: waiting for `setuju`/`tolak`.
    ANSWERED = "answered"
    CLOSED = "closed"


class Resolution(StrEnum):
    """How the official answered a flag."""

    CORRECTED = "corrected"
    # Kept with a reason (`tetap <alasan>`).
    CONFIRMED = "confirmed"


class ValueFlag(SQLModel, table=True):
    """A doubt about one report value, from a rule or a supervisor, and its outcome.

    A rule flag closes when a later value passes the rule (corrected) or when
    the official keeps the value with a reason (confirmed). A supervisor's
    flag waits after either answer for the supervisor's decision.
    """

    __tablename__ = "value_flag"
    __table_args__ = (
        # Serves "open flags of this report" and the metrics of one period.
        Index("ix_value_flag_report_status", "report_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id")
    indicator_id: int = Field(foreign_key="indicator.id")
    source: str = Field(max_length=20)
    # The rule's code for a rule flag.
    rule_code: str | None = Field(default=None, max_length=40)
    # The one-line explanation shown to the official, in their language.
    message: str = Field(default="", max_length=600)
    # The supervisor's note for a supervisor's flag.
    note: str | None = Field(default=None, max_length=600)
    # The value as it was when the flag was raised.
    value_number: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal()))
    value_text: str | None = Field(default=None)
    status: str = Field(default=FlagStatus.OPEN, max_length=20)
    resolution: str | None = Field(default=None, max_length=20)
    # The official's reason for keeping the value, or the supervisor's note
    # on rejecting an answer.
    reason: str | None = Field(default=None, max_length=600)
    raised_by_id: int | None = Field(default=None, foreign_key="official.id")
    raised_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_by_id: int | None = Field(default=None, foreign_key="official.id")
    # When the official corrected or confirmed the value.
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="official.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EventKind(StrEnum):
    SUBMITTED = "submitted"
    FLAGGED = "flagged"
    CORRECTED = "corrected"
    CONFIRMED = "confirmed"
    APPROVED = "approved"
    REJECTED = "rejected"
    VERIFIED = "verified"
    UNLOCKED = "unlocked"


class ReportEvent(SQLModel, table=True):
    """A step in a report's review: submission, flag, answer, decision, unlock."""

    __tablename__ = "report_event"
    __table_args__ = (
        Index("ix_report_event_report_created", "report_id", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id")
    kind: str = Field(max_length=20)
    indicator_id: int | None = Field(default=None, foreign_key="indicator.id")
    flag_id: int | None = Field(default=None, foreign_key="value_flag.id")
    # None for a step the system took, such as a rule's flag.
    official_id: int | None = Field(default=None, foreign_key="official.id")
    channel: str = Field(max_length=20)
    note: str | None = Field(default=None, max_length=600)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RuleKind(StrEnum):
    # A cumulative indicator never goes down within a year.
    MONOTONIC = "monotonic"
    # A change from the previous period beyond `threshold` times its value.
    JUMP = "jump"
    # Beyond `threshold` standard deviations of the earlier periods' values.
    SPREAD = "spread"
    # Outside a soft range [`min`, `max`], tighter than the hard bounds.
    RANGE = "range"
    # Above `other` (an indicator code or `budget`) times `threshold` (1 if empty).
    CEILING = "ceiling"
    # More than `threshold` points above `other`.
    GAP = "gap"
    # Further than `threshold` (a share) from the product `other`, e.g. `A*B`.
    PRODUCT = "product"


class Rule(SQLModel, table=True):
    """A plausibility check declared in rules.csv; it raises a soft flag."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    kind: str = Field(max_length=20)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    other: str | None = Field(default=None, max_length=200)
    minimum: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal()))
    maximum: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal()))
    threshold: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal()))
    # A rule that rules.csv no longer lists stays for the flags it raised.
    active: bool = Field(default=True)

"""Reports, their values and the conversations that fill them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import ExactDecimal, UTCDateTime, utcnow


class ReportStatus(StrEnum):
    """The state of a report: draft, submitted, then through review.

    A supervisor's flag moves a submitted report to `needs_correction`; the
    official's answer to `corrected`; the supervisor's approval of the last
    open flag, or `verifikasi`, to `verified`.
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_CORRECTION = "needs_correction"
    CORRECTED = "corrected"
    VERIFIED = "verified"


class Report(SQLModel, table=True):
    """One agency's report for one period, shared by all its operators."""

    __table_args__ = (UniqueConstraint("agency_id", "period_id"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    # Indexed for the status query, which lists one period's reports.
    period_id: int = Field(foreign_key="period.id", index=True)
    status: str = Field(default=ReportStatus.DRAFT, max_length=20)
    submitted_by_id: int | None = Field(default=None, foreign_key="official.id")
    first_submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Fixed by the first submission; later edits and resubmissions keep it.
    on_time: bool | None = Field(default=None)
    receipt_no: str | None = Field(default=None, max_length=80)
    submission_count: int = Field(default=0)
    verified_by_id: int | None = Field(default=None, foreign_key="official.id")
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set by an admin's unlock: edits are allowed until then despite the lock.
    unlocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportValue(SQLModel, table=True):
    """The answer to one indicator: the text as typed and its parsed value."""

    __tablename__ = "report_value"
    __table_args__ = (UniqueConstraint("report_id", "indicator_id"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id")
    indicator_id: int = Field(foreign_key="indicator.id")
    raw_text: str = Field(default="")
    number: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal()))
    text: str | None = Field(default=None)
    # An optional text question answered with "-" or "tidak ada".
    is_none: bool = Field(default=False)
    answered_by_id: int | None = Field(default=None, foreign_key="official.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConversationStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Conversation(SQLModel, table=True):
    """The dialogue state of one official, in one row per official."""

    id: int | None = Field(default=None, primary_key=True)
    official_id: int = Field(foreign_key="official.id", unique=True)
    flow: str = Field(default="", max_length=40)
    state: str = Field(default="", max_length=40)
    status: str = Field(default=ConversationStatus.COMPLETED, max_length=20)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Bumped on every change so that a stale writer can be detected in logs.
    version: int = Field(default=0)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MessageDirection(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class Message(SQLModel, table=True):
    """Every inbound and outbound WhatsApp message, with its body."""

    __table_args__ = (
        # Serves the per-official history shown by `chat` and status views.
        Index("ix_message_phone_created", "phone", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=3)
    # Unique: a MessageSid delivered twice must be stored once.
    message_sid: str | None = Field(default=None, max_length=64, unique=True)
    official_id: int | None = Field(default=None, foreign_key="official.id")
    phone: str = Field(max_length=20)
    body: str = Field(default="")
    num_media: int = Field(default=0)
    # For an outbound reply, the inbound message it answers.
    in_reply_to_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    channel: str = Field(default="twiml", max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # Development without Twilio credentials: kept here instead of sent.
    STORED = "stored"
    FAILED = "failed"


class Outbox(SQLModel, table=True):
    """A proactive message, written in the transaction that causes it."""

    __table_args__ = (
        # Serves "what was this official last sent": the daily cap and the
        # check whether a reply answers a reminder.
        Index("ix_outbox_official_created", "official_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    official_id: int | None = Field(default=None, foreign_key="official.id")
    phone: str = Field(max_length=20)
    body: str
    # Indexed for the dispatcher, which picks pending rows.
    status: str = Field(default=OutboxStatus.PENDING, max_length=10, index=True)
    twilio_sid: str | None = Field(default=None, max_length=64, index=True)
    error: str | None = Field(default=None, max_length=400)
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What the message is (`notice`, `reminder`, `escalation`, `summary`,
    # `unreachable`, ...): picks the template outside the 24-hour window and
    # tells business-initiated messages from replies.
    kind: str = Field(
        default="notice", max_length=30, sa_column_kwargs={"server_default": "notice"}
    )
    # Template variables as a JSON object, `{"1": "April 2026", ...}`.
    variables: str | None = Field(default=None)
    # Set when the message went out as a template (ContentSid).
    content_sid: str | None = Field(default=None, max_length=64)
    # A retry waits until then; None means as soon as possible.
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When a worker claimed the row for sending: a row left `sending` long
    # after this belongs to a worker that died mid-send.
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Twilio's delivery status from the status callbacks, and its error code.
    delivery_status: str | None = Field(default=None, max_length=20)
    error_code: int | None = Field(default=None)
    delivery_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Reminder(SQLModel, table=True):
    """One reminder to one official for one period, recorded before it is sent.

    The unique (official, period, kind) key is what makes a reminder go out
    at most once, however many sweeps run at the same moment.
    """

    __table_args__ = (
        UniqueConstraint("official_id", "period_id", "kind", "deadline"),
        # Serves "when were this agency's operators last reminded".
        Index("ix_reminder_official_created", "official_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    official_id: int = Field(foreign_key="official.id")
    period_id: int = Field(foreign_key="period.id")
    # `before-3`, `deadline`, `after-2`: days relative to the deadline.
    kind: str = Field(max_length=20)
    # The deadline the kind counts from: a deadline moved by a re-import
    # starts its reminders afresh.
    deadline: date
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

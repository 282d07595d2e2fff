"""What the bot knows about reaching each official over WhatsApp."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class OptInSource:
    # Listed with an opt-in date in officials.csv.
    IMPORT = "import"
    # Wrote to the bot first: the official started the conversation.
    MESSAGE = "message"
    # Typed `mulai` after an opt-out.
    RESUMED = "mulai"


class Contact(SQLModel, table=True):
    """One official's messaging state: window, consent, reachability, snooze.

    Kept apart from `official`, which the regency's CSV import owns.
    """

    id: int | None = Field(default=None, primary_key=True)
    official_id: int = Field(foreign_key="official.id", unique=True)
    # The last inbound message opens WhatsApp's 24-hour window for free text.
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Consent to business-initiated messages: when and how it was given.
    opted_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opt_in_source: str | None = Field(default=None, max_length=40)
    # Set by `berhenti`/`stop`; cleared by `mulai`.
    opted_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when Twilio reports the number cannot receive WhatsApp (63003 and
    # similar); cleared by the next inbound message.
    unreachable_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unreachable_error: str | None = Field(default=None, max_length=80)
    # When supervisors and admins were told, so they are told once.
    unreachable_reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # `nanti sore`, `besok`, `kagek`: no reminder before this moment.
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A supervisor's daily summary, at this local time (`HH:MM`); None is off.
    daily_summary_time: str | None = Field(default=None, max_length=5)
    daily_summary_sent_on: str | None = Field(default=None, max_length=10)

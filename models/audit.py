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

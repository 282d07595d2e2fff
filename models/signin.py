"""One-time codes for the dashboard sign-in, and the rate limit of code requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class SigninCode(SQLModel, table=True):
    """A six-digit code sent to an official by WhatsApp, stored only as an HMAC.

    The code signs in once: the sign-in sets `used_at` in a conditional
    update. The signed-in session refers to this row, so signing out here
    ends the session on every web host.
    """

    __tablename__ = "signin_code"
    __table_args__ = (
        # Serves "the official's latest code" and the replacement of older ones.
        Index("ix_signin_code_official_created", "official_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    official_id: int = Field(foreign_key="official.id")
    # Hex HMAC-SHA256 of the official id and the code, keyed with SECRET_KEY.
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A newer code for the same official moves this to the moment it was made.
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Wrong codes typed against this row; at MAX_ATTEMPTS the code is dead.
    attempts: int = Field(default=0)
    signed_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SigninThrottle(SQLModel, table=True):
    """Code requests for one typed phone number, registered or not.

    Keyed by an HMAC of the E.164 number, so numbers typed by strangers are
    not stored. Kept in the database, so the limit applies across web hosts.
    """

    __tablename__ = "signin_throttle"

    id: int | None = Field(default=None, primary_key=True)
    phone_hash: str = Field(max_length=64, unique=True)
    last_requested_at: datetime = Field(sa_type=UTCDateTime)
    # The hourly limit counts requests from this moment for one hour.
    window_started_at: datetime = Field(sa_type=UTCDateTime)
    window_count: int = Field(default=0)

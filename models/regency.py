"""The regency's reference data: agencies, officials, indicators, periods."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import ExactDecimal, UTCDateTime, utcnow


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Periodicity(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


class IndicatorType(StrEnum):
    INTEGER = "integer"
    NUMBER = "number"
    PERCENT = "percent"
    CURRENCY = "currency"
    CHOICE = "choice"
    TEXT = "text"


NUMERIC_TYPES = frozenset(
    {
        IndicatorType.INTEGER,
        IndicatorType.NUMBER,
        IndicatorType.PERCENT,
        IndicatorType.CURRENCY,
    }
)


class Agency(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    short_name: str = Field(max_length=80)
    kind: str = Field(max_length=40)


class AgencyAlias(SQLModel, table=True):
    """A lower-case name people type for an agency: code, short name or alias."""

    __tablename__ = "agency_alias"

    id: int | None = Field(default=None, primary_key=True)
    # Unique and indexed: the lookup for `status dinkes` reads this column.
    alias: str = Field(max_length=120, unique=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)


class Official(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    # E.164; unique and indexed because every inbound message looks it up.
    phone: str = Field(max_length=20, unique=True)
    role: str = Field(max_length=20)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    language: str = Field(default="id", max_length=5)
    active: bool = Field(default=True)


class Indicator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    aliases: str = Field(default="", max_length=400)
    unit: str = Field(default="", max_length=40)
    type: str = Field(max_length=20)
    minimum: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal()))
    maximum: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal()))
    choices: str = Field(default="", max_length=400)
    periodicity: str = Field(max_length=20)
    applies_to: str = Field(default="ALL", max_length=400)
    required: bool = Field(default=True)
    formula: str = Field(default="", max_length=200)
    # Position in indicators.csv, which is the order of the questions.
    position: int = Field(default=0)

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.split("|") if a.strip()]

    @property
    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.split("|") if c.strip()]

    @property
    def computed(self) -> bool:
        return bool(self.formula)

    def applies(self, agency: Agency) -> bool:
        """Tell whether agencies of this code and kind report the indicator."""
        tokens = [t.strip() for t in self.applies_to.split(";") if t.strip()]
        for token in tokens:
            if token == "ALL" or token == agency.code:
                return True
            if token.startswith("kind:") and token[5:] == agency.kind:
                return True
        return False


class Period(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    periodicity: str = Field(max_length=20)
    start: date
    end: date
    # The last day, in the regency's time zone, on which a report is on time.
    deadline: date


class Budget(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("agency_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    year: int
    ceiling: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))


class Holiday(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=40)


class ImportRun(SQLModel, table=True):
    """One `import-data` run that changed something, for the operators' record."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=400)
    created: int = 0
    updated: int = 0
    finished_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

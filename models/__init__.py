"""Database tables of the product, declared with SQLModel."""

from models.audit import Channel, ValueChange

from models.regency import (
    NUMERIC_TYPES,
    Agency,
    AgencyAlias,
    Budget,
    Holiday,
    ImportRun,
    Indicator,
    IndicatorType,
    Official,
    Period,
    Periodicity,
    Role,
)
from models.reporting import (
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
    Outbox,
    OutboxStatus,
    Reminder,
    Report,
    ReportStatus,
    ReportValue,
)

__all__ = [
    "NUMERIC_TYPES",
    "Agency",
    "AgencyAlias",
    "Budget",
    "Channel",
    "Conversation",
    "ConversationStatus",
    "Holiday",
    "ImportRun",
    "Indicator",
    "IndicatorType",
    "Message",
    "MessageDirection",
    "Official",
    "Outbox",
    "OutboxStatus",
    "Period",
    "Periodicity",
    "Reminder",
    "Report",
    "ReportStatus",
    "ReportValue",
    "Role",
    "ValueChange",
]

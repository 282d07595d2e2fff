"""What a flow step sees of the message it handles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from bot.config import Settings
from bot.i18n import language, t
from models import Agency, Conversation, ConversationStatus, Official, Role


@dataclass
class Context:
    """One inbound message being handled: who sent it, when, and the replies."""

    session: Session
    settings: Settings
    official: Official
    agency: Agency | None
    conversation: Conversation
    now: datetime
    replies: list[str] = field(default_factory=list)
    # Proactive messages to other officials: (official id, text) pairs.
    notices: list[tuple[int, str]] = field(default_factory=list)
    # Rows used several times while handling the message. The session's
    # identity map holds objects weakly, so without these they are reloaded.
    loaded: dict = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return language(self.official.language)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.settings.tz).date()

    @property
    def is_supervisor(self) -> bool:
        return self.official.role in (Role.SUPERVISOR, Role.ADMIN)

    @property
    def data(self) -> dict:
        return self.conversation.data

    def text(self, key: str, **values) -> str:
        return t(self.lang, key, **values)

    def say(self, key: str, **values) -> None:
        self.replies.append(self.text(key, **values))

    def start(self, flow: str, state: str, data: dict | None = None) -> None:
        """Enter `flow` at `state`, replacing whatever the official was doing."""
        self.conversation.flow = flow
        self.conversation.state = state
        self.conversation.status = ConversationStatus.ACTIVE
        self.conversation.data = dict(data or {})
        self.conversation.started_at = self.now

    def finish(self, status: str = ConversationStatus.COMPLETED) -> None:
        self.conversation.status = status
        self.conversation.state = ""

"""Drive the bot in-process, one message at a time, at chosen local times."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import load_settings
from bot.db import get_engine
from bot.inbound import Inbound, handle_inbound

JAKARTA = ZoneInfo("Asia/Jakarta")
_sids = itertools.count(1)


def local(moment: str) -> datetime:
    """Read `2026-04-06 09:12` as a time in Asia/Jakarta."""
    return datetime.fromisoformat(moment).replace(tzinfo=JAKARTA)


class Chat:
    """One official's side of a WhatsApp conversation with the bot."""

    def __init__(self, db_url: str, phone: str, at: str = "2026-04-06 09:00", **settings):
        self.settings = load_settings({"DATABASE_URL": db_url, **settings})
        self.engine = get_engine(db_url)
        self.phone = phone
        self.now = local(at)

    def send(self, body: str, at: str | None = None, num_media: int = 0) -> str:
        if at is not None:
            self.now = local(at)
        message = Inbound(
            sid=f"SM{next(_sids):032x}", phone=self.phone, body=body,
            num_media=num_media, received_at=self.now,
        )
        replies, _ = handle_inbound(self.engine, self.settings, message)
        return "\n".join(replies)

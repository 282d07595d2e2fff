"""The WhatsApp simulator in Chromium: a report by chat, then a supervisor's flag.

The app runs under gunicorn with signature checks on, so every message the
page sends is signed through the simulator's endpoint first. Proactive
messages stay pending in the outbox (no Redis), which is where the page
polls for them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from bot.db import get_engine
from models import Message, MessageDirection, Official, Outbox
from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.layout import page_overflow

pytestmark = pytest.mark.e2e

DINKES_OPERATOR = "+6281200000001"
SUPERVISOR = "+6281200000025"
# Monday 6 April 2026: March 2026 and the first quarter are open for Dinkes.
LOCAL_TIME = "2026-04-06 09:11"
FLAG_NOTE = "15,5% terlalu rendah"

BOT_REPLIES = "#messages .bubble.bot:not(.proactive)"
OFFICIAL_MESSAGES = "#messages .bubble.official"
PROACTIVE = "#messages .bubble.proactive"
ERRORS = "#messages .bubble.error"


def official_named(db_url: str, phone: str) -> Official:
    with Session(get_engine(db_url)) as session:
        return session.exec(select(Official).where(Official.phone == phone)).one()


def open_chat(page, base_url: str, official: Official, search: str) -> None:
    """Open the simulator, filter the list by `search` and pick `official`."""
    page.goto(base_url + "/dev/simulator")
    page.fill("#official-filter", search)
    link = page.locator("#official-list li:visible a", has_text=official.name)
    expect(link).to_have_count(1)
    link.click()
    expect(page.locator("h1")).to_have_text(official.name)


def send(page, text: str, expected: str | None) -> None:
    """Type `text`, press Enter, and wait for a new reply containing `expected`."""
    replies = page.locator(BOT_REPLIES)
    before = replies.count()
    page.fill("#message-text", text)
    page.press("#message-text", "Enter")
    expect(replies).to_have_count(before + 1)
    if expected is not None:
        expect(replies.last).to_contain_text(expected)


def without_bold(text: str) -> str:
    """Return the text as the page shows it: WhatsApp's *bold* without asterisks."""
    return re.sub(r"\*([^*\n]+)\*", r"\1", text)


def test_report_by_chat_then_flag_arrives(
    start_server, sqlite_loaded_url, new_context, screenshot
):
    operator = official_named(sqlite_loaded_url, DINKES_OPERATOR)
    supervisor = official_named(sqlite_loaded_url, SUPERVISOR)
    with start_server(sqlite_loaded_url, LOCAL_TIME) as server:
        context = new_context()
        page = context.new_page()

        page.goto(server.url + "/dev/simulator")
        screenshot(page, "officials")
        open_chat(page, server.url, operator, "dinkes")
        screenshot(page, "chat-opened")

        send(page, "lapor", "Laporan mana yang mau diisi?")
        screenshot(page, "lapor")
        send(page, "1", "1/7")
        send(page, "18,25 M", "2/7")
        send(page, "15,5", "3/7")
        screenshot(page, "first-answers")
        for answer, expected in [
            ("42", "4/7"), ("-", "5/7"), ("-", "6/7"), ("sudah", "7/7"),
            ("kontrak", "Ringkasan"), ("ya", "Terkirim"), ("tidak", "Ketik lapor"),
        ]:
            send(page, answer, expected)
        screenshot(page, "submitted")

        # The supervisor flags the value in a second tab of the simulator.
        supervisor_page = context.new_page()
        open_chat(supervisor_page, server.url, supervisor, "supervisor bappeda 1")
        send(supervisor_page, f"tandai DINKES fisik maret, {FLAG_NOTE}", "Ditandai")
        screenshot(supervisor_page, "supervisor-flag")

        # The operator's page shows the note from the outbox by polling.
        note = page.locator(PROACTIVE, has_text=FLAG_NOTE)
        expect(note).to_have_count(1)
        page.bring_to_front()
        screenshot(page, "flag-arrived")
        expect(page.locator(ERRORS)).to_have_count(0)

        with Session(get_engine(sqlite_loaded_url)) as session:
            outbox = session.exec(
                select(Outbox)
                .where(Outbox.phone == DINKES_OPERATOR)
                .order_by(Outbox.id)
            ).all()
            conversation = session.exec(
                select(Message).where(Message.phone == DINKES_OPERATOR)
                .order_by(Message.id)
            ).all()
        shown_ids = [
            int(value)
            for value in page.locator(PROACTIVE).evaluate_all(
                "bubbles => bubbles.map(bubble => bubble.dataset.outboxId)"
            )
        ]
        # Each outbox row appears once, and no TwiML reply is shown twice.
        assert shown_ids == [row.id for row in outbox]
        assert any(FLAG_NOTE in row.body for row in outbox)
        inbound = [
            row.body for row in conversation
            if row.direction == MessageDirection.INBOUND
        ]
        replies = [
            row.body for row in conversation
            if row.direction == MessageDirection.OUTBOUND
        ]
        assert page.locator(f"{OFFICIAL_MESSAGES} .body").all_text_contents() == inbound
        shown_replies = page.locator(f"{BOT_REPLIES} .body").all_text_contents()
        assert shown_replies == [without_bold(body) for body in replies]

        # A reload shows the same conversation from the database.
        page.reload()
        expect(page.locator(OFFICIAL_MESSAGES)).to_have_count(len(inbound))
        expect(page.locator(BOT_REPLIES)).to_have_count(len(replies))
        expect(page.locator(PROACTIVE)).to_have_count(len(outbox))
        screenshot(page, "reloaded")


def test_simulator_fits_phone_screen(
    start_server, sqlite_loaded_url, new_context, screenshot
):
    operator = official_named(sqlite_loaded_url, DINKES_OPERATOR)
    with start_server(sqlite_loaded_url, LOCAL_TIME) as server:
        page = new_context(PHONE_VIEWPORT).new_page()

        page.goto(server.url + "/dev/simulator")
        screenshot(page, "officials")
        list_overflow = page_overflow(page)
        assert list_overflow["document"] <= 0
        assert list_overflow["body"] <= 0

        open_chat(page, server.url, operator, "dinkes")
        send(page, "lapor", "Laporan mana yang mau diisi?")
        send(page, "1", "1/7")
        # A long word without spaces wraps inside its bubble.
        send(page, "x" * 200, None)
        screenshot(page, "chat")
        chat_overflow = page_overflow(page)
        assert chat_overflow["document"] <= 0
        assert chat_overflow["body"] <= 0
        # The message list scrolls up and down only.
        sideways = page.locator("#chat").evaluate(
            "chat => chat.scrollWidth - chat.clientWidth"
        )
        assert sideways <= 0
        button = page.locator("#send").bounding_box()
        assert button["x"] + button["width"] <= PHONE_VIEWPORT["width"]
        assert button["y"] + button["height"] <= PHONE_VIEWPORT["height"]

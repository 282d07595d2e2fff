"""The development WhatsApp simulator: its pages, signing and outbox endpoints."""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import fields
import pytest
import requests
from sqlmodel import Session, func, select
from twilio.request_validator import RequestValidator

from app import create_app
from bot.config import Settings
from bot.db import get_engine, session_scope
from bot.outbound import queue_message
from bot.phones import mask
from models import Agency, Message, MessageDirection, Official, Outbox
from models.types import utcnow
from tests.support.network_guard import guarded_subprocess_env
from tests.support.servers import REPO_ROOT, free_port, twiml_messages

AUTH_TOKEN = "simulator-test-token"
BOT_NUMBER = "+14155238886"
DINKES_OPERATOR = "+6281200000001"
OTHER_OPERATOR = "+6281200000003"
WEBHOOK = "http://localhost/twilio/whatsapp"
SETTING_NAMES = [field.name for field in fields(Settings) if field.name != "extra"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Remove the product's settings from the environment of this process."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)


def development_app(db_url: str, **overrides):
    """Build a development app that checks signatures and stores proactive messages."""
    settings = {
        "EMONEV_ENV": "development",
        "DATABASE_URL": db_url,
        "REDIS_URL": "",
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
        "PUBLIC_URL": "",
        **overrides,
    }
    return create_app(settings)


def official_by_phone(db_url: str, phone: str) -> Official:
    with Session(get_engine(db_url)) as session:
        return session.exec(select(Official).where(Official.phone == phone)).one()


def page_config(page_html: str) -> dict:
    """Return the chat page's `data-page` JSON."""
    match = re.search(r"data-page='([^']*)'", page_html)
    assert match is not None, "the chat page has no data-page attribute"
    return json.loads(html.unescape(match.group(1)))


def queue_notice(db_url: str, app, phone: str, body: str) -> list[int]:
    with session_scope(get_engine(db_url)) as session:
        official = session.exec(select(Official).where(Official.phone == phone)).one()
        rows = queue_message(session, app.config["SETTINGS"], official, body, utcnow())
        return [row.id for row in rows]


def send_signed(client, phone: str, body: str, sid: str) -> list[str]:
    """Sign a message through the simulator's endpoint and post it to the webhook."""
    official = official_by_phone_from_client(client, phone)
    config = page_config(client.get(f"/dev/simulator/{official.id}").text)
    params = {**config["form"], "Body": body, "MessageSid": sid}
    signed = client.post("/dev/simulator/sign", json={"url": WEBHOOK, "params": params})
    assert signed.status_code == 200, signed.text
    response = client.post(
        "/twilio/whatsapp", data=params,
        headers={"X-Twilio-Signature": signed.json["signature"]},
    )
    assert response.status_code == 200, response.text
    return twiml_messages(response.text)


def official_by_phone_from_client(client, phone: str) -> Official:
    return official_by_phone(client.application.config["SETTINGS"].DATABASE_URL, phone)


# --- development only -----------------------------------------------------------


SIMULATOR_REQUESTS = [
    ("GET", "/dev/simulator"),
    ("GET", "/dev/simulator/1"),
    ("GET", "/dev/simulator/1/outbox?after=0"),
    ("POST", "/dev/simulator/sign"),
    ("GET", "/dev/simulator/static/simulator.js"),
    ("GET", "/dev/simulator/static/simulator.css"),
]


@pytest.mark.parametrize(("method", "path"), SIMULATOR_REQUESTS)
def test_simulator_absent_in_production(sqlite_loaded_url, method, path):
    app = create_app({
        "EMONEV_ENV": "production",
        "DATABASE_URL": sqlite_loaded_url,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
        "SECRET_KEY": "s" * 48,
    })
    response = app.test_client().open(path, method=method, json={})
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "path"), SIMULATOR_REQUESTS)
def test_simulator_served_in_development(sqlite_loaded_url, method, path):
    client = development_app(sqlite_loaded_url).test_client()
    params = {"From": f"whatsapp:{DINKES_OPERATOR}"}
    response = client.open(path, method=method, json={"url": WEBHOOK, "params": params})
    assert response.status_code == 200


# --- choosing an official -------------------------------------------------------


def test_list_names_every_official_masked(loaded_db_url):
    client = development_app(loaded_db_url).test_client()
    page = client.get("/dev/simulator").text
    with Session(get_engine(loaded_db_url)) as session:
        officials = session.exec(select(Official, Agency).join(Agency)).all()
    assert officials
    for official, agency in officials:
        assert html.escape(official.name) in page
        assert mask(official.phone) in page
        assert official.phone not in page
        assert html.escape(agency.short_name) in page
        assert f'href="/dev/simulator/{official.id}"' in page


def test_list_groups_officials_by_agency(loaded_db_url):
    client = development_app(loaded_db_url).test_client()
    page = client.get("/dev/simulator").text
    with Session(get_engine(loaded_db_url)) as session:
        officials = session.exec(select(Official, Agency).join(Agency)).all()
    position = {
        official.id: page.index(f'href="/dev/simulator/{official.id}"')
        for official, _ in officials
    }
    shown = sorted(officials, key=lambda pair: position[pair[0].id])
    agencies = [agency.short_name.casefold() for _, agency in shown]
    assert agencies == sorted(agencies)


def test_list_of_empty_database_says_how_to_load(db_url):
    client = development_app(db_url).test_client()
    page = client.get("/dev/simulator").text
    assert "load-sample" in page


def test_unknown_official_is_not_found(loaded_db_url):
    client = development_app(loaded_db_url).test_client()
    with Session(get_engine(loaded_db_url)) as session:
        missing = session.exec(select(func.max(Official.id))).one() + 1
    assert client.get(f"/dev/simulator/{missing}").status_code == 404
    assert client.get(f"/dev/simulator/{missing}/outbox").status_code == 404


# --- the chat page ----------------------------------------------------------------


def test_chat_page_carries_twilio_fields(loaded_db_url):
    client = development_app(loaded_db_url).test_client()
    official = official_by_phone(loaded_db_url, DINKES_OPERATOR)
    page = client.get(f"/dev/simulator/{official.id}").text
    config = page_config(page)
    assert config["form"]["From"] == f"whatsapp:{DINKES_OPERATOR}"
    assert config["form"]["To"] == f"whatsapp:{BOT_NUMBER}"
    assert config["form"]["ProfileName"] == official.name
    assert config["form"]["NumMedia"] == "0"
    assert config["form"]["WaId"] == DINKES_OPERATOR.removeprefix("+")
    assert config["webhookPath"] == "/twilio/whatsapp"
    assert config["signRequests"] is True
    assert config["outboxUrl"] == f"/dev/simulator/{official.id}/outbox"
    assert mask(DINKES_OPERATOR) in page


def test_chat_page_skips_signing_without_token(loaded_db_url):
    client = development_app(loaded_db_url, TWILIO_AUTH_TOKEN="").test_client()
    official = official_by_phone(loaded_db_url, DINKES_OPERATOR)
    config = page_config(client.get(f"/dev/simulator/{official.id}").text)
    assert config["signRequests"] is False


def test_chat_page_shows_history_in_order(loaded_db_url):
    app = development_app(loaded_db_url)
    client = app.test_client()
    replies = send_signed(client, DINKES_OPERATOR, "bantuan", "SM" + "1" * 32)
    [notice_id] = queue_notice(loaded_db_url, app, DINKES_OPERATOR, "Catatan uji coba")
    official = official_by_phone(loaded_db_url, DINKES_OPERATOR)

    page = client.get(f"/dev/simulator/{official.id}").text

    # The reply's first line stands for the whole reply, which contains
    # characters that HTML escapes.
    reply_line = html.escape(replies[0].splitlines()[0])
    sent = page.index('<p class="body">bantuan</p>')
    assert page.index(reply_line) > sent
    assert page.index(f'data-outbox-id="{notice_id}"') > sent
    assert page_config(page)["lastOutboxId"] == notice_id


# --- signing -----------------------------------------------------------------------


def test_signed_message_passes_webhook(loaded_db_url):
    client = development_app(loaded_db_url).test_client()
    replies = send_signed(client, DINKES_OPERATOR, "menu", "SM" + "2" * 32)
    assert replies
    with Session(get_engine(loaded_db_url)) as session:
        stored = session.exec(
            select(Message).where(Message.message_sid == "SM" + "2" * 32)
        ).one()
    assert stored.direction == MessageDirection.INBOUND
    assert stored.body == "menu"


def test_signature_covers_exact_parameters(loaded_db_url):
    client = development_app(loaded_db_url).test_client()
    params = {
        "From": f"whatsapp:{DINKES_OPERATOR}", "Body": "lapor", "MessageSid": "SM1",
    }
    signature = client.post(
        "/dev/simulator/sign", json={"url": WEBHOOK, "params": params}
    ).json["signature"]
    expected = RequestValidator(AUTH_TOKEN).compute_signature(WEBHOOK, params)
    assert signature == expected
    tampered = {**params, "Body": "status"}
    response = client.post(
        "/twilio/whatsapp", data=tampered, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_signature_uses_public_url(loaded_db_url):
    public = "https://emonev.example.go.id"
    client = development_app(loaded_db_url, PUBLIC_URL=public + "/").test_client()
    params = {"From": f"whatsapp:{DINKES_OPERATOR}", "Body": "menu",
              "MessageSid": "SM" + "3" * 32}
    signature = client.post(
        "/dev/simulator/sign", json={"url": WEBHOOK, "params": params}
    ).json["signature"]
    expected = RequestValidator(AUTH_TOKEN).compute_signature(
        public + "/twilio/whatsapp", params
    )
    assert signature == expected
    response = client.post(
        "/twilio/whatsapp", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        {"url": "http://other.example/twilio/whatsapp", "params": {}},
        {"url": "https://localhost/twilio/whatsapp", "params": {}},
        {"url": "http://localhost/twilio/status", "params": {}},
        {"url": "http://localhost/twilio/whatsapp", "params": {"Body": 1}},
        {"url": "http://localhost/twilio/whatsapp", "params": ["Body", "x"]},
        {"url": None, "params": {}},
        {"params": {}},
        ["http://localhost/twilio/whatsapp"],
    ],
)
def test_sign_rejects_invalid_request(loaded_db_url, payload):
    client = development_app(loaded_db_url).test_client()
    response = client.post("/dev/simulator/sign", json=payload)
    assert response.status_code == 400
    assert response.json["error"]


def test_sign_rejects_form_body(loaded_db_url):
    client = development_app(loaded_db_url).test_client()
    response = client.post("/dev/simulator/sign", data={"url": WEBHOOK})
    assert response.status_code == 415


def test_sign_without_token_is_conflict(loaded_db_url):
    client = development_app(loaded_db_url, TWILIO_AUTH_TOKEN="").test_client()
    response = client.post("/dev/simulator/sign", json={"url": WEBHOOK, "params": {}})
    assert response.status_code == 409
    assert "TWILIO_AUTH_TOKEN" in response.json["error"]


# --- polling the outbox ------------------------------------------------------------


def test_outbox_lists_rows_after_id(loaded_db_url):
    app = development_app(loaded_db_url)
    client = app.test_client()
    [first] = queue_notice(loaded_db_url, app, DINKES_OPERATOR, "Pesan pertama")
    [other] = queue_notice(loaded_db_url, app, OTHER_OPERATOR, "Untuk operator lain")
    [second] = queue_notice(loaded_db_url, app, DINKES_OPERATOR, "Pesan kedua")
    official = official_by_phone(loaded_db_url, DINKES_OPERATOR)

    everything = client.get(f"/dev/simulator/{official.id}/outbox?after=0").json
    later = client.get(f"/dev/simulator/{official.id}/outbox?after={first}").json

    assert [row["id"] for row in everything["messages"]] == [first, second]
    assert [row["id"] for row in later["messages"]] == [second]
    assert other not in [row["id"] for row in everything["messages"]]
    [row] = later["messages"]
    assert row["body"] == "Pesan kedua"
    assert row["kind"] == "notice"
    assert row["status"] == "stored"


def test_outbox_leaves_out_twiml_replies(loaded_db_url):
    app = development_app(loaded_db_url)
    client = app.test_client()
    official = official_by_phone(loaded_db_url, DINKES_OPERATOR)
    before = client.get(f"/dev/simulator/{official.id}/outbox").json["messages"]
    replies = send_signed(client, DINKES_OPERATOR, "bantuan", "SM" + "4" * 32)
    after = client.get(f"/dev/simulator/{official.id}/outbox").json["messages"]
    assert replies
    assert after == before
    with Session(get_engine(loaded_db_url)) as session:
        outbox_bodies = session.exec(
            select(Outbox.body).where(Outbox.phone == DINKES_OPERATOR)
        ).all()
    for reply in replies:
        assert reply not in outbox_bodies


def test_outbox_refreshes_shown_statuses(loaded_db_url):
    app = development_app(loaded_db_url)
    client = app.test_client()
    [first] = queue_notice(loaded_db_url, app, DINKES_OPERATOR, "Pesan pertama")
    [second] = queue_notice(loaded_db_url, app, DINKES_OPERATOR, "Pesan kedua")
    [other] = queue_notice(loaded_db_url, app, OTHER_OPERATOR, "Untuk operator lain")
    with session_scope(get_engine(loaded_db_url)) as session:
        session.get(Outbox, first).status = "failed"
    official = official_by_phone(loaded_db_url, DINKES_OPERATOR)

    answer = client.get(
        f"/dev/simulator/{official.id}/outbox?after={second}"
        f"&refresh={first},{second},{other}"
    ).json

    assert answer["messages"] == []
    assert answer["statuses"] == {str(first): "failed", str(second): "stored"}


@pytest.mark.parametrize(
    "query", ["after=abc", "after=1.5", "after=", "refresh=1,x", "refresh=1;2"]
)
def test_outbox_rejects_invalid_ids(loaded_db_url, query):
    client = development_app(loaded_db_url).test_client()
    official = official_by_phone(loaded_db_url, DINKES_OPERATOR)
    response = client.get(f"/dev/simulator/{official.id}/outbox?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json["error"]


# --- make run -----------------------------------------------------------------------


@pytest.mark.e2e
def test_make_run_prints_simulator_address(tmp_path, redis_url):
    port = free_port()
    environment = guarded_subprocess_env({
        **os.environ,
        "PORT": str(port),
        "EMONEV_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
        "REDIS_URL": redis_url,
    })
    output = tmp_path / "run_dev.out"
    with open(output, "wb") as stdout, open(tmp_path / "run_dev.err", "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "scripts/run_dev.py"], cwd=REPO_ROOT, env=environment,
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
            start_new_session=True,
        )
    try:
        banner = wait_for(lambda: SIMULATOR_LINE.search(output.read_text()),
                          process, "the banner with the simulator's address")
        address = banner.group(1)
        assert address == f"http://127.0.0.1:{port}/dev/simulator"
        page = wait_for(lambda: get_ok(address), process, f"a page at {address}")
        assert "Operator Dinkes 1" in page
    finally:
        stop_group(process)


SIMULATOR_LINE = re.compile(r"browser as any official: (\S+)")
# Upper bound on migrating, loading the sample and starting gunicorn.
RUN_DEV_TIMEOUT_SECONDS = 90.0


def wait_for(check, process: subprocess.Popen, what: str):
    """Return the first true result of `check()`, or fail when run_dev.py stops."""
    deadline = time.monotonic() + RUN_DEV_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        assert process.poll() is None, f"run_dev.py exited with {process.returncode}"
        time.sleep(0.2)
    pytest.fail(f"run_dev.py showed no {what} within {RUN_DEV_TIMEOUT_SECONDS:.0f} s")


def get_ok(url: str) -> str | None:
    """Return the page at `url`, or None while the server is not answering yet."""
    with requests.Session() as http:
        http.trust_env = False
        try:
            response = http.get(url, timeout=10)
        except (requests.ConnectionError, requests.Timeout):
            return None
    return response.text if response.status_code == 200 else None


def stop_group(process: subprocess.Popen) -> None:
    """Stop run_dev.py with SIGTERM, as Ctrl-C would, then kill its group if needed."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    # Children that outlived run_dev.py are still in its process group.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_simulator_links_icon_it_serves(sqlite_loaded_url):
    client = development_app(sqlite_loaded_url).test_client()
    page = client.get("/dev/simulator").text
    icon = re.search(r'<link rel="icon"[^>]* href="([^"]+)"', page)
    assert icon is not None
    response = client.get(icon.group(1))
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"

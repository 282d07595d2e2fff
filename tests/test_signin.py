"""Dashboard sign-in with one-time codes sent by WhatsApp, on both back ends.

The code functions take the clock as an argument, and the Flask tests set
the app's `CLOCK`. Messages go through the real `twilio` client to the local
Twilio double.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import event, update
from sqlmodel import Session, select

from app import create_app
from bot.config import DEVELOPMENT_SECRET_KEY, ConfigError, Settings
from bot.contacts import contact_of, record_inbound
from bot.db import get_engine, session_scope
from bot.outbound import SIGNIN, deliver, queue_message
from bot.phones import to_e164
from bot.proactive import messages_today
from bot.queue import QUEUE_NAME
from bot.web import signin
from models import Official, Outbox, OutboxStatus, Role, SigninCode, SigninThrottle
from tests.support.twilio_double import TwilioDouble

SUPERVISOR = "+6281200000025"
OTHER_SUPERVISOR = "+6281200000026"
ADMIN = "+6281200000029"
ENGLISH_ADMIN = "+6281200000030"
OPERATOR = "+6281200000001"
UNKNOWN = "+6281299999999"
# 10:00 in Asia/Jakarta, outside the default quiet hours.
T0 = datetime(2026, 4, 6, 3, 0, tzinfo=timezone.utc)
SECRET = "signin-test-secret-key-0123456789abcdef"
BOT_NUMBER = "+14155238886"
ACCOUNT_SID = "AC" + "5161a000" * 4
AUTH_TOKEN = "signin-test-token"
SIGNIN_ID = "HX" + "5" * 32
REMINDER_ID = "HX" + "1" * 32
LIFETIME = timedelta(minutes=10)


class Clock:
    """A settable clock for the app's `CLOCK` config."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


def plain_settings(db_url: str, **overrides) -> Settings:
    return Settings(DATABASE_URL=db_url, SECRET_KEY=SECRET, **overrides)


def twilio_settings(db_url: str, api_url: str, **overrides) -> Settings:
    values = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
        "TWILIO_API_URL": api_url,
        "TWILIO_TEMPLATES": json.dumps(
            {"signin:id": SIGNIN_ID, "reminder:id": REMINDER_ID}
        ),
        **overrides,
    }
    return plain_settings(db_url, **values)


def request(db_url: str, settings: Settings, phone: str, now: datetime):
    with session_scope(get_engine(db_url)) as session:
        return signin.request_code(session, settings, phone, now)


def verify(db_url: str, settings: Settings, phone: str, code: str, now: datetime):
    with session_scope(get_engine(db_url)) as session:
        return signin.verify_code(session, settings, phone, code, now)


def official(db_url: str, phone: str) -> Official:
    with Session(get_engine(db_url)) as session:
        return session.exec(select(Official).where(Official.phone == phone)).one()


def sent_code(db_url: str, phone: str) -> str:
    """Return the code of the latest sign-in message queued for `phone`."""
    with Session(get_engine(db_url)) as session:
        row = session.exec(
            select(Outbox)
            .where(Outbox.phone == phone, Outbox.kind == SIGNIN)
            .order_by(Outbox.id.desc())
        ).first()
    assert row is not None, f"no sign-in message for {phone}"
    return json.loads(row.variables)["1"]


def signin_rows(db_url: str, phone: str | None = None) -> list[Outbox]:
    with Session(get_engine(db_url)) as session:
        query = select(Outbox).where(Outbox.kind == SIGNIN)
        if phone is not None:
            query = query.where(Outbox.phone == phone)
        return list(session.exec(query).all())


def code_rows(db_url: str) -> list[SigninCode]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(select(SigninCode).order_by(SigninCode.id)).all())


def set_official(db_url: str, phone: str, **values) -> None:
    with session_scope(get_engine(db_url)) as session:
        session.exec(update(Official).where(Official.phone == phone).values(**values))


def wrong(code: str) -> str:
    """Return another six-digit code."""
    return f"{(int(code) + 1) % 10**6:06d}"


# --- codes ----------------------------------------------------------------------------


def test_code_works_once(loaded_db_url):
    settings = plain_settings(loaded_db_url)
    outcome = request(loaded_db_url, settings, SUPERVISOR, T0)
    code = sent_code(loaded_db_url, SUPERVISOR)

    first = verify(loaded_db_url, settings, SUPERVISOR, code, T0 + timedelta(seconds=5))
    again = T0 + timedelta(seconds=6)
    second = verify(loaded_db_url, settings, SUPERVISOR, code, again)

    assert outcome.retry_at is None
    assert len(outcome.outbox_ids) == 1
    assert re.fullmatch(r"[0-9]{6}", code)
    assert first is not None
    assert first.official_id == official(loaded_db_url, SUPERVISOR).id
    assert first.used_at == T0 + timedelta(seconds=5)
    assert second is None


def test_code_expires_at_expires_at(loaded_db_url):
    settings = plain_settings(loaded_db_url, EMONEV_SIGNIN_CODE_MINUTES="10")
    request(loaded_db_url, settings, SUPERVISOR, T0)
    code = sent_code(loaded_db_url, SUPERVISOR)
    [row] = code_rows(loaded_db_url)

    at_expiry = verify(loaded_db_url, settings, SUPERVISOR, code, T0 + LIFETIME)
    before = T0 + LIFETIME - timedelta(microseconds=1)
    just_before = verify(loaded_db_url, settings, SUPERVISOR, code, before)

    assert row.expires_at == T0 + LIFETIME
    assert at_expiry is None
    assert just_before is not None


@pytest.mark.parametrize(("wrong_tries", "works"), [(4, True), (5, False)])
def test_code_dies_after_five_wrong(loaded_db_url, wrong_tries, works):
    settings = plain_settings(loaded_db_url)
    request(loaded_db_url, settings, SUPERVISOR, T0)
    code = sent_code(loaded_db_url, SUPERVISOR)
    for attempt in range(wrong_tries):
        moment = T0 + timedelta(seconds=attempt + 1)
        assert verify(loaded_db_url, settings, SUPERVISOR, wrong(code), moment) is None

    later = T0 + timedelta(minutes=1)
    result = verify(loaded_db_url, settings, SUPERVISOR, code, later)

    [row] = code_rows(loaded_db_url)
    assert row.attempts == wrong_tries
    assert (result is not None) == works


def test_new_code_replaces_unused(loaded_db_url):
    settings = plain_settings(loaded_db_url)
    request(loaded_db_url, settings, SUPERVISOR, T0)
    old_code = sent_code(loaded_db_url, SUPERVISOR)
    later = T0 + signin.MIN_INTERVAL
    request(loaded_db_url, settings, SUPERVISOR, later)
    new_code = sent_code(loaded_db_url, SUPERVISOR)
    old_row, new_row = code_rows(loaded_db_url)

    assert old_row.expires_at == later
    assert new_row.expires_at == later + LIFETIME
    if old_code != new_code:
        assert verify(loaded_db_url, settings, SUPERVISOR, old_code, later) is None
    assert verify(loaded_db_url, settings, SUPERVISOR, new_code, later) is not None


def test_code_bound_to_official(loaded_db_url):
    settings = plain_settings(loaded_db_url)
    request(loaded_db_url, settings, SUPERVISOR, T0)
    request(loaded_db_url, settings, OTHER_SUPERVISOR, T0)
    code = sent_code(loaded_db_url, SUPERVISOR)
    other_code = sent_code(loaded_db_url, OTHER_SUPERVISOR)
    if code == other_code:
        pytest.skip("both officials drew the same random code")

    assert verify(loaded_db_url, settings, OTHER_SUPERVISOR, code, T0) is None
    assert verify(loaded_db_url, settings, SUPERVISOR, code, T0) is not None


def test_code_stored_only_as_hmac(loaded_db_url):
    settings = plain_settings(loaded_db_url)
    request(loaded_db_url, settings, SUPERVISOR, T0)
    code = sent_code(loaded_db_url, SUPERVISOR)
    [row] = code_rows(loaded_db_url)
    official_id = official(loaded_db_url, SUPERVISOR).id
    message = f"signin-code:{official_id}:{code}".encode()
    expected = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()

    assert row.code_hash == expected
    assert code not in row.code_hash
    with Session(get_engine(loaded_db_url)) as session:
        [throttle] = session.exec(select(SigninThrottle)).all()
    phone_message = f"signin-phone:{SUPERVISOR}".encode()
    phone_hash = hmac.new(SECRET.encode(), phone_message, hashlib.sha256).hexdigest()
    assert throttle.phone_hash == phone_hash
    assert SUPERVISOR[1:] not in throttle.phone_hash


def test_simultaneous_use_signs_in_once(loaded_db_url):
    settings = plain_settings(loaded_db_url)
    request(loaded_db_url, settings, SUPERVISOR, T0)
    code = sent_code(loaded_db_url, SUPERVISOR)
    threads_count = 4
    barrier = threading.Barrier(threads_count)
    results: list[object] = []
    errors: list[BaseException] = []

    def use_code():
        try:
            barrier.wait(timeout=30)
            results.append(verify(loaded_db_url, settings, SUPERVISOR, code, T0))
        except BaseException as exc:  # noqa: BLE001  (reported by the assert below)
            errors.append(exc)

    threads = [threading.Thread(target=use_code) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(results) == threads_count
    assert sum(result is not None for result in results) == 1


# --- who gets a code ------------------------------------------------------------------


@pytest.mark.parametrize("phone", [UNKNOWN, OPERATOR, "inactive"])
def test_no_code_for_ineligible_number(loaded_db_url, phone):
    settings = plain_settings(loaded_db_url)
    if phone == "inactive":
        set_official(loaded_db_url, SUPERVISOR, active=False)
        phone = SUPERVISOR

    outcome = request(loaded_db_url, settings, phone, T0)

    assert outcome.retry_at is None
    assert outcome.outbox_ids == []
    assert signin_rows(loaded_db_url) == []
    assert code_rows(loaded_db_url) == []


def test_admin_gets_code(loaded_db_url):
    settings = plain_settings(loaded_db_url)
    request(loaded_db_url, settings, ADMIN, T0)
    code = sent_code(loaded_db_url, ADMIN)
    assert verify(loaded_db_url, settings, ADMIN, code, T0) is not None


def test_inactive_official_code_refused(loaded_db_url):
    settings = plain_settings(loaded_db_url)
    request(loaded_db_url, settings, SUPERVISOR, T0)
    code = sent_code(loaded_db_url, SUPERVISOR)
    set_official(loaded_db_url, SUPERVISOR, active=False)

    assert verify(loaded_db_url, settings, SUPERVISOR, code, T0) is None


# --- rate limit -----------------------------------------------------------------------


def test_rate_limit_interval_and_hourly(loaded_db_url):
    settings = plain_settings(loaded_db_url)
    minute = signin.MIN_INTERVAL

    first = request(loaded_db_url, settings, SUPERVISOR, T0)
    too_soon = request(loaded_db_url, settings, SUPERVISOR, T0 + minute / 2)
    allowed = [
        request(loaded_db_url, settings, SUPERVISOR, T0 + minute * step)
        for step in range(1, signin.HOURLY_LIMIT)
    ]
    sixth = T0 + minute * signin.HOURLY_LIMIT
    over_hourly = request(loaded_db_url, settings, SUPERVISOR, sixth)
    next_hour = request(loaded_db_url, settings, SUPERVISOR, T0 + signin.LIMIT_WINDOW)

    assert first.retry_at is None
    assert too_soon.retry_at == T0 + minute
    assert too_soon.outbox_ids == []
    assert [outcome.retry_at for outcome in allowed] == [None] * len(allowed)
    assert len(allowed) == signin.HOURLY_LIMIT - 1
    assert over_hourly.retry_at == T0 + signin.LIMIT_WINDOW
    assert next_hour.retry_at is None
    assert len(signin_rows(loaded_db_url, SUPERVISOR)) == signin.HOURLY_LIMIT + 1


def test_rate_limit_across_number_forms(loaded_db_url):
    settings = plain_settings(loaded_db_url)
    forms = ["0812 0000 0025", "+62 812-0000-0025", "6281200000025"]
    outcomes = [
        request(loaded_db_url, settings, to_e164(form), T0 + timedelta(seconds=index))
        for index, form in enumerate(forms)
    ]
    assert {to_e164(form) for form in forms} == {SUPERVISOR}
    assert outcomes[0].retry_at is None
    assert outcomes[1].retry_at == T0 + signin.MIN_INTERVAL
    assert outcomes[2].retry_at == T0 + signin.MIN_INTERVAL


@pytest.mark.parametrize("phone", [UNKNOWN, OPERATOR])
def test_rate_limit_same_for_unregistered(loaded_db_url, phone):
    settings = plain_settings(loaded_db_url)
    moments = [T0, T0 + timedelta(seconds=1)]
    registered = [request(loaded_db_url, settings, SUPERVISOR, at) for at in moments]
    other = [request(loaded_db_url, settings, phone, at) for at in moments]
    assert [outcome.retry_at for outcome in other] == [
        outcome.retry_at for outcome in registered
    ]


# --- the message ----------------------------------------------------------------------


@pytest.fixture
def twilio_double():
    with TwilioDouble(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as double:
        yield double


def test_code_inside_window_as_text(loaded_db_url, twilio_double):
    settings = twilio_settings(loaded_db_url, twilio_double.url)
    with session_scope(get_engine(loaded_db_url)) as session:
        supervisor_id = official(loaded_db_url, SUPERVISOR).id
        record_inbound(session, supervisor_id, T0 - timedelta(hours=1))
    [outbox_id] = request(loaded_db_url, settings, SUPERVISOR, T0).outbox_ids
    code = sent_code(loaded_db_url, SUPERVISOR)

    status = deliver(outbox_id, settings, now=T0 + timedelta(seconds=1))

    [sent] = twilio_double.requests
    assert status == OutboxStatus.SENT
    assert sent["To"] == f"whatsapp:{SUPERVISOR}"
    assert sent["ContentSid"] is None
    assert f"*{code}*" in sent["Body"]
    assert "10 menit" in sent["Body"]


def test_code_outside_window_as_template(loaded_db_url, twilio_double):
    settings = twilio_settings(loaded_db_url, twilio_double.url)
    [outbox_id] = request(loaded_db_url, settings, SUPERVISOR, T0).outbox_ids
    code = sent_code(loaded_db_url, SUPERVISOR)

    status = deliver(outbox_id, settings, now=T0 + timedelta(seconds=1))

    [sent] = twilio_double.requests
    assert status == OutboxStatus.SENT
    assert sent["ContentSid"] == SIGNIN_ID
    assert json.loads(sent["ContentVariables"]) == {"1": code}
    assert sent["Body"] is None


def test_code_needs_no_opt_in(loaded_db_url, twilio_double):
    settings = twilio_settings(loaded_db_url, twilio_double.url)
    with session_scope(get_engine(loaded_db_url)) as session:
        contact = contact_of(session, official(loaded_db_url, SUPERVISOR).id)
        contact.opted_in_at = None
        contact.opted_out_at = T0 - timedelta(days=1)
        session.add(contact)
    [outbox_id] = request(loaded_db_url, settings, SUPERVISOR, T0).outbox_ids

    assert deliver(outbox_id, settings, now=T0) == OutboxStatus.SENT
    assert len(twilio_double.requests) == 1


def test_english_official_uses_signin_id(loaded_db_url, twilio_double):
    settings = twilio_settings(loaded_db_url, twilio_double.url)
    [outbox_id] = request(loaded_db_url, settings, ENGLISH_ADMIN, T0).outbox_ids
    code = sent_code(loaded_db_url, ENGLISH_ADMIN)

    assert deliver(outbox_id, settings, now=T0) == OutboxStatus.SENT
    [sent] = twilio_double.requests
    assert sent["ContentSid"] == SIGNIN_ID
    assert json.loads(sent["ContentVariables"]) == {"1": code}
    [row] = signin_rows(loaded_db_url, ENGLISH_ADMIN)
    assert row.body.startswith("Your E-Monev dashboard sign-in code")


def test_expired_code_message_not_sent(loaded_db_url, twilio_double):
    settings = twilio_settings(loaded_db_url, twilio_double.url)
    [outbox_id] = request(loaded_db_url, settings, SUPERVISOR, T0).outbox_ids

    status = deliver(outbox_id, settings, now=T0 + LIFETIME)

    assert status == OutboxStatus.FAILED
    assert twilio_double.requests == []
    [row] = signin_rows(loaded_db_url)
    assert "expired" in row.error


def test_code_ignores_quiet_hours_and_cap(loaded_db_url, twilio_double):
    # 22:00 in Asia/Jakarta, inside the quiet hours, with the cap of one
    # business-initiated message already used by a reminder.
    night = datetime(2026, 4, 6, 15, 0, tzinfo=timezone.utc)
    settings = twilio_settings(
        loaded_db_url, twilio_double.url,
        EMONEV_QUIET_HOURS="21:00-07:00", EMONEV_DAILY_MESSAGE_CAP="1",
    )
    supervisor = official(loaded_db_url, SUPERVISOR)
    with session_scope(get_engine(loaded_db_url)) as session:
        queue_message(
            session, settings, supervisor, "Pengingat", night, kind="reminder"
        )

    [outbox_id] = request(loaded_db_url, settings, SUPERVISOR, night).outbox_ids
    status = deliver(outbox_id, settings, now=night + timedelta(seconds=1))

    with Session(get_engine(loaded_db_url)) as session:
        counted = messages_today(session, settings, supervisor.id, night)
    assert status == OutboxStatus.SENT
    assert counted == 1


def test_signin_logs_no_code_or_phone(loaded_db_url, twilio_double, caplog):
    settings = twilio_settings(loaded_db_url, twilio_double.url)
    with caplog.at_level(logging.DEBUG):
        [outbox_id] = request(loaded_db_url, settings, SUPERVISOR, T0).outbox_ids
        code = sent_code(loaded_db_url, SUPERVISOR)
        verify(loaded_db_url, settings, SUPERVISOR, wrong(code), T0)
        verify(loaded_db_url, settings, SUPERVISOR, code, T0)
        deliver(outbox_id, settings, now=T0)
    messages = [record.getMessage() for record in caplog.records]

    assert any("signin:" in message for message in messages)
    assert [message for message in messages if code in message] == []
    assert [message for message in messages if SUPERVISOR[1:] in message] == []


# --- the Flask pages ------------------------------------------------------------------


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(db_url: str, clock: Clock, **overrides):
    values = {
        "DATABASE_URL": db_url,
        "SECRET_KEY": SECRET,
        "REDIS_URL": "",
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": "",
        "CLOCK": clock,
        **overrides,
    }
    return create_app(values)


def csrf(client, path: str = "/dashboard/signin") -> str:
    response = client.get(path)
    return CSRF.search(response.text).group(1)


def sign_in(client, db_url: str, phone: str) -> None:
    """Sign the test client in through the pages, with the code from the outbox."""
    token = csrf(client)
    response = client.post(
        "/dashboard/signin", data={"phone": phone, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    code = sent_code(db_url, to_e164(phone))
    response = client.post("/dashboard/signin/code",
                           data={"code": code, "csrf_token": token})
    assert response.status_code == 303, response.text


def test_pages_sign_in_and_out(loaded_db_url):
    clock = Clock(T0)
    client = make_app(loaded_db_url, clock).test_client()

    before = client.get("/dashboard/")
    sign_in(client, loaded_db_url, "0812 0000 0025")
    signed_in = client.get("/dashboard/")
    token = CSRF.search(signed_in.text).group(1)
    signed_out = client.post("/dashboard/signout", data={"csrf_token": token})
    after = client.get("/dashboard/")

    assert before.status_code == 302
    assert before.headers["Location"].startswith("/dashboard/signin")
    assert signed_in.status_code == 200
    assert "Supervisor Bappeda 1" in signed_in.text
    assert signed_out.status_code == 303
    assert after.status_code == 302


def test_page_same_for_unknown_and_registered(loaded_db_url):
    clock = Clock(T0)
    app = make_app(loaded_db_url, clock)
    pages = {}
    for phone in (SUPERVISOR, UNKNOWN, OPERATOR):
        client = app.test_client()
        token = csrf(client)
        posted = client.post(
            "/dashboard/signin", data={"phone": phone, "csrf_token": token}
        )
        shown = client.get(posted.headers["Location"])
        masked = re.sub(r"\+62\*+\d{3}", "NUMBER", shown.text)
        pages[phone] = (posted.status_code, posted.headers["Location"],
                        shown.status_code, CSRF.sub("TOKEN", masked))

    assert pages[UNKNOWN] == pages[SUPERVISOR]
    assert pages[OPERATOR] == pages[SUPERVISOR]
    assert "Jika nomor terdaftar, kode dikirim lewat WhatsApp" in pages[SUPERVISOR][3]
    assert len(signin_rows(loaded_db_url)) == 1


def test_invalid_phone_rejected(loaded_db_url):
    client = make_app(loaded_db_url, Clock(T0)).test_client()
    token = csrf(client)
    response = client.post(
        "/dashboard/signin", data={"phone": "12ab", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "Nomor tidak dikenali" in response.text
    with Session(get_engine(loaded_db_url)) as session:
        assert session.exec(select(SigninThrottle)).all() == []


def test_rate_limited_page(loaded_db_url):
    client = make_app(loaded_db_url, Clock(T0)).test_client()
    token = csrf(client)
    client.post("/dashboard/signin", data={"phone": UNKNOWN, "csrf_token": token})
    again = client.post(
        "/dashboard/signin", data={"phone": UNKNOWN, "csrf_token": token}
    )
    assert again.status_code == 429
    assert "Mohon tunggu" in again.text
    assert "1 menit" in again.text


def test_wrong_code_page(loaded_db_url):
    client = make_app(loaded_db_url, Clock(T0)).test_client()
    token = csrf(client)
    client.post("/dashboard/signin", data={"phone": SUPERVISOR, "csrf_token": token})
    code = sent_code(loaded_db_url, SUPERVISOR)
    response = client.post("/dashboard/signin/code",
                           data={"code": wrong(code), "csrf_token": token})
    assert response.status_code == 400
    assert "Kode salah atau sudah tidak berlaku" in response.text
    assert client.get("/dashboard/").status_code == 302


def test_code_page_states_lifetime(loaded_db_url):
    client = make_app(loaded_db_url, Clock(T0),
                      EMONEV_SIGNIN_CODE_MINUTES="7").test_client()
    token = csrf(client)
    client.post("/dashboard/signin", data={"phone": SUPERVISOR, "csrf_token": token})
    shown = client.get("/dashboard/signin/code")
    wrong_format = client.post("/dashboard/signin/code",
                               data={"code": "12", "csrf_token": token})
    [message] = signin_rows(loaded_db_url, SUPERVISOR)

    assert "Berlaku 7 menit" in message.body
    assert "Kode berlaku 7 menit" in shown.text
    assert "beberapa menit" not in shown.text
    assert "Kode berlaku 7 menit" in wrong_format.text


def test_csrf_required_on_post(loaded_db_url):
    client = make_app(loaded_db_url, Clock(T0)).test_client()
    csrf(client)
    no_token = client.post("/dashboard/signin", data={"phone": SUPERVISOR})
    wrong_token = client.post("/dashboard/signin",
                              data={"phone": SUPERVISOR, "csrf_token": "x" * 43})
    assert no_token.status_code == 400
    assert wrong_token.status_code == 400
    assert signin_rows(loaded_db_url) == []

    sign_in(client, loaded_db_url, SUPERVISOR)
    refused = client.post("/dashboard/signout", data={})
    assert refused.status_code == 400
    assert client.get("/dashboard/").status_code == 200


def test_sign_out_ends_copied_cookie(loaded_db_url):
    app = make_app(loaded_db_url, Clock(T0))
    client = app.test_client()
    sign_in(client, loaded_db_url, SUPERVISOR)
    copied = client.get_cookie("emonev_session").value
    token = CSRF.search(client.get("/dashboard/").text).group(1)
    client.post("/dashboard/signout", data={"csrf_token": token})

    other = app.test_client()
    other.set_cookie("emonev_session", copied)
    assert other.get("/dashboard/").status_code == 302


@pytest.mark.parametrize(
    "change", [{"active": False}, {"role": Role.OPERATOR}, {"role": Role.ADMIN}]
)
def test_official_change_ends_access(loaded_db_url, change):
    client = make_app(loaded_db_url, Clock(T0)).test_client()
    sign_in(client, loaded_db_url, SUPERVISOR)
    assert client.get("/dashboard/").status_code == 200

    set_official(loaded_db_url, SUPERVISOR, **change)

    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/dashboard/signin")
    assert client.get("/dashboard/export").status_code == 401


def test_session_ends_after_lifetime(loaded_db_url):
    clock = Clock(T0)
    app = make_app(loaded_db_url, clock, EMONEV_DASHBOARD_SESSION_HOURS="12")
    client = app.test_client()
    sign_in(client, loaded_db_url, SUPERVISOR)

    clock.advance(timedelta(hours=12) - timedelta(seconds=1))
    still = client.get("/dashboard/").status_code
    clock.advance(timedelta(seconds=1))
    ended = client.get("/dashboard/").status_code

    assert still == 200
    assert ended == 302


def test_signed_in_check_one_query(loaded_db_url):
    settings = plain_settings(loaded_db_url)
    request(loaded_db_url, settings, SUPERVISOR, T0)
    code = sent_code(loaded_db_url, SUPERVISOR)
    row = verify(loaded_db_url, settings, SUPERVISOR, code, T0)
    engine = get_engine(loaded_db_url)
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with Session(engine) as session:
            found = signin.signed_in_official(
                session, settings, row.id, row.official_id, Role.SUPERVISOR, T0
            )
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert found is not None
    assert len(statements) == 1


def test_two_hosts_share_codes_and_cookies(loaded_db_url):
    clock = Clock(T0)
    first = make_app(loaded_db_url, clock).test_client()
    second = make_app(loaded_db_url, clock).test_client()
    token = csrf(first)
    first.post("/dashboard/signin", data={"phone": SUPERVISOR, "csrf_token": token})
    second.set_cookie("emonev_session", first.get_cookie("emonev_session").value)

    signed_in = second.post(
        "/dashboard/signin/code",
        data={"code": sent_code(loaded_db_url, SUPERVISOR), "csrf_token": token},
    )
    first.set_cookie("emonev_session", second.get_cookie("emonev_session").value)

    assert signed_in.status_code == 303
    assert first.get("/dashboard/").status_code == 200


def test_next_page_only_local(loaded_db_url):
    client = make_app(loaded_db_url, Clock(T0)).test_client()
    client.get("/dashboard/signin?next=//evil.example/dashboard/")
    token = csrf(client)
    client.post("/dashboard/signin", data={"phone": SUPERVISOR, "csrf_token": token})
    response = client.post("/dashboard/signin/code",
                           data={"code": sent_code(loaded_db_url, SUPERVISOR),
                                 "csrf_token": token})
    assert response.headers["Location"] == "/dashboard/"

    other = make_app(loaded_db_url, Clock(T0 + timedelta(minutes=2))).test_client()
    redirected = other.get("/dashboard/trend?periodicity=monthly")
    other.get(redirected.headers["Location"])
    token = csrf(other)
    other.post("/dashboard/signin", data={"phone": SUPERVISOR, "csrf_token": token})
    response = other.post("/dashboard/signin/code",
                          data={"code": sent_code(loaded_db_url, SUPERVISOR),
                                "csrf_token": token})
    assert response.headers["Location"] == "/dashboard/trend?periodicity=monthly"


def test_code_enqueued_at_once(loaded_db_url, redis_url, twilio_double):
    app = make_app(
        loaded_db_url, Clock(T0), REDIS_URL=redis_url, TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_WHATSAPP_FROM=BOT_NUMBER,
        TWILIO_API_URL=twilio_double.url,
    )
    client = app.test_client()
    token = csrf(client)
    client.post("/dashboard/signin", data={"phone": SUPERVISOR, "csrf_token": token})

    [row] = signin_rows(loaded_db_url)
    jobs = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url)).jobs
    assert row.status == OutboxStatus.PENDING
    assert [(job.func_name, job.args) for job in jobs] == [
        ("bot.outbound.deliver", (row.id,))
    ]


# --- cookie and settings --------------------------------------------------------------


def test_cookie_flags_development(loaded_db_url):
    client = make_app(loaded_db_url, Clock(T0)).test_client()
    header = client.get("/dashboard/signin").headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header


def test_signed_in_cookie_lasts_browser_session(loaded_db_url):
    client = make_app(loaded_db_url, Clock(T0)).test_client()
    token = csrf(client)
    client.post("/dashboard/signin", data={"phone": SUPERVISOR, "csrf_token": token})
    response = client.post("/dashboard/signin/code",
                           data={"code": sent_code(loaded_db_url, SUPERVISOR),
                                 "csrf_token": token})
    header = response.headers["Set-Cookie"]
    assert header.startswith("emonev_session=")
    assert "Expires" not in header
    assert "Max-Age" not in header


def test_cookie_secure_in_production(loaded_db_url):
    app = make_app(
        loaded_db_url, Clock(T0), EMONEV_ENV="production",
        REDIS_URL="redis://127.0.0.1:1/0", TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_WHATSAPP_FROM=BOT_NUMBER,
    )
    header = app.test_client().get("/dashboard/signin").headers["Set-Cookie"]
    assert "Secure" in header
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


@pytest.mark.parametrize("key", ["too-short", DEVELOPMENT_SECRET_KEY])
def test_weak_secret_key_rejected_in_production(key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({
            "EMONEV_ENV": "production", "DATABASE_URL": "sqlite:///unused.db",
            "REDIS_URL": "redis://127.0.0.1:1/0", "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
            "SECRET_KEY": key,
        })


def test_missing_secret_key_warns_in_development(caplog):
    with caplog.at_level(logging.WARNING, logger="app"):
        app = create_app({"SECRET_KEY": "", "DATABASE_URL": "sqlite:///unused.db"})
    assert app.config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY
    messages = [record.getMessage() for record in caplog.records]
    assert any("SECRET_KEY is not set" in message for message in messages)


@pytest.mark.parametrize(
    ("name", "value"),
    [("EMONEV_SIGNIN_CODE_MINUTES", "0"), ("EMONEV_SIGNIN_CODE_MINUTES", "61"),
     ("EMONEV_DASHBOARD_SESSION_HOURS", "0"), ("EMONEV_DASHBOARD_SESSION_HOURS", "x")],
)
def test_invalid_dashboard_setting_rejected(name, value):
    with pytest.raises(ConfigError, match=name):
        create_app({name: value, "DATABASE_URL": "sqlite:///unused.db"})

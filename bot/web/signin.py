"""One-time sign-in codes for the dashboard, sent by WhatsApp.

An active supervisor or admin types a phone number and gets a six-digit
code by WhatsApp. The code is stored only as an HMAC keyed with SECRET_KEY,
expires after EMONEV_SIGNIN_CODE_MINUTES, works once, and dies after
MAX_ATTEMPTS wrong tries. A new code replaces the official's unused ones.
Requests are limited per typed number, registered or not, so the limit
does not tell who is registered. Every state lives in the database, so any
web host accepts a code that another host sent.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from bot.config import Settings
from bot.i18n import t
from bot.outbound import SIGNIN, queue_message
from bot.phones import mask
from models import Official, Role, SigninCode, SigninThrottle

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
# Wrong codes typed against one code before it stops working.
MAX_ATTEMPTS = 5
# Per typed number: one code per MIN_INTERVAL and HOURLY_LIMIT codes per hour.
MIN_INTERVAL = timedelta(seconds=60)
HOURLY_LIMIT = 5
LIMIT_WINDOW = timedelta(hours=1)
DASHBOARD_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class CodeRequest:
    """The outcome of a code request.

    `retry_at` is set when the number reached the rate limit. `outbox_ids`
    lists the rows of the WhatsApp message to enqueue, and is empty when no
    message went out: rate limited, or a number that may not sign in.
    """

    retry_at: datetime | None = None
    outbox_ids: list[int] = field(default_factory=list)


def may_sign_in(official: Official | None) -> bool:
    """Tell whether the official may use the dashboard: active supervisor or admin."""
    return official is not None and official.active and official.role in DASHBOARD_ROLES


def keyed_hash(settings: Settings, message: str) -> str:
    """Return the hex HMAC-SHA256 of `message`, keyed with SECRET_KEY."""
    key = settings.secret_key.encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def code_hash(settings: Settings, official_id: int, code: str) -> str:
    # The official id is part of the message, so one code hashes differently
    # for two officials.
    return keyed_hash(settings, f"signin-code:{official_id}:{code}")


def phone_hash(settings: Settings, phone: str) -> str:
    return keyed_hash(settings, f"signin-phone:{phone}")


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def request_code(
    session: Session, settings: Settings, phone: str, now: datetime
) -> CodeRequest:
    """Count a code request for the E.164 `phone` and queue the code if allowed.

    The caller commits and then enqueues `outbox_ids`. An unknown number,
    an operator's or an inactive official's gets no message and the same
    outcome as a registered one.
    NOTE: a registered number costs more work (a code row, an outbox row and
    an enqueue), so the response time can hint at registration.
    """
    retry_at = take_request_slot(session, settings, phone, now)
    if retry_at is not None:
        logger.info("signin: code request for %s rate limited until %s",
                    mask(phone), retry_at.isoformat())
        return CodeRequest(retry_at=retry_at)
    official = session.exec(select(Official).where(Official.phone == phone)).first()
    if not may_sign_in(official):
        logger.info("signin: no code sent to %s, which may not sign in", mask(phone))
        return CodeRequest()

    session.exec(
        update(SigninCode)
        .where(
            SigninCode.official_id == official.id,
            SigninCode.used_at.is_(None),
            SigninCode.expires_at > now,
        )
        .values(expires_at=now)
    )
    code = new_code()
    row = SigninCode(
        official_id=official.id,
        code_hash=code_hash(settings, official.id, code),
        created_at=now,
        expires_at=now + settings.signin_code_lifetime,
    )
    session.add(row)
    session.flush()
    minutes = settings.signin_code_lifetime // timedelta(minutes=1)
    body = t(official.language, "signin.code", code=code, minutes=minutes)
    # NOTE: the outbox keeps the body and variables, code included, until
    # the row is deleted; the code is dead once used, replaced or expired.
    rows = queue_message(
        session, settings, official, body, now, kind=SIGNIN, variables={"1": code}
    )
    logger.info("signin: code %s queued for official %s (%s)",
                row.id, official.id, mask(phone))
    return CodeRequest(outbox_ids=[outbox.id for outbox in rows])


def take_request_slot(
    session: Session, settings: Settings, phone: str, now: datetime
) -> datetime | None:
    """Count one code request for `phone`; return None, or when the next is allowed.

    The number's row is locked (`FOR UPDATE` on PostgreSQL, the write lock
    of `BEGIN IMMEDIATE` on SQLite), so simultaneous requests on several
    hosts are counted one after the other.
    """
    key = phone_hash(settings, phone)
    query = (
        select(SigninThrottle)
        .where(SigninThrottle.phone_hash == key)
        .with_for_update()
    )
    throttle = session.exec(query).first()
    if throttle is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        inserted = session.execute(
            insert(SigninThrottle)
            .values(phone_hash=key, last_requested_at=now, window_started_at=now,
                    window_count=1)
            .on_conflict_do_nothing(index_elements=["phone_hash"])
        ).rowcount
        if inserted:
            return None
        throttle = session.exec(query).one()

    if now - throttle.last_requested_at < MIN_INTERVAL:
        return throttle.last_requested_at + MIN_INTERVAL
    if now - throttle.window_started_at >= LIMIT_WINDOW:
        throttle.window_started_at = now
        throttle.window_count = 0
    if throttle.window_count >= HOURLY_LIMIT:
        return throttle.window_started_at + LIMIT_WINDOW
    throttle.window_count += 1
    throttle.last_requested_at = now
    session.add(throttle)
    return None


def verify_code(
    session: Session, settings: Settings, phone: str, code: str, now: datetime
) -> SigninCode | None:
    """Consume the official's latest code when `code` matches it; else return None.

    A wrong code counts one attempt against the latest code. Consuming is a
    single conditional update, so two simultaneous requests with the same
    code sign in once.
    """
    official = session.exec(select(Official).where(Official.phone == phone)).first()
    if not may_sign_in(official):
        return None
    latest = session.exec(
        select(SigninCode)
        .where(
            SigninCode.official_id == official.id,
            SigninCode.used_at.is_(None),
            SigninCode.expires_at > now,
            SigninCode.attempts < MAX_ATTEMPTS,
        )
        .order_by(SigninCode.created_at.desc(), SigninCode.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        logger.info("signin: no valid code for official %s", official.id)
        return None
    typed_hash = code_hash(settings, official.id, code)
    if not hmac.compare_digest(latest.code_hash, typed_hash):
        session.exec(
            update(SigninCode)
            .where(SigninCode.id == latest.id, SigninCode.attempts < MAX_ATTEMPTS)
            .values(attempts=SigninCode.attempts + 1)
        )
        logger.info("signin: wrong code for code %s of official %s",
                    latest.id, official.id)
        return None

    consumed = session.exec(
        update(SigninCode)
        .where(
            SigninCode.id == latest.id,
            SigninCode.used_at.is_(None),
            SigninCode.expires_at > now,
            SigninCode.attempts < MAX_ATTEMPTS,
        )
        .values(used_at=now)
    ).rowcount
    if consumed != 1:
        logger.info("signin: code %s was used by another request", latest.id)
        return None
    latest.used_at = now
    logger.info("signin: official %s signed in with code %s", official.id, latest.id)
    return latest


def signed_in_official(
    session: Session, settings: Settings, signin_id: int, official_id: int, role: str,
    now: datetime,
) -> Official | None:
    """Return the official of a signed-in session, or None when it has ended.

    A session ends when it signs out, after EMONEV_DASHBOARD_SESSION_HOURS,
    or when the official is deactivated or given another role. One query by
    primary key reads the code row and the official together.
    """
    found = session.exec(
        select(SigninCode, Official)
        .join(Official, Official.id == SigninCode.official_id)
        .where(SigninCode.id == signin_id)
    ).first()
    if found is None:
        return None
    row, official = found
    if (
        official.id != official_id
        or row.used_at is None
        or row.signed_out_at is not None
        or now >= row.used_at + settings.dashboard_session_lifetime
        or official.role != role
        or not may_sign_in(official)
    ):
        return None
    return official


def sign_out(session: Session, signin_id: int, now: datetime) -> None:
    """End the session that `signin_id` started, on every web host."""
    session.exec(
        update(SigninCode)
        .where(SigninCode.id == signin_id, SigninCode.signed_out_at.is_(None))
        .values(signed_out_at=now)
    )

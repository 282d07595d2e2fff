"""Proactive messages: written to the outbox, then sent by a worker.

A worker sends a row under WhatsApp's rules. Inside the 24-hour window that
the official's last message opened, the body goes as free text. Outside it,
the approved template configured for the row's kind and the official's
language goes instead, with the row's variables. Business-initiated kinds
(every kind but `reply` and `signin`) also need the official's consent and a
reachable number. Busy responses from Twilio (429, 5xx) are retried with exponential backoff, sends
are paced across workers through Redis, and templates beyond the daily
limit of recipients wait for the next local day.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, update
from sqlmodel import Session, select

from bot.config import Settings
from bot.contacts import in_window, may_initiate
from bot.db import get_engine, session_scope
from bot.phones import mask
from models import Contact, Official, Outbox, OutboxStatus
from models.types import utcnow

logger = logging.getLogger(__name__)

# Twilio rejects a WhatsApp body longer than this (error 21617).
MAX_BODY = 1600
SENDING = "sending"
# Replies answer the official's own message; every other kind is
# business-initiated and needs consent.
REPLY = "reply"
# A dashboard sign-in code, requested by the official on the sign-in page.
SIGNIN = "signin"
# Kinds the official asked for, so they need no recorded consent. The daily
# limit of template recipients does not defer them either, because a code
# deferred to the next day has expired. NOTE: Meta counts a sign-in template
# against the sender's tier all the same, and so does `_over_daily_limit`.
REQUESTED_KINDS = frozenset({REPLY, SIGNIN})
# Twilio errors that say "not now" rather than "never": 63018 is a rate or
# messaging limit of the sender.
RETRYABLE_CODES = frozenset({63018})
# Free text outside the 24-hour window.
OUTSIDE_WINDOW_CODE = 63016
# Backoff after a failed attempt n (1, 2, ...): BACKOFF_FIRST * 4^(n-1),
# so 30 s, 2 min, 8 min, 32 min, then BACKOFF_MAX.
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_FACTOR = 4
BACKOFF_MAX = timedelta(hours=1)
# A row waiting for a template or for the window is looked at again after
# this long, or at once after the official writes.
WAIT_RECHECK = timedelta(hours=1)
# A live worker keeps a row `sending` for at most the pacing wait and two
# Twilio requests of 10 s each. A row `sending` for longer than this belongs
# to a worker that stopped mid-send.
SENDING_TIMEOUT = timedelta(minutes=2)
# Twilio's date_created has whole seconds and comes from Twilio's clock.
CLOCK_SKEW = timedelta(seconds=60)
# How many of the recipient's latest messages the recovery looks through.
RECOVERY_LOOKUP_LIMIT = 20
# Maximum wait for a free send slot before sending anyway; Twilio queues
# messages above a sender's throughput instead of rejecting them.
PACING_MAX_WAIT_SECONDS = 10.0
# Rows handled by one run of the outbox sweep.
SWEEP_BATCH = 500
RECOVERY_BATCH = 100

DAILY_LIMIT_ERROR = "daily limit"
RESENT_ERROR = "resent after a worker stopped mid-send: Twilio had no message for this row"


def split_body(text: str, limit: int = MAX_BODY) -> list[str]:
    """Split a message at line boundaries into parts of at most `limit` characters.

    A single line longer than the limit is cut at the last space before it.
    Blank lines at the start of a part are dropped.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            head, line = line[:cut], line[cut:].lstrip()
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def queue_message(
    session: Session,
    settings: Settings,
    official: Official,
    body: str,
    now: datetime,
    kind: str = "notice",
    variables: dict[str, str] | None = None,
) -> list[Outbox]:
    """Add outbox rows for `body` in the caller's transaction.

    `kind` picks the template used outside the 24-hour window (`reminder`,
    `escalation`, ...; `reply` for an answer to the official's own message),
    and `variables` fills that template. A body longer than MAX_BODY becomes
    several rows with the same kind and variables. Outside the window only
    the first goes as a template, and the others wait for the window.
    Without Twilio credentials (development) the rows are stored, not sent.
    """
    if variables is not None and not isinstance(variables, dict):
        raise TypeError(f"variables must be a dict or None, got {type(variables).__name__}")
    stored_variables = (
        json.dumps({str(key): str(value) for key, value in variables.items()},
                   ensure_ascii=False)
        if variables is not None else None
    )
    status = OutboxStatus.PENDING if settings.twilio_enabled else OutboxStatus.STORED
    rows = []
    for part in split_body(body):
        row = Outbox(
            official_id=official.id, phone=official.phone, body=part,
            status=status, created_at=now, kind=kind, variables=stored_variables,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    for row in rows:
        if status == OutboxStatus.STORED:
            logger.info(
                "outbox %s: message to %s stored, not sent (no Twilio credentials)",
                row.id, mask(row.phone),
            )
    return rows


def enqueue_delivery(settings: Settings, outbox_ids: list[int]) -> None:
    """Hand pending rows to RQ.

    After the first failed enqueue (Redis down or not configured), the
    remaining rows are not tried and stay pending for the sweep.
    """
    if not outbox_ids or not settings.twilio_enabled:
        return
    from bot.queue import enqueue

    for position, outbox_id in enumerate(outbox_ids):
        job_id = enqueue("bot.outbound.deliver", outbox_id, redis_url=settings.REDIS_URL)
        if job_id is None:
            logger.info("outbox: %d rows left pending for the sweep",
                        len(outbox_ids) - position)
            return


# --- choosing how to send -------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The decision for a claimed row: how it goes out, or why not now.

    `action` is `text`, `template`, `wait` (pending until the window opens or
    a template is configured), `defer` (pending until `until`) or `fail`.
    """

    action: str
    content_sid: str | None = None
    error: str | None = None
    until: datetime | None = None


def template_key(kind: str, language: str | None) -> str:
    return f"{kind}:{language or 'id'}"


def plan_send(
    session: Session,
    settings: Settings,
    row: Outbox,
    now: datetime,
    window_closed: bool = False,
) -> Plan:
    """Decide how to send `row` at `now` from the official's messaging state.

    `window_closed` ignores the recorded window, for a retry after Twilio
    rejected free text because the window is closed (63016).
    """
    contact = None
    official = None
    if row.official_id is not None:
        official = session.get(Official, row.official_id)
        contact = session.exec(
            select(Contact).where(Contact.official_id == row.official_id)
        ).first()
    if _expired_signin(settings, row, now):
        return Plan("fail", error="not sent: the sign-in code expired before it went out")
    if row.kind not in REQUESTED_KINDS and not may_initiate(contact):
        return Plan("fail", error=_no_consent_reason(contact))
    if in_window(contact, now) and not window_closed:
        return Plan("text")
    if _is_continuation(session, row):
        return Plan("wait", error="waiting for the 24-hour window: the first part "
                    "of this message goes as a template")
    key = template_key(row.kind, official.language if official else None)
    content_sid = settings.templates.get(key)
    if content_sid is None and row.kind == SIGNIN:
        # A code is a code in any language: fall back to the Indonesian template.
        content_sid = settings.templates.get(template_key(SIGNIN, "id"))
    if content_sid is None:
        return Plan("wait", error=f"no template for {key}")
    requested = row.kind in REQUESTED_KINDS
    if not requested and _over_daily_limit(session, settings, row, now):
        until = next_local_midnight(settings, now)
        return Plan("defer", until=until, error=(
            f"{DAILY_LIMIT_ERROR} of {settings.daily_limit} recipients reached; "
            f"deferred to {until.astimezone(settings.tz).date().isoformat()}"
        ))
    return Plan("template", content_sid=content_sid)


def _expired_signin(settings: Settings, row: Outbox, now: datetime) -> bool:
    return row.kind == SIGNIN and now >= row.created_at + settings.signin_code_lifetime


def _no_consent_reason(contact: Contact | None) -> str:
    if contact is not None and contact.opted_out_at is not None:
        return "not sent: the official opted out of proactive messages"
    if contact is not None and contact.unreachable_at is not None:
        return ("not sent: the number cannot receive WhatsApp "
                f"({contact.unreachable_error or 'unreachable'})")
    return "not sent: no recorded opt-in to proactive messages"


def _is_continuation(session: Session, row: Outbox) -> bool:
    """Tell whether `row` is a later part of a message that queue_message split."""
    same_variables = (
        Outbox.variables.is_(None) if row.variables is None
        else Outbox.variables == row.variables
    )
    first = session.exec(
        select(func.min(Outbox.id)).where(
            Outbox.official_id == row.official_id,
            Outbox.phone == row.phone,
            Outbox.kind == row.kind,
            Outbox.created_at == row.created_at,
            same_variables,
        )
    ).one()
    return first is not None and first != row.id


def _over_daily_limit(
    session: Session, settings: Settings, row: Outbox, now: datetime
) -> bool:
    """Tell whether a template to `row.phone` would pass today's limit of recipients.

    Counts the distinct numbers sent a template since local midnight; a
    number already among them does not count again.
    NOTE: Meta counts business-initiated conversations over a rolling 24
    hours, so right after midnight Meta may still count late sends of the
    day before. Two workers deciding at once can also pass the limit by one
    message each.
    """
    since = local_midnight(settings, now)
    sent_today = and_(
        Outbox.content_sid.is_not(None),
        Outbox.status.in_([OutboxStatus.SENT, SENDING]),
        Outbox.sent_at >= since,
    )
    already = session.exec(
        select(Outbox.id).where(sent_today, Outbox.phone == row.phone).limit(1)
    ).first()
    if already is not None:
        return False
    recipients = session.exec(
        select(func.count(func.distinct(Outbox.phone))).where(sent_today)
    ).one()
    return recipients >= settings.daily_limit


def local_midnight(settings: Settings, now: datetime) -> datetime:
    local = now.astimezone(settings.tz)
    return datetime.combine(local.date(), datetime.min.time(), tzinfo=settings.tz)


def next_local_midnight(settings: Settings, now: datetime) -> datetime:
    local_day = now.astimezone(settings.tz).date() + timedelta(days=1)
    return datetime.combine(local_day, datetime.min.time(), tzinfo=settings.tz)


def backoff(attempts: int) -> timedelta:
    """Return the wait after failed attempt number `attempts` (1 for the first)."""
    exponent = max(attempts - 1, 0)
    if exponent > 10:
        return BACKOFF_MAX
    return min(BACKOFF_FIRST * BACKOFF_FACTOR ** exponent, BACKOFF_MAX)


# --- sending one row ------------------------------------------------------------


def _due(now: datetime):
    """SQL condition: the row may be tried at `now`.

    A row is due when its retry time has come, or when the official wrote
    after the row was last claimed, because that message opens the window
    for free text.
    """
    wrote_since = exists().where(
        Contact.official_id == Outbox.official_id,
        Contact.last_inbound_at > Outbox.claimed_at,
    )
    return or_(
        Outbox.next_attempt_at.is_(None),
        Outbox.next_attempt_at <= now,
        wrote_since,
    )


def deliver(
    outbox_id: int, settings: Settings | None = None, now: datetime | None = None
) -> str:
    """Send one outbox row through Twilio; return its new status.

    The row is claimed with a conditional update, so two workers given the
    same id send it once, and a row not yet due is skipped. The attempt is
    counted and committed before Twilio is called, so a worker that stops
    mid-send leaves a `sending` row with its attempt counted, which
    `deliver_pending` recovers.
    """
    from flask import current_app

    settings = settings or current_app.config["SETTINGS"]
    now = now or utcnow()
    engine = get_engine(settings.DATABASE_URL)
    with session_scope(engine) as session:
        claimed = session.exec(
            update(Outbox)
            .where(Outbox.id == outbox_id, Outbox.status == OutboxStatus.PENDING,
                   _due(now))
            .values(status=SENDING, claimed_at=now)
        ).rowcount
        row = session.get(Outbox, outbox_id)
        if not claimed:
            status = row.status if row else "missing"
            logger.info("outbox %s: not due or already taken (%s), skipped",
                        outbox_id, status)
            return status
        plan = plan_send(session, settings, row, now)
        if plan.action in ("text", "template"):
            row.attempts += 1
            session.add(row)
        else:
            _apply_hold(row, plan, settings)
            session.add(row)
        session.flush()
        session.expunge(row)
    if plan.action not in ("text", "template"):
        return row.status
    return _send(engine, settings, row, plan, now)


def _apply_hold(row: Outbox, plan: Plan, settings: Settings) -> None:
    """Set a claimed row that does not go out now to pending or failed."""
    if plan.action == "fail":
        row.status = OutboxStatus.FAILED
        row.error = plan.error
        logger.warning("outbox %s: %s (to %s)", row.id, plan.error, mask(row.phone))
        return
    first_time = row.error != plan.error
    row.status = OutboxStatus.PENDING
    row.error = plan.error
    if plan.action == "defer":
        row.next_attempt_at = plan.until
        if first_time:
            logger.warning("outbox %s: %s (to %s)", row.id, plan.error, mask(row.phone))
        return
    row.next_attempt_at = row.claimed_at + WAIT_RECHECK
    if first_time:
        logger.warning("outbox %s: left pending, %s (to %s)", row.id, plan.error,
                       mask(row.phone))


def _send(engine, settings: Settings, row: Outbox, plan: Plan, now: datetime) -> str:
    from twilio.base.exceptions import TwilioRestException

    try:
        sid = _call_twilio(settings, row, plan)
    except TwilioRestException as exc:
        if exc.code == OUTSIDE_WINDOW_CODE and plan.action == "text":
            logger.info("outbox %s: Twilio reports the window to %s closed (63016), "
                        "sending as a template", row.id, mask(row.phone))
            with session_scope(engine) as session:
                plan = plan_send(session, settings, row, now, window_closed=True)
            if plan.action != "template":
                return _hold(engine, settings, row.id, plan)
            return _send(engine, settings, row, plan, now)
        return _twilio_error(engine, settings, row, exc, now)
    except Exception as exc:
        if not _is_network_error(exc):
            raise
        if _request_may_have_arrived(exc):
            # Twilio may have created the message: the sweep asks Twilio
            # after SENDING_TIMEOUT instead of sending it again blindly.
            logger.warning("outbox %s: no response from Twilio for %s (%s), left "
                           "sending for the sweep to check", row.id, mask(row.phone),
                           type(exc).__name__)
            return SENDING
        return _retry_later(engine, settings, row, f"network error: {type(exc).__name__}",
                            now)
    _finish_sent(engine, row.id, sid, plan.content_sid, now)
    logger.info("outbox %s: sent to %s as %s%s", row.id, mask(row.phone), sid,
                f" (template {plan.content_sid})" if plan.content_sid else "")
    return OutboxStatus.SENT


def _call_twilio(settings: Settings, row: Outbox, plan: Plan) -> str:
    from bot.twilio_client import make_client, send_message

    client = make_client(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_URL or None,
    )
    arguments = {
        "from_": sender_address(settings),
        "to": f"whatsapp:{row.phone}",
        "status_callback": status_callback_url(settings),
    }
    if plan.action == "template":
        arguments["content_sid"] = plan.content_sid
        arguments["content_variables"] = json.loads(row.variables) if row.variables else None
    else:
        arguments["body"] = row.body
    take_send_slot(settings)
    return send_message(client, **arguments)


def sender_address(settings: Settings) -> str:
    return f"whatsapp:{settings.TWILIO_WHATSAPP_FROM.removeprefix('whatsapp:')}"


def status_callback_url(settings: Settings) -> str | None:
    """Return where Twilio posts delivery statuses, or None without PUBLIC_URL."""
    if not settings.PUBLIC_URL:
        return None
    return settings.PUBLIC_URL.rstrip("/") + "/twilio/status"


def _twilio_error(engine, settings: Settings, row: Outbox, exc, now: datetime) -> str:
    from bot.delivery_status import UNREACHABLE_CODES, report_unreachable

    error = f"{exc.code}: {exc.msg}"[:400]
    if exc.status == 429 or exc.status >= 500 or exc.code in RETRYABLE_CODES:
        return _retry_later(engine, settings, row, error, now)
    logger.warning("outbox %s: Twilio rejected the message to %s (error %s)",
                   row.id, mask(row.phone), exc.code)
    with session_scope(engine) as session:
        _finish(session, row.id, OutboxStatus.FAILED, error=error)
        if exc.code in UNREACHABLE_CODES and row.official_id is not None:
            official = session.get(Official, row.official_id)
            report_unreachable(session, settings, official, error, now)
    return OutboxStatus.FAILED


def _retry_later(engine, settings: Settings, row: Outbox, error: str, now: datetime) -> str:
    """Put the row back to pending after backoff, or fail it after the last attempt."""
    if row.attempts >= settings.send_max_attempts:
        logger.warning("outbox %s: giving up on %s after %d attempts (%s)",
                       row.id, mask(row.phone), row.attempts, error)
        with session_scope(engine) as session:
            _finish(session, row.id, OutboxStatus.FAILED,
                    error=f"failed after {row.attempts} attempts: {error}"[:400])
        return OutboxStatus.FAILED
    retry_at = now + backoff(row.attempts)
    logger.warning("outbox %s: attempt %d to %s failed (%s), retrying after %s",
                   row.id, row.attempts, mask(row.phone), error, retry_at.isoformat())
    with session_scope(engine) as session:
        session.exec(
            update(Outbox)
            .where(Outbox.id == row.id, Outbox.status == SENDING)
            .values(status=OutboxStatus.PENDING, error=error, next_attempt_at=retry_at)
        )
    return OutboxStatus.PENDING


def _hold(engine, settings: Settings, outbox_id: int, plan: Plan) -> str:
    with session_scope(engine) as session:
        row = session.get(Outbox, outbox_id)
        _apply_hold(row, plan, settings)
        session.add(row)
        return row.status


def _finish(session: Session, outbox_id: int, status: str, error: str | None) -> None:
    session.exec(
        update(Outbox)
        .where(Outbox.id == outbox_id)
        .values(status=status, error=error)
    )


def _finish_sent(
    engine, outbox_id: int, sid: str, content_sid: str | None, now: datetime,
    error: str | None = None,
) -> None:
    with session_scope(engine) as session:
        session.exec(
            update(Outbox)
            .where(Outbox.id == outbox_id)
            .values(status=OutboxStatus.SENT, twilio_sid=sid, content_sid=content_sid,
                    sent_at=now, error=error, next_attempt_at=None)
        )


def _is_network_error(exc: Exception) -> bool:
    from requests import RequestException

    return isinstance(exc, RequestException)


def _request_may_have_arrived(exc: Exception) -> bool:
    """Tell whether Twilio may have received the request that raised `exc`.

    A refused or timed-out connection sent nothing; a read timeout or a
    connection lost after sending may have left a message at Twilio.
    """
    from requests import ConnectionError as RequestsConnectionError
    from requests import ConnectTimeout
    from urllib3.exceptions import NewConnectionError

    if isinstance(exc, ConnectTimeout):
        return False
    if isinstance(exc, RequestsConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return not isinstance(reason, NewConnectionError)
    return True


# --- pacing across workers ------------------------------------------------------

_redis_clients: dict[str, object] = {}
_pacing_warned_at = float("-inf")
# Seconds between two warnings that pacing is off.
PACING_WARNING_INTERVAL = 60.0


def take_send_slot(settings: Settings) -> None:
    """Wait for one of EMONEV_SEND_RATE send slots of the current second.

    The slots are a per-second counter in Redis keyed by the account and the
    sender number, so every worker of the deployment shares them. Without
    Redis the send goes unpaced. After PACING_MAX_WAIT_SECONDS it goes
    anyway, because Twilio queues what exceeds the sender's throughput.
    """
    global _pacing_warned_at
    from redis.exceptions import RedisError

    if not settings.REDIS_URL:
        return
    base = (f"emonev:send-rate:{settings.TWILIO_ACCOUNT_SID}:"
            f"{settings.TWILIO_WHATSAPP_FROM.removeprefix('whatsapp:')}")
    deadline = time.monotonic() + PACING_MAX_WAIT_SECONDS
    try:
        connection = _redis_client(settings.REDIS_URL)
        while True:
            now = time.time()
            key = f"{base}:{int(now)}"
            with connection.pipeline() as pipeline:
                pipeline.incr(key)
                pipeline.expire(key, 2)
                count, _ = pipeline.execute()
            if count <= settings.send_rate:
                return
            if time.monotonic() >= deadline:
                logger.warning("pacing: no free send slot within %.0f s, sending anyway",
                               PACING_MAX_WAIT_SECONDS)
                return
            time.sleep(max(int(now) + 1 - time.time(), 0.001))
    except RedisError as exc:
        if time.monotonic() - _pacing_warned_at >= PACING_WARNING_INTERVAL:
            _pacing_warned_at = time.monotonic()
            logger.warning("pacing: Redis unavailable (%s), sending without pacing", exc)


def _redis_client(url: str):
    from bot.queue import redis_connection

    if url not in _redis_clients:
        _redis_clients[url] = redis_connection(url)
    return _redis_clients[url]


# --- the sweep: retries, waits and recovery ----------------------------------


def deliver_pending(settings: Settings | None = None, now: datetime | None = None) -> int:
    """Recover rows left `sending` by a stopped worker, then enqueue due rows.

    Run periodically by the scheduler; returns how many rows it enqueued.
    """
    from flask import current_app

    settings = settings or current_app.config["SETTINGS"]
    now = now or utcnow()
    engine = get_engine(settings.DATABASE_URL)
    recover_stalled(settings, now)
    with session_scope(engine) as session:
        ids = list(
            session.exec(
                select(Outbox.id)
                .where(Outbox.status == OutboxStatus.PENDING, _due(now))
                .order_by(Outbox.id)
                .limit(SWEEP_BATCH)
            ).all()
        )
    enqueue_delivery(settings, ids)
    return len(ids)


def recover_stalled(settings: Settings, now: datetime) -> dict[str, int]:
    """Settle rows left `sending` longer than SENDING_TIMEOUT.

    For each, Twilio is asked for messages to the number created after the
    claim. A match marks the row sent. No match puts it back to pending,
    with an error that says it is resent, or fails it after the last
    attempt. When Twilio cannot be asked, the row stays `sending` for the
    next sweep. Returns counts by outcome.
    """
    engine = get_engine(settings.DATABASE_URL)
    outcome = {"sent": 0, "resent": 0, "failed": 0, "unknown": 0}
    with Session(engine) as session:
        rows = session.exec(
            select(Outbox)
            .where(Outbox.status == SENDING, Outbox.claimed_at < now - SENDING_TIMEOUT)
            .order_by(Outbox.id)
            .limit(RECOVERY_BATCH)
        ).all()
        for row in rows:
            session.expunge(row)
    for row in rows:
        outcome[_recover(engine, settings, row, now)] += 1
    if rows:
        logger.info("outbox sweep: %d rows left sending by a stopped worker: %s",
                    len(rows), outcome)
    return outcome


def _recover(engine, settings: Settings, row: Outbox, now: datetime) -> str:
    from twilio.base.exceptions import TwilioRestException

    from bot.twilio_client import make_client, recent_messages

    try:
        client = make_client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
                             settings.TWILIO_API_URL or None)
        messages = recent_messages(client, from_=sender_address(settings),
                                   to=f"whatsapp:{row.phone}",
                                   limit=RECOVERY_LOOKUP_LIMIT)
    except TwilioRestException as exc:
        logger.warning("outbox %s: cannot ask Twilio about the send to %s (error %s); "
                       "left sending", row.id, mask(row.phone), exc.code)
        return "unknown"
    except Exception as exc:
        if not _is_network_error(exc):
            raise
        logger.warning("outbox %s: cannot ask Twilio about the send to %s (%s); "
                       "left sending", row.id, mask(row.phone), type(exc).__name__)
        return "unknown"

    with session_scope(engine) as session:
        match, note = _match_message(session, row, messages)
        still_stalled = and_(Outbox.id == row.id, Outbox.status == SENDING,
                             Outbox.claimed_at == row.claimed_at)
        if match is not None:
            changed = session.exec(
                update(Outbox).where(still_stalled).values(
                    status=OutboxStatus.SENT, twilio_sid=match["sid"],
                    sent_at=match["date_created"] or now, error=note,
                    next_attempt_at=None,
                )
            ).rowcount
            if changed:
                logger.info("outbox %s: found at Twilio as %s, marked sent", row.id,
                            match["sid"])
            return "sent"
        if row.attempts >= settings.send_max_attempts:
            session.exec(update(Outbox).where(still_stalled).values(
                status=OutboxStatus.FAILED,
                error=f"failed after {row.attempts} attempts: a worker stopped "
                      "mid-send and Twilio had no message for this row",
            ))
            logger.warning("outbox %s: a worker stopped mid-send on the last attempt "
                           "to %s, failed", row.id, mask(row.phone))
            return "failed"
        session.exec(update(Outbox).where(still_stalled).values(
            status=OutboxStatus.PENDING, error=RESENT_ERROR, next_attempt_at=None,
        ))
        logger.warning("outbox %s: a worker stopped mid-send and Twilio has no message "
                       "to %s, sending again", row.id, mask(row.phone))
        return "resent"


def _match_message(session: Session, row: Outbox, messages: list[dict]):
    """Pick the Twilio message that a stalled send of `row` created, if any.

    Candidates were created after the claim and are not recorded on any
    other row. A free-text send matches by body. A template's body is the
    rendered template, so without a body match the oldest candidate is
    taken and the returned note records that.
    """
    since = row.claimed_at - CLOCK_SKEW
    candidates = [
        message for message in messages
        if message["date_created"] is not None and message["date_created"] >= since
    ]
    if not candidates:
        return None, None
    sids = [message["sid"] for message in candidates]
    recorded = set(session.exec(select(Outbox.twilio_sid).where(Outbox.twilio_sid.in_(sids))).all())
    candidates = [message for message in candidates if message["sid"] not in recorded]
    candidates.sort(key=lambda message: message["date_created"])
    for message in candidates:
        if message["body"] == row.body:
            return message, "recovered after a worker stopped mid-send: Twilio had the message"
    if candidates:
        return candidates[0], ("recovered after a worker stopped mid-send: matched "
                               "by recipient and time only")
    return None, None


# --- reporting ------------------------------------------------------------------


def outbox_counts(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Count outbox rows for `flask outbox-status`.

    `deferred` are pending rows held back by EMONEV_DAILY_LIMIT, `waiting`
    pending rows that wait for a template or for the window, and
    `recipients_today` the distinct numbers sent a template since local
    midnight, which the daily limit counts.
    """
    def count(*conditions) -> int:
        return session.exec(select(func.count(Outbox.id)).where(*conditions)).one()

    pending = Outbox.status == OutboxStatus.PENDING
    since = local_midnight(settings, now)
    return {
        "pending": count(pending),
        "deferred": count(pending, Outbox.error.startswith(DAILY_LIMIT_ERROR)),
        "waiting": count(pending, or_(Outbox.error.startswith("no template"),
                                      Outbox.error.startswith("waiting for"))),
        "sending": count(Outbox.status == SENDING),
        "sent_today": count(Outbox.status == OutboxStatus.SENT, Outbox.sent_at >= since),
        "failed_today": count(Outbox.status == OutboxStatus.FAILED,
                              Outbox.created_at >= since),
        "recipients_today": session.exec(
            select(func.count(func.distinct(Outbox.phone))).where(
                Outbox.content_sid.is_not(None),
                Outbox.status == OutboxStatus.SENT,
                Outbox.sent_at >= since,
            )
        ).one(),
        "daily_limit": settings.daily_limit,
    }

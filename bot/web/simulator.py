"""A WhatsApp simulator for development: chat as any official through the webhook.

The page posts each message to the real `/twilio/whatsapp` webhook with the
form fields Twilio sends, signed when the app checks signatures, and shows
the TwiML reply. Proactive messages (notices, reminders, sign-in codes) are
outbox rows, which the page polls for. `app.create_app` registers this
blueprint only when EMONEV_ENV is `development`, so every URL here is a 404
in production.
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, render_template, request, url_for
from sqlmodel import Session, func, select
from twilio.request_validator import RequestValidator

from bot.db import get_engine
from bot.phones import mask
from models import Agency, Message, MessageDirection, Official, Outbox

logger = logging.getLogger(__name__)

bp = Blueprint(
    "simulator",
    __name__,
    url_prefix="/dev/simulator",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# Messages shown when a chat page opens: the latest inbound, TwiML and outbox rows.
HISTORY_LIMIT = 50
# Outbox rows returned by one poll. The page fetches the rest at its next poll.
POLL_LIMIT = 100
# Twilio's WhatsApp sandbox number, the `To` of simulated messages when
# TWILIO_WHATSAPP_FROM is not set.
SANDBOX_NUMBER = "+14155238886"
ROLE_LABELS = {"operator": "Operator", "supervisor": "Verifikator", "admin": "Admin"}


def _settings():
    return current_app.config["SETTINGS"]


def _session() -> Session:
    return Session(get_engine(_settings().DATABASE_URL))


@bp.get("")
def choose_official():
    """List every official with role, agency and masked number, to chat as one."""
    with _session() as session:
        rows = session.exec(
            select(Official, Agency).join(
                Agency, Official.agency_id == Agency.id, isouter=True
            )
        ).all()
    officials = [_official_view(official, agency) for official, agency in rows]
    # Sorted here rather than in SQL, because SQLite and PostgreSQL order
    # upper and lower case differently.
    officials.sort(key=lambda view: (
        view["agency"].casefold(), view["role"], view["name"].casefold()
    ))
    return render_template("simulator_list.html", officials=officials)


@bp.get("/<int:official_id>")
def chat(official_id: int):
    """Show the chat with one official: recent messages, then a text box."""
    settings = _settings()
    with _session() as session:
        official = session.get(Official, official_id)
        if official is None:
            abort(404)
        agency = session.get(Agency, official.agency_id) if official.agency_id else None
        history = _history(session, official.phone)
        last_outbox_id = session.exec(
            select(func.coalesce(func.max(Outbox.id), 0)).where(
                Outbox.phone == official.phone
            )
        ).one()
    page = {
        "webhookPath": url_for("twilio.whatsapp"),
        "signUrl": url_for(".sign"),
        "outboxUrl": url_for(".outbox", official_id=official_id),
        "signRequests": settings.verify_signatures,
        "lastOutboxId": last_outbox_id,
        "timeZone": settings.EMONEV_TIMEZONE,
        "form": _webhook_fields(settings, official),
    }
    return render_template(
        "simulator_chat.html",
        official=_official_view(official, agency),
        history=history,
        page=page,
    )


@bp.post("/sign")
def sign():
    """Return the `X-Twilio-Signature` for a simulated webhook request.

    The JSON body is `{"url": ..., "params": {...}}`. Only the WhatsApp
    webhook's URL on the host this request was sent to is signed. Behind a
    proxy the signature covers `PUBLIC_URL` instead, as the webhook checks it.
    """
    settings = _settings()
    if not settings.verify_signatures:
        message = ("Webhook signatures are not checked because TWILIO_AUTH_TOKEN "
                   "is not set, so post without a signature.")
        return {"error": message}, 409
    if not request.is_json:
        message = 'Send the request as JSON: {"url": ..., "params": {...}}.'
        return {"error": message}, 415
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return {"error": "The request body is not a JSON object."}, 400
    url, params = payload.get("url"), payload.get("params")
    if not isinstance(params, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in params.items()
    ):
        return {"error": "params must be an object of strings."}, 400
    expected = url_for("twilio.whatsapp", _external=True)
    if not isinstance(url, str) or not _same_endpoint(url, expected):
        logger.warning("simulator: rejected a request to sign %r, which is not %r",
                       str(url)[:200], expected)
        return {"error": f"Only this server's webhook {expected!r} is signed, "
                         f"got {url!r}."}, 400
    signed_url = url
    if settings.PUBLIC_URL:
        parts = urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        signed_url = settings.PUBLIC_URL.rstrip("/") + parts.path + query
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return {"signature": validator.compute_signature(signed_url, params)}


@bp.get("/<int:official_id>/outbox")
def outbox(official_id: int):
    """List new outbox rows to the official's number, and the status of shown ones.

    `messages` contains the rows with an id above `after`, oldest first.
    `statuses` maps the ids of `refresh` (comma-separated ids of rows the
    page shows, the first POLL_LIMIT of them) to the rows' current status.
    TwiML replies are never outbox rows, so a page that shows both shows
    each message once.

    NOTE: two transactions can commit outbox rows out of id order. A row
    that commits after a poll has returned a higher id is then not listed.
    """
    raw_after = request.args.get("after", "0")
    raw_refresh = request.args.get("refresh", "")
    try:
        after = int(raw_after)
        refresh = [int(part) for part in raw_refresh.split(",") if part]
    except ValueError:
        message = (f"after and refresh must be outbox ids (whole numbers), "
                   f"got after={raw_after!r} and refresh={raw_refresh!r}.")
        return {"error": message}, 400
    with _session() as session:
        official = session.get(Official, official_id)
        if official is None:
            abort(404)
        rows = session.exec(
            select(Outbox)
            .where(Outbox.phone == official.phone, Outbox.id > after)
            .order_by(Outbox.id)
            .limit(POLL_LIMIT)
        ).all()
        statuses = []
        if refresh:
            statuses = session.exec(
                select(Outbox.id, Outbox.status).where(
                    Outbox.phone == official.phone,
                    Outbox.id.in_(refresh[:POLL_LIMIT]),
                )
            ).all()
    return {
        "messages": [_outbox_view(row) for row in rows],
        "statuses": {str(row_id): status for row_id, status in statuses},
    }


def _official_view(official: Official, agency: Agency | None) -> dict:
    return {
        "id": official.id,
        "name": official.name,
        "role": ROLE_LABELS.get(official.role, official.role),
        "agency": agency.short_name if agency else "",
        "masked_phone": mask(official.phone),
        "active": official.active,
    }


def _webhook_fields(settings, official: Official) -> dict[str, str]:
    """Return the form fields Twilio sends for every message from this official."""
    return {
        "AccountSid": settings.TWILIO_ACCOUNT_SID or "AC" + "0" * 32,
        "From": f"whatsapp:{official.phone}",
        "To": f"whatsapp:{settings.TWILIO_WHATSAPP_FROM or SANDBOX_NUMBER}",
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        "MessageType": "text",
        "ProfileName": official.name,
        "WaId": official.phone.lstrip("+"),
    }


def _same_endpoint(url: str, expected: str) -> bool:
    url_parts, expected_parts = urlsplit(url), urlsplit(expected)
    return (url_parts.scheme, url_parts.netloc, url_parts.path) == (
        expected_parts.scheme, expected_parts.netloc, expected_parts.path
    )


def _history(session: Session, phone: str) -> list[dict]:
    """Return the latest inbound, TwiML and outbox messages of this number, in order."""
    messages = session.exec(
        select(Message)
        .where(Message.phone == phone)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    outbox_rows = session.exec(
        select(Outbox)
        .where(Outbox.phone == phone)
        .order_by(Outbox.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    # A reply and the notices its message caused share the message's time,
    # so at equal times the conversation's rows come before the outbox rows.
    entries = [
        ((message.created_at, 0, message.id), _message_view(message))
        for message in messages
    ] + [((row.created_at, 1, row.id), _outbox_view(row)) for row in outbox_rows]
    entries.sort(key=lambda entry: entry[0])
    return [view for _, view in entries[-HISTORY_LIMIT:]]


def _message_view(message: Message) -> dict:
    inbound = message.direction == MessageDirection.INBOUND
    return {
        "side": "official" if inbound else "bot",
        "body": message.body,
        "time": _local_time(message.created_at),
    }


def _outbox_view(row: Outbox) -> dict:
    return {
        "side": "bot",
        "id": row.id,
        "body": row.body,
        "kind": row.kind,
        "status": row.status,
        "time": _local_time(row.created_at),
    }


def _local_time(moment: datetime) -> str:
    """Format as WhatsApp shows a time in Indonesian, `09.18`, in the regency's zone."""
    return moment.astimezone(_settings().tz).strftime("%H.%M")

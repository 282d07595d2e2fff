"""The Twilio WhatsApp webhook: check the signature, handle, answer in TwiML."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.db import get_engine, session_scope
from bot.delivery_status import STATUS_RANK, record_status
from bot.inbound import Inbound, handle_inbound
from bot.outbound import enqueue_delivery, split_body
from bot.phones import InvalidPhone, to_e164
from models.types import utcnow

logger = logging.getLogger(__name__)

bp = Blueprint("twilio", __name__)

# WhatsApp allows a handful of attachments; larger counts are not Twilio's.
MAX_MEDIA = 100
# Longer bodies are cut before storage, not refused; no answer needs more.
MAX_BODY = 4096


def _clean(value: str) -> str:
    """Drop NUL characters, which PostgreSQL text columns reject, and cap length."""
    return value.replace("\x00", "")[:MAX_BODY]


def signed_url() -> str:
    """Return the URL Twilio signed: `PUBLIC_URL` behind a proxy, else the request's."""
    public = current_app.config["SETTINGS"].PUBLIC_URL
    if not public:
        return request.url
    query = request.query_string.decode()
    return public.rstrip("/") + request.path + (f"?{query}" if query else "")


def signature_is_valid() -> bool:
    settings = current_app.config["SETTINGS"]
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return validator.validate(signed_url(), request.form.to_dict(), signature)


def twiml(bodies: list[str]) -> Response:
    response = MessagingResponse()
    for body in bodies:
        for part in split_body(body):
            response.message(part)
    return Response(str(response), mimetype="application/xml")


@bp.post("/twilio/whatsapp")
def whatsapp() -> Response:
    settings = current_app.config["SETTINGS"]
    if settings.verify_signatures and not signature_is_valid():
        logger.warning("webhook: rejected a request with a missing or invalid signature")
        abort(403)

    form = request.form
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    try:
        phone = to_e164(form.get("From", ""))
    except InvalidPhone:
        logger.warning("webhook: message %s has no valid sender, ignored", sid)
        return twiml([])
    if not sid:
        logger.warning("webhook: message without MessageSid ignored")
        return twiml([])
    try:
        num_media = min(max(int(form.get("NumMedia") or 0), 0), MAX_MEDIA)
    except ValueError:
        num_media = 0
    message = Inbound(
        sid=_clean(sid)[:64], phone=phone, body=_clean(form.get("Body") or ""),
        num_media=num_media, received_at=utcnow(),
    )
    replies, outbox_ids = handle_inbound(
        get_engine(settings.DATABASE_URL), settings, message
    )
    enqueue_delivery(settings, outbox_ids)
    return twiml(replies)


@bp.post("/twilio/status")
def status_callback() -> Response:
    """Store Twilio's delivery status for an outbox row and return an empty 204.

    Twilio logs every 4xx or 5xx answer as an error in the account, so a
    callback for an unknown SID or status is logged here and acknowledged.
    """
    settings = current_app.config["SETTINGS"]
    if settings.verify_signatures and not signature_is_valid():
        logger.warning("status callback: rejected a request with a missing or "
                       "invalid signature")
        abort(403)

    form = request.form
    sid = _clean(form.get("MessageSid") or form.get("SmsSid") or "")[:64]
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not sid or status not in STATUS_RANK:
        logger.warning("status callback: ignored status %r for message %r",
                       status[:20], sid)
        return Response(status=204)
    error_code = _error_code(form.get("ErrorCode"))
    with session_scope(get_engine(settings.DATABASE_URL)) as session:
        result = record_status(session, settings, sid, status, error_code, utcnow())
        notice_ids = [row.id for row in result.notices]
    if not result.found:
        logger.warning("status callback: no outbox row has message %s (status %s)",
                       sid, status)
    elif not result.applied:
        logger.info("status callback: message %s kept its status over %s", sid, status)
    enqueue_delivery(settings, notice_ids)
    return Response(status=204)


def _error_code(raw: str | None) -> int | None:
    """Read Twilio's `ErrorCode`, or None when it is missing, not a number or out of range."""
    try:
        code = int(raw) if raw else None
    except ValueError:
        return None
    # The column is a 32-bit integer on PostgreSQL, and Twilio's codes have 5 digits.
    return code if code is not None and 0 < code < 2**31 else None

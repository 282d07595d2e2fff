"""A local HTTP double of Twilio's Messages REST API for tests.

The double is a real HTTP server on 127.0.0.1, so the app under test can send
to it from another process: point the app's Twilio API URL at ``double.url``.
It implements the Message resource calls that the bot uses (create, fetch
and list), in the 2010-04-01 API's form-encoded request and JSON response
shapes. Tests can script errors, numbers whose 24-hour window is closed,
numbers that cannot receive WhatsApp, and sends held mid-request.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from bot.phones import mask

logger = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
MAX_BODY_LENGTH = 1600

_CREATE_PATH = re.compile(r"/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json")
_CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
# Page size of a list request without PageSize, as in Twilio's API.
DEFAULT_PAGE_SIZE = 50
# A held send is released after this many seconds if the test never does.
HOLD_TIMEOUT_SECONDS = 60.0
_FETCH_PATH = re.compile(
    r"/2010-04-01/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)\.json"
)

# Twilio's own codes and texts for errors that carry no channel-specific code.
_GENERIC_ERRORS = {
    400: (21600, "Bad request"),
    401: (20003, "Authenticate"),
    404: (20404, "The requested resource was not found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}
_CODE_MESSAGES = {
    63003: "Channel could not find To address",
    63016: (
        "Failed to send freeform message because you are outside the allowed "
        "window. If you are using WhatsApp, please use a Message Template."
    ),
    63018: "Rate limit exceeded for Channel",
    63038: "Account exceeded the daily messages limit",
}

# Form fields copied into each recorded request, None when absent.
RECORDED_FIELDS = (
    "To",
    "From",
    "Body",
    "ContentSid",
    "ContentVariables",
    "StatusCallback",
    "MessagingServiceSid",
)


@dataclass
class _ScriptedFailure:
    status: int
    code: int
    message: str
    remaining: int
    to: str | None


class HeldSend:
    """A create request that the double holds until ``release()``.

    ``reached`` is set when the request arrives. With ``accept``, the message
    is created before the hold, as when Twilio accepted it and the answer was
    lost. Without it, the request is answered 503 after the release and no
    message is created, as when the request never reached Twilio.
    """

    def __init__(self, to: str | None, accept: bool) -> None:
        self.to = to
        self.accept = accept
        self.reached = threading.Event()
        self.released = threading.Event()

    def wait_reached(self, timeout: float = 10) -> None:
        """Wait until the held request arrives; raise AssertionError after ``timeout``."""
        if not self.reached.wait(timeout):
            raise AssertionError(f"Twilio double: no request was held within {timeout} s")

    def release(self) -> None:
        self.released.set()


class _QuietRequestHandler(WSGIRequestHandler):
    """Request handler that skips werkzeug's access log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class TwilioDouble:
    """Twilio REST API double serving ``POST`` and ``GET`` on Messages.

    Use it as a context manager, or call ``start()`` and ``stop()``. With
    ``account_sid`` and ``auth_token`` set, the double accepts only those
    credentials. Without them, it accepts any HTTP basic auth whose username
    is the account SID in the path or an API key SID (``SK...``).
    """

    def __init__(
        self, *, account_sid: str | None = None, auth_token: str | None = None
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._condition = threading.Condition()
        self._requests: list[dict[str, Any]] = []
        self._messages: dict[str, dict[str, Any]] = {}
        self._failures: list[_ScriptedFailure] = []
        self._holds: list[HeldSend] = []
        # Recipients whose 24-hour window is closed: free text fails with 63016.
        self._closed_windows: set[str] = set()
        # Recipients that cannot receive WhatsApp: every send fails with 63003.
        self._unreachable: set[str] = set()
        self._server = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    # -- lifecycle --------------------------------------------------------

    def start(self) -> TwilioDouble:
        """Bind a free port on 127.0.0.1 and serve from a daemon thread."""
        if self._server is not None:
            raise RuntimeError("TwilioDouble is already running; stop it first.")
        self._server = make_server(
            "127.0.0.1",
            0,
            self._wsgi_app,
            threaded=True,
            request_handler=_QuietRequestHandler,
        )
        self.port = self._server.server_port
        # A short poll interval keeps stop() fast: shutdown() waits for it.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"twilio-double-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("Twilio double %s: serving", self.url)
        return self

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        if self._server is None:
            return
        with self._condition:
            holds, self._holds = self._holds, []
        for hold in holds:
            hold.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        logger.info("Twilio double %s: stopped", self.url)
        self._server = None
        self._thread = None

    def __enter__(self) -> TwilioDouble:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL to use as the Twilio API URL, without a trailing slash."""
        if self.port is None:
            raise RuntimeError("TwilioDouble is not running: call start() first.")
        return f"http://127.0.0.1:{self.port}"

    # -- inspection and scripting -----------------------------------------

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Snapshot of every authenticated message-create request, oldest first.

        Each entry has ``account_sid``, the fields in RECORDED_FIELDS,
        ``MediaUrl`` (a list), ``auth_username``, ``received_at`` (aware UTC
        datetime), ``status`` (the HTTP status of the response), ``sid`` (None
        unless 201), ``error_code`` and ``form`` (every field, first value
        each). Rejected and scripted-failure requests are included.
        """
        with self._condition:
            return [dict(entry) for entry in self._requests]

    def messages_to(self, number: str) -> list[dict[str, Any]]:
        """Return the accepted (201) requests sent to ``number``.

        ``whatsapp:+62...`` and ``+62...`` match the same recipient.
        """
        recipient = _strip_channel(number)
        return [
            entry
            for entry in self.requests
            if entry["status"] == 201 and _strip_channel(entry["To"]) == recipient
        ]

    def wait_for(
        self,
        predicate: Callable[[list[dict[str, Any]]], object],
        timeout: float = 10,
    ) -> list[dict[str, Any]]:
        """Wait until ``predicate(requests)`` is truthy and return those requests.

        Raises AssertionError after ``timeout`` seconds, listing what arrived.
        """
        with self._condition:
            met = self._condition.wait_for(
                lambda: predicate([dict(entry) for entry in self._requests]),
                timeout=timeout,
            )
            snapshot = [dict(entry) for entry in self._requests]
        if not met:
            raise AssertionError(
                f"Twilio double: condition not met within {timeout} s; "
                f"{_describe(snapshot)}"
            )
        return snapshot

    def clear(self) -> None:
        """Forget recorded requests, stored messages and scripted behaviour."""
        with self._condition:
            self._requests.clear()
            self._messages.clear()
            self._failures.clear()
            self._closed_windows.clear()
            self._unreachable.clear()
            holds, self._holds = self._holds, []
        for hold in holds:
            hold.release()

    def close_window(self, number: str) -> None:
        """Answer free text to ``number`` with 400 and error 63016 until reopened.

        Templates (ContentSid) to the number are still accepted.
        """
        with self._condition:
            self._closed_windows.add(_strip_channel(number))

    def open_window(self, number: str) -> None:
        with self._condition:
            self._closed_windows.discard(_strip_channel(number))

    def mark_unreachable(self, number: str) -> None:
        """Answer every send to ``number`` with 400 and error 63003."""
        with self._condition:
            self._unreachable.add(_strip_channel(number))

    def hold_next(self, to: str | None = None, *, accept: bool = False) -> HeldSend:
        """Hold the next valid create request (to ``to`` if given) until released.

        Returns the HeldSend to wait on and release. A hold not released
        within HOLD_TIMEOUT_SECONDS ends by itself, so no server thread hangs.
        """
        hold = HeldSend(to, accept)
        with self._condition:
            self._holds.append(hold)
        return hold

    def stored_messages(self) -> list[dict[str, Any]]:
        """Return the created Message resources, oldest first."""
        with self._condition:
            return [dict(resource) for resource in self._messages.values()]

    def fail_next(
        self,
        status: int,
        code: int | None = None,
        message: str = "",
        count: int = 1,
        to: str | None = None,
    ) -> None:
        """Fail the next ``count`` valid create requests with an HTTP error.

        The body has Twilio's error shape ``{"code", "message", "more_info",
        "status"}``. Without ``code``, Twilio's generic code for ``status`` is
        used (20429 for 429, 20500 for 500), and without ``message`` a stock
        text for the code. With ``to``, only requests to that recipient fail.
        Failures are used in the order they were scripted.

        NOTE: Twilio can also accept a WhatsApp send with 201 and report a
        channel error such as 63016 later, as a ``failed`` or ``undelivered``
        status callback with ``ErrorCode``. This double covers only errors
        returned by the create request.
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}.")
        generic_code, generic_text = _GENERIC_ERRORS.get(
            status, (status, f"HTTP error {status}")
        )
        if code is None:
            code = generic_code
        text = message or _CODE_MESSAGES.get(code, generic_text)
        failure = _ScriptedFailure(status, code, text, count, to)
        with self._condition:
            self._failures.append(failure)

    # -- HTTP handling ----------------------------------------------------

    @Request.application
    def _wsgi_app(self, request: Request) -> Response:
        create = _CREATE_PATH.fullmatch(request.path)
        fetch = _FETCH_PATH.fullmatch(request.path)
        match = create or fetch
        if match is None:
            return _error(
                404, 20404, f"The requested resource {request.path} was not found"
            )
        allowed = ("POST", "GET") if create else ("GET",)
        if request.method not in allowed:
            return _error(405, 20004, f"Method {request.method} not allowed")

        account = match["account"]
        rejection = self._check_auth(request, account)
        if rejection is not None:
            return rejection

        if fetch:
            return self._fetch_message(account, match["sid"])
        if request.method == "GET":
            return self._list_messages(request, account)
        return self._create_message(request, account)

    def _list_messages(self, request: Request, account: str) -> Response:
        """Answer a list request, newest first, filtered by To, From and DateSent.

        DateSent takes ``YYYY-MM-DD`` or ``YYYY-MM-DDThh:mm:ssZ`` after ``=``,
        ``<=`` or ``>=`` (the client sends ``DateSent>`` and ``DateSent<``).
        Only the first page is served: ``next_page_uri`` is always null.
        """
        query = request.args
        try:
            page_size = int(query.get("PageSize", DEFAULT_PAGE_SIZE))
        except ValueError:
            return _error(400, 20001, "PageSize must be a number")
        with self._condition:
            resources = [
                dict(resource)
                for resource in self._messages.values()
                if resource["account_sid"] == account
            ]
        resources.reverse()
        to = query.get("To")
        sender = query.get("From")
        if to:
            resources = [r for r in resources if r["to"] == to]
        if sender:
            resources = [r for r in resources if r["from"] == sender]
        for name, keep in (("DateSent", _same_day), ("DateSent>", _on_or_after),
                           ("DateSent<", _on_or_before)):
            if name in query:
                bound = _parse_filter_date(query[name])
                if bound is None:
                    return _error(400, 20001, f"{name} is not a valid date")
                resources = [r for r in resources if keep(r["date_created"], bound)]
        page = resources[:page_size]
        uri = f"/{API_VERSION}/Accounts/{account}/Messages.json?PageSize={page_size}"
        return _json_response(200, {
            "messages": page,
            "page": 0,
            "page_size": page_size,
            "start": 0,
            "end": max(len(page) - 1, 0),
            "uri": uri,
            "first_page_uri": uri + "&Page=0",
            "next_page_uri": None,
            "previous_page_uri": None,
        })

    def _check_auth(self, request: Request, account: str) -> Response | None:
        auth = request.authorization
        if auth is None or auth.type != "basic" or not auth.username:
            return _error(401, 20003, "Authenticate")
        if self.account_sid is not None and (
            auth.username != self.account_sid or auth.password != self.auth_token
        ):
            return _error(401, 20003, "Authenticate")
        if auth.username != account and not auth.username.startswith("SK"):
            return _error(401, 20003, "Authenticate")
        return None

    def _fetch_message(self, account: str, sid: str) -> Response:
        with self._condition:
            resource = self._messages.get(sid)
        if resource is None or resource["account_sid"] != account:
            return _error(
                404, 20404, f"The requested resource Messages/{sid} was not found"
            )
        return _json_response(200, resource)

    def _create_message(self, request: Request, account: str) -> Response:
        form = request.form
        entry: dict[str, Any] = {
            "account_sid": account,
            **{name: form.get(name) for name in RECORDED_FIELDS},
            "MediaUrl": form.getlist("MediaUrl"),
            "auth_username": request.authorization.username,
            "received_at": datetime.now(timezone.utc),
            "form": {name: form.get(name) for name in form.keys()},
            "sid": None,
            "error_code": None,
        }

        error = (
            _validate_create(entry)
            or self._channel_error(entry)
            or self._take_failure(entry["To"])
        )
        if error is not None:
            status, code, text = error
            entry["error_code"] = code
            return self._record(entry, _error(status, code, text))

        hold = self._take_hold(entry["To"])
        if hold is not None and not hold.accept:
            hold.reached.set()
            hold.released.wait(HOLD_TIMEOUT_SECONDS)
            entry["error_code"] = 20503
            return self._record(entry, _error(503, 20503, "Service Unavailable"))

        resource = _message_resource(entry)
        entry["sid"] = resource["sid"]
        with self._condition:
            self._messages[resource["sid"]] = resource
        if hold is not None:
            hold.reached.set()
            hold.released.wait(HOLD_TIMEOUT_SECONDS)
        return self._record(entry, _json_response(201, resource))

    def _channel_error(self, entry: dict[str, Any]) -> tuple[int, int, str] | None:
        recipient = _strip_channel(entry["To"])
        with self._condition:
            unreachable = recipient in self._unreachable
            closed = recipient in self._closed_windows
        if unreachable:
            return 400, 63003, _CODE_MESSAGES[63003]
        if closed and not entry["ContentSid"]:
            return 400, 63016, _CODE_MESSAGES[63016]
        return None

    def _take_hold(self, to: str | None) -> HeldSend | None:
        recipient = _strip_channel(to)
        with self._condition:
            for hold in self._holds:
                if hold.to is None or _strip_channel(hold.to) == recipient:
                    self._holds.remove(hold)
                    return hold
        return None

    def _take_failure(self, to: str | None) -> tuple[int, int, str] | None:
        recipient = _strip_channel(to)
        with self._condition:
            for failure in self._failures:
                if failure.to is not None and _strip_channel(failure.to) != recipient:
                    continue
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                return failure.status, failure.code, failure.message
        return None

    def _record(self, entry: dict[str, Any], response: Response) -> Response:
        entry["status"] = response.status_code
        with self._condition:
            self._requests.append(entry)
            self._condition.notify_all()
        logger.debug(
            "Twilio double %s: create for %s returned HTTP %s (sid %s, error %s)",
            self.port,
            mask(entry["To"] or ""),
            entry["status"],
            entry["sid"],
            entry["error_code"],
        )
        return response


def _validate_create(entry: dict[str, Any]) -> tuple[int, int, str] | None:
    """Return Twilio's 400 error for an invalid create request, else None."""
    if not entry["To"]:
        return 400, 21604, "A 'To' phone number is required."
    if not entry["From"] and not entry["MessagingServiceSid"]:
        return 400, 21603, "A 'From' phone number is required."
    if not entry["Body"] and not entry["ContentSid"] and not entry["MediaUrl"]:
        return 400, 21602, "Message body is required."
    if entry["Body"] and len(entry["Body"]) > MAX_BODY_LENGTH:
        return (
            400,
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        )
    if entry["ContentSid"] and not _CONTENT_SID.fullmatch(entry["ContentSid"]):
        return 400, 21655, "The ContentSid is Invalid."
    if entry["ContentVariables"] is not None:
        if not entry["ContentSid"]:
            return 400, 21656, "ContentVariables needs a ContentSid."
        try:
            variables = json.loads(entry["ContentVariables"])
        except ValueError:
            variables = None
        if not isinstance(variables, dict):
            return 400, 21656, "The ContentVariables Parameter is invalid."
    sender = entry["From"] or ""
    if sender and sender.startswith("whatsapp:") != entry["To"].startswith(
        "whatsapp:"
    ):
        return (
            400,
            21910,
            "Invalid From and To pair. From and To should be of the same channel.",
        )
    return None


def _message_resource(entry: dict[str, Any]) -> dict[str, Any]:
    """Build a Message resource in the JSON shape of API version 2010-04-01."""
    sid = "SM" + uuid.uuid4().hex
    account = entry["account_sid"]
    now = format_datetime(entry["received_at"])
    uri = f"/{API_VERSION}/Accounts/{account}/Messages/{sid}.json"
    return {
        "account_sid": account,
        "api_version": API_VERSION,
        "body": entry["Body"] or "",
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": entry["From"],
        "messaging_service_sid": entry["MessagingServiceSid"],
        "num_media": str(len(entry["MediaUrl"])),
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {
            "media": f"/{API_VERSION}/Accounts/{account}/Messages/{sid}/Media.json",
        },
        "to": entry["To"],
        "uri": uri,
    }


def _parse_filter_date(text: str) -> datetime | None:
    for pattern in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def _created(resource_date: str) -> datetime:
    return parsedate_to_datetime(resource_date)


def _same_day(resource_date: str, bound: datetime) -> bool:
    return _created(resource_date).date() == bound.date()


def _on_or_after(resource_date: str, bound: datetime) -> bool:
    return _created(resource_date) >= bound


def _on_or_before(resource_date: str, bound: datetime) -> bool:
    return _created(resource_date) <= bound


def _error(status: int, code: int, message: str) -> Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    response = _json_response(status, body)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response


def _json_response(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _strip_channel(address: str | None) -> str:
    return (address or "").removeprefix("whatsapp:")


def _describe(requests: list[dict[str, Any]]) -> str:
    if not requests:
        return "no message-create requests arrived."
    lines = [f"{len(requests)} message-create requests arrived:"]
    for entry in requests:
        lines.append(
            f"  to {mask(entry['To'] or '')}: HTTP {entry['status']}, "
            f"error {entry['error_code']}"
        )
    return "\n".join(lines)

"""Build the Twilio REST client and send WhatsApp messages through it."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.phones import mask

logger = logging.getLogger(__name__)

# Without a timeout, requests waits forever on a stalled connection and blocks
# the worker that sends.
DEFAULT_TIMEOUT_SECONDS = 10.0

# Twilio accepts at most 100 template variables per message.
MAX_CONTENT_VARIABLES = 100


class BaseUrlHttpClient(TwilioHttpClient):
    """Twilio HTTP client that sends every request to one base URL.

    The generated twilio 9.x resources build absolute URLs on
    ``https://<product>.twilio.com``. This client keeps their path and query
    and replaces the scheme and host, so a local Twilio double receives the
    calls. Proxy settings from the environment are ignored, because the base
    URL is meant to be reached directly.
    """

    def __init__(self, base_url: str, *, timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        self.base_url = _parse_base_url(base_url)
        self.session.trust_env = False

    def rewrite_url(self, url: str) -> str:
        """Return ``url`` with the scheme and host of the base URL."""
        parts = urlsplit(url)
        path = self.base_url.path.rstrip("/") + parts.path
        return urlunsplit(
            (self.base_url.scheme, self.base_url.netloc, path, parts.query, "")
        )

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        return super().request(
            method,
            self.rewrite_url(url),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


def _parse_base_url(base_url: str):
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"Twilio API URL {base_url!r} is invalid: expected "
            "http(s)://host[:port][/path], for example http://127.0.0.1:8081."
        )
    if parts.query or parts.fragment:
        raise ValueError(
            f"Twilio API URL {base_url!r} is invalid: remove the query string "
            "and fragment."
        )
    return parts


def make_client(
    account_sid: str,
    auth_token: str,
    api_url: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> Client:
    """Create a Twilio client, sending to ``api_url`` instead of Twilio when given.

    ``timeout`` is the connect and read timeout of each request, in seconds.
    Raises ValueError when a credential is empty or ``api_url`` is not an
    http(s) URL.
    """
    if not account_sid:
        raise ValueError("Twilio account SID is missing: set it before sending.")
    if not auth_token:
        raise ValueError("Twilio auth token is missing: set it before sending.")

    if api_url:
        http_client: TwilioHttpClient = BaseUrlHttpClient(api_url, timeout=timeout)
        logger.info(
            "Twilio client %s: sending REST requests to %s", account_sid, api_url
        )
    else:
        http_client = TwilioHttpClient(timeout=timeout)

    return Client(account_sid, auth_token, http_client=http_client)


def send_message(
    client: Client,
    *,
    from_: str,
    to: str,
    body: str | None = None,
    content_sid: str | None = None,
    content_variables: dict[str, Any] | None = None,
    status_callback: str | None = None,
) -> str:
    """Create one outbound message and return its SID.

    Send either free-form ``body`` or an approved template ``content_sid``
    with its ``content_variables``, which Twilio takes as a JSON string.
    Raises ValueError for an invalid combination of arguments and lets
    twilio.base.exceptions.TwilioRestException through for errors from Twilio.
    """
    if not from_ or not to:
        raise ValueError("Both from_ and to are required to send a message.")
    if (body is None) == (content_sid is None):
        raise ValueError(
            "Pass exactly one of body (free-form text) or content_sid (template)."
        )
    if content_variables is not None and content_sid is None:
        raise ValueError(
            "content_variables needs content_sid: pass the template SID too."
        )
    variable_count = len(content_variables or {})
    if variable_count > MAX_CONTENT_VARIABLES:
        raise ValueError(
            f"content_variables has {variable_count} entries, more than "
            f"Twilio's limit of {MAX_CONTENT_VARIABLES}."
        )

    params: dict[str, Any] = {"to": to, "from_": from_}
    if body is not None:
        params["body"] = body
    if content_sid is not None:
        params["content_sid"] = content_sid
    if content_variables is not None:
        params["content_variables"] = json.dumps(content_variables)
    if status_callback is not None:
        params["status_callback"] = status_callback

    message = client.messages.create(**params)
    logger.info(
        "Twilio message %s: %s for %s", message.sid, message.status, mask(to)
    )
    return message.sid



def recent_messages(
    client: Client, *, from_: str, to: str, limit: int = 20
) -> list[dict[str, Any]]:
    """List the latest messages from ``from_`` to ``to``, newest first.

    Each entry has ``sid``, ``body``, ``status`` and ``date_created`` (an
    aware datetime, or None). Used to find out whether a send that a worker
    did not finish reached Twilio. Raises TwilioRestException or a requests
    error when Twilio cannot answer.
    """
    messages = client.messages.list(to=to, from_=from_, limit=limit)
    return [
        {
            "sid": message.sid,
            "body": message.body,
            "status": message.status,
            "date_created": message.date_created,
        }
        for message in messages
    ]

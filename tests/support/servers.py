"""Helpers for end-to-end tests: the app under gunicorn and Twilio-shaped requests."""

from __future__ import annotations

import importlib.util
import http.client
import logging
import mimetypes
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping
from pathlib import Path

import requests
from twilio.request_validator import RequestValidator

from tests.support.network_guard import guarded_subprocess_env

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"

STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
# Twilio waits at most 15 s for a webhook response, connection included.
WEBHOOK_TIMEOUT_SECONDS = 15.0

TEST_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
BOT_WHATSAPP_NUMBER = "whatsapp:+14155238886"

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago.

    NOTE: another process can take the port between this call and the bind
    that follows, so a rare start-up failure with "Address already in use"
    is this race.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_libfaketime() -> str:
    """Return the path of the libfaketime.so.1 built by the PyPI package libfaketime.

    That package (3.0.1) vendors a libfaketime whose clock_nanosleep works
    with the real monotonic clock; Debian 12's faketime 0.9.10 does not (see
    ``faketime_env``). Raises RuntimeError when the package is not installed.
    """
    spec = importlib.util.find_spec("libfaketime")
    if spec is not None and spec.submodule_search_locations:
        package = Path(next(iter(spec.submodule_search_locations)))
        built = package / "vendor" / "libfaketime" / "src" / "libfaketime.so.1"
        if built.exists():
            return str(built)
    raise RuntimeError(
        "libfaketime.so.1 was not found: install the test requirements "
        "(pip install -r requirements-dev.txt), which build it."
    )


def faketime_env(
    faketime: str, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Return ``env`` with libfaketime preloaded and the clock set to ``faketime``.

    ``faketime`` takes libfaketime's FAKETIME syntax, for example
    "@2026-04-06 09:10:00" to start the clock at that local time and let it
    run. The monotonic clock stays real, so timeouts keep working.

    Debian 12's libfaketime 0.9.10 passes a negative time to
    clock_nanosleep when the monotonic clock is not faked, so ``time.sleep``
    raises ``OSError: [Errno 22]`` under Python 3.11 and later. gunicorn's
    arbiter calls ``time.sleep`` while spawning workers and crashes at start.
    Faking the monotonic clock instead makes ``threading.Event.wait`` hang.
    """
    result = dict(env or {})
    preload = find_libfaketime()
    existing = result.get("LD_PRELOAD")
    result["LD_PRELOAD"] = f"{preload}:{existing}" if existing else preload
    result["FAKETIME"] = faketime
    result["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
    result["FAKETIME_NO_CACHE"] = "1"
    return result


def check_faketime_sleep(env: Mapping[str, str]) -> None:
    """Raise RuntimeError when ``time.sleep`` fails in Python under ``env``.

    This turns the libfaketime 0.9.10 fault described in ``faketime_env``
    into one clear error, instead of a gunicorn arbiter that dies at a random
    point of its start-up.
    """
    result = subprocess.run(
        [sys.executable, "-c", "import time; time.sleep(0.001)"],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=30,
    )
    if result.returncode != 0:
        last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(
            f"time.sleep fails under libfaketime {env.get('LD_PRELOAD')!r} with "
            f"FAKETIME_DONT_FAKE_MONOTONIC=1 ({last_line}), so gunicorn cannot "
            "start under it. This needs a libfaketime that handles "
            "clock_nanosleep with TIMER_ABSTIME on the real monotonic clock."
        )


class AppServer:
    """The real app under gunicorn in a subprocess on 127.0.0.1.

    ``env`` is merged over a copy of ``os.environ``. With ``faketime``, the
    process runs under libfaketime (see ``faketime_env``), and start() raises
    RuntimeError where libfaketime breaks ``time.sleep``. With
    ``network_guard`` (the default), the app's Python processes block every
    non-loopback connection, see tests.support.network_guard.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        faketime: str | None = None,
        workers: int = 2,
        app: str = "app:create_app()",
        network_guard: bool = True,
    ) -> None:
        self.env = dict(env)
        self.faketime = faketime
        self.workers = workers
        self.app = app
        self.network_guard = network_guard
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._log_dir: tempfile.TemporaryDirectory | None = None
        # Output kept after the log directory is removed on exit.
        self._final_logs: dict[str, str] = {}

    @property
    def url(self) -> str:
        """Base URL of the server, without a trailing slash."""
        if self.port is None:
            raise RuntimeError("AppServer is not running: enter it first.")
        return f"http://127.0.0.1:{self.port}"

    def stdout_text(self) -> str:
        """Return everything the server wrote to stdout, also after it stopped."""
        return self._read_log("stdout")

    def stderr_text(self) -> str:
        """Return everything the server wrote to stderr, gunicorn's log included.

        The text stays available after the server stopped.
        """
        return self._read_log("stderr")

    def _read_log(self, name: str) -> str:
        if self._log_dir is None:
            return self._final_logs.get(name, "")
        path = Path(self._log_dir.name) / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace")

    def _remove_logs(self) -> None:
        if self._log_dir is None:
            return
        self._final_logs = {
            name: self._read_log(name) for name in ("stdout", "stderr")
        }
        self._log_dir.cleanup()
        self._log_dir = None

    def _build_env(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        if self.faketime is not None:
            env = faketime_env(self.faketime, env)
        if self.network_guard:
            env = guarded_subprocess_env(env)
        return env

    def start(self) -> AppServer:
        """Start gunicorn and wait until the app responds to HTTP requests.

        Raises RuntimeError with the server's stderr when gunicorn exits or
        does not respond within STARTUP_TIMEOUT_SECONDS.
        """
        if self.process is not None:
            raise RuntimeError("AppServer is already running; stop it first.")
        env = self._build_env()
        if self.faketime is not None:
            check_faketime_sleep(env)
        self.port = free_port()
        self._final_logs = {}
        self._log_dir = tempfile.TemporaryDirectory(prefix="app-server-")
        command = [
            str(GUNICORN),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            "30",
            self.app,
        ]
        log_dir = Path(self._log_dir.name)
        with (
            open(log_dir / "stdout.log", "wb") as stdout,
            open(log_dir / "stderr.log", "wb") as stderr,
        ):
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        logger.info(
            "App server %s: started gunicorn pid %s", self.port, self.process.pid
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            self._remove_logs()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn for {self.app!r} exited with code "
                    f"{self.process.returncode} before serving. Its stderr:\n"
                    f"{self.stderr_text()}"
                )
            if self._responds_to_http():
                return
            time.sleep(0.1)
        raise RuntimeError(
            f"gunicorn for {self.app!r} did not respond on port {self.port} within "
            f"{STARTUP_TIMEOUT_SECONDS:.0f} s. Its stderr:\n{self.stderr_text()}"
        )

    def _responds_to_http(self) -> bool:
        # The port accepts connections as soon as the arbiter binds it, before
        # any worker has imported the app, so wait for a complete HTTP response.
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()
        return True

    def stop(self) -> None:
        """Send SIGTERM to the server's process group and wait for it to exit.

        The group is killed with SIGKILL after STOP_TIMEOUT_SECONDS.
        """
        if self.process is None:
            return
        process = self.process
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            logger.warning(
                "App server %s: gunicorn pid %s ignored SIGTERM for %.0f s, killing",
                self.port,
                process.pid,
                STOP_TIMEOUT_SECONDS,
            )
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        # Workers orphaned by a crashed arbiter are still in the group.
        _signal_group(process.pid, signal.SIGKILL)
        logger.info(
            "App server %s: gunicorn pid %s exited with code %s",
            self.port,
            process.pid,
            process.returncode,
        )
        self.process = None

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        self._remove_logs()


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def signed_post(
    url: str,
    params: Mapping[str, str],
    auth_token: str,
    *,
    signed_url: str | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    """POST ``params`` form-encoded, signed as Twilio signs webhook requests.

    ``X-Twilio-Signature`` is computed over ``signed_url`` when given (the
    public URL that Twilio would call behind a proxy), else over ``url``.
    """
    signature = RequestValidator(auth_token).compute_signature(
        signed_url or url, dict(params)
    )
    headers = {"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}
    if session is None:
        with requests.Session() as own_session:
            own_session.trust_env = False
            return own_session.post(
                url,
                data=dict(params),
                headers=headers,
                timeout=WEBHOOK_TIMEOUT_SECONDS,
            )
    return session.post(
        url, data=dict(params), headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
    )


def inbound_params(
    from_phone: str,
    body: str | None,
    *,
    to: str = BOT_WHATSAPP_NUMBER,
    message_sid: str | None = None,
    num_media: int = 0,
    media: Iterable[str | tuple[str, str]] | None = None,
    profile_name: str = "Tester",
    account_sid: str = TEST_ACCOUNT_SID,
) -> dict[str, str]:
    """Build the form of an inbound WhatsApp webhook request as Twilio sends it.

    ``from_phone`` and ``to`` take ``+E164`` with or without ``whatsapp:``.
    ``media`` contains URLs or (URL, content type) pairs. ``num_media`` sets
    NumMedia when it is not 0, so a test can send a count that disagrees with
    the MediaUrl fields. ``body=None`` leaves Body out, as some media-only
    messages do. A message with media gets an ``MM`` SID, as Twilio gives it.
    """
    sender = _whatsapp_address(from_phone, "from_phone")
    recipient = _whatsapp_address(to, "to")
    media_items = [_media_item(item) for item in media or ()]
    if message_sid is None:
        prefix = "MM" if media_items else "SM"
        message_sid = prefix + uuid.uuid4().hex

    params = {
        "SmsMessageSid": message_sid,
        "SmsSid": message_sid,
        "MessageSid": message_sid,
        "AccountSid": account_sid,
        "From": sender,
        "To": recipient,
        "NumMedia": str(num_media or len(media_items)),
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        "WaId": sender.removeprefix("whatsapp:+"),
        "ProfileName": profile_name,
        "MessageType": _message_type(media_items),
        "ReferralNumMedia": "0",
    }
    if body is not None:
        params["Body"] = body
    for index, (media_url, content_type) in enumerate(media_items):
        params[f"MediaUrl{index}"] = media_url
        params[f"MediaContentType{index}"] = content_type
    return params


def _whatsapp_address(phone: str, argument: str) -> str:
    number = phone.removeprefix("whatsapp:")
    if not _E164.fullmatch(number):
        raise ValueError(
            f"{argument}={phone!r} is not a phone number in E.164 form; "
            "pass '+<country code><number>', e.g. '+6281234567890'."
        )
    return f"whatsapp:{number}"


def _media_item(item: str | tuple[str, str]) -> tuple[str, str]:
    if isinstance(item, str):
        content_type = mimetypes.guess_type(item)[0] or "application/octet-stream"
        return item, content_type
    media_url, content_type = item
    return media_url, content_type


def _message_type(media_items: list[tuple[str, str]]) -> str:
    if not media_items:
        return "text"
    major = media_items[0][1].split("/", 1)[0]
    return {"image": "image", "video": "video", "audio": "audio"}.get(
        major, "document"
    )


def twiml_messages(response_text: str) -> list[str]:
    """Return the body of each ``<Message>`` in a TwiML ``<Response>``, in order.

    A message's text is its ``<Body>`` element when it has one, else its own
    text. Raises ValueError when the text is not a TwiML Response.
    """
    try:
        root = ElementTree.fromstring(response_text)
    except ElementTree.ParseError as error:
        raise ValueError(f"Response is not well-formed XML: {error}") from error
    if root.tag != "Response":
        raise ValueError(f"TwiML root element is <{root.tag}>, expected <Response>.")

    bodies = []
    for message in root.findall("Message"):
        body = message.find("Body")
        source = body if body is not None else message
        bodies.append(source.text or "")
    return bodies

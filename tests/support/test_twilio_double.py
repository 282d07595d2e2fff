"""Tests of the test infrastructure: Twilio double, client, guard, app server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator

from bot.twilio_client import BaseUrlHttpClient, make_client, send_message
from tests.support import network_guard as guard
from tests.support.network_guard import (
    BlockedConnectionError,
    guarded_subprocess_env,
    is_loopback_host,
    network_guard,
)
from tests.support.servers import (
    REPO_ROOT,
    TEST_ACCOUNT_SID,
    AppServer,
    faketime_env,
    find_libfaketime,
    free_port,
    inbound_params,
    signed_post,
    twiml_messages,
)
from tests.support.twilio_double import TwilioDouble

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
BOT = "whatsapp:+14155238886"
OFFICIAL = "whatsapp:+6281200000001"
OTHER_OFFICIAL = "whatsapp:+6281200000002"
TOO_MANY_VARIABLES = {str(index): "a" for index in range(101)}
TEMPLATE_FORM = {"To": OFFICIAL, "From": BOT, "ContentSid": "HX" + "ab" * 16}


@pytest.fixture
def double():
    with TwilioDouble() as running:
        yield running


@pytest.fixture
def client(double):
    return make_client(TEST_ACCOUNT_SID, AUTH_TOKEN, double.url)


def send_text(client, to=OFFICIAL, body="Laporan diterima"):
    return send_message(client, from_=BOT, to=to, body=body)


# -- Twilio double and client ---------------------------------------------


def test_send_message_records_text_fields(double, client):
    sid = send_message(
        client,
        from_=BOT,
        to=OFFICIAL,
        body="Laporan diterima 👍",
        status_callback="http://127.0.0.1:9/status",
    )

    assert sid.startswith("SM")
    assert len(sid) == 34
    [entry] = double.requests
    assert entry["To"] == OFFICIAL
    assert entry["From"] == BOT
    assert entry["Body"] == "Laporan diterima 👍"
    assert entry["ContentSid"] is None
    assert entry["StatusCallback"] == "http://127.0.0.1:9/status"
    assert entry["account_sid"] == TEST_ACCOUNT_SID
    assert entry["auth_username"] == TEST_ACCOUNT_SID
    assert entry["status"] == 201
    assert entry["sid"] == sid
    assert isinstance(entry["received_at"], datetime)
    assert double.messages_to(OFFICIAL) == [entry]
    assert double.messages_to("+6281200000001") == [entry]


def test_send_message_records_template(double, client):
    variables = {"1": "Dinas Kesehatan", "2": "April 2026"}

    send_message(
        client,
        from_=BOT,
        to=OFFICIAL,
        content_sid="HX" + "ab" * 16,
        content_variables=variables,
    )

    [entry] = double.requests
    assert entry["ContentSid"] == "HX" + "ab" * 16
    assert isinstance(entry["ContentVariables"], str)
    assert json.loads(entry["ContentVariables"]) == variables
    assert entry["Body"] is None


def test_fetch_returns_stored_message(double, client):
    sid = send_text(client)

    message = client.messages(sid).fetch()

    assert message.sid == sid
    assert message.status == "queued"
    assert message.to == OFFICIAL
    assert message.from_ == BOT
    assert message.body == "Laporan diterima"
    assert message.error_code is None
    assert isinstance(message.date_created, datetime)


def test_fetch_unknown_message_is_404(client):
    with pytest.raises(TwilioRestException) as raised:
        client.messages("SM" + "0" * 32).fetch()

    assert raised.value.status == 404
    assert raised.value.code == 20404


def test_scripted_429_then_retry_succeeds(double, client):
    double.fail_next(429)

    with pytest.raises(TwilioRestException) as raised:
        send_text(client)
    sid = send_text(client)

    assert raised.value.status == 429
    assert raised.value.code == 20429
    assert [entry["status"] for entry in double.requests] == [429, 201]
    assert [entry["sid"] for entry in double.messages_to(OFFICIAL)] == [sid]


def test_scripted_63016_raises_rest_exception(double, client):
    double.fail_next(400, 63016)

    with pytest.raises(TwilioRestException) as raised:
        send_text(client)

    assert raised.value.status == 400
    assert raised.value.code == 63016
    assert "outside the allowed window" in raised.value.msg
    assert double.requests[0]["error_code"] == 63016
    assert double.messages_to(OFFICIAL) == []


def test_scripted_error_json_shape(double):
    double.fail_next(400, 63003, message="Channel could not find To address")

    response = requests.post(
        f"{double.url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages.json",
        data={"To": OFFICIAL, "From": BOT, "Body": "x"},
        auth=(TEST_ACCOUNT_SID, AUTH_TOKEN),
        timeout=5,
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": 63003,
        "message": "Channel could not find To address",
        "more_info": "https://www.twilio.com/docs/errors/63003",
        "status": 400,
    }


def test_scripted_500_uses_generic_code(double, client):
    double.fail_next(500)

    with pytest.raises(TwilioRestException) as raised:
        send_text(client)

    assert raised.value.status == 500
    assert raised.value.code == 20500


def test_fail_next_count_and_recipient(double, client):
    double.fail_next(400, 63003, count=2, to="+6281200000002")

    send_text(client, to=OFFICIAL)
    for _ in range(2):
        with pytest.raises(TwilioRestException):
            send_text(client, to=OTHER_OFFICIAL)
    send_text(client, to=OTHER_OFFICIAL)

    assert [entry["status"] for entry in double.requests] == [201, 400, 400, 201]
    assert len(double.messages_to(OFFICIAL)) == 1
    assert len(double.messages_to(OTHER_OFFICIAL)) == 1


def test_fail_next_rejects_zero_count(double):
    with pytest.raises(ValueError, match="count"):
        double.fail_next(500, count=0)


def test_missing_auth_is_401(double):
    response = requests.post(
        f"{double.url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages.json",
        data={"To": OFFICIAL, "From": BOT, "Body": "x"},
        timeout=5,
    )

    assert response.status_code == 401
    assert response.json()["code"] == 20003
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert double.requests == []


def test_configured_credentials_reject_wrong_token():
    with TwilioDouble(account_sid=TEST_ACCOUNT_SID, auth_token=AUTH_TOKEN) as double:
        good = make_client(TEST_ACCOUNT_SID, AUTH_TOKEN, double.url)
        bad = make_client(TEST_ACCOUNT_SID, "wrong-token", double.url)

        send_text(good)
        with pytest.raises(TwilioRestException) as raised:
            send_text(bad)

        assert raised.value.status == 401
        assert len(double.requests) == 1


def test_account_in_path_must_match_username(double):
    response = requests.post(
        f"{double.url}/2010-04-01/Accounts/AC{'f' * 32}/Messages.json",
        data={"To": OFFICIAL, "From": BOT, "Body": "x"},
        auth=(TEST_ACCOUNT_SID, AUTH_TOKEN),
        timeout=5,
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": BOT, "Body": "x"}, 21604),
        ({"To": OFFICIAL, "Body": "x"}, 21603),
        ({"To": OFFICIAL, "From": BOT}, 21602),
        ({"To": OFFICIAL, "From": BOT, "Body": "x" * 1601}, 21617),
        ({**TEMPLATE_FORM, "ContentVariables": "{"}, 21656),
        ({**TEMPLATE_FORM, "ContentVariables": "[]"}, 21656),
        ({"To": "+6281200000001", "From": BOT, "Body": "x"}, 21910),
    ],
)
def test_invalid_create_is_400(double, form, code):
    response = requests.post(
        f"{double.url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages.json",
        data=form,
        auth=(TEST_ACCOUNT_SID, AUTH_TOKEN),
        timeout=5,
    )

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert double.requests[0]["error_code"] == code


def test_body_of_1600_characters_is_accepted(double, client):
    send_text(client, body="x" * 1600)

    assert double.requests[0]["status"] == 201


def test_wait_for_predicate_met(double, client):
    timer = threading.Timer(0.2, send_text, args=(client,))
    timer.start()
    try:
        found = double.wait_for(lambda entries: len(entries) == 1, timeout=5)
    finally:
        timer.join()

    assert len(found) == 1
    assert found[0]["To"] == OFFICIAL


def test_wait_for_times_out_with_summary(double, client):
    send_text(client)

    with pytest.raises(AssertionError) as raised:
        double.wait_for(lambda entries: len(entries) == 2, timeout=0.2)

    message = str(raised.value)
    assert "1 message-create requests arrived" in message
    assert "+62" in message
    assert "6281200000001" not in message


def test_clear_forgets_requests_and_failures(double, client):
    first_sid = send_text(client)
    double.fail_next(500)

    double.clear()
    send_text(client)

    assert [entry["status"] for entry in double.requests] == [201]
    with pytest.raises(TwilioRestException) as raised:
        client.messages(first_sid).fetch()
    assert raised.value.status == 404


def test_url_before_start_raises():
    with pytest.raises(RuntimeError, match="not running"):
        TwilioDouble().url


def test_double_serves_other_process(double):
    script = textwrap.dedent(
        f"""
        from bot.twilio_client import make_client, send_message
        client = make_client({TEST_ACCOUNT_SID!r}, {AUTH_TOKEN!r}, {double.url!r})
        sid = send_message(client, from_={BOT!r}, to={OFFICIAL!r}, body="dari luar")
        print(sid)
        """
    )
    env = guarded_subprocess_env({**os.environ, "PYTHONPATH": str(REPO_ROOT)})

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    [entry] = double.wait_for(lambda entries: entries, timeout=5)
    assert entry["sid"] == result.stdout.strip()
    assert entry["Body"] == "dari luar"


# -- make_client and send_message ------------------------------------------


def test_make_client_default_http_client():
    client = make_client(TEST_ACCOUNT_SID, AUTH_TOKEN, None)

    assert type(client.http_client) is TwilioHttpClient
    assert client.http_client.timeout == 10.0


def test_rewrite_url_keeps_path_and_query():
    http_client = BaseUrlHttpClient("http://127.0.0.1:8081/twilio/")

    rewritten = http_client.rewrite_url(
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=5"
    )

    assert rewritten == (
        "http://127.0.0.1:8081/twilio"
        "/2010-04-01/Accounts/AC1/Messages.json?PageSize=5"
    )


def test_make_client_applies_path_prefix(double):
    client = make_client(TEST_ACCOUNT_SID, AUTH_TOKEN, double.url + "/prefix")

    with pytest.raises(TwilioRestException) as raised:
        send_text(client)

    assert raised.value.status == 404
    assert double.requests == []


@pytest.mark.parametrize(
    "api_url",
    ["127.0.0.1:8081", "ftp://127.0.0.1", "http://", "http://127.0.0.1/?a=1"],
)
def test_make_client_rejects_invalid_api_url(api_url):
    with pytest.raises(ValueError, match="Twilio API URL"):
        make_client(TEST_ACCOUNT_SID, AUTH_TOKEN, api_url)


@pytest.mark.parametrize(
    ("account_sid", "auth_token"), [("", AUTH_TOKEN), (TEST_ACCOUNT_SID, "")]
)
def test_make_client_rejects_missing_credentials(account_sid, auth_token):
    with pytest.raises(ValueError, match="missing"):
        make_client(account_sid, auth_token, None)


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"body": "x", "content_sid": "HX1"},
        {"body": "x", "content_variables": {"1": "a"}},
        {"content_sid": "HX1", "content_variables": TOO_MANY_VARIABLES},
    ],
)
def test_send_message_rejects_invalid_arguments(double, client, arguments):
    with pytest.raises(ValueError):
        send_message(client, from_=BOT, to=OFFICIAL, **arguments)

    assert double.requests == []


# -- network guard ---------------------------------------------------------


@pytest.fixture
def stubbed_guard():
    """The guard, over stubs that stand in for the real socket calls.

    A call that gets past the guard reaches a stub, which records its name
    and returns "stub", so a broken guard cannot send traffic.
    """
    reached: list[str] = []

    def make_stub(name):
        def stub(*args, **kwargs):
            reached.append(name)
            return "stub"

        return stub

    with network_guard(), pytest.MonkeyPatch.context() as patch:
        for owner, name, _ in guard._WRAPPERS:
            patch.setitem(guard._originals, (owner, name), make_stub(name))
        yield reached


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        (b"127.0.0.1", True),
        (None, True),
        ("", True),
        ("api.twilio.com", False),
        ("localhost.example.com", False),
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("2001:db8::1", False),
    ],
)
def test_is_loopback_host(host, expected):
    assert is_loopback_host(host) is expected


def test_guard_blocks_create_connection_to_twilio(stubbed_guard):
    with pytest.raises(BlockedConnectionError, match="api.twilio.com"):
        socket.create_connection(("api.twilio.com", 443), timeout=1)

    assert stubbed_guard == []
    assert "'api.twilio.com' port 443" in guard.blocked_attempts()


def test_guard_blocks_getaddrinfo(stubbed_guard):
    with pytest.raises(BlockedConnectionError):
        socket.getaddrinfo("api.twilio.com", 443)
    with pytest.raises(BlockedConnectionError):
        socket.gethostbyname("api.twilio.com")

    assert stubbed_guard == []


def test_guard_blocks_socket_connect(stubbed_guard):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(BlockedConnectionError):
            sock.connect(("203.0.113.10", 443))
        with pytest.raises(BlockedConnectionError):
            sock.connect_ex(("api.twilio.com", 443))

    assert stubbed_guard == []


def test_guard_passes_loopback_to_socket(stubbed_guard):
    assert socket.getaddrinfo("localhost", 80) == "stub"
    assert socket.create_connection(("127.0.0.1", 80)) == "stub"
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        assert sock.connect(("::1", 80, 0, 0)) == "stub"

    assert stubbed_guard == ["getaddrinfo", "create_connection", "connect"]


def test_guard_blocks_real_twilio_client(stubbed_guard):
    client = make_client(TEST_ACCOUNT_SID, AUTH_TOKEN, None)

    with pytest.raises(BlockedConnectionError, match="api.twilio.com"):
        send_text(client)

    assert stubbed_guard == []


def test_guard_allows_real_loopback_traffic(double, client):
    with network_guard():
        send_text(client)

    assert len(double.messages_to(OFFICIAL)) == 1


def test_guard_uninstall_restores_socket():
    # Runs in a fresh interpreter because the session conftest keeps the guard on.
    script = textwrap.dedent(
        """
        import socket
        from tests.support.network_guard import (
            is_network_guard_installed, network_guard,
        )
        original = socket.getaddrinfo
        with network_guard():
            assert socket.getaddrinfo is not original
            assert is_network_guard_installed()
        assert socket.getaddrinfo is original
        assert not is_network_guard_installed()
        assert "connect" not in vars(socket.socket)
        print("restored")
        """
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "restored"


def test_guard_installed_in_subprocess():
    script = textwrap.dedent(
        """
        import socket, sys
        if not getattr(socket.getaddrinfo, "_loopback_network_guard", False):
            sys.exit(3)
        try:
            socket.getaddrinfo("api.twilio.com", 443)
        except RuntimeError as error:
            print(type(error).__name__)
        """
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        env=guarded_subprocess_env(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "BlockedConnectionError"


# -- webhook request helpers -----------------------------------------------


def test_inbound_params_text_message():
    params = inbound_params("+6281200000001", "lapor", profile_name="Budi")

    assert params["From"] == OFFICIAL
    assert params["To"] == BOT
    assert params["Body"] == "lapor"
    assert params["MessageSid"].startswith("SM")
    assert len(params["MessageSid"]) == 34
    assert params["SmsMessageSid"] == params["MessageSid"]
    assert params["AccountSid"] == TEST_ACCOUNT_SID
    assert params["NumMedia"] == "0"
    assert params["NumSegments"] == "1"
    assert params["SmsStatus"] == "received"
    assert params["ApiVersion"] == "2010-04-01"
    assert params["WaId"] == "6281200000001"
    assert params["ProfileName"] == "Budi"
    assert "MediaUrl0" not in params
    assert all(isinstance(value, str) for value in params.values())


def test_inbound_params_media_message():
    params = inbound_params(
        OFFICIAL,
        None,
        media=[("http://127.0.0.1:9/a", "image/jpeg"), "http://127.0.0.1:9/b.pdf"],
    )

    assert "Body" not in params
    assert params["MessageSid"].startswith("MM")
    assert params["NumMedia"] == "2"
    assert params["MediaUrl0"] == "http://127.0.0.1:9/a"
    assert params["MediaContentType0"] == "image/jpeg"
    assert params["MediaContentType1"] == "application/pdf"
    assert params["MessageType"] == "image"


def test_inbound_params_num_media_overrides_count():
    params = inbound_params(OFFICIAL, "", num_media=1, message_sid="SM" + "1" * 32)

    assert params["NumMedia"] == "1"
    assert params["MessageSid"] == "SM" + "1" * 32
    assert "MediaUrl0" not in params


@pytest.mark.parametrize("phone", ["081200000001", "6281200000001", "+62 812", ""])
def test_inbound_params_rejects_non_e164(phone):
    with pytest.raises(ValueError, match="E.164"):
        inbound_params(phone, "lapor")


def test_signed_post_signature_validates():
    captured = {}

    class RecordingSession:
        def post(self, url, data, headers, timeout):
            captured.update(url=url, data=data, headers=headers)
            return "response"

    params = inbound_params(OFFICIAL, "Capaian 87,5% ✅")

    result = signed_post(
        "http://127.0.0.1:1/hook",
        params,
        AUTH_TOKEN,
        signed_url="https://bot.example.go.id/hook",
        session=RecordingSession(),
    )

    validator = RequestValidator(AUTH_TOKEN)
    signature = captured["headers"]["X-Twilio-Signature"]
    assert result == "response"
    assert captured["url"] == "http://127.0.0.1:1/hook"
    assert validator.validate("https://bot.example.go.id/hook", params, signature)
    assert not validator.validate("http://127.0.0.1:1/hook", params, signature)


@pytest.mark.parametrize(
    ("twiml", "expected"),
    [
        ("<Response><Message>Halo</Message></Response>", ["Halo"]),
        (
            '<?xml version="1.0" encoding="UTF-8"?><Response>'
            "<Message>Satu</Message><Message>Dua &amp; tiga</Message></Response>",
            ["Satu", "Dua & tiga"],
        ),
        (
            "<Response><Message><Body>Isi</Body><Media>http://x/a.jpg</Media>"
            "</Message></Response>",
            ["Isi"],
        ),
        ("<Response><Message /></Response>", [""]),
        ("<Response />", []),
    ],
)
def test_twiml_messages(twiml, expected):
    assert twiml_messages(twiml) == expected


@pytest.mark.parametrize("text", ["", "not xml", "<Message>Halo</Message>"])
def test_twiml_messages_rejects_non_twiml(text):
    with pytest.raises(ValueError):
        twiml_messages(text)


# -- app server ------------------------------------------------------------

ECHO_APP = '''
"""A small app that replies to a signed webhook through the Twilio double."""

import datetime
import os
import socket

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

from bot.twilio_client import make_client, send_message


def create_app():
    app = Flask(__name__)

    @app.post("/twilio/whatsapp")
    def whatsapp():
        validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
        public_url = os.environ.get("PUBLIC_URL")
        url = public_url + request.path if public_url else request.url
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(url, request.form.to_dict(), signature):
            abort(403)
        client = make_client(
            os.environ["TWILIO_ACCOUNT_SID"],
            os.environ["TWILIO_AUTH_TOKEN"],
            os.environ["TWILIO_API_URL"],
        )
        sid = send_message(
            client,
            from_=request.form["To"],
            to=request.form["From"],
            body="Diterima: " + request.form.get("Body", ""),
        )
        now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        xml = (
            f"<Response><Message>{sid}</Message>"
            f"<Message><Body>{now}</Body></Message></Response>"
        )
        return Response(xml, mimetype="application/xml")

    @app.get("/guard")
    def guard():
        marker = getattr(socket.getaddrinfo, "_loopback_network_guard", False)
        return {"installed": bool(marker)}

    return app
'''


@pytest.fixture
def echo_app_env(tmp_path, double):
    (tmp_path / "echo_app.py").write_text(ECHO_APP, encoding="utf-8")
    return {
        "PYTHONPATH": str(tmp_path),
        "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_URL": double.url,
    }


def test_free_port_is_bindable():
    port = free_port()

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))

    assert 1024 <= port <= 65535


def test_app_server_round_trip(double, echo_app_env):
    params = inbound_params(OFFICIAL, "Capaian 87,5% ✅")

    with AppServer(echo_app_env, app="echo_app:create_app()") as server:
        url = server.url + "/twilio/whatsapp"
        response = signed_post(url, params, AUTH_TOKEN)
        guard_state = requests.get(server.url + "/guard", timeout=5).json()

    assert response.status_code == 200
    assert "Booting worker" in server.stderr_text()
    assert "6281200000001" not in server.stderr_text()
    sid, local_time = twiml_messages(response.text)
    [entry] = double.messages_to(OFFICIAL)
    assert entry["sid"] == sid
    assert entry["From"] == BOT
    assert entry["Body"] == "Diterima: Capaian 87,5% ✅"
    sent_at = datetime.strptime(local_time, "%Y-%m-%d %H:%M")
    assert abs(sent_at - datetime.now()) < timedelta(minutes=2)
    assert guard_state == {"installed": True}


def test_app_server_checks_signed_url(double, echo_app_env):
    public_url = "https://emonev.example.go.id"
    env = {**echo_app_env, "PUBLIC_URL": public_url}
    params = inbound_params(OFFICIAL, "lapor")

    with AppServer(env, app="echo_app:create_app()", workers=1) as server:
        url = server.url + "/twilio/whatsapp"
        as_proxy_sees = signed_post(
            url, params, AUTH_TOKEN, signed_url=public_url + "/twilio/whatsapp"
        )
        as_app_sees = signed_post(url, params, AUTH_TOKEN)
        wrong_token = signed_post(
            url, params, "f" * 32, signed_url=public_url + "/twilio/whatsapp"
        )

    assert as_proxy_sees.status_code == 200
    assert as_app_sees.status_code == 403
    assert wrong_token.status_code == 403
    assert len(double.messages_to(OFFICIAL)) == 1


def test_app_server_reports_import_error(echo_app_env):
    server = AppServer(echo_app_env, app="no_such_module:create_app()", workers=1)

    with pytest.raises(RuntimeError) as raised:
        with server:
            pass

    assert "exited with code" in str(raised.value)
    assert "no_such_module" in str(raised.value)
    assert server.process is None
    assert "No module named 'no_such_module'" in server.stderr_text()


def test_faketime_env_sets_clock():
    env = faketime_env("@2026-04-06 09:10:00", {**os.environ, "TZ": "UTC"})
    script = "import datetime; print(datetime.datetime.now().isoformat())"

    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert env["LD_PRELOAD"].startswith(find_libfaketime())
    assert env["FAKETIME_DONT_FAKE_MONOTONIC"] == "1"
    assert env["FAKETIME_NO_CACHE"] == "1"
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2026-04-06T09:10:0")


def test_app_server_runs_under_faketime(double, echo_app_env):
    env = {**echo_app_env, "TZ": "UTC"}
    params = inbound_params(OFFICIAL, "lapor")

    server = AppServer(
        env, app="echo_app:create_app()", faketime="@2026-04-06 09:10:00"
    )
    with server:
        response = signed_post(server.url + "/twilio/whatsapp", params, AUTH_TOKEN)

    assert twiml_messages(response.text)[1] == "2026-04-06 09:10"

"""The dashboard over real HTTP: gunicorn, Redis, one RQ worker, the Twilio double.

The supervisor has never written to the bot, so the worker sends the code
as the `signin:id` template with the code as variable 1. The test reads
the code from the request the double received, as the phone would show it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
import requests

from app import create_app
from bot.web.dashboard import DATA_ENDPOINTS, PUBLIC_ENDPOINTS
from tests.flows.seed import seed_report
from tests.support.processes import WorkerProcess

pytestmark = pytest.mark.e2e

SUPERVISOR = "+6281200000025"
SUPERVISOR_TYPED = "0812-0000-0025"
# Thursday 9 April 2026: the March 2026 deadline (10 April) has not passed.
LOCAL_TIME = "2026-04-09 10:00"
PERIOD = "2026-03"
SIGNIN_TEMPLATE = "HX" + "7" * 32
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Upper bounds on waiting; a test fails only when one passes.
CODE_TIMEOUT_SECONDS = 40.0
HTTP_TIMEOUT_SECONDS = 30.0


@contextmanager
def dashboard_stack(start_server, db_url: str, redis_url: str, log_dir):
    """Run the app and one RQ worker at LOCAL_TIME on the same Redis."""
    templates = json.dumps({"signin:id": SIGNIN_TEMPLATE})
    with start_server(
        db_url, LOCAL_TIME, REDIS_URL=redis_url, TWILIO_TEMPLATES=templates,
        SECRET_KEY="e2e-dashboard-secret-key-0123456789",
    ) as server:
        worker = WorkerProcess(
            server.env, log_dir / "worker.log", faketime=server.faketime
        )
        try:
            yield server, worker
        finally:
            worker.stop()


def protected_paths(db_url: str) -> list[tuple[str, str, str]]:
    """List (endpoint, method, path) of every dashboard route that needs sign-in."""
    app = create_app({"DATABASE_URL": db_url})
    adapter = app.url_map.bind("localhost")
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("dashboard."):
            continue
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = adapter.build(rule.endpoint, {name: "DINKES" for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.append((rule.endpoint, method, path))
    return paths


def request_code(http: requests.Session, base: str) -> requests.Response:
    page = http.get(base + "/dashboard/signin", timeout=HTTP_TIMEOUT_SECONDS)
    token = CSRF.search(page.text).group(1)
    return http.post(
        base + "/dashboard/signin",
        data={"phone": SUPERVISOR_TYPED, "csrf_token": token},
        allow_redirects=False, timeout=HTTP_TIMEOUT_SECONDS,
    )


def enter_code(http: requests.Session, base: str, code: str) -> requests.Response:
    page = http.get(base + "/dashboard/signin/code", timeout=HTTP_TIMEOUT_SECONDS)
    token = CSRF.search(page.text).group(1)
    return http.post(
        base + "/dashboard/signin/code", data={"code": code, "csrf_token": token},
        allow_redirects=False, timeout=HTTP_TIMEOUT_SECONDS,
    )


def received_code(twilio_double, worker) -> str:
    try:
        twilio_double.wait_for(
            lambda requests: twilio_double.messages_to(SUPERVISOR),
            timeout=CODE_TIMEOUT_SECONDS,
        )
    except AssertionError as error:
        raise AssertionError(f"{error}\nworker output:\n{worker.output()}") from None
    [message] = twilio_double.messages_to(SUPERVISOR)
    assert message["ContentSid"] == SIGNIN_TEMPLATE
    assert message["Body"] is None
    return json.loads(message["ContentVariables"])["1"]


def test_dashboard_over_http(
    start_server, loaded_db_url, redis_url, twilio_double, tmp_path
):
    seed_report(loaded_db_url, "DINKES", PERIOD, {"RFK-KEU": Decimal("18250000000")},
                submitted_at="2026-04-06 09:30")
    protected = protected_paths(loaded_db_url)
    with dashboard_stack(start_server, loaded_db_url, redis_url, tmp_path) as (
        server, worker,
    ):
        base = server.url

        # Without the cookie every dashboard URL is refused.
        for endpoint, method, path in protected:
            response = requests.request(method, base + path, allow_redirects=False,
                                        timeout=HTTP_TIMEOUT_SECONDS)
            expected = 401 if endpoint in DATA_ENDPOINTS else 302
            assert response.status_code == expected, (endpoint, method)
            assert "Dinas Kesehatan" not in response.text

        # Request a code, read it from the WhatsApp message, sign in.
        http = requests.Session()
        requested = request_code(http, base)
        assert requested.status_code == 303
        code = received_code(twilio_double, worker)
        assert re.fullmatch(r"[0-9]{6}", code)
        signed_in = enter_code(http, base, code)
        assert signed_in.status_code == 303
        assert signed_in.headers["Location"] == "/dashboard/"
        cookie = http.cookies.get("emonev_session")
        assert cookie

        matrix = http.get(f"{base}/dashboard/?from={PERIOD}&to={PERIOD}",
                          timeout=HTTP_TIMEOUT_SECONDS)
        assert matrix.status_code == 200
        assert "Kepatuhan pelaporan" in matrix.text
        assert "/dashboard/agency/DINKES" in matrix.text

        export_path = f"/dashboard/export?format=csv&from={PERIOD}&to={PERIOD}"
        export = http.get(base + export_path, timeout=HTTP_TIMEOUT_SECONDS)
        assert export.status_code == 200
        assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
        disposition = export.headers["Content-Disposition"]
        assert f'filename="emonev-{PERIOD}.csv"' in disposition
        rows = list(csv.DictReader(io.StringIO(export.text)))
        [value] = [row for row in rows if row["agency_code"] == "DINKES"
                   and row["indicator_code"] == "RFK-KEU"]
        assert value["value"] == "18250000000"
        assert {row["period"] for row in rows} == {PERIOD}

        # The same code a second time, from another browser, is refused.
        again = requests.Session()
        limited = request_code(again, base)
        assert limited.status_code == 429
        reused = enter_code(again, base, code)
        assert reused.status_code == 400
        assert "Kode salah atau sudah tidak berlaku" in reused.text
        assert again.get(base + "/dashboard/", allow_redirects=False,
                         timeout=HTTP_TIMEOUT_SECONDS).status_code == 302
        assert len(twilio_double.messages_to(SUPERVISOR)) == 1

        # Signing out ends the session, also for a copy of its cookie.
        page = http.get(base + "/dashboard/", timeout=HTTP_TIMEOUT_SECONDS)
        token = CSRF.search(page.text).group(1)
        signed_out = http.post(base + "/dashboard/signout", data={"csrf_token": token},
                               allow_redirects=False, timeout=HTTP_TIMEOUT_SECONDS)
        assert signed_out.status_code == 303
        copy = requests.get(base + "/dashboard/", cookies={"emonev_session": cookie},
                            allow_redirects=False, timeout=HTTP_TIMEOUT_SECONDS)
        assert copy.status_code == 302

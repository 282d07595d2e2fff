"""The dashboard in Chromium: sign-in by WhatsApp code, matrix, agency, exports.

The app runs under gunicorn with Redis and one RQ worker, which sends the
sign-in code to the Twilio double. The supervisor has never written to the
bot, so the code goes out as the `signin:id` template, with the code as its
first variable.
"""

from __future__ import annotations

import csv
import json
import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlmodel import Session, select

from bot.db import get_engine
from bot.export import MISSING, NONE_VALUE
from bot.timeliness import CellState
from bot.web.pages import STATE_STYLES
from models import Agency, Indicator, Official, Period, Report, ReportValue
from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.layout import inner_scroll, page_overflow
from tests.flows.seed import seed_report
from tests.support.processes import WorkerProcess

pytestmark = pytest.mark.e2e

SUPERVISOR = "+6281200000025"
# The same number as an official types it on the sign-in page.
SUPERVISOR_TYPED = "0812 0000 0025"
# Thursday 9 April 2026: the March 2026 deadline (10 April) has not passed.
LOCAL_TIME = "2026-04-09 10:00"
PERIOD = "2026-03"
SIGNIN_TEMPLATE = "HX" + "5" * 32
# Upper bound on the worker sending the code; the test fails only when it passes.
CODE_TIMEOUT_SECONDS = 40.0
# Reports stored before the test: agency, values, submission time.
SEEDED_REPORTS = [
    ("DINKES", {
        "RFK-KEU": Decimal("18250000000"), "RFK-FIS": Decimal("15.5"),
        "RFK-SUBKEG": 42, "RFK-MASALAH": "-", "ADM-LAPKEU": "Sudah",
        "PBJ-STATUS": "Kontrak",
    }, "2026-04-06 09:30"),
    ("RSUD", {
        "RFK-KEU": Decimal("20000000000"), "RFK-FIS": 25, "RFK-SUBKEG": 30,
        "ADM-LAPKEU": "Belum", "PBJ-STATUS": "Proses Tender", "RS-BOR": 81,
    }, "2026-04-08 14:00"),
]


@contextmanager
def dashboard_stack(start_server, db_url: str, redis_url: str, log_dir):
    """Run the app and one RQ worker, both at LOCAL_TIME and on the same Redis."""
    templates = json.dumps({"signin:id": SIGNIN_TEMPLATE})
    with start_server(
        db_url, LOCAL_TIME, REDIS_URL=redis_url, TWILIO_TEMPLATES=templates
    ) as server:
        worker = WorkerProcess(
            server.env, log_dir / "worker.log", faketime=server.faketime
        )
        try:
            yield server, worker
        finally:
            worker.stop()


def sign_in(page, server, worker, twilio_double, screenshot) -> str:
    """Sign in as the supervisor with the code the Twilio double received.

    Returns the code.
    """
    page.goto(server.url + "/dashboard/")
    expect(page.locator("#phone")).to_be_visible()
    screenshot(page, "signin")
    page.fill("#phone", SUPERVISOR_TYPED)
    page.get_by_role("button", name="Kirim kode").click()
    expect(page.locator("#code")).to_be_visible()
    screenshot(page, "code-requested")

    try:
        twilio_double.wait_for(
            lambda requests: twilio_double.messages_to(SUPERVISOR),
            timeout=CODE_TIMEOUT_SECONDS,
        )
    except AssertionError as error:
        raise AssertionError(f"{error}\nworker output:\n{worker.output()}") from None
    [message] = twilio_double.messages_to(SUPERVISOR)
    assert message["ContentSid"] == SIGNIN_TEMPLATE
    code = json.loads(message["ContentVariables"])["1"]
    assert re.fullmatch(r"[0-9]{6}", code)

    page.fill("#code", code)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("h1")).to_have_text("Kepatuhan pelaporan")
    return code


def seed(db_url: str) -> None:
    for agency_code, values, submitted_at in SEEDED_REPORTS:
        seed_report(db_url, agency_code, PERIOD, values, submitted_at=submitted_at)


def expected_export(db_url: str) -> dict:
    """Read what the export of PERIOD must contain, straight from the tables."""
    with Session(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == PERIOD)).one()
        agencies = {agency.id: agency for agency in session.exec(select(Agency)).all()}
        reports = session.exec(
            select(Report).where(Report.period_id == period.id)
        ).all()
        values = session.exec(
            select(ReportValue, Report, Indicator)
            .join(Report, Report.id == ReportValue.report_id)
            .join(Indicator, Indicator.id == ReportValue.indicator_id)
            .where(Report.period_id == period.id)
        ).all()
    reported = {agencies[report.agency_id].code: report for report in reports}
    cells = {}
    for value, report, indicator in values:
        if value.is_none:
            cell = NONE_VALUE
        elif value.number is not None:
            cell = value.number
        else:
            cell = value.text
        cells[(agencies[report.agency_id].code, indicator.code)] = cell
    return {
        "agencies": {agency.code for agency in agencies.values()},
        "reported": reported,
        "values": cells,
    }


def check_export(rows: list[dict], expected: dict) -> None:
    """Compare the downloaded rows, as strings or typed cells, with the tables."""
    assert rows
    assert {row["period"] for row in rows} == {PERIOD}
    assert {row["agency_code"] for row in rows} == expected["agencies"]
    keys = [(row["agency_code"], row["indicator_code"]) for row in rows]
    assert len(keys) == len(set(keys))
    by_key = dict(zip(keys, rows))
    for key, cell in expected["values"].items():
        shown = by_key[key]["value"]
        if isinstance(cell, Decimal):
            assert Decimal(str(shown)) == cell, key
        else:
            assert shown == cell, key
    for row in rows:
        report = expected["reported"].get(row["agency_code"])
        if report is None:
            assert row["status"] == MISSING
            assert row["value"] in ("", None)
        else:
            assert row["status"] == report.status
            assert row["receipt_no"] == report.receipt_no


def download(page, link_name: str, target):
    """Click the link and save the file it downloads to `target`."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    info.value.save_as(target)
    return info.value.suggested_filename


def test_sign_in_matrix_agency_exports(
    start_server, sqlite_loaded_url, redis_url, twilio_double, new_context,
    screenshot, tmp_path,
):
    seed(sqlite_loaded_url)
    expected = expected_export(sqlite_loaded_url)
    with dashboard_stack(start_server, sqlite_loaded_url, redis_url, tmp_path) as (
        server, worker,
    ):
        context = new_context()
        # The supervisor's phone in the simulator receives the code too.
        phone = context.new_page()
        phone.goto(f"{server.url}/dev/simulator/{official_id(sqlite_loaded_url)}")
        page = context.new_page()
        code = sign_in(page, server, worker, twilio_double, screenshot)
        screenshot(page, "matrix")
        code_message = phone.locator(".bubble.proactive", has_text=code)
        expect(code_message).to_have_count(1)
        # The caption follows the row's status once the worker has sent it.
        expect(code_message.locator(".meta")).to_contain_text("signin · sent")
        phone.bring_to_front()
        screenshot(phone, "code-in-simulator")
        page.bring_to_front()

        # Show March 2026 alone.
        page.select_option("#periodicity", "monthly")
        page.select_option("#from", PERIOD)
        page.select_option("#to", PERIOD)
        page.get_by_role("button", name="Tampilkan").click()
        expect(page.locator("table.matrix tbody tr")).to_have_count(
            len(expected["agencies"])
        )
        screenshot(page, "matrix-march")
        on_time = STATE_STYLES[CellState.ON_TIME].label
        not_due = STATE_STYLES[CellState.OPEN].label
        for code in expected["reported"]:
            row = page.locator("table.matrix tbody tr").filter(
                has=page.locator(f'a[href*="/agency/{code}"]')
            )
            expect(row.locator("td.cell")).to_have_attribute("title", on_time)
        cells = page.locator("table.matrix tbody td.cell")
        expect(cells.and_(page.locator(f'[title="{on_time}"]'))).to_have_count(
            len(expected["reported"])
        )
        expect(cells.and_(page.locator(f'[title="{not_due}"]'))).to_have_count(
            len(expected["agencies"]) - len(expected["reported"])
        )

        csv_path = tmp_path / "export.csv"
        csv_name = download(page, "Unduh CSV", csv_path)
        assert csv_name.endswith(".csv")
        with open(csv_path, encoding="utf-8", newline="") as stream:
            check_export(list(csv.DictReader(stream)), expected)

        xlsx_path = tmp_path / "export.xlsx"
        xlsx_name = download(page, "Unduh Excel", xlsx_path)
        assert xlsx_name.endswith(".xlsx")
        workbook = load_workbook(xlsx_path, read_only=True)
        sheet_rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
        header, *cells = sheet_rows
        check_export([dict(zip(header, row)) for row in cells], expected)

        # Follow Dinkes from the matrix to its page.
        page.locator("table.matrix tbody a", has_text="Dinkes").click()
        dinkes = expected["reported"]["DINKES"]
        dinkes_name = agency_name(sqlite_loaded_url, "DINKES")
        expect(page.locator("h1")).to_have_text(dinkes_name)
        expect(page.locator(f"#periode-{PERIOD}")).to_contain_text(dinkes.receipt_no)
        screenshot(page, "agency")


def official_id(db_url: str, phone: str = SUPERVISOR) -> int:
    with Session(get_engine(db_url)) as session:
        return session.exec(select(Official.id).where(Official.phone == phone)).one()


def agency_name(db_url: str, code: str) -> str:
    with Session(get_engine(db_url)) as session:
        return session.exec(select(Agency.name).where(Agency.code == code)).one()


def test_dashboard_fits_phone_screen(
    start_server, sqlite_loaded_url, redis_url, twilio_double, new_context,
    screenshot, tmp_path,
):
    seed(sqlite_loaded_url)
    with dashboard_stack(start_server, sqlite_loaded_url, redis_url, tmp_path) as (
        server, worker,
    ):
        page = new_context(PHONE_VIEWPORT).new_page()
        sign_in(page, server, worker, twilio_double, screenshot)

        # Twelve months make the matrix far wider than the phone.
        year = "periodicity=monthly&from=2026-01&to=2026-12"
        page.goto(f"{server.url}/dashboard/?{year}")
        expect(page.locator("table.matrix")).to_be_visible()
        screenshot(page, "matrix")
        overflow = page_overflow(page)
        assert overflow["document"] <= 0
        assert overflow["body"] <= 0
        scroll = inner_scroll(page.locator("table.matrix"))
        assert scroll["overflowX"] in ("auto", "scroll")
        assert scroll["contentWidth"] > scroll["containerWidth"]
        assert scroll["moved"]

        page.locator("table.matrix tbody a", has_text="Dinkes").click()
        dinkes_name = agency_name(sqlite_loaded_url, "DINKES")
        expect(page.locator("h1")).to_have_text(dinkes_name)
        screenshot(page, "agency")
        overflow = page_overflow(page)
        assert overflow["document"] <= 0
        assert overflow["body"] <= 0
        # A state label stays on one line, the table scrolls instead.
        state = page.locator("#periode-2026-12 td").first
        expect(state).to_have_css("white-space", "nowrap")

        # The chart shrinks to the phone's width, title and legend included.
        page.goto(f"{server.url}/dashboard/trend?{year}")
        chart = page.locator("figure.chart svg")
        expect(chart).to_be_visible()
        screenshot(page, "trend")
        box = chart.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE_VIEWPORT["width"]
        frame = page.locator("figure.chart .scroll")
        assert frame.evaluate("box => box.scrollWidth <= box.clientWidth")
        overflow = page_overflow(page)
        assert overflow["document"] <= 0
        assert overflow["body"] <= 0

        page.goto(server.url + "/dashboard/signin")
        screenshot(page, "signin")
        overflow = page_overflow(page)
        assert overflow["document"] <= 0
        assert overflow["body"] <= 0

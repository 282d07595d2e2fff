"""Dashboard pages: protection, matrix, trend, agency page, exports, offline assets.

Each test signs in through the pages with a code read from the outbox, on
SQLite and PostgreSQL. The matrix tests build a small regency of their own,
so that every cell state occurs and the expected states follow from the
rows the test stored.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import event
from sqlmodel import Session, select

from bot.db import get_engine, session_scope
from bot.export import COLUMNS
from bot.parsing import format_rupiah
from bot.phones import mask
from bot.timeliness import ONGOING_LABEL, CellState
from bot.web.dashboard import DATA_ENDPOINTS, PUBLIC_ENDPOINTS
from bot.web.pages import STATE_STYLES
from models import (
    Agency,
    Channel,
    EventKind,
    FlagSource,
    FlagStatus,
    Indicator,
    Official,
    Period,
    Report,
    ReportEvent,
    ReportStatus,
    Resolution,
    Role,
    ValueFlag,
)
from tests.flows.seed import seed_report
from tests.test_signin import CSRF, Clock, make_app, sign_in

WEB_DIR = Path(__file__).resolve().parent.parent / "bot" / "web"
SUPERVISOR = "+6281200000025"
# 10:00 on Sunday 15 March 2026 in Asia/Jakarta.
NOW = datetime(2026, 3, 15, 3, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 15)


# --- a small HTML tree ----------------------------------------------------------------


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
             "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        pieces = list(self.parts)
        for child in self.children:
            pieces.append(child.text)
        return " ".join(" ".join(pieces).split())

    def find_all(self, tag: str, css: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if child.tag == tag and (css is None or css in child.classes):
                found.append(child)
            found.extend(child.find_all(tag, css))
        return found

    def find(self, tag: str, css: str | None = None) -> Node:
        found = self.find_all(tag, css)
        assert found, f"no <{tag}> with class {css!r}"
        return found[0]

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.stack[-1].parts.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    return builder.root


# --- a regency of the test's own ------------------------------------------------------


MONTHS = [(2025, month) for month in range(6, 13)] + [(2026, 1), (2026, 2), (2026, 3)]


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(
        code=f"{year}-{month:02d}", periodicity="monthly", start=start,
        end=following - timedelta(days=1), deadline=following + timedelta(days=9),
    )


def build_regency(db_url: str, dinas_count: int = 3) -> None:
    """Store dinas agencies that report a monthly indicator, a kecamatan that does not,
    ten months and a quarter, and one supervisor."""
    with session_scope(get_engine(db_url)) as session:
        for index in range(1, dinas_count + 1):
            session.add(Agency(code=f"D{index}", name=f"Dinas {index}",
                               short_name=f"Dinas {index}", kind="dinas"))
        session.add(Agency(code="K1", name="Kecamatan Satu", short_name="Kec. Satu",
                           kind="kecamatan"))
        session.add(Indicator(code="M-DINAS", name="Realisasi", type="number",
                              periodicity="monthly", applies_to="kind:dinas"))
        for year, month in MONTHS:
            session.add(month_period(year, month))
        session.add(Period(code="2026-TW1", periodicity="quarterly",
                           start=date(2026, 1, 1), end=date(2026, 3, 31),
                           deadline=date(2026, 4, 8)))
        session.add(
            Official(name="Pengawas Uji", phone=SUPERVISOR, role=Role.SUPERVISOR)
        )


# (agency, period) -> (status, on time). Periods without an entry have no report.
SEEDED = {
    ("D1", "2026-01"): (ReportStatus.SUBMITTED, True),
    ("D1", "2026-02"): (ReportStatus.SUBMITTED, False),
    ("D1", "2026-03"): (ReportStatus.VERIFIED, True),
    ("D2", "2026-01"): (ReportStatus.NEEDS_CORRECTION, True),
    ("D2", "2026-02"): (ReportStatus.DRAFT, None),
    ("D3", "2026-02"): (ReportStatus.VERIFIED, False),
    ("D3", "2026-03"): (ReportStatus.CORRECTED, True),
}


def seed_reports(db_url: str, seeded: dict) -> None:
    with session_scope(get_engine(db_url)) as session:
        agencies = {a.code: a for a in session.exec(select(Agency)).all()}
        periods = {p.code: p for p in session.exec(select(Period)).all()}
        for (agency_code, period_code), (status, on_time) in seeded.items():
            period = periods[period_code]
            submitted = None
            if status != ReportStatus.DRAFT:
                day = period.deadline
                if not on_time:
                    day += timedelta(days=2)
                submitted = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
            session.add(Report(
                agency_id=agencies[agency_code].id, period_id=period.id, status=status,
                on_time=on_time, first_submitted_at=submitted, submitted_at=submitted,
                submission_count=0 if submitted is None else 1,
            ))


def expected_state(agency: Agency, period: Period, seeded: dict) -> CellState:
    """The state each cell must show, from the rule the dashboard documents."""
    if agency.kind != "dinas" or period.periodicity != "monthly":
        return CellState.NOT_EXPECTED
    status, on_time = seeded.get((agency.code, period.code), (None, None))
    if status in (None, ReportStatus.DRAFT):
        return CellState.MISSING if TODAY > period.deadline else CellState.OPEN
    if status == ReportStatus.VERIFIED:
        return CellState.VERIFIED
    if status == ReportStatus.NEEDS_CORRECTION:
        return CellState.NEEDS_CORRECTION
    return CellState.ON_TIME if on_time else CellState.LATE


@pytest.fixture
def regency_url(db_url):
    build_regency(db_url)
    seed_reports(db_url, SEEDED)
    return db_url


def signed_in(db_url: str, moment: datetime = NOW):
    client = make_app(db_url, Clock(moment)).test_client()
    sign_in(client, db_url, SUPERVISOR)
    return client


def matrix_cells(html: str) -> dict[tuple[str, int], str]:
    """Map (agency link text, column index) to the state class of each cell."""
    classes = {style.css: state for state, style in STATE_STYLES.items()}
    table = parse(html).find("table", "matrix")
    cells = {}
    for row in table.find("tbody").find_all("tr"):
        name = row.find("th").text
        for index, cell in enumerate(row.find_all("td")):
            [state] = [classes[css] for css in cell.classes if css in classes]
            cells[name, index] = state
    return cells


def periods_in(db_url: str) -> dict[str, Period]:
    with Session(get_engine(db_url)) as session:
        return {p.code: p for p in session.exec(select(Period)).all()}


def agencies_in(db_url: str) -> list[Agency]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(select(Agency)).all())


# --- every route is protected ---------------------------------------------------------


def dashboard_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("dashboard.")]


def test_public_endpoints_are_only_signin():
    assert PUBLIC_ENDPOINTS == {"dashboard.signin", "dashboard.signin_code",
                                "dashboard.static"}


def test_every_dashboard_rule_refuses_anonymous(loaded_db_url):
    app = make_app(loaded_db_url, Clock(NOW))
    adapter = app.url_map.bind("localhost")
    checked = set()
    for rule in dashboard_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = adapter.build(rule.endpoint, {name: "DINKES" for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = app.test_client().open(path, method=method)
            if rule.endpoint in DATA_ENDPOINTS:
                assert response.status_code == 401, (rule.endpoint, method)
            else:
                assert response.status_code == 302, (rule.endpoint, method)
                assert response.headers["Location"].startswith("/dashboard/signin")
            assert b"Dinas Kesehatan" not in response.data
            assert b"Kepatuhan pelaporan" not in response.data
            assert b"agency_code" not in response.data
            checked.add(rule.endpoint)
    assert {"dashboard.matrix", "dashboard.trend", "dashboard.agency",
            "dashboard.export", "dashboard.signout"} <= checked


def test_exports_refuse_anonymous_with_401(loaded_db_url):
    client = make_app(loaded_db_url, Clock(NOW)).test_client()
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/dashboard/export?format={fmt}&from=2026-03&to=2026-03")
        assert response.status_code == 401
        assert response.mimetype == "text/plain"


def test_pages_send_security_headers(loaded_db_url):
    client = signed_in(loaded_db_url, datetime(2026, 4, 9, 3, 0, tzinfo=timezone.utc))
    response = client.get("/dashboard/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_static_files_send_nosniff(loaded_db_url):
    client = make_app(loaded_db_url, Clock(NOW)).test_client()
    for name in ("dashboard.css", "favicon.svg"):
        response = client.get(f"/dashboard/static/{name}")
        assert response.status_code == 200, name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert "Cache-Control" not in response.headers or (
            "no-store" not in response.headers["Cache-Control"]
        ), name


# --- the compliance matrix ------------------------------------------------------------


def test_matrix_states_match_reports(regency_url):
    client = signed_in(regency_url)
    codes = ["2026-01", "2026-02", "2026-03"]
    path = f"/dashboard/?periodicity=monthly&from={codes[0]}&to={codes[-1]}"
    response = client.get(path)
    cells = matrix_cells(response.text)
    periods = periods_in(regency_url)

    assert response.status_code == 200
    for agency in agencies_in(regency_url):
        for index, code in enumerate(codes):
            expected = expected_state(agency, periods[code], SEEDED)
            assert cells[agency.short_name, index] == expected, (agency.code, code)


def test_matrix_counts_per_column(regency_url):
    client = signed_in(regency_url)
    codes = ["2026-01", "2026-02", "2026-03"]
    html = client.get(f"/dashboard/?from={codes[0]}&to={codes[-1]}").text
    footer = parse(html).find("table", "matrix").find("tfoot")
    periods = periods_in(regency_url)
    agencies = agencies_in(regency_url)

    rows = footer.find_all("tr")
    assert len(rows) == len(CellState)
    for state, row in zip(CellState, rows):
        assert STATE_STYLES[state].label in row.find("th").text
        shown = [int(cell.text) for cell in row.find_all("td")]
        expected = [
            sum(expected_state(agency, periods[code], SEEDED) == state
                for agency in agencies)
            for code in codes
        ]
        assert shown == expected, state


def test_matrix_cells_not_colour_only(regency_url):
    html = signed_in(regency_url).get("/dashboard/?from=2026-01&to=2026-03").text
    tree = parse(html)
    legend = tree.find("ul", "legend").text
    for state, style in STATE_STYLES.items():
        assert style.label in legend, state
        assert style.symbol in legend, state
    symbols = {style.symbol for style in STATE_STYLES.values()}
    assert len(symbols) == len(STATE_STYLES)
    for cell in tree.find("table", "matrix").find("tbody").find_all("td"):
        [state] = [s for s, style in STATE_STYLES.items() if style.css in cell.classes]
        assert STATE_STYLES[state].symbol in cell.text
        assert STATE_STYLES[state].label in cell.text
        assert cell.attrs["title"] == STATE_STYLES[state].label


def test_matrix_default_range(regency_url):
    html = signed_in(regency_url).get("/dashboard/").text
    headers = parse(html).find("table", "matrix").find("thead").find_all("th")[1:]
    periods = sorted(periods_in(regency_url).values(), key=lambda p: p.deadline)
    monthly = [p for p in periods if p.periodicity == "monthly"]
    passed = [p for p in monthly if p.deadline < TODAY]
    current = [p for p in monthly if p.deadline >= TODAY and p.start <= TODAY][:1]
    expected = passed[-6:] + current

    assert len(headers) == len(expected)
    assert len(passed) > 6
    for header, period in zip(headers, expected):
        assert period.deadline.strftime("%d-%m-%Y") in header.text


def test_matrix_filters_periodicity(regency_url):
    html = signed_in(regency_url).get("/dashboard/?periodicity=quarterly").text
    table = parse(html).find("table", "matrix")
    headers = table.find("thead").find_all("th")[1:]
    assert len(headers) == 1
    assert "Triwulan I 2026" in headers[0].text
    assert set(matrix_cells(html).values()) == {CellState.NOT_EXPECTED}


def test_matrix_rejects_bad_range(regency_url):
    client = signed_in(regency_url)
    reversed_range = client.get("/dashboard/?from=2026-03&to=2026-01")
    unknown = client.get("/dashboard/?from=1999-01&to=2026-01")
    assert reversed_range.status_code == 400
    assert "Periode awal harus sebelum periode akhir" in reversed_range.text
    assert unknown.status_code == 400
    assert "Kode periode tidak dikenal" in unknown.text


def test_matrix_rows_link_agency_page(regency_url):
    client = signed_in(regency_url)
    html = client.get("/dashboard/?from=2026-01&to=2026-03").text
    body = parse(html).find("table", "matrix").find("tbody")
    links = [row.find("a").attrs["href"] for row in body.find_all("tr")]
    assert len(links) == len(agencies_in(regency_url))
    for link in links:
        assert link.startswith("/dashboard/agency/")
        assert "from=2026-01" in link
        assert client.get(link).status_code == 200


def test_matrix_rows_sorted_by_short_name(regency_url):
    # Full names sort these in another order than the short names shown.
    with session_scope(get_engine(regency_url)) as session:
        for code, name, short_name in [
            ("BKPSDM", "Badan Kepegawaian dan Pengembangan SDM", "BKPSDM"),
            ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "Kesbangpol"),
            ("BPBD", "Badan Penanggulangan Bencana Daerah", "BPBD"),
            ("BAPENDA", "Badan Pendapatan Daerah", "Bapenda"),
        ]:
            session.add(Agency(code=code, name=name, short_name=short_name,
                               kind="badan"))
    client = signed_in(regency_url)
    html = client.get("/dashboard/?from=2026-01&to=2026-03").text
    body = parse(html).find("table", "matrix").find("tbody")
    names = [row.find("th").text for row in body.find_all("tr")]
    assert names == ["Bapenda", "BKPSDM", "BPBD", "Dinas 1", "Dinas 2", "Dinas 3",
                     "Kec. Satu", "Kesbangpol"]


def test_range_menus_show_period_labels(regency_url):
    with session_scope(get_engine(regency_url)) as session:
        session.add(Period(code="2026", periodicity="annual", start=date(2026, 1, 1),
                           end=date(2026, 12, 31), deadline=date(2027, 1, 15)))
    client = signed_in(regency_url)
    html = client.get("/dashboard/?periodicity=all&from=2026-01&to=2026-03").text
    tree = parse(html)
    for menu in ("from", "to"):
        [select_node] = [node for node in tree.find_all("select")
                         if node.attrs.get("id") == menu]
        options = {option.attrs["value"]: option.text
                   for option in select_node.find_all("option")}
        assert options["2026-03"] == "Maret 2026", menu
        assert options["2025-12"] == "Desember 2025", menu
        assert options["2026-TW1"] == "Triwulan I 2026", menu
        assert options["2026"] == "Tahun 2026", menu


def count_selects(db_url: str, action) -> int:
    engine = get_engine(db_url)
    statements = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_matrix_queries_independent_of_agencies(db_url):
    build_regency(db_url, dinas_count=3)
    client = signed_in(db_url)
    path = "/dashboard/?from=2025-06&to=2026-03"

    few = count_selects(db_url, lambda: client.get(path))
    with session_scope(get_engine(db_url)) as session:
        for index in range(4, 40):
            session.add(Agency(code=f"D{index}", name=f"Dinas {index}",
                               short_name=f"Dinas {index}", kind="dinas"))
    many_seeded = {(f"D{index}", "2026-01"): (ReportStatus.SUBMITTED, True)
                   for index in range(1, 40)}
    seed_reports(db_url, many_seeded)
    many = count_selects(db_url, lambda: client.get(path))

    assert few == many


# --- trend ----------------------------------------------------------------------------


def test_trend_chart_and_table(loaded_db_url):
    seed_report(loaded_db_url, "DINKES", "2026-02", {"RFK-KEU": Decimal("1000")},
                submitted_at="2026-03-09 10:00")
    seed_report(loaded_db_url, "RSUD", "2026-02", {"RFK-KEU": Decimal("1000")},
                submitted_at="2026-03-12 10:00")
    client = signed_in(loaded_db_url, datetime(2026, 4, 9, 3, 0, tzinfo=timezone.utc))
    response = client.get("/dashboard/trend?from=2026-01&to=2026-03")
    tree = parse(response.text)
    with Session(get_engine(loaded_db_url)) as session:
        agencies = len(session.exec(select(Agency)).all())

    assert response.status_code == 200
    assert "<svg" in response.text
    assert "<?xml" not in response.text
    rows = tree.find("table", "figures").find("tbody").find_all("tr")
    # On 9 April the March deadline (10 April) is still ahead.
    assert [row.find("th").text for row in rows] == [
        "Januari 2026", "Februari 2026", f"Maret 2026 ({ONGOING_LABEL})"
    ]
    february = [cell.text for cell in rows[1].find_all("td")]
    assert february[0] == str(agencies)
    on_time = f"{100 * 1 / agencies:.1f}".replace(".", ",") + "%"
    assert february[1] == on_time
    # RSUD submitted two days after the 10 March deadline.
    assert february[3] == "2 hari"


# --- the agency page ------------------------------------------------------------------


def test_agency_page_flags_and_history(loaded_db_url):
    report_id = seed_report(loaded_db_url, "DINKES", "2026-03",
                            {"RFK-KEU": Decimal("18250000000"), "RFK-FIS": 15},
                            submitted_at="2026-04-06 09:30")
    moment = datetime(2026, 4, 7, 2, 0, tzinfo=timezone.utc)
    with session_scope(get_engine(loaded_db_url)) as session:
        supervisor = session.exec(
            select(Official).where(Official.phone == SUPERVISOR)
        ).one()
        indicator = session.exec(
            select(Indicator).where(Indicator.code == "RFK-FIS")
        ).one()
        open_flag = ValueFlag(
            report_id=report_id, indicator_id=indicator.id,
            source=FlagSource.SUPERVISOR,
            note="Fisik 15% tidak sesuai foto lapangan", status=FlagStatus.OPEN,
            raised_by_id=supervisor.id, raised_at=moment,
        )
        closed_flag = ValueFlag(
            report_id=report_id, indicator_id=indicator.id, source=FlagSource.RULE,
            rule_code="FIS-KUMULATIF", message="Realisasi fisik turun dari Februari",
            status=FlagStatus.CLOSED, resolution=Resolution.CONFIRMED,
            reason="Koreksi hitungan Februari", raised_at=moment - timedelta(hours=1),
            resolved_at=moment - timedelta(minutes=30),
        )
        session.add(open_flag)
        session.add(closed_flag)
        session.flush()
        session.add(ReportEvent(
            report_id=report_id, kind=EventKind.FLAGGED, flag_id=open_flag.id,
            official_id=supervisor.id, channel=Channel.WHATSAPP, created_at=moment,
        ))
        session.get(Report, report_id).status = ReportStatus.NEEDS_CORRECTION
        phones = list(session.exec(
            select(Official.phone).join(Agency, Agency.id == Official.agency_id)
            .where(Agency.code == "DINKES")
        ).all())

    client = signed_in(loaded_db_url, datetime(2026, 4, 9, 3, 0, tzinfo=timezone.utc))
    response = client.get("/dashboard/agency/DINKES?from=2026-03&to=2026-03")
    tree = parse(response.text)
    text = tree.text

    assert response.status_code == 200
    assert "Dinas Kesehatan" in tree.find("h1").text
    assert "Fisik 15% tidak sesuai foto lapangan" in text
    assert "Realisasi fisik turun dari Februari" in text
    assert "Koreksi hitungan Februari" in text
    assert "Dipertahankan dengan alasan" in text
    flag_rows = tree.find_all("tr", "flag-open")
    assert len(flag_rows) == 1
    assert "Fisik 15%" in flag_rows[0].text
    row = tree.find("tbody").find_all("tr")[0]
    assert STATE_STYLES[CellState.NEEDS_CORRECTION].label in row.text
    assert "2026-04-06 09.30" in row.text
    # The audit trail: the operator's value changes and the supervisor's flag.
    assert "Operator Dinkes 1" in text
    assert "Supervisor Bappeda 1" in text
    assert "Ditandai" in text
    # Values, names and channels are written as the bot writes them.
    assert format_rupiah(Decimal("18250000000")) in text
    assert "18250000000" not in text
    assert "Realisasi keuangan kumulatif" in text
    assert "(none)" not in text
    assert "whatsapp" not in text
    for phone in phones:
        assert phone not in response.text
        assert phone[1:] not in response.text
        assert mask(phone) in text


def test_agency_page_times_without_seconds(loaded_db_url):
    seed_report(loaded_db_url, "DINKES", "2026-03", {"RFK-KEU": Decimal("1000")},
                submitted_at="2026-04-06 09:30")
    client = signed_in(loaded_db_url, datetime(2026, 4, 9, 3, 0, tzinfo=timezone.utc))
    html = client.get("/dashboard/agency/DINKES?from=2026-02&to=2026-03").text
    tables = parse(html).find_all("table")
    reports, history = tables[0], tables[-1]
    page_time = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}\.[0-9]{2}")

    march = reports.find("tbody").find_all("tr")[0]
    state, _, first, last, _, _ = march.find_all("td")
    assert "nowrap" in state.classes
    assert page_time.fullmatch(first.text), first.text
    assert "nowrap" in first.classes
    assert page_time.fullmatch(last.text), last.text
    when = [row.find("td") for row in history.find("tbody").find_all("tr")]
    assert when
    for cell in when:
        assert page_time.fullmatch(cell.text), cell.text
        assert "nowrap" in cell.classes
    assert "2026-04-06 09.30" in [cell.text for cell in when]


def test_agency_page_unknown_code(loaded_db_url):
    client = signed_in(loaded_db_url, datetime(2026, 4, 9, 3, 0, tzinfo=timezone.utc))
    response = client.get("/dashboard/agency/NOPE")
    assert response.status_code == 404
    assert "tidak ditemukan" in response.text


# --- exports --------------------------------------------------------------------------


def expected_row_count(db_url: str, period_codes: list[str]) -> int:
    """Count agency and applicable indicator pairs of the periods, from the tables."""
    with Session(get_engine(db_url)) as session:
        agencies = session.exec(select(Agency)).all()
        indicators = session.exec(select(Indicator)).all()
        periods = session.exec(
            select(Period).where(Period.code.in_(period_codes))
        ).all()
    return sum(
        1
        for period in periods
        for agency in agencies
        for indicator in indicators
        if indicator.periodicity == period.periodicity and indicator.applies(agency)
    )


@pytest.fixture
def export_client(loaded_db_url):
    seed_report(loaded_db_url, "DINKES", "2026-02",
                {"RFK-KEU": Decimal("12500000000.5")}, submitted_at="2026-03-09 10:00")
    seed_report(loaded_db_url, "DINKES", "2026-03", {"RFK-KEU": Decimal("18250000000")},
                submitted_at="2026-04-06 09:30")
    return signed_in(loaded_db_url, datetime(2026, 4, 9, 3, 0, tzinfo=timezone.utc))


def test_export_csv_one_period(export_client, loaded_db_url):
    response = export_client.get("/dashboard/export?format=csv&from=2026-03&to=2026-03")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="emonev-2026-03.csv"'
    )
    assert len(rows) == expected_row_count(loaded_db_url, ["2026-03"])
    assert {row["period"] for row in rows} == {"2026-03"}
    [value] = [row for row in rows
               if row["agency_code"] == "DINKES" and row["indicator_code"] == "RFK-KEU"]
    assert value["value"] == "18250000000"
    assert value["status"] == ReportStatus.SUBMITTED


def test_export_xlsx_range(export_client, loaded_db_url):
    response = export_client.get(
        "/dashboard/export?format=xlsx&from=2026-02&to=2026-03&periodicity=monthly"
    )
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    header, *rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    by_key = {(row[0], row[1], row[3]): row for row in rows}

    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="emonev-2026-02_2026-03_monthly.xlsx"'
    )
    assert tuple(header) == COLUMNS
    assert len(rows) == expected_row_count(loaded_db_url, ["2026-02", "2026-03"])
    assert {row[0] for row in rows} == {"2026-02", "2026-03"}
    value_column = COLUMNS.index("value")
    assert by_key["2026-03", "DINKES", "RFK-KEU"][value_column] == 18250000000
    assert by_key["2026-02", "DINKES", "RFK-KEU"][value_column] == 12500000000.5


def test_export_rejects_bad_request(export_client):
    bad_format = export_client.get("/dashboard/export?format=pdf")
    bad_range = export_client.get("/dashboard/export?from=2026-03&to=2026-01")
    assert bad_format.status_code == 400
    assert bad_range.status_code == 400


def test_export_errors_in_indonesian(export_client, loaded_db_url):
    cases = {
        "/dashboard/export?format=pdf": "Format 'pdf' tidak didukung",
        "/dashboard/export?from=2026-03&to=2026-01": "Periode awal harus sebelum",
        "/dashboard/export?periodicity=quarterly&from=2026-01&to=2026-02":
            "Rentang ini tidak berisi periode",
    }
    for path, message in cases.items():
        response = export_client.get(path)
        assert response.status_code == 400, path
        assert message in response.text, path
    anonymous = make_app(loaded_db_url, Clock(NOW)).test_client()
    response = anonymous.get("/dashboard/export?format=csv")
    assert response.status_code == 401
    assert "Masuk ke dasbor" in response.text


# --- phone first and offline ----------------------------------------------------------


def rendered_pages(db_url: str) -> dict[str, str]:
    """Render every page of the dashboard, signed out and signed in."""
    clock = Clock(datetime(2026, 4, 9, 3, 0, tzinfo=timezone.utc))
    app = make_app(db_url, clock)
    anonymous = app.test_client()
    pages = {"signin": anonymous.get("/dashboard/signin").text}
    token = CSRF.search(pages["signin"]).group(1)
    unknown = {"phone": "0812 9999 9999", "csrf_token": token}
    anonymous.post("/dashboard/signin", data=unknown)
    pages["code"] = anonymous.get("/dashboard/signin/code").text
    pages["wrong code"] = anonymous.post(
        "/dashboard/signin/code", data={"code": "000000", "csrf_token": token}
    ).text
    pages["rate limited"] = anonymous.post("/dashboard/signin", data=unknown).text
    pages["csrf"] = anonymous.post("/dashboard/signin", data={"phone": "1"}).text

    client = app.test_client()
    sign_in(client, db_url, SUPERVISOR)
    for name, path in {
        "matrix": "/dashboard/?from=2026-01&to=2026-03",
        "matrix quarterly": "/dashboard/?periodicity=quarterly",
        "trend": "/dashboard/trend?from=2026-01&to=2026-03",
        "agency": "/dashboard/agency/DINKES?from=2026-01&to=2026-03",
        "not found": "/dashboard/agency/NOPE",
    }.items():
        pages[name] = client.get(path).text
    return pages


URL_ATTRIBUTE = re.compile(
    r"""\b(?:src|href|action|srcset|poster)\s*=\s*["']([^"']*)["']""", re.IGNORECASE
)


def is_local(url: str) -> bool:
    return url.startswith("#") or (url.startswith("/") and not url.startswith("//"))


def test_pages_use_no_outside_url(loaded_db_url):
    pages = rendered_pages(loaded_db_url)
    for name, html in pages.items():
        urls = URL_ATTRIBUTE.findall(html)
        assert urls, name
        outside = [url for url in urls if not is_local(url)]
        assert outside == [], name
        assert "@import" not in html, name


def test_templates_and_styles_name_no_outside_url():
    files = list((WEB_DIR / "templates" / "dashboard").glob("*.html"))
    files.append(WEB_DIR / "static" / "dashboard.css")
    assert len(files) >= 5
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "://" not in text, path.name
        assert "url(" not in text, path.name
        assert "@import" not in text, path.name


def test_styles_served_by_app(loaded_db_url):
    html = rendered_pages(loaded_db_url)["signin"]
    [stylesheet] = [link.attrs["href"] for link in parse(html).find_all("link")
                    if link.attrs.get("rel") == "stylesheet"]
    response = make_app(loaded_db_url, Clock(NOW)).test_client().get(stylesheet)
    assert response.status_code == 200
    assert response.mimetype == "text/css"


def test_pages_link_icon_served_by_app(loaded_db_url):
    client = make_app(loaded_db_url, Clock(NOW)).test_client()
    for name, html in rendered_pages(loaded_db_url).items():
        icons = [link.attrs["href"] for link in parse(html).find_all("link")
                 if link.attrs.get("rel") == "icon"]
        assert icons == ["/dashboard/static/favicon.svg"], name
    response = client.get("/dashboard/static/favicon.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "<svg" in response.text


def test_pages_phone_first(loaded_db_url):
    for name, html in rendered_pages(loaded_db_url).items():
        tree = parse(html)
        [root] = tree.find_all("html")
        assert root.attrs.get("lang") == "id", name
        viewports = [meta for meta in tree.find_all("meta")
                     if meta.attrs.get("name") == "viewport"]
        assert viewports and "width=device-width" in viewports[0].attrs["content"], name
        assert len(tree.find_all("h1")) == 1, name
        labels = {label.attrs.get("for") for label in tree.find_all("label")}
        fields = [node for tag in ("input", "select", "textarea")
                  for node in tree.find_all(tag) if node.attrs.get("type") != "hidden"]
        for node in fields:
            assert node.attrs.get("id") in labels, (name, node.attrs)


def test_pages_work_without_scripts(loaded_db_url):
    for name, html in rendered_pages(loaded_db_url).items():
        tree = parse(html)
        assert tree.find_all("script") == [], name
        for form in tree.find_all("form"):
            assert form.attrs.get("method") in ("get", "post"), name
            assert form.attrs.get("action", "").startswith("/dashboard"), name


def relative_luminance(hex_colour: str) -> float:
    """Return the WCAG 2.1 relative luminance of `#rrggbb`."""
    channels = []
    for index in (1, 3, 5):
        value = int(hex_colour[index:index + 2], 16) / 255
        if value <= 0.03928:
            channels.append(value / 12.92)
        else:
            channels.append(((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)),
                             reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_state_colours_have_contrast():
    css = (WEB_DIR / "static" / "dashboard.css").read_text(encoding="utf-8")
    for state, style in STATE_STYLES.items():
        pattern = r"\.%s \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6}); \}"
        rule = re.search(pattern % style.css, css)
        assert rule is not None, state
        background, text = rule.groups()
        # WCAG 2.1 success criterion 1.4.3 (AA) requires 4.5:1 for normal text.
        assert contrast(background, text) >= 4.5, state

"""Questions across agencies (rekap, peringkat, telat, laporan <OPD>), on both back
ends.

Every expected figure is computed here from the rows the test stored and
the sample regency's budgets and deadlines, never copied from a reply.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlmodel import Session, delete, select

from bot import reports
from bot.db import get_engine
from bot.intents import Intent, recognise
from bot.outbound import MAX_BODY
from bot.parsing import format_number, format_rupiah
from bot.periods import is_on_time
from bot.webhook import twiml
from flows.status import NAMES_LINE_WIDTH
from models import (
    Agency,
    AgencyAlias,
    Budget,
    Indicator,
    Official,
    Period,
    ReportStatus,
    Role,
)
from tests.flows.chat import JAKARTA, Chat, local
from tests.support.servers import twiml_messages

SUPERVISOR = "+6281200000025"
ENGLISH_ADMIN = "+6281200000030"
DINSOS_OPERATOR = "+6281200000007"
# Asked on Monday 13 April 2026, three days after the March deadline.
ASKED = "2026-04-13 08:05"
# Agencies seeded for February and March; only Dinsos, Dinkes, RSUD and DLH
# have operators in the sample regency.
SEEDED = ("DINSOS", "SETDA", "SETWAN", "DINKES", "RSUD", "BAPPEDA", "DLH")
# When each submitted its March report; DLH has only a February report.
MARCH_SUBMITTED = {
    "DINSOS": "2026-04-12 09:00",
    "SETDA": "2026-04-09 10:00",
    "SETWAN": "2026-04-11 15:00",
    "DINKES": "2026-04-06 09:18",
    "RSUD": "2026-04-13 07:30",
    "BAPPEDA": "2026-04-10 23:00",
}
FEBRUARY_SUBMITTED = "2026-03-09 10:00"
# Twilio sends at most this many TwiML messages in reply to one message.
TWIML_MESSAGE_LIMIT = 10


# --- seeding ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One report to store: its values, and when it was submitted (None: a draft)."""

    agency: str
    period: str
    values: dict[str, object]
    submitted_at: str | None = None


def seed(db_url: str, rows: list[Row]) -> None:
    """Store the reports in one transaction, submitted without an operator.

    Agencies without an operator report too, so the submission is set on the
    report directly, as `bot.reports.submit` would set it.
    """
    with Session(get_engine(db_url)) as session, session.begin():
        agencies = {a.code: a for a in session.exec(select(Agency)).all()}
        periods = {p.code: p for p in session.exec(select(Period)).all()}
        indicators = {i.code: i for i in session.exec(select(Indicator)).all()}
        for row in rows:
            agency, period = agencies[row.agency], periods[row.period]
            moment = local(row.submitted_at or f"{period.end.isoformat()} 12:00")
            report = reports.get_or_create_report(session, agency, period)
            for code, value in row.values.items():
                number = None if isinstance(value, str) else Decimal(str(value))
                reports.store_value(
                    session, report, indicators[code], raw_text=str(value),
                    number=number, text=value if isinstance(value, str) else None,
                    official=None, now=moment,
                )
            reports.refresh_computed(session, report, agency, period, moment)
            if row.submitted_at is not None:
                report.status = ReportStatus.SUBMITTED
                report.submitted_at = report.first_submitted_at = moment
                report.on_time = is_on_time(moment, period, JAKARTA)
                report.submission_count = 1
                session.add(report)


def february_keu(index: int) -> Decimal:
    return Decimal(2_000_000_000) * (index + 1)


def march_keu(index: int) -> Decimal:
    return february_keu(index) + Decimal(500_000_000) * (len(SEEDED) - index)


def february_fis(index: int) -> Decimal:
    return Decimal(4) + index


def march_fis(index: int) -> Decimal:
    # Agencies 0 and 4 share a value, so min, max or rank can be shared.
    return Decimal("10.5") + 3 * (index % 4)


def seed_two_months(db_url: str) -> None:
    rows = []
    for index, code in enumerate(SEEDED):
        rows.append(Row(code, "2026-02", {
            "RFK-KEU": february_keu(index), "RFK-FIS": february_fis(index),
        }, FEBRUARY_SUBMITTED))
        if code in MARCH_SUBMITTED:
            rows.append(Row(code, "2026-03", {
                "RFK-KEU": march_keu(index), "RFK-FIS": march_fis(index),
            }, MARCH_SUBMITTED[code]))
    seed(db_url, rows)


# --- reading the regency back ---------------------------------------------------------


def short_names(db_url: str) -> dict[str, str]:
    with Session(get_engine(db_url)) as session:
        return {a.code: a.short_name for a in session.exec(select(Agency)).all()}


def all_agencies(db_url: str) -> list[Agency]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(select(Agency).order_by(Agency.id)).all())


def ceilings(db_url: str, year: int = 2026) -> dict[str, Decimal]:
    with Session(get_engine(db_url)) as session:
        rows = session.exec(
            select(Agency.code, Budget.ceiling)
            .join(Budget, Budget.agency_id == Agency.id)
            .where(Budget.year == year)
        ).all()
        return dict(rows)


def deadline(db_url: str, period_code: str) -> date:
    with Session(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == period_code)).one()
        return period.deadline


def share(spent: Decimal, ceiling: Decimal) -> Decimal:
    return (100 * spent / ceiling).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def points(difference: Decimal, decimals: int | None = None) -> str:
    if not difference:
        return "tetap"
    sign = "+" if difference > 0 else "-"
    return f"{sign}{format_number(abs(difference), decimals)} poin"


def rupiah_change(difference: Decimal) -> str:
    return ("+" if difference > 0 else "-") + format_rupiah(abs(difference))


def parts_of(reply: str) -> list[str]:
    """Return the WhatsApp messages the webhook's TwiML makes of one reply."""
    return twiml_messages(twiml([reply]).get_data(as_text=True))


def line_after(reply: str, prefix: str) -> str:
    return next(line for line in reply.split("\n") if line.startswith(prefix))


# --- recognising the questions -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("telat", Intent.LATE),
        ("telat ga?", Intent.LATE),
        ("yang telat bulan maret", Intent.LATE),
        ("siapa terlambat triwulan 1", Intent.LATE),
        ("rekap bor", Intent.RECAP),
        ("Rekap BOR Maret!!", Intent.RECAP),
        ("minta rekap fisik maret", Intent.RECAP),
        ("rekap harian 07:30", Intent.DAILY_SUMMARY),
        ("peringkat realisasi bln maret", Intent.RANKING),
        ("ranking realisasi maret", Intent.RANKING),
        ("siapa aja OPD yg blm lapor bulan maret?", Intent.MISSING),
        ("status dinkes", Intent.STATUS),
        ("laporan rsud maret", Intent.REPORT),
        ("telah kirim", Intent.UNKNOWN),
    ],
)
def test_recognise_questions(text, intent):
    recognised = recognise(text)
    assert recognised.intent == intent
    assert recognised.suggestion is None


def test_mistyped_ranking_is_suggested(loaded_db_url):
    seed_two_months(loaded_db_url)
    supervisor = Chat(loaded_db_url, SUPERVISOR, at=ASKED)
    assert "Maksudnya *peringkat realisasi maret 2026*?" in supervisor.send(
        "pringkat realisasi maret"
    )
    assert supervisor.send("ya") == supervisor.send("peringkat realisasi maret")


# --- missing and late agencies --------------------------------------------------------


def test_missing_question_lists_missing_agencies(loaded_db_url):
    seed_two_months(loaded_db_url)
    names = short_names(loaded_db_url)
    missing = [
        a.short_name
        for a in all_agencies(loaded_db_url)
        if a.code not in MARCH_SUBMITTED
    ]
    supervisor = Chat(loaded_db_url, SUPERVISOR, at=ASKED)
    for question in ("siapa aja OPD yg blm lapor bulan maret?", "belum maret"):
        reply = supervisor.send(question)
        assert "*Maret 2026*" in reply
        assert f"*Belum lapor ({len(missing)}):* {', '.join(missing)}" in reply
        assert names["DINSOS"] not in line_after(reply, "*Belum lapor")


@pytest.mark.parametrize(
    ("moment", "label"),
    [
        # The quarter's deadline (8 April) passed before March's (10 April).
        ("2026-04-09 08:00", "*Triwulan I 2026*"),
        ("2026-04-11 08:00", "*Maret 2026*"),
        # A deadline passes when its day is over: 10 April still counts as due.
        ("2026-04-10 08:00", "*Triwulan I 2026*"),
    ],
)
def test_missing_without_period_is_latest_due(loaded_db_url, moment, label):
    reply = Chat(loaded_db_url, SUPERVISOR, at=moment).send("belum")
    assert reply.startswith(label)


def test_late_lists_days_and_overdue(loaded_db_url):
    seed_two_months(loaded_db_url)
    names = short_names(loaded_db_url)
    due = deadline(loaded_db_url, "2026-03")
    today = local(ASKED).date()
    late = {
        code: (local(moment).date() - due).days
        for code, moment in MARCH_SUBMITTED.items()
        if local(moment).date() > due
    }
    missing = [
        a.short_name
        for a in all_agencies(loaded_db_url)
        if a.code not in MARCH_SUBMITTED
    ]

    reply = Chat(loaded_db_url, SUPERVISOR, at=ASKED).send("telat")

    on_time = len(MARCH_SUBMITTED) - len(late)
    assert reply.startswith("*Maret 2026*")
    assert (
        f"Sudah lapor: {len(MARCH_SUBMITTED)} dari "
        f"{len(missing) + len(MARCH_SUBMITTED)} • Tepat waktu: {on_time} • "
        f"Terlambat: {len(late)}" in reply
    )
    assert f"*Lapor terlambat ({len(late)}):*" in reply
    listed = [line for line in reply.split("\n") if line.startswith("• ")]
    ordered = sorted(late, key=lambda code: (-late[code], names[code]))
    expected = [
        f"• {names[code]}: {late[code]} hari (terkirim "
        f"{local(MARCH_SUBMITTED[code]).strftime('%d/%m %H.%M')})"
        for code in ordered
    ]
    assert listed == expected
    overdue = f"*Belum lapor, sudah lewat {(today - due).days} hari ({len(missing)}):* "
    assert overdue + ", ".join(missing) in reply


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("telat", "*Maret 2026*"),
        ("yang telat bulan maret", "*Maret 2026*"),
        ("telat ga?", "*Maret 2026*"),
        ("Pagi. Siapa aja OPD yg telat bulan maret?", "*Maret 2026*"),
        ("siapa terlambat triwulan 1", "*Triwulan I 2026*"),
        ("terlambat tw 1", "*Triwulan I 2026*"),
    ],
)
def test_late_question_forms(loaded_db_url, question, label):
    seed_two_months(loaded_db_url)
    reply = Chat(loaded_db_url, SUPERVISOR, at=ASKED).send(question)
    assert reply.startswith(label)
    assert "*Belum lapor, sudah lewat" in reply


def test_late_before_deadline(loaded_db_url):
    seed_two_months(loaded_db_url)
    reply = Chat(loaded_db_url, SUPERVISOR, at="2026-04-09 12:00").send("telat maret")
    assert "Batas *Maret 2026* baru Jumat, 10 April 2026" in reply
    assert "*Lapor terlambat" not in reply
    assert "sudah lewat" not in reply


# --- one agency's report ------------------------------------------------------------


def test_agency_report_shows_change(loaded_db_url):
    february, march = Decimal("76"), Decimal("81.2")
    seed(loaded_db_url, [
        Row("RSUD", "2026-02", {"RS-BOR": february, "RFK-KEU": february_keu(0)},
            FEBRUARY_SUBMITTED),
        Row("RSUD", "2026-03", {"RS-BOR": march, "RFK-KEU": march_keu(0)},
            "2026-04-08 10:00"),
    ])
    supervisor = Chat(loaded_db_url, SUPERVISOR, at=ASKED)
    for question in ("laporan rsud maret", "status rsud maret", "status rsud"):
        reply = supervisor.send(question)
        assert reply.startswith("*RSUD — Maret 2026*")
        bor = f"{format_number(march)}% (Feb {format_number(february)}%, "
        assert bor + points(march - february) + ")" in reply
        keu = (
            f"{format_rupiah(march_keu(0))} (Feb {format_rupiah(february_keu(0))}, "
            f"{rupiah_change(march_keu(0) - february_keu(0))})"
        )
        assert keu in reply


def test_agency_report_ignores_previous_draft(loaded_db_url):
    seed(loaded_db_url, [
        Row("RSUD", "2026-02", {"RS-BOR": 76}),
        Row("RSUD", "2026-03", {"RS-BOR": 80}, "2026-04-08 10:00"),
    ])
    reply = Chat(loaded_db_url, SUPERVISOR, at=ASKED).send("laporan rsud maret")
    assert "rumah sakit: 80%\n" in reply
    assert "Feb" not in reply


# --- one indicator across agencies ----------------------------------------------------


def test_recap_indicator_across_agencies(loaded_db_url):
    seed_two_months(loaded_db_url)
    names = short_names(loaded_db_url)
    reported = {
        code: (march_fis(index), february_fis(index))
        for index, code in enumerate(SEEDED) if code in MARCH_SUBMITTED
    }
    everyone = all_agencies(loaded_db_url)

    reply = Chat(loaded_db_url, SUPERVISOR, at=ASKED).send("rekap fisik maret")

    assert reply.startswith("*Rekap Fisik — Maret 2026*")
    assert "perubahan dari Februari 2026" in reply
    ordered = sorted(reported, key=lambda code: (-reported[code][0], names[code]))
    expected = [
        f"• {names[code]}: {format_number(now)}% ({points(now - before)})"
        for code, (now, before) in ((c, reported[c]) for c in ordered)
    ]
    assert [line for line in reply.split("\n") if line.startswith("• ")] == expected
    assert f"Sudah ada nilai: {len(reported)} dari {len(everyone)} OPD" in reply

    values = [now for now, _ in reported.values()]
    low, high = min(values), max(values)
    middle = statistics.median(values)
    february = [february_fis(index) for index in range(len(SEEDED))]
    middle_before = statistics.median(february)
    low_names = ", ".join(sorted(names[c] for c in reported if reported[c][0] == low))
    high_names = ", ".join(sorted(names[c] for c in reported if reported[c][0] == high))
    assert (
        f"Terendah: {format_number(low)}% ({low_names}) • "
        f"Median: {format_number(middle)}% (Feb {format_number(middle_before)}%, "
        f"{points(middle - middle_before)}) • "
        f"Tertinggi: {format_number(high)}% ({high_names})" in reply
    )
    without = [a.short_name for a in everyone if a.code not in reported]
    assert f"*Belum ada nilai ({len(without)}):* {', '.join(without)}" in reply


@pytest.mark.parametrize(
    "question",
    ["rekap bor", "Rekap BOR Maret!!", "rekap bor bln maret", "REKAP RS-BOR"],
)
def test_recap_forgiving_input(loaded_db_url, question):
    february, march = Decimal("76"), Decimal("81.25")
    seed(loaded_db_url, [
        Row("RSUD", "2026-02", {"RS-BOR": february}, FEBRUARY_SUBMITTED),
        Row("RSUD", "2026-03", {"RS-BOR": march}, "2026-04-08 10:00"),
    ])
    reply = Chat(loaded_db_url, SUPERVISOR, at=ASKED).send(question)
    assert reply.startswith("*Rekap BOR — Maret 2026*")
    assert f"• RSUD: {format_number(march)}% ({points(march - february)})" in reply
    assert "Sudah ada nilai: 1 dari 1 OPD" in reply


def test_recap_quarter_of_cumulative_indicator(loaded_db_url):
    seed_two_months(loaded_db_url)
    names = short_names(loaded_db_url)
    supervisor = Chat(loaded_db_url, SUPERVISOR, at=ASKED)
    reply = supervisor.send("rekap realisasi keuangan triwulan 1")
    assert reply.startswith("*Rekap Keuangan — Maret 2026 (akhir Triwulan I 2026)*")
    top = max(
        (index for index, code in enumerate(SEEDED) if code in MARCH_SUBMITTED),
        key=march_keu,
    )
    change = rupiah_change(march_keu(top) - february_keu(top))
    line = f"• {names[SEEDED[top]]}: {format_rupiah(march_keu(top))} ({change})"
    assert line in reply

    monthly_only = supervisor.send("rekap bor tw 1")
    assert "BOR dilaporkan bulanan" in monthly_only
    assert "*rekap bor maret 2026*" in monthly_only


def test_recap_of_choice_indicator(loaded_db_url):
    seed(loaded_db_url, [
        Row("RSUD", "2026-02", {"PBJ-STATUS": "Persiapan"}, FEBRUARY_SUBMITTED),
        Row("DINKES", "2026-02", {"PBJ-STATUS": "Persiapan"}, FEBRUARY_SUBMITTED),
        Row("RSUD", "2026-03", {"PBJ-STATUS": "Kontrak"}, "2026-04-08 10:00"),
        Row("DINKES", "2026-03", {"PBJ-STATUS": "Persiapan"}, "2026-04-08 10:00"),
        Row("DISHUB", "2026-03", {"PBJ-STATUS": "Kontrak"}, "2026-04-08 10:00"),
    ])
    with Session(get_engine(loaded_db_url)) as session:
        indicator = session.exec(
            select(Indicator).where(Indicator.code == "PBJ-STATUS")
        ).one()
        everyone = session.exec(select(Agency)).all()
        expected = [a for a in everyone if indicator.applies(a)]
    reply = Chat(loaded_db_url, SUPERVISOR, at=ASKED).send("rekap pengadaan maret")
    assert "• Persiapan (1, Feb: 2): Dinkes" in reply
    assert "• Kontrak (2, Feb: 0): RSUD, Dishub" in reply
    assert f"Sudah ada nilai: 3 dari {len(expected)} OPD" in reply


@pytest.mark.parametrize(
    ("question", "typed", "suggested"),
    [
        ("rekap borr maret", "borr", "*BOR*"),
        ("rekap fisk", "fisk", "*Fisik*"),
        ("rekap imunsasi tw 1", "imunsasi", "*Imunisasi*"),
    ],
)
def test_recap_unknown_indicator_suggests(loaded_db_url, question, typed, suggested):
    reply = Chat(loaded_db_url, SUPERVISOR, at=ASKED).send(question)
    assert f'Indikator "{typed}" tidak dikenali' in reply
    assert suggested in reply


def test_recap_without_indicator_is_status(loaded_db_url):
    seed_two_months(loaded_db_url)
    supervisor = Chat(loaded_db_url, SUPERVISOR, at=ASKED)
    assert supervisor.send("rekap maret").startswith("*Maret 2026* (batas")
    assert supervisor.send("rekap dinkes").startswith("*Dinkes — Maret 2026*")


# --- ranking by realisation -----------------------------------------------------------


def expected_budget_ranking(db_url: str) -> tuple[list[str], list[str], list[str]]:
    """Return the ranked lines, the agencies without a report, and without a budget."""
    names = short_names(db_url)
    budgets = ceilings(db_url)
    scored, no_budget = [], []
    for index, code in enumerate(SEEDED):
        if code not in MARCH_SUBMITTED:
            continue
        if code not in budgets:
            no_budget.append(names[code])
            continue
        now = share(march_keu(index), budgets[code])
        before = share(february_keu(index), budgets[code])
        scored.append((now, before, names[code]))
    scored.sort(key=lambda item: (-item[0], item[2]))
    lines = []
    for now, before, name in scored:
        rank = 1 + sum(1 for other, _, _ in scored if other > now)
        lines.append(f"{rank}. {name}: {format_number(now, 1)}% "
                     f"({points(now - before, 1)})")
    no_report = [
        a.short_name for a in all_agencies(db_url) if a.code not in MARCH_SUBMITTED
    ]
    return lines, no_report, no_budget


def test_ranking_by_budget_share(loaded_db_url):
    seed_two_months(loaded_db_url)
    with Session(get_engine(loaded_db_url)) as session, session.begin():
        bappeda = session.exec(select(Agency).where(Agency.code == "BAPPEDA")).one()
        session.exec(delete(Budget).where(Budget.agency_id == bappeda.id))
    lines, no_report, no_budget = expected_budget_ranking(loaded_db_url)
    assert no_budget

    reply = Chat(loaded_db_url, SUPERVISOR, at=ASKED).send("peringkat realisasi")

    assert reply.startswith("*Peringkat Keuangan (% pagu) — Maret 2026*")
    assert [line for line in reply.split("\n") if re.match(r"\d+\. ", line)] == lines
    assert f"*Belum lapor ({len(no_report)}):* {', '.join(no_report)}" in reply
    assert f"*Belum ada pagu 2026 ({len(no_budget)}):* {', '.join(no_budget)}" in reply
    assert reply.index("*Belum lapor") > reply.index(lines[-1])


def test_ranking_question_forms(loaded_db_url):
    seed_two_months(loaded_db_url)
    supervisor = Chat(loaded_db_url, SUPERVISOR, at=ASKED)
    replies = [
        supervisor.send(question)
        for question in (
            "peringkat realisasi", "ranking realisasi maret",
            "peringkat realisasi bln maret", "Peringkat keuangan maret",
            "rangking persen keuangan maret",
        )
    ]
    assert replies[0].startswith("*Peringkat Keuangan (% pagu) — Maret 2026*")
    assert all(reply == replies[0] for reply in replies)


def test_ranking_physical_shares_ties(loaded_db_url):
    seed_two_months(loaded_db_url)
    names = short_names(loaded_db_url)
    scored = sorted(
        (
            (march_fis(index), february_fis(index), names[code])
            for index, code in enumerate(SEEDED) if code in MARCH_SUBMITTED
        ),
        key=lambda item: (-item[0], item[2]),
    )
    expected = [
        f"{1 + sum(1 for other, _, _ in scored if other > now)}. {name}: "
        f"{format_number(now)}% ({points(now - before)})"
        for now, before, name in scored
    ]
    assert len({line.split(".")[0] for line in expected}) < len(expected)

    reply = Chat(loaded_db_url, SUPERVISOR, at=ASKED).send("peringkat fisik")

    assert reply.startswith("*Peringkat Fisik — Maret 2026*")
    assert [line for line in reply.split("\n") if re.match(r"\d+\. ", line)] == expected


def test_ranking_rejects_choice_indicator(loaded_db_url):
    reply = Chat(loaded_db_url, SUPERVISOR, at=ASKED).send("peringkat pengadaan")
    assert "Pengadaan bukan angka" in reply
    assert "*rekap pengadaan*" in reply


def test_ranking_in_english(loaded_db_url):
    seed_two_months(loaded_db_url)
    reply = Chat(loaded_db_url, ENGLISH_ADMIN, at=ASKED).send("peringkat fisik")
    assert reply.startswith("*Ranking by Fisik — March 2026*")
    assert "pts)" in reply


# --- operators see their own agency only ----------------------------------------------


OPERATOR_QUESTIONS = [
    "rekap fisik maret",
    "rekap keuangan",
    "peringkat realisasi maret",
    "peringkat fisik",
    "telat",
    "telat maret",
    "belum maret",
    "siapa aja OPD yg blm lapor bulan maret?",
    "status dinkes maret",
    "laporan rsud maret",
    "rekap maret",
]


@pytest.mark.parametrize("question", OPERATOR_QUESTIONS)
def test_operator_sees_own_agency_only(loaded_db_url, question):
    seed_two_months(loaded_db_url)
    names = short_names(loaded_db_url)
    reply = Chat(loaded_db_url, DINSOS_OPERATOR, at=ASKED).send(question)
    assert reply.startswith("Anda hanya dapat melihat laporan Dinsos.")
    assert "Dinsos" in reply.split("\n", 1)[1]
    others = [names[code] for code in SEEDED if code != "DINSOS"]
    assert [name for name in others if name in reply] == []
    own = SEEDED.index("DINSOS")
    for index, code in enumerate(SEEDED):
        if index != own and march_fis(index) != march_fis(own):
            assert f" {format_number(march_fis(index))}%" not in reply
        assert format_rupiah(march_keu(index)) not in reply or index == own


def test_operator_own_rank_and_late_days(loaded_db_url):
    seed_two_months(loaded_db_url)
    own = SEEDED.index("DINSOS")
    budgets = ceilings(loaded_db_url)
    chat = Chat(loaded_db_url, DINSOS_OPERATOR, at=ASKED)

    ranked = sorted(
        share(march_keu(index), budgets[code])
        for index, code in enumerate(SEEDED)
        if code in MARCH_SUBMITTED and code in budgets
    )
    now = share(march_keu(own), budgets["DINSOS"])
    before = share(february_keu(own), budgets["DINSOS"])
    rank = 1 + sum(1 for other in ranked if other > now)
    reply = chat.send("peringkat realisasi maret")
    assert (
        f"peringkat {rank} dari {len(ranked)} OPD • {format_number(now, 1)}% "
        f"(Feb {format_number(before, 1)}%, {points(now - before, 1)})" in reply
    )

    submitted = local(MARCH_SUBMITTED["DINSOS"]).date()
    days = (submitted - deadline(loaded_db_url, "2026-03")).days
    assert f"lapor terlambat {days} hari" in chat.send("telat")

    value = chat.send("rekap fisik maret")
    fis_now, fis_before = march_fis(own), february_fis(own)
    assert (
        f"*Dinsos — Fisik Maret 2026*: {format_number(fis_now)}% "
        f"(Feb {format_number(fis_before)}%, {points(fis_now - fis_before)})" in value
    )
    assert "BOR tidak dilaporkan oleh Dinsos" in chat.send("rekap bor maret")


def test_operator_overdue_without_report(loaded_db_url):
    seed_two_months(loaded_db_url)
    chat = Chat(loaded_db_url, "+6281200000017", at=ASKED)
    days = (local(ASKED).date() - deadline(loaded_db_url, "2026-03")).days
    reply = chat.send("telat")
    assert reply.startswith("Anda hanya dapat melihat laporan DLH.")
    assert f"*DLH — Maret 2026*: belum lapor, sudah lewat {days} hari" in reply
    assert "Ketik *lapor* untuk mengisi" in reply
    assert "*DLH — Keuangan (% pagu) Maret 2026*: belum ada nilai." in chat.send(
        "peringkat realisasi"
    )


def test_operator_overdue_after_lock(loaded_db_url):
    seed_two_months(loaded_db_url)
    # The March report locks 15 days after its 10 April deadline, on 25 April.
    asked = "2026-05-04 08:05"
    chat = Chat(loaded_db_url, "+6281200000017", at=asked)
    days = (local(asked).date() - deadline(loaded_db_url, "2026-03")).days
    reply = chat.send("telat maret")
    assert f"*DLH — Maret 2026*: belum lapor, sudah lewat {days} hari" in reply
    assert "🔒 Laporan *Maret 2026* sudah dikunci sejak Sabtu, 25 April 2026" in reply
    assert "minta admin membuka kunci" in reply
    assert "Ketik *lapor*" not in reply


@pytest.mark.parametrize("question", OPERATOR_QUESTIONS)
def test_official_without_agency(loaded_db_url, question):
    phone = "+6281299990001"
    with Session(get_engine(loaded_db_url)) as session, session.begin():
        session.add(Official(name="Operator Tanpa OPD", phone=phone, role=Role.OPERATOR,
                             agency_id=None))
    reply = Chat(loaded_db_url, phone, at=ASKED).send(question)
    assert "Nomor ini belum terhubung ke OPD mana pun" in reply


# --- long replies -------------------------------------------------------------------


def assert_split_at_lines(reply: str) -> list[str]:
    parts = parts_of(reply)
    assert len(parts) > 1
    assert len(parts) <= TWIML_MESSAGE_LIMIT
    assert all(len(part) <= MAX_BODY for part in parts)
    assert "\n".join(parts) == reply
    lines = reply.split("\n")
    assert [line for part in parts for line in part.split("\n")] == lines
    return parts


def test_full_regency_replies_split_at_lines(loaded_db_url):
    everyone = all_agencies(loaded_db_url)
    rows = []
    for index, agency in enumerate(everyone):
        rows.append(Row(agency.code, "2026-02", {
            "RFK-KEU": february_keu(index), "RFK-FIS": february_fis(index % 50),
        }, FEBRUARY_SUBMITTED))
        rows.append(Row(agency.code, "2026-03", {
            "RFK-KEU": march_keu(index % 7) + index, "RFK-FIS": march_fis(index),
        }, "2026-04-11 09:00" if index % 3 else "2026-04-09 09:00"))
    seed(loaded_db_url, rows)
    supervisor = Chat(loaded_db_url, SUPERVISOR, at=ASKED)

    recap = supervisor.send("rekap keuangan maret")
    assert f"Sudah ada nilai: {len(everyone)} dari {len(everyone)} OPD" in recap
    assert_split_at_lines(recap)
    ranking = supervisor.send("peringkat realisasi maret")
    ranked = [line for line in ranking.split("\n") if re.match(r"\d+\. ", line)]
    assert len(ranked) == len(ceilings(loaded_db_url))
    assert_split_at_lines(ranking)
    late = supervisor.send("telat")
    late_count = sum(1 for index in range(len(everyone)) if index % 3)
    assert f"*Lapor terlambat ({late_count}):*" in late
    assert_split_at_lines(late)


def test_large_regency_names_wrap_within_parts(loaded_db_url):
    extra = 160
    with Session(get_engine(loaded_db_url)) as session, session.begin():
        for number in range(1, extra + 1):
            agency = Agency(code=f"KEL-{number:03d}", name=f"Kelurahan Contoh {number}",
                            short_name=f"Kel. Contoh Panjang Sekali {number:03d}",
                            kind="kelurahan")
            session.add(agency)
            session.flush()
            session.add(AgencyAlias(alias=f"kel-{number:03d}", agency_id=agency.id))
    missing = [a.short_name for a in all_agencies(loaded_db_url)]
    assert len(", ".join(missing)) > MAX_BODY
    supervisor = Chat(loaded_db_url, SUPERVISOR, at=ASKED)

    for question in ("telat", "belum maret", "peringkat realisasi"):
        reply = supervisor.send(question)
        assert_split_at_lines(reply)
        start = reply.index("*Belum lapor")
        listing = reply[start:].split(":* ", 1)[1]
        wrapped = listing.split("\n")
        assert len(wrapped) > 1
        assert all(len(line) <= NAMES_LINE_WIDTH for line in wrapped)
        assert " ".join(wrapped).split(", ") == missing

"""Supervisors' questions through signed HTTP requests to a running server.

The K10 sample chat comes first: on Monday 13 April 2026, after the March
deadline, a supervisor asks who has not reported, reminds them and looks at
Dinkes. Then one agency reports late, and the supervisor asks who is late,
one indicator across agencies, the ranking by spending against the budget
and one agency's report; an operator asks the same and sees only their own
agency. Each answer is checked against the database the server used, and
each reply's WhatsApp parts against the reply the server stored.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from bot.db import get_engine
from bot.outbound import MAX_BODY
from bot.parsing import format_number, format_rupiah
from models import (
    Agency,
    Budget,
    Indicator,
    Message,
    MessageDirection,
    Period,
    Report,
    ReportStatus,
    ReportValue,
)
from tests.e2e.conftest import AUTH_TOKEN
from tests.e2e.test_reminder_chats import REMINDED_AGENCIES, march_counts, seed_march
from tests.flows.chat import local
from tests.flows.test_insight import (
    FEBRUARY_SUBMITTED,
    TWIML_MESSAGE_LIMIT,
    Row,
    points,
    seed,
    share,
)
from tests.support.servers import inbound_params, signed_post, twiml_messages

pytestmark = pytest.mark.e2e

SUPERVISOR = "+6281200000025"
DINSOS_OPERATOR = "+6281200000007"
# Reports late, after the K10 listing and before the questions that follow it.
LATE_AGENCY = "DLH"
LATE_AT = "2026-04-13 08:07"


class Phone:
    """An official's phone; `send` returns the reply's WhatsApp parts, in order."""

    def __init__(self, server, number: str):
        self.url = server.url + "/twilio/whatsapp"
        self.number = number

    def send(self, body: str) -> list[str]:
        params = inbound_params(f"whatsapp:{self.number}", body)
        response = signed_post(self.url, params, AUTH_TOKEN)
        assert response.status_code == 200, response.text
        return twiml_messages(response.text)


def seed_figures(db_url: str) -> None:
    """Give every agency a February report, and March spending to those with one.

    Values differ between agencies so that the ranking has an order; the
    March physical progress of 15.5% from the K10 seeding stays.
    """
    with Session(get_engine(db_url)) as session:
        codes = [a.code for a in session.exec(select(Agency).order_by(Agency.id)).all()]
        march = set(session.exec(
            select(Agency.code)
            .join(Report, Report.agency_id == Agency.id)
            .join(Period, Period.id == Report.period_id)
            .where(Period.code == "2026-03")
        ).all())
    rows = []
    for index, code in enumerate(codes):
        rows.append(Row(code, "2026-02", {
            "RFK-KEU": Decimal(1_000_000_000) + Decimal(37_000_000) * index,
            "RFK-FIS": Decimal(3) + Decimal("0.25") * index,
        }, FEBRUARY_SUBMITTED))
        if code in march:
            rows.append(Row(code, "2026-03", {
                "RFK-KEU": Decimal(1_500_000_000) + Decimal(91_000_000) * (index % 9),
            }))
    seed(db_url, rows)


# --- expected answers, from the database ---------------------------------------


def numbers(db_url: str, indicator_code: str, period_code: str) -> dict[str, Decimal]:
    """Return the indicator's numbers in the period's submitted reports, by agency."""
    with Session(get_engine(db_url)) as session:
        rows = session.exec(
            select(Agency.code, ReportValue.number)
            .join(Report, Report.agency_id == Agency.id)
            .join(Period, Period.id == Report.period_id)
            .join(ReportValue, ReportValue.report_id == Report.id)
            .join(Indicator, Indicator.id == ReportValue.indicator_id)
            .where(Period.code == period_code, Indicator.code == indicator_code,
                   Report.status != ReportStatus.DRAFT)
        ).all()
        return dict(rows)


def agencies(db_url: str) -> list[Agency]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(select(Agency).order_by(Agency.id)).all())


def late_reports(db_url: str, period_code: str) -> tuple[date, list[tuple[str, int]]]:
    """Return the deadline and each late agency's short name with its days late."""
    with Session(get_engine(db_url)) as session:
        period = session.exec(select(Period).where(Period.code == period_code)).one()
        rows = session.exec(
            select(Agency, Report)
            .join(Report, Report.agency_id == Agency.id)
            .where(Report.period_id == period.id, Report.status != ReportStatus.DRAFT,
                   Report.on_time == False)  # noqa: E712  (SQL comparison)
        ).all()
        late = [
            (agency.short_name,
             (local_date(report.first_submitted_at) - period.deadline).days)
            for agency, report in rows
        ]
        return period.deadline, sorted(late, key=lambda item: (-item[1], item[0]))


def local_date(moment) -> date:
    return moment.astimezone(local("2026-01-01 00:00").tzinfo).date()


def stored_reply(db_url: str, phone: str) -> str:
    """Return the last reply the server stored for `phone`, its parts joined.

    A long reply is stored as one row per part, all answering one inbound message.
    """
    with Session(get_engine(db_url)) as session:
        last = session.exec(
            select(Message)
            .where(Message.phone == phone,
                   Message.direction == MessageDirection.OUTBOUND)
            .order_by(Message.id.desc())
        ).first()
        bodies = session.exec(
            select(Message.body)
            .where(Message.in_reply_to_id == last.in_reply_to_id,
                   Message.direction == MessageDirection.OUTBOUND)
            .order_by(Message.id)
        ).all()
        return "\n".join(bodies)


def listed(reply: str, pattern: str) -> list[str]:
    return [line for line in reply.split("\n") if re.match(pattern, line)]


def check_parts(db_url: str, phone: str, parts: list[str]) -> str:
    """Check the parts against the stored reply and return the whole reply."""
    reply = stored_reply(db_url, phone)
    assert len(parts) <= TWIML_MESSAGE_LIMIT
    assert all(len(part) <= MAX_BODY for part in parts)
    assert "\n".join(parts) == reply
    assert [line for part in parts for line in part.split("\n")] == reply.split("\n")
    return reply


# --- the chat -----------------------------------------------------------------------


def test_k10_then_questions(start_server, loaded_db_url):
    seed_march(loaded_db_url)
    seed_figures(loaded_db_url)
    submitted, missing, _ = march_counts(loaded_db_url)
    names = {a.code: a.short_name for a in agencies(loaded_db_url)}

    with start_server(loaded_db_url, "2026-04-13 08:05") as server:
        supervisor = Phone(server, SUPERVISOR)

        # K10, as in the sample chat.
        listing = "\n".join(
            supervisor.send("Pagi. Siapa aja OPD yg blm lapor realisasi bulan maret?")
        )
        assert f"Sudah lapor: {submitted} dari {submitted + len(missing)}" in listing
        assert f"*Belum lapor ({len(missing)}):* {', '.join(missing)}" in listing
        confirm = "\n".join(supervisor.send("kirim pengingat ke yg belum"))
        question = f"Kirim pengingat ke {len(missing)} OPD di atas? (ya/tidak)"
        assert confirm.endswith(question)
        done = "\n".join(supervisor.send("ya"))
        reminded = ", ".join(names[code] for code in REMINDED_AGENCIES)
        assert f"({reminded})" in done
        dinkes = "\n".join(supervisor.send("status dinkes?"))
        assert "*Dinkes — Maret 2026*: terkirim 06/04 09.18" in dinkes
        february, march = numbers(loaded_db_url, "RFK-KEU", "2026-02"), numbers(
            loaded_db_url, "RFK-KEU", "2026-03"
        )
        change = march["DINKES"] - february["DINKES"]
        sign = "+" if change > 0 else "-"
        assert (
            f"{format_rupiah(march['DINKES'])} "
            f"(Feb {format_rupiah(february['DINKES'])}, "
            f"{sign}{format_rupiah(abs(change))})" in dinkes
        )

        seed(loaded_db_url, [Row(LATE_AGENCY, "2026-03", {"RFK-FIS": 9}, LATE_AT)])

        # Who is late.
        reply = check_parts(loaded_db_url, SUPERVISOR, supervisor.send("telat"))
        deadline, late = late_reports(loaded_db_url, "2026-03")
        assert [name for name, _ in late] == [names[LATE_AGENCY]]
        assert f"*Lapor terlambat ({len(late)}):*" in reply
        assert listed(reply, "• ") == [
            f"• {name}: {days} hari (terkirim {local(LATE_AT).strftime('%d/%m %H.%M')})"
            for name, days in late
        ]
        still = [name for name in missing if name != names[LATE_AGENCY]]
        days = (local(LATE_AT).date() - deadline).days
        assert f"*Belum lapor, sudah lewat {days} hari ({len(still)}):* " in reply
        assert ", ".join(still) in reply

        # One indicator across agencies.
        reply = check_parts(
            loaded_db_url, SUPERVISOR, supervisor.send("rekap fisik maret")
        )
        now = numbers(loaded_db_url, "RFK-FIS", "2026-03")
        before = numbers(loaded_db_url, "RFK-FIS", "2026-02")
        ordered = sorted(now, key=lambda code: (-now[code], names[code]))
        assert listed(reply, "• ") == [
            f"• {names[code]}: {format_number(now[code])}% "
            f"({points(now[code] - before[code])})"
            for code in ordered
        ]
        assert f"Sudah ada nilai: {len(now)} dari {len(names)} OPD" in reply

        # Long: every agency's February spending, in several parts.
        parts = supervisor.send("rekap keuangan februari")
        reply = check_parts(loaded_db_url, SUPERVISOR, parts)
        assert len(parts) > 1
        assert len(listed(reply, "• ")) == len(february)

        # Ranking by spending against the budget.
        reply = check_parts(
            loaded_db_url, SUPERVISOR, supervisor.send("peringkat realisasi maret")
        )
        with Session(get_engine(loaded_db_url)) as session:
            budgets = dict(session.exec(
                select(Agency.code, Budget.ceiling)
                .join(Budget, Budget.agency_id == Agency.id)
                .where(Budget.year == 2026)
            ).all())
        scores = {code: share(march[code], budgets[code]) for code in march}
        ordered = sorted(scores, key=lambda code: (-scores[code], names[code]))
        expected = []
        for code in ordered:
            rank = 1 + sum(1 for other in scores.values() if other > scores[code])
            change = scores[code] - share(february[code], budgets[code])
            expected.append(f"{rank}. {names[code]}: {format_number(scores[code], 1)}% "
                            f"({points(change, 1)})")
        assert listed(reply, r"\d+\. ") == expected
        no_report = [
            a.short_name for a in agencies(loaded_db_url) if a.code not in march
        ]
        assert f"*Belum lapor ({len(no_report)}):* {', '.join(no_report)}" in reply

        # One agency's report, by `laporan`.
        rsud = "\n".join(supervisor.send("laporan rsud maret"))
        assert rsud.startswith("*RSUD — Maret 2026*")
        fis = now["RSUD"] - before["RSUD"]
        assert (
            f"{format_number(now['RSUD'])}% (Feb {format_number(before['RSUD'])}%, "
            f"{points(fis)})" in rsud
        )

        # An operator sees their own agency only.
        operator = Phone(server, DINSOS_OPERATOR)
        for question in ("peringkat realisasi maret", "rekap fisik maret", "telat"):
            own = "\n".join(operator.send(question))
            assert own.startswith("Anda hanya dapat melihat laporan Dinsos.")
            others = [name for code, name in names.items() if code != "DINSOS"]
            named = [
                name for name in others if re.search(rf"\b{re.escape(name)}\b", own)
            ]
            assert named == []

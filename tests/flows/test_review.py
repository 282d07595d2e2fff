"""Flags raised by rules and supervisors, answered and decided by chat."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from bot.db import get_engine
from models import (
    Conversation,
    EventKind,
    FlagSource,
    FlagStatus,
    Official,
    Outbox,
    ReportEvent,
    ReportStatus,
    Resolution,
    ValueFlag,
)
from tests.flows.chat import Chat
from tests.flows.seed import seed_report
from tests.flows.test_reporting import fetch_report, stored

DISDIK_OPERATOR = "+6281200000003"
RSUD_OPERATOR = "+6281200000010"
SUPERVISOR = "+6281200000025"
OTHER_SUPERVISOR = "+6281200000026"
ADMIN = "+6281200000029"
RSUD_MARCH = {
    "RFK-KEU": 20_000_000_000, "RFK-FIS": 25, "RFK-SUBKEG": 30,
    "ADM-LAPKEU": "Sudah", "PBJ-STATUS": "Kontrak", "RS-BOR": 112,
}


def all_flags(db_url: str) -> list[ValueFlag]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(select(ValueFlag).order_by(ValueFlag.id)).all())


def outbox_bodies(db_url: str, phone: str) -> list[str]:
    with Session(get_engine(db_url)) as session:
        return [r.body for r in session.exec(
            select(Outbox).where(Outbox.phone == phone).order_by(Outbox.id)).all()]


def flag_rsud_bor(db_url: str, at: str = "2026-04-09 08:30") -> Chat:
    seed_report(db_url, "RSUD", "2026-03", RSUD_MARCH, submitted_at="2026-04-07 10:00")
    supervisor = Chat(db_url, SUPERVISOR, at=at)
    reply = supervisor.send("tandai RSUD BOR maret, 112% tdk mungkin. mohon dicek")
    assert "Ditandai" in reply
    return supervisor


# --- rule flags in the reporting chat -------------------------------------------


def test_soft_range_flag_is_kept_with_reason(loaded_db_url):
    chat = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-06 09:00")
    chat.send("lapor maret")
    for answer in ("20 M", "25", "30", "-", "-", "sudah", "kontrak"):
        chat.send(answer)
    warning = chat.send("105")
    assert "BOR 105%" in warning
    assert "100%" in warning
    # The value is stored even though it is doubtful.
    assert stored(loaded_db_url, "RSUD", "2026-03")["RS-BOR"].number == 105
    assert "alasan" in chat.send("tetap")
    kept = chat.send("tetap ada wabah DBD, tempat tidur tambahan dipakai")
    assert "ada wabah DBD" in kept
    assert "Ringkasan" in kept
    [flag] = all_flags(loaded_db_url)
    assert flag.status == FlagStatus.CLOSED
    assert flag.resolution == Resolution.CONFIRMED
    assert flag.reason == "ada wabah DBD, tempat tidur tambahan dipakai"
    assert flag.value_number == 105


def test_value_inside_soft_range_raises_no_flag(loaded_db_url):
    chat = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-06 09:00")
    chat.send("lapor maret")
    for answer in ("20 M", "25", "30", "-", "-", "sudah", "kontrak"):
        chat.send(answer)
    assert "Ringkasan" in chat.send("100")
    assert all_flags(loaded_db_url) == []


def test_correcting_a_flagged_value_closes_its_flag(loaded_db_url):
    chat = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-06 09:00")
    chat.send("lapor maret")
    for answer in ("20 M", "25", "30", "-", "-", "sudah", "kontrak"):
        chat.send(answer)
    chat.send("120")
    summary = chat.send("81,2")
    assert "BOR 81,2% ✔️" in summary
    [flag] = all_flags(loaded_db_url)
    assert flag.resolution == Resolution.CORRECTED
    assert flag.status == FlagStatus.CLOSED


def test_two_values_in_one_message_during_the_questions(loaded_db_url):
    chat = Chat(loaded_db_url, "+6281200000001", at="2026-04-06 09:00")
    chat.send("lapor maret")
    reply = chat.send("keuangan 18,25 M fisik 15,5")
    values = stored(loaded_db_url, "DINKES", "2026-03")
    assert values["RFK-KEU"].number == Decimal("18250000000")
    assert values["RFK-FIS"].number == Decimal("15.5")
    assert "3/7" in reply


def test_skipping_a_doubt_leaves_the_flag_open_and_marks_the_summary(loaded_db_url):
    chat = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-06 09:00")
    chat.send("lapor maret")
    for answer in ("20 M", "25", "30", "-", "-", "sudah", "kontrak"):
        chat.send(answer)
    chat.send("130")
    summary = chat.send("lewati")
    assert "BOR" in summary
    assert "⚠️" in summary
    [flag] = all_flags(loaded_db_url)
    assert flag.status == FlagStatus.OPEN


# --- supervisor's review ------------------------------------------------------------


def test_only_supervisors_flag(loaded_db_url):
    seed_report(loaded_db_url, "RSUD", "2026-03", RSUD_MARCH, submitted_at="2026-04-07 10:00")
    operator = Chat(loaded_db_url, "+6281200000001", at="2026-04-09 08:30")
    assert "khusus verifikator" in operator.send("tandai RSUD BOR maret, cek")
    assert "khusus verifikator" in operator.send("verifikasi RSUD maret")
    assert all_flags(loaded_db_url) == []


def test_correction_prompt_waits_while_the_operator_is_mid_report(loaded_db_url):
    seed_report(loaded_db_url, "RSUD", "2026-03", RSUD_MARCH, submitted_at="2026-04-07 10:00")
    operator = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-24 08:00")
    assert "1/" in operator.send("lapor april")
    # The April question on spending is open when the supervisor flags March.
    supervisor = Chat(loaded_db_url, SUPERVISOR, at="2026-04-24 08:30")
    supervisor.send("tandai RSUD BOR maret, 112% tdk mungkin")
    [notice] = outbox_bodies(loaded_db_url, RSUD_OPERATOR)
    assert "setelah pengisian ini selesai" in notice
    assert "Perlu perbaikan" not in notice

    operator.send("81,2 M", at="2026-04-24 08:31")
    april = stored(loaded_db_url, "RSUD", "2026-04")
    march = stored(loaded_db_url, "RSUD", "2026-03")
    assert april["RFK-KEU"].number == Decimal("81200000000")
    assert march["RS-BOR"].number == 112

    # Leaving the report shows the waiting prompt, which then takes the answer.
    prompt = operator.send("batal")
    assert "Perlu perbaikan" in prompt
    assert "112% → *81,2%*" in operator.send("81,2")
    assert stored(loaded_db_url, "RSUD", "2026-03")["RS-BOR"].number == Decimal("81.2")


def test_idle_operator_gets_the_prompt_and_keeps_the_value(loaded_db_url):
    supervisor = flag_rsud_bor(loaded_db_url)
    operator = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-09 09:00")
    reply = operator.send("tetap ruang isolasi dipakai sebagai rawat inap")
    assert "dipertahankan" in reply
    [notice] = outbox_bodies(loaded_db_url, SUPERVISOR)
    assert "ruang isolasi dipakai" in notice
    assert "RSUD" in supervisor.send("setuju", at="2026-04-09 09:20")
    [flag] = all_flags(loaded_db_url)
    assert flag.resolution == Resolution.CONFIRMED
    assert flag.status == FlagStatus.CLOSED
    assert fetch_report(loaded_db_url, "RSUD", "2026-03").status == ReportStatus.VERIFIED
    assert stored(loaded_db_url, "RSUD", "2026-03")["RS-BOR"].number == 112


def test_rejection_sends_the_flag_back(loaded_db_url):
    supervisor = flag_rsud_bor(loaded_db_url)
    operator = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-09 09:00")
    operator.send("98")
    reply = supervisor.send("tolak masih di atas rata-rata, cek lagi data rekam medis",
                            at="2026-04-09 09:10")
    assert "Dikembalikan" in reply
    prompts = outbox_bodies(loaded_db_url, RSUD_OPERATOR)
    assert "masih di atas rata-rata, cek lagi data rekam medis" in prompts[-1]
    assert fetch_report(loaded_db_url, "RSUD", "2026-03").status == (
        ReportStatus.NEEDS_CORRECTION)
    operator.send("81,2", at="2026-04-09 10:00")
    assert "terverifikasi" in supervisor.send("setuju", at="2026-04-09 10:10")
    with Session(get_engine(loaded_db_url)) as session:
        kinds = [e.kind for e in session.exec(
            select(ReportEvent).order_by(ReportEvent.created_at, ReportEvent.id)).all()]
    assert kinds == [EventKind.SUBMITTED, EventKind.FLAGGED, EventKind.CORRECTED,
                     EventKind.REJECTED, EventKind.CORRECTED, EventKind.APPROVED,
                     EventKind.VERIFIED]


def test_verification_waits_for_pending_flags(loaded_db_url):
    supervisor = flag_rsud_bor(loaded_db_url)
    assert "belum bisa diverifikasi" in supervisor.send("verifikasi RSUD maret")
    assert fetch_report(loaded_db_url, "RSUD", "2026-03").status == (
        ReportStatus.NEEDS_CORRECTION)
    seed_report(loaded_db_url, "DINKES", "2026-03",
                {"RFK-KEU": 1, "RFK-FIS": 1, "RFK-SUBKEG": 1, "ADM-LAPKEU": "Sudah",
                 "PBJ-STATUS": "Kontrak"}, submitted_at="2026-04-07 10:00")
    assert "terverifikasi" in supervisor.send("verifikasi dinkes maret")
    assert fetch_report(loaded_db_url, "DINKES", "2026-03").status == ReportStatus.VERIFIED


def test_approval_names_the_flag_when_several_wait(loaded_db_url):
    flag_rsud_bor(loaded_db_url)
    seed_report(loaded_db_url, "DISDIK", "2026-03",
                {"RFK-KEU": 1_000_000_000, "RFK-FIS": 10, "RFK-SUBKEG": 3,
                 "ADM-LAPKEU": "Sudah", "PBJ-STATUS": "Kontrak"},
                submitted_at="2026-04-07 10:00")
    supervisor = Chat(loaded_db_url, SUPERVISOR, at="2026-04-09 08:40")
    supervisor.send("tandai disdik fisik maret, fisik terlalu rendah")
    Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-09 09:00").send("81,2")
    Chat(loaded_db_url, DISDIK_OPERATOR, at="2026-04-09 09:05").send("12")
    choice = supervisor.send("setuju", at="2026-04-09 09:10")
    assert "RSUD RS-BOR" in choice
    assert "DISDIK RFK-FIS" in choice
    assert "terverifikasi" in supervisor.send("setuju disdik fisik")
    assert fetch_report(loaded_db_url, "DISDIK", "2026-03").status == ReportStatus.VERIFIED
    assert fetch_report(loaded_db_url, "RSUD", "2026-03").status == ReportStatus.CORRECTED


# --- locking ----------------------------------------------------------------------


def test_locked_report_needs_an_admin_unlock(loaded_db_url):
    seed_report(loaded_db_url, "RSUD", "2026-03", RSUD_MARCH, submitted_at="2026-04-07 10:00")
    # March's deadline is 10 April; with 14 days the lock starts on 25 April.
    operator = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-24 23:59")
    assert "Ringkasan" in operator.send("lapor maret")
    operator.send("batal")
    refused = operator.send("lapor maret", at="2026-04-25 00:00")
    assert "dikunci" in refused
    assert "dikunci" in operator.send("bor maret 90")
    assert stored(loaded_db_url, "RSUD", "2026-03")["RS-BOR"].number == 112

    supervisor = Chat(loaded_db_url, SUPERVISOR, at="2026-04-25 09:00")
    assert "khusus admin" in supervisor.send("buka RSUD maret")
    admin = Chat(loaded_db_url, ADMIN, at="2026-04-25 09:00")
    assert "dibuka sampai" in admin.send("buka RSUD maret")
    assert "dibuka kembali" in outbox_bodies(loaded_db_url, RSUD_OPERATOR)[-1]

    operator.send("lapor maret", at="2026-04-25 09:05")
    operator.send("bor 90")
    assert stored(loaded_db_url, "RSUD", "2026-03")["RS-BOR"].number == 90
    with Session(get_engine(loaded_db_url)) as session:
        [unlock] = session.exec(
            select(ReportEvent).where(ReportEvent.kind == EventKind.UNLOCKED)).all()
        admin_row = session.exec(select(Official).where(Official.phone == ADMIN)).one()
    assert unlock.official_id == admin_row.id


def test_supervisor_flag_leaves_other_conversations_alone(loaded_db_url):
    flag_rsud_bor(loaded_db_url)
    with Session(get_engine(loaded_db_url)) as session:
        supervisors = session.exec(
            select(Conversation).join(Official, Official.id == Conversation.official_id)
            .where(Official.phone == OTHER_SUPERVISOR)).all()
    assert supervisors == []
    [flag] = all_flags(loaded_db_url)
    assert flag.source == FlagSource.SUPERVISOR
    assert flag.note == "112% tdk mungkin. mohon dicek"


# --- misreadings and misfires -----------------------------------------------------


def dinkes_february(db_url: str) -> None:
    seed_report(db_url, "DINKES", "2026-02",
                {"RFK-KEU": 1_500_000_000, "RFK-FIS": 20, "RFK-SUBKEG": 10,
                 "ADM-LAPKEU": "Sudah", "PBJ-STATUS": "Kontrak"},
                submitted_at="2026-03-09 10:00")


def test_number_before_the_name_is_not_split_off(loaded_db_url):
    chat = Chat(loaded_db_url, DISDIK_OPERATOR, at="2026-02-05 09:00")
    chat.send("lapor januari")
    reply = chat.send("250.000.000 realisasi keuangan s.d. 31 januari")
    assert "Rp31" not in reply
    assert "RFK-KEU" not in stored(loaded_db_url, "DISDIK", "2026-01")


def test_date_after_the_name_is_not_the_value(loaded_db_url):
    chat = Chat(loaded_db_url, DISDIK_OPERATOR, at="2026-02-05 09:00")
    chat.send("lapor januari")
    chat.send("keuangan s.d. 31 januari 250 jt")
    assert stored(loaded_db_url, "DISDIK", "2026-01")["RFK-KEU"].number == 250_000_000


def test_keeping_one_of_two_doubts_needs_its_name(loaded_db_url):
    dinkes_february(loaded_db_url)
    chat = Chat(loaded_db_url, "+6281200000001", at="2026-04-08 09:00")
    chat.send("lapor maret")
    warning = chat.send("keuangan 300 jt fisik 15,5")
    assert "Rp300.000.000" in warning
    assert "15,5%" in warning
    assert "Nilai mana" in chat.send("tetap ada addendum kontrak")
    still = chat.send("tetap fisik memang turun krn ada addendum")
    assert "Rp300.000.000" in still
    kept = [f for f in all_flags(loaded_db_url) if f.resolution == Resolution.CONFIRMED]
    assert len(kept) == 1
    assert kept[0].reason == "fisik memang turun krn ada addendum"


def test_monthly_claim_about_another_value_offers_nothing(loaded_db_url):
    dinkes_february(loaded_db_url)
    chat = Chat(loaded_db_url, "+6281200000001", at="2026-04-08 09:00")
    chat.send("lapor maret")
    chat.send("keuangan 300 jt fisik 25")
    reply = chat.send("fisik itu bulanan, bukan kumulatif")
    assert "Kumulatif s.d." not in reply
    assert "1.800.000.000" not in reply


def test_cumulative_figure_said_not_monthly_is_stored(loaded_db_url):
    dinkes_february(loaded_db_url)
    chat = Chat(loaded_db_url, "+6281200000001", at="2026-04-08 09:00")
    chat.send("lapor maret")
    chat.send("300 jt")
    reply = chat.send("1,9 M kumulatif, bukan per bulan")
    assert "Kumulatif s.d." not in reply
    assert stored(loaded_db_url, "DINKES", "2026-03")["RFK-KEU"].number == 1_900_000_000


def test_prompt_waits_while_the_operator_chooses_from_the_menu(loaded_db_url):
    seed_report(loaded_db_url, "RSUD", "2026-03", RSUD_MARCH, submitted_at="2026-04-07 10:00")
    operator = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-09 08:00")
    assert "Menu" in operator.send("halo pak")
    Chat(loaded_db_url, SUPERVISOR, at="2026-04-09 08:30").send(
        "tandai RSUD BOR maret, 112% tdk mungkin")
    reply = operator.send("3", at="2026-04-09 08:31")
    assert stored(loaded_db_url, "RSUD", "2026-03")["RS-BOR"].number == 112
    assert "Perlu perbaikan" in reply


def test_corrections_command_is_not_a_text_answer(loaded_db_url):
    seed_report(loaded_db_url, "RSUD", "2026-03", RSUD_MARCH, submitted_at="2026-04-07 10:00")
    operator = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-24 08:00")
    operator.send("lapor april")
    for answer in ("20 M", "25", "30"):
        operator.send(answer)
    Chat(loaded_db_url, SUPERVISOR, at="2026-04-24 08:30").send(
        "tandai RSUD BOR maret, 112% tdk mungkin")
    reply = operator.send("perbaikan", at="2026-04-24 08:31")
    assert "Perlu perbaikan" in reply
    assert "RFK-MASALAH" not in stored(loaded_db_url, "RSUD", "2026-04")


def test_locked_report_takes_no_correction(loaded_db_url):
    seed_report(loaded_db_url, "RSUD", "2026-03", RSUD_MARCH, submitted_at="2026-04-07 10:00")
    supervisor = Chat(loaded_db_url, SUPERVISOR, at="2026-04-24 23:50")
    supervisor.send("tandai RSUD BOR maret, 112% tdk mungkin")
    operator = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-25 00:01")
    assert "dikunci" in operator.send("81,2")
    assert stored(loaded_db_url, "RSUD", "2026-03")["RS-BOR"].number == 112
    later = supervisor.send("tandai RSUD fisik maret, cek lagi", at="2026-04-25 08:00")
    assert "sudah dikunci" in later
    assert len(all_flags(loaded_db_url)) == 1


def test_commands_without_a_period_mean_the_latest_submitted_report(loaded_db_url):
    seed_report(loaded_db_url, "RSUD", "2026-03", RSUD_MARCH, submitted_at="2026-04-07 10:00")
    operator = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-09 08:00")
    operator.send("lapor tw 1")
    operator.send("batal")
    supervisor = Chat(loaded_db_url, SUPERVISOR, at="2026-04-09 08:30")
    assert "Maret 2026" in supervisor.send("tandai rsud bor, 112% tdk mungkin")


def test_agency_named_in_a_rejection_note_is_part_of_the_note(loaded_db_url):
    supervisor = flag_rsud_bor(loaded_db_url)
    Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-09 09:00").send("98")
    reply = supervisor.send("tolak sesuai data dinkes baru 81 persen", at="2026-04-09 09:10")
    assert "Dikembalikan" in reply
    [flag] = all_flags(loaded_db_url)
    assert flag.note == "sesuai data dinkes baru 81 persen"


def test_supervisor_accepts_a_value_left_open(loaded_db_url):
    chat = Chat(loaded_db_url, RSUD_OPERATOR, at="2026-04-06 09:00")
    chat.send("lapor maret")
    for answer in ("20 M", "25", "30", "-", "-", "sudah", "kontrak", "105", "lewati"):
        chat.send(answer)
    chat.send("ya")
    supervisor = Chat(loaded_db_url, SUPERVISOR, at="2026-04-09 08:30")
    refused = supervisor.send("verifikasi rsud maret")
    assert "setuju RSUD bor" in refused
    assert "terverifikasi" in supervisor.send("setuju rsud bor maret")
    [flag] = all_flags(loaded_db_url)
    assert flag.status == FlagStatus.CLOSED
    assert fetch_report(loaded_db_url, "RSUD", "2026-03").status == ReportStatus.VERIFIED


def test_unlocking_an_open_report_changes_nothing(loaded_db_url):
    admin = Chat(loaded_db_url, ADMIN, at="2026-04-08 09:00")
    reply = admin.send("buka disdik maret")
    assert "belum dikunci" in reply
    assert fetch_report(loaded_db_url, "DISDIK", "2026-03") is None
    assert "periode" in admin.send("buka disdik")


def test_locked_periods_are_not_offered(loaded_db_url):
    chat = Chat(loaded_db_url, DISDIK_OPERATOR, at="2026-04-08 09:00")
    reply = chat.send("lapor")
    assert "Maret 2026" in reply
    assert "Februari 2026" not in reply
    assert "Januari 2026" not in reply


def test_minus_sign_before_a_named_value_is_kept(loaded_db_url):
    chat = Chat(loaded_db_url, "+6281200000001", at="2026-04-06 09:00")
    chat.send("lapor maret")
    chat.send("keuangan 18 M fisik 15 subkeg -3")
    assert "RFK-SUBKEG" not in stored(loaded_db_url, "DINKES", "2026-03")


def test_keeping_a_value_drops_its_rejected_retype(loaded_db_url):
    dinkes_february(loaded_db_url)
    chat = Chat(loaded_db_url, "+6281200000001", at="2026-04-08 09:00")
    chat.send("lapor maret")
    chat.send("keuangan 300 jt")
    assert "huruf O" in chat.send("keuangan 9O M")
    reply = chat.send("tetap realisasi turun krn koreksi SP2D")
    assert "huruf O" not in reply
    assert "2/7" in reply


def test_colleague_command_after_answered_note_runs(loaded_db_url):
    seed_report(loaded_db_url, "DINKES", "2026-03",
                {"RFK-KEU": 18_000_000_000, "RFK-FIS": 15, "RFK-SUBKEG": 40,
                 "ADM-LAPKEU": "Sudah", "PBJ-STATUS": "Kontrak"},
                submitted_at="2026-04-07 10:00")
    Chat(loaded_db_url, SUPERVISOR, at="2026-04-09 08:30").send(
        "tandai dinkes fisik maret, terlalu rendah")
    Chat(loaded_db_url, "+6281200000001", at="2026-04-09 08:40").send("21")
    reply = Chat(loaded_db_url, "+6281200000002", at="2026-04-09 08:45").send("status")
    assert "sudah dijawab" in reply
    assert "Maret 2026" in reply

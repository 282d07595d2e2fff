"""Tests of `bot.checks`: each rule kind on both sides of its threshold.

The database contains the sample regency with the sample rules.csv; tests of
other rule sets import a copy of the sample with their own rules.csv.
"""

from __future__ import annotations

import calendar
import shutil
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from bot.checks import Finding, check_report, short_label
from bot.db import get_engine
from bot.importer import import_directory
from bot.reports import get_or_create_report, refresh_computed, store_value
from models import Agency, Budget, Indicator, Period, Periodicity, Rule

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc)
RULES_HEADER = "code,kind,indicator,other,min,max,threshold,note\n"


def by_code(session: Session, model, code: str):
    return session.exec(select(model).where(model.code == code)).one()


def store(
    session: Session, agency_code: str, period_code: str, values: dict[str, str]
):
    """Store `values` (indicator code to number) in one report and compute."""
    agency = by_code(session, Agency, agency_code)
    period = by_code(session, Period, period_code)
    report = get_or_create_report(session, agency, period)
    for code, number in values.items():
        store_value(
            session, report, by_code(session, Indicator, code),
            raw_text=number, number=Decimal(number), official=None, now=NOW,
        )
    refresh_computed(session, report, agency, period, NOW)
    return report, agency, period


def check(
    session: Session,
    agency_code: str,
    period_code: str,
    values: dict[str, str],
    *,
    lang: str = "id",
    changed: list[str] | None = None,
) -> list[Finding]:
    """Store `values`, then check the report with their indicators as changed."""
    report, agency, period = store(session, agency_code, period_code, values)
    codes = list(values) if changed is None else changed
    ids = {by_code(session, Indicator, code).id for code in codes}
    return check_report(session, report, agency, period, ids, lang)


def rule_codes(findings: list[Finding]) -> list[str]:
    return [finding.rule.code for finding in findings]


def messages(findings: list[Finding], rule_code: str) -> list[str]:
    return [f.message for f in findings if f.rule.code == rule_code]


def add_period(session: Session, code: str, start: date, end: date) -> None:
    session.add(Period(
        code=code, periodicity=Periodicity.MONTHLY, start=start, end=end, deadline=end,
    ))
    session.flush()


def add_2025_months(session: Session) -> None:
    for month in range(1, 13):
        last_day = calendar.monthrange(2025, month)[1]
        start = date(2025, month, 1)
        add_period(session, f"2025-{month:02d}", start, start.replace(day=last_day))


def use_rules(session: Session, tmp_path: Path, rows: str) -> None:
    """Import a copy of the sample whose rules.csv holds only `rows`."""
    directory = tmp_path / "data"
    shutil.copytree(SAMPLE_DIR, directory)
    (directory / "rules.csv").write_text(RULES_HEADER + rows, encoding="utf-8")
    import_directory(session, directory)
    session.commit()


@pytest.fixture
def session(loaded_db_url):
    with Session(get_engine(loaded_db_url), expire_on_commit=False) as session:
        yield session


# --- monotonic -------------------------------------------------------------------


def test_monotonic_equal_passes(session):
    check(session, "DISDIK", "2026-02", {"RFK-KEU": "2100000000", "RFK-FIS": "9"})

    findings = check(session, "DISDIK", "2026-03", {"RFK-KEU": "2100000000"})

    assert findings == []


def test_monotonic_decrease_flagged(session):
    check(session, "DISDIK", "2026-02", {"RFK-KEU": "2100000000", "RFK-FIS": "9"})

    findings = check(session, "DISDIK", "2026-03", {"RFK-KEU": "1900000000"})

    assert rule_codes(findings) == ["KEU-KUMULATIF"]
    finding = findings[0]
    assert finding.indicator.code == "RFK-KEU"
    assert finding.number == Decimal("1900000000")
    assert finding.message == (
        "*Keuangan Rp1.900.000.000* lebih kecil dari kumulatif Februari 2026 "
        "(Rp2.100.000.000). Realisasi diisi *kumulatif* s.d. akhir periode."
    )


def test_monotonic_one_rupiah_less_flagged(session):
    check(session, "DISDIK", "2026-02", {"RFK-KEU": "2100000000"})

    findings = check(session, "DISDIK", "2026-03", {"RFK-KEU": "2099999999"})

    assert rule_codes(findings) == ["KEU-KUMULATIF"]
    assert "*Keuangan Rp2.099.999.999*" in findings[0].message


def test_monotonic_message_english(session):
    check(session, "DISDIK", "2026-02", {"RFK-KEU": "2100000000"})

    findings = check(session, "DISDIK", "2026-03", {"RFK-KEU": "1900000000"}, lang="en")

    assert findings[0].message == (
        "*Keuangan Rp1.900.000.000* is less than the cumulative figure of "
        "February 2026 (Rp2.100.000.000). Report the *cumulative* total up to "
        "the end of the period."
    )


def test_monotonic_skips_period_without_value(session):
    check(session, "DISDIK", "2026-01", {"RFK-FIS": "5"})
    check(session, "DISDIK", "2026-02", {"RFK-KEU": "1000"})

    findings = check(session, "DISDIK", "2026-04", {"RFK-FIS": "4"})

    assert rule_codes(findings) == ["FIS-KUMULATIF"]
    assert "kumulatif Januari 2026 (5%)" in findings[0].message


def test_monotonic_new_year_restarts(session):
    add_period(session, "2025-12", date(2025, 12, 1), date(2025, 12, 31))
    check(session, "DISDIK", "2025-12", {"RFK-FIS": "95"})

    findings = check(session, "DISDIK", "2026-01", {"RFK-FIS": "3"})

    assert findings == []


def test_monotonic_first_period_passes(session):
    findings = check(session, "DISDIK", "2026-03", {"RFK-FIS": "3"})

    assert findings == []


# --- jump ------------------------------------------------------------------------


def test_jump_at_threshold_passes(session):
    check(session, "DPMPTSP", "2026-02", {"PTSP-IZIN": "120"})

    findings = check(session, "DPMPTSP", "2026-03", {"PTSP-IZIN": "360"})

    assert findings == []


def test_jump_up_flagged(session):
    check(session, "DPMPTSP", "2026-02", {"PTSP-IZIN": "120"})

    findings = check(session, "DPMPTSP", "2026-03", {"PTSP-IZIN": "361"})

    assert rule_codes(findings) == ["IZIN-LONJAKAN"]
    assert findings[0].message == (
        "*Izin 361 izin* naik 200,8% dari Februari 2026 (120 izin)."
    )


def test_jump_large_drop_passes_threshold_two(session):
    check(session, "DPMPTSP", "2026-02", {"PTSP-IZIN": "120"})

    findings = check(session, "DPMPTSP", "2026-03", {"PTSP-IZIN": "1"})

    assert findings == []


def test_jump_down_quarterly(session):
    check(session, "DISDUKCAPIL", "2026-TW1", {"DUK-KTP": "90"})

    inside = check(session, "DISDUKCAPIL", "2026-TW2", {"DUK-KTP": "81"})
    outside = check(session, "DISDUKCAPIL", "2026-TW2", {"DUK-KTP": "80.9"})

    assert inside == []
    assert rule_codes(outside) == ["KTP-LONJAKAN"]
    assert outside[0].message == (
        "*KTP 80,9%* turun 10,1% dari Triwulan I 2026 (90%)."
    )


def test_jump_up_quarterly(session):
    check(session, "DISDUKCAPIL", "2026-TW1", {"DUK-KTP": "90"})

    inside = check(session, "DISDUKCAPIL", "2026-TW2", {"DUK-KTP": "99"})
    outside = check(session, "DISDUKCAPIL", "2026-TW2", {"DUK-KTP": "99.1"})

    assert inside == []
    assert messages(outside, "KTP-LONJAKAN") == [
        "*KTP 99,1%* naik 10,1% dari Triwulan I 2026 (90%)."
    ]


def test_jump_crosses_year(session):
    add_period(session, "2025-12", date(2025, 12, 1), date(2025, 12, 31))
    check(session, "DPMPTSP", "2025-12", {"PTSP-IZIN": "100"})

    findings = check(session, "DPMPTSP", "2026-01", {"PTSP-IZIN": "301"})

    assert messages(findings, "IZIN-LONJAKAN") == [
        "*Izin 301 izin* naik 201% dari Desember 2025 (100 izin)."
    ]


def test_jump_previous_zero_passes(session):
    check(session, "DPMPTSP", "2026-02", {"PTSP-IZIN": "0"})

    findings = check(session, "DPMPTSP", "2026-03", {"PTSP-IZIN": "500"})

    assert findings == []


def test_jump_without_previous_passes(session):
    findings = check(session, "DPMPTSP", "2026-03", {"PTSP-IZIN": "5000"})

    assert findings == []


# --- spread ----------------------------------------------------------------------


def paten_history(session: Session, numbers: list[str]) -> None:
    for month, number in enumerate(numbers, start=1):
        check(session, "KEC-AIRKUMBANG", f"2026-{month:02d}", {"KEC-PATEN": number})


@pytest.mark.parametrize(("number", "flagged"), [
    ("148", False), ("149", True), ("82", False), ("81", True),
])
def test_spread_threshold(session, number, flagged):
    # Mean 115, population standard deviation √125 ≈ 11,18: 3σ ≈ 33,54.
    paten_history(session, ["100", "120", "110", "130"])

    findings = check(session, "KEC-AIRKUMBANG", "2026-05", {"KEC-PATEN": number})

    assert rule_codes(findings) == (["PATEN-SEBARAN"] if flagged else [])


def test_spread_message(session):
    paten_history(session, ["100", "120", "110", "130"])

    findings = check(session, "KEC-AIRKUMBANG", "2026-05", {"KEC-PATEN": "149"})

    assert findings[0].message == (
        "*Paten 149 layanan* jauh dari biasanya: rata-rata 4 periode sebelumnya "
        "115 layanan (terendah 100 layanan, tertinggi 130 layanan)."
    )


def test_spread_needs_three_periods(session):
    paten_history(session, ["100", "101"])

    findings = check(session, "KEC-AIRKUMBANG", "2026-03", {"KEC-PATEN": "9000"})

    assert findings == []


@pytest.mark.parametrize(("number", "flagged"), [
    ("110", False), ("111", True), ("90", False), ("89", True),
])
def test_spread_flat_history(session, number, flagged):
    paten_history(session, ["100", "100", "100"])

    findings = check(session, "KEC-AIRKUMBANG", "2026-04", {"KEC-PATEN": number})

    assert rule_codes(findings) == (["PATEN-SEBARAN"] if flagged else [])


def test_spread_flat_zero_history(session):
    paten_history(session, ["0", "0", "0"])

    zero = check(session, "KEC-AIRKUMBANG", "2026-04", {"KEC-PATEN": "0"})
    one = check(session, "KEC-AIRKUMBANG", "2026-04", {"KEC-PATEN": "1"})

    assert zero == []
    assert rule_codes(one) == ["PATEN-SEBARAN"]


def test_spread_inside_history_range_passes(session, tmp_path):
    use_rules(session, tmp_path, "SEBARAN-1,spread,KEC-PATEN,,,,1,\n")
    # Mean 107,5 and σ ≈ 12,99: 125 is more than 1σ away but within 100–130.
    paten_history(session, ["100", "100", "100", "130"])

    inside = check(session, "KEC-AIRKUMBANG", "2026-05", {"KEC-PATEN": "125"})
    outside = check(session, "KEC-AIRKUMBANG", "2026-05", {"KEC-PATEN": "131"})

    assert inside == []
    assert rule_codes(outside) == ["SEBARAN-1"]


def test_spread_uses_last_twelve_periods(session):
    add_2025_months(session)
    # The oldest of 13 earlier months is far off, but only the last 12 count.
    check(session, "KEC-AIRKUMBANG", "2025-01", {"KEC-PATEN": "1000"})
    for month in range(2, 13):
        number = "100" if month % 2 else "110"
        check(session, "KEC-AIRKUMBANG", f"2025-{month:02d}", {"KEC-PATEN": number})
    check(session, "KEC-AIRKUMBANG", "2026-01", {"KEC-PATEN": "100"})

    # Mean 105 and σ 5 over the last 12 months: 3σ = 15.
    inside = check(session, "KEC-AIRKUMBANG", "2026-02", {"KEC-PATEN": "120"})
    outside = check(session, "KEC-AIRKUMBANG", "2026-02", {"KEC-PATEN": "121"})

    assert inside == []
    assert rule_codes(outside) == ["PATEN-SEBARAN"]
    assert "rata-rata 12 periode sebelumnya 105 layanan" in outside[0].message


# --- range -----------------------------------------------------------------------


def test_range_high(session):
    inside = check(session, "RSUD", "2026-03", {"RS-BOR": "100"})
    outside = check(session, "RSUD", "2026-03", {"RS-BOR": "100.01"})
    sample = check(session, "RSUD", "2026-03", {"RS-BOR": "112"})

    assert inside == []
    assert messages(outside, "BOR-WAJAR") == ["*BOR 100,01%* melebihi 100%."]
    assert messages(sample, "BOR-WAJAR") == ["*BOR 112%* melebihi 100%."]


def test_range_low(session, tmp_path):
    use_rules(session, tmp_path, "BOR-RENDAH,range,RS-BOR,,40,,,\n")

    inside = check(session, "RSUD", "2026-03", {"RS-BOR": "40"})
    outside = check(session, "RSUD", "2026-03", {"RS-BOR": "39.99"})

    assert inside == []
    assert messages(outside, "BOR-RENDAH") == ["*BOR 39,99%* di bawah 40%."]


def test_range_on_computed_indicator(session):
    # Disdik's ceiling is Rp15.602.000.000, so Rp15.603.000.000 is 100,0064%.
    inside = check(
        session, "DISDIK", "2026-03", {"RFK-KEU": "15602000000"}, changed=["RFK-KEU"]
    )
    outside = check(
        session, "DISDIK", "2026-03", {"RFK-KEU": "15603000000"}, changed=["RFK-KEU"]
    )

    assert messages(inside, "KEU-PERSEN") == []
    assert messages(outside, "KEU-PERSEN") == [
        "*Persen keuangan 100,01%* melebihi 100%."
    ]
    assert outside[-1].indicator.code == "RFK-KEU-PCT"


# --- ceiling ---------------------------------------------------------------------


def test_ceiling_budget(session):
    inside = check(session, "DINKES", "2026-03", {"RFK-KEU": "152400000000"})
    outside = check(session, "DINKES", "2026-03", {"RFK-KEU": "152400000001"})
    sample = check(session, "DINKES", "2026-03", {"RFK-KEU": "160000000000"})

    assert messages(inside, "KEU-PAGU") == []
    assert messages(outside, "KEU-PAGU") == [
        "*Keuangan Rp152.400.000.001* melebihi pagu Rp152.400.000.000."
    ]
    assert messages(sample, "KEU-PAGU") == [
        "*Keuangan Rp160.000.000.000* melebihi pagu Rp152.400.000.000."
    ]


def test_ceiling_without_budget_passes(session):
    dinkes = by_code(session, Agency, "DINKES")
    budget = session.exec(select(Budget).where(Budget.agency_id == dinkes.id)).one()
    session.delete(budget)
    session.flush()

    findings = check(session, "DINKES", "2026-03", {"RFK-KEU": "999000000000"})

    assert findings == []


def test_ceiling_other_indicator_share(session, tmp_path):
    use_rules(
        session, tmp_path,
        "PROD-PER-HA,ceiling,TAN-PADI-PROD,TAN-PADI-TANAM,,,12,\n"
        "PROD-TANAM,ceiling,TAN-PADI-PROD,TAN-PADI-TANAM,,,,\n",
    )

    inside = check(
        session, "DISTAN", "2026-TW1",
        {"TAN-PADI-TANAM": "1000", "TAN-PADI-PROD": "12000"},
    )
    outside = check(session, "DISTAN", "2026-TW1", {"TAN-PADI-PROD": "12000.5"})

    assert messages(inside, "PROD-PER-HA") == []
    assert messages(outside, "PROD-PER-HA") == [
        "*Produksi padi 12.000,5 ton* melebihi 1.200% dari luas tanam 1.000 ha "
        "(12.000 ton)."
    ]
    assert messages(outside, "PROD-TANAM") == [
        "*Produksi padi 12.000,5 ton* melebihi luas tanam 1.000 ha."
    ]


# --- gap -------------------------------------------------------------------------


def test_gap_threshold(session):
    # Disdik's ceiling is Rp15.602.000.000: Rp7.801.000.000 is 50%.
    inside = check(
        session, "DISDIK", "2026-03", {"RFK-KEU": "7801000000", "RFK-FIS": "20"}
    )
    outside = check(session, "DISDIK", "2026-03", {"RFK-KEU": "7802560200"})

    assert inside == []
    assert messages(outside, "KEU-FISIK") == [
        "*Persen keuangan 50,01%* jauh di atas fisik 20% (selisih 30,01 poin)."
    ]


def test_gap_runs_when_other_changes(session):
    missing = check(session, "DISDIK", "2026-03", {"RFK-KEU": "12481600000"})
    findings = check(session, "DISDIK", "2026-03", {"RFK-FIS": "20"})

    assert missing == []
    assert messages(findings, "KEU-FISIK") == [
        "*Persen keuangan 80%* jauh di atas fisik 20% (selisih 60 poin)."
    ]


def test_gap_subject_below_other_passes(session):
    findings = check(
        session, "DISDIK", "2026-03", {"RFK-KEU": "1560200000", "RFK-FIS": "90"}
    )

    assert findings == []


# --- product ---------------------------------------------------------------------


@pytest.mark.parametrize(("number", "flagged"), [
    ("6600", False), ("6601", True), ("4400", False), ("4399", True),
])
def test_product_threshold(session, number, flagged):
    check(session, "DISTAN", "2026-TW1",
          {"TAN-PADI-TANAM": "1000", "TAN-PADI-PRODUKTIVITAS": "5.5"})

    findings = check(session, "DISTAN", "2026-TW1", {"TAN-PADI-PROD": number})

    assert rule_codes(findings) == (["PADI-PRODUKSI"] if flagged else [])


def test_product_message(session):
    findings = check(session, "DISTAN", "2026-TW1", {
        "TAN-PADI-TANAM": "1000", "TAN-PADI-PROD": "6601",
        "TAN-PADI-PRODUKTIVITAS": "5.5",
    })

    assert findings[0].message == (
        "*Produksi padi 6.601 ton* jauh dari luas tanam 1.000 ha × produktivitas "
        "5,5 ton/ha = 5.500 ton (selisih 20%)."
    )


def test_product_runs_when_factor_changes(session):
    check(
        session, "DISTAN", "2026-TW1",
        {"TAN-PADI-TANAM": "1000", "TAN-PADI-PROD": "5500"},
    )
    missing = check(session, "DISTAN", "2026-TW1", {"TAN-PADI-PROD": "9000"})

    findings = check(session, "DISTAN", "2026-TW1", {"TAN-PADI-PRODUKTIVITAS": "5.5"})

    assert missing == []
    assert rule_codes(findings) == ["PADI-PRODUKSI"]
    assert findings[0].number == Decimal("9000")


def test_product_with_division_and_number(session, tmp_path):
    use_rules(
        session, tmp_path,
        "HASIL,product,TAN-PADI-PRODUKTIVITAS,TAN-PADI-PROD / TAN-PADI-TANAM,,,0.05,\n"
        "TON-KG,product,TAN-PADI-PROD,TAN-PADI-TANAM*5000/1000,,,0.1,\n",
    )
    # 5.500 ton is 10% above 1.000 ha × 5.000 / 1.000 = 5.000 ton.
    first = check(
        session, "DISTAN", "2026-TW1",
        {"TAN-PADI-TANAM": "1000", "TAN-PADI-PROD": "5500"},
    )
    inside = check(session, "DISTAN", "2026-TW1", {"TAN-PADI-PRODUKTIVITAS": "5.775"})
    outside = check(session, "DISTAN", "2026-TW1", {"TAN-PADI-PRODUKTIVITAS": "5.8"})
    above = check(session, "DISTAN", "2026-TW1", {"TAN-PADI-PROD": "5501"})

    assert first == []
    assert inside == []
    assert messages(outside, "HASIL") == [
        "*Produktivitas 5,8 ton/ha* jauh dari produksi padi 5.500 ton / luas tanam "
        "1.000 ha = 5,5 ton/ha (selisih 5,5%)."
    ]
    assert messages(above, "TON-KG") == [
        "*Produksi padi 5.501 ton* jauh dari luas tanam 1.000 ha × 5.000 / 1.000 "
        "= 5.000 ton (selisih 10%)."
    ]


def test_product_zero_passes(session):
    findings = check(session, "DISTAN", "2026-TW1", {
        "TAN-PADI-TANAM": "0", "TAN-PADI-PRODUKTIVITAS": "5.5", "TAN-PADI-PROD": "100",
    })

    assert findings == []


# --- which rules run -------------------------------------------------------------


def test_findings_in_question_order(session):
    check(session, "DISDIK", "2026-02", {"RFK-KEU": "2100000000", "RFK-FIS": "9"})

    findings = check(
        session, "DISDIK", "2026-03", {"RFK-FIS": "5", "RFK-KEU": "16000000000"}
    )

    assert rule_codes(findings) == [
        "KEU-PAGU", "KEU-FISIK", "KEU-PERSEN", "FIS-KUMULATIF",
    ]
    assert [f.indicator.code for f in findings] == [
        "RFK-KEU", "RFK-KEU-PCT", "RFK-KEU-PCT", "RFK-FIS",
    ]


def test_unchanged_indicator_not_checked(session):
    store(session, "RSUD", "2026-03", {"RS-BOR": "112"})

    findings = check(session, "RSUD", "2026-03", {"RFK-FIS": "10"})

    assert findings == []


def test_inactive_rule_skipped(session):
    rule = by_code(session, Rule, "BOR-WAJAR")
    rule.active = False
    session.add(rule)
    session.flush()

    findings = check(session, "RSUD", "2026-03", {"RS-BOR": "112"})

    assert findings == []


def test_rule_of_other_agency_skipped(session):
    # RS-BOR applies to RSUD only, so a stray value of Disdik is not checked.
    findings = check(session, "DISDIK", "2026-03", {"RS-BOR": "150"})

    assert findings == []


def test_empty_changed_checks_nothing(session):
    findings = check(session, "RSUD", "2026-03", {"RS-BOR": "150"}, changed=[])

    assert findings == []


def test_history_read_once(session, loaded_db_url):
    for month in ("01", "02"):
        check(
            session, "DISDIK", f"2026-{month}",
            {"RFK-KEU": "1000000000", "RFK-FIS": "9"},
        )
    report, agency, period = store(
        session, "DISDIK", "2026-03", {"RFK-KEU": "900000000", "RFK-FIS": "8"}
    )
    ids = {by_code(session, Indicator, c).id for c in ("RFK-KEU", "RFK-FIS")}
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = get_engine(loaded_db_url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        findings = check_report(session, report, agency, period, ids, "id")
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert rule_codes(findings) == ["KEU-KUMULATIF", "FIS-KUMULATIF"]
    history = [s for s in statements if "row_number" in s.lower()]
    assert len(history) == 1
    assert len(statements) <= 5


# --- labels ----------------------------------------------------------------------


@pytest.mark.parametrize(("aliases", "name", "label"), [
    ("bor", "Bed Occupancy Rate", "BOR"),
    ("keuangan|keu", "Realisasi keuangan", "Keuangan"),
    ("persen keuangan|% keuangan", "Persentase", "Persen keuangan"),
    ("ktp-el|ktp", "KTP", "Ktp-el"),
    ("izin|perizinan", "Jumlah perizinan berusaha", "Izin"),
    ("spbe|indeks spbe", "Indeks SPBE pemerintah daerah", "SPBE"),
    ("", "Jumlah kematian ibu", "Jumlah kematian ibu"),
])
def test_short_label(aliases, name, label):
    indicator = Indicator(
        code="X", name=name, aliases=aliases, type="integer",
        periodicity=Periodicity.MONTHLY,
    )

    assert short_label(indicator) == label

"""Tests of rules.csv in `bot.importer` on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.db import get_engine
from bot.importer import DataImportError, import_directory
from models import Agency, Indicator, Rule

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
SAMPLE_RULES = (SAMPLE_DIR / "rules.csv").read_text(encoding="utf-8")
RULES_HEADER = "code,kind,indicator,other,min,max,threshold,note\n"
# A valid rule placed before the bad row, which a failed import must not keep.
NEW_RULE = "BOR-RENDAH,range,RS-BOR,,40,,,\n"
BAD_LINE = len(SAMPLE_RULES.splitlines()) + 2


@pytest.fixture(autouse=True)
def dispose_engine(db_url):
    yield
    get_engine(db_url).dispose()


@pytest.fixture
def loaded(session: Session) -> Session:
    import_directory(session, SAMPLE_DIR)
    session.commit()
    return session


def copy_sample(tmp_path: Path, rules: str | None = None) -> Path:
    """Copy the sample; with `rules`, write it as the whole of rules.csv."""
    directory = tmp_path / "data"
    shutil.copytree(SAMPLE_DIR, directory)
    if rules is not None:
        (directory / "rules.csv").write_text(rules, encoding="utf-8")
    return directory


def rules_by_code(session: Session) -> dict[str, Rule]:
    session.expire_all()
    return {rule.code: rule for rule in session.exec(select(Rule)).all()}


def rule_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Rule)).one()


# --- Bad rows ---------------------------------------------------------------------

# (row, expected column, reason part). Each row follows the sample rules and
# NEW_RULE, so it is on line BAD_LINE.
BAD_ROWS = [
    (",monotonic,RFK-KEU,,,,,", "code", "a value is required"),
    ("KEU-PAGU,monotonic,RFK-KEU,,,,,", "code", "already used on line 5"),
    ("KEU PAGU,monotonic,RFK-KEU,,,,,", "code", "not a valid code"),
    ("X" * 41 + ",monotonic,RFK-KEU,,,,,", "code", "the maximum is 40"),
    ("R1,trend,RFK-KEU,,,,,", "kind", "'trend' is not one of monotonic"),
    ("R1,,RFK-KEU,,,,,", "kind", "a value is required: one of monotonic"),
    ("R1,monotonic,,,,,,", "indicator", "a value is required"),
    ("R1,monotonic,RFK-XYZ,,,,,", "indicator",
     "indicator 'RFK-XYZ' not found in indicators.csv or stored"),
    ("R1,monotonic,rfk-keu,,,,,", "indicator", "'rfk-keu' not found"),
    ("R1,monotonic,RFK-MASALAH,,,,,", "indicator",
     "RFK-MASALAH is a text indicator, but a rule needs a numeric one"),
    ("R1,range,SAKIP-NILAI,,,1,,", "indicator", "is a choice indicator"),
    ("R1,monotonic,RFK-KEU,budget,,,,", "other", "a monotonic rule does not use other"),
    ("R1,monotonic,RFK-KEU,,0,,,", "min", "a monotonic rule does not use min"),
    ("R1,monotonic,RFK-KEU,,,5,,", "max", "does not use max"),
    ("R1,monotonic,RFK-KEU,,,,1,", "threshold", "does not use threshold"),
    ("R1,range,RS-BOR,,,100,1,", "threshold", "a range rule does not use threshold"),
    ("R1,range,RS-BOR,RS-BOR,,100,,", "other", "a range rule does not use other"),
    ("R1,jump,PTSP-IZIN,,1,,2,", "min", "a jump rule does not use min"),
    ("R1,spread,KEC-PATEN,,,100,3,", "max", "a spread rule does not use max"),
    ("R1,ceiling,RFK-KEU,budget,0,,,", "min", "a ceiling rule does not use min"),
    ("R1,jump,PTSP-IZIN,,,,,", "threshold", "a value is required for a jump rule"),
    ("R1,spread,KEC-PATEN,,,,,", "threshold", "a value is required for a spread rule"),
    ("R1,gap,RFK-KEU-PCT,RFK-FIS,,,,", "threshold", "required for a gap rule"),
    ("R1,product,TAN-PADI-PROD,TAN-PADI-TANAM,,,,", "threshold",
     "required for a product rule"),
    ("R1,jump,PTSP-IZIN,,,,0,", "threshold", "'0' is not greater than 0"),
    ("R1,spread,KEC-PATEN,,,,-3,", "threshold", "not greater than 0"),
    ("R1,ceiling,RFK-KEU,budget,,,0,", "threshold", "not greater than 0"),
    ("R1,gap,RFK-KEU-PCT,RFK-FIS,,,-1,", "threshold", "'-1' is negative"),
    ("R1,product,TAN-PADI-PROD,TAN-PADI-TANAM,,,1.5,", "threshold", "more than 1"),
    ("R1,jump,PTSP-IZIN,,,,\"0,5\",", "threshold", "not a plain decimal number"),
    ("R1,jump,PTSP-IZIN,,,,50%,", "threshold", "not a plain decimal number"),
    ("R1,jump,PTSP-IZIN,,,,0.12345,", "threshold", "more than 4 decimal places"),
    ("R1,range,RS-BOR,,,,,", "min", "a range rule needs min, max or both"),
    ("R1,range,RS-BOR,,100,50,,", "max", "max 50 is less than min 100"),
    ("R1,range,RS-BOR,,1.000.000,,,", "min", "not a plain decimal number"),
    ("R1,ceiling,RFK-KEU,,,,,", "other",
     "a value is required: a numeric indicator code or budget"),
    ("R1,gap,RFK-KEU-PCT,,,,30,", "other",
     "a value is required: the code of a percent"),
    ("R1,product,TAN-PADI-PROD,,,,0.2,", "other",
     "a value is required: indicator codes"),
    ("R1,ceiling,RFK-KEU,BUDGET,,,,", "other", "'BUDGET' not found"),
    ("R1,gap,RFK-KEU-PCT,budget,,,30,", "other",
     "budget is allowed only in a ceiling rule"),
    ("R1,product,TAN-PADI-PROD,budget,,,0.2,", "other", "only in a ceiling rule"),
    ("R1,ceiling,RFK-KEU,RFK-XYZ,,,,", "other", "'RFK-XYZ' not found"),
    ("R1,ceiling,RFK-KEU,ADM-LAPKEU,,,,", "other",
     "ADM-LAPKEU is a choice indicator, but a rule needs a numeric one"),
    ("R1,ceiling,RFK-KEU,RFK-KEU,,,,", "other",
     "'RFK-KEU' is the rule's own indicator"),
    ("R1,ceiling,RFK-KEU,KIN-CAPAIAN,,,,", "other",
     "KIN-CAPAIAN is quarterly but RFK-KEU is monthly"),
    ("R1,gap,RFK-KEU-PCT,RFK-SUBKEG,,,30,", "other",
     "a gap rule compares percentages, but RFK-SUBKEG is of type integer"),
    ("R1,gap,RFK-KEU,RFK-FIS,,,30,", "indicator",
     "compares percentages, but RFK-KEU is of type currency"),
    ("R1,product,TAN-PADI-PROD,TAN-PADI-TANAM**TAN-PADI-PRODUKTIVITAS,,,0.2,", "other",
     "is not a valid expression"),
    ("R1,product,TAN-PADI-PROD,TAN-PADI-TANAM*,,,0.2,", "other",
     "not a valid expression"),
    ("R1,product,TAN-PADI-PROD,TAN-PADI-TANAM+KAN-PROD,,,0.2,", "other",
     "'TAN-PADI-TANAM+KAN-PROD' not found"),
    ("R1,product,TAN-PADI-PROD,2*3,,,0.2,", "other", "'2*3' names no indicator"),
    ("R1,product,TAN-PADI-PROD,TAN-PADI-TANAM*FOO,,,0.2,", "other", "'FOO' not found"),
    ("R1,product,TAN-PADI-PROD,TAN-PADI-PROD*2,,,0.2,", "other", "own indicator"),
    ("R1,product,TAN-PADI-PROD,TAN-PADI-TANAM*RFK-FIS,,,0.2,", "other",
     "RFK-FIS is monthly but TAN-PADI-PROD is quarterly"),
    ("R1,product,TAN-PADI-PROD," + "*".join(["TAN-PADI-TANAM"] * 15) + ",,,0.2,",
     "other", "the maximum is 200"),
    ("R1,monotonic,RFK-KEU,,,,," + "n" * 401, "note", "the maximum is 400"),
    ("R1,monotonic,RFK-KEU,,,,,catatan\x01", "note", "control character U+0001"),
]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    BAD_ROWS,
    ids=[f"{case[1]}-{index}" for index, case in enumerate(BAD_ROWS)],
)
def test_bad_rule_rejected(loaded, tmp_path, row, column, reason):
    before = rules_by_code(loaded)
    directory = copy_sample(tmp_path, SAMPLE_RULES + NEW_RULE + row + "\n")
    directory.joinpath("agencies.csv").write_text(
        directory.joinpath("agencies.csv").read_text(encoding="utf-8").replace(
            "DINKES,Dinas Kesehatan,", "DINKES,Dinas Kesehatan Baru,"
        ),
        encoding="utf-8",
    )

    with pytest.raises(DataImportError) as caught:
        import_directory(loaded, directory)
    loaded.rollback()

    error = caught.value
    assert error.file == "rules.csv"
    assert error.line == BAD_LINE
    assert error.column == column
    assert reason in error.reason
    assert str(error).startswith(f"rules.csv line {BAD_LINE}, column {column}: ")
    after = rules_by_code(loaded)
    assert sorted(after) == sorted(before)
    assert all(rule.active for rule in after.values())
    dinkes = loaded.exec(select(Agency).where(Agency.code == "DINKES")).one()
    assert dinkes.name == "Dinas Kesehatan"


def test_bad_header_rejected(loaded, tmp_path):
    directory = copy_sample(tmp_path, "code,kind,indicator,limit\nR1,monotonic,X,\n")

    with pytest.raises(DataImportError) as caught:
        import_directory(loaded, directory)

    assert str(caught.value).startswith(
        "rules.csv line 1, column limit: unknown column"
    )


def test_missing_required_column_rejected(loaded, tmp_path):
    directory = copy_sample(tmp_path, "code,kind\nR1,monotonic\n")

    with pytest.raises(DataImportError) as caught:
        import_directory(loaded, directory)

    assert str(caught.value) == (
        "rules.csv line 1, column indicator: required column is missing"
    )


# --- Valid files ------------------------------------------------------------------


def test_sample_rules_stored(loaded):
    rules = rules_by_code(loaded)
    indicators = {i.id: i.code for i in loaded.exec(select(Indicator)).all()}

    assert len(rules) == 11
    assert all(rule.active for rule in rules.values())
    product = rules["PADI-PRODUKSI"]
    assert product.kind == "product"
    assert indicators[product.indicator_id] == "TAN-PADI-PROD"
    assert product.other == "TAN-PADI-TANAM*TAN-PADI-PRODUKTIVITAS"
    assert product.threshold == Decimal("0.2")
    bor = rules["BOR-WAJAR"]
    assert bor.minimum is None
    assert bor.maximum == Decimal(100)
    assert rules["KEU-PAGU"].other == "budget"
    assert rules["KEU-PAGU"].threshold is None
    assert rules["KEU-KUMULATIF"].other is None


def test_second_import_unchanged(loaded):
    summary = import_directory(loaded, SAMPLE_DIR)

    assert summary["rules.csv"].created == 0
    assert summary["rules.csv"].updated == 0
    assert summary["rules.csv"].unchanged == 11
    assert not summary.changed


def test_changed_rule_updated(loaded, tmp_path):
    rules = SAMPLE_RULES.replace("KEC-PATEN,,,,3,", "KEC-PATEN,,,,2.5,")
    directory = copy_sample(tmp_path, rules)

    summary = import_directory(loaded, directory)
    loaded.commit()

    assert summary["rules.csv"].updated == 1
    assert summary["rules.csv"].unchanged == 10
    assert rules_by_code(loaded)["PATEN-SEBARAN"].threshold == Decimal("2.5")


def test_removed_rule_deactivated(loaded, tmp_path):
    rules = "".join(
        line for line in SAMPLE_RULES.splitlines(keepends=True)
        if not line.startswith("BOR-WAJAR,")
    )
    directory = copy_sample(tmp_path, rules)

    first = import_directory(loaded, directory)
    loaded.commit()
    again = import_directory(loaded, directory)
    loaded.commit()

    assert first["rules.csv"].updated == 1
    assert first["rules.csv"].unchanged == 10
    assert again["rules.csv"].updated == 0
    assert again["rules.csv"].unchanged == 10
    assert not again.changed
    stored = rules_by_code(loaded)
    assert stored["BOR-WAJAR"].active is False
    assert stored["BOR-WAJAR"].maximum == Decimal(100)
    assert sum(rule.active for rule in stored.values()) == 10


def test_listed_again_reactivated(loaded, tmp_path):
    directory = copy_sample(tmp_path, RULES_HEADER)
    emptied = import_directory(loaded, directory)
    loaded.commit()

    restored = import_directory(loaded, SAMPLE_DIR)
    loaded.commit()

    assert emptied["rules.csv"].updated == 11
    assert restored["rules.csv"].updated == 11
    assert all(rule.active for rule in rules_by_code(loaded).values())


def test_absent_file_keeps_rules(loaded, tmp_path):
    directory = copy_sample(tmp_path)
    (directory / "rules.csv").unlink()

    summary = import_directory(loaded, directory)
    loaded.commit()

    assert "rules.csv" in summary.skipped
    assert "rules.csv" not in summary.files
    rules = rules_by_code(loaded)
    assert len(rules) == 11
    assert all(rule.active for rule in rules.values())


def test_rule_on_indicator_of_same_import(session, tmp_path):
    directory = copy_sample(tmp_path, RULES_HEADER + "BARU-NAIK,monotonic,BARU,,,,,\n")
    with (directory / "indicators.csv").open("a", encoding="utf-8") as stream:
        stream.write("BARU,Indikator baru,,unit,integer,0,,,monthly,ALL,yes,\n")

    summary = import_directory(session, directory)
    session.commit()

    assert summary["rules.csv"].created == 1
    rule = rules_by_code(session)["BARU-NAIK"]
    indicator = session.exec(select(Indicator).where(Indicator.code == "BARU")).one()
    assert rule.indicator_id == indicator.id


def test_rule_on_stored_unlisted_indicator(loaded, tmp_path):
    directory = copy_sample(tmp_path)
    path = directory / "indicators.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(
        "".join(line for line in lines if not line.startswith("PTSP-IZIN,")),
        encoding="utf-8",
    )

    summary = import_directory(loaded, directory)

    assert summary["rules.csv"].unchanged == 11


def test_kind_case_and_spaces_normalised(loaded, tmp_path):
    rules = SAMPLE_RULES.replace(
        "PADI-PRODUKSI,product,TAN-PADI-PROD,TAN-PADI-TANAM*TAN-PADI-PRODUKTIVITAS,",
        "PADI-PRODUKSI,Product,TAN-PADI-PROD,"
        " TAN-PADI-TANAM * TAN-PADI-PRODUKTIVITAS ,",
    )
    assert rules != SAMPLE_RULES
    directory = copy_sample(tmp_path, rules)

    summary = import_directory(loaded, directory)

    assert summary["rules.csv"].unchanged == 11


def test_product_with_number_and_division(session, tmp_path):
    directory = copy_sample(
        tmp_path,
        RULES_HEADER
        + "HASIL,product,TAN-PADI-PRODUKTIVITAS,TAN-PADI-PROD/TAN-PADI-TANAM,,,0.05,\n"
        + "TON,product,TAN-PADI-PROD,1000*TAN-PADI-TANAM/1000,,,1,\n"
        + "FIS-KEU,gap,RFK-FIS,RFK-KEU-PCT,,,0,\n"
        + "KEU-FIS,ceiling,RFK-KEU-PCT,RFK-FIS,,,2,\n",
    )

    summary = import_directory(session, directory)
    session.commit()

    assert summary["rules.csv"].created == 4
    rules = rules_by_code(session)
    assert rules["TON"].other == "1000*TAN-PADI-TANAM/1000"
    assert rules["FIS-KEU"].threshold == Decimal(0)

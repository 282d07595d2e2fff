"""Tests of `bot.importer` on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session, func, select

from bot import importer
from bot.db import get_engine
from bot.importer import DataImportError, import_directory
from models import (
    Agency,
    AgencyAlias,
    Budget,
    Holiday,
    ImportRun,
    Indicator,
    Official,
    Period,
    Rule,
)

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
FILES = {
    "agencies.csv": Agency,
    "officials.csv": Official,
    "indicators.csv": Indicator,
    "periods.csv": Period,
    "budgets.csv": Budget,
    "holidays.csv": Holiday,
    "rules.csv": Rule,
}
TABLES = [*FILES.values(), AgencyAlias, ImportRun]


def sample_rows(name: str) -> list[dict[str, str]]:
    with (SAMPLE_DIR / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def copy_sample(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    shutil.copytree(SAMPLE_DIR, directory)
    return directory


def set_cell(directory: Path, name: str, line: int, column: str, value: str) -> None:
    """Replace one cell of the row on physical line `line` (header is line 1)."""
    path = directory / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    cells = next(csv.reader([lines[line - 1]]))
    cells[header.index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    lines[line - 1] = buffer.getvalue()
    path.write_text("".join(lines), encoding="utf-8")


def write_file(directory: Path, name: str, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")


def row_counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.exec(select(func.count()).select_from(model)).one()
        for model in TABLES
    }


def by_code(session: Session, model, code: str):
    return session.exec(select(model).where(model.code == code)).one()


def agency(session: Session, code: str) -> Agency:
    return by_code(session, Agency, code)


def aliases_of(session: Session, code: str) -> set[str]:
    rows = session.exec(
        select(AgencyAlias.alias).where(
            AgencyAlias.agency_id == agency(session, code).id
        )
    ).all()
    return set(rows)


def load_sample(session: Session) -> None:
    import_directory(session, SAMPLE_DIR)
    session.commit()


def minimal_directory(tmp_path: Path, officials: str) -> Path:
    """Write the three required files with one agency, plus `officials`."""
    directory = tmp_path / "minimal"
    write_file(
        directory, "agencies.csv",
        "code,name,short_name,aliases,kind\n"
        "DINKES,Dinas Kesehatan,Dinkes,kesehatan,dinas\n",
    )
    write_file(
        directory, "indicators.csv",
        "code,name,aliases,unit,type,min,max,choices,periodicity,applies_to,"
        "required,formula\n"
        "RFK-FIS,Realisasi fisik,fisik,%,percent,0,100,,monthly,ALL,yes,\n",
    )
    write_file(
        directory, "periods.csv",
        "code,periodicity,start,end,deadline\n"
        "2026-01,monthly,2026-01-01,2026-01-31,2026-02-10\n",
    )
    write_file(directory, "officials.csv", officials)
    return directory


@pytest.fixture(autouse=True)
def dispose_engine(db_url):
    """Close the pooled connections of each test's database after the test.

    Every test gets its own database, and idle pools left open would reach
    PostgreSQL's connection limit (100 by default) within one run.
    """
    yield
    get_engine(db_url).dispose()


# --- A full import ----------------------------------------------------------


def test_sample_import_counts(session):
    summary = import_directory(session, SAMPLE_DIR)
    session.commit()

    for name, model in FILES.items():
        expected = len(sample_rows(name))
        assert summary[name].created == expected, name
        assert summary[name].updated == 0, name
        assert summary[name].unchanged == 0, name
        count = session.exec(select(func.count()).select_from(model)).one()
        assert count == expected, name
    assert summary.changed
    assert summary.skipped == []
    counts = row_counts(session)
    assert counts["agency"] == 56
    assert counts["official"] == 30
    assert counts["indicator"] == 46
    assert counts["period"] == 17
    assert counts["rule"] == 11
    runs = session.exec(select(ImportRun)).all()
    assert len(runs) == 1
    assert runs[0].created == summary.created
    assert runs[0].updated == 0


def test_sample_import_values(session):
    load_sample(session)
    session.expire_all()

    keu = by_code(session, Indicator, "RFK-KEU")
    assert keu.position == 1
    assert keu.minimum == Decimal(0)
    assert keu.maximum is None
    assert keu.required is True
    fis = by_code(session, Indicator, "RFK-FIS")
    assert fis.maximum == Decimal(100)
    pct = by_code(session, Indicator, "RFK-KEU-PCT")
    assert pct.formula == "100 * RFK-KEU / budget"
    paten = by_code(session, Indicator, "KEC-PATEN")
    assert paten.applies_to == "kind:kecamatan"
    masalah = by_code(session, Indicator, "RFK-MASALAH")
    assert masalah.required is False

    admin = session.exec(
        select(Official).where(Official.name == "Admin E-Monev 2")
    ).one()
    assert admin.phone == "+6281200000030"
    assert admin.role == "admin"
    assert admin.language == "en"
    assert admin.agency_id == agency(session, "BAPPEDA").id

    budget = session.exec(
        select(Budget).where(Budget.agency_id == agency(session, "SETDA").id)
    ).one()
    assert budget.ceiling == Decimal("50445000000")
    period = session.exec(select(Period).where(Period.code == "2026-12")).one()
    assert period.deadline.isoformat() == "2027-01-10"
    leave = session.exec(
        select(Holiday).where(Holiday.name == "Cuti bersama Natal")
    ).one()
    assert leave.kind == "collective_leave"


def test_agency_aliases_forms(session):
    load_sample(session)

    aliases = aliases_of(session, "KEC-MUARAPADANG")
    for alias in (
        "kec-muarapadang",
        "kec muarapadang",
        "kec. muara padang",
        "kec muara padang",
        "kecamatan muara padang",
        "muara padang",
    ):
        assert alias in aliases
    assert {"dpupr", "dinas pupr", "pupr", "pu", "dinas pu"} <= aliases_of(
        session, "DPUPR"
    )
    assert "bappeda litbang" in aliases_of(session, "BAPPEDA")
    # The comma of the full name is dropped in the second form.
    assert (
        "badan perencanaan pembangunan daerah penelitian dan pengembangan"
        in aliases_of(session, "BAPPEDA")
    )


def test_optional_files_skipped(session, tmp_path):
    directory = copy_sample(tmp_path)
    for name in ("officials.csv", "budgets.csv", "holidays.csv", "rules.csv"):
        (directory / name).unlink()

    summary = import_directory(session, directory)

    assert summary.skipped == [
        "officials.csv", "budgets.csv", "holidays.csv", "rules.csv",
    ]
    assert set(summary.files) == {"agencies.csv", "indicators.csv", "periods.csv"}
    assert row_counts(session)["official"] == 0


def test_byte_order_mark_tolerated(session, tmp_path):
    directory = copy_sample(tmp_path)
    path = directory / "agencies.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    summary = import_directory(session, directory)

    assert summary["agencies.csv"].created == 56


# --- Running again ----------------------------------------------------------


def test_second_import_changes_nothing(session, db_url):
    load_sample(session)
    before = row_counts(session)
    session.commit()
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = get_engine(db_url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        summary = import_directory(session, SAMPLE_DIR)
        session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert not summary.changed
    assert summary.created == 0
    assert summary.updated == 0
    assert summary.unchanged == sum(len(sample_rows(name)) for name in FILES)
    writes = [
        s for s in statements
        if s.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert row_counts(session) == before


def test_changed_row_updates_it(session, tmp_path):
    load_sample(session)
    directory = copy_sample(tmp_path)
    set_cell(directory, "agencies.csv", 13, "name", "Dinas Kesehatan Kabupaten")
    set_cell(directory, "indicators.csv", 4, "max", "99.5")
    set_cell(directory, "officials.csv", 2, "language", "en")
    set_cell(directory, "budgets.csv", 2, "ceiling", "50445000000.25")

    summary = import_directory(session, directory)
    session.commit()
    session.expire_all()

    assert summary["agencies.csv"].updated == 1
    assert summary["agencies.csv"].unchanged == 55
    assert summary["indicators.csv"].updated == 1
    assert summary["officials.csv"].updated == 1
    assert summary["budgets.csv"].updated == 1
    assert summary["periods.csv"].updated == 0
    assert summary.updated == 4
    dinkes = agency(session, "DINKES")
    assert dinkes.name == "Dinas Kesehatan Kabupaten"
    assert "dinas kesehatan kabupaten" in aliases_of(session, "DINKES")
    assert "dinas kesehatan" not in aliases_of(session, "DINKES")
    fis = by_code(session, Indicator, "RFK-FIS")
    assert fis.maximum == Decimal("99.5")
    official = session.exec(
        select(Official).where(Official.phone == "+6281200000001")
    ).one()
    assert official.language == "en"
    budget = session.exec(
        select(Budget).where(Budget.agency_id == agency(session, "SETDA").id)
    ).one()
    assert budget.ceiling == Decimal("50445000000.25")
    runs = session.exec(select(ImportRun).order_by(ImportRun.id)).all()
    assert len(runs) == 2
    assert runs[1].updated == 4
    assert runs[1].created == 0


def test_alias_moves_between_agencies(session, tmp_path):
    load_sample(session)
    directory = copy_sample(tmp_path)
    set_cell(directory, "agencies.csv", 2, "aliases", "sekretariat daerah")
    set_cell(directory, "agencies.csv", 3, "aliases", "sekda")

    summary = import_directory(session, directory)
    session.commit()

    assert summary["agencies.csv"].updated == 2
    assert "sekda" in aliases_of(session, "SETWAN")
    assert "sekda" not in aliases_of(session, "SETDA")


def test_absent_official_kept(session, tmp_path):
    load_sample(session)
    directory = copy_sample(tmp_path)
    path = directory / "officials.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")

    summary = import_directory(session, directory)

    assert summary["officials.csv"].unchanged == 29
    assert not summary.changed
    assert row_counts(session)["official"] == 30


# --- Phone numbers ----------------------------------------------------------


def test_local_phone_forms_normalised(session, tmp_path):
    directory = minimal_directory(
        tmp_path,
        "name,phone,role,agency_code,language\n"
        "Operator A,0812 0000 0101,operator,DINKES,\n"
        "Operator B,6281200000102,operator,DINKES,id\n"
        'Operator C,"+62 812-0000-0103",supervisor,,en\n',
    )

    import_directory(session, directory)
    session.commit()

    officials = session.exec(select(Official).order_by(Official.name)).all()
    assert [o.phone for o in officials] == [
        "+6281200000101",
        "+6281200000102",
        "+6281200000103",
    ]
    assert officials[0].language == "id"
    assert officials[2].agency_id is None


def test_other_phone_form_same_official(session, tmp_path):
    header = "name,phone,role,agency_code,language\n"
    first = minimal_directory(
        tmp_path / "first", header + "Operator A,081200000101,operator,DINKES,id\n"
    )
    import_directory(session, first)
    second = minimal_directory(
        tmp_path / "second", header + "Operator A,+6281200000101,operator,DINKES,id\n"
    )

    summary = import_directory(session, second)

    assert summary["officials.csv"].unchanged == 1
    assert summary["officials.csv"].created == 0


def test_duplicate_phone_after_normalisation(session, tmp_path):
    directory = minimal_directory(
        tmp_path,
        "name,phone,role,agency_code,language\n"
        "Operator A,081200000101,operator,DINKES,id\n"
        "Operator B,+62 812 0000 0101,operator,DINKES,id\n",
    )

    with pytest.raises(DataImportError) as caught:
        import_directory(session, directory)

    assert caught.value.file == "officials.csv"
    assert caught.value.line == 3
    assert caught.value.column == "phone"
    assert "already used on line 2" in caught.value.reason
    # The number is masked in the message.
    assert "81200000101" not in str(caught.value)


# --- Bad rows ---------------------------------------------------------------

# (file, physical line, column to edit, new value, expected column, reason part)
BAD_CELLS = [
    ("agencies.csv", 4, "code", "", "code", "a value is required"),
    ("agencies.csv", 4, "code", "SETDA", "code", "already used on line 2"),
    ("agencies.csv", 4, "code", "INSP ECTORAT", "code", "not a valid code"),
    ("agencies.csv", 4, "kind", "dinas kota", "kind", "not a valid kind"),
    ("agencies.csv", 4, "name", "x" * 201, "name", "the maximum is 200"),
    ("agencies.csv", 4, "short_name", "y" * 81, "short_name", "the maximum is 80"),
    ("agencies.csv", 4, "aliases", "z" * 121, "aliases", "the maximum is 120"),
    ("officials.csv", 3, "role", "kepala", "role", "not one of operator"),
    ("officials.csv", 3, "agency_code", "", "agency_code", "an operator needs"),
    ("officials.csv", 3, "agency_code", "DINKESS", "agency_code", "not found"),
    ("officials.csv", 27, "agency_code", "NOPE", "agency_code", "not found"),
    ("officials.csv", 3, "language", "fr", "language", "not one of id, en"),
    ("officials.csv", 3, "name", "", "name", "a value is required"),
    ("officials.csv", 3, "phone", "", "phone", "a value is required"),
    ("officials.csv", 3, "phone", "+6281200000001", "phone", "already used"),
    ("indicators.csv", 4, "type", "float", "type", "not one of integer"),
    ("indicators.csv", 4, "min", "1,5", "min", "not a plain decimal number"),
    ("indicators.csv", 4, "max", "1e3", "max", "not a plain decimal number"),
    ("indicators.csv", 4, "min", "101", "max", "less than min 101"),
    ("indicators.csv", 4, "max", "99.12345", "max", "more than 4 decimal places"),
    ("indicators.csv", 5, "max", "10.5", "max", "not a whole number"),
    ("indicators.csv", 6, "min", "0", "min", "text indicator cannot have a min"),
    ("indicators.csv", 8, "choices", "", "choices", "needs its choices"),
    ("indicators.csv", 8, "choices", "Sudah|sudah", "choices", "listed twice"),
    ("indicators.csv", 4, "choices", "Ya|Tidak", "choices", "only a choice"),
    ("indicators.csv", 4, "periodicity", "weekly", "periodicity", "not one of"),
    ("indicators.csv", 4, "applies_to", "DINKES;NOPE", "applies_to", "'NOPE'"),
    ("indicators.csv", 4, "applies_to", "kind:desa", "applies_to", "kind 'desa'"),
    ("indicators.csv", 4, "applies_to", "", "applies_to", "a value is required"),
    ("indicators.csv", 4, "required", "maybe", "required", "not one of yes, no"),
    ("indicators.csv", 3, "formula", "100 * RFK-XYZ / budget", "formula",
     "neither an indicator code"),
    ("indicators.csv", 3, "formula", "100 * RFK-KEU / pagu", "formula", "'pagu'"),
    ("indicators.csv", 3, "formula", "100 * (RFK-KEU", "formula",
     "not a valid expression"),
    ("indicators.csv", 3, "formula", "RFK-KEU ** 2", "formula", "+ - * /"),
    ("indicators.csv", 3, "formula", "RFK-MASALAH", "formula", "not a numeric"),
    ("indicators.csv", 3, "formula", "RFK-KEU-PCT + 1", "formula", "itself"),
    ("indicators.csv", 4, "aliases", "fisik|keu", "aliases", "alias 'keu'"),
    ("indicators.csv", 4, "code", "RFK-KEU", "code", "already used on line 2"),
    ("periods.csv", 3, "start", "2026-02-30", "start", "YYYY-MM-DD"),
    ("periods.csv", 3, "end", "28/02/2026", "end", "YYYY-MM-DD"),
    ("periods.csv", 3, "end", "2026-01-15", "end", "before start"),
    ("periods.csv", 3, "deadline", "2026-02-27", "deadline", "before end"),
    ("periods.csv", 3, "periodicity", "weekly", "periodicity", "not one of"),
    ("periods.csv", 3, "code", "2026-TW1-EXTRA-LONG-CODE", "code", "maximum is 20"),
    ("budgets.csv", 3, "agency_code", "NOPE", "agency_code", "not found"),
    ("budgets.csv", 3, "year", "26", "year", "not a four-digit year"),
    ("budgets.csv", 3, "ceiling", "-1", "ceiling", "negative"),
    ("budgets.csv", 3, "ceiling", "27.772.000.000", "ceiling", "plain decimal"),
    ("budgets.csv", 3, "ceiling", "1" * 21, "ceiling", "more than 20 digits"),
    ("budgets.csv", 3, "ceiling", "", "ceiling", "a value is required"),
    ("budgets.csv", 3, "agency_code", "SETDA", "year", "already used on line 2"),
    ("holidays.csv", 3, "date", "16/01/2026", "date", "YYYY-MM-DD"),
    ("holidays.csv", 3, "date", "2026-01-01", "date", "already used on line 2"),
    ("holidays.csv", 3, "kind", "cuti", "kind", "not one of holiday"),
    ("holidays.csv", 3, "name", "", "name", "a value is required"),
    ("holidays.csv", 3, "name", "Libur\x00", "name", "control character U+0000"),
]


def assert_unchanged(session: Session, before: dict[str, int]) -> None:
    """Check the counts and that a valid edit of the failed run was not kept."""
    assert row_counts(session) == before
    assert agency(session, "DINKES").name == "Dinas Kesehatan"
    assert "dinas kesehatan" in aliases_of(session, "DINKES")


def import_after_valid_edit(session: Session, directory: Path) -> DataImportError:
    """Change DINKES's name as well, then import and return the error."""
    set_cell(directory, "agencies.csv", 13, "name", "Dinas Kesehatan Baru")
    with pytest.raises(DataImportError) as caught:
        import_directory(session, directory)
    session.rollback()
    return caught.value


@pytest.mark.parametrize(
    ("file", "line", "edit", "value", "column", "reason"),
    BAD_CELLS,
    ids=[f"{case[0]}-{case[2]}-{index}" for index, case in enumerate(BAD_CELLS)],
)
def test_bad_cell_rejected(session, tmp_path, file, line, edit, value, column, reason):
    load_sample(session)
    before = row_counts(session)
    directory = copy_sample(tmp_path)
    set_cell(directory, file, line, edit, value)

    error = import_after_valid_edit(session, directory)

    assert error.file == file
    assert error.line == line
    assert error.column == column
    assert reason in error.reason
    assert str(error).startswith(f"{file} line {line}, column {column}: ")
    assert_unchanged(session, before)


def test_invalid_phone_message(session, tmp_path):
    load_sample(session)
    before = row_counts(session)
    directory = copy_sample(tmp_path)
    set_cell(directory, "officials.csv", 7, "phone", "0812")

    error = import_after_valid_edit(session, directory)

    assert str(error) == (
        "officials.csv line 7, column phone: '0812' is not a valid phone number"
    )
    assert_unchanged(session, before)


def test_invalid_long_phone_masked(session, tmp_path):
    load_sample(session)
    directory = copy_sample(tmp_path)
    set_cell(directory, "officials.csv", 7, "phone", "08120000000000000099")

    error = import_after_valid_edit(session, directory)

    assert error.column == "phone"
    assert "is not a valid phone number" in error.reason
    assert "0000000000000" not in str(error)


def test_shared_alias_rejected(session, tmp_path):
    load_sample(session)
    before = row_counts(session)
    directory = copy_sample(tmp_path)
    set_cell(directory, "agencies.csv", 3, "aliases", "DPRD|Sekda")

    error = import_after_valid_edit(session, directory)

    assert error.file == "agencies.csv"
    assert error.line == 3
    assert error.column == "aliases"
    assert "'sekda'" in error.reason
    assert "SETWAN" in error.reason
    assert "SETDA (line 2)" in error.reason
    assert_unchanged(session, before)


def test_shared_alias_after_normalising(session, tmp_path):
    directory = copy_sample(tmp_path)
    # KEC-MUARAPADANG on line 45 yields `kec muara padang` as well.
    set_cell(directory, "agencies.csv", 42, "aliases", "Kec. Muara-Padang")

    with pytest.raises(DataImportError) as caught:
        import_directory(session, directory)

    assert caught.value.line == 45
    assert "KEC-MUARAPADANG" in caught.value.reason
    assert "KEC-BETUNG (line 42)" in caught.value.reason


def test_alias_of_unlisted_agency_rejected(session, tmp_path):
    load_sample(session)
    directory = copy_sample(tmp_path)
    path = directory / "agencies.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # Drop SETDA: it stays stored, so its alias `sekda` stays taken.
    path.write_text(lines[0] + "".join(lines[2:]), encoding="utf-8")
    set_cell(directory, "agencies.csv", 2, "aliases", "sekda")

    with pytest.raises(DataImportError) as caught:
        import_directory(session, directory)

    assert caught.value.line == 2
    assert "SETDA" in caught.value.reason
    assert "not listed" in caught.value.reason


# (file, text written, line, column, reason part)
BAD_FILES = [
    ("officials.csv", "name,phone,role,agency_code,email\n", 1, "email",
     "unknown column"),
    ("officials.csv", "name,role,agency_code,language\n", 1, "phone",
     "required column is missing"),
    ("periods.csv", "code,code,periodicity,start,end,deadline\n", 1, "code",
     "appears twice"),
    ("holidays.csv", "", 1, None, "header row is missing"),
    ("holidays.csv", "date,name,kind\n2026-01-01,Tahun Baru\n", 2, None,
     "the row has 2 fields but the header has 3"),
    ("holidays.csv", 'date,name,kind\n\n2026-01-01,"Tahun Baru,holiday\n', 3, None,
     "is not valid CSV"),
]


@pytest.mark.parametrize(("file", "text", "line", "column", "reason"), BAD_FILES)
def test_bad_file_rejected(session, tmp_path, file, text, line, column, reason):
    load_sample(session)
    before = row_counts(session)
    directory = copy_sample(tmp_path)
    write_file(directory, file, text)

    error = import_after_valid_edit(session, directory)

    assert error.file == file
    assert error.line == line
    assert error.column == column
    assert reason in error.reason
    assert_unchanged(session, before)


def test_file_not_utf8_rejected(session, tmp_path):
    load_sample(session)
    before = row_counts(session)
    directory = copy_sample(tmp_path)
    (directory / "holidays.csv").write_bytes(
        "date,name,kind\n2026-01-01,Tahun Baru,holiday\n2026-01-02,Caf\xe9,holiday\n"
        .encode("latin-1")
    )

    error = import_after_valid_edit(session, directory)

    assert error.file == "holidays.csv"
    assert error.line == 3
    assert "not valid UTF-8" in error.reason
    assert_unchanged(session, before)


@pytest.mark.parametrize("file", ["agencies.csv", "indicators.csv", "periods.csv"])
def test_required_file_missing(session, tmp_path, file):
    directory = copy_sample(tmp_path)
    (directory / file).unlink()

    with pytest.raises(DataImportError) as caught:
        import_directory(session, directory)

    assert caught.value.file == file
    assert caught.value.line is None
    assert "required" in caught.value.reason
    assert row_counts(session)["agency"] == 0


def test_write_failure_keeps_nothing(session, tmp_path, monkeypatch):
    """A failure after the first writes rolls back to the state before the call."""
    load_sample(session)
    before = row_counts(session)
    directory = copy_sample(tmp_path)
    set_cell(directory, "agencies.csv", 13, "name", "Dinas Kesehatan Baru")
    set_cell(directory, "holidays.csv", 2, "name", "Tahun Baru")
    upsert = importer._upsert

    def fail_on_holidays(session, model, *args, **kwargs):
        if model is Holiday:
            raise RuntimeError("simulated database failure")
        return upsert(session, model, *args, **kwargs)

    monkeypatch.setattr(importer, "_upsert", fail_on_holidays)
    with pytest.raises(RuntimeError):
        import_directory(session, directory)
    # Even a caller that commits after the error keeps nothing of the call.
    session.commit()
    session.expire_all()

    assert_unchanged(session, before)

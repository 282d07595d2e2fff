"""The `flask --app app ...` commands, run as subprocesses on SQLite."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, inspect
from sqlmodel import Session, SQLModel, select

from bot.db import close_engine, get_engine
from models import Agency, Outbox
from tests.flows.test_reporting import stored
from tests.support.network_guard import guarded_subprocess_env
from tests.support.servers import REPO_ROOT, AppServer, free_port

FLASK = Path(sys.executable).parent / "flask"
SAMPLE_DIR = REPO_ROOT / "data" / "sample"
COMMAND_TIMEOUT_SECONDS = 60
AUTH_TOKEN = "cli-test-auth-token"
OTHER_SETTINGS = ("DATABASE_URL", "REDIS_URL", "PUBLIC_URL")
EXPORT_HEADER = (
    "period,agency_code,agency_name,indicator_code,indicator_name,unit,value,"
    "raw_text,status,submitted_at,on_time,receipt_no,flag,flag_reason,verification,"
    "verified_at"
)


def base_environment(db_url: str, **extra: str) -> dict[str, str]:
    """Return this process's environment with the product's settings replaced."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EMONEV_", "TWILIO_")) and key not in OTHER_SETTINGS
    }
    env.update({"EMONEV_ENV": "development", "DATABASE_URL": db_url, "REDIS_URL": ""})
    env.update(extra)
    return env


def flask(
    db_url: str, *args: str, stdin: str = "", **extra: str
) -> subprocess.CompletedProcess:
    """Run `flask --app app ARGS` on `db_url` and return its exit code and output."""
    return subprocess.run(
        [str(FLASK), "--app", "app", *args],
        cwd=REPO_ROOT,
        env=guarded_subprocess_env(base_environment(db_url, **extra)),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )


def row_counts(db_url: str) -> dict[str, int]:
    engine = get_engine(db_url)
    with Session(engine) as session:
        return {
            name: session.exec(select(func.count()).select_from(table)).one()
            for name, table in SQLModel.metadata.tables.items()
        }


@pytest.fixture
def empty_sqlite_url(tmp_path):
    """A fresh SQLite file with no tables."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    yield url
    close_engine(url)


@pytest.fixture
def migrated_sqlite_url(templates):
    url = templates.clone("sqlite", loaded=False)
    yield url
    templates.release(url)


# --- migrate, import-data, load-sample ----------------------------------------------


def test_migrate_creates_schema(empty_sqlite_url):
    result = flask(empty_sqlite_url, "migrate")
    with get_engine(empty_sqlite_url).connect() as connection:
        tables = set(inspect(connection).get_table_names())
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_import_data_twice(migrated_sqlite_url):
    first = flask(migrated_sqlite_url, "import-data", "data/sample")
    counts = row_counts(migrated_sqlite_url)
    second = flask(migrated_sqlite_url, "import-data", "data/sample")
    assert first.returncode == 0, first.stderr
    assert "56 created" in first.stdout
    assert counts["agency"] == 56
    assert counts["official"] == 30
    assert second.returncode == 0, second.stderr
    for part in second.stdout.strip().split(";"):
        assert "0 created, 0 updated" in part
    assert row_counts(migrated_sqlite_url) == counts


def test_import_bad_row_changes_nothing(migrated_sqlite_url, tmp_path):
    regency = tmp_path / "regency"
    shutil.copytree(SAMPLE_DIR, regency)
    officials = regency / "officials.csv"
    lines = officials.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "+6281200000003" in lines[3]
    lines[3] = lines[3].replace("+6281200000003", "08-bukan-nomor")
    officials.write_text("".join(lines), encoding="utf-8")
    before = row_counts(migrated_sqlite_url)

    result = flask(migrated_sqlite_url, "import-data", str(regency))
    assert result.returncode != 0
    assert "officials.csv line 4, column phone" in result.stderr
    assert "nothing was changed" in result.stderr
    assert row_counts(migrated_sqlite_url) == before


def test_import_missing_directory(migrated_sqlite_url, tmp_path):
    result = flask(migrated_sqlite_url, "import-data", str(tmp_path / "nowhere"))
    assert result.returncode != 0
    assert "nowhere" in result.stderr


def test_load_sample_empty(migrated_sqlite_url):
    result = flask(migrated_sqlite_url, "load-sample")
    assert result.returncode == 0, result.stderr
    assert "Sample regency loaded" in result.stdout
    assert row_counts(migrated_sqlite_url)["agency"] == 56


def test_load_sample_not_empty(sqlite_loaded_url):
    engine = get_engine(sqlite_loaded_url)
    with Session(engine) as session:
        agency = session.exec(select(Agency).where(Agency.code == "DINKES")).one()
        agency.name = "Dinas Kesehatan (diubah)"
        session.add(agency)
        session.commit()
    before = row_counts(sqlite_loaded_url)

    result = flask(sqlite_loaded_url, "load-sample")
    with Session(engine) as session:
        name = session.exec(select(Agency.name).where(Agency.code == "DINKES")).one()
    assert result.returncode == 0, result.stderr
    assert "sample not loaded" in result.stdout
    assert row_counts(sqlite_loaded_url) == before
    assert name == "Dinas Kesehatan (diubah)"


# --- export ------------------------------------------------------------------------


def test_export_writes_csv(sqlite_loaded_url, tmp_path):
    output = tmp_path / "maret.csv"
    result = flask(
        sqlite_loaded_url, "export", "--period", "2026-03", "--output", str(output)
    )
    text = output.read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert result.returncode == 0, result.stderr
    assert text.splitlines()[0] == EXPORT_HEADER
    assert len(rows) > 0
    assert {row["period"] for row in rows} == {"2026-03"}
    assert f"Wrote {len(rows)} rows" in result.stderr


def test_export_stdout(sqlite_loaded_url):
    result = flask(sqlite_loaded_url, "export", "--period", "2026-03")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == EXPORT_HEADER


def test_export_unknown_period(sqlite_loaded_url, tmp_path):
    output = tmp_path / "none.csv"
    result = flask(
        sqlite_loaded_url, "export", "--period", "1999-01", "--output", str(output)
    )
    assert result.returncode != 0
    assert "Period '1999-01' not found" in result.stderr
    assert not output.exists()


# --- chat against a running server ------------------------------------------------


@pytest.fixture
def chat_server(sqlite_loaded_url):
    env = {
        **base_environment(sqlite_loaded_url),
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TZ": "UTC",
    }
    with AppServer(env, faketime="@2026-04-06 02:10:00") as server:
        server.db_url = sqlite_loaded_url
        yield server


def test_chat_reports_value(chat_server):
    result = flask(
        chat_server.db_url,
        "chat", "--phone", "0812-0000-0001", "--url", chat_server.url,
        stdin="lapor maret\n18,25 M\n",
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TZ="UTC",
    )
    replies = [line for line in result.stdout.splitlines() if line.startswith("bot> ")]
    values = stored(chat_server.db_url, "DINKES", "2026-03")
    assert result.returncode == 0, result.stderr
    assert "HTTP" not in result.stderr
    assert "1/7" in result.stdout
    assert "2/7" in result.stdout
    assert result.stdout.index("1/7") < result.stdout.index("2/7")
    assert len(replies) >= 2
    assert values["RFK-KEU"].number == Decimal("18250000000")


def test_chat_unsigned_rejected(chat_server):
    result = flask(
        chat_server.db_url,
        "chat", "--phone", "+6281200000001", "--url", chat_server.url,
        stdin="lapor maret\n",
        TWILIO_AUTH_TOKEN="another-token",
    )
    assert "HTTP 403" in result.stderr
    assert result.returncode != 0
    assert "bot> " not in result.stdout
    assert stored(chat_server.db_url, "DINKES", "2026-03") == {}


def test_chat_skips_earlier_outbox(chat_server):
    engine = get_engine(chat_server.db_url)
    with Session(engine) as session:
        reminder = Outbox(
            phone="+6281200000001", body="Pengingat batas laporan", status="stored"
        )
        session.add(reminder)
        session.commit()
    result = flask(
        chat_server.db_url,
        "chat", "--phone", "+6281200000001", "--url", chat_server.url,
        stdin="bantuan\n",
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
    )
    # Only rows stored after the chat started are printed.
    assert result.returncode == 0, result.stderr
    assert "bot> " in result.stdout
    assert "Pengingat batas laporan" not in result.stdout


def test_chat_server_unreachable(sqlite_loaded_url):
    result = flask(
        sqlite_loaded_url,
        "chat", "--phone", "+6281200000001", "--url", f"http://127.0.0.1:{free_port()}",
        stdin="lapor\n",
    )
    assert result.returncode != 0
    assert "Cannot reach the server" in result.stderr


def test_chat_invalid_phone(sqlite_loaded_url):
    result = flask(sqlite_loaded_url, "chat", "--phone", "12", stdin="")
    assert result.returncode != 0
    assert "Error" in result.stderr

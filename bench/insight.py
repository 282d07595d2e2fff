"""Time the compliance matrix, the trend and the range exports on a regency.

For each regency directory given, the script creates a fresh database,
migrates it and loads the directory with `flask --app app import-data`. It
then writes a reporting history from a seeded random generator. Each agency
gets, per period of the range, a report on time, late by 1 to 20 days, a
draft, or none. Its values cover its indicators with some skipped, some
values are flagged, and each late report follows a reminder. The script
then measures, each over `--rounds` rounds:

- `compliance_matrix` plus `trend` over the range, in a fresh session;
- the range export written as CSV (the baseline) and as xlsx to a file;
- the peak memory of each export, traced once with tracemalloc.

    .venv/bin/python bench/insight.py --data data/sample --data BIG_DIR
        [--from 2026-01] [--to 2026-06] [--rounds 5] [--postgres ADMIN_URL]

Prints one Markdown table row per regency with the medians and the ratios
of the xlsx export over the CSV export, measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import datetime, time as clock, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db import close_engine, get_engine  # noqa: E402
from bot.export import export_table, write_table_csv, write_xlsx  # noqa: E402
from bot.periods import applicable_indicators  # noqa: E402
from bot.timeliness import compliance_matrix, periods_between, trend  # noqa: E402
from models import (  # noqa: E402
    Agency,
    Official,
    Reminder,
    Report,
    ReportStatus,
    ReportValue,
    Role,
    ValueFlag,
)

FLASK = Path(sys.executable).parent / "flask"
ZONE = "Asia/Jakarta"
# Shares of agencies per period, drawn in this order. The rest has no report.
ON_TIME_SHARE = 0.6
LATE_SHARE = 0.2
DRAFT_SHARE = 0.1
# An on-time report arrives this many days before the deadline.
ON_TIME_DAYS_EARLY = 3
SKIPPED_VALUE_SHARE = 0.05
FLAGGED_VALUE_SHARE = 0.03
# Rows per bulk insert, so PostgreSQL's limit of 65,535 parameters holds.
INSERT_BATCH = 2000


def create_database(postgres: str, directory: Path) -> str:
    if not postgres:
        return f"sqlite:///{directory / f'insight-{uuid.uuid4().hex[:8]}.db'}"
    import psycopg

    name = f"emonev_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return postgres.rsplit("/", 1)[0] + "/" + name


def drop_database(postgres: str, db_url: str) -> None:
    close_engine(db_url)
    if not postgres:
        return
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_flask(db_url: str, *arguments: str) -> None:
    """Run a flask command on the database and stop the benchmark when it fails."""
    environment = {"PATH": "/usr/bin:/bin", "DATABASE_URL": db_url,
                   "EMONEV_ENV": "development", "EMONEV_TIMEZONE": ZONE}
    subprocess.run([str(FLASK), "--app", "app", *arguments], cwd=ROOT,
                   env=environment, check=True, capture_output=True)


def write_history(db_url: str, from_code: str, to_code: str, seed: int) -> dict:
    """Write reports, values, flags and reminders for every period of the range."""
    rng = random.Random(seed)
    counts = {"reports": 0, "values": 0, "flags": 0, "reminders": 0}
    engine = get_engine(db_url)
    with Session(engine) as session:
        periods = periods_between(session, from_code, to_code)
        agencies = session.exec(select(Agency).order_by(Agency.id)).all()
        operators = {}
        for agency_id, official_id in session.exec(
            select(Official.agency_id, Official.id)
            .where(Official.role == Role.OPERATOR)
            .order_by(Official.id)
        ).all():
            operators.setdefault(agency_id, official_id)
        next_report_id = 1
        reports, values, flags, reminders = [], [], [], []
        for period in periods:
            for agency in agencies:
                indicators = [
                    indicator
                    for indicator in applicable_indicators(session, agency, period)
                    if not indicator.computed
                ]
                draw = rng.random()
                if not indicators or draw >= ON_TIME_SHARE + LATE_SHARE + DRAFT_SHARE:
                    continue
                late_days = rng.randint(1, 20) if draw >= ON_TIME_SHARE else 0
                if late_days:
                    day = period.deadline + timedelta(days=late_days)
                else:
                    day = period.deadline - timedelta(days=ON_TIME_DAYS_EARLY)
                moment = datetime.combine(day, clock(9, 0), tzinfo=ZoneInfo(ZONE))
                draft = draw >= ON_TIME_SHARE + LATE_SHARE
                reports.append({
                    "id": next_report_id, "agency_id": agency.id,
                    "period_id": period.id,
                    "status": ReportStatus.DRAFT if draft else ReportStatus.SUBMITTED,
                    "first_submitted_at": None if draft else moment,
                    "submitted_at": None if draft else moment,
                    "on_time": None if draft else late_days == 0,
                    "submission_count": 0 if draft else 1,
                    "created_at": moment, "updated_at": moment,
                })
                for indicator in indicators:
                    if rng.random() < SKIPPED_VALUE_SHARE:
                        continue
                    text = indicator.choice_list[0] if indicator.choice_list else None
                    values.append({
                        "report_id": next_report_id, "indicator_id": indicator.id,
                        "raw_text": text or "1", "text": text,
                        "number": None if text else Decimal(1), "is_none": False,
                        "updated_at": moment,
                    })
                    if rng.random() < FLAGGED_VALUE_SHARE:
                        flags.append({
                            "report_id": next_report_id, "indicator_id": indicator.id,
                            "source": "rule", "message": "bench", "status": "closed",
                            "resolution": "corrected", "raised_at": moment,
                            "resolved_at": moment + timedelta(hours=5),
                        })
                if late_days and agency.id in operators:
                    reminders.append({
                        "official_id": operators[agency.id], "period_id": period.id,
                        "kind": "after-1", "deadline": period.deadline,
                        "created_at": moment - timedelta(hours=rng.randint(2, 72)),
                    })
                next_report_id += 1
        for model, rows in ((Report, reports), (ReportValue, values),
                            (ValueFlag, flags), (Reminder, reminders)):
            for start in range(0, len(rows), INSERT_BATCH):
                session.execute(insert(model), rows[start:start + INSERT_BATCH])
        session.commit()
    counts.update(reports=len(reports), values=len(values), flags=len(flags),
                  reminders=len(reminders))
    return counts


def time_insight(db_url: str, from_code: str, to_code: str, today) -> tuple[float, int]:
    """Return the seconds and statements of compliance_matrix plus trend."""
    engine = get_engine(db_url)
    statements = []

    def count(*_arguments):
        statements.append(1)

    with Session(engine) as session:
        periods = periods_between(session, from_code, to_code)
        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        try:
            compliance_matrix(session, periods, today, ZoneInfo(ZONE))
            trend(session, periods, ZoneInfo(ZONE), today)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return time.perf_counter() - started, len(statements)


def run_export(db_url: str, from_code: str, to_code: str, kind: str, path: Path) -> int:
    with Session(get_engine(db_url)) as session:
        periods = periods_between(session, from_code, to_code)
        columns, rows = export_table(session, periods, ZoneInfo(ZONE))
        if kind == "csv":
            with path.open("w", encoding="utf-8", newline="") as stream:
                return write_table_csv(columns, rows, stream)
        with path.open("wb") as stream:
            return write_xlsx(columns, rows, stream)


def time_export(db_url, from_code, to_code, kind, path) -> tuple[float, int]:
    started = time.perf_counter()
    count = run_export(db_url, from_code, to_code, kind, path)
    return time.perf_counter() - started, count


def peak_memory(db_url, from_code, to_code, kind, path) -> int:
    """Return the peak bytes that tracemalloc records during one export."""
    tracemalloc.start()
    try:
        run_export(db_url, from_code, to_code, kind, path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_regency(directory: Path, arguments, scratch: Path) -> dict:
    db_url = create_database(arguments.postgres, scratch)
    try:
        run_flask(db_url, "migrate")
        run_flask(db_url, "import-data", str(directory))
        history = write_history(db_url, arguments.from_code, arguments.to_code,
                                arguments.seed)
        with Session(get_engine(db_url)) as session:
            agencies = len(session.exec(select(Agency.id)).all())
            last = periods_between(session, arguments.from_code, arguments.to_code)[-1]
        # The day after the last deadline, so every cell is decided.
        today = last.deadline + timedelta(days=1)
        insight = [time_insight(db_url, arguments.from_code, arguments.to_code, today)
                   for _ in range(arguments.rounds)]
        exports = {}
        for kind in ("csv", "xlsx"):
            path = scratch / f"export.{kind}"
            runs = [
                time_export(db_url, arguments.from_code, arguments.to_code, kind, path)
                for _ in range(arguments.rounds)
            ]
            exports[kind] = {
                "seconds": statistics.median(seconds for seconds, _ in runs),
                "rows": runs[0][1],
                "bytes": path.stat().st_size,
                "peak": peak_memory(db_url, arguments.from_code, arguments.to_code,
                                    kind, path),
            }
        return {
            "regency": directory.name, "agencies": agencies, **history,
            "insight_seconds": statistics.median(seconds for seconds, _ in insight),
            "statements": insight[0][1],
            "exports": exports,
        }
    finally:
        drop_database(arguments.postgres, db_url)


def print_results(results: list[dict], backend: str) -> None:
    print(f"\nback end: {backend}\n")
    print("| regency | agencies | reports | matrix + trend s | statements "
          "| CSV s | xlsx s | xlsx/CSV time | CSV peak MiB | xlsx peak MiB "
          "| xlsx/CSV peak | rows |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for result in results:
        csv_run, xlsx_run = result["exports"]["csv"], result["exports"]["xlsx"]
        print(
            f"| {result['regency']} | {result['agencies']} | {result['reports']} "
            f"| {result['insight_seconds']:.3f} | {result['statements']} "
            f"| {csv_run['seconds']:.2f} | {xlsx_run['seconds']:.2f} "
            f"| {xlsx_run['seconds'] / csv_run['seconds']:.1f} "
            f"| {csv_run['peak'] / 2**20:.1f} | {xlsx_run['peak'] / 2**20:.1f} "
            f"| {xlsx_run['peak'] / csv_run['peak']:.2f} | {csv_run['rows']} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append", required=True,
                        help="regency directory of CSV files; repeat for several")
    parser.add_argument("--from", dest="from_code", default="2026-01",
                        help="first period of the range (default 2026-01)")
    parser.add_argument("--to", dest="to_code", default="2026-06",
                        help="last period of the range (default 2026-06)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="timed rounds per measurement; the median is printed")
    parser.add_argument("--seed", type=int, default=1, help="seed of the history")
    parser.add_argument("--postgres", default="",
                        help="PostgreSQL admin URL; a database is created there "
                        "and dropped afterwards. Default: a SQLite file.")
    arguments = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="emonev-insight-") as scratch:
        for directory in arguments.data:
            results.append(bench_regency(directory.resolve(), arguments, Path(scratch)))
            print(f"done: {directory}", file=sys.stderr)
    print_results(results, "PostgreSQL" if arguments.postgres else "SQLite")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Webhook latency: report steps against a bare Flask route, under gunicorn.

Starts two gunicorn servers with the same settings on 127.0.0.1: the real
app on a fresh database holding the sample regency, and a bare app whose only
route parses the form and returns empty TwiML. Twenty senders (one per
operator) post signed messages concurrently; each walks through its agency's
monthly reports, one question at a time, so every request is a real step.

    .venv/bin/python bench/webhook_latency.py [--steps 1000] [--senders 20]
        [--postgres ADMIN_URL] [--workers 2] [--rounds 3]

Each round uses a fresh database: a SQLite file by default, or with
`--postgres postgresql://postgres@127.0.0.1:5432/test` a database created on
that server and dropped afterwards. Prints medians and p99 per round and the
median over rounds as Markdown.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import requests
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db import get_engine, session_scope  # noqa: E402
from bot.importer import import_directory  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.periods import applicable_indicators  # noqa: E402
from models import Agency, Official, Period, Role  # noqa: E402
from tests.support.servers import AppServer  # noqa: E402

TOKEN = "bench-auth-token"
SAMPLE = ROOT / "data" / "sample"


def create_postgres_database(admin_url: str) -> str:
    import psycopg

    name = f"emonev_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(admin_url: str, db_url: str) -> None:
    import psycopg

    from bot.db import close_engine

    close_engine(db_url)
    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def answer_for(indicator) -> str:
    """Return a valid answer for any indicator type, inside its bounds."""
    if indicator.type == "currency":
        return "1,5 M"
    if indicator.type == "choice":
        return "1"
    if indicator.type == "text":
        return "-" if not indicator.required else "ada"
    value = Decimal(10)
    if indicator.maximum is not None and indicator.maximum < value:
        value = indicator.maximum / 2
    if indicator.type == "integer":
        value = value.to_integral_value()
    return format(value, "f").replace(".", ",")


def scripts(db_url: str, senders: int) -> list[tuple[str, list[str]]]:
    """Build each sender's message list: `lapor MONTH`, answers, `ya`, repeated."""
    with Session(get_engine(db_url)) as session:
        operators = session.exec(
            select(Official).where(Official.role == Role.OPERATOR).order_by(Official.id)
        ).all()
        months = session.exec(
            select(Period).where(Period.periodicity == "monthly").order_by(Period.start)
        ).all()
        plans = []
        seen_agencies = set()
        for official in operators:
            if official.agency_id in seen_agencies:
                continue
            seen_agencies.add(official.agency_id)
            agency = session.get(Agency, official.agency_id)
            messages = []
            for month in months:
                asked = [
                    i for i in applicable_indicators(session, agency, month)
                    if not i.computed
                ]
                messages.append(f"lapor {month.code}")
                messages.extend(answer_for(i) for i in asked)
                messages.append("ya")
                messages.append("tidak")
            plans.append((official.phone, messages))
            if len(plans) == senders:
                break
    return plans


def post(http, url, phone, body) -> float:
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{phone}",
        "To": "whatsapp:+14155238886",
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    started = time.perf_counter()
    response = http.post(url, data=params, headers={"X-Twilio-Signature": signature})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code} for a step: {response.text}")
    return elapsed


def drive(url: str, plans, steps: int) -> tuple[list[float], float]:
    per_sender = steps // len(plans)
    latencies: list[float] = []
    lock = threading.Lock()

    def run(plan):
        phone, messages = plan
        http = requests.Session()
        mine = [post(http, url, phone, messages[i % len(messages)])
                for i in range(per_sender)]
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    with ThreadPoolExecutor(len(plans)) as pool:
        list(pool.map(run, plans))
    return latencies, time.perf_counter() - started


def summarise(latencies: list[float], wall: float) -> dict:
    ordered = sorted(latencies)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "throughput": len(ordered) / wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default="",
                        help="admin URL of a PostgreSQL server to create databases on")
    args = parser.parse_args()

    results = {"bare": [], "app": []}
    for round_number in range(1, args.rounds + 1):
        tmp = Path(tempfile.mkdtemp(prefix="emonev-bench-"))
        db_url = f"sqlite:///{tmp / 'bench.db'}"
        if args.postgres:
            db_url = create_postgres_database(args.postgres)
        upgrade(db_url)
        with session_scope(get_engine(db_url)) as session:
            import_directory(session, SAMPLE)
        plans = scripts(db_url, args.senders)
        # The senders walk the 2026 monthly reports on today's clock, so the
        # lock is set as late as it goes to keep those reports editable.
        env = {"DATABASE_URL": db_url, "TWILIO_AUTH_TOKEN": TOKEN, "REDIS_URL": "",
               "TWILIO_ACCOUNT_SID": "", "EMONEV_ENV": "development",
               "EMONEV_LOCK_DAYS_AFTER": "366"}
        with AppServer(env, workers=args.workers, app="bench.bare_app:app") as bare:
            results["bare"].append(
                summarise(*drive(bare.url + "/twilio/whatsapp", plans, args.steps))
            )
        with AppServer(env, workers=args.workers) as app:
            results["app"].append(
                summarise(*drive(app.url + "/twilio/whatsapp", plans, args.steps))
            )
        if args.postgres:
            drop_postgres_database(args.postgres, db_url)
        print(f"round {round_number}: bare {results['bare'][-1]}, app {results['app'][-1]}",
              file=sys.stderr)

    def median_of(name, key):
        return statistics.median(r[key] for r in results[name])

    print(f"| route | median ms | p99 ms | requests/s |\n|---|---|---|---|")
    for name in ("bare", "app"):
        print(f"| {name} | {median_of(name, 'median_ms'):.1f} | "
              f"{median_of(name, 'p99_ms'):.1f} | {median_of(name, 'throughput'):.0f} |")
    ratio = median_of("app", "median_ms") / median_of("bare", "median_ms")
    print(f"\nmedian latency ratio app/bare: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Alembic migrations against the models, and exact values, on both back ends."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import StatementError
from sqlmodel import Session, SQLModel, select

from bot.db import close_engine, get_engine
from bot.migrate import alembic_config, upgrade
from models import Agency, Budget, Indicator, Period, Report, ReportValue
from tests.conftest import _admin, _postgres_url


@pytest.fixture
def empty_url(backend, tmp_path):
    """A database with no tables at all, on each back end."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        yield url
        close_engine(url)
        return
    name = f"emonev_migrate_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    url = _postgres_url(name)
    try:
        yield url
    finally:
        close_engine(url)
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def schema_differences(url: str) -> list:
    with get_engine(url).connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, SQLModel.metadata)


def table_names(url: str) -> set[str]:
    with get_engine(url).connect() as connection:
        return set(inspect(connection).get_table_names())


def test_upgrade_matches_models(empty_url):
    upgrade(empty_url)
    assert schema_differences(empty_url) == []


def test_upgrade_creates_every_table(empty_url):
    upgrade(empty_url)
    assert table_names(empty_url) == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_downgrade_then_upgrade(empty_url):
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    assert table_names(empty_url) <= {"alembic_version"}

    upgrade(empty_url)
    assert schema_differences(empty_url) == []


def test_upgrade_twice_is_noop(empty_url):
    upgrade(empty_url)
    upgrade(empty_url)
    assert schema_differences(empty_url) == []


# --- exact values ---------------------------------------------------------------

EXACT_NUMBERS = [
    "123456789012345678.1234",
    "18250500000",
    "87.5",
    "0.0001",
    "-42.125",
    "0",
]


def first(session: Session, model, **where):
    query = select(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.exec(query).first()


def add_report(session: Session, **values) -> Report:
    agency = first(session, Agency, code="DINKES")
    period = first(session, Period, code="2026-03")
    report = Report(agency_id=agency.id, period_id=period.id, **values)
    session.add(report)
    session.flush()
    return report


@pytest.mark.parametrize("text", EXACT_NUMBERS)
def test_report_value_exact(loaded_db_url, text):
    engine = get_engine(loaded_db_url)
    with Session(engine) as session:
        report = add_report(session)
        indicator = first(session, Indicator, code="RFK-KEU")
        value = ReportValue(
            report_id=report.id, indicator_id=indicator.id, raw_text=text,
            number=Decimal(text),
        )
        session.add(value)
        session.commit()
        value_id = value.id
    with Session(engine) as session:
        stored = session.get(ReportValue, value_id).number
    assert stored == Decimal(text)
    assert str(stored) == text


@pytest.mark.parametrize("text", ["18250500000", "123456789012345678.1234"])
def test_budget_ceiling_exact(loaded_db_url, text):
    engine = get_engine(loaded_db_url)
    with Session(engine) as session:
        agency = first(session, Agency, code="DINKES")
        budget = Budget(agency_id=agency.id, year=2031, ceiling=Decimal(text))
        session.add(budget)
        session.commit()
        budget_id = budget.id
    with Session(engine) as session:
        stored = session.get(Budget, budget_id).ceiling
    assert stored == Decimal(text)
    assert str(stored) == text


def test_aware_datetime_round_trip(loaded_db_url):
    submitted = datetime(2026, 4, 6, 9, 10, 30, 123456, tzinfo=ZoneInfo("Asia/Jakarta"))
    engine = get_engine(loaded_db_url)
    with Session(engine) as session:
        report = add_report(session, submitted_at=submitted)
        session.commit()
        report_id = report.id
    with Session(engine) as session:
        stored = session.get(Report, report_id).submitted_at
    assert stored.tzinfo is not None
    assert stored.utcoffset().total_seconds() == 0
    assert stored == submitted
    assert stored == datetime(2026, 4, 6, 2, 10, 30, 123456, tzinfo=timezone.utc)


def test_naive_datetime_rejected(loaded_db_url):
    with Session(get_engine(loaded_db_url)) as session:
        with pytest.raises(StatementError, match="naive datetime"):
            add_report(session, submitted_at=datetime(2026, 4, 6, 9, 10))

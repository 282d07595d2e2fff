"""Store reports directly, as an earlier month's chat would have left them."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from bot import reports
from bot.config import load_settings
from bot.db import get_engine
from models import Agency, Indicator, Official, Period, Role
from tests.flows.chat import local


def seed_report(
    db_url: str, agency_code: str, period_code: str, values: dict[str, object],
    submitted_at: str | None = None,
) -> int:
    """Store `values` (numbers or choice texts) and submit when `submitted_at` is set.

    Returns the report id.
    """
    settings = load_settings({"DATABASE_URL": db_url})
    with Session(get_engine(db_url)) as session, session.begin():
        agency = session.exec(select(Agency).where(Agency.code == agency_code)).one()
        period = session.exec(select(Period).where(Period.code == period_code)).one()
        operator = session.exec(
            select(Official).where(Official.agency_id == agency.id,
                                   Official.role == Role.OPERATOR)
            .order_by(Official.id)
        ).first()
        moment = local(submitted_at or f"{period.end.isoformat()} 12:00")
        report = reports.get_or_create_report(session, agency, period)
        for code, value in values.items():
            indicator = session.exec(select(Indicator).where(Indicator.code == code)).one()
            number = Decimal(str(value)) if not isinstance(value, str) else None
            reports.store_value(
                session, report, indicator, raw_text=str(value), number=number,
                text=value if isinstance(value, str) else None, official=operator,
                now=moment,
            )
        reports.refresh_computed(session, report, agency, period, moment)
        if submitted_at is not None:
            reports.submit(session, report, period, operator, moment, settings.tz)
        return report.id

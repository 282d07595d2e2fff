"""A liveness check for load balancers and `make run`."""

from flask import Blueprint, current_app
from sqlalchemy import text

from bot.db import get_engine

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    engine = get_engine(current_app.config["SETTINGS"].DATABASE_URL)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}

"""Flask application factory for the E-Monev WhatsApp bot."""

from __future__ import annotations

import logging

from flask import Flask

from bot.config import Settings, load_settings

logger = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from the environment, with `test_config` applied last.

    Raises ConfigError when production lacks its settings.
    """
    settings: Settings = load_settings(test_config)
    app = Flask(__name__, instance_relative_config=True)
    app.config["SETTINGS"] = settings
    app.config.update(_session_config(settings))
    app.config.update(settings.extra)
    _configure_logging()

    from bot.cli import register_commands
    from bot.health import bp as health_bp
    from bot.web.dashboard import bp as dashboard_bp
    from bot.webhook import bp as webhook_bp

    app.register_blueprint(webhook_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(dashboard_bp)
    register_commands(app)

    # The WhatsApp simulator signs webhook requests for anyone who can reach
    # it, so production never serves it.
    if settings.EMONEV_ENV == "development":
        from bot.web.simulator import bp as simulator_bp

        app.register_blueprint(simulator_bp)

    if not settings.verify_signatures:
        logger.warning(
            "app: TWILIO_AUTH_TOKEN is not set, so webhook signatures are NOT "
            "checked; this is allowed in development only"
        )
    if not settings.SECRET_KEY:
        logger.warning(
            "app: SECRET_KEY is not set, so dashboard sessions are signed with the "
            "published development key; this is allowed in development only"
        )
    return app


def _session_config(settings: Settings) -> dict:
    """Return Flask's settings for the dashboard's signed session cookie."""
    return {
        "SECRET_KEY": settings.secret_key,
        "SESSION_COOKIE_NAME": "emonev_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Production serves the dashboard over HTTPS only.
        "SESSION_COOKIE_SECURE": settings.production,
        # Flask rejects a cookie signed longer ago than this, permanent or not.
        "PERMANENT_SESSION_LIFETIME": settings.dashboard_session_lifetime,
    }


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    # The Twilio client logs request URLs and headers at INFO; Alembic logs
    # each plugin it loads.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)

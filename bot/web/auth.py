"""The dashboard's signed session cookie: who is signed in, and CSRF tokens.

The cookie contains the sign-in code's row id, the official's id and role,
and a CSRF token. It is signed with SECRET_KEY, so every web host reads
it, and each request checks the row and the official in the database.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, g, request, session

from bot.db import get_engine, session_scope
from bot.web import signin
from models import Official, SigninCode
from models.types import utcnow

SIGNIN_ID = "signin_id"
OFFICIAL_ID = "official_id"
ROLE = "role"
CSRF_TOKEN = "csrf_token"
# The number a code was requested for, until the code is typed.
PENDING_PHONE = "signin_phone"
CSRF_FIELD = "csrf_token"


def now() -> datetime:
    """Return the current time, from the `CLOCK` config when a test sets one."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock is not None else utcnow()


def settings():
    return current_app.config["SETTINGS"]


def engine():
    return get_engine(settings().DATABASE_URL)


def csrf_token() -> str:
    """Return the session's CSRF token, creating it on first use."""
    token = session.get(CSRF_TOKEN)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_TOKEN] = token
    return token


def csrf_valid() -> bool:
    """Tell whether the posted form carries the session's CSRF token."""
    expected = session.get(CSRF_TOKEN)
    posted = request.form.get(CSRF_FIELD, "")
    return bool(expected) and hmac.compare_digest(expected, posted)


def current_official() -> Official | None:
    """Return the signed-in official, checked once per request, or None."""
    if "official" in g:
        return g.official
    official = None
    signin_id = session.get(SIGNIN_ID)
    official_id = session.get(OFFICIAL_ID)
    role = session.get(ROLE)
    if isinstance(signin_id, int) and isinstance(official_id, int) and role:
        with session_scope(engine()) as db:
            official = signin.signed_in_official(
                db, settings(), signin_id, official_id, role, now()
            )
            if official is not None:
                db.expunge(official)
    if official is None and SIGNIN_ID in session:
        # Ended elsewhere (sign-out, deactivation, new role, expiry): forget it.
        for key in (SIGNIN_ID, OFFICIAL_ID, ROLE):
            session.pop(key, None)
    g.official = official
    return official


def start_session(row: SigninCode, official: Official) -> None:
    """Sign the browser in with a consumed code, under a fresh CSRF token."""
    session.clear()
    # A browser-session cookie: it has no Expires date, which a browser whose
    # clock is off would misread. The server ends the session after
    # EMONEV_DASHBOARD_SESSION_HOURS by the code row and by the cookie's
    # signed timestamp.
    session.permanent = False
    session[SIGNIN_ID] = row.id
    session[OFFICIAL_ID] = official.id
    session[ROLE] = official.role
    session[CSRF_TOKEN] = secrets.token_urlsafe(32)


def end_session() -> None:
    """Sign out here and in the database, so a copied cookie stops working too."""
    signin_id = session.get(SIGNIN_ID)
    if isinstance(signin_id, int):
        with session_scope(engine()) as db:
            signin.sign_out(db, signin_id, now())
    session.clear()


def safe_next(target: str | None, prefix: str) -> str | None:
    """Return `target` when it is a path under `prefix` on this site, else None.

    Only local paths are followed after sign-in, so a link cannot send a
    signed-in official to another site.
    """
    if not target or not target.startswith(prefix) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target

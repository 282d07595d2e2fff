"""The dashboard for supervisors and admins, behind a WhatsApp code sign-in.

Every route of this blueprint needs a signed-in active supervisor or admin,
except those in PUBLIC_ENDPOINTS. `require_sign_in` runs before each
request, so a new route is protected without a decorator. Pages redirect to
the sign-in page, and DATA_ENDPOINTS return 401 without data.
"""

from __future__ import annotations

import logging
import math
import re
import tempfile
from collections.abc import Iterator
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from markupsafe import Markup
from sqlmodel import Session, select

from bot.charts import trend_chart
from bot.db import session_scope
from bot.export import csv_chunks, export_table, write_xlsx
from bot.i18n import period_label
from bot.outbound import enqueue_delivery
from bot.phones import InvalidPhone, mask, to_e164
from bot.timeliness import CellState, deadline_order, trend
from bot.web import auth, pages, signin
from models import Agency, Official, Period

logger = logging.getLogger(__name__)

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# Routes open without signing in. tests/test_dashboard.py checks this exact set.
PUBLIC_ENDPOINTS = frozenset(
    {"dashboard.signin", "dashboard.signin_code", "dashboard.static"}
)
# Routes that return data rather than a page: 401 instead of a redirect.
DATA_ENDPOINTS = frozenset({"dashboard.export"})
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Bytes per chunk of a streamed xlsx download.
XLSX_CHUNK = 64 * 1024
_CODE_INPUT = re.compile(r"[0-9]{%d}" % signin.CODE_DIGITS)
# The XML declaration and DOCTYPE of a standalone SVG, which inline SVG drops.
_SVG_PROLOGUE = re.compile(
    r"\A\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE
)
# The first page after sign-in, when the sign-in link named none.
NEXT_KEY = "signin_next"
# Sent with every page: no caching on shared phones, no framing, and
# scripts, styles and images from this site only. Styles may be inline
# because the SVG that matplotlib writes carries a <style> element.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


@bp.before_request
def require_sign_in():
    """Reject requests without a signed-in session, then POSTs without a CSRF token."""
    if request.endpoint not in PUBLIC_ENDPOINTS and auth.current_official() is None:
        if request.endpoint in DATA_ENDPOINTS:
            return Response("Masuk ke dasbor terlebih dahulu.\n", status=401,
                            mimetype="text/plain")
        return redirect(url_for(".signin", next=request.full_path.rstrip("?")))
    if request.method == "POST" and not auth.csrf_valid():
        logger.warning("dashboard: rejected a %s form without a valid CSRF token",
                       request.endpoint)
        return render_template("dashboard/error.html", title="Formulir kedaluwarsa",
                               message="Formulir ini sudah kedaluwarsa. Muat ulang "
                               "halaman, lalu coba lagi."), 400
    return None


@bp.after_request
def add_security_headers(response: Response) -> Response:
    """Send SECURITY_HEADERS with pages, and only `nosniff` with static files.

    Static files leave out `no-store` so that browsers may cache them.
    """
    if request.endpoint == "dashboard.static":
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@bp.context_processor
def template_values() -> dict:
    return {
        "csrf_token": auth.csrf_token,
        "official": auth.current_official() if request.endpoint not in PUBLIC_ENDPOINTS
        else None,
        "state_styles": pages.STATE_STYLES,
        "periodicity_labels": pages.PERIODICITY_LABELS,
        "period_label": period_label,
    }


# --- sign-in ----------------------------------------------------------------------


@bp.route("/signin", methods=["GET", "POST"], endpoint="signin")
def signin_view():
    """Ask for a phone number and send a code to it if it may sign in."""
    if request.method == "GET":
        target = auth.safe_next(request.args.get("next"), bp.url_prefix)
        if target:
            session[NEXT_KEY] = target
        return render_template("dashboard/signin.html")

    raw = request.form.get("phone", "")
    try:
        phone = to_e164(raw)
    except InvalidPhone:
        return render_template(
            "dashboard/signin.html", phone=raw[:40],
            error="Nomor tidak dikenali. Tulis nomor HP, misalnya 0812 3456 7890.",
        ), 400
    settings = auth.settings()
    with session_scope(auth.engine()) as db:
        outcome = signin.request_code(db, settings, phone, auth.now())
    enqueue_delivery(settings, outcome.outbox_ids)
    session[auth.PENDING_PHONE] = phone
    if outcome.retry_at is not None:
        wait = outcome.retry_at - auth.now()
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        return render_template(
            "dashboard/signin.html", phone=raw[:40], limited=True,
            error=f"Mohon tunggu: kode baru untuk nomor ini bisa diminta lagi dalam "
            f"{minutes} menit. Kode yang sudah dikirim tetap bisa dipakai sampai "
            "kedaluwarsa.",
        ), 429
    return redirect(url_for(".signin_code"), code=303)


@bp.route("/signin/code", methods=["GET", "POST"], endpoint="signin_code")
def signin_code_view():
    """Take the code sent by WhatsApp and sign in with it."""
    phone = session.get(auth.PENDING_PHONE)
    if not isinstance(phone, str):
        return redirect(url_for(".signin"))
    if request.method == "GET":
        return _code_page(phone)

    code = "".join(request.form.get("code", "").split())
    if not _CODE_INPUT.fullmatch(code):
        return _code_page(
            phone, error=f"Kode terdiri dari {signin.CODE_DIGITS} angka."
        ), 400
    settings = auth.settings()
    with session_scope(auth.engine()) as db:
        row = signin.verify_code(db, settings, phone, code, auth.now())
        official = db.get(Official, row.official_id) if row is not None else None
    if row is None:
        return _code_page(
            phone,
            error="Kode salah atau sudah tidak berlaku. Periksa pesan WhatsApp "
            "terakhir, atau minta kode baru.",
        ), 400
    target = auth.safe_next(session.get(NEXT_KEY), bp.url_prefix)
    auth.start_session(row, official)
    return redirect(target or url_for(".matrix"), code=303)


def _code_page(phone: str, error: str | None = None) -> str:
    """Render the code form with the code lifetime that the WhatsApp message states."""
    minutes = auth.settings().signin_code_lifetime // timedelta(minutes=1)
    return render_template(
        "dashboard/code.html", masked=mask(phone), minutes=minutes, error=error
    )


@bp.post("/signout", endpoint="signout")
def signout_view():
    auth.end_session()
    flash("Anda sudah keluar dari dasbor.")
    return redirect(url_for(".signin"), code=303)


# --- pages ------------------------------------------------------------------------


def _range(db: Session) -> tuple[pages.PeriodRange, str | None]:
    """Read the period range of the query string, or the default range and the error."""
    today = _today()
    args = request.args
    try:
        chosen = pages.choose_periods(
            db, today, args.get("from"), args.get("to"), args.get("periodicity")
        )
        return chosen, None
    except pages.RangeError as exc:
        return pages.choose_periods(db, today, None, None, None), str(exc)


def _today():
    return auth.now().astimezone(auth.settings().tz).date()


@bp.get("/", endpoint="matrix")
def matrix_view():
    """Show agencies by periods, each cell a state with colour, symbol and label."""
    settings = auth.settings()
    with Session(auth.engine()) as db:
        chosen, error = _range(db)
        matrix = pages.build_matrix(db, chosen.periods, _today(), settings.tz)
    return render_template(
        "dashboard/matrix.html", matrix=matrix, chosen=chosen, error=error,
        states=list(CellState),
    ), 400 if error else 200


@bp.get("/trend", endpoint="trend")
def trend_view():
    """Show timeliness and accuracy over the range as a chart and as a table."""
    settings = auth.settings()
    with Session(auth.engine()) as db:
        chosen, error = _range(db)
        points = trend(db, chosen.periods, settings.tz, _today())
    svg = trend_chart(points, fmt="svg").decode("utf-8") if points else ""
    return render_template(
        "dashboard/trend.html", points=points, chosen=chosen, error=error,
        chart=Markup(_SVG_PROLOGUE.sub("", svg)), percent=pages.percent,
        days=pages.days,
    ), 400 if error else 200


@bp.get("/agency/<code>", endpoint="agency")
def agency_view(code: str):
    """Show one agency's reports, flags and audit trail over the range."""
    settings = auth.settings()
    with Session(auth.engine()) as db:
        agency = db.exec(select(Agency).where(Agency.code == code[:40])).first()
        if agency is None:
            abort(404)
        chosen, error = _range(db)
        page = pages.build_agency_page(
            db, agency, chosen.periods, _today(), settings.tz
        )
    return render_template(
        "dashboard/agency.html", page=page, chosen=chosen, error=error,
        kind_labels=pages.HISTORY_KIND_LABELS,
    ), 400 if error else 200


@bp.get("/export", endpoint="export")
def export_view():
    """Stream the values of the range as CSV or xlsx; `from` = `to` gives one period."""
    fmt = request.args.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        return Response(
            f"Format {fmt[:10]!r} tidak didukung. Pilih csv atau xlsx.\n",
            status=400, mimetype="text/plain",
        )
    with Session(auth.engine()) as db:
        chosen, error = _range(db)
    if error or not chosen.periods:
        message = error or "Rentang ini tidak berisi periode. Pilih periode lain."
        return Response(f"{message}\n", status=400, mimetype="text/plain")
    period_ids = [period.id for period in chosen.periods]
    name = chosen.from_code if chosen.from_code == chosen.to_code else (
        f"{chosen.from_code}_{chosen.to_code}"
    )
    one_periodicity = chosen.periodicity != pages.ALL_PERIODICITIES
    if one_periodicity and chosen.from_code != chosen.to_code:
        name += f"_{chosen.periodicity}"
    filename = f"emonev-{name}.{fmt}"
    official = auth.current_official()
    logger.info("dashboard: official %s exports %s", official.id, filename)
    body = _csv_body(period_ids) if fmt == "csv" else _xlsx_body(period_ids)
    response = Response(stream_with_context(body), content_type=EXPORT_FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_periods(db: Session, period_ids: list[int]) -> list[Period]:
    periods = db.exec(select(Period).where(Period.id.in_(period_ids))).all()
    return sorted(periods, key=deadline_order)


def _csv_body(period_ids: list[int]) -> Iterator[str]:
    settings = auth.settings()
    with Session(auth.engine()) as db:
        columns, rows = export_table(db, _export_periods(db, period_ids), settings.tz)
        yield from csv_chunks(columns, rows)


def _xlsx_body(period_ids: list[int]) -> Iterator[bytes]:
    """Write the workbook to a temporary file, then send it in chunks.

    An xlsx file is a zip archive whose directory comes last, so it cannot
    go out before it is complete. The temporary file keeps it off the heap.
    """
    settings = auth.settings()
    with tempfile.TemporaryFile() as stream:
        with Session(auth.engine()) as db:
            periods = _export_periods(db, period_ids)
            columns, rows = export_table(db, periods, settings.tz)
            write_xlsx(columns, rows, stream)
        stream.seek(0)
        while chunk := stream.read(XLSX_CHUNK):
            yield chunk


@bp.errorhandler(404)
def not_found(error):
    return render_template("dashboard/error.html", title="Tidak ditemukan",
                           message="Halaman ini tidak ditemukan."), 404

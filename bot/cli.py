"""Command-line tools of the app, run as `flask --app app COMMAND`."""

from __future__ import annotations

import io
import sys
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import click
import requests
from flask import Flask, current_app
from sqlmodel import Session, func, select
from twilio.request_validator import RequestValidator

from bot.config import MAX_UNLOCK_HOURS
from bot.db import get_engine, session_scope
from bot.migrate import upgrade
from bot.phones import InvalidPhone, to_e164
from models import Agency, Outbox, Period, Report

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
EXPORT_FORMATS = ("csv", "xlsx")
CHART_SUFFIXES = {".png": "png", ".svg": "svg"}


def register_commands(app: Flask) -> None:
    app.cli.add_command(migrate_command)
    app.cli.add_command(import_command)
    app.cli.add_command(load_sample_command)
    app.cli.add_command(export_command)
    app.cli.add_command(chat_command)
    app.cli.add_command(remind_command)
    app.cli.add_command(history_command)
    app.cli.add_command(unlock_command)
    app.cli.add_command(metrics_command)
    app.cli.add_command(outbox_status_command)


def _settings():
    return current_app.config["SETTINGS"]


@click.command("migrate")
def migrate_command() -> None:
    """Apply the database migrations (Alembic) up to the latest revision."""
    upgrade(_settings().DATABASE_URL)
    click.echo("Database is up to date.")


@click.command("import-data")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_command(directory: Path) -> None:
    """Load the regency's CSV files from DIRECTORY, all or nothing."""
    from bot.importer import DataImportError, import_directory

    try:
        with session_scope(get_engine(_settings().DATABASE_URL)) as session:
            summary = import_directory(session, directory)
    except DataImportError as exc:
        raise click.ClickException(f"Import failed, nothing was changed: {exc}") from exc
    click.echo(str(summary))


@click.command("load-sample")
def load_sample_command() -> None:
    """Load the bundled sample regency if the database has no agencies yet."""
    from bot.importer import import_directory

    with session_scope(get_engine(_settings().DATABASE_URL)) as session:
        if session.exec(select(func.count()).select_from(Agency)).one():
            click.echo("The database already holds a regency; sample not loaded.")
            return
        summary = import_directory(session, SAMPLE_DIR)
    click.echo(f"Sample regency loaded. {summary}")


@click.command("export")
@click.option("--period", "period_code", help="Period code, e.g. 2026-03.")
@click.option("--from", "from_code",
              help="First period of a range, e.g. 2026-01; needs --to.")
@click.option("--to", "to_code", help="Last period of a range, e.g. 2026-06.")
@click.option("--format", "file_format", type=click.Choice(EXPORT_FORMATS),
              help="csv or xlsx. Default: xlsx when --output ends in .xlsx, "
              "else csv.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write; standard output when omitted.")
def export_command(
    period_code: str | None,
    from_code: str | None,
    to_code: str | None,
    file_format: str | None,
    output: Path | None,
) -> None:
    """Write report values as CSV or Excel, a row per period, agency and indicator.

    Give one period with --period, or a range with --from and --to: every
    period whose deadline falls between theirs, in deadline order, monthly
    and quarterly alike. The columns are described in docs/export.md.
    """
    from bot.export import export_table, write_table_csv, write_xlsx

    if file_format is None:
        is_xlsx = output is not None and output.suffix.lower() == ".xlsx"
        file_format = "xlsx" if is_xlsx else "csv"
    if file_format == "xlsx" and output is None and sys.stdout.isatty():
        raise click.ClickException(
            "An xlsx file is binary and cannot be shown here; name a file with "
            "--output FILE.xlsx."
        )
    settings = _settings()
    with Session(get_engine(settings.DATABASE_URL)) as session:
        periods = _periods_of(session, period_code, from_code, to_code)
        columns, rows = export_table(session, periods, settings.tz)
        if file_format == "xlsx":
            # openpyxl seeks in the file it writes, so a pipe gets a buffer.
            stream = output.open("wb") if output else io.BytesIO()
            with stream:
                count = write_xlsx(columns, rows, stream)
                if output is None:
                    sys.stdout.buffer.write(stream.getvalue())
        elif output is None:
            count = write_table_csv(columns, rows, sys.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="") as stream:
                count = write_table_csv(columns, rows, stream)
    if output is not None:
        click.echo(f"Wrote {count} rows to {output}.", err=True)


def _periods_of(
    session: Session,
    period_code: str | None,
    from_code: str | None,
    to_code: str | None,
) -> list[Period]:
    """Return the one period of --period, or the range of --from and --to."""
    from bot.timeliness import periods_between

    if period_code is not None and (from_code or to_code):
        raise click.ClickException(
            "Give either --period CODE or --from CODE --to CODE, not both."
        )
    if period_code is not None:
        period = session.exec(select(Period).where(Period.code == period_code)).first()
        if period is None:
            # Worded as earlier versions of `export` had it, for scripts that match it.
            raise click.ClickException(
                f"Period {period_code!r} not found; use a code from periods.csv "
                "such as 2026-03 or 2026-TW1."
            )
        return [period]
    if not from_code or not to_code:
        raise click.ClickException(
            "Give --period CODE, or both --from CODE and --to CODE for a range "
            "such as --from 2026-01 --to 2026-06."
        )
    try:
        return periods_between(session, from_code, to_code)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("chat")
@click.option("--phone", required=True, help="The official's number, e.g. +6281200000001.")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True,
              help="Base URL of the running server.")
def chat_command(phone: str, url: str) -> None:
    """Chat with a running server as PHONE, reading one message per input line.

    Replies and any proactive messages stored for the number are printed.
    Requests are signed when TWILIO_AUTH_TOKEN is set, as Twilio would.
    """
    try:
        phone = to_e164(phone)
    except InvalidPhone as exc:
        raise click.ClickException(str(exc)) from exc
    settings = _settings()
    engine = get_engine(settings.DATABASE_URL)
    seen = _last_outbox_id(engine, phone)
    endpoint = url.rstrip("/") + "/twilio/whatsapp"
    signed = (settings.PUBLIC_URL.rstrip("/") + "/twilio/whatsapp"
              if settings.PUBLIC_URL else endpoint)
    interactive = sys.stdin.isatty()
    http = requests.Session()
    while True:
        if interactive:
            click.echo("you> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            break
        body = line.rstrip("\n")
        if not interactive:
            # Scripted input is not echoed by a terminal; show it beside the replies.
            click.echo(f"you> {body}")
        params = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": settings.TWILIO_ACCOUNT_SID or "AC" + "0" * 32,
            "From": f"whatsapp:{phone}",
            "To": f"whatsapp:{settings.TWILIO_WHATSAPP_FROM or '+14155238886'}",
            "Body": body,
            "NumMedia": "0",
            "WaId": phone.lstrip("+"),
        }
        headers = {}
        if settings.TWILIO_AUTH_TOKEN:
            validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
            headers["X-Twilio-Signature"] = validator.compute_signature(signed, params)
        try:
            response = http.post(endpoint, data=params, headers=headers, timeout=20)
        except requests.RequestException as exc:
            raise click.ClickException(
                f"Cannot reach the server at {url}: {exc}. Is `make run` running?"
            ) from exc
        if response.status_code == 403:
            raise click.ClickException(
                "The server rejected the request signature (HTTP 403): run chat "
                "with the same TWILIO_AUTH_TOKEN and PUBLIC_URL as the server."
            )
        if response.status_code != 200:
            click.echo(f"[server answered HTTP {response.status_code}]", err=True)
            continue
        for reply in _twiml_bodies(response.text):
            click.echo(f"bot> {reply}")
        seen = _print_outbox(engine, phone, seen)


def _twiml_bodies(text: str) -> list[str]:
    root = ElementTree.fromstring(text)
    return ["".join(message.itertext()) for message in root.iter("Message")]


def _last_outbox_id(engine, phone: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.coalesce(func.max(Outbox.id), 0)).where(Outbox.phone == phone)
        ).one()


def _print_outbox(engine, phone: str, seen: int) -> int:
    with Session(engine) as session:
        rows = session.exec(
            select(Outbox).where(Outbox.phone == phone, Outbox.id > seen).order_by(Outbox.id)
        ).all()
    for row in rows:
        click.echo(f"bot (proactive)> {row.body}")
        seen = row.id
    return seen


@click.command("remind")
@click.option("--at", "at_text", help="Instant to sweep for, ISO-8601; a time "
              "without offset is read in EMONEV_TIMEZONE. Default: now.")
@click.option("--dry-run", is_flag=True,
              help="Print one line per reminder a sweep would send now, and send "
              "nothing.")
def remind_command(at_text: str | None, dry_run: bool) -> None:
    """Run the reminder sweep once: record and send the reminders due."""
    from bot.outbound import enqueue_delivery
    from bot.config import MAX_REMINDER_DAYS
    from bot.reminders import already_recorded, due_reminders, sweep
    from models.types import utcnow

    settings = _settings()
    at = utcnow()
    if at_text is not None:
        try:
            at = datetime.fromisoformat(at_text)
            if at.tzinfo is None:
                at = at.replace(tzinfo=settings.tz)
            # The sweep adds up to MAX_REMINDER_DAYS to the local date; an
            # instant near year 1 or 9999 would overflow there.
            at.astimezone(settings.tz) + timedelta(days=MAX_REMINDER_DAYS)
        except (ValueError, OverflowError) as exc:
            raise click.ClickException(
                f"--at {at_text!r} is not a usable ISO-8601 time; use e.g. "
                "2026-05-07T08:00 (read in EMONEV_TIMEZONE) or 2026-05-07T01:00+00:00."
            ) from exc
    engine = get_engine(settings.DATABASE_URL)
    if dry_run:
        with Session(engine) as session:
            for item in due_reminders(session, settings, at):
                if already_recorded(session, item):
                    continue
                click.echo(f"{item.official_name}\t{item.agency_code}\t"
                           f"{item.period_code}\t{item.kind}")
        return
    with session_scope(engine) as session:
        outbox_ids = sweep(session, settings, at)
    enqueue_delivery(settings, outbox_ids)
    click.echo(f"{len(outbox_ids)} reminder messages queued.", err=True)


@click.command("history")
@click.option("--agency", "agency_code", required=True, help="Agency code, e.g. DINKES.")
@click.option("--period", "period_code", required=True, help="Period code, e.g. 2026-03.")
def history_command(agency_code: str, period_code: str) -> None:
    """Print one report's value changes and review steps, oldest first.

    Tab-separated columns: local time, indicator, old value, new value, who,
    channel, reason or note, and what happened. What happened is `changed`
    for a change of a value, or the review step: submitted, flagged,
    corrected, confirmed, approved, rejected, verified or unlocked. Review
    steps leave both values empty, and the indicator too when they concern
    the whole report. Who is `system` for the bot's own steps and `cli` for
    these commands. At the same instant, value changes come first.
    """
    from bot.history import history_lines

    settings = _settings()
    with Session(get_engine(settings.DATABASE_URL)) as session:
        agency, period = _agency_and_period(session, agency_code, period_code)
        report = _report_of(session, agency, period)
        if report is None:
            click.echo(f"{agency.code} has no report for {period.code}.", err=True)
            return
        for line in history_lines(session, report, settings.tz):
            click.echo("\t".join(line))


@click.command("unlock")
@click.option("--agency", "agency_code", required=True, help="Agency code, e.g. DINKES.")
@click.option("--period", "period_code", required=True, help="Period code, e.g. 2026-03.")
@click.option("--hours", type=click.IntRange(1, MAX_UNLOCK_HOURS),
              help="Hours from now during which edits are allowed. "
              "Default: EMONEV_UNLOCK_HOURS.")
@click.option("--note", help="Why the report is unlocked, shown in its history.")
def unlock_command(
    agency_code: str, period_code: str, hours: int | None, note: str | None
) -> None:
    """Allow edits to one report for some hours, although its period is locked."""
    from bot.locking import lock_moment, unlock
    from models import Channel
    from models.types import utcnow

    settings = _settings()
    with session_scope(get_engine(settings.DATABASE_URL)) as session:
        agency, period = _agency_and_period(session, agency_code, period_code)
        report = _report_of(session, agency, period)
        if report is None:
            raise click.ClickException(
                f"{agency.code} has no report for {period.code}, so there is nothing "
                "to unlock."
            )
        until = unlock(session, report, None, utcnow(), settings, Channel.CLI,
                       note=note, hours=hours)
        locks_at = lock_moment(period, settings)
        label = f"{agency.code} {period.code}"
    click.echo(f"{label} is open for edits until {_local_minute(until, settings)}.")
    if locks_at > until:
        click.echo(
            f"Its period locks only at {_local_minute(locks_at, settings)}, so edits "
            "are allowed until then."
        )


@click.command("metrics")
@click.option("--period", "period_code", help="Period code, e.g. 2026-03.")
@click.option("--from", "from_code",
              help="First period of a trend, e.g. 2026-01; needs --to.")
@click.option("--to", "to_code", help="Last period of a trend, e.g. 2026-06.")
@click.option("--agency", "agency_code",
              help="With --period: only this agency, e.g. DINKES. Default: all.")
@click.option("--by", "grouping", type=click.Choice(("agency", "indicator")),
              default="agency", show_default=True,
              help="With --period: a row per agency, or timeliness per indicator.")
@click.option("--csv", "as_csv", is_flag=True,
              help="Write CSV, with shares as fractions, instead of a table.")
@click.option("--reminders", "reminders_only", is_flag=True,
              help="With --period: print only the reminder effect; with --csv, "
              "write it as CSV.")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path),
              help="With --from and --to: also write the trend chart to this "
              "file, PNG or SVG by its suffix (.png or .svg).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Local date, YYYY-MM-DD, on which to judge reports not "
              "submitted: missing after the deadline day, open until then. "
              "Default: today in EMONEV_TIMEZONE.")
def metrics_command(
    period_code: str | None,
    from_code: str | None,
    to_code: str | None,
    agency_code: str | None,
    grouping: str,
    as_csv: bool,
    reminders_only: bool,
    chart: Path | None,
    as_of: datetime | None,
) -> None:
    """Print how timely, complete and accurate a period's reports are, and how
    soon reminded agencies submitted; or, with --from and --to, the trend.

    With --period: one row per agency expected for the period or with a
    report for it, then a TOTAL row. The accuracy columns count values and
    flags, and shares are of the flagged values, except the share flagged,
    which is of the values. The timeliness columns follow. After a blank
    line, a row per agency reminded before its first submission, the share
    of those agencies that submitted within 24 and 48 hours of their latest
    reminder, and the median hours from the first reminder to submission.
    --csv writes the first table, --reminders --csv the second, and
    --by indicator prints the timeliness per indicator instead.

    With --from and --to: one row per period in deadline order, with the
    period's TOTAL figures. docs/metrics.md defines every figure.

    \b
    values     the report's stored values, computed indicators left out
    flagged    values with at least one flag, from a rule or a supervisor
    corrected by deadline
               flagged values with a flag resolved as corrected, and not
               sent back since, on or before the deadline day (local time)
    confirmed  flagged values whose flags are all closed without a change:
               kept with a reason, or a supervisor's flag approved
               without a correction
    median h to correction
               median hours from raising a flag to its correction, over
               all corrected flags, on time or late
    state      on_time, late, missing (deadline passed, nothing submitted),
               open (deadline not passed yet), needs_correction or verified
    on time %  reports first submitted by the deadline day, of the expected
    complete % required values present in submitted reports, of the
               required values expected (a zero or "tidak ada" is present)
    days late  calendar days from the deadline day to the first submission;
               the median over late reports in the TOTAL row
    """
    settings = _settings()
    today = as_of.date() if as_of else _local_today(settings)
    if from_code or to_code:
        _check_trend_options(period_code, agency_code, grouping, reminders_only)
        _trend_metrics(settings, from_code, to_code, today, as_csv, chart)
        return
    if period_code is None:
        raise click.ClickException(
            "Give --period CODE, or --from CODE --to CODE for the trend over a range."
        )
    if chart is not None:
        raise click.ClickException(
            "--chart draws a trend: use it with --from and --to."
        )
    if grouping == "indicator":
        if agency_code is not None or reminders_only:
            raise click.ClickException(
                "--by indicator counts every agency; leave out --agency and "
                "--reminders."
            )
        _indicator_metrics(settings, period_code, today, as_csv)
        return
    _period_metrics(settings, period_code, agency_code, today, as_csv, reminders_only)


def _local_today(settings):
    """Return today's date in the regency's time zone."""
    from models.types import utcnow

    return utcnow().astimezone(settings.tz).date()


def _check_trend_options(
    period_code: str | None, agency_code: str | None, grouping: str, reminders: bool
) -> None:
    if period_code is not None:
        raise click.ClickException(
            "Give either --period CODE or --from CODE --to CODE, not both."
        )
    if agency_code is not None or grouping != "agency" or reminders:
        raise click.ClickException(
            "The trend covers every agency; --agency, --by and --reminders work "
            "with --period only."
        )


def _period_metrics(
    settings, period_code: str, agency_code: str | None, today, as_csv: bool,
    reminders_only: bool,
) -> None:
    from bot.metrics import (
        agency_figures,
        format_agency_table,
        format_reminder_table,
        period_accuracy,
        reminder_effect,
        write_agency_csv,
        write_reminder_csv,
    )
    from bot.timeliness import TOTAL_CODE, period_timeliness

    with Session(get_engine(settings.DATABASE_URL)) as session:
        period = _period_of(session, period_code)
        agency = None
        if agency_code is not None:
            agency = _agency_of(session, agency_code)
        accuracy = period_accuracy(session, period, settings.tz, agency)
        timeliness = period_timeliness(session, period, settings.tz, today)
        effects, summary = reminder_effect(session, period, agency)
        order = list(session.exec(select(Agency.code).order_by(Agency.id)).all())
    if agency is not None:
        timeliness = [row for row in timeliness if row.code == agency.code]
        if not reminders_only and not timeliness and len(accuracy) == 1:
            raise click.ClickException(
                f"{agency.code} reports no indicator for {period.code} and has no "
                "report for it."
            )
        # The agency's own row is its total.
        timeliness += [
            replace(row, code=TOTAL_CODE, state=None, days_late=list(row.days_late))
            for row in timeliness
        ]
    figures = agency_figures(accuracy, timeliness, order)
    if reminders_only and as_csv:
        write_reminder_csv(effects, summary, sys.stdout)
    elif reminders_only:
        click.echo(format_reminder_table(effects, summary), nl=False)
    elif as_csv:
        write_agency_csv(figures, sys.stdout)
    else:
        click.echo(format_agency_table(figures), nl=False)
        click.echo("")
        click.echo(format_reminder_table(effects, summary), nl=False)


def _indicator_metrics(settings, period_code: str, today, as_csv: bool) -> None:
    from bot.metrics import format_indicator_table, write_indicator_csv
    from bot.timeliness import indicator_timeliness

    with Session(get_engine(settings.DATABASE_URL)) as session:
        period = _period_of(session, period_code)
        rows = indicator_timeliness(session, period, settings.tz, today)
    if as_csv:
        write_indicator_csv(rows, sys.stdout)
    else:
        click.echo(format_indicator_table(rows), nl=False)


def _trend_metrics(
    settings, from_code: str | None, to_code: str | None, today, as_csv: bool,
    chart: Path | None,
) -> None:
    from bot.charts import trend_chart
    from bot.metrics import format_trend_table, write_trend_csv
    from bot.timeliness import trend

    chart_format = None
    if chart is not None:
        chart_format = CHART_SUFFIXES.get(chart.suffix.lower())
        if chart_format is None:
            raise click.ClickException(
                f"--chart {str(chart)!r} must end in .png or .svg, which sets the "
                "chart's format."
            )
    with Session(get_engine(settings.DATABASE_URL)) as session:
        periods = _periods_of(session, None, from_code, to_code)
        points = trend(session, periods, settings.tz, today)
    if as_csv:
        write_trend_csv(points, sys.stdout)
    else:
        click.echo(format_trend_table(points), nl=False)
    if chart is not None:
        chart.write_bytes(trend_chart(points, chart_format))
        click.echo(f"Wrote the trend chart to {chart}.", err=True)


@click.command("outbox-status")
def outbox_status_command() -> None:
    """Print how many outbox rows wait, are held back, went out or failed.

    \b
    pending           rows not sent yet, the two below included
    deferred          held back by EMONEV_DAILY_LIMIT until the next local day
    waiting           outside the 24-hour window without a template, or later
                      parts of a message whose first part went as a template
    sending           claimed by a worker and not finished
    sent_today        sent since local midnight
    failed_today      created since local midnight and failed
    recipients_today  numbers sent a template since local midnight, which
                      EMONEV_DAILY_LIMIT counts
    """
    from bot.outbound import outbox_counts
    from models.types import utcnow

    settings = _settings()
    with Session(get_engine(settings.DATABASE_URL)) as session:
        counts = outbox_counts(session, settings, utcnow())
    for name, value in counts.items():
        click.echo(f"{name}\t{value}")


def _agency_and_period(session: Session, agency_code: str, period_code: str):
    """Look up both codes and raise ClickException for the first one not found."""
    return _agency_of(session, agency_code), _period_of(session, period_code)


def _agency_of(session: Session, code: str) -> Agency:
    agency = session.exec(select(Agency).where(Agency.code == code)).first()
    if agency is None:
        raise click.ClickException(
            f"The agency {code!r} was not found; use a code of agencies.csv such as "
            "DINKES."
        )
    return agency


def _period_of(session: Session, code: str) -> Period:
    period = session.exec(select(Period).where(Period.code == code)).first()
    if period is None:
        raise click.ClickException(
            f"The period {code!r} was not found; use a code of periods.csv such as "
            "2026-03 or 2026-TW1."
        )
    return period


def _report_of(session: Session, agency: Agency, period: Period) -> Report | None:
    return session.exec(
        select(Report).where(
            Report.agency_id == agency.id, Report.period_id == period.id
        )
    ).first()


def _local_minute(moment: datetime, settings) -> str:
    return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M %Z")

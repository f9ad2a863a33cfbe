"""``vastaa report --weekly`` and ``vastaa analytics``: the analytics outside the browser."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from vastaa.clock import utcnow
from vastaa.config import LOCALES
from vastaa.db import make_sessionmaker, transaction


@click.command()
@click.option("--weekly", is_flag=True, help="The weekly report (the only kind so far).")
@click.option("--week", default="", help="An ISO week such as 2026-W47 (default: last week).")
@click.option(
    "--out",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to write the HTML and PDF to.",
)
@click.option("--locale", type=click.Choice(LOCALES), help="Its language (default: the app's).")
def report(weekly: bool, week: str, folder: Path, locale: str | None) -> None:
    """Write the weekly report as HTML and PDF (docs/analytics.md)."""
    from vastaa.analytics import report as reports
    from vastaa.analytics.rollup import refresh
    from vastaa.channels.registry import builtin
    from vastaa.cli import _ready_engine, _settings
    from vastaa.web.templating import Templates

    if not weekly:
        raise click.UsageError("say which report: --weekly")
    settings = _settings()
    now = utcnow()
    templates = Templates(timezone=settings.timezone)
    try:
        wanted = reports.week(week, now.astimezone(templates.zone).date())
    except (ValueError, OverflowError) as error:
        raise click.BadParameter(str(error), param_hint="--week") from None
    engine = _ready_engine(settings)
    try:
        sessions = make_sessionmaker(engine)
        refresh(sessions, now=now, timezone=settings.timezone)  # current even with no worker
        with transaction(sessions) as session:
            made = reports.weekly(
                session, wanted, timezone=settings.timezone, registry=builtin(), now=now
            )
            language = locale or settings.default_locale
            page = reports.html(made, templates, language)
            document = reports.as_pdf(made, language)
    finally:
        engine.dispose()
    folder.mkdir(parents=True, exist_ok=True)
    for suffix, content in ((".html", page.encode()), (".pdf", document)):
        path = folder / f"vastaa-weekly-{made.name}{suffix}"
        path.write_bytes(content)
        click.echo(str(path))


@click.group()
def analytics() -> None:
    """The daily figures behind the dashboard (docs/analytics.md)."""


@analytics.command("refresh")
@click.option("--all", "everything", is_flag=True, help="Recompute every day, not just changes.")
def refresh_command(everything: bool) -> None:
    """Sum the days that changed (the worker does this every minute)."""
    from vastaa.analytics import stale
    from vastaa.analytics.rollup import refresh
    from vastaa.cli import _ready_engine, _settings

    settings = _settings()
    engine = _ready_engine(settings)
    try:
        sessions = make_sessionmaker(engine)
        if everything:
            with transaction(sessions) as session:
                stale.everything(session)
        days = refresh(sessions, now=utcnow(), timezone=settings.timezone)
    finally:
        engine.dispose()
    click.echo(f"Recomputed {days} days.")


@analytics.command("show")
@click.option("--from", "start", default="", help="First day, YYYY-MM-DD (default: 30 days ago).")
@click.option("--to", "end", default="", help="Last day, YYYY-MM-DD (default: today).")
@click.option("--channel", default="", help="A channel id.")
@click.option("--lang", default="", help="A language code (fi, tr, en, …).")
def show(start: str, end: str, channel: str, lang: str) -> None:
    """The dashboard's figures as one JSON object."""
    from zoneinfo import ZoneInfo

    from vastaa.analytics import queries
    from vastaa.cli import _ready_engine, _settings

    settings = _settings()
    today = utcnow().astimezone(ZoneInfo(settings.timezone)).date()
    try:
        wanted = queries.filters(start, end, channel, lang, today=today)
    except (ValueError, OverflowError) as error:
        raise click.BadParameter(str(error)) from None
    engine = _ready_engine(settings)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            board = queries.dashboard(session, wanted, timezone=settings.timezone)
    finally:
        engine.dispose()
    json.dump(queries.as_json(board), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")

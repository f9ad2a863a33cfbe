"""``vastaa incidents``: the incidents as a care team sees them on the page, for scripts."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any

import click

from vastaa.clock import utcnow
from vastaa.db import make_sessionmaker, transaction
from vastaa.errors import VastaaError


@click.group()
def incidents() -> None:
    """Incidents: complaints grouped by problem (docs/incidents.md)."""


def _minutes(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds() // 60)


def as_json(page: Any) -> dict[str, object]:
    incident, figures = page.incident, page.figures
    return {
        "number": incident.number,
        "title": incident.title,
        "level": incident.level,
        "status": incident.status,
        "owner": page.owner or None,
        "people": incident.people,
        "complaints": incident.complaints,
        "product": incident.product,
        "faults": incident.faults,
        "codes": incident.codes,
        "first_at": incident.first_at.isoformat(),
        "last_at": incident.last_at.isoformat(),
        "pattern_at": incident.pattern_at.isoformat() if incident.pattern_at else None,
        "problem_at": incident.problem_at.isoformat() if incident.problem_at else None,
        "channels": figures.channels,
        "languages": figures.languages,
        "time_to_detect_minutes": _minutes(figures.time_to_detect),
        "time_to_first_response_minutes": _minutes(figures.time_to_first_response),
        "sentiment_before": figures.sentiment_before,
        "sentiment_after": figures.sentiment_after,
        "replies_sent": figures.replies_sent,
        "statement": incident.statement,
    }


@incidents.command("list")
@click.option("--all", "show_all", is_flag=True, help="Closed ones too.")
@click.option("--isolated", is_flag=True, help="Single complaints, not yet a pattern.")
@click.option("--json", "as_json_lines", is_flag=True, help="One JSON object per line.")
def list_incidents(show_all: bool, isolated: bool, as_json_lines: bool) -> None:
    """Patterns and problems, newest activity first."""
    from vastaa.cli import _ready_engine, _settings
    from vastaa.incidents import queries

    show = "isolated" if isolated else "all" if show_all else "open"
    settings = _settings()
    engine = _ready_engine(settings)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            rows = queries.listed(session, show=show)
            pages = [
                queries.detail(
                    session, row.incident.number, timezone=settings.timezone, suggestions=False
                )
                for row in rows
            ]
    finally:
        engine.dispose()
    for page in pages:
        if as_json_lines:
            click.echo(json.dumps(as_json(page), ensure_ascii=False))
        else:
            i = page.incident
            click.echo(
                f"#{i.number:<5} {i.level:<9} {i.status:<13} {i.people:>3} people  "
                f"{', '.join(page.figures.languages):<9} {i.title}"
            )


@incidents.command("show")
@click.argument("number", type=int)
def show(number: int) -> None:
    """One incident as JSON."""
    from vastaa.cli import _ready_engine, _settings
    from vastaa.incidents import queries

    settings = _settings()
    engine = _ready_engine(settings)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            page = queries.detail(session, number, timezone=settings.timezone)
            data = as_json(page)
    except VastaaError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@incidents.command("aftercare")
@click.argument("number", type=int, required=False)
@click.option("--from", "start", default="", help="YYYY-MM-DD (a period: the last 30 days).")
@click.option("--to", "end", default="", help="YYYY-MM-DD, included.")
@click.option("--format", "kind", type=click.Choice(["md", "pdf"]), default="md")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Default: standard output.")
def aftercare(number: int | None, start: str, end: str, kind: str, output: str | None) -> None:
    """The after-care report (R33) of one incident, or of every incident in a period."""
    from vastaa.cli import _ready_engine, _settings
    from vastaa.incidents import queries, report, service

    settings = _settings()
    try:
        since, until = report.period(start, end, utcnow(), settings.timezone)
    except (ValueError, OverflowError):
        raise click.ClickException("dates are YYYY-MM-DD, the start before the end") from None
    engine = _ready_engine(settings)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            if number is not None:
                page = queries.detail(session, number, timezone=settings.timezone)
                text = report.markdown(page, timezone=settings.timezone)
                what = f"after-care #{number}"
            else:
                pages = queries.in_period(session, since, until, timezone=settings.timezone)
                text = report.period_markdown(
                    pages, start=since, end=until, timezone=settings.timezone
                )
                what = f"after-care {since:%Y-%m-%d}–{until:%Y-%m-%d}"
            service.exported(
                session,
                what=what,
                actor_id=None,
                actor_name="vastaa incidents aftercare",
                now=utcnow(),
            )
    except VastaaError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    data = report.pdf(text) if kind == "pdf" else text.encode("utf-8")
    if output:
        with open(output, "wb") as handle:
            handle.write(data)
        click.echo(f"Wrote {output}", err=True)
    else:
        sys.stdout.buffer.write(data)

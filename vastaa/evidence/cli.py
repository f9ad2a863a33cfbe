"""``vastaa evidence``: verify the chain, export a conversation's evidence, render cards."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import click

from vastaa.clock import utcnow
from vastaa.db import make_sessionmaker, transaction
from vastaa.errors import NotFoundError
from vastaa.evidence import export
from vastaa.evidence.tasks import render_due
from vastaa.evidence.verify import verify


@click.group()
def evidence() -> None:
    """The evidence archive (R28): hash-chained records of every message (docs/evidence.md)."""


@evidence.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON on stdout.")
def verify_command(as_json: bool) -> None:
    """Check the whole chain; name the first broken record. Exit status 1 when any is."""
    from vastaa.cli import _ready_engine, _settings

    with transaction(make_sessionmaker(_ready_engine(_settings()))) as session:
        verdict = verify(session)
    if as_json:
        click.echo(json.dumps(verdict.as_json()))
    elif verdict.ok:
        click.echo(
            f"The chain is whole: {verdict.records} records ({verdict.cards} cards, "
            f"{verdict.erased} with content erased by retention or erasure)."
        )
    else:
        click.echo(f"Record {verdict.first_broken} is broken: {verdict.reason}.", err=True)
        for seq, reason in verdict.problems[1:]:
            click.echo(f"  also record {seq}: {reason}", err=True)
        click.echo(f"{verdict.broken} problems in {verdict.records} records.", err=True)
    if not verdict.ok:
        raise SystemExit(1)


@evidence.command("export")
@click.option("--conversation", "conversation_id", required=True, type=click.UUID)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_command(conversation_id: uuid.UUID, output: Path) -> None:
    """Write a conversation's evidence as a ZIP: JSON, PNG cards, manifest, summary.html."""
    from vastaa.cli import _ready_engine, _settings

    try:
        with transaction(make_sessionmaker(_ready_engine(_settings()))) as session:
            data, count = export.conversation_zip(
                session, conversation_id, by="vastaa evidence export", actor_id=None, now=utcnow()
            )
    except NotFoundError as error:
        raise click.ClickException(str(error)) from None
    output.write_bytes(data)
    click.echo(f"Wrote {count} records to {output}.")


@evidence.command("cards")
def cards_command() -> None:
    """Render every card still missing now (the worker of `vastaa serve` does it anyway)."""
    from vastaa.cli import _ready_engine, _settings

    sessions = make_sessionmaker(_ready_engine(_settings()))
    total = 0
    while done := render_due(sessions, clock=utcnow):
        total += done
    click.echo(f"Rendered {total} cards.")

"""``vastaa listen``: the brands' listening queries; ``vastaa coverage``: where the brand is
discussed and whether anyone can answer there (R2)."""

from __future__ import annotations

import json
from datetime import timedelta

import click

from vastaa.channels.registry import builtin
from vastaa.clock import utcnow
from vastaa.db import make_sessionmaker, transaction
from vastaa.errors import PermanentError
from vastaa.listening import queries, service
from vastaa.listening.matcher import Compiled, Matcher, Post
from vastaa.listening.query import parse


@click.group()
def listen() -> None:
    """Listening queries: what each brand listens for on every channel (docs/listening.md)."""


@listen.command("add")
@click.argument("name")
@click.argument("expression")
@click.option("--brand", help="The brand it listens for.")
@click.option(
    "--lang", "languages", multiple=True, help="Only posts in this language (fi, tr, en)."
)
@click.option(
    "--include-own",
    is_flag=True,
    help="Also match what our own accounts post (left out by default).",
)
def listen_add(
    name: str, expression: str, brand: str | None, languages: tuple[str, ...], include_own: bool
) -> None:
    """Add a query, or change the one named NAME. EXPRESSION: words, "phrases", #hashtags,
    @handles, AND / OR / NOT, parentheses; e.g. 'kide AND (akku OR battery) NOT "kide cafe"'."""
    from vastaa.cli import _ready_engine, _settings

    engine = _ready_engine(_settings())
    codes = [code for value in languages for code in value.split(",")]
    try:
        with transaction(make_sessionmaker(engine)) as session:
            service.save_query(
                session,
                name=name,
                expression=expression,
                brand=brand,
                languages=codes,
                exclude_own=not include_own,
                now=utcnow(),
            )
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Saved listening query {name!r}.")


@listen.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per query.")
def listen_list(as_json: bool) -> None:
    """The listening queries."""
    from vastaa.cli import _ready_engine, _settings

    engine = _ready_engine(_settings())
    with make_sessionmaker(engine)() as session:
        for query, brand in queries.all_queries(session):
            row = {
                "name": query.name,
                "brand": brand.name if brand else None,
                "expression": query.expression,
                "languages": list(query.languages or ()),
                "exclude_own": query.exclude_own,
                "enabled": query.enabled,
            }
            if as_json:
                click.echo(json.dumps(row, ensure_ascii=False))
            else:
                state = "" if query.enabled else "  (off)"
                codes = ", ".join(query.languages or ())
                langs = f"  [{codes}]" if codes else ""
                click.echo(f"{query.name}: {query.expression}{langs}{state}")


@listen.command("enable")
@click.argument("name")
def listen_enable(name: str) -> None:
    """Switch a query on."""
    _switch(name, True)


@listen.command("disable")
@click.argument("name")
def listen_disable(name: str) -> None:
    """Switch a query off (it is kept)."""
    _switch(name, False)


def _switch(name: str, enabled: bool) -> None:
    from vastaa.cli import _ready_engine, _settings

    engine = _ready_engine(_settings())
    try:
        with transaction(make_sessionmaker(engine)) as session:
            service.set_enabled(session, name=name, enabled=enabled, now=utcnow())
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Listening query {name!r} is {'on' if enabled else 'off'}.")


@listen.command("remove")
@click.argument("name")
def listen_remove(name: str) -> None:
    """Remove a query (the messages it let in stay)."""
    from vastaa.cli import _ready_engine, _settings

    engine = _ready_engine(_settings())
    try:
        with transaction(make_sessionmaker(engine)) as session:
            service.remove_query(session, name=name)
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Removed listening query {name!r}.")


@listen.command("test")
@click.argument("expression")
@click.argument("text")
def listen_test(expression: str, text: str) -> None:
    """Whether EXPRESSION matches TEXT (exit status 1 when it does not)."""
    try:
        matcher = Matcher([Compiled("query", parse(expression), exclude_own=False)])
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    if matcher.match(Post(text)):
        click.echo("matches")
    else:
        click.echo("does not match")
        raise SystemExit(1)


@click.command()
@click.option("--days", type=click.IntRange(1, 3660), default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="The report as one JSON object.")
def coverage(days: int, as_json: bool) -> None:
    """Where the brand is discussed, by channel, and the share nobody can answer (R2)."""
    from vastaa.cli import _ready_engine, _settings

    engine = _ready_engine(_settings())
    until = utcnow()
    with make_sessionmaker(engine)() as session:
        report = queries.coverage(
            session, builtin(), since=until - timedelta(days=days), until=until
        )
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
        return
    click.echo(
        f"Last {days} days: {report.messages} messages, {report.unanswerable} "
        f"({report.share_unanswerable:.0%}) where nobody can answer."
    )
    for row in report.channels:
        who = f"answered from {row.answered_by}" if row.answerable else queries.REASONS[row.reason]
        click.echo(
            f"  {row.platform}:{row.account}  {row.messages} messages, {row.mentions} mentions"
            f"  — {who}"
        )

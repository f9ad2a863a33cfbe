"""``vastaa channel`` and ``vastaa brand``: connect accounts to their connectors and say whose
they are. Credentials are stored, or named as environment variables (``--credential
token_env=VARIABLE``), and never printed."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

import click
from sqlalchemy.orm import Session, sessionmaker

from vastaa.channels import queries, service
from vastaa.channels.models import Channel
from vastaa.channels.registry import Registry, builtin
from vastaa.clock import utcnow
from vastaa.db import make_sessionmaker, transaction
from vastaa.errors import NotFoundError, PermanentError, VastaaError

if TYPE_CHECKING:
    from vastaa.listening.tasks import ReadOutcome


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"write {what} as KEY=VALUE")  # never echo a secret
        pairs[key.strip()] = rest.strip()
    return pairs


@click.group()
def brand() -> None:
    """Brands: whose channels these are, and how their replies are signed (R13)."""


@brand.command("add")
@click.argument("name")
@click.option("--signature", help="e.g. '{first_name} / Kide' ({name}, {first_name}, {initials}).")
def brand_add(name: str, signature: str | None) -> None:
    """Add a brand, or change its signature."""
    from vastaa.cli import _ready_engine, _settings

    engine = _ready_engine(_settings())
    try:
        with transaction(make_sessionmaker(engine)) as session:
            service.save_brand(session, name=name, signature=signature, now=utcnow())
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Saved brand {name!r}.")


@brand.command("products")
@click.argument("name")
@click.option(
    "--file",
    "source",
    type=click.File("r", encoding="utf-8"),
    help='JSON: {"coffee maker": ["aamu a2", "kahvinkeitin", "kahve makinesi"], ...}',
)
def brand_products(name: str, source: IO[str] | None) -> None:
    """Show a brand's product catalogue as JSON, or replace it with --file."""
    from vastaa.cli import _ready_engine, _settings

    engine = _ready_engine(_settings())
    try:
        with transaction(make_sessionmaker(engine)) as session:
            if source is not None:
                try:
                    products = json.load(source)
                except ValueError as error:
                    raise click.ClickException(f"not JSON: {error}") from None
                service.save_products(session, brand=name, products=products, now=utcnow())
            found = service.brand_named(session, name)
            shown = dict(found.products or {})
    except (PermanentError, NotFoundError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(shown, ensure_ascii=False, indent=2))


@click.group()
def channel() -> None:
    """Channels: the accounts Vastaa listens to and answers on (docs/connectors.md)."""


@channel.command("add")
@click.argument("platform")
@click.argument("account")
@click.option("--name", help="A readable name (default: the account).")
@click.option("--brand", "brand_name", help="The brand that owns it.")
@click.option("--staffed/--unstaffed", default=None, help="Whether the team answers there.")
@click.option("--config", "configs", multiple=True, help="KEY=VALUE, e.g. base_url=https://…")
@click.option("--credential", "credentials", multiple=True, help="KEY=VALUE or KEY_env=VARIABLE")
def channel_add(
    platform: str,
    account: str,
    name: str | None,
    brand_name: str | None,
    staffed: bool | None,
    configs: tuple[str, ...],
    credentials: tuple[str, ...],
) -> None:
    """Add a channel or change its settings."""
    from vastaa.cli import _ready_engine, _settings

    engine = _ready_engine(_settings())
    try:
        with transaction(make_sessionmaker(engine)) as session:
            service.save_channel(
                session,
                platform=platform,
                account=account,
                now=utcnow(),
                name=name,
                brand=brand_name,
                staffed=staffed,
                config=_pairs(configs, "--config"),
                credentials=_pairs(credentials, "--credential"),
            )
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Saved channel {platform}:{account}.")


@channel.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per channel.")
def channel_list(as_json: bool) -> None:
    """The channels, with what Vastaa can do on each (credentials are not shown)."""
    from vastaa.cli import _ready_engine, _settings

    engine = _ready_engine(_settings())
    registry = builtin()
    with make_sessionmaker(engine)() as session:
        for found, owner in queries.channels(session):
            abilities = sorted(registry.capabilities(found))
            row = {
                "id": str(found.id),
                "platform": found.platform,
                "account": found.account,
                "name": found.name,
                "brand": owner.name if owner else None,
                "staffed": found.staffed,
                "capabilities": abilities,
                "credentials": sorted(found.credentials or {}),
            }
            if as_json:
                click.echo(json.dumps(row, ensure_ascii=False))
            else:
                can = ", ".join(abilities) or "listen only"
                click.echo(f"{found.platform}:{found.account}  {found.name}  ({can})")


@channel.command("test")
@click.argument("platform")
@click.argument("account")
def channel_test(platform: str, account: str) -> None:
    """Try the channel's settings and credentials with one call to the platform."""
    from vastaa.cli import _ready_engine, _settings

    engine = _ready_engine(_settings())
    registry = builtin()
    with make_sessionmaker(engine)() as session:
        found = queries.channel(session, platform=platform, account=account)
        if found is None:
            raise click.ClickException(f"no channel {platform}:{account}")
        try:
            said = registry.connector(found).check()
        except VastaaError as error:
            raise click.ClickException(f"{platform}:{account} does not work: {error}") from None
        can = ", ".join(sorted(registry.capabilities(found))) or "listen only"
    click.echo(f"{platform}:{account} works: {said} ({can})")


@channel.command("remove")
@click.argument("platform")
@click.argument("account")
def channel_remove(platform: str, account: str) -> None:
    """Remove a channel; one that holds messages is disconnected and its messages kept."""
    from vastaa.cli import _ready_engine, _settings

    engine = _ready_engine(_settings())
    try:
        with transaction(make_sessionmaker(engine)) as session:
            kept = service.remove_channel(session, platform=platform, account=account)
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    if kept:
        click.echo(
            f"Disconnected {platform}:{account}: credentials and settings removed, "
            f"its {kept} messages kept."
        )
    else:
        click.echo(f"Removed channel {platform}:{account}.")


@channel.command("read")
@click.argument("platform", required=False)
@click.argument("account", required=False)
@click.option("--until-idle", is_flag=True, help="Keep reading while a channel has more.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per read.")
def channel_read(
    platform: str | None, account: str | None, until_idle: bool, as_json: bool
) -> None:
    """Read the channels that are due now (or the one named, due or not), as the worker of
    `vastaa serve` does: what is new since each one's cursor. With --until-idle, reading goes on
    while a channel says more is waiting, at the pace the platform asks for. The exit status is
    1 when a read failed."""
    from vastaa.cli import _ready_engine, _settings
    from vastaa.listening.tasks import Listener, due_channels, read_channel

    if platform and not account:
        raise click.UsageError("name the channel's ACCOUNT too, or neither")
    engine = _ready_engine(_settings())
    sessions = make_sessionmaker(engine)
    registry, listener, failed = builtin(), Listener(), False
    while True:
        due = _to_read(sessions, registry, platform, account, due_channels)
        more = False
        for channel_id in due:
            outcome = read_channel(sessions, registry, channel_id, clock=utcnow, listener=listener)
            more, failed = (
                more or outcome.more,
                failed or bool(outcome.error and not outcome.stored),
            )
            _echo_read(outcome, as_json)
        if not (until_idle and more):
            break
        _wait_for(sessions, due)
    if failed:
        raise SystemExit(1)


def _to_read(
    sessions: sessionmaker[Session],
    registry: Registry,
    platform: str | None,
    account: str | None,
    due_channels: Callable[..., list[uuid.UUID]],
) -> list[uuid.UUID]:
    with sessions() as session:
        if platform and account:
            found = queries.channel(session, platform=platform, account=account)
            if found is None:
                raise click.ClickException(f"no channel {platform}:{account}")
            return [found.id]
        return list(due_channels(session, registry, now=utcnow()))


def _wait_for(sessions: sessionmaker[Session], channel_ids: list[uuid.UUID]) -> None:
    """Sleep until the first of these channels may be read again (at most five minutes)."""
    with sessions() as session:
        times = [
            found.next_read_at
            for found in (session.get(Channel, channel_id) for channel_id in channel_ids)
            if found is not None and found.next_read_at is not None
        ]
    if times:
        time.sleep(min(max(0.0, (min(times) - utcnow()).total_seconds()), 300.0))


def _echo_read(outcome: ReadOutcome, as_json: bool) -> None:
    row = {
        "channel_id": str(outcome.channel_id),
        "stored": outcome.stored,
        "found": outcome.found,
        "matched": outcome.matched,
        "more": outcome.more,
        "error": outcome.error,
        "failed": outcome.failed,
    }
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False))
    else:
        problem = f"  ({outcome.error})" if outcome.error else ""
        click.echo(
            f"{outcome.channel_id}: stored {outcome.stored}, found {outcome.found}, "
            f"matched {outcome.matched}{', more waiting' if outcome.more else ''}{problem}"
        )

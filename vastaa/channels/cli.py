"""``vastaa channel`` and ``vastaa brand``: connect accounts to their connectors and say whose
they are. Credentials are stored, or named as environment variables (``--credential
token_env=VARIABLE``), and never printed."""

from __future__ import annotations

import json

import click

from vastaa.channels import queries, service
from vastaa.channels.registry import builtin
from vastaa.clock import utcnow
from vastaa.db import make_sessionmaker, transaction
from vastaa.errors import PermanentError


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

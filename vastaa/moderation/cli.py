"""``vastaa rule``: automatic moderation rules from the command line (the same as the
Moderation page): add or change, list, dry-run over the last days, switch on and off."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.clock import utcnow
from vastaa.db import make_sessionmaker, transaction
from vastaa.errors import PermanentError
from vastaa.moderation import automation, queries
from vastaa.moderation.models import ModerationRule


def _sessions() -> Any:
    from vastaa.cli import _ready_engine, _settings

    return make_sessionmaker(_ready_engine(_settings()))


def _json_object(value: str, what: str) -> dict[str, Any]:
    try:
        loaded = json.loads(value)
    except json.JSONDecodeError as error:
        raise click.BadParameter(f"{what}: not JSON ({error.msg})") from None
    if not isinstance(loaded, dict):
        raise click.BadParameter(f"{what}: a JSON object")
    return loaded


def _rule(session: Session, name: str) -> ModerationRule:
    found = session.scalar(select(ModerationRule).where(ModerationRule.name == name))
    if found is None:
        raise click.ClickException(f"no rule {name!r}")
    return found


@click.group()
def rule() -> None:
    """Automatic moderation rules (docs/moderation.md)."""


@rule.command("add")
@click.argument("name")
@click.option("--conditions", required=True, help="e.g. '{\"min_offensive\": 0.8}'")
@click.option("--actions", required=True, help='e.g. \'{"hide": true, "label": "abuse"}\'')
@click.option("--description", default="")
def add(name: str, conditions: str, actions: str, description: str) -> None:
    """Add a rule (switched off until `vastaa rule enable`), or change one."""
    try:
        with transaction(_sessions()) as session:
            automation.save_rule(
                session,
                name=name,
                conditions=_json_object(conditions, "--conditions"),
                actions=_json_object(actions, "--actions"),
                actor_id=None,
                now=utcnow(),
                description=description,
            )
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Saved rule {name!r} (switched off: try `vastaa rule dry-run {name}` first).")


@rule.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_rules(as_json: bool) -> None:
    with transaction(_sessions()) as session:
        rows = [
            {"name": r.name, "enabled": r.enabled, "conditions": r.conditions, "actions": r.actions}
            for r in queries.rules(session)
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        state = "on " if row["enabled"] else "off"
        click.echo(f"{state}  {row['name']}  {json.dumps(row['conditions'], ensure_ascii=False)}")


@rule.command("dry-run")
@click.argument("name")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 90))
@click.option("--json", "as_json", is_flag=True)
def dry_run(name: str, days: int, as_json: bool) -> None:
    """What the rule would have done over the last DAYS (nothing is changed)."""
    with transaction(_sessions()) as session:
        found = _rule(session, name)
        seen, outcomes = automation.dry_run(
            session, conditions=found.conditions, actions=found.actions, days=days, now=utcnow()
        )
    result = {
        "rule": name,
        "days": days,
        "messages": seen,
        "matches": [
            {"message_id": str(o.message_id), "actions": list(o.actions), "note": o.note}
            for o in outcomes
        ],
    }
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"{len(outcomes)} of {seen} messages in the last {days} days would match.")
    for outcome in outcomes[:50]:
        note = f" ({outcome.note})" if outcome.note else ""
        click.echo(f"  {outcome.message_id}: {', '.join(outcome.actions)}{note}")


@rule.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    """Switch a rule on: it acts on what arrives from now on."""
    _switch(name, True)


@rule.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    _switch(name, False)


def _switch(name: str, enabled: bool) -> None:
    with transaction(_sessions()) as session:
        found = _rule(session, name)
        automation.set_enabled(
            session, rule_id=found.id, enabled=enabled, actor_id=None, now=utcnow()
        )
    click.echo(f"Rule {name!r} is {'on' if enabled else 'off'}.")

"""The built-in demo scenario: a week in the life of the Kide care team (scenario.json, our own
writing in Finnish, Turkish and English), turned into canonical events relative to now."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.accounts.models import User
from vastaa.accounts.service import add_team, add_user
from vastaa.channels.models import Channel
from vastaa.channels.service import save_brand, save_products
from vastaa.customers.models import Author
from vastaa.customers.service import link_authors
from vastaa.listening.service import save_query
from vastaa.messages.models import Message
from vastaa.pipeline.events import Event, parse_event
from vastaa.pipeline.ingest import ingest

SCENARIO = Path(__file__).with_name("scenario.json")
DEMO_USERS = (
    ("aino", "Aino Laine", "agent", "fi"),
    ("mert", "Mert Yılmaz", "supervisor", "tr"),
    ("admin", "Demo Admin", "admin", "en"),
)


@cache
def scenario() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCENARIO.read_text(encoding="utf-8"))
    return data


def scenario_events(now: datetime) -> list[Event]:
    """Every message, edit and deletion of the scenario, oldest first."""
    data = scenario()
    items: list[tuple[datetime, dict[str, Any]]] = []
    for record in data["messages"]:
        items.extend(_events_of(record, data, now))
    items.sort(key=lambda item: item[0])
    return [parse_event(event, n) for n, (_, event) in enumerate(items)]


def _ago(now: datetime, minutes: int) -> datetime:
    return now - timedelta(minutes=minutes)


def _events_of(
    record: dict[str, Any], data: dict[str, Any], now: datetime
) -> list[tuple[datetime, dict[str, Any]]]:
    channel = data["channels"][record["channel"]]
    created = _ago(now, record["minutes_ago"])
    base = _message_event(record, data, channel, created)
    events = [(created, base)]
    for edit in record.get("edits", []):
        edited = _ago(now, edit["minutes_ago"])
        events.append((edited, {**base, "text": edit["text"], "edited_at": edited.isoformat()}))
    if "deleted_minutes_ago" in record:
        deleted = _ago(now, record["deleted_minutes_ago"])
        events.append((deleted, _delete_event(record, channel, deleted)))
    return events


def _message_event(
    record: dict[str, Any], data: dict[str, Any], channel: dict[str, Any], created: datetime
) -> dict[str, Any]:
    author = data["authors"][record["author"]]
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "external_id": record["id"],
        "kind": record["kind"],
        "direction": record["direction"],
        "public": record["public"],
        "author": {
            "id": author["id"],
            "handle": author.get("handle", ""),
            "name": author.get("name", ""),
            "followers": author.get("followers", 0),
            "verified": author.get("verified", False),
        },
        "text": record["text"],
        "created_at": created.isoformat(),
        "lang": record.get("lang"),
        "raw": {"scenario": record},
    }
    if record.get("thread") and record["thread"] != record["id"]:
        event["thread_id"] = record["thread"]
    for key, target in (("parent", "parent_id"), ("url", "url"), ("rating", "rating")):
        if record.get(key) is not None:
            event[target] = record[key]
    return event


def _delete_event(record: dict[str, Any], channel: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {
        "type": "delete",
        "channel": channel,
        "external_id": record["id"],
        "deleted_at": at.isoformat(),
    }


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


@dataclass(frozen=True)
class LoadedScenario:
    events: int
    messages: int
    logins: list[DemoLogin]


def load(session: Session, *, now: datetime) -> LoadedScenario:
    """The whole demo: the scenario's messages, the brand's listening queries and the demo
    users, who are credited with the scenario's past replies (the analytics' per-agent
    figures)."""
    events, created = load_messages(session, now=now)
    add_listening(session, now=now)
    logins = add_demo_users(session, now=now)
    _credit_past_replies(session, [login.username for login in logins])
    return LoadedScenario(events, created, logins)


def _credit_past_replies(session: Session, usernames: list[str]) -> None:
    """The scenario's replies came from the brand's accounts; in the demo the team wrote them,
    in turn."""
    users = session.scalars(
        select(User.id).where(User.username.in_(usernames)).order_by(User.username)
    ).all()
    replies = session.scalars(
        select(Message)
        .where(
            Message.direction == "outbound",
            Message.kind != "post",  # the brand's own posts are nobody's reply
            Message.sent_by_id.is_(None),
        )
        .order_by(Message.created_at, Message.id)
    ).all()
    for n, reply in enumerate(replies):
        reply.sent_by_id = users[n % len(users)] if users else None


# What the demo brand listens for (docs/listening.md); the Listening page starts with these.
DEMO_QUERIES = (
    ("Kide everywhere", "kide OR #kide OR @kidehome OR @kidesuomi", ()),
    (
        "Kide coffee machines (fi)",
        'kide AND (kahvinkeitin OR keitin OR "kahvi kone") NOT arvonta',
        ("fi",),
    ),
    ("Kide kargo ve iade (tr)", "kide AND (kargo OR iade OR teslimat OR sipariş)", ("tr",)),
)


# The demo brand's products and what customers call them (incident detection, docs/incidents.md).
DEMO_PRODUCTS = {
    "Aamu A2": ["kide aamu", "aamu a2", "kahvinkeit", "kahvikone", "coffee machine",
                "coffee maker", "kahve makine", "kahve makina"],
    "Kuuma K3": ["kuuma k3", "vedenkeit", "kettle", "su ısıtıc", "su isitic", "kettle"],
    "Siisti R7": ["siisti r7", "robotti-imuri", "robot vacuum", "robot süpürge",
                  "robot supurge"],
    "Raikas P5": ["raikas p5", "ilmanpuhdist", "air purifier", "hava temizleyic"],
    "Kide Home": ["kide home", "sovellu", "the app", "uygulama"],
}  # fmt: skip


def add_listening(session: Session, *, now: datetime) -> None:
    brand = str(scenario()["brand"])
    saved = save_brand(session, name=brand, signature=None, now=now)
    save_products(session, brand=brand, products=DEMO_PRODUCTS, now=now)
    for channel in session.scalars(select(Channel).where(Channel.brand_id.is_(None))):
        channel.brand_id = saved.id
    for name, expression, languages in DEMO_QUERIES:
        save_query(
            session, name=name, expression=expression, brand=brand, languages=languages, now=now
        )


def load_messages(session: Session, *, now: datetime) -> tuple[int, int]:
    """Ingest the scenario through the one ingestion path and link the customers it names;
    returns how many events there were and how many messages they created."""
    events = scenario_events(now)
    results = ingest(session, events, now=now)
    _link_customers(session)
    return len(events), sum(1 for result in results if result.status == "created")


def add_demo_users(session: Session, *, now: datetime) -> list[DemoLogin]:
    """An agent, a supervisor and an admin, each with a fresh random password."""
    logins = []
    for username, name, role, locale in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        add_user(
            session,
            username=username,
            password=password,
            role=role,
            now=now,
            display_name=name,
            locale=locale,
        )
        logins.append(DemoLogin(username, password, role))
    supervisors = [username for username, _, role, _ in DEMO_USERS if role != "agent"]
    add_team(session, name="Asiantuntijat", now=now, escalation=True, members=supervisors)
    return logins


def _link_customers(session: Session) -> None:
    """Authors that the scenario marks as one person across channels become one customer."""
    people: dict[str, list[str]] = {}
    for author in scenario()["authors"].values():
        if author.get("customer"):
            people.setdefault(author["customer"], []).append(author["id"])
    for external_ids in people.values():
        rows = session.execute(
            select(Author.id, Author.customer_id).where(Author.external_id.in_(external_ids))
        ).all()
        customer_ids = [customer for _, customer in rows if customer is not None]
        if len(rows) > 1 and customer_ids:
            author_ids: list[uuid.UUID] = [author_id for author_id, _ in rows]
            link_authors(session, customer_id=customer_ids[0], author_ids=author_ids)

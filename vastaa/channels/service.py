"""The outbox: what must be carried out on a platform is written as a row in the same
transaction as the reason for it (a reply approved, a case moved to private), then sent by the
worker (``vastaa.channels.tasks``). Nothing here commits or talks to a platform."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vastaa.analytics import stale
from vastaa.channels.base import Capability
from vastaa.channels.models import PLATFORMS, Brand, Channel, OutboxItem
from vastaa.channels.registry import Registry
from vastaa.errors import NotFoundError, PermanentError
from vastaa.incidents.grouping import usable
from vastaa.messages.models import Message

MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(seconds=30)
LONGEST_BACKOFF = timedelta(hours=1)


def action_for(message: Message) -> Capability:
    return "direct_message" if message.kind == "direct_message" else "reply"


def dispatch(
    session: Session, *, message: Message, connectors: Registry | None, now: datetime
) -> OutboxItem | None:
    """Queue a reply that may leave now, when its channel's connector can send it; otherwise
    the reply waits for an agent to post it by hand ("copy and open on the platform")."""
    channel = session.get(Channel, message.channel_id)
    if channel is None or connectors is None:
        return None
    action = action_for(message)
    if not connectors.can(channel, action):
        return None
    existing = session.scalar(select(OutboxItem).where(OutboxItem.message_id == message.id))
    if existing is not None:
        return existing
    item = OutboxItem(
        key=message.id.hex,  # one message, one post: every attempt carries the same key
        channel_id=channel.id,
        message_id=message.id,
        action=action,
        state="queued",
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    return item


def retry(session: Session, *, message_id: uuid.UUID, now: datetime) -> OutboxItem:
    """An agent asks for a failed send to be tried again (same key: still never twice)."""
    item = session.scalar(
        select(OutboxItem).where(OutboxItem.message_id == message_id).with_for_update()
    )
    if item is None:
        raise NotFoundError("this reply is not sent through a connector")
    message = session.get(Message, message_id, with_for_update=True)
    if item.state != "failed" or message is None or message.delivery != "failed":
        raise PermanentError("only a failed send can be tried again")
    item.state, item.attempts, item.next_attempt_at, item.updated_at = "queued", 0, now, now
    message.delivery = "pending"
    stale.mark(session, [message.created_at])  # it counts as a reply on its day again
    return item


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour; never sooner than the platform asked."""
    doublings = min(max(0, attempts - 1), 12)  # 30 s × 2¹² is past the hour already
    wait: timedelta = min(FIRST_BACKOFF * (2**doublings), LONGEST_BACKOFF)
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=min(retry_after, LONGEST_BACKOFF.total_seconds())))
    return wait


def save_brand(session: Session, *, name: str, signature: str | None, now: datetime) -> Brand:
    """Add a brand, or change its signature (``None`` keeps it)."""
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise PermanentError("a brand's name has 1 to 120 characters")
    if signature is not None and len(signature) > 200:
        raise PermanentError("a signature has at most 200 characters")
    brand = session.scalar(select(Brand).where(Brand.name == name))
    if brand is None:
        brand = Brand(name=name, signature=signature or "", created_at=now)
        session.add(brand)
    elif signature is not None:
        brand.signature = signature
    session.flush()
    return brand


def brand_named(session: Session, name: str) -> Brand:
    found = session.scalar(select(Brand).where(Brand.name == name.strip()))
    if found is None:
        raise NotFoundError(f"no brand named {name!r}: add it with `vastaa brand add`")
    return found


MAX_PRODUCTS = 200
MAX_ALIASES = 50


def save_products(
    session: Session, *, brand: str, products: dict[str, list[str]], now: datetime
) -> Brand:
    """Replace a brand's product catalogue: each product's name and what customers call it
    (word stems in any language). Incident detection tells products apart by these."""
    found = brand_named(session, brand)
    if not isinstance(products, dict) or len(products) > MAX_PRODUCTS:
        raise PermanentError(f"products are an object of at most {MAX_PRODUCTS} names")
    cleaned: dict[str, list[str]] = {}
    for name, aliases in products.items():
        if not isinstance(aliases, list) or len(aliases) > MAX_ALIASES:
            raise PermanentError(f"{name!r}: a list of at most {MAX_ALIASES} names")
        words = [str(a).strip().lower() for a in aliases if str(a).strip()]
        if not 1 <= len(name.strip()) <= 60 or any(len(w) > 80 for w in words):
            raise PermanentError(f"{name!r}: a name of 1 to 60 characters, aliases of at most 80")
        if any(not usable(w) for w in words):
            raise PermanentError(f"{name!r}: an alias is a word of at least 3 letters or a phrase")
        cleaned[name.strip()] = words
    found.products = cleaned
    session.flush()
    return found


def save_channel(
    session: Session,
    *,
    platform: str,
    account: str,
    now: datetime,
    name: str | None = None,
    brand: str | None = None,
    staffed: bool | None = None,
    config: dict[str, Any] | None = None,
    credentials: dict[str, str] | None = None,
) -> Channel:
    """Add a channel or change one (what is not given stays as it was); the same channel that
    ingestion files messages under (platform + account)."""
    if platform not in PLATFORMS:
        raise PermanentError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
    if not 1 <= len(account) <= 200:
        raise PermanentError("an account has 1 to 200 characters")
    channel = session.scalar(
        select(Channel).where(Channel.platform == platform, Channel.account == account)
    )
    if channel is None:
        channel = Channel(
            platform=platform, account=account, name=name or account, staffed=False, created_at=now
        )
        session.add(channel)
    if name:
        channel.name = name[:200]
    if staffed is not None:
        channel.staffed = staffed
    if brand:
        channel.brand_id = _brand_id(session, brand)
    if config:
        channel.config = {**(channel.config or {}), **config}
    if credentials:
        channel.credentials = {**(channel.credentials or {}), **credentials}
    session.flush()
    return channel


def _brand_id(session: Session, name: str) -> uuid.UUID:
    found = session.scalar(select(Brand.id).where(Brand.name == name))
    if found is None:
        raise NotFoundError(f"no brand {name!r} (add it with `vastaa brand add`)")
    return found


def remove_channel(session: Session, *, platform: str, account: str) -> int:
    """Remove a channel. One that holds messages is disconnected instead (its credentials,
    cursor and staffing removed; its messages and evidence kept, since they are the record):
    returns how many messages it keeps. Adding it again later starts reading afresh."""
    channel = session.scalar(
        select(Channel).where(Channel.platform == platform, Channel.account == account)
    )
    if channel is None:
        raise NotFoundError(f"no channel {platform}:{account}")
    kept = (
        session.scalar(select(func.count(Message.id)).where(Message.channel_id == channel.id)) or 0
    )
    if kept:
        channel.credentials = None
        channel.config = None
        channel.cursor = None
        channel.staffed = False
        channel.next_read_at = None
        channel.read_error = ""
    else:
        session.delete(channel)
    session.flush()
    return int(kept)

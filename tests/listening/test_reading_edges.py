"""Reading's edges, through a connector registered the way a third-party one would be (it
serves the pages a test gives it): a failure nobody foresaw backs the channel off without
stopping the others, NUL characters are stored, a deletion in the page that brings its post
applies, our own posts and other brands' queries are left out. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import delete, events, message
from vastaa.channels import service as channels
from vastaa.channels.base import (
    Capability,
    ChannelSetup,
    Fetched,
    Listening,
    Moderation,
    Outgoing,
    Receipt,
    Rejected,
)
from vastaa.channels.models import Channel
from vastaa.channels.registry import Registry
from vastaa.channels.service import backoff
from vastaa.db import transaction
from vastaa.listening import service
from vastaa.listening.models import ListeningMatch
from vastaa.listening.tasks import Listener, read_due
from vastaa.messages.models import Message

FORUM = {"platform": "forum", "account": "kotikone"}
PAGES: dict[str, list[Fetched]] = {}


class PagesConnector:
    """Serves the pages a test put in ``PAGES`` for its channel's ``feed``, one per read."""

    platform = "forum"
    capabilities: frozenset[Capability] = frozenset({"read_mentions"})

    def __init__(self, setup: ChannelSetup) -> None:
        self.feed = str(setup.config["feed"])

    def check(self) -> str:
        return "ok"

    def read(self, cursor: Mapping[str, Any], listening: Listening) -> Fetched:
        return PAGES[self.feed].pop(0)

    def send(self, outgoing: Outgoing) -> Receipt:
        raise Rejected("listening only")

    def moderate(self, request: Moderation) -> None:
        raise Rejected("listening only")


def _registry() -> Registry:
    registry = Registry({})
    registry.register("forum", PagesConnector.capabilities, PagesConnector, needs_credentials=False)
    return registry


def _forum(sessions: sessionmaker[Session], now: datetime, feed: str, **fields: Any) -> uuid.UUID:
    with transaction(sessions) as session:
        return channels.save_channel(
            session, platform="forum", account=feed, now=now, config={"feed": feed}, **fields
        ).id


def _read(sessions: sessionmaker[Session], now: datetime) -> int:
    return read_due(sessions, _registry(), clock=lambda: now, listener=Listener())


def _texts(sessions: sessionmaker[Session]) -> dict[str, datetime | None]:
    with sessions() as session:
        return {m.text: m.deleted_at for m in session.scalars(select(Message))}


def _post(external_id: str, text: str, feed: str, **fields: Any) -> dict[str, Any]:
    return message(external_id, channel={"platform": "forum", "account": feed}, text=text, **fields)


def test_a_failure_nobody_foresaw_backs_that_channel_off_and_the_others_are_read(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    broken = _forum(sessions, now, "broken")
    _forum(sessions, now, "fine")
    with transaction(sessions) as session:
        service.save_query(session, name="Kide", expression="kide", now=now)
    PAGES["broken"] = [Fetched(cursor={"at": object()})]  # a cursor that is not JSON
    PAGES["fine"] = [Fetched(found=events(_post("f1", "kide is fine", "fine")))]

    _read(sessions, now)

    assert list(_texts(sessions)) == ["kide is fine"]
    with sessions() as session:
        channel = session.get(Channel, broken)
        assert channel is not None and channel.read_failures == 1
        assert "server's log" in channel.read_error and channel.cursor is None
        assert channel.next_read_at == now + timedelta(seconds=30)


def test_nul_characters_from_a_connector_are_stored_as_replacement_characters(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    _forum(sessions, now, "nul")
    with transaction(sessions) as session:
        service.save_query(session, name="Kide", expression="kide", now=now)
    PAGES["nul"] = [Fetched(found=events(_post("n1", "kide\x00 broken", "nul")))]

    _read(sessions, now)

    assert list(_texts(sessions)) == ["kide\ufffd broken"]


def test_a_deletion_or_edit_in_the_same_page_as_its_post_applies(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    _forum(sessions, now, "same")
    with transaction(sessions) as session:
        service.save_query(session, name="Kide", expression="kide", now=now)
    later = (now + timedelta(minutes=5)).isoformat()
    PAGES["same"] = [
        Fetched(
            found=events(
                _post("p1", "kide is broken", "same"),
                delete("p1", channel={"platform": "forum", "account": "same"}),
                _post("p2", "kide akku broke", "same"),
                _post("p2", "my battery broke, sorry", "same", edited_at=later),
            )
        )
    ]

    _read(sessions, now)

    texts = _texts(sessions)
    assert texts["kide is broken"] is not None  # deleted
    assert "my battery broke, sorry" in texts and "kide akku broke" not in texts


def test_our_own_posts_are_left_out_by_id_and_by_handle(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    _forum(sessions, now, "ours")
    with transaction(sessions) as session:
        service.save_query(session, name="Kide", expression="kide", now=now)
        channels.save_channel(session, platform="forum", account="kide@forum.example", now=now)
    ours_by_id = _post("o1", "kide news", "ours", author={"id": "ours", "handle": "x"})
    ours_by_handle = _post("o2", "kide news 2", "ours", author={"id": "9", "handle": "@Kide"})
    theirs = _post("t1", "kide is late", "ours", author={"id": "7", "handle": "matti"})
    PAGES["ours"] = [Fetched(found=events(ours_by_id, ours_by_handle, theirs))]

    _read(sessions, now)

    assert list(_texts(sessions)) == ["kide is late"]


def test_a_channel_listens_only_with_its_brands_queries_and_those_of_no_brand(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    with transaction(sessions) as session:
        channels.save_brand(session, name="Kide", signature=None, now=now)
        channels.save_brand(session, name="Other", signature=None, now=now)
        service.save_query(session, name="Kide", expression="kide", brand="Kide", now=now)
        service.save_query(session, name="Other", expression="valo", brand="Other", now=now)
        service.save_query(session, name="Anyone", expression="#sale", now=now)
    _forum(sessions, now, "kides", brand="Kide")
    PAGES["kides"] = [
        Fetched(
            found=events(
                _post("k1", "kide works", "kides"),
                _post("v1", "valo works", "kides"),
                _post("s1", "big #sale today", "kides"),
            )
        )
    ]

    _read(sessions, now)

    assert sorted(_texts(sessions)) == ["big #sale today", "kide works"]
    with sessions() as session:
        assert len(list(session.scalars(select(ListeningMatch.query_id)))) == 2


def test_the_backoff_stays_at_an_hour_however_long_a_channel_fails() -> None:
    assert backoff(43) == backoff(10**6) == timedelta(hours=1)

"""Reddit things (fixtures in the OAuth API's documented shapes) as canonical events, one test
per fixture."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.channels.reddit.fake_reddit import fixture
from vastaa.channels.base import MalformedPayload
from vastaa.channels.reddit import parse
from vastaa.pipeline.events import ChannelRef, DeleteEvent, Event, MessageEvent

CHANNEL = ChannelRef(platform="reddit", account="kide_support")


def event(name: str, *, inbox: bool = False) -> Event:
    return parse.event(fixture(name), channel=CHANNEL, account="kide_support", inbox=inbox)


def message(name: str, *, inbox: bool = False) -> MessageEvent:
    found = event(name, inbox=inbox)
    assert isinstance(found, MessageEvent)
    return found


def test_a_comment_keeps_its_markdown_as_text_and_threads_under_its_post() -> None:
    comment = message("comment__new")
    assert comment.external_id == "t1_l7q2a1b" and comment.kind == "comment"
    assert comment.text == (
        'My **Kide** order #4411 never arrived. Tracking says "delivered" & nothing here <sigh>.'
    )
    assert (comment.thread_id, comment.parent_id) == ("t3_1dc9x0z", "t3_1dc9x0z")
    assert comment.url == (
        "https://www.reddit.com/r/Kide/comments/1dc9x0z/order_never_arrived/l7q2a1b/"
    )
    assert comment.created_at == datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)
    assert (comment.author.id, comment.author.handle) == ("matti_v", "matti_v")
    assert comment.edited_at is None and comment.public and comment.direction == "inbound"
    assert comment.raw == fixture("comment__new")


def test_an_edited_comment_has_the_same_id_and_its_edit_time() -> None:
    comment = message("comment__edited")
    assert comment.external_id == "t1_l7q5c3d" and comment.parent_id == "t1_l7q2a1b"
    assert comment.edited_at == datetime.fromtimestamp(1718002000, UTC)
    assert comment.version_at == comment.edited_at


@pytest.mark.parametrize("name", ["comment__deleted", "comment__removed"])
def test_a_deleted_or_removed_comment_is_a_deletion(name: str) -> None:
    deleted = event(name)
    assert isinstance(deleted, DeleteEvent)
    assert deleted.external_id == fixture(name)["data"]["name"]
    assert deleted.raw == fixture(name)


def test_a_comment_that_only_reads_deleted_is_a_comment() -> None:
    thing = fixture("comment__new")
    thing["data"]["body"] = "[deleted]"
    assert isinstance(parse.event(thing, channel=CHANNEL, account="x", inbox=False), MessageEvent)


def test_a_comment_without_created_utc_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match="t1_l7q7e5f has no created_utc"):
        event("comment__malformed")


def test_a_reply_in_the_inbox_threads_by_its_context() -> None:
    reply = message("inbox__comment_reply", inbox=True)
    assert reply.kind == "reply" and reply.parent_id == "t1_l7q5c3d"
    assert reply.thread_id == "t3_1dc9x0z"
    assert reply.url == (
        "https://www.reddit.com/r/Kide/comments/1dc9x0z/order_never_arrived/l7q9zz1/?context=3"
    )


def test_a_username_mention_is_a_mention() -> None:
    mention = message("inbox__username_mention", inbox=True)
    assert mention.kind == "mention" and mention.author.handle == "ece_d"
    assert mention.thread_id == "t3_1dcb2c3"


def test_a_private_message_is_a_private_direct_message_with_its_subject() -> None:
    dm = message("inbox__private_message", inbox=True)
    assert (dm.kind, dm.public, dm.external_id) == ("direct_message", False, "t4_2b7xq1k")
    assert dm.text == (
        "Refund for order 4411\n\nHi, my email is aylin@example.com.\n\nI'd like a refund, please."
    )
    assert dm.thread_id == "t4_2b7xq1k" and dm.parent_id is None
    assert dm.url == "https://www.reddit.com/message/messages/2b7xq1k"


def test_a_self_post_is_a_post_with_its_title_and_text() -> None:
    post = message("submission__self")
    assert post.kind == "post" and post.thread_id == "t3_1dc9x0z" and post.parent_id is None
    assert (
        post.text
        == "Order never arrived\n\nOrdered a lamp two weeks ago. Kide support, where is it?"
    )
    assert post.media == [] and not post.promoted


def test_a_promoted_image_post_carries_its_image_and_the_flag() -> None:
    post = message("submission__image_promoted_nsfw")
    assert post.promoted and post.text == "Kide lamps 30% off this week"
    assert [(m.url, m.type) for m in post.media] == [("https://i.redd.it/k1de4lamp.jpg", "image")]
    assert post.raw is not None and post.raw["data"]["over_18"] is True


def test_our_own_comment_is_outbound() -> None:
    thing = fixture("comment__new")
    thing["data"]["author"] = "Kide_Support"
    found = parse.event(thing, channel=CHANNEL, account="kide_support", inbox=False)
    assert isinstance(found, MessageEvent) and found.direction == "outbound"


@pytest.mark.parametrize(
    "payload", [None, {"kind": "t1"}, {"kind": "Listing", "data": {}}, {"kind": "more"}]
)
def test_what_is_not_a_listing_is_malformed(payload: object) -> None:
    with pytest.raises(MalformedPayload):
        parse.listing(payload)

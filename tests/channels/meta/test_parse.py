"""Meta's notifications as canonical events: one test per recorded payload."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from vastaa.channels.base import MalformedPayload
from vastaa.channels.meta.parse import Parsed, Skip, graph_comment, parse_body
from vastaa.pipeline.events import DeleteEvent, MessageEvent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "meta"
PAGE_ID = "104522781234567"
IG_ID = "17841405309211844"
POST_ID = f"{PAGE_ID}_122101234567890"
FIRST_COMMENT = "122101234567890_1187654321098765"


def parsed(name: str) -> Parsed:
    return parse_body((FIXTURES / f"{name}.json").read_bytes())


def only(name: str) -> MessageEvent:
    result = parsed(name)
    assert result.skipped == []
    [event] = result.events
    assert isinstance(event, MessageEvent)
    return event


def test_every_fixture_has_a_test() -> None:
    tested = Path(__file__).read_text()
    missing = [p.stem for p in FIXTURES.glob("*.json") if f'"{p.stem}"' not in tested]
    assert missing == []


def test_a_comment_on_a_page_post() -> None:
    event = only("feed_comment__add")
    assert (event.channel.platform, event.channel.account) == ("facebook", PAGE_ID)
    assert (event.external_id, event.kind, event.direction) == (FIRST_COMMENT, "comment", "inbound")
    assert (event.thread_id, event.parent_id) == (POST_ID, POST_ID)
    assert (event.author.id, event.author.name) == ("7130019876543210", "Aino Virtanen")
    assert event.text == "Tilaukseni #4411 ei ole vieläkään saapunut <3"  # plain text, kept
    assert event.created_at == datetime(2025, 11, 20, 11, 59, 58, tzinfo=UTC)
    assert event.raw is not None and event.raw["value"]["comment_id"] == FIRST_COMMENT


def test_a_reply_to_a_comment() -> None:
    event = only("feed_comment__reply")
    assert (event.kind, event.parent_id, event.thread_id) == ("reply", FIRST_COMMENT, POST_ID)


def test_a_comment_with_a_photo() -> None:
    event = only("feed_comment__with_photo")
    assert event.text == ""
    assert [(m.type, m.url.endswith("photo.jpg")) for m in event.media] == [("image", True)]


def test_an_edited_comment() -> None:
    event = only("feed_comment__edited")
    assert event.external_id == FIRST_COMMENT
    assert event.edited_at == datetime(2025, 11, 20, 13, 0, tzinfo=UTC)
    assert event.created_at < event.edited_at


def test_a_removed_comment() -> None:
    [event] = parsed("feed_comment__remove").events
    assert isinstance(event, DeleteEvent) and event.external_id == FIRST_COMMENT


def test_the_pages_own_reply_is_outbound() -> None:
    event = only("feed_comment__from_page")
    assert (event.direction, event.author.id, event.kind) == ("outbound", PAGE_ID, "reply")
    assert event.parent_id == FIRST_COMMENT


def test_a_visitor_post() -> None:
    event = only("feed_status__visitor_post")
    assert (event.kind, event.external_id) == ("post", f"{PAGE_ID}_122109999999999")
    assert event.thread_id == event.external_id and event.parent_id is None


def test_a_removed_post() -> None:
    [event] = parsed("feed_post__remove").events
    assert isinstance(event, DeleteEvent) and event.external_id == f"{PAGE_ID}_122109999999999"


def test_a_reaction_is_skipped_with_a_reason() -> None:
    result = parsed("feed_reaction__add")
    assert result.events == []
    assert result.skipped == ["entry 0 change 0: feed item 'reaction' is not read"]


def test_a_messenger_message() -> None:
    event = only("messenger_message__text")
    assert (event.kind, event.public, event.direction) == ("direct_message", False, "inbound")
    assert event.external_id == "m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    assert event.author.id == event.thread_id == "24601234567890123"
    assert event.created_at == datetime.fromtimestamp(1763640700.123, UTC)


def test_a_messenger_message_with_attachments() -> None:
    event = only("messenger_message__attachments")
    assert [m.type for m in event.media] == ["image"]  # the fallback has no address
    assert event.parent_id == "m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def test_a_messenger_echo() -> None:
    event = only("messenger_message__echo")
    assert (event.direction, event.author.id, event.thread_id) == (
        "outbound",
        PAGE_ID,
        "24601234567890123",
    )


def test_a_messenger_edit() -> None:
    event = only("messenger_message_edit__text")
    assert event.external_id == "m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    assert event.edited_at is not None and "#4411" in event.text


def test_a_delivery_receipt_is_skipped() -> None:
    result = parsed("messenger_delivery__receipt")
    assert result.events == [] and "delivery" in result.skipped[0]


def test_an_instagram_comment() -> None:
    event = only("instagram_comment__add")
    assert (event.channel.platform, event.channel.account) == ("instagram", IG_ID)
    assert (event.kind, event.thread_id, event.parent_id) == (
        "comment",
        "18027939643230671",
        "18027939643230671",
    )
    assert (event.author.id, event.author.handle) == ("17841400000000001", "aino.v")
    assert event.created_at == datetime.fromtimestamp(1763640000, UTC)  # the entry's time


def test_an_instagram_reply() -> None:
    event = only("instagram_comment__reply")
    assert (event.kind, event.parent_id) == ("reply", "17865799348089039")


def test_an_instagram_mention_is_skipped_with_the_reason() -> None:
    result = parsed("instagram_mention__comment")
    assert result.events == [] and "only ids" in result.skipped[0]


def test_an_instagram_message_with_a_reel() -> None:
    event = only("instagram_message__text")
    assert (event.channel.platform, event.kind) == ("instagram", "direct_message")
    assert [m.type for m in event.media] == ["video"]


def test_an_unsent_instagram_message_is_a_deletion() -> None:
    [event] = parsed("instagram_message__deleted").events
    assert isinstance(event, DeleteEvent)
    assert event.external_id.startswith("aWdfZAG1")


def test_a_batch_with_a_broken_item() -> None:
    result = parsed("page__batch_with_a_broken_item")
    assert len(result.events) == 2
    assert result.skipped == ["entry 1 change 0: the item has no 'comment_id'"]


def test_another_object_is_skipped() -> None:
    result = parse_body(b'{"object": "whatsapp_business_account", "entry": []}')
    assert result.events == [] and "whatsapp" in result.skipped[0]


def test_an_item_that_breaks_the_canonical_limits_is_skipped() -> None:
    body = (FIXTURES / "feed_comment__add.json").read_text().replace(FIRST_COMMENT, "9" * 300)
    result = parse_body(body.encode())
    assert result.events == [] and "external_id" in result.skipped[0]


def test_a_time_too_large_for_a_date_is_no_time() -> None:
    huge = "1" + "0" * 400
    body = (FIXTURES / "feed_comment__add.json").read_text()
    body = body.replace('"time": 1763640000', f'"time": {huge}')
    body = body.replace('"created_time": 1763639998', f'"created_time": {huge}')
    result = parse_body(body.encode())
    assert result.events == [] and "no time" in result.skipped[0]


def test_a_body_nested_too_deep_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match="not JSON"):
        parse_body(b"[" * 100_000)


def test_a_graph_comment_from_the_catch_up_read() -> None:
    comment = {
        "id": "122_555",
        "message": "Hei",
        "created_time": "2026-11-20T10:00:00+0000",
        "from": {"id": "71", "name": "Aino"},
        "parent": {"id": "122_554"},
    }
    event = graph_comment("facebook", PAGE_ID, comment, root=POST_ID)
    assert (event.kind, event.parent_id, event.thread_id) == ("reply", "122_554", POST_ID)
    assert event.created_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    with pytest.raises(Skip, match="no time"):
        graph_comment("facebook", PAGE_ID, {**comment, "created_time": "soon"}, root=POST_ID)

"""YouTube payloads (fixtures in the documented shape) → canonical events, one test per fixture."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.channels.youtube.fake_youtube import CHANNEL, fixture
from vastaa.channels.base import MalformedPayload
from vastaa.channels.youtube import parse
from vastaa.pipeline.events import ChannelRef, MessageEvent

OURS = ChannelRef(platform="youtube", account=CHANNEL)


def events(name: str) -> list[MessageEvent]:
    return [parse.comment_event(c, OURS) for c in parse.thread_comments(fixture(name))]


def test_a_top_level_comment_answers_its_video() -> None:
    (event,) = events("comment_thread__top_level")
    assert event.external_id == "UgzT1Vj6Gm3kideA4eJ4AaABAg"
    assert (event.kind, event.direction) == ("comment", "inbound")
    assert event.thread_id == event.parent_id == "dQw4w9WgXcQ"
    assert event.text == "My Kide kettle leaks from the lid since the update. Anyone else?"
    assert (event.author.id, event.author.handle) == ("UCmatti0000000000000000a", "mattivirtanen")
    assert event.author.name == "@mattivirtanen"
    assert event.created_at == datetime(2025, 3, 4, 9, 15, tzinfo=UTC)
    assert event.edited_at is None
    assert event.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzT1Vj6Gm3kideA4eJ4AaABAg"
    assert event.raw == fixture("comment_thread__top_level")["snippet"]["topLevelComment"]


def test_replies_answer_the_top_level_comment_and_ours_are_outbound() -> None:
    top, ours, theirs = events("comment_thread__with_replies")
    assert top.kind == "comment"
    assert (ours.kind, theirs.kind) == ("reply", "reply")
    assert ours.parent_id == theirs.parent_id == top.external_id
    assert ours.thread_id == theirs.thread_id == "kide0video1"
    assert (ours.direction, theirs.direction) == ("outbound", "inbound")
    assert theirs.raw is not None and theirs.raw["id"] == theirs.external_id


def test_an_edited_comment_says_when_it_was_edited() -> None:
    (event,) = events("comment_thread__edited")
    assert event.created_at == datetime(2025, 3, 2, 8, 0, tzinfo=UTC)
    assert event.edited_at == datetime(2025, 3, 2, 10, 45, tzinfo=UTC)
    assert event.version_at == event.edited_at


def test_html_text_becomes_plain_text_when_there_is_no_original() -> None:
    (event,) = events("comment_thread__html_text")
    assert event.text == "At 1:23 the lid & the seal\ndon't fit <at all> please fix"


def test_a_malformed_comment_is_refused_with_its_reason() -> None:
    (comment,) = parse.thread_comments(fixture("comment_thread__malformed"))
    with pytest.raises(MalformedPayload, match="publishedAt is missing"):
        parse.comment_event(comment, OURS)


@pytest.mark.parametrize("broken", [None, [], {"snippet": {}}, {"snippet": {"videoId": "v"}}])
def test_a_thread_without_its_documented_parts_is_refused(broken: object) -> None:
    with pytest.raises(MalformedPayload):
        parse.thread_comments(broken)


def test_an_oversized_author_id_is_malformed_not_a_crash() -> None:
    thread = fixture("comment_thread__top_level")
    thread["snippet"]["topLevelComment"]["snippet"]["authorChannelId"] = {"value": "U" * 300}
    (comment,) = parse.thread_comments(thread)
    with pytest.raises(MalformedPayload):
        parse.comment_event(comment, OURS)

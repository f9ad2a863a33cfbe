"""Bluesky payloads in their documented shapes → canonical events, one test per fixture."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.channels.bluesky.payloads import fixture
from vastaa.channels.base import MalformedPayload
from vastaa.channels.bluesky import parse
from vastaa.pipeline.events import ChannelRef, DeleteEvent, MessageEvent

CHANNEL = ChannelRef(platform="bluesky", account="kide.bsky.social")
KIDE_POST = "at://did:plc:kidebrand7yq2w4zl5mxva3c/app.bsky.feed.post/3lbqu5ptwzk2c"
KIDE_ROOT = "at://did:plc:kidebrand7yq2w4zl5mxva3c/app.bsky.feed.post/3lbqt2mhbxk2a"


def test_a_mention_is_a_mention_with_its_link_and_language() -> None:
    payload = fixture("notification__mention")
    event = parse.from_notification(payload, CHANNEL)
    assert event.kind == "mention"
    assert event.external_id == payload["uri"]
    assert event.url == (
        "https://bsky.app/profile/did:plc:matti4x3zq7r2lw5bqkbnmty/post/3lbqv2ofmcs2k"
    )
    assert event.author.id == "did:plc:matti4x3zq7r2lw5bqkbnmty"
    assert (event.author.handle, event.author.name) == ("matti.bsky.social", "Matti Virtanen")
    assert event.text.startswith("@kide.bsky.social tilaukseni")
    assert event.created_at == datetime(2024, 11, 20, 10, 0, 0, 123000, tzinfo=UTC)
    assert event.lang == "fi"
    assert [(m.url, m.type) for m in event.media] == [("https://kide.example/tilaus/4711", "file")]
    assert (event.thread_id, event.parent_id) == (None, None)
    assert event.raw == payload


def test_a_reply_names_its_parent_and_root_and_keeps_the_text_as_written() -> None:
    event = parse.from_notification(fixture("notification__reply"), CHANNEL)
    assert event.kind == "reply"
    assert (event.parent_id, event.thread_id) == (KIDE_POST, KIDE_ROOT)
    assert event.lang == "en"  # en-GB → its primary subtag
    assert event.text == "Still broken <b>after</b> the update, see photo"  # plain text, no HTML
    assert event.author.name == ""
    [image] = event.media
    assert image.type == "image"
    assert image.url == (
        "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:liisa2wqg5nxkpdzq3y6e7hr/"
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku@jpeg"
    )


def test_a_quote_of_our_post_is_a_mention() -> None:
    event = parse.from_notification(fixture("notification__quote"), CHANNEL)
    assert event.kind == "mention"
    assert event.media == []
    assert event.parent_id is None


def test_a_like_is_not_a_message() -> None:
    with pytest.raises(MalformedPayload, match="like"):
        parse.from_notification(fixture("notification__like"), CHANNEL)


def test_a_notification_without_an_author_did_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match="author"):
        parse.from_notification(fixture("notification__malformed"), CHANNEL)


def test_a_post_view_takes_its_images_from_the_hydrated_embed() -> None:
    payload = fixture("post_view__images")
    event = parse.from_post_view(payload, CHANNEL)
    assert event.kind == "post"
    assert [m.url for m in event.media] == [payload["embed"]["images"][0]["fullsize"]]
    assert event.author.followers == 0
    assert parse.stamp(payload) == (
        datetime(2024, 11, 20, 11, 0, 0, 811000, tzinfo=UTC),
        payload["uri"],
    )


def test_a_post_view_with_a_link_card_is_a_reply_with_the_linked_page() -> None:
    event = parse.from_post_view(fixture("post_view__external"), CHANNEL)
    assert event.kind == "reply"
    assert event.parent_id == event.thread_id
    assert [(m.url, m.type) for m in event.media] == [("https://news.example/kide-recall", "file")]


def test_a_jetstream_create_is_a_post_with_its_video() -> None:
    payload = fixture("jetstream__create")
    event = parse.from_jetstream(payload, CHANNEL)
    assert isinstance(event, MessageEvent)
    assert event.external_id == (
        "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3lbr4qfmhsc2x"
    )
    assert event.author.id == "did:plc:eygmaihciaxprqvxpfvl6flk"
    assert event.edited_at is None
    assert event.created_at == datetime(2024, 11, 20, 11, 0, 0, 50000, tzinfo=UTC)
    [video] = event.media
    assert video.type == "video"
    assert video.url.endswith(
        "/bafkreigyyd6ynukxmvd5dryyhy6bisbz4g2cwfnxqfsfrovpgh4oqjkqfi/playlist.m3u8"
    )


def test_a_jetstream_update_is_an_edit_of_the_same_post() -> None:
    created = parse.from_jetstream(fixture("jetstream__create"), CHANNEL)
    edited = parse.from_jetstream(fixture("jetstream__update"), CHANNEL)
    assert isinstance(created, MessageEvent) and isinstance(edited, MessageEvent)
    assert edited.external_id == created.external_id
    assert edited.edited_at == datetime.fromtimestamp(1732100460.000001, tz=UTC)
    assert edited.text == "Kide-valaisimeni välkkyy (korjattu)"


def test_a_jetstream_delete_is_a_delete_event() -> None:
    event = parse.from_jetstream(fixture("jetstream__delete"), CHANNEL)
    assert isinstance(event, DeleteEvent)
    assert event.external_id.endswith("/app.bsky.feed.post/3lbr4qfmhsc2x")
    assert event.deleted_at == datetime.fromtimestamp(1732100520.000002, tz=UTC)


def test_a_jetstream_identity_event_carries_no_post() -> None:
    assert parse.from_jetstream(fixture("jetstream__identity"), CHANNEL) is None


def test_a_jetstream_commit_of_another_collection_carries_no_post() -> None:
    payload = fixture("jetstream__create")
    payload["commit"]["collection"] = "app.bsky.feed.like"
    assert parse.from_jetstream(payload, CHANNEL) is None


def test_a_jetstream_create_without_a_record_is_malformed() -> None:
    payload = fixture("jetstream__create")
    del payload["commit"]["record"]
    with pytest.raises(MalformedPayload, match="no record"):
        parse.from_jetstream(payload, CHANNEL)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-11-20T10:00:00Z", datetime(2024, 11, 20, 10, tzinfo=UTC)),
        ("2024-11-20T10:00:00.123456789Z", datetime(2024, 11, 20, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-11-20T12:00:00+02:00", datetime(2024, 11, 20, 10, tzinfo=UTC)),
        ("2024-11-20T10:00:00", datetime(2024, 11, 20, 10, tzinfo=UTC)),
    ],
)
def test_atproto_datetimes_are_read_in_utc(text: str, expected: datetime) -> None:
    assert parse.timestamp(text) == expected


def test_only_post_uris_have_a_bsky_app_url() -> None:
    assert parse.post_url("at://did:plc:x/app.bsky.feed.like/3abc") is None
    assert parse.post_url("https://bsky.app/x") is None


LONG_DID = "did:web:" + "a" * 250 + ".example"  # a valid did, longer than an author id may be
HUGE_DID = "did:web:" + "a" * 2100 + ".example"  # its media addresses too long as well


@pytest.mark.parametrize("did", [LONG_DID, HUGE_DID])
def test_a_jetstream_post_from_a_did_too_long_to_keep_is_malformed(did: str) -> None:
    payload = fixture("jetstream__create")
    payload["did"] = did
    with pytest.raises(MalformedPayload):
        parse.from_jetstream(payload, CHANNEL)


@pytest.mark.parametrize("did", [LONG_DID, HUGE_DID])
def test_a_notification_or_post_view_from_a_did_too_long_to_keep_is_malformed(did: str) -> None:
    notification = fixture("notification__reply")
    notification["author"]["did"] = did
    view = fixture("post_view__images")
    view["author"]["did"] = did
    with pytest.raises(MalformedPayload):
        parse.from_notification(notification, CHANNEL)
    with pytest.raises(MalformedPayload):
        parse.from_post_view(view, CHANNEL)


@pytest.mark.parametrize("time_us", [10**20, 2**63])
def test_a_jetstream_event_at_an_impossible_time_is_malformed(time_us: int) -> None:
    for name in ("jetstream__create", "jetstream__delete"):
        payload = fixture(name)
        payload["time_us"] = time_us
        with pytest.raises(MalformedPayload, match="time_us"):
            parse.from_jetstream(payload, CHANNEL)

"""The Jetstream part of a read against a local Jetstream: a bounded window of post creates,
edits and deletions, the cursor its last ``time_us``, and a restart resuming from it."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.channels.bluesky import fake_bluesky
from tests.channels.bluesky.payloads import connect, fixture
from vastaa.channels.base import Listening
from vastaa.channels.bluesky import jetstream as stream_module
from vastaa.channels.bluesky.connector import BlueskyConnector
from vastaa.errors import PermanentError
from vastaa.pipeline.events import DeleteEvent, MessageEvent

NOTHING = Listening()
POST_URI = "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3lbr4qfmhsc2x"


def another_post(time_us: int, rkey: str = "3lbr5aaaaaa2x") -> dict[str, Any]:
    event = fixture("jetstream__create")
    event["time_us"] = time_us
    event["commit"]["rkey"] = rkey
    event["commit"]["record"]["text"] = f"post {rkey}"
    return event


def a_like(time_us: int) -> dict[str, Any]:
    event = fixture("jetstream__create")
    event["time_us"] = time_us
    event["commit"]["collection"] = "app.bsky.feed.like"
    event["commit"]["record"] = {"$type": "app.bsky.feed.like", "createdAt": "2024-11-20T11:00Z"}
    return event


def streaming(
    pds: fake_bluesky.Pds, stream: fake_bluesky.Jetstream, **config: Any
) -> BlueskyConnector:
    return connect(pds, jetstream_url=stream.url, window_seconds=0.3, **config)


def test_a_window_reads_creates_an_edit_and_a_delete(
    pds: fake_bluesky.Pds, jetstream: fake_bluesky.Jetstream
) -> None:
    jetstream.events = [
        fixture("jetstream__create"),
        a_like(1732100430000000),
        fixture("jetstream__update"),
        another_post(1732100500000000),
        fixture("jetstream__delete"),
        fixture("jetstream__identity"),
    ]
    fetched = streaming(pds, jetstream).read({}, NOTHING)
    [asked] = jetstream.requests
    assert asked["wantedCollections"] == ["app.bsky.feed.post"]
    assert "cursor" not in asked  # the first window starts at the live tail
    created, edited, other, deleted = fetched.found
    assert isinstance(created, MessageEvent) and created.external_id == POST_URI
    assert isinstance(edited, MessageEvent) and edited.external_id == POST_URI
    assert edited.edited_at is not None and created.edited_at is None
    assert isinstance(other, MessageEvent) and other.text == "post 3lbr5aaaaaa2x"
    assert isinstance(deleted, DeleteEvent) and deleted.external_id == POST_URI
    assert fetched.events == []
    assert fetched.problems == []
    assert fetched.more is False
    assert fetched.cursor["jetstream"] == {"time_us": 1732100530000003}


def test_a_restart_resumes_from_the_cursor_with_a_short_rewind(
    pds: fake_bluesky.Pds, jetstream: fake_bluesky.Jetstream
) -> None:
    jetstream.events = [fixture("jetstream__create"), fixture("jetstream__delete")]
    first = streaming(pds, jetstream).read({}, NOTHING)
    assert first.cursor["jetstream"] == {"time_us": 1732100520000002}
    jetstream.events.append(another_post(1732100521000000))  # within the rewind
    jetstream.events.append(another_post(1732100600000000, rkey="3lbr6bbbbbb2x"))
    again = streaming(pds, jetstream).read(first.cursor, NOTHING)
    assert jetstream.requests[-1]["cursor"] == [str(1732100520000002 - 3_000_000)]
    uris = [event.external_id for event in again.found]
    assert POST_URI in uris  # the delete again, from the rewind: stored once all the same
    assert uris[-2:] == [
        "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3lbr5aaaaaa2x",
        "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3lbr6bbbbbb2x",
    ]
    assert again.cursor["jetstream"] == {"time_us": 1732100600000000}


def test_an_empty_first_window_starts_the_cursor_at_now(
    pds: fake_bluesky.Pds, jetstream: fake_bluesky.Jetstream
) -> None:
    before = int(time.time() * 1_000_000)
    fetched = streaming(pds, jetstream).read({}, NOTHING)
    assert fetched.found == []
    assert before <= fetched.cursor["jetstream"]["time_us"] <= int(time.time() * 1_000_000)
    again = streaming(pds, jetstream).read(fetched.cursor, NOTHING)
    assert again.cursor == fetched.cursor  # nothing read: the position stays


def test_a_window_stops_at_max_events_and_says_more_is_waiting(
    pds: fake_bluesky.Pds, jetstream: fake_bluesky.Jetstream
) -> None:
    jetstream.events = [
        another_post(1732100400000000 + n, rkey=f"3lbr5aaaaa{n}2x") for n in (2, 3, 4)
    ]
    fetched = streaming(pds, jetstream, max_events=2).read({}, NOTHING)
    assert len(fetched.found) == 2
    assert fetched.more is True
    assert fetched.cursor["jetstream"] == {"time_us": 1732100400000003}
    rest = streaming(pds, jetstream, max_events=2).read(fetched.cursor, NOTHING)
    assert rest.found[-1].external_id.endswith("/3lbr5aaaaa42x")


def test_a_stream_that_hangs_up_ends_the_window_early(
    pds: fake_bluesky.Pds, jetstream: fake_bluesky.Jetstream
) -> None:
    jetstream.hang_up = True
    jetstream.events = [fixture("jetstream__create")]
    started = time.monotonic()
    fetched = connect(pds, jetstream_url=jetstream.url, window_seconds=30).read({}, NOTHING)
    assert time.monotonic() - started < 5
    assert len(fetched.found) == 1


def test_a_frame_that_is_not_an_event_is_a_problem_and_the_rest_is_kept(
    pds: fake_bluesky.Pds, jetstream: fake_bluesky.Jetstream
) -> None:
    jetstream.frames = ["not json", '{"did": "did:plc:x", "kind": "commit"}']
    broken = fixture("jetstream__create")
    del broken["commit"]["record"]
    broken["time_us"] = 1732100400000000
    jetstream.events = [broken, fixture("jetstream__update")]
    fetched = streaming(pds, jetstream).read({}, NOTHING)
    assert len(fetched.found) == 1
    assert fetched.problems == [
        "jetstream: a message that is not JSON was skipped",
        "jetstream: an event without time_us was skipped",
        f"jetstream: {POST_URI}: the commit carries no record",
    ]


def test_an_unreachable_jetstream_is_a_problem_and_the_mentions_are_read(
    pds: fake_bluesky.Pds,
) -> None:
    with fake_bluesky.running_jetstream() as gone:
        address = gone.url
    pds.notify(fixture("notification__mention"))
    fetched = connect(pds, jetstream_url=address, window_seconds=0.3).read({}, NOTHING)
    assert len(fetched.events) == 1
    assert len(fetched.problems) == 1 and fetched.problems[0].startswith("jetstream:")
    assert "jetstream" not in fetched.cursor


def test_a_post_from_a_did_too_long_to_keep_is_a_problem_and_the_read_goes_on(
    pds: fake_bluesky.Pds, jetstream: fake_bluesky.Jetstream
) -> None:
    odd = another_post(1732100400000000)
    odd["did"] = "did:web:" + "a" * 250 + ".example"
    jetstream.events = [odd, fixture("jetstream__update")]
    pds.notify(fixture("notification__mention"))
    fetched = streaming(pds, jetstream).read({}, NOTHING)
    assert len(fetched.events) == 1
    assert [event.external_id for event in fetched.found] == [POST_URI]
    assert len(fetched.problems) == 1 and fetched.problems[0].startswith("jetstream: ")
    assert fetched.cursor["jetstream"] == {"time_us": 1732100460000001}


def test_a_frame_nested_too_deeply_is_a_problem_and_the_rest_is_kept(
    pds: fake_bluesky.Pds, jetstream: fake_bluesky.Jetstream
) -> None:
    jetstream.frames = ["[" * 200_000 + "]" * 200_000]
    jetstream.events = [fixture("jetstream__create")]
    fetched = streaming(pds, jetstream).read({}, NOTHING)
    assert len(fetched.found) == 1
    assert fetched.problems == ["jetstream: a message nested too deeply was skipped"]


def test_a_window_that_sees_only_the_rewind_keeps_its_position(
    pds: fake_bluesky.Pds, jetstream: fake_bluesky.Jetstream
) -> None:
    jetstream.events = [another_post(1732100400000000)]
    position = {"jetstream": {"time_us": 1732100401000000}}  # read up to 1 s after that post
    again = streaming(pds, jetstream).read(position, NOTHING)
    assert jetstream.requests[-1]["cursor"] == [str(1732100401000000 - 3_000_000)]
    assert again.cursor["jetstream"] == {"time_us": 1732100401000000}


def test_an_unexpected_failure_of_the_stream_is_a_problem_and_the_mentions_are_read(
    pds: fake_bluesky.Pds, jetstream: fake_bluesky.Jetstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(stream_module, "read_window", broken)
    pds.notify(fixture("notification__mention"))
    fetched = streaming(pds, jetstream).read({"jetstream": {"time_us": 5}}, NOTHING)
    assert len(fetched.events) == 1
    assert fetched.problems == ["jetstream: failed unexpectedly (RuntimeError)"]
    assert fetched.cursor["jetstream"] == {"time_us": 5}


@pytest.mark.parametrize(
    "address",
    [
        "ws://127.0.0.1.evil.example/subscribe",
        "ws://localhost.evil.example/subscribe",
        "ws://localhost:1@evil.example/subscribe",
        "wss://kide:secret@jetstream.example/subscribe",
        "https://jetstream.example/subscribe",
    ],
)
def test_a_jetstream_url_that_only_looks_local_or_carries_a_password_is_refused(
    pds: fake_bluesky.Pds, address: str
) -> None:
    with pytest.raises(PermanentError, match="jetstream_url") as refused:
        connect(pds, jetstream_url=address)
    assert "evil" not in str(refused.value) and "secret" not in str(refused.value)


def test_jetstream_is_off_unless_configured_and_its_settings_are_checked(
    pds: fake_bluesky.Pds,
) -> None:
    assert connect(pds).stream is None
    with pytest.raises(PermanentError, match="wss://"):
        connect(pds, jetstream_url="ws://jetstream.example/subscribe")
    with pytest.raises(PermanentError, match="window_seconds"):
        connect(pds, jetstream_url="wss://jetstream.example/subscribe", window_seconds="soon")


def test_the_subscribe_url_keeps_its_own_query_and_rewinds_the_cursor() -> None:
    url = stream_module.subscribe_url(
        "wss://jetstream2.us-east.bsky.network/subscribe?compress=false&cursor=1", 10_000_000
    )
    assert url == (
        "wss://jetstream2.us-east.bsky.network/subscribe?compress=false"
        "&wantedCollections=app.bsky.feed.post&cursor=7000000"
    )

"""The Bluesky connector against a local PDS: reading notifications and searches page by page
from the cursor, sending idempotent replies, and errors in Vastaa's tree."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from atproto_client.models.string_formats import TID_RE

from tests.channels.bluesky import fake_bluesky
from tests.channels.bluesky.payloads import (
    connect,
    fixture,
    messages,
    notification,
    numbers,
    post_view,
)
from vastaa.channels.base import (
    ChannelSetup,
    Listening,
    Moderation,
    Outgoing,
    RateLimited,
    Rejected,
)
from vastaa.channels.bluesky import connector as bluesky
from vastaa.channels.bluesky import parse
from vastaa.channels.bluesky.connector import BlueskyConnector, record_key
from vastaa.errors import PermanentError, RetryableError

NOTHING = Listening()
SPEC_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
LIST = "app.bsky.notification.listNotifications"
SEARCH = "app.bsky.feed.searchPosts"


def test_check_signs_in_with_the_app_password(pds: fake_bluesky.Pds) -> None:
    assert connect(pds).check() == "signed in as @kide.bsky.social"


def test_a_refused_app_password_is_rejected_without_the_password(pds: fake_bluesky.Pds) -> None:
    wrong = "zzzz-wrong-pass-word"
    with pytest.raises(Rejected) as refused:
        connect(pds, password=wrong).check()
    assert "AuthenticationRequired" in str(refused.value)
    assert wrong not in str(refused.value)
    assert wrong not in repr(refused.value.__cause__)
    assert wrong not in str(refused.value.__cause__)


def test_build_needs_an_app_password_and_an_https_service() -> None:
    with pytest.raises(PermanentError, match="app_password"):
        BlueskyConnector.build(ChannelSetup(account="kide.bsky.social"))
    setup = ChannelSetup(
        account="kide.bsky.social",
        config={"base_url": "http://pds.example"},
        credentials={"app_password": "x"},
    )
    with pytest.raises(PermanentError, match="https://"):
        BlueskyConnector.build(setup)
    default = ChannelSetup(account="@kide.bsky.social", credentials={"app_password": "x"})
    assert BlueskyConnector.build(default).xrpc.base_url == "https://bsky.social"


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1.evil.example",
        "http://localhost.evil.example:8080",
        "http://localhost:1@evil.example",
        "https://kide:secret@pds.example",
        "ftp://pds.example",
    ],
)
def test_build_refuses_a_base_url_that_only_looks_local_or_carries_a_password(
    address: str,
) -> None:
    setup = ChannelSetup(
        account="kide.bsky.social",
        config={"base_url": address},
        credentials={"app_password": "x"},
    )
    with pytest.raises(PermanentError, match="base_url") as refused:
        BlueskyConnector.build(setup)
    assert "evil" not in str(refused.value) and "secret" not in str(refused.value)


def test_the_first_read_returns_mentions_replies_and_quotes(pds: fake_bluesky.Pds) -> None:
    pds.notify(
        fixture("notification__mention"),
        fixture("notification__reply"),
        fixture("notification__quote"),
        fixture("notification__like"),
    )
    fetched = connect(pds).read({}, NOTHING)
    assert [event.kind for event in messages(fetched.events)] == ["mention", "reply", "mention"]
    assert fetched.found == []
    assert fetched.problems == []
    assert fetched.more is False
    assert pds.called(LIST)[0]["reasons"] == ["mention", "reply", "quote"]
    assert fetched.cursor["notifications"]["seen"]["at"] == "2024-11-20T10:10:00.300000+00:00"


def test_reading_again_from_the_cursor_returns_nothing_new(pds: fake_bluesky.Pds) -> None:
    pds.notify(notification(1), notification(2))
    bluesky_ = connect(pds)
    first = bluesky_.read({}, NOTHING)
    again = connect(pds).read(first.cursor, NOTHING)  # a restart: a new connector
    assert len(first.events) == 2
    assert again.events == []
    assert again.cursor == first.cursor


def test_a_burst_larger_than_a_page_is_walked_page_by_page(
    pds: fake_bluesky.Pds, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bluesky, "NOTIFICATION_PAGE", 2)
    pds.notify(notification(1))
    reader = connect(pds)
    cursor = reader.read({}, NOTHING).cursor
    pds.notify(*(notification(number) for number in range(2, 7)))
    pages = []
    while True:
        fetched = reader.read(cursor, NOTHING)
        pages.append(numbers(fetched.events))
        cursor = fetched.cursor
        if not fetched.more:
            break
    assert pages == [["6", "5"], ["4", "3"], ["2"]]
    assert reader.read(cursor, NOTHING).events == []
    pds.notify(notification(7))
    assert numbers(reader.read(cursor, NOTHING).events) == ["7"]


def test_a_walk_interrupted_reads_the_same_page_again_and_loses_nothing(
    pds: fake_bluesky.Pds, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bluesky, "NOTIFICATION_PAGE", 2)
    pds.notify(notification(1))
    reader = connect(pds)
    start = reader.read({}, NOTHING).cursor
    pds.notify(*(notification(number) for number in range(2, 6)))
    walking = reader.read(start, NOTHING).cursor  # 5, 4; the cursor was not stored: a crash
    assert "walk" in walking["notifications"]
    pds.notify(notification(9))  # arrives meanwhile
    seen: list[str] = []
    cursor = start
    for _ in range(5):
        fetched = reader.read(cursor, NOTHING)
        seen += numbers(fetched.events)
        cursor = fetched.cursor
    assert sorted(set(seen)) == ["2", "3", "4", "5", "9"]


def test_the_same_notification_twice_in_a_page_is_one_event(pds: fake_bluesky.Pds) -> None:
    pds.notify(notification(1), notification(1))
    fetched = connect(pds).read({}, NOTHING)
    assert len(fetched.events) == 1


def test_a_malformed_notification_is_named_in_problems_and_the_rest_kept(
    pds: fake_bluesky.Pds,
) -> None:
    broken = fixture("notification__malformed")
    broken["indexedAt"] = "2024-11-21T12:02:00.000Z"
    no_time = notification(4)
    no_time["indexedAt"] = "yesterday"
    pds.notify(notification(1), broken, notification(3), no_time)
    fetched = connect(pds).read({}, NOTHING)
    assert numbers(fetched.events) == ["3", "1"]
    assert len(fetched.problems) == 2
    assert "names no author did" in fetched.problems[1]
    assert "not a datetime" in fetched.problems[0]
    assert fetched.cursor["notifications"]["seen"]["at"].startswith("2024-11-21T12:03")


def test_a_429_raises_rate_limited_with_the_seconds_until_reset(pds: fake_bluesky.Pds) -> None:
    pds.rate_limit_next(120)
    with pytest.raises(RateLimited) as limited:
        connect(pds).read({}, NOTHING)
    assert limited.value.retry_after is not None
    assert 100 <= limited.value.retry_after <= 120


def test_a_429_with_retry_after_uses_it(pds: fake_bluesky.Pds) -> None:
    pds.fail_next(429, "RateLimitExceeded", **{"Retry-After": "7"})
    with pytest.raises(RateLimited) as limited:
        connect(pds).read({}, NOTHING)
    assert limited.value.retry_after == 7


def test_a_429_on_a_search_keeps_what_was_read_and_asks_to_wait(pds: fake_bluesky.Pds) -> None:
    pds.notify(notification(1))
    pds.add_posts(post_view(1, "kide lamp broke"))
    pds.rate_limit_next(60, nsid=SEARCH)
    fetched = connect(pds).read({}, Listening(terms=("lamp",)))
    assert len(fetched.events) == 1
    assert fetched.found == []
    assert fetched.wait is not None and 40 <= fetched.wait <= 60
    assert fetched.cursor["search"] == {}  # the search is read next time, from where it was


def test_no_calls_left_in_the_window_asks_to_wait(pds: fake_bluesky.Pds) -> None:
    pds.remaining = 0
    fetched = connect(pds).read({}, NOTHING)
    assert fetched.wait is not None and 250 <= fetched.wait <= 300


def test_a_server_error_is_retryable(pds: fake_bluesky.Pds) -> None:
    pds.fail_next(500, "InternalServerError", nsid=LIST)
    with pytest.raises(RetryableError):
        connect(pds).read({}, NOTHING)


def test_a_server_error_on_a_search_is_a_problem_and_the_rest_is_read(
    pds: fake_bluesky.Pds,
) -> None:
    pds.notify(notification(1))
    pds.add_posts(post_view(1, "kide lamp broke"))
    pds.fail_next(502, "UpstreamFailure", nsid=SEARCH)
    fetched = connect(pds).read({}, Listening(terms=("broke", "lamp")))
    assert numbers(fetched.events) == ["1"]
    assert [event.text for event in messages(fetched.found)] == ["kide lamp broke"]
    assert len(fetched.problems) == 1 and fetched.problems[0].startswith("search 'broke': ")
    assert sorted(fetched.cursor["search"]) == ["lamp"]  # 'broke' is read next time from its start


def test_an_author_did_too_long_to_keep_skips_that_item_only(pds: fake_bluesky.Pds) -> None:
    long_did = "did:web:" + "a" * 250 + ".example"
    odd = notification(2)
    odd["author"]["did"] = long_did
    view = post_view(3, "kide lamp")
    view["author"]["did"] = long_did
    pds.notify(notification(1), odd, notification(3))
    pds.add_posts(view, post_view(2, "another lamp"))
    fetched = connect(pds).read({}, Listening(terms=("lamp",)))
    assert numbers(fetched.events) == ["3", "1"]
    assert [event.text for event in messages(fetched.found)] == ["another lamp"]
    assert len(fetched.problems) == 2
    assert fetched.cursor["notifications"]["seen"]["at"].startswith("2024-11-21T12:03")


def test_an_unexpected_failure_of_a_search_is_a_problem_and_the_rest_is_read(
    pds: fake_bluesky.Pds, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(parse, "from_post_view", broken)
    pds.notify(notification(1))
    pds.add_posts(post_view(1, "kide lamp"))
    fetched = connect(pds).read({}, Listening(terms=("lamp",)))
    assert numbers(fetched.events) == ["1"]
    assert fetched.problems == ["search 'lamp': failed unexpectedly (KeyError)"]
    assert fetched.cursor["search"] == {}


def test_an_unreachable_pds_is_retryable() -> None:
    with fake_bluesky.running_pds() as gone:
        address = gone.base_url
    setup = ChannelSetup(
        account="kide.bsky.social", config={"base_url": address}, credentials={"app_password": "x"}
    )
    with pytest.raises(RetryableError):
        BlueskyConnector.build(setup).check()


def test_searches_find_terms_and_hashtags_newest_first_once(pds: fake_bluesky.Pds) -> None:
    pds.add_posts(
        post_view(1, "my kide lamp is great"),
        post_view(2, "unrelated"),
        post_view(3, "the lamp again #kide"),
    )
    listening = Listening(terms=("lamp",), hashtags=("kide",))
    reader = connect(pds)
    first = reader.read({}, listening)
    assert [event.text for event in messages(first.found)] == [
        "the lamp again #kide",
        "my kide lamp is great",
    ]
    assert sorted(first.cursor["search"]) == ["#kide", "lamp"]
    assert [params["q"] for params in pds.called(SEARCH)] == [["lamp"], ["#kide"]]
    assert pds.called(SEARCH)[0]["sort"] == ["latest"]
    assert reader.read(first.cursor, listening).found == []
    pds.add_posts(post_view(4, "lamp #kide news"))
    assert [e.text for e in messages(reader.read(first.cursor, listening).found)] == [
        "lamp #kide news"
    ]


def test_a_query_no_longer_listened_to_leaves_the_cursor(pds: fake_bluesky.Pds) -> None:
    pds.add_posts(post_view(1, "kide lamp"))
    reader = connect(pds)
    cursor = reader.read({}, Listening(terms=("lamp", "kide"))).cursor
    assert sorted(reader.read(cursor, Listening(terms=("kide",))).cursor["search"]) == ["kide"]


def test_a_reply_refers_to_the_post_answered_and_its_root(pds: fake_bluesky.Pds) -> None:
    answered = fixture("post_view__external")  # itself a reply to anna's post
    pds.add_posts(answered)
    receipt = connect(pds).send(
        Outgoing(
            key="out-1", action="reply", text="We are on it", lang="en", in_reply_to=answered["uri"]
        )
    )
    [(rkey, stored)] = pds.records.items()
    assert receipt.platform_id == f"at://{fake_bluesky.DID}/app.bsky.feed.post/{rkey}"
    assert receipt.url == f"https://bsky.app/profile/{fake_bluesky.DID}/post/{rkey}"
    record = stored["value"]
    assert record["text"] == "We are on it"
    assert record["langs"] == ["en"]
    assert record["reply"]["parent"]["uri"] == answered["uri"]
    assert record["reply"]["parent"]["cid"] == answered["cid"]
    assert record["reply"]["root"]["uri"] == answered["record"]["reply"]["root"]["uri"]
    assert datetime.fromisoformat(record["createdAt"]).tzinfo == UTC


def test_a_reply_sent_twice_with_one_key_is_posted_once(pds: fake_bluesky.Pds) -> None:
    answered = post_view(1, "lamp broke")
    pds.add_posts(answered)
    reply = Outgoing(key="out-2", action="reply", text="Sorry!", in_reply_to=answered["uri"])
    first = connect(pds).send(reply)
    second = connect(pds).send(reply)
    assert first.platform_id == second.platform_id
    assert len(pds.records) == 1
    other = connect(pds).send(
        Outgoing(key="out-3", action="reply", text="x", in_reply_to=answered["uri"])
    )
    assert other.platform_id != first.platform_id


def test_a_reply_whose_answer_was_lost_is_found_on_the_retry(pds: fake_bluesky.Pds) -> None:
    answered = post_view(1, "lamp broke")
    pds.add_posts(answered)
    pds.lose_next_create()
    reply = Outgoing(key="out-4", action="reply", text="Sorry!", in_reply_to=answered["uri"])
    receipt = connect(pds).send(reply)  # written, answered 502: the record is there, found
    assert receipt.platform_id == next(iter(pds.records.values()))["uri"]
    assert len(pds.records) == 1


def test_a_reply_the_pds_refuses_is_rejected_with_its_reason(pds: fake_bluesky.Pds) -> None:
    answered = post_view(1, "lamp broke")
    pds.add_posts(answered)
    too_long = Outgoing(key="out-5", action="reply", text="x" * 301, in_reply_to=answered["uri"])
    with pytest.raises(Rejected, match="300 graphemes"):
        connect(pds).send(too_long)
    assert pds.records == {}


def test_a_reply_to_a_post_that_is_gone_is_rejected(pds: fake_bluesky.Pds) -> None:
    gone = "at://did:plc:anna7m2kq5xzt4vw3ybnlr6p/app.bsky.feed.post/3lbr2kdjfzzzz"
    with pytest.raises(Rejected, match="not there"):
        connect(pds).send(Outgoing(key="k", action="reply", text="x", in_reply_to=gone))


def test_direct_messages_and_moderation_are_refused(pds: fake_bluesky.Pds) -> None:
    reader = connect(pds)
    assert reader.capabilities == frozenset({"read_mentions", "reply"})
    with pytest.raises(Rejected, match="direct messages"):
        reader.send(Outgoing(key="k", action="direct_message", text="x", recipient="matti"))
    with pytest.raises(Rejected):
        reader.moderate(Moderation(key="k", action="block", message_id=None, author_id="did:plc:x"))


@pytest.mark.parametrize("key", ["out-1", "a" * 500, "ääkköset", ""])
def test_the_record_key_is_a_valid_tid_derived_from_the_outbox_key(key: str) -> None:
    tid = record_key(key)
    assert SPEC_TID.match(tid) and TID_RE.match(tid)
    assert tid == record_key(key)
    assert tid != record_key(key + "x")
    value = 0
    for char in tid:
        value = value * 32 + bluesky.TID_ALPHABET.index(char)
    assert value < 1 << 63  # the top bit is zero
    moment = datetime.fromtimestamp((value >> 10) / 1_000_000, tz=UTC)
    assert datetime(2024, 1, 1, tzinfo=UTC) <= moment < datetime(2025, 3, 1, tzinfo=UTC)


def test_a_post_found_that_is_also_addressed_to_us_is_an_event_only(pds: fake_bluesky.Pds) -> None:
    mention = notification(1)
    view = post_view(1, mention["record"]["text"] + " lamp")
    view["uri"] = mention["uri"]
    pds.notify(mention)
    pds.add_posts(view, post_view(2, "another lamp"))
    fetched = connect(pds).read({}, Listening(terms=("lamp",)))
    assert [event.external_id for event in fetched.events] == [mention["uri"]]
    assert [event.text for event in messages(fetched.found)] == ["another lamp"]


def test_our_own_reply_found_by_a_search_is_outbound(pds: fake_bluesky.Pds) -> None:
    answered = post_view(1, "lamp broke")
    pds.add_posts(answered)
    reader = connect(pds)
    receipt = reader.send(
        Outgoing(key="out-9", action="reply", text="lamp fixed", in_reply_to=answered["uri"])
    )
    ours = post_view(2, "lamp fixed")
    ours["uri"] = receipt.platform_id
    ours["author"] = {"did": fake_bluesky.DID, "handle": fake_bluesky.HANDLE}
    pds.add_posts(ours)
    found = messages(reader.read({}, Listening(terms=("lamp",))).found)
    assert [(event.external_id, event.direction) for event in found] == [
        (receipt.platform_id, "outbound"),
        (answered["uri"], "inbound"),
    ]


def test_a_retry_after_the_post_answered_was_deleted_finds_our_reply(
    pds: fake_bluesky.Pds,
) -> None:
    answered = post_view(1, "lamp broke")
    pds.add_posts(answered)
    reply = Outgoing(key="out-10", action="reply", text="Sorry!", in_reply_to=answered["uri"])
    first = connect(pds).send(reply)
    del pds.posts[answered["uri"]]
    assert connect(pds).send(reply).platform_id == first.platform_id

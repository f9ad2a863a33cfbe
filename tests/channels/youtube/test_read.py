"""Reading comments from a local YouTube: the first read, paging, the stored cursor, edits,
replies a thread does not carry, duplicates, malformed items and rate limits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.channels.youtube import fake_youtube
from tests.channels.youtube.fake_youtube import fixture
from tests.channels.youtube.helpers import connector, reply, thread
from vastaa.channels.base import Fetched, Listening, RateLimited, Rejected
from vastaa.channels.youtube.client import seconds_to_quota_reset
from vastaa.errors import PermanentError, RetryableError
from vastaa.pipeline.events import MessageEvent

NOTHING = Listening(terms=("kide",), hashtags=("kide",))


def ids(fetched: Fetched) -> list[str]:
    return [event.external_id for event in fetched.events]


def messages(fetched: Fetched) -> list[MessageEvent]:
    return [event for event in fetched.events if isinstance(event, MessageEvent)]


def test_the_first_read_takes_the_newest_page_and_the_cursor_holds_the_newest(
    yt: fake_youtube.YouTube,
) -> None:
    yt.add_thread(fixture("comment_thread__top_level"))
    yt.add_thread(fixture("comment_thread__with_replies"))
    fetched = connector(yt).read({}, NOTHING)

    assert ids(fetched) == [
        "UgzT1Vj6Gm3kideA4eJ4AaABAg",
        "UgwReplies0kideThread4AaABAg",
        "UgwReplies0kideThread4AaABAg.9xKide0000001",
        "UgwReplies0kideThread4AaABAg.9xKide0000002",
    ]
    assert fetched.more is False and fetched.problems == [] and fetched.found == []
    assert fetched.cursor["since"] == "2025-03-04T09:15:00+00:00"
    assert fetched.cursor["at"] == ["UgzT1Vj6Gm3kideA4eJ4AaABAg"]
    (call,) = [c for c in yt.calls if c[1].endswith("commentThreads")]
    assert call[2] == {
        "part": "snippet,replies",
        "allThreadsRelatedToChannelId": fake_youtube.CHANNEL,
        "order": "time",
        "maxResults": "100",
        "textFormat": "plainText",
    }


def test_reading_again_from_the_stored_cursor_finds_nothing_new(
    yt: fake_youtube.YouTube,
) -> None:
    yt.add_thread(fixture("comment_thread__top_level"))
    youtube = connector(yt)
    first = youtube.read({}, NOTHING)
    again = youtube.read(first.cursor, NOTHING)
    assert again.events == [] and again.more is False
    assert again.cursor == first.cursor


def test_new_comments_are_paged_until_a_thread_older_than_the_cursor(
    yt: fake_youtube.YouTube,
) -> None:
    yt.add_thread(thread("old1", "2025-03-01T00:00:00Z"))
    youtube = connector(yt)
    cursor = youtube.read({}, NOTHING).cursor
    for number in range(1, 6):
        yt.add_thread(thread(f"new{number}", f"2025-03-0{number + 1}T00:00:00Z"))
    yt.page_size = 2

    first = youtube.read(cursor, NOTHING)
    assert ids(first) == ["new5", "new4"] and first.more is True
    assert first.cursor["since"] == cursor["since"]  # not moved until the scan is complete
    second = youtube.read(first.cursor, NOTHING)
    assert ids(second) == ["new3", "new2"] and second.more is True
    third = youtube.read(second.cursor, NOTHING)
    assert ids(third) == ["new1"] and third.more is False  # its page reached old1
    assert third.cursor["since"] == "2025-03-06T00:00:00+00:00"
    assert third.cursor["at"] == ["new5"] and "scan" not in third.cursor
    assert youtube.read(third.cursor, NOTHING).events == []


def test_a_page_read_twice_after_a_crash_loses_nothing(yt: fake_youtube.YouTube) -> None:
    yt.add_thread(thread("old1", "2025-03-01T00:00:00Z"))
    youtube = connector(yt)
    cursor = youtube.read({}, NOTHING).cursor
    for number in range(1, 4):
        yt.add_thread(thread(f"new{number}", f"2025-03-0{number + 1}T00:00:00Z"))
    yt.page_size = 2
    first = youtube.read(cursor, NOTHING)
    repeated = youtube.read(cursor, NOTHING)  # the first result was never stored
    assert ids(repeated) == ids(first) == ["new3", "new2"]
    assert repeated.cursor == first.cursor


def test_comments_at_the_cursors_instant_are_not_lost_nor_repeated(
    yt: fake_youtube.YouTube,
) -> None:
    yt.add_thread(thread("a", "2025-03-04T09:15:00Z"))
    youtube = connector(yt)
    cursor = youtube.read({}, NOTHING).cursor
    yt.add_thread(thread("b", "2025-03-04T09:15:00Z"))  # the same second, later
    fetched = youtube.read(cursor, NOTHING)
    assert ids(fetched) == ["b"]
    assert fetched.cursor["at"] == ["a", "b"]
    assert youtube.read(fetched.cursor, NOTHING).events == []


def test_an_edit_comes_again_with_the_same_id_and_its_edit_time(
    yt: fake_youtube.YouTube,
) -> None:
    yt.add_thread(thread("a", "2025-03-04T09:15:00Z", text="The lid leaks"))
    youtube = connector(yt)
    cursor = youtube.read({}, NOTHING).cursor
    yt.edit("a", "The lid leaks. Fixed it myself, never mind", "2025-03-04T11:00:00Z")

    (edit,) = messages(youtube.read(cursor, NOTHING))
    assert edit.external_id == "a"
    assert edit.text == "The lid leaks. Fixed it myself, never mind"
    assert edit.created_at == datetime(2025, 3, 4, 9, 15, tzinfo=UTC)
    assert edit.edited_at == datetime(2025, 3, 4, 11, 0, tzinfo=UTC)


def test_a_new_reply_to_a_known_thread_is_read(yt: fake_youtube.YouTube) -> None:
    yt.add_thread(thread("a", "2025-03-04T09:15:00Z"))
    youtube = connector(yt)
    cursor = youtube.read({}, NOTHING).cursor
    yt.add_reply("a", reply("a", "r1", "2025-03-04T12:00:00Z", text="any news?"))
    (event,) = messages(youtube.read(cursor, NOTHING))
    assert (event.external_id, event.kind, event.parent_id) == ("a.r1", "reply", "a")


def test_replies_a_thread_does_not_carry_are_listed_once_per_change(
    yt: fake_youtube.YouTube,
) -> None:
    yt.carried = 2
    yt.add_thread(thread("a", "2025-03-04T09:15:00Z"))
    for number in range(1, 5):
        yt.add_reply("a", reply("a", f"r{number}", f"2025-03-04T1{number}:00:00Z"))
    youtube = connector(yt)
    first = youtube.read({}, NOTHING)
    assert ids(first) == ["a", "a.r1", "a.r2", "a.r3", "a.r4"]  # no duplicates of r1, r2
    assert list(first.cursor["replies"]) == ["a"]
    listed = yt.paths().count("GET /youtube/v3/comments")
    assert youtube.read(first.cursor, NOTHING).events == []
    assert yt.paths().count("GET /youtube/v3/comments") == listed  # unchanged: not listed

    yt.add_reply("a", reply("a", "r5", "2025-03-04T16:00:00Z"))
    assert ids(youtube.read(first.cursor, NOTHING)) == ["a.r5"]


def test_a_reply_posted_after_one_was_deleted_is_read_though_the_count_is_the_same(
    yt: fake_youtube.YouTube,
) -> None:
    yt.carried = 2
    yt.add_thread(thread("a", "2025-03-04T09:15:00Z"))
    for number in range(1, 5):
        yt.add_reply("a", reply("a", f"r{number}", f"2025-03-04T1{number}:00:00Z"))
    youtube = connector(yt)
    cursor = youtube.read({}, NOTHING).cursor
    yt.replies["a"].pop(0)  # a.r1 deleted ...
    yt.add_reply("a", reply("a", "r5", "2025-03-04T16:00:00Z"))  # ... and a.r5 posted
    assert ids(youtube.read(cursor, NOTHING)) == ["a.r5"]


@pytest.mark.parametrize("count", ["lots", "1,2k", "9" * 5000, None, [3], 2.5])
def test_an_unreadable_reply_count_is_a_problem_and_the_thread_is_kept(
    yt: fake_youtube.YouTube, count: object
) -> None:
    yt.add_thread(fixture("comment_thread__with_replies"))
    yt.add_thread(thread("b", "2025-03-04T09:15:00Z"))
    yt.fail_next_with(200, _threads_page(yt, count))
    fetched = connector(yt).read({}, NOTHING)
    assert "b" in ids(fetched) and "UgwReplies0kideThread4AaABAg" in ids(fetched)
    assert len(ids(fetched)) == 4  # b, the top-level comment and the 2 replies it carries
    if count is None:
        assert fetched.problems == []  # a count left out: the replies it carries
    else:
        (problem,) = fetched.problems
        assert "UgwReplies0kideThread4AaABAg" in problem and "totalReplyCount" in problem


def _threads_page(yt: fake_youtube.YouTube, count: object) -> dict[str, Any]:
    """The threads page the fake would answer, the first thread's reply count replaced."""
    shown = [fake_youtube._shown(yt, t) for t in yt.threads.values()]
    snippet = shown[0]["snippet"]
    snippet.pop("totalReplyCount")
    if count is not None:
        snippet["totalReplyCount"] = count
    return {"kind": "youtube#commentThreadListResponse", "items": shown}


def test_a_comment_with_an_oversized_author_id_is_a_problem_and_the_rest_is_kept(
    yt: fake_youtube.YouTube,
) -> None:
    yt.add_thread(thread("a", "2025-03-04T09:15:00Z"))
    broken = thread("b", "2025-03-04T10:15:00Z")
    broken["snippet"]["topLevelComment"]["snippet"]["authorChannelId"] = {"value": "U" * 300}
    yt.add_thread(broken)
    fetched = connector(yt).read({}, NOTHING)
    assert ids(fetched) == ["a"]
    (problem,) = fetched.problems
    assert "comment b skipped" in problem


def test_a_comment_repeated_across_pages_is_the_same_event(yt: fake_youtube.YouTube) -> None:
    yt.add_thread(thread("old1", "2025-03-01T00:00:00Z"))
    youtube = connector(yt)
    cursor = youtube.read({}, NOTHING).cursor
    for number in range(1, 4):
        yt.add_thread(thread(f"new{number}", f"2025-03-0{number + 1}T00:00:00Z"))
    yt.page_size = 2
    first = youtube.read(cursor, NOTHING)
    yt.add_thread(thread("new4", "2025-03-05T00:00:00Z"))  # shifts new2 onto the next page
    second = youtube.read(first.cursor, NOTHING)
    repeated = set(ids(first)) & set(ids(second))
    assert repeated == {"new2"}
    one, other = (e for e in messages(first) + messages(second) if e.external_id == "new2")
    assert one.model_dump() == other.model_dump()  # ingestion stores it once


def test_a_malformed_thread_is_a_problem_and_the_rest_is_kept(
    yt: fake_youtube.YouTube,
) -> None:
    yt.add_thread(fixture("comment_thread__top_level"))
    yt.add_thread(fixture("comment_thread__malformed"))
    yt.add_thread(fixture("comment_thread__edited"))
    fetched = connector(yt).read({}, NOTHING)
    assert ids(fetched) == ["UgzT1Vj6Gm3kideA4eJ4AaABAg", "UgxEdited0kideThread04AaABAg"]
    (problem,) = fetched.problems
    assert "UgzBroken0kideThread04AaABAg" in problem and "publishedAt is missing" in problem


def test_a_429_says_how_long_to_wait(yt: fake_youtube.YouTube) -> None:
    yt.fail_next_with(429, fixture("error__rate_limited"))
    yt.failures[0].headers["Retry-After"] = "30"
    with pytest.raises(RateLimited, match="rateLimitExceeded") as raised:
        connector(yt).read({}, NOTHING)
    assert raised.value.retry_after == 30


def test_a_spent_quota_waits_until_midnight_pacific(yt: fake_youtube.YouTube) -> None:
    yt.fail_next_with(403, fixture("error__quota_exceeded"))
    with pytest.raises(RateLimited, match="quotaExceeded") as raised:
        connector(yt).read({}, NOTHING)
    assert raised.value.retry_after is not None and 0 < raised.value.retry_after <= 25 * 3600


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (datetime(2025, 3, 4, 7, 0, tzinfo=UTC), 1 * 3600),  # 23:00 PST
        (datetime(2025, 7, 4, 6, 30, tzinfo=UTC), 30 * 60),  # 23:30 PDT
        (datetime(2025, 7, 4, 7, 0, tzinfo=UTC), 24 * 3600),  # midnight PDT: a whole day
    ],
)
def test_the_quota_resets_at_midnight_pacific(now: datetime, seconds: float) -> None:
    assert seconds_to_quota_reset(now) == seconds


def test_a_server_error_is_retryable(yt: fake_youtube.YouTube) -> None:
    yt.fail_next(503, "backendError", "Backend Error")
    with pytest.raises(RetryableError, match="Backend Error") as raised:
        connector(yt).read({}, NOTHING)
    assert not isinstance(raised.value, PermanentError | RateLimited)


def test_a_refused_token_is_rejected_without_the_token(yt: fake_youtube.YouTube) -> None:
    secret = "ya29.wrong-token-secret"
    with pytest.raises(Rejected, match="access token was refused") as raised:
        connector(yt, {"access_token": secret}).read({}, NOTHING)
    assert secret not in str(raised.value)

"""Reading a Mastodon account against a local Mastodon server: mentions, replies and direct
messages through the notifications, hashtags and searches for listening; the cursor, the pages,
rate limits and refusals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from tests.channels import fake_mastodon
from tests.channels.mastodon.helpers import connect, load, matching, mention, tagged
from vastaa.channels.base import ChannelSetup, Fetched, Listening, RateLimited, Rejected
from vastaa.channels.mastodon.client import CAPABILITIES, PAGE_SIZE, MastodonConnector
from vastaa.errors import PermanentError, RetryableError
from vastaa.pipeline.events import Event, MessageEvent

NOTHING = Listening()


def ids(events: Sequence[Event]) -> list[str]:
    return [event.external_id for event in events if isinstance(event, MessageEvent)]


def messages(fetched: Fetched) -> dict[str, MessageEvent]:
    return {e.external_id: e for e in fetched.events if isinstance(e, MessageEvent)}


def test_check_says_whom_the_token_signs_in_as(mastodon: MastodonConnector) -> None:
    assert mastodon.check() == "signed in as @kide"


def test_a_first_read_brings_mentions_replies_and_direct_messages(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    for name in ("mention", "reply", "direct"):
        server.add_notification(load(f"notification__{name}"))
    favourite = load("notification__mention") | {"id": "34975899", "type": "favourite"}
    server.add_notification(favourite)  # not asked for

    fetched = mastodon.read({}, NOTHING)

    by_id = messages(fetched)
    assert {e.kind for e in by_id.values()} == {"mention", "reply", "direct_message"}
    assert by_id["110100000000000007"].parent_id == "110000000000000001"
    assert by_id["110100000000000009"].public is False
    assert fetched.cursor == {"notifications": "34975880"}
    assert (fetched.found, fetched.more, fetched.wait, fetched.problems) == ([], False, None, [])
    path, params = server.reads[-1]
    assert path == "/api/v1/notifications"
    assert params["types"] == ["mention", "update"] and "min_id" not in params


def test_a_first_read_takes_only_the_newest_page(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    for number in range(1, PAGE_SIZE + 6):
        server.add_notification(mention(number))

    fetched = mastodon.read({}, NOTHING)

    assert len(fetched.events) == PAGE_SIZE and fetched.more is False  # no deep backfill
    assert fetched.cursor == {"notifications": str(35000000 + PAGE_SIZE + 5)}


def test_pages_are_read_to_the_end_and_a_restart_from_the_cursor_brings_nothing_new(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_notification(mention(0))
    cursor = mastodon.read({}, NOTHING).cursor
    for number in range(1, PAGE_SIZE + 6):
        server.add_notification(mention(number))

    first = mastodon.read(cursor, NOTHING)
    second = mastodon.read(first.cursor, NOTHING)
    again = connect(server).read(second.cursor, NOTHING)  # a restart: a new connector

    assert (len(first.events), first.more) == (PAGE_SIZE, True)
    assert first.cursor == {"notifications": str(35000000 + PAGE_SIZE)}
    assert (len(second.events), second.more) == (5, False)
    assert sorted(ids(first.events) + ids(second.events)) == sorted(
        str(110100000000100000 + n) for n in range(1, PAGE_SIZE + 6)
    )
    assert (again.events, again.more, again.cursor) == ([], False, second.cursor)
    assert server.reads[-1][1]["min_id"] == second.cursor["notifications"]


def test_reading_the_same_page_twice_gives_the_same_events(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_notification(mention(0))
    cursor = mastodon.read({}, NOTHING).cursor
    server.add_notification(mention(1))

    once, twice = mastodon.read(cursor, NOTHING), mastodon.read(cursor, NOTHING)

    assert ids(once.events) == ids(twice.events) and once.cursor == twice.cursor


def test_an_edit_comes_back_as_the_same_status_with_its_edit_time(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_notification(load("notification__mention"))
    first = mastodon.read({}, NOTHING)
    server.add_notification(load("notification__update"))

    edit = mastodon.read(first.cursor, NOTHING)

    [original], [edited] = first.events, edit.events
    assert isinstance(original, MessageEvent) and isinstance(edited, MessageEvent)
    assert edited.external_id == original.external_id
    assert original.edited_at is None and edited.edited_at is not None
    assert "Lisäys" in edited.text
    assert edit.cursor == {"notifications": "34975890"}


def test_a_status_and_its_edit_in_one_page_come_as_the_edit_only(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_notification(load("notification__mention"))
    server.add_notification(load("notification__update"))

    [event] = mastodon.read({}, NOTHING).events

    assert isinstance(event, MessageEvent) and event.edited_at is not None


def test_a_malformed_status_is_a_problem_and_the_rest_of_the_page_is_kept(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_notification(load("notification__mention"))
    server.add_notification(load("notification__malformed"))  # the newest
    server.add_notification(load("notification__reply"))

    fetched = mastodon.read({}, NOTHING)

    assert sorted(ids(fetched.events)) == ["110100000000000001", "110100000000000007"]
    assert fetched.problems == ["notifications: status 110100000000000011: no account"]
    assert fetched.cursor == {"notifications": "34975895"}  # past it: it will not get better


def test_hashtags_and_searches_are_found_and_a_mention_among_them_is_an_event(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    notification = load("notification__mention")
    also_tagged = notification["status"] | {"tags": [{"name": "kide", "url": "x"}]}
    server.add_notification(notification)
    server.add_status(also_tagged)
    server.add_status(load("status__hashtag"))
    server.add_status(load("status__search"))
    listening = Listening(terms=("kide app",), hashtags=("#Kide",))

    fetched = mastodon.read({}, listening)

    assert ids(fetched.events) == ["110100000000000001"]
    assert sorted(ids(fetched.found)) == ["110200000000000001", "110300000000000001"]
    kinds = {e.external_id: e.kind for e in fetched.found if isinstance(e, MessageEvent)}
    assert kinds == {"110200000000000001": "post", "110300000000000001": "reply"}
    assert fetched.cursor == {
        "notifications": "34975861",
        "tags": {"kide": "110200000000000001"},
        "terms": {"kide app": {"since": "110300000000000001"}},
    }
    searched = [params for path, params in server.reads if path == "/api/v2/search"]
    assert searched[0]["q"] == "kide app" and searched[0]["type"] == "statuses"


def test_a_hashtag_timeline_pages_forward_from_its_cursor(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_status(tagged(0))
    listening = Listening(hashtags=("kide",))
    cursor = mastodon.read({}, listening).cursor
    for number in range(1, PAGE_SIZE + 3):
        server.add_status(tagged(number))

    first = mastodon.read(cursor, listening)
    second = mastodon.read(first.cursor, listening)
    third = mastodon.read(second.cursor, listening)

    assert (len(first.found), first.more, len(second.found), second.more) == (40, True, 2, False)
    assert len(set(ids(first.found) + ids(second.found))) == PAGE_SIZE + 2
    assert (third.found, third.cursor) == ([], second.cursor)


def test_a_search_with_more_than_a_page_is_followed_down_before_it_moves_on(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_status(matching(0))
    listening = Listening(terms=("kide app",))
    cursor = mastodon.read({}, listening).cursor
    for number in range(1, PAGE_SIZE + 6):
        server.add_status(matching(number))

    first = mastodon.read(cursor, listening)
    server.add_status(matching(100))  # arrives while the search is followed down
    second = mastodon.read(first.cursor, listening)
    third = mastodon.read(second.cursor, listening)
    fourth = mastodon.read(third.cursor, listening)

    top = str(110300000000100000 + PAGE_SIZE + 5)
    assert (len(first.found), first.more) == (PAGE_SIZE, True)
    assert first.cursor["terms"]["kide app"]["top"] == top
    assert (len(second.found), second.more) == (5, False)
    assert second.cursor["terms"]["kide app"] == {"since": top}
    assert ids(third.found) == [str(110300000000100100)]
    found = ids(first.found) + ids(second.found) + ids(third.found)
    assert sorted(found) == sorted({str(110300000000100000 + n) for n in [*range(1, 46), 100]})
    assert fourth.found == []
    searches = [params for path, params in server.reads if path == "/api/v2/search"]
    below = first.cursor["terms"]["kide app"]["below"]
    assert (searches[2]["min_id"], searches[2]["max_id"]) == (
        cursor["terms"]["kide app"]["since"],
        below,
    )


def test_listening_added_later_starts_fresh_and_removed_listening_leaves_the_cursor(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    for number in range(3):
        server.add_status(tagged(number, "kide"))
        server.add_status(tagged(10 + number, "kahvi"))
    cursor = mastodon.read({}, Listening(hashtags=("kide",))).cursor

    fetched = mastodon.read(cursor, Listening(hashtags=("kahvi",)))

    assert sorted(ids(fetched.found)) == [str(110200000000100010 + n) for n in range(3)]
    assert fetched.cursor == {"tags": {"kahvi": str(110200000000100012)}}


def test_a_hashtag_the_server_has_never_seen_is_empty_not_an_error(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    fetched = mastodon.read({}, Listening(hashtags=("neverused", "not a tag")))

    assert (fetched.found, fetched.cursor) == ([], {})
    assert fetched.problems == ["#not a tag: a hashtag has only letters, digits and _"]


def test_a_rate_limit_says_how_long_to_wait_and_nothing_moves(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_notification(mention(1))
    server.rate_limit_next(120)

    with pytest.raises(RateLimited) as raised:
        mastodon.read({"notifications": "1"}, NOTHING)

    assert raised.value.retry_after is not None and 100 < raised.value.retry_after <= 121


def test_a_rate_limit_after_some_sources_keeps_what_was_read_and_says_wait(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_notification(mention(1))
    server.add_status(tagged(1))
    server.rate_limit_next(90, path="/api/v1/timelines/tag/")
    cursor = {"notifications": "1", "tags": {"kide": "2"}}

    fetched = mastodon.read(cursor, Listening(hashtags=("kide",)))

    assert ids(fetched.events) == ["110100000000100001"] and fetched.found == []
    assert fetched.cursor == {"notifications": "35000001", "tags": {"kide": "2"}}
    assert fetched.wait is not None and 60 < fetched.wait <= 91


def test_the_last_request_of_the_window_says_wait_and_the_rest_waits(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_notification(mention(1))
    server.add_status(tagged(1))
    server.remaining = 0

    fetched = mastodon.read({}, Listening(hashtags=("kide",)))

    assert ids(fetched.events) == ["110100000000100001"] and fetched.found == []
    assert fetched.cursor == {"notifications": "35000001"}  # the hashtag: next time
    assert fetched.more is True
    assert fetched.wait is not None and 250 < fetched.wait <= 301


def test_a_refused_token_is_a_refusal_without_the_token(server: fake_mastodon.Instance) -> None:
    secret = "wrong-secret-token-value"
    mastodon = connect(server, token=secret)

    with pytest.raises(Rejected, match="access token was refused") as read:
        mastodon.read({}, NOTHING)
    with pytest.raises(Rejected, match="access token was refused") as checked:
        mastodon.check()

    assert secret not in str(read.value) and secret not in str(checked.value)


def test_a_refused_search_is_a_problem_and_the_rest_is_read(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_notification(mention(1))
    refusal = "This action is outside the authorized scopes"
    server.fail_next(403, refusal, path="/api/v2/search")
    cursor = {"notifications": "1", "terms": {"kide app": {"since": "5"}}}

    fetched = mastodon.read(cursor, Listening(terms=("kide app",)))

    assert ids(fetched.events) == ["110100000000100001"]
    assert fetched.problems == [f"search 'kide app': mastodon: {refusal}"]
    assert fetched.cursor["terms"] == {"kide app": {"since": "5"}}


def test_a_server_error_is_retryable(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.fail_next(503, "Service Unavailable")

    with pytest.raises(RetryableError):
        mastodon.read({}, NOTHING)


@pytest.mark.parametrize(
    "cursor",
    [
        {"notifications": {"not": "an id"}, "tags": "oops", "terms": ["x"]},
        {"notifications": None, "tags": {"kide": None}, "terms": {"kide app": "5"}},
    ],
)
def test_a_damaged_cursor_starts_its_sources_afresh(
    server: fake_mastodon.Instance, mastodon: MastodonConnector, cursor: dict[str, Any]
) -> None:
    server.add_notification(mention(1))
    server.add_status(tagged(1))
    server.add_status(matching(1))

    fetched = mastodon.read(cursor, Listening(terms=("kide app",), hashtags=("kide",)))

    assert (len(fetched.events), len(fetched.found)) == (1, 2)
    assert set(fetched.cursor) == {"notifications", "tags", "terms"}


def test_reading_is_declared_and_the_server_defaults_to_the_accounts() -> None:
    assert {"read_mentions", "read_direct_messages"} <= CAPABILITIES
    assert "read_comments" not in CAPABILITIES

    built = MastodonConnector.build(ChannelSetup("kide@mastodon.example", {}, {"token": "t"}))
    assert built.api.api_base_url == "https://mastodon.example"
    for account, config in [
        ("kide", {}),
        ("kide@mastodon.example", {"base_url": "http://mastodon.example"}),
        ("kide@mastodon.example", {"base_url": "http://127.0.0.1.evil.example"}),
    ]:
        with pytest.raises(PermanentError, match="https:// base_url"):
            MastodonConnector.build(ChannelSetup(account, config, {"token": "t"}))
    with pytest.raises(PermanentError, match="access token"):
        MastodonConnector.build(ChannelSetup("kide@mastodon.example", {}, {}))


def test_a_page_not_in_mastodons_shape_is_a_problem_and_the_cursor_stays(
    server: fake_mastodon.Instance, mastodon: MastodonConnector
) -> None:
    server.add_notification(mention(1))
    server.fail_next(200, "not a list", path="/api/v1/notifications")

    fetched = mastodon.read({"notifications": "1"}, NOTHING)

    assert fetched.events == [] and fetched.cursor == {"notifications": "1"}
    assert fetched.problems == ["notifications: the page is not a list"]

"""Reading Reddit against the local Reddit: the inbox into events, subreddits and search into
found, paging through the cursor, edits, deletions, rate limits and refusals."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.channels.reddit import fake_reddit
from tests.channels.reddit.connect import connector
from tests.channels.reddit.fake_reddit import comment, message, reply, submission
from vastaa.channels.base import Fetched, Listening, RateLimited, Rejected
from vastaa.errors import PermanentError, RetryableError
from vastaa.pipeline.events import DeleteEvent, MessageEvent

# asyncprawcore signs the token request with aiohttp's BasicAuth, which aiohttp 3.14 deprecates
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
NOTHING = Listening()
T0 = 1718000000.0


def ids(fetched: Fetched, found: bool = False) -> list[str]:
    return [e.external_id for e in (fetched.found if found else fetched.events)]


def replies(server: fake_reddit.Reddit, *numbers: int) -> None:
    server.inbox.extend(reply(f"r{n}", T0 + n, f"reply {n}") for n in numbers)


def test_the_token_comes_from_the_password_grant_and_check_names_the_account(
    server: fake_reddit.Reddit,
) -> None:
    assert connector(server).check() == "signed in as u/kide_support"
    assert server.tokens == [
        {"grant_type": "password", "username": "kide_support", "password": fake_reddit.PASSWORD}
    ]
    assert server.paths() == ["/api/v1/me"]


def test_the_first_read_takes_only_the_newest_page(server: fake_reddit.Reddit) -> None:
    replies(server, 1, 2, 3, 4, 5)
    fetched = connector(server, page_size=2).read({}, NOTHING)
    assert ids(fetched) == ["t1_r5", "t1_r4"] and not fetched.more and fetched.wait is None
    assert fetched.cursor["sources"]["inbox"] == {"top": {"name": "t1_r5", "created": T0 + 5}}
    assert all(isinstance(e, MessageEvent) and e.kind == "reply" for e in fetched.events)
    assert fetched.found == [] and fetched.problems == []


def test_pages_are_followed_with_after_until_the_stored_item(server: fake_reddit.Reddit) -> None:
    reddit = connector(server, page_size=2)
    replies(server, 1)
    cursor = reddit.read({}, NOTHING).cursor
    replies(server, 2, 3, 4, 5, 6, 7, 8)

    first = reddit.read(cursor, NOTHING)  # three pages of two, the stored item not yet met
    assert ids(first) == ["t1_r8", "t1_r7", "t1_r6", "t1_r5", "t1_r4", "t1_r3"] and first.more
    assert [r.params.get("after") for r in server.requests[-3:]] == [None, "t1_r7", "t1_r5"]
    assert first.cursor["sources"]["inbox"]["fill"] == {
        "after": "t1_r3",
        "stop": {"name": "t1_r1", "created": T0 + 1},
    }

    second = reddit.read(first.cursor, NOTHING)  # goes on where it stopped
    assert ids(second) == ["t1_r2"] and not second.more
    assert second.cursor["sources"]["inbox"] == {"top": {"name": "t1_r8", "created": T0 + 8}}

    replies(server, 9)
    assert ids(reddit.read(second.cursor, NOTHING)) == ["t1_r9"]


def test_reading_again_from_the_stored_cursor_returns_nothing_new(
    server: fake_reddit.Reddit,
) -> None:
    replies(server, 1, 2)
    reddit = connector(server)
    first = reddit.read({}, NOTHING)
    again = reddit.read(first.cursor, NOTHING)
    assert again.events == [] and again.found == [] and not again.more
    assert again.cursor["sources"] == first.cursor["sources"]


def test_a_vanished_stored_item_still_stops_the_walk(server: fake_reddit.Reddit) -> None:
    replies(server, 1, 2)
    reddit = connector(server)
    cursor = reddit.read({}, NOTHING).cursor
    server.inbox.pop()  # t1_r2, the stored one, is gone from the listing
    replies(server, 3)
    fetched = reddit.read(cursor, NOTHING)
    assert ids(fetched) == ["t1_r3"] and not fetched.more


def test_duplicates_in_a_page_are_delivered_once(server: fake_reddit.Reddit) -> None:
    replies(server, 1)
    server.inbox.append(server.inbox[0])
    assert ids(connector(server).read({}, NOTHING)) == ["t1_r1"]


def test_a_malformed_item_is_a_problem_and_the_rest_is_kept(server: fake_reddit.Reddit) -> None:
    replies(server, 1, 3)
    broken = reply("r2", T0 + 2, "no author")
    del broken["data"]["author"]
    server.inbox.append(broken)
    fetched = connector(server).read({}, NOTHING)
    assert ids(fetched) == ["t1_r3", "t1_r1"]
    assert fetched.problems == ["inbox: reddit: t1_r2 has no author"]


def test_mentions_and_private_messages_are_events(server: fake_reddit.Reddit) -> None:
    server.inbox.append(reply("m1", T0 + 1, "hey u/kide_support", kind="username_mention"))
    server.inbox.append(message("d1", T0 + 2, "a private question"))
    fetched = connector(server).read({}, NOTHING)
    kinds = [(e.kind, e.public) for e in fetched.events if isinstance(e, MessageEvent)]
    assert kinds == [("direct_message", False), ("mention", True)]


def test_an_edited_reply_comes_again_with_its_edit_time(server: fake_reddit.Reddit) -> None:
    server.inbox.append(reply("m1", T0 + 1, "hey u/kide_support", kind="username_mention"))
    reddit = connector(server)
    first = reddit.read({}, NOTHING)
    assert first.cursor["watch"] == {"t1_m1": {"edited": 0.0, "kind": "mention"}}

    server.edit("t1_m1", "hey u/kide_support, never mind, solved")
    second = reddit.read(first.cursor, NOTHING)
    (edited,) = second.events
    assert isinstance(edited, MessageEvent) and edited.external_id == "t1_m1"
    assert edited.kind == "mention" and edited.text.endswith("never mind, solved")
    assert edited.edited_at is not None
    assert ("/api/info", "t1_m1") in [(r.path, r.params.get("id")) for r in server.requests]

    assert reddit.read(second.cursor, NOTHING).events == []  # told once


def test_a_deleted_reply_becomes_a_deletion(server: fake_reddit.Reddit) -> None:
    replies(server, 1)
    reddit = connector(server)
    first = reddit.read({}, NOTHING)
    server.delete("t1_r1")
    second = reddit.read(first.cursor, NOTHING)
    assert [(type(e), e.external_id) for e in second.events] == [(DeleteEvent, "t1_r1")]
    assert second.cursor["watch"] == {}


def test_subreddits_and_searches_are_found(server: fake_reddit.Reddit) -> None:
    server.world += [
        submission("p1", T0 + 1, "Kide lamp broke", sub="Kide"),
        submission("p2", T0 + 2, "My kide lamp review", sub="BuyItForLife"),
        submission("p3", T0 + 3, "Unrelated", sub="cats"),
        comment("c1", T0 + 4, "same here", sub="kide"),
        comment("c2", T0 + 5, "thanks!", author="kide_support"),
    ]
    listening = Listening(terms=("kide lamp",), hashtags=("kidelamp",))
    fetched = connector(server, subreddits="Kide, r/Finland").read({}, listening)
    assert ids(fetched, found=True) == ["t3_p1", "t1_c2", "t1_c1", "t3_p2"]
    ours = fetched.found[1]
    assert isinstance(ours, MessageEvent) and ours.direction == "outbound"
    searched = [r.params for r in server.requests if r.path == "/search"]
    assert [(p["q"], p["sort"]) for p in searched] == [("kide lamp", "new"), ("kidelamp", "new")]
    assert set(fetched.cursor["sources"]) == {
        "inbox",
        "r/Kide+Finland/new",
        "r/Kide+Finland/comments",
        "search:kide lamp",
        "search:kidelamp",
    }
    assert fetched.cursor["sources"]["inbox"] == {"top": {"name": "", "created": 0.0}}


def test_what_comes_after_an_empty_first_read_is_all_new(server: fake_reddit.Reddit) -> None:
    reddit = connector(server, page_size=2)
    cursor = reddit.read({}, NOTHING).cursor
    replies(server, 1, 2, 3)
    fetched = reddit.read(cursor, NOTHING)
    assert ids(fetched) == ["t1_r3", "t1_r2", "t1_r1"] and not fetched.more


def test_search_can_be_kept_to_the_subreddits(server: fake_reddit.Reddit) -> None:
    server.world += [
        submission("p1", T0 + 1, "Kide lamp broke", sub="Kide"),
        submission("p2", T0 + 2, "My kide lamp review", sub="BuyItForLife"),
    ]
    reddit = connector(server, subreddits="Kide", search="subreddits")
    fetched = reddit.read({}, Listening(terms=("kide lamp",)))
    assert ids(fetched, found=True) == ["t3_p1"]
    assert "/r/Kide/search" in server.paths()


def test_a_429_says_how_long_to_wait(server: fake_reddit.Reddit) -> None:
    server.rate_limit_next(reset=120, retry_after=30)
    with pytest.raises(RateLimited) as raised:
        connector(server).read({}, NOTHING)
    assert raised.value.retry_after == 30

    server.rate_limit_next(reset=120)  # no Retry-After: Reddit's reset header
    with pytest.raises(RateLimited) as raised:
        connector(server).read({}, NOTHING)
    assert raised.value.retry_after == 120


def test_no_calls_left_ends_the_read_and_says_when_to_come_back(
    server: fake_reddit.Reddit,
) -> None:
    replies(server, 1)
    server.remaining, server.reset = 1, 240  # the first answer says 0 remain
    listening = Listening(terms=("kide",))
    fetched = connector(server, subreddits="Kide").read({}, listening)
    assert ids(fetched) == ["t1_r1"] and fetched.more and fetched.wait == 240
    assert server.paths() == ["/message/inbox"]
    assert list(fetched.cursor["sources"]) == ["inbox"]


def test_a_wrong_password_is_refused_without_the_secret(server: fake_reddit.Reddit) -> None:
    with pytest.raises(Rejected, match="username or password was refused") as raised:
        connector(server, password="wrong-password-123").read({}, NOTHING)
    assert "wrong-password-123" not in str(raised.value)
    assert fake_reddit.CLIENT_SECRET not in str(raised.value)
    assert server.requests == []


def test_a_wrong_app_secret_is_refused(server: fake_reddit.Reddit) -> None:
    reddit = connector(server)
    reddit.settings = replace(reddit.settings, client_secret="not-the-secret")
    with pytest.raises(Rejected, match="HTTP 401") as raised:
        reddit.check()
    assert "not-the-secret" not in str(raised.value)


def test_an_unreachable_reddit_is_retryable(server: fake_reddit.Reddit) -> None:
    reddit = connector(server)
    with fake_reddit.running() as gone:
        url = gone.base_url
    reddit.settings = replace(reddit.settings, oauth_url=url, reddit_url=url)
    with pytest.raises(RetryableError) as raised:
        reddit.read({}, NOTHING)
    assert not isinstance(raised.value, PermanentError)


def secrets_in(error: BaseException | None) -> list[str]:
    """The credentials anywhere in ``error``, its arguments, its attributes or its chain."""
    found: list[str] = []
    while error is not None:
        text = f"{error} {error.args!r} {vars(error)!r}"
        found += [s for s in (fake_reddit.PASSWORD, fake_reddit.CLIENT_SECRET) if s in text]
        error = error.__cause__ or error.__context__
    return found


def test_a_failed_sign_in_carries_no_credential_in_its_chain(server: fake_reddit.Reddit) -> None:
    reddit = connector(server)
    with fake_reddit.running() as gone:
        url = gone.base_url
    reddit.settings = replace(reddit.settings, oauth_url=url, reddit_url=url)
    with pytest.raises(RetryableError, match="reddit: RequestException") as raised:
        reddit.check()
    assert "Connect" in str(raised.value)  # still says what went wrong
    assert secrets_in(raised.value) == []
    assert raised.value.__cause__ is None and raised.value.__context__ is None


def test_a_refused_password_carries_no_credential_in_its_chain(
    server: fake_reddit.Reddit,
) -> None:
    with pytest.raises(Rejected) as raised:
        connector(server, password=fake_reddit.PASSWORD + "x").check()
    assert secrets_in(raised.value) == []
    assert raised.value.__cause__ is None and raised.value.__context__ is None


def test_check_refuses_another_account(server: fake_reddit.Reddit) -> None:
    server.me = "someone_else"
    with pytest.raises(Rejected, match="signed in as u/someone_else, not u/kide_support"):
        connector(server).check()

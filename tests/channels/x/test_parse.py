"""X payloads (fixtures in the documented shape) → canonical events, one test per fixture."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.channels.x.fake_x import OUR_ID, fixture
from vastaa.channels.base import Listening, MalformedPayload
from vastaa.channels.x import parse
from vastaa.channels.x.client import search_queries
from vastaa.pipeline.events import ChannelRef, MessageEvent

OURS = ChannelRef(platform="x", account=OUR_ID)


def events(name: str, found: bool = False) -> list[MessageEvent]:
    page = fixture(name)
    includes = parse.Includes.of(page)
    return [parse.tweet_event(t, includes, OURS, OUR_ID, found=found) for t in page["data"]]


def test_a_mention_and_a_reply_to_our_post() -> None:
    mention, reply = events("mentions__page")
    assert (mention.kind, mention.external_id) == ("mention", "1896858151941074944")
    assert mention.text == "@kide my order #4411 hasn't arrived & nobody answers <3 days> now"
    assert (mention.author.handle, mention.author.name) == ("ainokorhonen", "Aino Korhonen")
    assert mention.author.followers == 311 and mention.author.verified is False
    assert mention.thread_id == "1896858151941074944" and mention.parent_id is None
    assert mention.created_at == datetime(2025, 3, 4, 9, 40, tzinfo=UTC)
    assert [m.url for m in mention.media] == ["https://pbs.twimg.com/media/GlKide0XkAA1a2b.jpg"]
    assert mention.url == "https://x.com/ainokorhonen/status/1896858151941074944"
    assert mention.lang == "en" and mention.raw == fixture("mentions__page")["data"][0]

    assert reply.kind == "reply"
    assert reply.parent_id == reply.thread_id == "1896530996229074944"
    assert reply.author.verified is True and reply.author.followers == 12040


def test_an_edit_is_the_original_post_with_its_edit_time() -> None:
    (edit,) = events("mentions__edited")
    assert edit.external_id == "1896851860485074944"  # the first id of the edit history
    assert edit.created_at == datetime(2025, 3, 4, 9, 15, tzinfo=UTC)  # from the original id
    assert edit.edited_at == datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
    assert edit.raw is not None and edit.raw["id"] == "1896863185105874944"


def test_a_malformed_post_is_refused_with_its_reason() -> None:
    page = fixture("mentions__malformed")
    with pytest.raises(MalformedPayload, match="created_at is missing"):
        parse.tweet_event(page["data"][0], parse.Includes.of(page), OURS, OUR_ID)


def _page_with(change: str) -> dict[str, Any]:
    page = fixture("mentions__page")
    tweet, user = page["data"][0], page["includes"]["users"][0]
    if change == "long author_id":
        tweet["author_id"] = user["id"] = "1" * 300
    elif change == "followers as text":
        user["public_metrics"]["followers_count"] = "1,2k"
    elif change == "huge edit id":
        tweet["edit_history_tweet_ids"] = ["9" * 40, tweet["id"]]
    elif change == "edit id not a number":
        tweet["edit_history_tweet_ids"] = ["abc", tweet["id"]]
    elif change == "media keys not a list":
        tweet["attachments"] = {"media_keys": 5}
    elif change == "media type not text":
        page["includes"]["media"][0]["type"] = ["photo"]
    return page


@pytest.mark.parametrize(
    "change",
    [
        "long author_id",
        "followers as text",
        "huge edit id",
        "edit id not a number",
        "media keys not a list",
        "media type not text",
    ],
)
def test_a_value_of_the_wrong_kind_is_malformed_not_a_crash(change: str) -> None:
    page = _page_with(change)
    with pytest.raises(MalformedPayload):
        parse.tweet_event(page["data"][0], parse.Includes.of(page), OURS, OUR_ID)


def test_a_page_with_partial_errors_still_has_its_posts() -> None:
    (event,) = events("mentions__partial_error")
    assert event.external_id == "1896853118776274944"


def test_a_found_post_is_a_post() -> None:
    (post,) = events("search_recent__page", found=True)
    assert (post.kind, post.author.handle) == ("post", "pekka_h")
    assert post.text.endswith('"Kide kettle" quality is not what it was #kidefail')


def test_our_own_post_is_outbound() -> None:
    (ours,) = events("tweets__our_original")
    assert ours.direction == "outbound"


def test_leading_mentions_are_not_part_of_a_replys_text() -> None:
    assert parse.without_mentions("@aino @kide  Thanks! @you") == "Thanks! @you"


def test_search_queries_quote_phrases_join_with_or_and_leave_out_retweets() -> None:
    listening = Listening(terms=("kide", "Kide kettle", 'leaks "badly"'), hashtags=("#kidefail",))
    assert search_queries(listening) == [
        '(kide OR "Kide kettle" OR "leaks badly" OR #kidefail) -is:retweet'
    ]
    assert search_queries(Listening(terms=("kide",))) == ["kide -is:retweet"]
    assert search_queries(Listening()) == []


def test_words_with_query_syntax_are_quoted_so_they_cannot_change_the_query() -> None:
    listening = Listening(
        terms=("kide)", "(kide", "-kide", "is:reply", "OR", "kide\\", "@kide", "$KIDE"),
        hashtags=("kide)",),
    )
    assert search_queries(listening) == [
        '("kide)" OR "(kide" OR "-kide" OR "is:reply" OR "OR" OR kide OR @kide OR $KIDE'
        ' OR "#kide)") -is:retweet'
    ]


def test_long_listening_is_split_into_queries_within_512_characters() -> None:
    terms = tuple(f"term{number:03d}" for number in range(120))
    queries = search_queries(Listening(terms=terms))
    assert len(queries) > 1 and all(len(q) <= 512 for q in queries)
    joined = " ".join(queries)
    assert all(term in joined for term in terms)

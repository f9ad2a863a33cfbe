"""Reading mentions and searches from a local X: the first read, paging with since_id, the
stored cursor, edits, partial errors, malformed posts, duplicates and rate limits."""

from __future__ import annotations

import pytest

from tests.channels.x import fake_x
from tests.channels.x.conftest import connector
from tests.channels.x.fake_x import fixture
from vastaa.channels.base import Fetched, Listening, RateLimited, Rejected
from vastaa.channels.x.client import search_queries
from vastaa.errors import PermanentError, RetryableError

NONE = Listening()
KIDE = Listening(terms=("Kide kettle",), hashtags=("kidefail",))


def ids(events: Fetched) -> list[str]:
    return [event.external_id for event in events.events]


def found(events: Fetched) -> list[str]:
    return [event.external_id for event in events.found]


def test_the_first_read_takes_the_newest_mentions_and_remembers_the_newest_id(
    x: fake_x.X,
) -> None:
    x.add_page(fixture("mentions__page"))
    fetched = connector(x).read({}, NONE)
    assert ids(fetched) == ["1896858151941074944", "1896853118776274944"]
    assert [getattr(e, "kind", None) for e in fetched.events] == ["mention", "reply"]
    assert fetched.cursor == {"mentions": {"since_id": "1896858151941074944"}, "search": {}}
    assert fetched.more is False and fetched.wait is None and fetched.problems == []
    (call,) = [c for c in x.calls if c[1].endswith("/mentions")]
    assert call[2]["max_results"] == "100" and "since_id" not in call[2]
    assert call[2]["expansions"] == "author_id,attachments.media_keys"
    assert "edit_history_tweet_ids" in call[2]["tweet.fields"]


def test_reading_again_from_the_stored_cursor_finds_nothing_new(x: fake_x.X) -> None:
    x.add_page(fixture("mentions__page"))
    client = connector(x)
    first = client.read({}, NONE)
    again = client.read(first.cursor, NONE)
    assert again.events == [] and again.cursor == first.cursor
    assert x.calls[-1][2]["since_id"] == "1896858151941074944"


def test_new_mentions_are_paged_and_since_id_moves_when_the_scan_is_complete(
    x: fake_x.X,
) -> None:
    x.add_tweet("1896851860485074944", "@kide first")
    client = connector(x)
    cursor = client.read({}, NONE).cursor
    newer = [str(1896851860485074944 + n * (1 << 30)) for n in range(1, 6)]
    for tweet_id in newer:
        x.add_tweet(tweet_id, f"@kide number {tweet_id}")
    x.page_size = 2

    first = client.read(cursor, NONE)
    assert ids(first) == newer[:2:-1][:2] and first.more is True
    assert first.cursor["mentions"]["since_id"] == "1896851860485074944"
    second = client.read(first.cursor, NONE)
    third = client.read(second.cursor, NONE)
    assert ids(first) + ids(second) + ids(third) == newer[::-1]
    assert third.more is False
    assert third.cursor["mentions"] == {"since_id": newer[-1]}
    assert client.read(third.cursor, NONE).events == []


def test_a_page_read_twice_after_a_crash_loses_nothing(x: fake_x.X) -> None:
    x.add_tweet("1896851860485074944", "@kide first")
    client = connector(x)
    cursor = client.read({}, NONE).cursor
    for n in range(1, 4):
        x.add_tweet(str(1896851860485074944 + n * (1 << 30)), "@kide again")
    x.page_size = 2
    first = client.read(cursor, NONE)
    repeated = client.read(cursor, NONE)
    assert ids(repeated) == ids(first) and repeated.cursor == first.cursor


def test_an_edited_mention_comes_as_an_edit_of_the_original(x: fake_x.X) -> None:
    x.add_tweet("1896851860485074944", "@kide the kettle lid leaks", "1200000000000000001")
    client = connector(x)
    cursor = client.read({}, NONE).cursor
    x.add_page(fixture("mentions__edited"))
    (edit,) = client.read(cursor, NONE).events
    assert edit.external_id == "1896851860485074944"
    assert getattr(edit, "edited_at", None) is not None


def test_a_search_finds_posts_with_its_own_cursor(x: fake_x.X) -> None:
    x.add_page(fixture("search_recent__page"))
    x.add_page(fixture("mentions__page"))
    client = connector(x)
    fetched = client.read({}, KIDE)
    assert found(fetched) == ["1896878284600274944"]
    assert ids(fetched) == ["1896858151941074944", "1896853118776274944"]
    query = '("Kide kettle" OR #kidefail) -is:retweet'
    assert fetched.cursor["search"] == {query: {"since_id": "1896878284600274944"}}
    assert client.read(fetched.cursor, KIDE).found == []
    x.add_tweet("1896900000000000000", "my kide kettle broke #KideFail")
    assert found(client.read(fetched.cursor, KIDE)) == ["1896900000000000000"]


def test_a_search_whose_since_id_is_too_old_starts_again(x: fake_x.X) -> None:
    x.add_page(fixture("search_recent__page"))
    x.oldest_searchable = "1896000000000000000"
    query = '("Kide kettle" OR #kidefail) -is:retweet'
    cursor = {"search": {query: {"since_id": "1796530996229074944"}}}
    fetched = connector(x).read(cursor, KIDE)
    assert found(fetched) == ["1896878284600274944"]


def test_partial_errors_are_problems_and_the_posts_are_kept(x: fake_x.X) -> None:
    x.fail_next(200, fixture("mentions__partial_error"))
    fetched = connector(x).read({}, NONE)
    assert ids(fetched) == ["1896853118776274944"]
    assert fetched.problems == [
        "x: Not Found Error: Could not find user with author_id: [1200000000000000009]."
    ]


def test_a_malformed_post_is_a_problem_and_the_rest_is_kept(x: fake_x.X) -> None:
    x.fail_next(200, fixture("mentions__malformed"))
    fetched = connector(x).read({}, NONE)
    assert ids(fetched) == ["1896853118776274944"]
    (problem,) = fetched.problems
    assert "1896854377067474944" in problem and "created_at is missing" in problem
    assert fetched.cursor["mentions"] == {"since_id": "1896854377067474944"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("author_id", "1" * 300), ("followers", "1,2k"), ("edit_history_tweet_ids", ["9" * 40])],
)
def test_a_post_with_an_unreadable_value_is_a_problem_and_the_rest_is_kept(
    x: fake_x.X, field: str, value: object
) -> None:
    page = fixture("mentions__page")
    if field == "followers":
        page["includes"]["users"][0]["public_metrics"]["followers_count"] = value
    else:
        page["data"][0][field] = value
    x.fail_next(200, page)
    fetched = connector(x).read({}, NONE)
    assert ids(fetched) == ["1896853118776274944"]
    (problem,) = fetched.problems
    assert "1896858151941074944 skipped" in problem
    assert fetched.cursor["mentions"] == {"since_id": "1896858151941074944"}


def test_a_post_twice_in_a_page_is_one_event(x: fake_x.X) -> None:
    page = fixture("mentions__page")
    page["data"].append(page["data"][0])
    x.fail_next(200, page)
    assert ids(connector(x).read({}, NONE)) == ["1896858151941074944", "1896853118776274944"]


def test_a_429_says_how_long_to_wait(x: fake_x.X) -> None:
    x.rate_limit_next(600)
    with pytest.raises(RateLimited, match="Too Many Requests") as raised:
        connector(x).read({}, NONE)
    assert raised.value.retry_after is not None and 590 < raised.value.retry_after <= 600


def test_no_calls_left_sets_the_wait(x: fake_x.X) -> None:
    x.remaining = 0
    fetched = connector(x).read({}, NONE)
    assert fetched.wait is not None and 890 < fetched.wait <= 900


def test_a_rate_limited_search_keeps_its_cursor_and_the_mentions_are_kept(
    x: fake_x.X,
) -> None:
    x.add_page(fixture("mentions__page"))
    query = '("Kide kettle" OR #kidefail) -is:retweet'
    cursor = {"search": {query: {"since_id": "1896000000000000000"}}}
    x.fail_next(200, fixture("mentions__page"))
    x.rate_limit_next(300)
    fetched = connector(x).read(cursor, KIDE)
    assert len(fetched.events) == 2 and fetched.found == []
    assert fetched.cursor["search"] == cursor["search"]
    assert fetched.wait is not None and 290 < fetched.wait <= 300


def test_a_refused_search_is_a_problem_and_the_mentions_and_other_searches_go_on(
    x: fake_x.X,
) -> None:
    x.add_page(fixture("mentions__page"))
    x.add_page(fixture("search_recent__page"))
    terms = tuple(f"term{number:03d}" for number in range(60)) + ("kide kettle",)
    listening = Listening(terms=terms)
    first, second = queries = search_queries(listening)
    cursor = {"search": {q: {"since_id": "1896000000000000000"} for q in queries}}
    x.fail_next(200, fixture("mentions__page"))
    x.fail_next(400, fixture("error__invalid_query"))
    fetched = connector(x).read(cursor, listening)
    assert ids(fetched) == ["1896858151941074944", "1896853118776274944"]
    assert found(fetched) == ["1896878284600274944"]
    (problem,) = fetched.problems
    assert "search" in problem and "unbalanced parentheses" in problem
    assert fetched.cursor["mentions"] == {"since_id": "1896858151941074944"}
    assert fetched.cursor["search"][first] == {"since_id": "1896000000000000000"}
    assert fetched.cursor["search"][second] == {"since_id": "1896878284600274944"}


def test_a_failing_search_is_a_problem_and_keeps_its_cursor(x: fake_x.X) -> None:
    x.add_page(fixture("mentions__page"))
    query = '("Kide kettle" OR #kidefail) -is:retweet'
    cursor = {"search": {query: {"since_id": "1896000000000000000"}}}
    x.fail_next(200, fixture("mentions__page"))
    x.fail_next(503, fake_x.problem(503, "Service Unavailable", "Service Unavailable"))
    fetched = connector(x).read(cursor, KIDE)
    assert len(fetched.events) == 2 and fetched.found == []
    assert fetched.cursor["search"] == cursor["search"]
    assert fetched.cursor["mentions"] == {"since_id": "1896858151941074944"}
    (problem,) = fetched.problems
    assert "Service Unavailable" in problem


@pytest.mark.parametrize("term", ["kide)", "(kide", 'kide "', "kide) OR (x", "kide\\"])
def test_a_term_with_query_syntax_in_it_is_searched_and_found(x: fake_x.X, term: str) -> None:
    x.add_tweet("1896900000000000000", f"what is {term} anyway")
    fetched = connector(x).read({}, Listening(terms=(term, "kettle")))
    assert fetched.problems == [] and found(fetched) == ["1896900000000000000"]


def test_a_server_error_is_retryable(x: fake_x.X) -> None:
    x.fail_next(503, fake_x.problem(503, "Service Unavailable", "Service Unavailable"))
    with pytest.raises(RetryableError, match="Service Unavailable") as raised:
        connector(x).read({}, NONE)
    assert not isinstance(raised.value, PermanentError | RateLimited)


def test_a_refused_token_is_rejected_without_the_token(x: fake_x.X) -> None:
    secret = "x-wrong-token-secret"
    with pytest.raises(Rejected, match="token was refused.*Unauthorized") as raised:
        connector(x, token=secret).read({}, NONE)
    assert secret not in str(raised.value)


def test_a_handle_account_finds_our_id_with_users_me(x: fake_x.X) -> None:
    x.add_page(fixture("mentions__page"))
    fetched = connector(x, account="@kide").read({}, NONE)
    assert len(fetched.events) == 2
    assert x.paths()[:2] == ["GET /2/users/me", f"GET /2/users/{fake_x.OUR_ID}/mentions"]

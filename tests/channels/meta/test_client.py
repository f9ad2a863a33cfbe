"""The Graph API connector against a local Graph server: the catch-up read, replies and direct
messages (idempotent), hiding and deleting, and Graph's errors in Vastaa's tree."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import httpx
import pytest

from tests.channels.meta import fake_graph
from tests.channels.meta.fake_graph import IG_ID, PAGE_ID, TOKEN
from vastaa.channels.base import (
    ChannelSetup,
    Connector,
    Listening,
    Moderation,
    ModerationAction,
    Outgoing,
    RateLimited,
    Rejected,
)
from vastaa.channels.meta.client import (
    CAPABILITIES,
    POSTS_PER_PAGE,
    SEEN_KEPT,
    MetaConnector,
)
from vastaa.errors import PermanentError, RetryableError
from vastaa.pipeline.events import MessageEvent

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
AINO = {"id": "7130019876543210", "name": "Aino Virtanen"}
MIKKO_IG = {"id": "17841400000000002", "username": "mikko_l"}
NOTHING = Listening()


@pytest.fixture
def graph() -> Iterator[fake_graph.Graph]:
    with fake_graph.running() as server:
        yield server


def connector(
    graph: fake_graph.Graph, platform: str = "facebook", token: str = TOKEN, **config: object
) -> MetaConnector:
    setup = ChannelSetup(
        account=PAGE_ID if platform == "facebook" else IG_ID,
        config={"graph_url": graph.base_url, **config},
        credentials={"page_token": token},
    )
    return MetaConnector.build(setup, platform, clock=lambda: NOW)


def at(hour: int, minute: int = 0) -> str:
    return f"2026-11-20T{hour:02d}:{minute:02d}:00+0000"


def ids(events: Sequence[object]) -> list[str]:
    return [e.external_id for e in events if isinstance(e, MessageEvent)]


def page_post(graph: fake_graph.Graph, number: int, hour: int = 8) -> str:
    post_id = f"{PAGE_ID}_{number}"
    graph.add_post(PAGE_ID, post_id, at(hour))
    return post_id


# the contract and the settings ---------------------------------------------------------------


def test_it_is_a_connector_with_what_meta_allows(graph: fake_graph.Graph) -> None:
    for platform in ("facebook", "instagram"):
        built: Connector = connector(graph, platform)
        assert built.platform == platform
        assert built.capabilities == CAPABILITIES
    assert not {"block", "report", "read_mentions"} & CAPABILITIES


@pytest.mark.parametrize(
    ("config", "credentials", "message"),
    [
        ({}, {}, "page_token"),
        ({"graph_url": "http://graph.example"}, {"page_token": "t"}, "https://"),
        ({"graph_url": "http://localhost.evil.example"}, {"page_token": "t"}, "https://"),
        ({"graph_url": "http://127.0.0.1.evil.example:80"}, {"page_token": "t"}, "https://"),
        ({"graph_url": "http://localhost:1@evil.example"}, {"page_token": "t"}, "password"),
        ({"graph_url": "https://user:pw@graph.example"}, {"page_token": "t"}, "password"),
        ({"graph_url": "https://graph.example:port"}, {"page_token": "t"}, "not a valid"),
        ({"graph_version": "latest"}, {"page_token": "t"}, "v21.0"),
        ({"catch_up_pages": 0}, {"page_token": "t"}, "catch_up_pages"),
    ],
)
def test_build_says_what_is_missing(
    config: dict[str, object], credentials: dict[str, str], message: str
) -> None:
    setup = ChannelSetup(account=PAGE_ID, config=config, credentials=credentials)
    with pytest.raises(PermanentError, match=message):
        MetaConnector.facebook(setup)


def test_the_real_graph_is_the_default() -> None:
    setup = ChannelSetup(account=IG_ID, credentials={"page_token": "t"})
    built = MetaConnector.instagram(setup)
    assert built.graph.base_url == "https://graph.facebook.com/v21.0/"


def test_check_names_the_page_and_the_instagram_account(graph: fake_graph.Graph) -> None:
    assert connector(graph).check() == "page 'Kide'"
    assert connector(graph, "instagram").check() == "instagram account @kide.fi ('Kide')"


def test_a_refused_token_is_a_refusal_without_the_token(graph: fake_graph.Graph) -> None:
    wrong = "EAAwrong-token-secret-123"
    with pytest.raises(Rejected, match="token expired or invalid") as raised:
        connector(graph, token=wrong).check()
    assert wrong not in str(raised.value) and TOKEN not in str(raised.value)


def test_a_graph_message_that_echoes_the_token_is_scrubbed(graph: fake_graph.Graph) -> None:
    graph.fail_next(400, fake_graph.graph_error(f"bad token {TOKEN}", 100))
    with pytest.raises(Rejected) as raised:
        connector(graph).check()
    assert TOKEN not in str(raised.value) and "***" in str(raised.value)


# the catch-up read ---------------------------------------------------------------------------


def test_a_first_read_returns_the_last_days_comments(graph: fake_graph.Graph) -> None:
    post = page_post(graph, 1)
    graph.add_comment(post, "1_old", "eilen", "2026-11-18T09:00:00+0000", AINO)
    graph.add_comment(post, "1_a", "Missä tilaukseni?", at(9), AINO)
    graph.add_comment(post, "1_b", "Vastaus", at(9, 30), {"id": PAGE_ID, "name": "Kide"}, "1_a")

    fetched = connector(graph).read({}, NOTHING)

    assert sorted(ids(fetched.events)) == ["1_a", "1_b"]
    first, ours = sorted(fetched.events, key=lambda e: e.external_id)
    assert isinstance(first, MessageEvent) and isinstance(ours, MessageEvent)
    assert (first.kind, first.thread_id, first.parent_id) == ("comment", post, post)
    assert (ours.kind, ours.parent_id, ours.direction) == ("reply", "1_a", "outbound")
    assert fetched.more is False and fetched.problems == [] and fetched.wait is None
    newest = int(datetime(2026, 11, 20, 9, 30, tzinfo=UTC).timestamp())
    assert fetched.cursor == {"since": newest, "seen": ["1_b"]}


def test_reading_again_from_the_cursor_returns_nothing_new(graph: fake_graph.Graph) -> None:
    post = page_post(graph, 1)
    graph.add_comment(post, "1_a", "Hei", at(9), AINO)
    meta = connector(graph)
    first = meta.read({}, NOTHING)

    again = meta.read(first.cursor, NOTHING)
    assert again.events == [] and again.cursor == first.cursor

    graph.add_comment(post, "1_c", "Vielä yksi", at(10), AINO)
    later = meta.read(first.cursor, NOTHING)
    assert ids(later.events) == ["1_c"]


def test_a_comment_in_the_same_second_as_the_last_one_read_is_not_lost(
    graph: fake_graph.Graph,
) -> None:
    post = page_post(graph, 1)
    graph.add_comment(post, "1_a", "Hei", at(9), AINO)
    meta = connector(graph)
    first = meta.read({}, NOTHING)
    graph.add_comment(post, "1_b", "Minäkin", at(9), AINO)  # Graph lists it only now

    second = meta.read(first.cursor, NOTHING)

    assert ids(second.events) == ["1_b"]
    assert meta.read(second.cursor, NOTHING).events == []


def test_the_same_second_is_remembered_across_the_pages_of_a_pass(
    graph: fake_graph.Graph,
) -> None:
    for number in range(POSTS_PER_PAGE + 1):
        graph.add_comment(page_post(graph, number), f"{number}_x", "hei", at(9), AINO)
    meta = connector(graph)
    first = meta.read({}, NOTHING)
    second = meta.read(first.cursor, NOTHING)
    assert len(set(ids(first.events)) | set(ids(second.events))) == POSTS_PER_PAGE + 1
    graph.add_comment(page_post(graph, 99), "99_x", "myöhässä", at(9), AINO)

    third = meta.read(second.cursor, NOTHING)

    assert ids(third.events) == ["99_x"]


def test_the_ids_kept_for_one_second_are_bounded_and_the_rest_come_again(
    graph: fake_graph.Graph,
) -> None:
    for number in range(5):
        post = page_post(graph, number)
        for index in range(30):
            graph.add_comment(post, f"{number}_{index:02d}", "hei", at(9), AINO)
    meta = connector(graph)
    first = meta.read({}, NOTHING)
    assert len(first.events) == 150 and len(first.cursor["seen"]) == SEEN_KEPT

    again = meta.read(first.cursor, NOTHING)  # repeated (ingestion stores each once), not lost
    assert len(again.events) == 150 - SEEN_KEPT
    assert not set(ids(again.events)) & set(first.cursor["seen"])


def test_a_pass_over_several_pages_moves_the_cursor_only_at_its_end(
    graph: fake_graph.Graph,
) -> None:
    for number in range(POSTS_PER_PAGE + 5):
        post = page_post(graph, number)
        graph.add_comment(post, f"{number}_x", f"kommentti {number}", at(9, number), AINO)
    meta = connector(graph)

    first = meta.read({}, NOTHING)
    assert first.more is True and len(first.events) == POSTS_PER_PAGE
    assert first.cursor["after"] == str(POSTS_PER_PAGE) and first.cursor["page"] == 1

    second = meta.read(first.cursor, NOTHING)
    assert second.more is False and len(second.events) == 5
    assert set(second.cursor) == {"since", "seen"}
    assert len(set(ids(first.events)) | set(ids(second.events))) == POSTS_PER_PAGE + 5
    assert meta.read(second.cursor, NOTHING).events == []


def test_a_pass_stops_after_catch_up_pages(graph: fake_graph.Graph) -> None:
    for number in range(POSTS_PER_PAGE * 2 + 1):
        graph.add_comment(page_post(graph, number), f"{number}_x", "hei", at(9), AINO)
    fetched = connector(graph, catch_up_pages=1).read({}, NOTHING)
    assert fetched.more is False and set(fetched.cursor) == {"since", "seen"}


def test_a_post_shifting_the_feed_repeats_items_but_loses_none(graph: fake_graph.Graph) -> None:
    for number in range(POSTS_PER_PAGE + 1):
        graph.add_comment(page_post(graph, number), f"{number}_x", "hei", at(9, number), AINO)
    meta = connector(graph)
    first = meta.read({}, NOTHING)
    page_post(graph, 99, hour=10)  # a new post pushes the last one of page 1 onto page 2
    second = meta.read(first.cursor, NOTHING)

    repeated = set(ids(first.events)) & set(ids(second.events))
    assert repeated == {"1_x"}  # the same external id: ingestion stores it once
    assert len(set(ids(first.events)) | set(ids(second.events))) == POSTS_PER_PAGE + 1


def test_a_comment_that_cannot_be_read_is_a_problem_and_the_rest_is_kept(
    graph: fake_graph.Graph,
) -> None:
    post = page_post(graph, 1)
    graph.add_comment(post, "1_a", "Hei", at(9), AINO)
    graph.add_comment(post, "1_b", "Kuka?", at(9, 5), {})  # Graph left out 'from'

    fetched = connector(graph).read({}, NOTHING)

    assert ids(fetched.events) == ["1_a"]
    assert fetched.problems == [f"facebook post {post}: the item has no author ('from' with an id)"]


def test_instagram_comments_and_their_replies(graph: fake_graph.Graph) -> None:
    graph.add_post(IG_ID, "18027939643230671", at(7))
    graph.add_comment("18027939643230671", "c1", "Milloin?", at(9), MIKKO_IG)
    graph.add_comment("18027939643230671", "c2", "Ensi viikolla", at(9, 10), {"id": IG_ID}, "c1")

    fetched = connector(graph, "instagram").read({}, NOTHING)

    by_id = {e.external_id: e for e in fetched.events if isinstance(e, MessageEvent)}
    assert by_id["c1"].kind == "comment" and by_id["c1"].author.handle == "mikko_l"
    assert (by_id["c2"].kind, by_id["c2"].parent_id, by_id["c2"].direction) == (
        "reply",
        "c1",
        "outbound",
    )
    assert by_id["c2"].thread_id == "18027939643230671"


def test_a_spent_budget_on_a_good_page_says_how_long_to_wait(graph: fake_graph.Graph) -> None:
    graph.usage = {
        "type": "pages",
        "call_count": 100,
        "total_cputime": 5,
        "total_time": 5,
        "estimated_time_to_regain_access": 7,
    }
    fetched = connector(graph).read({}, NOTHING)
    assert fetched.wait == 7 * 60


# rate limits and failures --------------------------------------------------------------------


def test_http_429_with_retry_after_is_rate_limited(graph: fake_graph.Graph) -> None:
    graph.fail_next(429, fake_graph.graph_error("Too many calls", 4), **{"Retry-After": "120"})
    with pytest.raises(RateLimited) as raised:
        connector(graph).read({}, NOTHING)
    assert raised.value.retry_after == 120


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_graph_rate_limit_codes_wait_as_meta_estimates(graph: fake_graph.Graph, code: int) -> None:
    graph.throttle_next(code=code, minutes=12)
    with pytest.raises(RateLimited) as raised:
        connector(graph).read({}, NOTHING)
    assert raised.value.retry_after == 12 * 60


def test_a_rate_limit_without_an_estimate_leaves_the_wait_to_the_outbox(
    graph: fake_graph.Graph,
) -> None:
    graph.throttle_next(code=4, minutes=0)
    with pytest.raises(RateLimited) as raised:
        connector(graph).check()
    assert raised.value.retry_after is None


def test_a_server_error_is_retryable(graph: fake_graph.Graph) -> None:
    graph.fail_next(503, {"error": {"message": "Service temporarily unavailable", "code": 2}})
    with pytest.raises(RetryableError, match="temporarily unavailable") as raised:
        connector(graph).read({}, NOTHING)
    assert not isinstance(raised.value, PermanentError | RateLimited)


def test_a_network_failure_is_retryable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    setup = ChannelSetup(account=PAGE_ID, credentials={"page_token": TOKEN})
    meta = MetaConnector.build(setup, "facebook", transport=httpx.MockTransport(refuse))
    with pytest.raises(RetryableError, match="ConnectError"):
        meta.check()


def test_another_graph_error_is_refused_in_metas_words(graph: fake_graph.Graph) -> None:
    graph.fail_next(400, fake_graph.graph_error("(#200) Requires pages_manage_engagement", 200))
    with pytest.raises(Rejected, match=r"Requires pages_manage_engagement \(#200\)"):
        connector(graph).check()


# sending -------------------------------------------------------------------------------------


def reply(key: str, text: str, to: str | None) -> Outgoing:
    return Outgoing(key=key, action="reply", text=text, in_reply_to=to)


def test_a_reply_is_posted_once_even_when_sent_twice(graph: fake_graph.Graph) -> None:
    post = page_post(graph, 1)
    graph.add_comment(post, "1_a", "Missä tilaukseni?", at(9), AINO)
    meta = connector(graph)

    receipt = meta.send(reply("k1", "Katsomme heti!", "1_a"))
    again = meta.send(reply("k1", "Katsomme heti!", "1_a"))

    assert receipt.platform_id == again.platform_id
    assert [r["id"] for r in graph.replies_to("1_a")] == [receipt.platform_id]
    posted = [r for r in graph.requests if r[0] == "POST"]
    assert posted == [("POST", "/v21.0/1_a/comments", {"message": "Katsomme heti!"})]


def test_a_customers_reply_with_the_same_text_is_not_ours(graph: fake_graph.Graph) -> None:
    post = page_post(graph, 1)
    graph.add_comment(post, "1_a", "Kiitos", at(9), AINO)
    graph.add_comment(post, "1_b", "Kiitos!", at(9, 1), AINO, "1_a")
    receipt = connector(graph).send(reply("k2", "Kiitos!", "1_a"))
    assert receipt.platform_id != "1_b"


def test_an_instagram_reply_goes_to_replies(graph: fake_graph.Graph) -> None:
    graph.add_post(IG_ID, "m1", at(7))
    graph.add_comment("m1", "c1", "Milloin?", at(9), MIKKO_IG)
    receipt = connector(graph, "instagram").send(reply("k3", "@mikko_l ensi viikolla", "c1"))
    assert graph.comments[receipt.platform_id]["parent"] == "c1"
    assert ("POST", "/v21.0/c1/replies", {"message": "@mikko_l ensi viikolla"}) in graph.requests


def test_a_reply_needs_what_it_answers(graph: fake_graph.Graph) -> None:
    with pytest.raises(Rejected, match="needs the comment"):
        connector(graph).send(reply("k4", "Hei", None))


def test_a_direct_message_to_the_customers_id(graph: fake_graph.Graph) -> None:
    outgoing = Outgoing(
        key="k5", action="direct_message", text="Hei!", recipient="24601234567890123"
    )
    receipt = connector(graph).send(outgoing)
    assert graph.sent == [
        {
            "account": PAGE_ID,
            "recipient": {"id": "24601234567890123"},
            "messaging_type": "RESPONSE",
            "message": {"text": "Hei!"},
        }
    ]
    assert (receipt.platform_id, receipt.thread_id) == ("m_sent1", "24601234567890123")


def test_a_direct_message_answering_a_comment_is_a_private_reply(graph: fake_graph.Graph) -> None:
    graph.add_post(IG_ID, "m1", at(7))
    graph.add_comment("m1", "17865799348089039", "Hinta?", at(9), MIKKO_IG)
    outgoing = Outgoing(
        key="k6",
        action="direct_message",
        text="Lähetimme hinnaston",
        in_reply_to="17865799348089039",
        recipient="mikko_l",
    )
    receipt = connector(graph, "instagram").send(outgoing)
    assert graph.sent[0]["recipient"] == {"comment_id": "17865799348089039"}
    assert graph.sent[0]["account"] == IG_ID  # sent as /me/messages with the Page token
    assert receipt.thread_id == MIKKO_IG["id"]


def test_a_direct_message_answering_a_message_goes_to_its_sender(graph: fake_graph.Graph) -> None:
    graph.messages["m_AbCdEf-123"] = {"from": {"id": "24601234567890123"}}
    outgoing = Outgoing(key="k7", action="direct_message", text="Kyllä", in_reply_to="m_AbCdEf-123")
    connector(graph).send(outgoing)
    assert graph.sent[0]["recipient"] == {"id": "24601234567890123"}


def test_a_direct_message_with_no_one_to_send_to_is_refused(graph: fake_graph.Graph) -> None:
    with pytest.raises(Rejected, match="customer's id"):
        connector(graph).send(Outgoing(key="k8", action="direct_message", text="Hei"))
    assert graph.sent == []


def test_an_id_is_never_a_path(graph: fake_graph.Graph) -> None:
    with pytest.raises(Rejected, match="does not exist"):
        connector(graph).send(reply("k9", "Hei", "../" + PAGE_ID))  # quoted: one unknown id
    assert graph.requests[0][1] == "/v21.0/..%2F104522781234567/comments"


# moderation ----------------------------------------------------------------------------------


def moderation(action: ModerationAction, message_id: str | None = "1_a") -> Moderation:
    return Moderation(key=f"m-{action}", action=action, message_id=message_id, author_id="71")


def test_a_facebook_comment_is_hidden_and_shown_again(graph: fake_graph.Graph) -> None:
    graph.add_comment(page_post(graph, 1), "1_a", "roskapostia", at(9), AINO)
    meta = connector(graph)
    meta.moderate(moderation("hide"))
    assert graph.hidden == {"1_a": True}
    meta.moderate(moderation("hide"))  # hiding what is hidden succeeds
    meta.moderate(moderation("unhide"))
    assert graph.hidden == {"1_a": False}
    assert ("POST", "/v21.0/1_a", {"is_hidden": False}) in graph.requests


def test_an_instagram_comment_is_hidden_with_hide(graph: fake_graph.Graph) -> None:
    graph.add_post(IG_ID, "m1", at(7))
    graph.add_comment("m1", "c1", "roskaa", at(9), MIKKO_IG)
    connector(graph, "instagram").moderate(moderation("hide", "c1"))
    assert ("POST", "/v21.0/c1", {"hide": True}) in graph.requests and graph.hidden == {"c1": True}


def test_a_comment_is_deleted_and_deleting_it_again_succeeds(graph: fake_graph.Graph) -> None:
    graph.add_comment(page_post(graph, 1), "1_a", "roskapostia", at(9), AINO)
    meta = connector(graph)
    meta.moderate(moderation("delete"))
    meta.moderate(moderation("delete"))
    assert graph.deleted == ["1_a"]


@pytest.mark.parametrize("action", ["block", "unblock", "report"])
def test_what_the_connector_does_not_offer_is_refused_without_asking(
    graph: fake_graph.Graph, action: ModerationAction
) -> None:
    with pytest.raises(Rejected, match=f"cannot {action}"):
        connector(graph).moderate(moderation(action))
    assert graph.requests == []


def test_hiding_an_unknown_comment_is_refused_in_metas_words(graph: fake_graph.Graph) -> None:
    with pytest.raises(Rejected, match="does not exist"):
        connector(graph).moderate(moderation("hide", "404"))


def test_a_budget_not_yet_spent_asks_for_no_wait(graph: fake_graph.Graph) -> None:
    graph.usage = {"type": "pages", "call_count": 99, "total_cputime": 40, "total_time": 40}
    assert connector(graph).read({}, NOTHING).wait is None

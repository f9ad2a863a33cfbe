"""Replies, hidden replies, check() and the channel's settings against a local X."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.channels.x import fake_x
from tests.channels.x.conftest import connector
from tests.channels.x.fake_x import fixture
from vastaa.channels.base import (
    ChannelSetup,
    Moderation,
    ModerationAction,
    Outgoing,
    RateLimited,
    Rejected,
)
from vastaa.channels.x.client import XConnector
from vastaa.errors import PermanentError

OURS = "1896530996229074944"  # our post
REPLY = "1896853118776274944"  # Matti's reply to it
MENTION = "1896858151941074944"  # Aino's post mentioning us
TEXT = "Hei Matti! Yes, the new lid fits every model since 2017. /Aino"


@pytest.fixture
def posts(x: fake_x.X) -> fake_x.X:
    x.add_page(fixture("tweets__our_original"))
    x.add_page(fixture("mentions__page"))
    return x


def answer(in_reply_to: str = REPLY, text: str = TEXT) -> Outgoing:
    return Outgoing(key="k1", action="reply", text=text, in_reply_to=in_reply_to)


def test_a_reply_is_posted_in_reply_to_the_post(posts: fake_x.X) -> None:
    receipt = connector(posts).send(answer())
    (posted,) = posts.posted
    assert posted["referenced_tweets"] == [{"type": "replied_to", "id": REPLY}]
    assert posted["text"] == f"@mattivirtanen {TEXT}"
    assert receipt.platform_id == posted["id"]
    assert receipt.url == f"https://x.com/i/web/status/{posted['id']}"
    (call,) = [c for c in posts.calls if c[0] == "POST"]
    assert call[1] == "/2/tweets"


def test_a_retried_reply_finds_the_earlier_one_and_is_not_posted_twice(
    posts: fake_x.X,
) -> None:
    client = connector(posts)
    first = client.send(answer())
    again = client.send(answer())
    assert again.platform_id == first.platform_id and len(posts.posted) == 1


def test_the_same_text_to_another_post_is_posted(posts: fake_x.X) -> None:
    client = connector(posts)
    client.send(answer())
    client.send(answer(MENTION))
    assert len(posts.posted) == 2


def test_text_with_entities_is_recognised_as_ours(posts: fake_x.X) -> None:
    client = connector(posts)
    client.send(answer(text="Kettle & lid <3"))
    client.send(answer(text="Kettle & lid <3"))
    assert len(posts.posted) == 1


def test_a_direct_message_is_refused(posts: fake_x.X) -> None:
    outgoing = Outgoing(key="k", action="direct_message", text="hi", recipient="aino")
    with pytest.raises(Rejected, match="only replies"):
        connector(posts).send(outgoing)
    assert posts.calls == []


def test_a_rate_limited_post_says_how_long_to_wait(posts: fake_x.X) -> None:
    posts.rate_limit_next(120)
    with pytest.raises(RateLimited) as raised:
        connector(posts).send(answer())
    assert raised.value.retry_after is not None and 110 < raised.value.retry_after <= 120
    assert posts.posted == []


def request(action: ModerationAction, message_id: str = REPLY) -> Moderation:
    return Moderation(
        key=f"m-{action}", action=action, message_id=message_id, author_id="1200000000000000001"
    )


def test_a_reply_to_our_post_is_hidden_and_unhidden(posts: fake_x.X) -> None:
    client = connector(posts)
    client.moderate(request("hide"))
    client.moderate(request("hide"))  # hiding what is hidden succeeds
    assert posts.hidden == {REPLY}
    client.moderate(request("unhide"))
    assert posts.hidden == set()
    (call, *_) = [c for c in posts.calls if c[0] == "PUT"]
    assert call[1] == f"/2/tweets/{REPLY}/hidden"


def test_a_post_in_someone_elses_conversation_cannot_be_hidden(posts: fake_x.X) -> None:
    with pytest.raises(Rejected, match="conversations you do not own"):
        connector(posts).moderate(request("hide", MENTION))


@pytest.mark.parametrize("action", ["delete", "block", "unblock", "report"])
def test_what_x_does_not_offer_is_refused_without_asking(
    posts: fake_x.X, action: ModerationAction
) -> None:
    with pytest.raises(Rejected, match=f"x: cannot {action}"):
        connector(posts).moderate(request(action))
    assert posts.calls == []


def test_check_says_who_we_are(x: fake_x.X) -> None:
    assert connector(x, account="@kide").check() == "signed in as @kide"


def test_a_refused_token_is_rejected_without_the_token(x: fake_x.X) -> None:
    with pytest.raises(Rejected, match="token was refused") as raised:
        connector(x, token="x-bad-secret").check()
    assert "x-bad-secret" not in str(raised.value)


@pytest.mark.parametrize(
    ("config", "credentials", "reason"),
    [
        ({}, {}, "bearer_token"),
        ({"base_url": "http://api.x.example"}, {"bearer_token": "t"}, "base_url"),
        ({"base_url": "http://127.0.0.1.evil.example"}, {"bearer_token": "t"}, "base_url"),
        ({"base_url": "http://localhost.evil.example"}, {"bearer_token": "t"}, "base_url"),
        ({"base_url": "http://localhost:1@evil.example"}, {"bearer_token": "t"}, "base_url"),
        ({"base_url": "https://user:pw@api.x.com"}, {"bearer_token": "t"}, "base_url"),
    ],
)
def test_build_names_what_is_missing(
    config: dict[str, str], credentials: dict[str, str], reason: str
) -> None:
    with pytest.raises(PermanentError, match=reason):
        XConnector.build(ChannelSetup(account="kide", config=config, credentials=credentials))


def test_an_injected_transport_carries_the_calls() -> None:
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"data": {"id": "1", "name": "Kide", "username": "kide"}}
        return httpx.Response(200, content=json.dumps(body))

    setup = ChannelSetup(account="kide", credentials={"bearer_token": "t"})
    client = XConnector.build(setup, transport=httpx.MockTransport(reply))
    assert client.check() == "signed in as @kide"
    assert str(seen[0].url) == "https://api.x.com/2/users/me"
    assert seen[0].headers["Authorization"] == "Bearer t"

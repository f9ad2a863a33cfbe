"""Replies, moderation, check() and credentials against a local YouTube."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.channels.youtube import fake_youtube
from tests.channels.youtube.fake_youtube import CHANNEL, fixture
from tests.channels.youtube.helpers import REFRESHING, connector, reply
from vastaa.channels.base import (
    ChannelSetup,
    Moderation,
    ModerationAction,
    Outgoing,
    RateLimited,
    Rejected,
)
from vastaa.channels.youtube.client import YouTubeConnector
from vastaa.errors import PermanentError

TOP = "UgwReplies0kideThread4AaABAg"
THEIR_REPLY = f"{TOP}.9xKide0000002"
AINO = "UCaino00000000000000000a"
TEXT = "Kiitos! The filters are in every Kide shop. /Aino"


@pytest.fixture
def thread(yt: fake_youtube.YouTube) -> fake_youtube.YouTube:
    yt.add_thread(fixture("comment_thread__with_replies"))
    return yt


def answer(in_reply_to: str = TOP, key: str = "k1", recipient: str | None = None) -> Outgoing:
    return Outgoing(
        key=key, action="reply", text=TEXT, in_reply_to=in_reply_to, recipient=recipient
    )


def test_a_reply_is_inserted_under_the_top_level_comment(thread: fake_youtube.YouTube) -> None:
    receipt = connector(thread).send(answer())
    (inserted,) = thread.inserted
    assert inserted["snippet"]["parentId"] == TOP
    assert inserted["snippet"]["textOriginal"] == TEXT
    assert receipt.platform_id == inserted["id"]
    assert receipt.url == f"https://www.youtube.com/watch?v=kide0video1&lc={inserted['id']}"


def test_a_retried_reply_finds_the_earlier_one_and_is_not_posted_twice(
    thread: fake_youtube.YouTube,
) -> None:
    youtube = connector(thread)
    first = youtube.send(answer())
    again = youtube.send(answer())
    assert again.platform_id == first.platform_id
    assert len(thread.inserted) == 1


def test_the_same_text_by_someone_else_is_not_taken_for_ours(
    thread: fake_youtube.YouTube,
) -> None:
    thread.add_reply(TOP, reply(TOP, "copy", "2025-03-04T00:00:00Z", author=AINO, text=TEXT))
    connector(thread).send(answer())
    assert len(thread.inserted) == 1


def test_a_reply_to_a_reply_goes_to_its_thread_and_mentions_the_customer(
    thread: fake_youtube.YouTube,
) -> None:
    receipt = connector(thread).send(answer(THEIR_REPLY, recipient="@ainokorhonen"))
    (inserted,) = thread.inserted
    assert inserted["snippet"]["parentId"] == TOP
    assert inserted["snippet"]["textOriginal"] == f"@ainokorhonen {TEXT}"
    assert receipt.text == f"@ainokorhonen {TEXT}"


def test_a_direct_message_is_refused(thread: fake_youtube.YouTube) -> None:
    outgoing = Outgoing(key="k", action="direct_message", text="hi", recipient="aino")
    with pytest.raises(Rejected, match="only replies"):
        connector(thread).send(outgoing)
    assert thread.calls == []


def request(
    action: ModerationAction, message_id: str = THEIR_REPLY, author_id: str = AINO
) -> Moderation:
    return Moderation(key=f"m-{action}", action=action, message_id=message_id, author_id=author_id)


def test_hide_holds_the_comment_for_review_and_unhide_publishes_it(
    thread: fake_youtube.YouTube,
) -> None:
    youtube = connector(thread)
    youtube.moderate(request("hide"))
    assert thread.statuses[THEIR_REPLY] == "heldForReview"
    youtube.moderate(request("hide"))  # hiding what is hidden succeeds
    youtube.moderate(request("unhide"))
    assert thread.statuses[THEIR_REPLY] == "published"


def test_delete_rejects_another_persons_comment_and_deletes_our_own(
    thread: fake_youtube.YouTube,
) -> None:
    youtube = connector(thread)
    youtube.moderate(request("delete"))
    assert thread.statuses[THEIR_REPLY] == "rejected" and thread.deleted == []

    ours = f"{TOP}.9xKide0000001"
    youtube.moderate(request("delete", message_id=ours, author_id=CHANNEL))
    youtube.moderate(request("delete", message_id=ours, author_id=CHANNEL))  # already gone
    assert thread.deleted == [ours]


def test_block_rejects_the_comment_and_bans_its_author(thread: fake_youtube.YouTube) -> None:
    connector(thread).moderate(request("block"))
    assert thread.statuses[THEIR_REPLY] == "rejected"
    assert thread.banned == {AINO}
    (call,) = [c for c in thread.calls if c[1].endswith("setModerationStatus")]
    assert call[2] == {"id": THEIR_REPLY, "moderationStatus": "rejected", "banAuthor": "true"}


@pytest.mark.parametrize(
    ("action", "reason"), [("unblock", "YouTube Studio"), ("report", "no such action")]
)
def test_what_the_api_cannot_do_is_refused_without_asking(
    thread: fake_youtube.YouTube, action: ModerationAction, reason: str
) -> None:
    with pytest.raises(Rejected, match=reason):
        connector(thread).moderate(request(action))
    assert thread.calls == []


def test_a_rejected_comment_cannot_be_published_again(thread: fake_youtube.YouTube) -> None:
    youtube = connector(thread)
    youtube.moderate(request("delete"))
    with pytest.raises(Rejected, match="processingFailure"):
        youtube.moderate(request("unhide"))


def test_a_spent_quota_while_sending_is_a_rate_limit(thread: fake_youtube.YouTube) -> None:
    thread.fail_next_with(403, fixture("error__quota_exceeded"))
    with pytest.raises(RateLimited):
        connector(thread).send(answer())
    assert thread.inserted == []


def test_check_names_the_channel(yt: fake_youtube.YouTube) -> None:
    assert connector(yt).check() == "channel 'Kide'"


def test_a_refresh_token_gets_an_access_token_that_is_kept(yt: fake_youtube.YouTube) -> None:
    youtube = connector(yt, REFRESHING)
    assert youtube.check() == "channel 'Kide'"
    youtube.check()
    assert yt.refreshes == 1


def test_a_revoked_access_token_is_refreshed_once(yt: fake_youtube.YouTube) -> None:
    youtube = connector(yt, REFRESHING)
    youtube.check()
    yt.valid_tokens.clear()  # revoked before it expired
    assert youtube.check() == "channel 'Kide'"
    assert yt.refreshes == 2


def test_a_refused_refresh_token_is_rejected_without_the_secrets(
    yt: fake_youtube.YouTube,
) -> None:
    wrong = {**REFRESHING, "refresh_token": "1//0wrong-refresh-secret"}
    with pytest.raises(Rejected, match="refresh token was refused.*invalid_grant") as raised:
        connector(yt, wrong).check()
    message = str(raised.value)
    assert "1//0wrong-refresh-secret" not in message
    assert fake_youtube.CLIENT_SECRET not in message


@pytest.mark.parametrize(
    ("config", "credentials", "reason"),
    [
        ({}, {}, "access_token, or client_id"),
        ({}, {"client_id": "x", "refresh_token": "y"}, "access_token, or client_id"),
        ({"base_url": "http://youtube.example"}, {"access_token": "t"}, "base_url"),
        ({"token_url": "http://oauth.example/token"}, {"access_token": "t"}, "token_url"),
        ({"base_url": "http://127.0.0.1.evil.example"}, {"access_token": "t"}, "base_url"),
        ({"base_url": "http://localhost.evil.example/v3"}, {"access_token": "t"}, "base_url"),
        ({"token_url": "http://localhost.evil.example/t"}, {"access_token": "t"}, "token_url"),
        ({"token_url": "http://127.0.0.1.evil.example/t"}, {"access_token": "t"}, "token_url"),
        ({"token_url": "http://localhost:1@evil.example/t"}, {"access_token": "t"}, "token_url"),
    ],
)
def test_build_names_what_is_missing(
    config: dict[str, str], credentials: dict[str, str], reason: str
) -> None:
    with pytest.raises(PermanentError, match=reason):
        YouTubeConnector.build(
            ChannelSetup(account=CHANNEL, config=config, credentials=credentials)
        )


def test_an_injected_transport_carries_the_calls() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"items": [{"id": CHANNEL, "snippet": {"title": "Kide"}}]}
        return httpx.Response(200, content=json.dumps(body))

    setup = ChannelSetup(account=CHANNEL, credentials={"access_token": "t"})
    youtube = YouTubeConnector.build(setup, transport=httpx.MockTransport(answer))
    assert youtube.check() == "channel 'Kide'"
    assert str(seen[0].url).startswith("https://www.googleapis.com/youtube/v3/channels?")
    assert seen[0].headers["Authorization"] == "Bearer t"

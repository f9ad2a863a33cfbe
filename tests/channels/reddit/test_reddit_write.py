"""Replies, private messages and moderation through the Reddit connector against the local
Reddit; settings checked when the connector is built."""

from __future__ import annotations

from typing import Literal

import aiohttp
import pytest

from tests.channels.reddit import fake_reddit
from tests.channels.reddit.connect import connector
from tests.channels.reddit.fake_reddit import comment, message, reply
from vastaa.channels.base import (
    ChannelSetup,
    Moderation,
    ModerationAction,
    Outgoing,
    RateLimited,
    Rejected,
)
from vastaa.channels.reddit.client import RedditConnector, capabilities_for
from vastaa.errors import PermanentError

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
T0 = 1718000000.0
POST = "t3_1dc9x0z"


@pytest.fixture
def thread(server: fake_reddit.Reddit) -> fake_reddit.Reddit:
    server.world.append(fake_reddit.submission("1dc9x0z", T0, "Order never arrived"))
    server.world.append(comment("c1", T0 + 1, "Where is my lamp?"))
    server.inbox.append(message("d1", T0 + 2, "Refund please", author="aylin_k"))
    return server


def outgoing(
    text: str,
    in_reply_to: str | None = "t1_c1",
    action: Literal["reply", "direct_message"] = "reply",
    recipient: str | None = None,
) -> Outgoing:
    return Outgoing(
        key="k1", action=action, text=text, in_reply_to=in_reply_to, recipient=recipient
    )


def test_a_reply_is_posted_under_its_parent(thread: fake_reddit.Reddit) -> None:
    receipt = connector(thread).send(outgoing("Sorry! Sending a new one today."))
    (posted,) = thread.posted("/api/comment")
    assert (posted["thing_id"], posted["text"]) == ("t1_c1", "Sorry! Sending a new one today.")
    assert posted["api_type"] == "json"
    assert receipt.platform_id.startswith("t1_") and receipt.thread_id is None
    assert receipt.url is not None and receipt.url.startswith("https://www.reddit.com/r/Kide/")


def test_a_retried_reply_is_found_and_not_posted_twice(thread: fake_reddit.Reddit) -> None:
    reddit = connector(thread)
    first = reddit.send(outgoing("Sorry! Sending a new one today."))
    again = reddit.send(outgoing("Sorry! Sending a new one today."))
    assert again.platform_id == first.platform_id
    assert len(thread.posted("/api/comment")) == 1
    other = reddit.send(outgoing("Sorry! Sending a new one today.", in_reply_to=POST))
    assert other.platform_id != first.platform_id  # the same text under another parent
    assert len(thread.posted("/api/comment")) == 2


def test_an_answer_to_a_private_message_stays_in_its_conversation(
    thread: fake_reddit.Reddit,
) -> None:
    dm = outgoing("Refund is on its way.", in_reply_to="t4_d1", action="direct_message")
    reddit = connector(thread)
    receipt = reddit.send(dm)
    assert receipt.platform_id.startswith("t4_") and receipt.thread_id == "t4_d1"
    assert reddit.send(dm).platform_id == receipt.platform_id
    assert len(thread.posted("/api/comment")) == 1


def test_a_new_private_message_is_composed_once(thread: fake_reddit.Reddit) -> None:
    dm = outgoing(
        "Hi! About your order…", in_reply_to=None, action="direct_message", recipient="u/aylin_k"
    )
    reddit = connector(thread)
    receipt = reddit.send(dm)
    (composed,) = thread.posted("/api/compose")
    assert (composed["to"], composed["text"]) == ("aylin_k", "Hi! About your order…")
    assert composed["subject"] == "A message from u/kide_support"
    assert receipt.platform_id.startswith("t4_") and receipt.thread_id == receipt.platform_id
    assert reddit.send(dm).platform_id == receipt.platform_id
    assert len(thread.posted("/api/compose")) == 1


def test_reddit_refusals_carry_its_reason(thread: fake_reddit.Reddit) -> None:
    thread.world[0]["data"]["locked"] = True
    reddit = connector(thread)
    with pytest.raises(Rejected, match="THREAD_LOCKED: that thread is locked"):
        reddit.send(outgoing("hello", in_reply_to=POST))
    with pytest.raises(Rejected, match="USER_DOESNT_EXIST"):
        reddit.send(outgoing("hi", None, action="direct_message", recipient="nobody_here"))
    with pytest.raises(Rejected, match="needs the id it answers or a recipient"):
        reddit.send(outgoing("hi", None))


def test_reddits_posting_limit_is_a_rate_limit(thread: fake_reddit.Reddit) -> None:
    with pytest.raises(RateLimited) as raised:
        connector(thread).send(outgoing("too fast, again"))
    assert raised.value.retry_after == 300


def test_a_reply_to_us_can_be_answered(server: fake_reddit.Reddit) -> None:
    server.inbox.append(reply("r1", T0, "Still nothing"))
    receipt = connector(server).send(outgoing("Checking now.", in_reply_to="t1_r1"))
    assert receipt.platform_id.startswith("t1_")


def test_capabilities_follow_the_moderator_setting(server: fake_reddit.Reddit) -> None:
    plain = connector(server).capabilities
    assert {"read_mentions", "reply", "direct_message", "block", "report"} <= plain
    assert not {"hide", "delete"} & plain
    assert connector(server, moderator="true").capabilities == plain | {"hide", "delete"}
    assert capabilities_for({"moderator": True}) == plain | {"hide", "delete"}
    assert capabilities_for({}) == plain


def moderation(action: ModerationAction, reason: str = "") -> Moderation:
    return Moderation(
        key="m1",
        action=action,
        message_id="t1_c1",
        author_id="matti_v",
        author_handle="u/matti_v",
        reason=reason,
    )


def test_an_author_is_blocked_and_unblocked(thread: fake_reddit.Reddit) -> None:
    reddit = connector(thread)
    reddit.moderate(moderation("block"))
    assert thread.blocked == {"matti_v"}
    reddit.moderate(moderation("unblock"))
    assert thread.blocked == set()
    (unfriend,) = thread.posted("/r/all/api/unfriend")
    assert (unfriend["type"], unfriend["container"]) == ("enemy", f"t2_{fake_reddit.ME_ID}")


def test_a_report_names_the_comment_and_the_reason(thread: fake_reddit.Reddit) -> None:
    connector(thread).moderate(moderation("report", reason="Spam " + "x" * 200))
    (report,) = thread.reports
    assert report["thing_id"] == "t1_c1" and len(report["reason"]) == 100


def test_a_moderator_removes_and_approves(thread: fake_reddit.Reddit) -> None:
    thread.moderator = True
    reddit = connector(thread, moderator="true")
    reddit.moderate(moderation("hide"))
    assert thread.removed == {"t1_c1"}
    assert thread.posted("/api/remove")[0]["spam"] == "false"
    reddit.moderate(moderation("unhide"))
    assert thread.removed == set()
    reddit.moderate(moderation("delete"))
    assert thread.removed == {"t1_c1"}


def test_a_moderator_setting_the_account_lacks_is_refused_by_reddit(
    thread: fake_reddit.Reddit,
) -> None:
    with pytest.raises(Rejected, match="HTTP 403"):
        connector(thread, moderator="true").moderate(moderation("hide"))


@pytest.mark.parametrize("action", ["hide", "unhide", "delete"])
def test_without_moderator_rights_removing_is_refused_without_asking(
    server: fake_reddit.Reddit, action: ModerationAction
) -> None:
    with pytest.raises(Rejected, match=f"reddit: cannot {action}"):
        connector(server).moderate(moderation(action))
    assert server.requests == [] and server.tokens == []


def setup(config: dict[str, str], **credentials: str) -> ChannelSetup:
    given = {"client_id": "i", "client_secret": "s", "password": "p", **credentials}
    return ChannelSetup(account="kide_support", config=config, credentials=given)


def test_settings_are_checked_when_the_connector_is_built() -> None:
    with pytest.raises(PermanentError, match="credentials client_secret, password"):
        RedditConnector.build(setup({}, client_secret="", password=""))
    with pytest.raises(PermanentError, match="oauth_url must be a https:// address"):
        RedditConnector.build(setup({"oauth_url": "http://reddit.example"}))
    for url in ("http://localhost.evil.example", "http://127.0.0.1.evil.example:8080"):
        with pytest.raises(PermanentError, match="reddit_url must be a https:// address"):
            RedditConnector.build(setup({"reddit_url": url}))
    for url in ("http://localhost:1@evil.example", "https://user:pw@oauth.reddit.com"):
        with pytest.raises(PermanentError, match="oauth_url must not carry a user name"):
            RedditConnector.build(setup({"oauth_url": url}))
    with pytest.raises(PermanentError, match="'no spaces' is not a subreddit name"):
        RedditConnector.build(setup({"subreddits": "Kide, no spaces"}))
    with pytest.raises(PermanentError, match="page_size"):
        RedditConnector.build(setup({"page_size": "500"}))


def test_defaults_are_reddits_own_addresses() -> None:
    settings = RedditConnector.build(setup({}, username="u/Kide_Support")).settings
    assert (settings.oauth_url, settings.reddit_url) == (
        "https://oauth.reddit.com",
        "https://www.reddit.com",
    )
    assert settings.username == "Kide_Support" and settings.subreddits == ()
    assert settings.user_agent == "python:vastaa:0.1 (by u/Kide_Support)"


def test_each_call_takes_its_session_from_the_injected_factory(
    server: fake_reddit.Reddit,
) -> None:
    made: list[aiohttp.ClientSession] = []

    def session() -> aiohttp.ClientSession:
        made.append(aiohttp.ClientSession())
        return made[-1]

    base = connector(server)
    reddit = RedditConnector(base.settings, session_factory=session)
    assert reddit.check() == "signed in as u/kide_support"
    assert len(made) == 1 and made[0].closed

"""Moderation through the Mastodon connector against a local Mastodon server: blocks and reports
reach the server, what Mastodon cannot do is refused, errors land in Vastaa's tree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.channels import fake_mastodon
from vastaa.channels.base import Connector, Moderation, ModerationAction, RateLimited, Rejected
from vastaa.channels.models import Channel
from vastaa.channels.registry import builtin
from vastaa.errors import PermanentError, RetryableError

AUTHOR_ID = "77"
HANDLE = "matti@example.social"
POST_ID = "109001"


@pytest.fixture
def server() -> Iterator[fake_mastodon.Instance]:
    with fake_mastodon.running() as instance:
        instance.add_account(AUTHOR_ID, HANDLE, statuses=[POST_ID, "109002"])
        yield instance


def channel(server: fake_mastodon.Instance, token: str = fake_mastodon.TOKEN) -> Channel:
    return Channel(
        platform="mastodon",
        account="kide@mastodon.example",
        name="Kide",
        config={"base_url": server.base_url},
        credentials={"token": token},
    )


def connector(server: fake_mastodon.Instance, token: str = fake_mastodon.TOKEN) -> Connector:
    return builtin({}).connector(channel(server, token))


def request(
    action: ModerationAction,
    author_id: str | None = AUTHOR_ID,
    handle: str | None = None,
    reason: str = "",
) -> Moderation:
    return Moderation(
        key=f"key-{action}",
        action=action,
        message_id=POST_ID,
        author_id=author_id,
        author_handle=handle,
        reason=reason,
    )


def test_mastodon_declares_block_and_report_but_not_hide_or_delete(
    server: fake_mastodon.Instance,
) -> None:
    registry = builtin({})
    declared = registry.capabilities(channel(server))
    assert {"reply", "direct_message", "block", "report"} <= declared
    assert not {"hide", "delete"} & declared
    assert connector(server).capabilities == declared


def test_an_author_is_blocked_and_unblocked_and_a_second_block_is_no_error(
    server: fake_mastodon.Instance,
) -> None:
    mastodon = connector(server)
    mastodon.moderate(request("block"))
    assert server.blocked == {AUTHOR_ID}
    mastodon.moderate(request("block"))
    assert server.blocked == {AUTHOR_ID}
    mastodon.moderate(request("unblock"))
    assert server.blocked == set()


@pytest.mark.parametrize("handle", [HANDLE, f"@{HANDLE}"])
def test_an_author_known_only_by_handle_is_looked_up(
    server: fake_mastodon.Instance, handle: str
) -> None:
    connector(server).moderate(request("block", author_id=None, handle=handle))
    assert server.blocked == {AUTHOR_ID}


def test_a_report_names_the_post_and_the_reason_and_is_forwarded(
    server: fake_mastodon.Instance,
) -> None:
    mastodon = connector(server)
    mastodon.moderate(request("report", reason="Spam: the same link in every reply"))
    mastodon.moderate(request("report", author_id=None, handle=HANDLE, reason="Threats"))

    spam, threats = server.reports
    assert spam["target_account"]["id"] == AUTHOR_ID and spam["status_ids"] == [POST_ID]
    assert spam["comment"] == "Spam: the same link in every reply"
    assert (spam["category"], spam["forwarded"]) == ("spam", True)
    assert (threats["category"], threats["comment"]) == ("other", "Threats")
    assert threats["target_account"]["id"] == AUTHOR_ID


def test_an_unknown_author_is_refused_with_the_servers_reason(
    server: fake_mastodon.Instance,
) -> None:
    mastodon = connector(server)
    with pytest.raises(Rejected, match="not found.*Record not found"):
        mastodon.moderate(request("block", author_id="404"))
    with pytest.raises(Rejected, match="not found"):
        mastodon.moderate(request("report", author_id=None, handle="nobody@nowhere.example"))
    with pytest.raises(Rejected, match="author's id or handle"):
        mastodon.moderate(request("block", author_id=None))
    assert server.blocked == set() and server.reports == []


def test_a_rate_limit_says_how_long_to_wait(server: fake_mastodon.Instance) -> None:
    server.rate_limit_next(600)
    with pytest.raises(RateLimited) as raised:
        connector(server).moderate(request("block"))
    assert raised.value.retry_after is not None and raised.value.retry_after > 500
    assert server.blocked == set()


def test_a_server_error_is_retryable(server: fake_mastodon.Instance) -> None:
    server.fail_next(503, "Service Unavailable")
    with pytest.raises(RetryableError, match="Service Unavailable") as raised:
        connector(server).moderate(request("report", author_id=None, handle=HANDLE))
    assert not isinstance(raised.value, PermanentError | RateLimited)
    assert server.reports == []


@pytest.mark.parametrize("action", ["hide", "unhide", "delete"])
def test_what_mastodon_cannot_do_is_refused_without_asking_it(
    server: fake_mastodon.Instance, action: ModerationAction
) -> None:
    with pytest.raises(Rejected, match=f"mastodon: cannot {action}"):
        connector(server).moderate(request(action))
    assert server.requests == 0


def test_a_refused_token_is_a_refusal(server: fake_mastodon.Instance) -> None:
    with pytest.raises(Rejected, match="access token was refused"):
        connector(server, token="wrong").moderate(request("block"))
    assert server.blocked == set()

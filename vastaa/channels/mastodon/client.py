"""Mastodon through Mastodon.py: replies, direct messages and moderation of authors.

A direct message is a status with ``direct`` visibility that mentions its recipient. Every post
carries the outbox key as its Idempotency-Key, which Mastodon honours for an hour: a retried post
is not posted twice.

Moderation: an account can block and unblock another account (blocking a blocked one succeeds)
and report an account with some of its statuses to the moderators, forwarded to the author's
server too. It cannot hide a reply or delete another person's status, so the connector does not
declare ``hide`` or ``delete``. The author is named by id, or by handle, looked up on the server.
A report has no idempotency key on Mastodon: one retried after a time-out may be filed twice.

Channel settings: ``config = {"base_url": "https://mastodon.example"}``, credentials
``{"token": ...}`` or ``{"token_env": "VARIABLE"}`` (an access token with write:statuses, and
for moderation write:blocks, write:reports and read:accounts).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from vastaa.channels.base import (
    NEEDS,
    Capability,
    ChannelSetup,
    Moderation,
    Outgoing,
    RateLimited,
    Receipt,
    Rejected,
)
from vastaa.errors import PermanentError, RetryableError

CAPABILITIES: frozenset[Capability] = frozenset({"reply", "direct_message", "block", "report"})
TIMEOUT_SECONDS = 15.0
REPORT_COMMENT_LIMIT = 1000  # Mastodon refuses a longer comment

T = TypeVar("T")


class MastodonConnector:
    platform = "mastodon"
    capabilities = CAPABILITIES

    def __init__(self, api: Mastodon, account: str) -> None:
        self.api = api
        self.account = account

    @classmethod
    def build(cls, setup: ChannelSetup) -> MastodonConnector:
        base_url = str(setup.config.get("base_url", "")).rstrip("/")
        local = base_url.startswith(("http://127.0.0.1", "http://localhost"))
        if not (base_url.startswith("https://") or local):
            raise PermanentError("mastodon: the channel needs an https:// base_url")
        token = setup.credentials.get("token")
        if not token:
            raise PermanentError("mastodon: the channel needs an access token")
        api = Mastodon(
            access_token=token,
            api_base_url=base_url,
            ratelimit_method="throw",  # the outbox waits, not this thread
            request_timeout=TIMEOUT_SECONDS,
            version_check_mode="none",
            user_agent="vastaa",
        )
        return cls(api, setup.account)

    def send(self, outgoing: Outgoing) -> Receipt:
        if outgoing.action == "direct_message" and not outgoing.recipient:
            raise Rejected("mastodon: a direct message needs the customer's handle")
        text = outgoing.text
        if outgoing.recipient and f"@{outgoing.recipient}" not in text:
            text = f"@{outgoing.recipient} {text}"  # Mastodon notifies whom a post mentions
        try:
            status = self.api.status_post(
                text,
                in_reply_to_id=outgoing.in_reply_to,
                visibility="direct" if outgoing.action == "direct_message" else "public",
                language=outgoing.lang,
                idempotency_key=outgoing.key,
            )
        except Exception as error:  # every Mastodon.py error is mapped below, none is lost
            raise _mapped(error, self.api) from error
        status_id = str(status["id"])
        thread = status_id if outgoing.action == "direct_message" else None
        return Receipt(platform_id=status_id, url=status.get("url"), thread_id=thread, text=text)

    def moderate(self, request: Moderation) -> None:
        if NEEDS[request.action] not in self.capabilities:
            raise Rejected(
                f"mastodon: cannot {request.action}: Mastodon lets an account hide or delete "
                "only its own posts"
            )
        account_id = self._author_id(request)
        if request.action == "block":
            self._call(self.api.account_block, account_id)
        elif request.action == "unblock":
            self._call(self.api.account_unblock, account_id)
        else:
            self._report(account_id, request)

    def _report(self, account_id: str, request: Moderation) -> None:
        self._call(
            self.api.report,
            account_id,
            status_ids=[request.message_id] if request.message_id else None,
            comment=request.reason[:REPORT_COMMENT_LIMIT] or None,
            forward=True,  # the author's server's moderators see it too
            category=_category(request.reason),
        )

    def _author_id(self, request: Moderation) -> str:
        """The author's account id, looked up by handle when only the handle is known."""
        if request.author_id:
            return request.author_id
        if not request.author_handle:
            raise Rejected(f"mastodon: a {request.action} needs the author's id or handle")
        account = self._call(self.api.account_lookup, request.author_handle.removeprefix("@"))
        return str(account["id"])

    def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One API call, its errors in Vastaa's tree."""
        try:
            return method(*args, **kwargs)
        except Exception as error:  # every Mastodon.py error is mapped, none is lost
            raise _mapped(error, self.api) from error


def _category(reason: str) -> str:
    """Mastodon's report category: spam when the reason says so, other otherwise."""
    return "spam" if reason.strip().casefold().startswith("spam") else "other"


def _mapped(error: Exception, api: Mastodon) -> Exception:
    """Mastodon.py's errors in Vastaa's tree, with the server's own reason."""
    if isinstance(error, MastodonRatelimitError):
        reset = getattr(api, "ratelimit_reset", None)
        wait = max(0.0, float(reset) - time.time()) if reset else None
        return RateLimited("mastodon: rate limited", retry_after=wait)
    if isinstance(error, MastodonNetworkError | MastodonServerError):
        return RetryableError(f"mastodon: {_reason(error)}")
    if isinstance(error, MastodonUnauthorizedError):
        return Rejected(f"mastodon: the access token was refused ({_reason(error)})")
    if isinstance(error, MastodonNotFoundError):
        return Rejected(f"mastodon: not found ({_reason(error)})")
    if isinstance(error, MastodonAPIError):
        return Rejected(f"mastodon: {_reason(error)}")
    return RetryableError(f"mastodon: {type(error).__name__}: {error}")


def _reason(error: Exception) -> str:
    """The server's error text (Mastodon.py passes it as the 4th argument) or the HTTP reason."""
    args: tuple[Any, ...] = error.args
    if len(args) >= 4 and args[3]:
        return str(args[3])[:500]
    if len(args) >= 3:
        return f"HTTP {args[1]} {args[2]}"
    return str(error)[:500]

"""XRPC calls to a Bluesky PDS through the atproto SDK (HTTP only), errors in Vastaa's tree.

The SDK's ``Client`` signs in with ``com.atproto.server.createSession`` (handle + app password)
and refreshes its session itself. Calls go through ``invoke_query`` / ``invoke_procedure`` with
the SDK's typed parameters, and the answer is kept as the JSON received: one malformed item must
not fail a whole page, and ``parse`` keeps the payload as raw.

Rate limits: Bluesky answers 429 with ``ratelimit-limit``, ``ratelimit-remaining``,
``ratelimit-reset`` (Unix seconds) and ``ratelimit-policy`` headers, sometimes ``retry-after``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from atproto import Client, models
from atproto_client.exceptions import (
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.request import Request
from atproto_core.exceptions import AtProtocolError

from vastaa.channels.base import RateLimited, Rejected
from vastaa.clock import Clock
from vastaa.errors import RetryableError

TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Answer:
    """A successful XRPC answer: its JSON body and its headers (lower-case names)."""

    body: dict[str, Any]
    headers: Mapping[str, str]

    def wait(self, clock: Clock) -> float | None:
        """Seconds until the rate window resets when none is left in it."""
        if self.headers.get("ratelimit-remaining") != "0":
            return None
        return _until(self.headers.get("ratelimit-reset"), clock)


@dataclass(frozen=True)
class Session:
    did: str
    handle: str


class Xrpc:
    """One signed-in account on a PDS. ``transport`` replaces the network (tests)."""

    def __init__(
        self,
        base_url: str,
        handle: str,
        app_password: str,
        *,
        clock: Clock,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        options: dict[str, Any] = {"timeout": TIMEOUT_SECONDS}
        if transport is not None:
            options["transport"] = transport
        self.base_url = base_url
        self._client = Client(base_url=base_url, request=Request(**options))
        self._client.on_session_change(self._remember)
        self._handle = handle
        self._password = app_password
        self._clock = clock
        self._session: Session | None = None

    def session(self) -> Session:
        """The account signed in, signing in on first use."""
        if self._session is None:
            self._call(self._client.login, self._handle, self._password, fetch_bsky_profile=False)
        if self._session is None:
            raise RetryableError("bluesky: createSession answered no session")
        return self._session

    def query(self, nsid: str, params: Any) -> Answer:
        self.session()
        return _answer(self._call(self._client.invoke_query, nsid, params=params))

    def procedure(self, nsid: str, data: Any) -> Answer:
        self.session()
        return _answer(self._call(self._client.invoke_procedure, nsid, data=data))

    def get_record(self, repo: str, collection: str, rkey: str) -> dict[str, Any] | None:
        """``com.atproto.repo.getRecord``; ``None`` when there is no such record."""
        params = models.ComAtprotoRepoGetRecord.Params(repo=repo, collection=collection, rkey=rkey)
        try:
            return self.query("com.atproto.repo.getRecord", params).body
        except Rejected as error:
            if xrpc_error(error.__cause__) == "RecordNotFound":
                return None
            raise

    def _remember(self, _event: Any, session: Any) -> None:
        self._session = Session(did=str(session.did), handle=str(session.handle))

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except AtProtocolError as error:
            raise mapped(error, self._clock) from error


def mapped(error: AtProtocolError, clock: Clock) -> Exception:
    """The SDK's errors in Vastaa's tree, with the server's XRPC error name and message.
    The request (and the app password in it) is never part of the message."""
    if isinstance(error, RateLimitExceededError):
        wait = error.retry_after
        if wait is None and error.reset_at is not None:
            wait = max(0.0, (error.reset_at - clock()).total_seconds())
        return RateLimited(f"bluesky: rate limited ({_reason(error)})", retry_after=wait)
    if isinstance(error, NetworkError):
        return RetryableError(f"bluesky: {type(error).__name__}: {_reason(error)}")
    if isinstance(error, UnauthorizedError):
        return Rejected(f"bluesky: the credentials were refused ({_reason(error)})")
    if isinstance(error, BadRequestError):
        return Rejected(f"bluesky: {_reason(error)}")
    if isinstance(error, RequestErrorBase) and error.response is not None:
        status = error.response.status_code
        if status >= 500:
            return RetryableError(f"bluesky: {_reason(error)}")
        return Rejected(f"bluesky: {_reason(error)}")
    return RetryableError(f"bluesky: {type(error).__name__}: {error}")


def xrpc_error(error: BaseException | None) -> str | None:
    """The XRPC error name of an SDK error (``RecordNotFound``, ``InvalidRequest``)."""
    response = error.response if isinstance(error, RequestErrorBase) else None
    name = getattr(response.content, "error", None) if response is not None else None
    return name if isinstance(name, str) else None


def _reason(error: AtProtocolError) -> str:
    """``HTTP 400 InvalidRequest: message``, from the XRPC error body."""
    response = error.response if isinstance(error, RequestErrorBase) else None
    if response is None:
        return str(error) or type(error).__name__
    content = response.content
    name = getattr(content, "error", None)
    message = getattr(content, "message", None)
    detail = ": ".join(str(part) for part in (name, message) if part)
    return f"HTTP {response.status_code} {detail}".strip()[:500]


def _answer(response: Any) -> Answer:
    body = response.content
    if not isinstance(body, dict):
        raise RetryableError("bluesky: the answer is not a JSON object")
    return Answer(body=body, headers=dict(response.headers))


def _until(reset: str | None, clock: Clock) -> float | None:
    try:
        at = float(reset or "")
    except ValueError:
        return None
    return max(0.0, at - clock().timestamp())

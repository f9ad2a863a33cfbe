"""X (Twitter) through the API v2 over httpx: mentions and searches in, replies and hidden
replies out.

Reading: ``GET /2/users/:id/mentions`` → ``events`` (kind ``mention``, or ``reply`` when it
answers one of our tweets), and ``GET /2/tweets/search/recent`` with the listening terms and
hashtags (OR-joined, anything but a plain word or #tag quoted, ``-is:retweet``, split into
queries of at most 512 characters) → ``found``; a search that fails is a problem and keeps its
cursor. Each source has its own cursor: ``since_id`` (the newest id read), and while a source
pages back (``meta.next_token``), the token and the newest id of the scan, which becomes
``since_id`` when the scan is complete. The first read takes the newest page only. A 200
answer's partial ``errors`` become ``problems``.

Writing: ``POST /2/tweets`` with ``reply.in_reply_to_tweet_id``. X has no idempotency key:
before posting, our recent tweets (``GET /2/users/:id/tweets``) are searched for a reply to the
same tweet with the same text, which is returned instead. Moderation: ``hide``/``unhide`` a reply
to one of our tweets (``PUT /2/tweets/:id/hidden``). Blocking is not offered to most apps in
v2, direct messages are not sent.

Channel settings: account = our user id or @handle; config ``user_id`` (our numeric id, looked up
with ``/2/users/me`` when not given), ``base_url``; credential ``bearer_token`` (an OAuth 2.0
user access token with tweet.read, tweet.write, users.read).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from vastaa.channels.base import (
    NEEDS,
    Capability,
    ChannelSetup,
    Fetched,
    Listening,
    MalformedPayload,
    Moderation,
    Outgoing,
    RateLimited,
    Receipt,
    Rejected,
    checked_url,
)
from vastaa.channels.x import parse
from vastaa.errors import PermanentError, RetryableError
from vastaa.pipeline.events import ChannelRef, Event

CAPABILITIES: frozenset[Capability] = frozenset({"read_mentions", "reply", "hide"})
BASE_URL = "https://api.x.com"
TIMEOUT_SECONDS = 15.0
PAGE_SIZE = 100
QUERY_LIMIT = 512  # X's limit on a recent-search query (Basic and Pro access)
RETWEETS = " -is:retweet"
BARE_TERM = re.compile(r"[#@$]?\w+")  # what X reads as one keyword, hashtag, mention, cashtag
DEFAULT_WAIT = 60.0
TWEET_QUERY = {
    "max_results": PAGE_SIZE,
    "tweet.fields": "created_at,conversation_id,in_reply_to_user_id,referenced_tweets,lang,"
    "edit_history_tweet_ids,public_metrics,author_id,attachments",
    "expansions": "author_id,attachments.media_keys",
    "user.fields": "username,name,verified,public_metrics",
    "media.fields": "type,url,preview_image_url",
}

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Answer:
    """A successful answer: its JSON and the seconds the rate headers ask us to wait."""

    body: dict[str, Any]
    wait: float | None = None


class XApi:
    """HTTP only: Bearer auth, one request, X's errors and rate headers in Vastaa's tree."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = BASE_URL,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = _now,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.http = httpx.Client(
            transport=transport,
            timeout=TIMEOUT_SECONDS,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "vastaa"},
        )

    def call(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> Answer:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self.http.request(method, f"{self.base_url}{path}", params=query, json=body)
        except httpx.TransportError as error:
            raise RetryableError(f"x: {type(error).__name__}") from None
        if not response.is_success:
            raise _error(response, self._reset_in(response))
        remaining = response.headers.get("x-rate-limit-remaining")
        wait = self._reset_in(response) if remaining == "0" else None
        return Answer(_json(response), wait)

    def _reset_in(self, response: httpx.Response) -> float | None:
        """Seconds until ``x-rate-limit-reset`` (epoch seconds), or ``Retry-After``."""
        for name, base in (("x-rate-limit-reset", self.clock().timestamp()), ("retry-after", 0)):
            try:
                return max(0.0, float(response.headers[name]) - base)
            except (KeyError, ValueError):
                continue
        return None


@dataclass
class Source:
    """One source's cursor: ``since_id``, and while it pages, ``next_token`` and ``newest``."""

    since_id: str | None = None
    next_token: str | None = None
    newest: str | None = None

    @classmethod
    def load(cls, value: Any) -> Source:
        value = value if isinstance(value, dict) else {}
        return cls(value.get("since_id"), value.get("next_token"), value.get("newest"))

    def params(self) -> dict[str, Any]:
        return {"since_id": self.since_id, "pagination_token": self.next_token}

    def after(self, meta: Mapping[str, Any]) -> Source:
        """The cursor after a page with this ``meta``."""
        newest = _newer(self.newest, meta.get("newest_id"))
        token = meta.get("next_token")
        if token and self.since_id is not None:
            return Source(self.since_id, str(token), newest)
        return Source(_newer(self.since_id, newest))  # complete (a first read takes one page)

    def dump(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Page:
    events: list[Event] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    source: Source = field(default_factory=Source)
    wait: float | None = None


@dataclass
class Searched:
    sources: dict[str, Source]
    events: list[Event] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    wait: float | None = None

    def add(self, query: str, page: Page) -> None:
        self.sources[query] = page.source
        self.events += page.events
        self.problems += page.problems
        if page.wait is not None:
            self.wait = max(self.wait or 0.0, page.wait)


class XConnector:
    platform = "x"
    capabilities = CAPABILITIES

    def __init__(self, api: XApi, account: str, user_id: str | None = None) -> None:
        self.api = api
        self.account = account
        self.channel = ChannelRef(platform="x", account=account)
        self._user_id = user_id or (account if account.isdigit() else None)

    @classmethod
    def build(cls, setup: ChannelSetup, transport: httpx.BaseTransport | None = None) -> XConnector:
        token = setup.credentials.get("bearer_token")
        if not token:
            raise PermanentError("x: the channel needs a bearer_token (an OAuth 2.0 user token)")
        if not setup.account.strip():
            raise PermanentError("x: the channel needs our X user id or @handle")
        base_url = checked_url(str(setup.config.get("base_url") or BASE_URL), what="x: base_url")
        user_id = str(setup.config.get("user_id") or "") or None
        api = XApi(token, base_url=base_url, transport=transport)
        return cls(api, setup.account, user_id)

    def check(self) -> str:
        me = _data(self.api.call("GET", "/2/users/me").body, "users/me")
        self._user_id = self._user_id or str(me.get("id") or "") or None
        return f"signed in as @{me.get('username')}"

    def user_id(self) -> str:
        if self._user_id is None:
            self.check()
        if self._user_id is None:
            raise Rejected("x: /2/users/me did not say our user id")
        return self._user_id

    def read(self, cursor: Mapping[str, Any], listening: Listening) -> Fetched:
        """A page of mentions and a page of each search."""
        mentions = self._mentions(Source.load(cursor.get("mentions")))
        searched = self._searches(search_queries(listening), dict(cursor.get("search") or {}))
        sources = [mentions.source, *searched.sources.values()]
        waits = [w for w in (mentions.wait, searched.wait) if w is not None]
        return Fetched(
            events=mentions.events,
            found=searched.events,
            cursor={
                "mentions": mentions.source.dump(),
                "search": {q: s.dump() for q, s in searched.sources.items()},
            },
            more=any(source.next_token for source in sources),
            wait=max(waits, default=None),
            problems=mentions.problems + searched.problems,
        )

    def send(self, outgoing: Outgoing) -> Receipt:
        if outgoing.action != "reply" or not outgoing.in_reply_to:
            raise Rejected("x: only replies to a post can be sent (direct messages are not)")
        found = self._our_reply(outgoing.in_reply_to, outgoing.text)
        if found is None:
            body = {"text": outgoing.text, "reply": {"in_reply_to_tweet_id": outgoing.in_reply_to}}
            found = _data(self.api.call("POST", "/2/tweets", body=body).body, "tweets")
        tweet_id = str(found.get("id") or "")
        if not tweet_id:
            raise MalformedPayload("x: POST /2/tweets answered without an id")
        return Receipt(platform_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")

    def moderate(self, request: Moderation) -> None:
        if NEEDS[request.action] not in self.capabilities:
            raise Rejected(
                f"x: cannot {request.action}: X's API lets us hide replies to our own posts only"
            )
        if not request.message_id:
            raise Rejected(f"x: a {request.action} needs the post's id")
        hidden = {"hidden": request.action == "hide"}
        self.api.call("PUT", f"/2/tweets/{request.message_id}/hidden", body=hidden)

    def _mentions(self, source: Source) -> Page:
        path = f"/2/users/{self.user_id()}/mentions"
        answer = self.api.call("GET", path, {**TWEET_QUERY, **source.params()})
        return self._page(answer, source, found=False)

    def _searches(self, queries: list[str], before: dict[str, Any]) -> Searched:
        """A page of each query. One rate-limited after the mentions were read keeps its
        cursor (and the queries after it theirs) and sets the wait; one refused or failing
        keeps its cursor, becomes a problem, and the next query is read; a query no longer
        asked is forgotten."""
        searched = Searched(sources={q: Source.load(before.get(q)) for q in queries})
        for query in queries:
            try:
                page = self._search(query, searched.sources[query])
            except RateLimited as error:
                searched.wait = error.retry_after or DEFAULT_WAIT
                break
            except (PermanentError, RetryableError) as error:
                searched.problems.append(f"x: search {query[:80]!r} failed: {error}")
                continue
            searched.add(query, page)
        return searched

    def _search(self, query: str, source: Source) -> Page:
        try:
            return self._search_page(query, source)
        except Rejected as error:
            if source.since_id is None or "since_id" not in str(error):
                raise
        # Recent search reaches back 7 days; an older since_id is refused: start again.
        return self._search_page(query, Source())

    def _search_page(self, query: str, source: Source) -> Page:
        params = {**TWEET_QUERY, "query": query, **source.params()}
        params["next_token"] = params.pop("pagination_token")  # search names it next_token
        answer = self.api.call("GET", "/2/tweets/search/recent", params)
        return self._page(answer, source, found=True)

    def _page(self, answer: Answer, source: Source, *, found: bool) -> Page:
        body = answer.body
        page = Page(source=source.after(_meta(body)), wait=answer.wait)
        includes = parse.Includes.of(body)
        page.problems += [f"x: {_problem(error)}" for error in _list(body.get("errors"))]
        seen: set[tuple[str, str]] = set()
        for tweet in _list(body.get("data")):
            try:
                event = parse.tweet_event(
                    tweet, includes, self.channel, self.user_id(), found=found
                )
            except MalformedPayload as error:
                page.problems.append(f"x: post {_id_of(tweet)} skipped: {error}")
                continue
            version = (event.external_id, str(tweet.get("id")))
            if version not in seen:
                seen.add(version)
                page.events.append(event)
        return page

    def _our_reply(self, parent: str, text: str) -> dict[str, Any] | None:
        """Our recent reply to ``parent`` with this text (an earlier attempt got through)."""
        params = {"max_results": PAGE_SIZE, "tweet.fields": "referenced_tweets,created_at"}
        body = self.api.call("GET", f"/2/users/{self.user_id()}/tweets", params).body
        wanted = parse.without_mentions(text)
        for tweet in _list(body.get("data")):
            if not isinstance(tweet, dict) or not isinstance(tweet.get("text"), str):
                continue
            same = parse.without_mentions(parse.text_of(tweet)) == wanted
            if same and parse.replied_to(tweet) == parent:
                return dict(tweet)
        return None


def search_queries(listening: Listening) -> list[str]:
    """The listening terms (quoted unless a plain word, see ``_term``) and #hashtags,
    OR-joined into as few queries as fit X's 512-character limit, each without retweets."""
    tags = [f"#{h.strip().lstrip('#')}" for h in listening.hashtags if h.strip("# ")]
    parts = [_term(t) for t in [*listening.terms, *tags]]
    queries: list[str] = []
    group: list[str] = []
    for part in dict.fromkeys(p for p in parts if p):
        if group and len(_query(group + [part])) > QUERY_LIMIT:
            queries.append(_query(group))
            group = []
        if len(_query([part])) <= QUERY_LIMIT:
            group.append(part)
    return queries + ([_query(group)] if group else [])


def _term(term: str) -> str:
    """A term X's query syntax cannot misread: a plain word, #hashtag, @mention or $cashtag
    as it is; anything else (phrases, parentheses, ``-``, ``:``, a bare ``OR``) quoted, with
    the quotes and backslashes in it dropped."""
    text = " ".join(term.replace('"', " ").replace("\\", " ").split())
    if not text:
        return ""
    return text if BARE_TERM.fullmatch(text) and text != "OR" else f'"{text}"'


def _query(parts: list[str]) -> str:
    joined = " OR ".join(parts)
    return f"({joined}){RETWEETS}" if len(parts) > 1 else f"{joined}{RETWEETS}"


def _newer(one: Any, other: Any) -> str | None:
    ids = [str(i) for i in (one, other) if i]
    return max(ids, key=lambda i: (len(i), i)) if ids else None


def _error(response: httpx.Response, reset_in: float | None) -> Exception:
    """X's problem bodies (``{"title", "detail", "type", "status"}``, or ``{"errors": [...]}``)
    in Vastaa's tree; never the token."""
    said = f"x: {_reason(response)}"
    status = response.status_code
    if status == 429:
        return RateLimited(said, retry_after=reset_in if reset_in is not None else DEFAULT_WAIT)
    if status >= 500:
        return RetryableError(said)
    if status in (401, 403):
        return Rejected(f"x: the token was refused or lacks a scope ({_reason(response)})")
    return Rejected(said)


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code} {response.reason_phrase}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    head = ": ".join(str(body[k]) for k in ("title", "detail") if body.get(k))
    details = [_problem(e) for e in _list(body.get("errors"))]
    return "; ".join([p for p in [head, *details] if p])[:500] or f"HTTP {response.status_code}"


def _problem(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)[:300]
    parts = [error.get("title"), error.get("detail") or error.get("message")]
    return ": ".join(str(p) for p in parts if p)[:300]


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise RetryableError("x: the answer was not JSON") from None
    if not isinstance(body, dict):
        raise MalformedPayload("x: the answer was not a JSON object")
    return body


def _data(body: dict[str, Any], what: str) -> dict[str, Any]:
    data = body.get("data")
    if not isinstance(data, dict):
        raise MalformedPayload(f"x: {what} answered without data ({_reason_of(body)})")
    return data


def _reason_of(body: dict[str, Any]) -> str:
    return "; ".join(_problem(e) for e in _list(body.get("errors"))) or "no reason given"


def _meta(body: dict[str, Any]) -> dict[str, Any]:
    meta = body.get("meta")
    return meta if isinstance(meta, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _id_of(item: Any) -> str:
    return str(item.get("id") or "?") if isinstance(item, dict) else "?"

"""Reddit through Async PRAW, signed in as a script app's own account (password grant).

Each call (``check``, ``read``, ``send``, ``moderate``) runs one ``asyncio.run``: it opens an
Async PRAW client, which fetches an access token from ``{reddit_url}/api/v1/access_token``,
makes its requests to ``{oauth_url}`` and is closed again. Async PRAW gives the sign-in, the
pacing by Reddit's ``X-Ratelimit-*`` headers and the error classes; the connector asks for
Reddit's JSON as it is (``Reddit.request``) and ``parse`` turns it into events.

Reading: see ``read``. Writing: replies with ``/api/comment``, new private messages with
``/api/compose``. Reddit has no idempotency key, so before posting the connector looks for an
earlier post of ours that answers the same parent (our newest comments, ``/user/{me}/comments``,
or our sent messages, ``/message/sent``) with the same text, and returns it instead of posting
again. Moderation: ``block``/``unblock`` and ``report`` for any account; ``hide``/``unhide``
(remove and approve) and ``delete`` (remove) only with ``moderator = true``, which says the
account moderates the subreddits it answers in.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import asyncpraw
from asyncpraw.exceptions import AsyncPRAWException, RedditAPIException
from asyncprawcore import Requestor
from asyncprawcore.exceptions import (
    BadJSON,
    NotFound,
    OAuthException,
    RequestException,
    ResponseException,
    ServerError,
    TooManyRequests,
)

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
from vastaa.channels.reddit import parse
from vastaa.channels.reddit.reading import Reader, Source
from vastaa.errors import PermanentError, RetryableError, VastaaError

READING: tuple[Capability, ...] = ("read_comments", "read_mentions", "read_direct_messages")
WRITING: tuple[Capability, ...] = ("reply", "direct_message", "block", "report")
BASE: frozenset[Capability] = frozenset(READING + WRITING)
MODERATOR: frozenset[Capability] = frozenset({"hide", "delete"})
CAPABILITIES = BASE  # what the registry declares; ``capabilities_for`` adds the moderator's
OAUTH_URL = "https://oauth.reddit.com"
REDDIT_URL = "https://www.reddit.com"
TIMEOUT_SECONDS = 15.0
REPORT_REASON_LIMIT = 100  # Reddit refuses a longer reason
SUBREDDIT = re.compile(r"^[A-Za-z0-9_]{2,21}$")
WAIT = re.compile(r"(\d+) (minute|second)")
RATE_HEADERS = ("x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-used")
TRUE = frozenset({"1", "true", "yes", "on"})

T = TypeVar("T")
SessionFactory = Callable[[], aiohttp.ClientSession]


def capabilities_for(config: Mapping[str, Any]) -> frozenset[Capability]:
    """What a channel can do: removing others' posts needs a moderator's account."""
    return BASE | MODERATOR if _flag(config.get("moderator")) else BASE


class RateRequestor(Requestor):
    """Async PRAW's requestor that also keeps the last ``X-Ratelimit-*`` headers it saw, and
    sends the token request's HTTP Basic credentials as a header (aiohttp deprecates
    ``auth=``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate: dict[str, str] = {}

    @asynccontextmanager
    async def request(self, *args: Any, **kwargs: Any) -> AsyncIterator[aiohttp.ClientResponse]:
        auth = kwargs.pop("auth", None)  # aiohttp deprecates ``auth=``: the header instead
        if auth is not None:
            kwargs["headers"] = {**kwargs.get("headers", {}), "Authorization": auth.encode()}
        async with super().request(*args, **kwargs) as response:
            if "x-ratelimit-remaining" in response.headers:
                self.rate = {name: response.headers.get(name, "") for name in RATE_HEADERS}
            yield response


class Api:
    """One signed-in Async PRAW client for the length of one call: Reddit's JSON as it is."""

    def __init__(self, reddit: asyncpraw.Reddit, requestor: RateRequestor) -> None:
        self.reddit = reddit
        self.requestor = requestor

    @property
    def exhausted(self) -> bool:
        """Reddit said no calls are left in this window."""
        remaining = _number(self.requestor.rate.get("x-ratelimit-remaining"))
        return remaining is not None and remaining <= 0

    @property
    def reset(self) -> float | None:
        """Seconds until Reddit's rate window starts again."""
        return _number(self.requestor.rate.get("x-ratelimit-reset"))

    async def get(self, path: str, **params: str | int) -> Any:
        return await self.reddit.request(method="GET", path=path, params=dict(params))

    async def post(self, path: str, **data: str) -> Any:
        answer = await self.reddit.request(method="POST", path=path, data=dict(data))
        _raise_errors(answer)
        return answer

    async def me(self) -> dict[str, Any]:
        found = await self.get("/api/v1/me")
        if not isinstance(found, dict) or not isinstance(found.get("name"), str):
            raise MalformedPayload("reddit: /api/v1/me did not name the account")
        return found


@dataclass(frozen=True)
class Settings:
    """A channel's settings, checked."""

    account: str
    client_id: str
    client_secret: str
    username: str
    password: str
    user_agent: str
    oauth_url: str = OAUTH_URL
    reddit_url: str = REDDIT_URL
    subreddits: tuple[str, ...] = ()
    moderator: bool = False
    search_subreddits: bool = False
    page_size: int = 100

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.client_secret, self.password) if len(s) >= 4)


class RedditConnector:
    platform = "reddit"

    def __init__(self, settings: Settings, session_factory: SessionFactory | None = None) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.capabilities = BASE | MODERATOR if settings.moderator else BASE

    @classmethod
    def build(
        cls, setup: ChannelSetup, *, session_factory: SessionFactory | None = None
    ) -> RedditConnector:
        """``session_factory`` makes the aiohttp session each call uses (a test's transport)."""
        return cls(_settings(setup), session_factory)

    def check(self) -> str:
        me = self._run(lambda api: api.me())
        name = str(me["name"])
        if name.casefold() != self.settings.username.casefold():
            raise Rejected(f"reddit: signed in as u/{name}, not u/{self.settings.username}")
        return f"signed in as u/{name}"

    def read(self, cursor: Mapping[str, Any], listening: Listening) -> Fetched:
        """Our inbox (replies to our comments and posts, username mentions, private messages)
        into ``events``; the configured subreddits' new submissions and comments and Reddit's
        search for each listening term and hashtag into ``found``. See ``reading``."""
        reader = Reader(self.settings.account, self.settings.page_size)
        sources = self._sources(listening)
        return self._run(lambda api: reader.read(api, cursor, sources))

    def _sources(self, listening: Listening) -> list[Source]:
        """The listings one read goes through, each under its cursor key."""
        found = [Source("inbox", "/message/inbox", {}, inbox=True)]
        subs = "+".join(self.settings.subreddits)
        if subs:
            found.append(Source(f"r/{subs}/new", f"/r/{subs}/new", {}, inbox=False))
            found.append(Source(f"r/{subs}/comments", f"/r/{subs}/comments", {}, inbox=False))
        scoped = bool(subs) and self.settings.search_subreddits
        path = f"/r/{subs}/search" if scoped else "/search"
        for query in dict.fromkeys([*listening.terms, *listening.hashtags]):
            params = {"q": query, "sort": "new", **({"restrict_sr": "1"} if scoped else {})}
            found.append(Source(f"search:{query}", path, params, inbox=False))
        return found

    def send(self, outgoing: Outgoing) -> Receipt:
        """A reply (to ``t1_``/``t3_``, or to a ``t4_`` message) with ``/api/comment``; a new
        private message to ``recipient`` with ``/api/compose``. An earlier identical post of
        ours is returned instead of posting again (see the module's docstring)."""
        parent = outgoing.in_reply_to
        if parent:
            return self._run(lambda api: self._reply(api, parent, outgoing.text))
        if outgoing.action == "direct_message" and outgoing.recipient:
            recipient = _handle(outgoing.recipient)
            return self._run(lambda api: self._compose(api, recipient, outgoing.text))
        raise Rejected(f"reddit: a {outgoing.action} needs the id it answers or a recipient")

    async def _reply(self, api: Api, parent: str, text: str) -> Receipt:
        earlier = await self._earlier(api, parent=parent, text=text)
        if earlier is not None:
            return _receipt(earlier)
        answer = await api.post("/api/comment/", thing_id=parent, text=text)
        things = _json(answer).get("data", {}).get("things")
        if not isinstance(things, list) or not things:
            raise MalformedPayload("reddit: /api/comment did not return the comment")
        return _receipt(things[0])

    async def _compose(self, api: Api, recipient: str, text: str) -> Receipt:
        earlier = await self._sent(api, recipient=recipient, text=text)
        if earlier is not None:
            return _receipt(earlier)
        subject = f"A message from u/{self.settings.username}"
        await api.post("/api/compose/", to=recipient, subject=subject, text=text)
        sent = await self._sent(api, recipient=recipient, text=text)
        if sent is None:  # sent, but not listed yet: the retry finds it and does not resend
            raise RetryableError("reddit: the message was sent but is not in /message/sent yet")
        return _receipt(sent)

    async def _earlier(self, api: Api, *, parent: str, text: str) -> Any:
        """Our earlier answer to ``parent`` with this text, if there is one."""
        mine = f"/user/{self.settings.username}/comments"
        path = "/message/sent" if parent.startswith("t4_") else mine
        page = parse.listing(await api.get(path, limit=100, sort="new"))
        return _first(page, lambda data: data.get("parent_id") == parent, text)

    async def _sent(self, api: Api, *, recipient: str, text: str) -> Any:
        """Our sent private message that starts a conversation with ``recipient``."""
        page = parse.listing(await api.get("/message/sent", limit=100))
        to = recipient.casefold()
        return _first(
            page,
            lambda data: not data.get("parent_id") and str(data.get("dest") or "").casefold() == to,
            text,
        )

    def moderate(self, request: Moderation) -> None:
        if NEEDS[request.action] not in self.capabilities:
            raise Rejected(
                f"reddit: cannot {request.action}: removing another person's post or comment "
                "needs a moderator's account (set moderator = true if this one is)"
            )
        self._run(lambda api: self._moderate(api, request))

    async def _moderate(self, api: Api, request: Moderation) -> None:
        if request.action in ("block", "unblock"):
            handle = _handle(request.author_handle or request.author_id or "")
            if not handle:
                raise Rejected(f"reddit: a {request.action} needs the author's name")
            await self._block(api, handle, request.action == "block")
            return
        if not request.message_id:
            raise Rejected(f"reddit: a {request.action} needs the post's or comment's id")
        if request.action == "report":
            reason = (request.reason.strip() or "other")[:REPORT_REASON_LIMIT]
            await api.post("/api/report/", thing_id=request.message_id, reason=reason)
        elif request.action == "unhide":
            await api.post("/api/approve/", id=request.message_id)
        else:  # hide and delete: a moderator removes; only the author can delete
            await api.post("/api/remove/", id=request.message_id, spam="false")

    async def _block(self, api: Api, handle: str, block: bool) -> None:
        if block:
            await api.post("/api/block_user/", name=handle)
            return
        me = await api.me()
        container = f"t2_{me.get('id')}"
        await api.post("/r/all/api/unfriend/", container=container, name=handle, type="enemy")

    def _run(self, work: Callable[[Api], Awaitable[T]]) -> T:
        """One call: a fresh client, closed again; every error in Vastaa's tree, scrubbed of
        the credentials and cut from its cause (Async PRAW's errors keep the request's
        arguments: the password and the app's secret)."""
        try:
            return asyncio.run(self._session(work))
        except Exception as error:  # every Async PRAW error is mapped, none is lost
            mapped = _mapped(error)
            mapped.args = tuple(_scrub(str(a), self.settings.secrets()) for a in mapped.args)
        mapped.__context__ = None  # raised outside ``except``: no cause or context is attached
        raise mapped from None

    async def _session(self, work: Callable[[Api], Awaitable[T]]) -> T:
        kwargs: dict[str, Any] = {"timeout": TIMEOUT_SECONDS}
        if self.session_factory is not None:
            kwargs["session"] = self.session_factory()
        reddit = asyncpraw.Reddit(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            username=self.settings.username,
            password=self.settings.password,
            user_agent=self.settings.user_agent,
            oauth_url=self.settings.oauth_url,
            reddit_url=self.settings.reddit_url,
            check_for_updates=False,
            requestor_class=RateRequestor,
            requestor_kwargs=kwargs,
        )
        try:
            requestor = reddit.requestor
            assert isinstance(requestor, RateRequestor)
            return await work(Api(reddit, requestor))
        finally:
            await reddit.close()


def _settings(setup: ChannelSetup) -> Settings:
    config, credentials = setup.config, setup.credentials
    missing = [k for k in ("client_id", "client_secret", "password") if not credentials.get(k)]
    if missing:
        raise PermanentError(f"reddit: the channel needs the credentials {', '.join(missing)}")
    username = _handle(credentials.get("username") or setup.account)
    agent = str(config.get("user_agent") or f"python:vastaa:0.1 (by u/{username})")
    return Settings(
        account=setup.account,
        client_id=credentials["client_id"],
        client_secret=credentials["client_secret"],
        username=username,
        password=credentials["password"],
        user_agent=agent,
        oauth_url=_url(config, "oauth_url", OAUTH_URL),
        reddit_url=_url(config, "reddit_url", REDDIT_URL),
        subreddits=_subreddits(config.get("subreddits")),
        moderator=_flag(config.get("moderator")),
        search_subreddits=str(config.get("search") or "all") == "subreddits",
        page_size=_page_size(config.get("page_size")),
    )


def _url(config: Mapping[str, Any], key: str, default: str) -> str:
    return checked_url(str(config.get(key) or default), what=f"reddit: {key}", secure="https")


def _subreddits(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    names = [str(item).strip().removeprefix("/").removeprefix("r/") for item in items]
    for name in names:
        if name and not SUBREDDIT.match(name):
            raise PermanentError(f"reddit: {name!r} is not a subreddit name")
    return tuple(dict.fromkeys(name for name in names if name))


def _page_size(value: Any) -> int:
    try:
        size = int(value or 100)
    except ValueError:
        raise PermanentError("reddit: page_size must be a number from 1 to 100") from None
    if not 1 <= size <= 100:
        raise PermanentError("reddit: page_size must be a number from 1 to 100")
    return size


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().casefold() in TRUE


def _handle(value: str) -> str:
    """A username as people write it: ``u/name``, ``/u/name``, ``@name``."""
    return value.strip().removeprefix("/").removeprefix("u/").removeprefix("@")


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _first(page: parse.Page, match: Callable[[dict[str, Any]], bool], text: str) -> Any:
    """The first thing of ``page`` that ``match`` accepts and whose body is ``text``."""
    for thing in page.children:
        data = thing.get("data") if isinstance(thing, dict) else None
        same = isinstance(data, dict) and str(data.get("body", "")).strip() == text.strip()
        if same and isinstance(data, dict) and match(data):
            return thing
    return None


def _receipt(thing: Any) -> Receipt:
    at = parse.stamp(thing)
    data = thing["data"]
    url = parse.link(thing["kind"], data)
    thread = parse.thread(thing["kind"], data, at.name) if thing["kind"] == "t4" else None
    return Receipt(platform_id=at.name, url=url, thread_id=thread)


def _json(answer: Any) -> dict[str, Any]:
    """The ``json`` object of a POST's answer (``api_type=json``), or an empty one."""
    found = answer.get("json") if isinstance(answer, dict) else None
    return found if isinstance(found, dict) else {}


def _raise_errors(answer: Any) -> None:
    """A POST's ``{"json": {"errors": [[code, message, field], ...]}}`` as an error."""
    errors = _json(answer).get("errors")
    if not errors:
        return
    code, message = (list(errors[0]) + ["", ""])[:2]
    if code == "RATELIMIT":
        raise RateLimited(f"reddit: {message}", retry_after=_seconds(str(message)))
    raise Rejected(f"reddit: {code}: {message}")


def _seconds(message: str) -> float | None:
    found = WAIT.search(message)
    if not found:
        return None
    return float(found.group(1)) * (60 if found.group(2) == "minute" else 1)


def _mapped(error: Exception) -> Exception:
    """Async PRAW's errors in Vastaa's tree, with Reddit's own reason."""
    if isinstance(error, VastaaError):
        return error
    if isinstance(error, TooManyRequests):
        headers = error.response.headers
        wait = _number(headers.get("retry-after")) or _number(headers.get("x-ratelimit-reset"))
        return RateLimited("reddit: rate limited (HTTP 429)", retry_after=wait)
    if isinstance(error, OAuthException):
        return Rejected(f"reddit: the username or password was refused ({error.error})")
    if isinstance(error, ServerError | BadJSON | RequestException):
        return RetryableError(f"reddit: {type(error).__name__}: {error}")
    if isinstance(error, ResponseException):
        return _refused(error)
    if isinstance(error, RedditAPIException):
        return Rejected(f"reddit: {error}")
    if isinstance(error, AsyncPRAWException):
        return PermanentError(f"reddit: {error}")
    return RetryableError(f"reddit: {type(error).__name__}: {error}")


def _refused(error: ResponseException) -> Exception:
    status = error.response.status
    if status in (401, 403):
        return Rejected(
            f"reddit: the app's credentials or the account were refused (HTTP {status})"
        )
    if isinstance(error, NotFound):
        return Rejected("reddit: not found (HTTP 404)")
    return Rejected(f"reddit: HTTP {status}")


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text

"""The RSS connector against a local web server that serves the feed fixtures: conditional GET,
the cursor, edits, rate limits and failures in Vastaa's error tree, redirects, the size cap and
the time limit, ``check()``, and what a listening-only channel refuses."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.channels.rss import feed_server
from tests.channels.rss.feed_server import ATOM, RSS, FeedHost
from vastaa.channels.base import (
    ChannelSetup,
    Fetched,
    Listening,
    MalformedPayload,
    Moderation,
    Outgoing,
    RateLimited,
    Rejected,
)
from vastaa.channels.models import Channel
from vastaa.channels.registry import Registry
from vastaa.channels.rss import CAPABILITIES, RssConnector
from vastaa.channels.rss.client import FeedClient
from vastaa.errors import PermanentError, RetryableError
from vastaa.pipeline.events import MessageEvent

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
LISTENING = Listening(terms=("Kide",))
FORUM = "/feed.atom"
DNS = {  # the names the tests use, so that no test needs a real resolver
    "feeds.example": "93.184.216.34",
    "cdn.feeds.example": "93.184.216.35",
    "kide.example": "93.184.216.36",
    "www.google.com": "142.250.74.36",
    "internal.kide.example": "10.0.0.5",
    "rebound.kide.example": "::ffff:169.254.169.254",
    "localhost": "127.0.0.1",
    "localhost.": "127.0.0.1",
}
ALERT = "https://www.google.com/alerts/feeds/04818402963254786213/13528845412977540263"
TOKENS = ("04818402963254786213", "13528845412977540263", "SECRET123")


def resolve(host: str, port: int | None) -> list[tuple[Any, ...]]:
    """``socket.getaddrinfo`` from ``DNS``; an address literal stands for itself."""
    address = DNS.get(host, host)
    return socket.getaddrinfo(address, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)


@pytest.fixture
def host() -> Iterator[FeedHost]:
    with feed_server.running() as running:
        yield running


def connector(url: str, **client: Any) -> RssConnector:
    client.setdefault("resolve", resolve)
    return RssConnector(
        FeedClient(url, clock=lambda: NOW, **client), "kide-forum", clock=lambda: NOW
    )


def redirecting(target: str, seen: list[httpx.Request]) -> httpx.MockTransport:
    """feeds.example redirects to ``target``; any request after the first is recorded too."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "feeds.example":
            return httpx.Response(302, headers={"Location": target})
        body = feed_server.fixture("forum__atom.xml")
        return httpx.Response(200, content=body, headers={"Content-Type": ATOM})

    return httpx.MockTransport(handler)


def secret_free(*texts: str) -> bool:
    return not any(token in text for text in texts for token in TOKENS)


def read(rss: RssConnector, cursor: dict[str, Any]) -> Fetched:
    """One read; the cursor goes through JSON, as the caller stores it."""
    fetched = rss.read(json.loads(json.dumps(cursor)), LISTENING)
    json.dumps(fetched.cursor)
    return fetched


def ids(fetched: Fetched) -> list[str]:
    return [event.external_id for event in fetched.found]


def messages(fetched: Fetched) -> list[MessageEvent]:
    found = [event for event in fetched.found if isinstance(event, MessageEvent)]
    assert len(found) == len(fetched.found)  # a feed reports no deletions
    return found


# reading --------------------------------------------------------------------------------------


def test_a_first_read_finds_every_entry_as_a_public_post(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM))
    fetched = read(rss, {})
    assert fetched.events == [] and not fetched.more and fetched.problems == []
    assert len(fetched.found) == 3
    first = next(e for e in messages(fetched) if e.external_id.endswith("topic/812"))
    assert first.channel.platform == "rss" and first.channel.account == "kide-forum"
    assert first.url == host.url("/t/siparisim-gelmedi/812")  # resolved against the feed
    assert set(fetched.cursor) == {"etag", "last_modified", "seen"}
    assert len(fetched.cursor["seen"]) == 3


def test_reading_again_sends_the_validators_and_a_304_returns_nothing(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM))
    first = read(rss, {})
    again = read(rss, first.cursor)
    assert again.found == [] and again.problems == []
    assert again.cursor == first.cursor
    sent = host.requests[-1].headers
    assert sent["If-None-Match"] == first.cursor["etag"]
    assert sent["If-Modified-Since"] == first.cursor["last_modified"]


def test_last_modified_alone_gives_a_304_too(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM, etag=False))
    first = read(rss, {})
    assert first.cursor["etag"] is None and first.cursor["last_modified"]
    assert read(rss, first.cursor).found == []
    assert "If-None-Match" not in host.requests[-1].headers


def test_a_server_without_validators_sends_the_feed_again_and_nothing_is_new(
    host: FeedHost,
) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM, etag=False, last_modified=False))
    first = read(rss, {})
    again = read(rss, first.cursor)
    assert again.found == [] and again.cursor["seen"] == first.cursor["seen"]


def test_a_changed_feed_gives_the_new_entry_and_the_edit_and_no_deletion(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM))
    first = read(rss, {})
    host.publish(FORUM, "forum__atom_updated.xml", ATOM)
    later = read(rss, first.cursor)
    found = {event.external_id: event for event in messages(later)}
    assert set(found) == {
        "tag:forum.kide.example,2024:topic/812",
        "tag:forum.kide.example,2024:topic/815",
    }
    edit = found["tag:forum.kide.example,2024:topic/812"]
    assert edit.edited_at == datetime(2024, 5, 6, 18, 5, tzinfo=UTC)
    assert later.cursor["etag"] != first.cursor["etag"]
    assert read(rss, later.cursor).found == []


def test_a_malformed_entry_is_a_problem_and_the_rest_is_kept(host: FeedHost) -> None:
    rss = connector(host.publish("/feed/", "blog__rss2.xml", RSS))
    fetched = read(rss, {})
    assert fetched.problems == ["rss: entry 4 was skipped: it has neither an id nor a link"]
    assert len(fetched.found) == 4  # six entries: one broken, one a duplicate
    assert len(set(ids(fetched))) == 4


def test_a_bozo_feed_with_entries_is_used_and_the_problem_noted(host: FeedHost) -> None:
    rss = connector(host.publish("/rss.php", "forum__bozo.xml", RSS))
    fetched = read(rss, {})
    assert len(fetched.found) == 2
    assert "not well-formed" in fetched.problems[0]


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [("broken__html_page.xml", "mismatched tag"), ("broken__truncated.xml", "no element found")],
)
def test_a_bozo_feed_without_entries_is_malformed(
    host: FeedHost, fixture: str, reason: str
) -> None:
    rss = connector(host.publish("/feed", fixture, "text/html; charset=utf-8"))
    with pytest.raises(MalformedPayload, match=reason):
        read(rss, {})


def test_a_stored_cursor_of_the_wrong_shape_reads_from_the_start(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM))
    fetched = read(rss, {"etag": 5, "seen": [["a"], "b", [1, 2], ["ok", "x"]]})
    assert len(fetched.found) == 3


# errors ---------------------------------------------------------------------------------------


def test_429_with_retry_after_seconds_is_rate_limited(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM))
    host.fail_next(429, b"Too Many Requests", Retry_After="120")
    with pytest.raises(RateLimited) as raised:
        read(rss, {})
    assert raised.value.retry_after == 120


def test_429_with_an_http_date_is_rate_limited_until_then(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM))
    host.fail_next(429, Retry_After="Mon, 06 May 2024 12:05:00 GMT")
    with pytest.raises(RateLimited) as raised:
        read(rss, {})
    assert raised.value.retry_after == 300


def test_503_with_retry_after_is_rate_limited_and_without_it_retryable(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM))
    host.fail_next(503, Retry_After="30")
    with pytest.raises(RateLimited) as raised:
        read(rss, {})
    assert raised.value.retry_after == 30
    host.fail_next(500, b"Internal Server Error")
    with pytest.raises(RetryableError, match="HTTP 500") as failed:
        read(rss, {})
    assert not isinstance(failed.value, RateLimited)
    assert len(read(rss, {}).found) == 3  # and then it works


@pytest.mark.parametrize(
    ("status", "reason"),
    [(401, "sign-in"), (403, "refused access"), (404, "no feed"), (410, "removed"), (400, "400")],
)
def test_refusals_are_rejected_without_the_secret_in_the_address(
    host: FeedHost, status: int, reason: str
) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM) + "?token=s3cr3t-feed-key")
    host.fail_next(status)
    with pytest.raises(Rejected, match=reason) as raised:
        read(rss, {})
    assert "s3cr3t" not in str(raised.value)


def test_an_unknown_path_is_rejected(host: FeedHost) -> None:
    with pytest.raises(Rejected, match="HTTP 404"):
        read(connector(host.url("/missing.xml")), {})


def test_a_closed_port_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RetryableError, match="could not fetch"):
        read(connector(f"http://127.0.0.1:{port}/feed.xml"), {})


def test_a_slow_server_times_out_as_retryable(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM), timeout=0.2)
    host.slow_next(0.6)
    with pytest.raises(RetryableError, match="within 0.2 s"):
        read(rss, {})


def test_a_feed_over_the_size_cap_is_refused(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM), max_bytes=1024)
    with pytest.raises(PermanentError, match="larger than 1 KiB"):
        read(rss, {})


def test_the_size_cap_counts_what_is_streamed_not_what_is_declared() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b"<rss>" + b" " * 2048, b"</rss>"]))

    rss = connector(
        "https://feeds.example/feed", transport=httpx.MockTransport(handler), max_bytes=1024
    )
    with pytest.raises(PermanentError, match="larger than"):
        read(rss, {})


# redirects ------------------------------------------------------------------------------------


def test_a_permanent_redirect_is_followed_and_reported(host: FeedHost) -> None:
    host.publish("/new.atom", "forum__atom.xml", ATOM)
    host.redirect("/old.atom", "/new.atom", 301)
    fetched = read(connector(host.url("/old.atom")), {})
    assert len(fetched.found) == 3
    assert fetched.problems == [
        f"rss: the feed has moved permanently to an address on {host.url('')} (the full "
        "address is not shown: it may hold a secret); update the channel"
    ]


def test_a_temporary_redirect_is_followed_quietly(host: FeedHost) -> None:
    host.publish("/new.atom", "forum__atom.xml", ATOM)
    host.redirect("/old.atom", "/new.atom", 302)
    fetched = read(connector(host.url("/old.atom")), {})
    assert len(fetched.found) == 3 and fetched.problems == []


def test_a_redirect_away_from_https_is_refused(host: FeedHost) -> None:
    host.redirect("/old.atom", "http://feeds.example/plain.atom?key=s3cr3t", 301)
    with pytest.raises(PermanentError, match="https:// only") as raised:
        read(connector(host.url("/old.atom")), {})
    assert "s3cr3t" not in str(raised.value)


@pytest.mark.parametrize(
    "target",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://127.0.0.2/",
        "https://127.1/",
        "https://0.0.0.0/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::1]/",
        "https://[fe80::1]/",
        "https://localhost/secret",
        "https://localhost./",
        "https://10.0.0.5/",
        "https://192.168.1.1/",
        "https://100.64.0.1/",
        "https://224.0.0.1/",
        "https://240.0.0.1/",
        "https://internal.kide.example/04818402963254786213",
        "https://rebound.kide.example/?token=SECRET123",
    ],
)
def test_a_remote_feed_cannot_redirect_to_a_local_or_private_address(target: str) -> None:
    seen: list[httpx.Request] = []
    rss = connector("https://feeds.example/feed", transport=redirecting(target, seen))
    with pytest.raises(Rejected, match="private or local address") as raised:
        read(rss, {})
    assert len(seen) == 1  # the redirect was not followed
    assert secret_free(str(raised.value)) and "/latest" not in str(raised.value)


def test_a_remote_feed_cannot_redirect_to_plain_http_on_this_machine() -> None:
    seen: list[httpx.Request] = []
    transport = redirecting("http://127.0.0.1:8080/admin", seen)
    with pytest.raises(PermanentError, match="https:// only"):
        read(connector("https://feeds.example/feed", transport=transport), {})
    assert len(seen) == 1


def test_each_redirect_is_resolved_and_a_public_one_followed() -> None:
    seen: list[httpx.Request] = []
    asked: list[str] = []

    def recording(host: str, port: int | None) -> list[tuple[Any, ...]]:
        asked.append(host)
        return resolve(host, port)

    transport = redirecting("https://cdn.feeds.example/feed.atom", seen)
    fetched = read(
        connector("https://feeds.example/feed", transport=transport, resolve=recording), {}
    )
    assert len(fetched.found) == 3 and len(seen) == 2
    assert asked == ["feeds.example", "cdn.feeds.example"]


@pytest.mark.parametrize(
    "url", ["https://internal.kide.example/feed", "https://127.0.0.1/feed", "https://localhost/x"]
)
def test_a_configured_https_address_on_a_private_network_is_never_fetched(url: str) -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(Rejected, match="private or local address"):
        read(connector(url, transport=redirecting("https://feeds.example/", seen)), {})
    assert seen == []


def test_a_name_that_does_not_resolve_is_retryable() -> None:
    def failing(host: str, port: int | None) -> list[tuple[Any, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(RetryableError, match="could not find feeds.example"):
        read(connector("https://feeds.example/feed", resolve=failing), {})


def test_the_local_feed_server_cannot_redirect_to_another_local_address(host: FeedHost) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    host.redirect("/old.atom", f"https://127.0.0.1:{port}/admin", 302)
    with pytest.raises(Rejected, match="private or local address"):
        read(connector(host.url("/old.atom")), {})
    host.redirect("/old.atom", f"http://127.0.0.1:{port}/admin", 302)
    with pytest.raises(PermanentError, match="https:// only"):
        read(connector(host.url("/old.atom")), {})


def test_a_redirect_loop_ends(host: FeedHost) -> None:
    host.redirect("/a", "/b", 302)
    host.redirect("/b", "/a", 302)
    with pytest.raises(PermanentError, match="redirected more than 5 times"):
        read(connector(host.url("/a")), {})


# check, build, and what a feed cannot do ------------------------------------------------------


def test_check_names_the_feed_and_counts_its_entries(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM))
    assert rss.check() == "feed 'Kide Destek Forumu – Son konular', 3 entries"
    bozo = connector(host.publish("/rss.php", "forum__bozo.xml", RSS))
    assert bozo.check().startswith("feed 'Kide & Ystävät – keskustelupalsta', 2 entries; ")
    assert "not well-formed" in bozo.check()


def test_check_of_a_page_that_is_no_feed_raises(host: FeedHost) -> None:
    rss = connector(host.publish("/", "broken__html_page.xml", "text/html"))
    with pytest.raises(MalformedPayload):
        rss.check()


def test_build_needs_an_https_url() -> None:
    with pytest.raises(PermanentError, match="needs the feed's address"):
        RssConnector.build(ChannelSetup(account="a", config={}))
    with pytest.raises(PermanentError, match="must be a https://"):
        RssConnector.build(ChannelSetup(account="a", config={"url": "http://feeds.example/x"}))
    with pytest.raises(PermanentError, match="has no host"):
        RssConnector.build(ChannelSetup(account="a", config={"url": "file:///etc/passwd"}))
    with pytest.raises(PermanentError, match="user name or password"):
        RssConnector.build(ChannelSetup(account="a", config={"url": "https://u:p@kide.example/"}))
    built = RssConnector.build(ChannelSetup(account="a", config={"url": "https://kide.example/"}))
    assert built.capabilities == CAPABILITIES == frozenset({"read_mentions"})


def test_build_takes_an_injected_transport() -> None:
    body = (feed_server.FIXTURES / "alerts__google.xml").read_bytes()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body, headers={"Content-Type": ATOM, "ETag": '"g1"'})

    setup = ChannelSetup(account="kide-alerts", config={"url": ALERT})
    rss = RssConnector.build(setup, transport=httpx.MockTransport(handler), resolve=resolve)
    fetched = read(rss, {})
    assert len(fetched.found) == 2 and fetched.cursor["etag"] == '"g1"'
    assert "rss+xml" in seen[0].headers["Accept"]


def test_the_feeds_secret_address_is_in_no_event_problem_or_error() -> None:
    """A Google Alerts address holds its secret in the path (and a private feed in the query):
    the events' ``raw`` and ``url``, the problems and the errors show at most the host."""
    secret = f"{ALERT}?token=SECRET123"
    moved = f"{ALERT}/v2?token=SECRET123"
    relative = b'<entry><id>urn:x</id><title>Kide</title><link href="item/7?p=2"/></entry></feed>'
    body = feed_server.fixture("alerts__google.xml").replace(b"</feed>", relative)

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == secret:
            return httpx.Response(301, headers={"Location": moved})
        if str(request.url) == moved:
            return httpx.Response(200, content=body, headers={"Content-Type": ATOM})
        return httpx.Response(404)

    setup = ChannelSetup(account="kide-alerts", config={"url": secret})
    rss = RssConnector.build(setup, transport=httpx.MockTransport(handler), resolve=resolve)
    fetched = read(rss, {})
    assert len(fetched.found) == 3 and len(fetched.problems) == 1
    events = [event.model_dump_json() for event in fetched.found]
    assert secret_free(*events, *fetched.problems, rss.check())
    assert "https://www.google.com/item/7?p=2" in [event.url for event in messages(fetched)]


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(404),
        httpx.Response(302, headers={"Location": "https://10.0.0.5/x?token=SECRET123"}),
        httpx.Response(302, headers={"Location": f"http://www.google.com/{TOKENS[0]}"}),
        httpx.Response(302, headers={"Location": f"https://[::1]/{TOKENS[1]}"}),
    ],
)
def test_an_error_never_shows_the_feeds_secret_address(answer: httpx.Response) -> None:
    setup = ChannelSetup(account="kide-alerts", config={"url": f"{ALERT}?token=SECRET123"})
    transport = httpx.MockTransport(lambda request: answer)
    rss = RssConnector.build(setup, transport=transport, resolve=resolve)
    with pytest.raises(PermanentError) as raised:
        read(rss, {})
    assert secret_free(str(raised.value))


def test_a_build_error_never_shows_the_feeds_secret_address() -> None:
    port = ALERT.replace(".com/", ".com:x/")  # not a number
    for url in (ALERT.replace("https", "http"), f"{port}?token=SECRET123", f"ftp{ALERT[5:]}"):
        with pytest.raises(PermanentError) as raised:
            RssConnector.build(ChannelSetup(account="a", config={"url": url}))
        assert secret_free(str(raised.value))


def test_a_channel_without_credentials_is_read_through_the_registry(host: FeedHost) -> None:
    registry = Registry({})
    registry.register("rss", CAPABILITIES, RssConnector.build, needs_credentials=False)
    url = host.publish(FORUM, "forum__atom.xml", ATOM)
    channel = Channel(platform="rss", account="kide-forum", name="Forum", config={"url": url})
    assert registry.reads(channel)
    assert len(registry.connector(channel).read({}, LISTENING).found) == 3


def test_a_feed_cannot_be_answered_or_moderated(host: FeedHost) -> None:
    rss = connector(host.publish(FORUM, "forum__atom.xml", ATOM))
    with pytest.raises(Rejected, match="can only be read"):
        rss.send(Outgoing(key="k1", action="reply", text="Kiitos!", in_reply_to="x"))
    with pytest.raises(Rejected, match="cannot hide"):
        rss.moderate(Moderation(key="k2", action="hide", message_id="x", author_id=None))
    assert len(host.requests) == 0

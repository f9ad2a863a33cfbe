"""Feed documents → canonical events (``vastaa.channels.rss.parse``), one test per fixture:
each ``tests/fixtures/rss/<feed>.xml`` has a ``<feed>.json`` with the events it must give."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from vastaa.channels.base import MalformedPayload
from vastaa.channels.markup import html_to_text
from vastaa.channels.rss.parse import (
    Entry,
    Feed,
    external_id,
    news,
    parse_feed,
)
from vastaa.pipeline.events import ChannelRef, MessageEvent, parse_event

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rss"
CHANNEL = ChannelRef(platform="rss", account="kide-feeds")
FETCHED = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
EXPECTED = sorted(path.stem for path in FIXTURES.glob("*.json"))


def parse(name: str, location: str = "https://feeds.example/feed", **kwargs: Any) -> Feed:
    body = (FIXTURES / f"{name}.xml").read_bytes()
    options: dict[str, Any] = {"content_type": None, "fetched_at": FETCHED, **kwargs}
    return parse_feed(body, channel=CHANNEL, location=location, **options)


def summary(event: MessageEvent) -> dict[str, Any]:
    assert event.raw is not None
    return {
        "external_id": event.external_id,
        "raw_id": event.raw.get("id"),
        "author": event.author.model_dump(exclude_defaults=True),
        "created_at": event.created_at.isoformat(),
        "url": event.url,
        "text": event.text,
        "media": [item.model_dump() for item in event.media],
    }


def test_every_feed_fixture_has_its_expected_events() -> None:
    feeds = {path.stem for path in FIXTURES.glob("*.xml") if not path.stem.startswith("broken")}
    assert feeds == set(EXPECTED)
    assert {"blog__rss2", "forum__atom", "alerts__google", "news__rdf", "forum__bozo"} <= feeds


@pytest.mark.parametrize("name", EXPECTED)
def test_a_feed_gives_the_documented_events(name: str) -> None:
    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    feed = parse(
        name,
        expected["location"],
        content_type=expected["content_type"],
        fetched_at=datetime.fromisoformat(expected["fetched_at"]),
    )
    assert feed.title == expected["title"]
    assert feed.total == expected["total"]
    assert feed.problems == expected["problems"]
    assert [summary(entry.event) for entry in feed.entries] == expected["events"]


@pytest.mark.parametrize("name", EXPECTED)
def test_every_event_is_a_valid_canonical_public_post_in_utc(name: str) -> None:
    for entry in parse(name).entries:
        event = entry.event
        again = parse_event(json.loads(event.model_dump_json()), 0)  # raw is JSON as stored
        assert again == event
        assert event.kind == "post" and event.public and event.direction == "inbound"
        assert event.channel == CHANNEL
        assert event.thread_id == event.external_id and event.parent_id is None
        assert event.created_at.utcoffset() == timedelta(0)
        assert event.edited_at is None
        assert event.author.id


def test_rss2_html_entities_cdata_and_scripts_become_plain_text() -> None:
    first = parse("blog__rss2").entries[0].event
    assert "<" not in first.text and "&" not in first.text.replace(" & ", "")
    assert "“kevätkahvia” – se maksaa 3,50 €" in first.text  # &ldquo; &ndash; &nbsp; &euro;
    assert "alert" not in first.text  # the <script> is gone, with its content
    assert "Hyvää pääsiäistä!" in parse("blog__rss2").entries[1].event.text  # &amp;auml;


def test_an_entry_without_id_or_link_is_skipped_and_the_rest_kept() -> None:
    feed = parse("blog__rss2")
    assert feed.total == 6 and len(feed.entries) == 5
    assert feed.problems == ["rss: entry 4 was skipped: it has neither an id nor a link"]


def test_the_id_falls_back_to_the_link() -> None:
    easter = parse("blog__rss2").entries[1].event
    assert easter.raw is not None and "id" not in easter.raw
    assert easter.external_id == "https://kide.example/2024/03/paasiainen/"


def test_an_entry_without_a_date_gets_the_fetch_time() -> None:
    feedback = parse("blog__rss2").entries[2]
    assert feedback.event.created_at == FETCHED and feedback.stamp is None


def test_a_long_id_is_hashed_and_kept_in_raw() -> None:
    rules = parse("blog__rss2").entries[4].event
    assert rules.raw is not None
    original = rules.raw["id"]
    assert len(original) > 200
    assert rules.external_id == external_id(original)
    assert rules.external_id.startswith("sha256:") and len(rules.external_id) <= 200
    assert external_id("short") == "short"


def test_google_alerts_links_are_unwrapped_and_authored_by_the_site() -> None:
    first, second = (entry.event for entry in parse("alerts__google").entries)
    assert first.url == "https://www.aamulehti.example/a/2024050312345"
    assert first.author.id == "www.aamulehti.example"
    assert first.text.startswith("Kahvila Kide avasi")  # <b> of the match is gone
    assert second.url == "https://keskustelu.example.fi/t/kide-kahvila-palvelu/99812?page=2"
    assert '"Palvelu oli hidasta"' in second.text


def test_atom_relative_links_resolve_against_the_feed_address() -> None:
    feed = parse("forum__atom", "https://forum.kide.example/feed.atom")
    assert feed.entries[0].event.url == "https://forum.kide.example/t/siparisim-gelmedi/812"


def test_an_atom_entry_without_author_takes_the_feeds() -> None:
    thanks = parse("forum__atom").entries[2].event
    assert thanks.author.name == "Kide Forum"


def test_rss1_latin1_is_decoded() -> None:
    first = parse("news__rdf", content_type="application/rdf+xml").entries[0].event
    assert "keskimäärin" in first.text and first.author.name == "Matti Meikäläinen"


def test_a_bozo_feed_that_still_gives_entries_is_used_with_the_problem_noted() -> None:
    feed = parse("forum__bozo")
    assert len(feed.entries) == 2
    assert feed.problems[0].startswith("rss: the feed is not well-formed (line 4: ")


@pytest.mark.parametrize(
    ("name", "reason"),
    [("broken__html_page", "mismatched tag"), ("broken__truncated", "no element found")],
)
def test_a_bozo_feed_that_gives_nothing_is_malformed_with_feedparsers_reason(
    name: str, reason: str
) -> None:
    with pytest.raises(MalformedPayload, match=reason):
        parse(name)


def test_well_formed_xml_that_is_no_feed_is_malformed() -> None:
    body = b'<?xml version="1.0"?><note><to>Kide</to></note>'
    with pytest.raises(MalformedPayload, match="not an RSS or Atom feed"):
        parse_feed(
            body,
            channel=CHANNEL,
            location="https://x.example/",
            content_type=None,
            fetched_at=FETCHED,
        )


def test_an_empty_feed_gives_nothing_and_no_problem() -> None:
    body = b'<rss version="2.0"><channel><title>Hiljaista</title></channel></rss>'
    feed = parse_feed(
        body, channel=CHANNEL, location="https://x.example/", content_type=None, fetched_at=FETCHED
    )
    assert (feed.title, feed.entries, feed.problems, feed.total) == ("Hiljaista", [], [], 0)


def test_a_feed_never_makes_feedparser_fetch_anything() -> None:
    body = b"https://feeds.example/another.xml"  # bytes are a document, never an address
    with pytest.raises(MalformedPayload):
        parse_feed(
            body, channel=CHANNEL, location="https://x/", content_type=None, fetched_at=FETCHED
        )


def test_the_feeds_secret_address_is_in_neither_raw_nor_the_resolved_links() -> None:
    """feedparser resolves links against the address it is given and keeps it in every
    ``*_detail`` as ``base``: it gets only the scheme and host of the feed's address."""
    location = "https://www.google.com/alerts/feeds/0481846/1352884?token=SECRET123"
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><id>urn:1</id><title type="html">Kide &lt;b&gt;kahvila&lt;/b&gt;</title>
    <link href="item/7"/><link rel="enclosure" type="image/png" href="kuva.png"/>
    <content type="html">&lt;a href="?sivu=2"&gt;lue lisaa&lt;/a&gt;</content></entry></feed>"""
    feed = parse_feed(
        body, channel=CHANNEL, location=location, content_type=None, fetched_at=FETCHED
    )
    event = feed.entries[0].event
    stored = event.model_dump_json()
    assert "SECRET123" not in stored and "0481846" not in stored and "1352884" not in stored
    assert event.url == "https://www.google.com/item/7"
    assert event.media[0].url == "https://www.google.com/kuva.png"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Tom &amp; Jerry</p><p>Toinen</p>", "Tom & Jerry\n\nToinen"),
        ("rivi<br>toinen<br/>kolmas", "rivi\ntoinen\nkolmas"),
        ("<ul><li>kahvi</li><li>tee</li></ul>", "kahvi\ntee"),
        ("<script>x()</script><style>p{}</style>näkyy", "näkyy"),
        ("a&nbsp;&nbsp; b\t\n c &#8230; &#x131;", "a b c … ı"),
        ("<table><tr><td>1</td><td>2</td></tr></table>", "1 2"),
        ("3 < 5 & 7 > 2", "3 < 5 & 7 > 2"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


# what is new since the cursor -------------------------------------------------------------------


def entries(name: str) -> list[Entry]:
    return parse(name, "https://forum.kide.example/feed.atom").entries


def test_nothing_is_new_the_second_time() -> None:
    first = news(entries("forum__atom"), [])
    assert len(first.events) == 3
    assert news(entries("forum__atom"), first.seen).events == []


def test_new_entries_come_oldest_first() -> None:
    found = news(entries("forum__atom"), []).events
    assert [event.created_at for event in found] == sorted(event.created_at for event in found)


def test_an_updated_entry_comes_back_as_an_edit_and_a_dropped_one_is_no_deletion() -> None:
    seen = news(entries("forum__atom"), []).seen
    later = news(entries("forum__atom_updated"), seen)
    by_id = {event.external_id: event for event in later.events}
    assert set(by_id) == {
        "tag:forum.kide.example,2024:topic/815",
        "tag:forum.kide.example,2024:topic/812",
    }
    new, edit = (
        by_id["tag:forum.kide.example,2024:topic/815"],
        by_id["tag:forum.kide.example,2024:topic/812"],
    )
    assert new.edited_at is None
    assert edit.edited_at == datetime(2024, 5, 6, 18, 5, tzinfo=UTC)
    assert edit.created_at == datetime(2024, 5, 5, 15, 20, tzinfo=UTC)
    assert "GÜNCELLEME" in edit.text
    remembered = [key for key, _ in later.seen]
    assert "tag:forum.kide.example,2024:topic/809" in remembered  # dropped, still remembered
    assert news(entries("forum__atom_updated"), later.seen).events == []


def test_an_edit_without_published_date_keeps_the_first_versions_time() -> None:
    body = """<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><id>urn:1</id><title>Versio {n}</title><updated>{t}</updated></entry></feed>"""

    def one(n: int, t: str) -> list[Entry]:
        data = body.format(n=n, t=t).encode()
        return parse_feed(
            data,
            channel=CHANNEL,
            location="https://x.example/",
            content_type=None,
            fetched_at=FETCHED,
        ).entries

    first = news(one(1, "2024-05-01T10:00:00Z"), [])
    edit = news(one(2, "2024-05-02T10:00:00Z"), first.seen).events[0]
    assert edit.created_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert edit.edited_at == datetime(2024, 5, 2, 10, tzinfo=UTC)
    assert news(one(1, "2024-04-30T10:00:00Z"), first.seen).events == []  # an older version


def test_duplicates_in_one_feed_give_one_event() -> None:
    found = news(parse("blog__rss2").entries, [])
    ids = [event.external_id for event in found.events]
    assert len(ids) == len(set(ids)) == 4
    assert len(found.seen) == 4


def test_the_remembered_ids_are_bounded_but_keep_everything_still_in_the_feed() -> None:
    old = [(f"urn:old:{n}", 1_700_000_000 + n) for n in range(10)]
    found = news(entries("forum__atom"), old, limit=5)
    keys = [key for key, _ in found.seen]
    assert len(keys) == 5
    assert keys[:3] == [entry.event.external_id for entry in entries("forum__atom")]
    assert keys[3:] == ["urn:old:0", "urn:old:1"]  # the earlier list's own order
    small = news(entries("forum__atom"), old, limit=2)
    assert len(small.seen) == 3  # never fewer than the feed's own entries

"""Mastodon's payloads as canonical events: one test per recorded fixture, and the HTML."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.channels.mastodon.helpers import load
from vastaa.channels.base import MalformedPayload
from vastaa.channels.markup import html_to_text
from vastaa.channels.mastodon import parse
from vastaa.pipeline.events import ChannelRef, MediaRef

CHANNEL = ChannelRef(platform="mastodon", account="kide@mastodon.example")
ME = "1"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<p>line one<br>line two<br />line three</p>", "line one\nline two\nline three"),
        ("<p>&quot;Fish &amp; chips&quot; &lt;3</p>", '"Fish & chips" <3'),
        (
            '<p>see <a href="https://example.com/page/that/is/very/long">'
            '<span class="invisible">https://</span><span class="ellipsis">example.com/page</span>'
            '<span class="invisible">/that/is/very/long</span></a> now</p>',
            "see https://example.com/page/that/is/very/long now",
        ),
        (
            '<p><span class="h-card"><a href="https://m.example/@kide" class="u-url mention">'
            "@<span>kide</span></a></span> hi</p>",
            "@kide hi",
        ),
        ('<a href="https://m.example/tags/kide" rel="tag">#<span>kide</span></a>', "#kide"),
        ("<p>spaces \n  collapse</p>\n<p>  here </p>", "spaces collapse\n\nhere"),
        ("plain text without tags", "plain text without tags"),
        ("<p>hi<script>alert(1)</script><style>p{}</style></p>", "hi"),
        ("", ""),
    ],
)
def test_html_becomes_plain_text_with_its_line_breaks_and_link_texts(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_a_mention_is_a_mention_with_its_text_author_language_and_media() -> None:
    notification = load("notification__mention")
    event = parse.notification_event(notification, channel=CHANNEL, me=ME)

    assert event is not None
    assert (event.external_id, event.kind, event.public) == ("110100000000000001", "mention", True)
    assert event.text == (
        "@kide tilaus 4411 ei ole vieläkään tullut & seuranta ei toimi:\n"
        "https://kide.example/seuranta/4411/tila?kieli=fi\n\nVoitteko auttaa?"
    )
    assert (event.author.id, event.author.handle) == ("77", "matti@example.social")
    assert (event.author.name, event.author.followers) == ("Matti Meikäläinen", 120)
    assert event.lang == "fi" and event.direction == "inbound"
    assert event.created_at == datetime(2026, 11, 20, 7, 49, 1, 940000, tzinfo=UTC)
    assert event.edited_at is None and event.parent_id is None and event.thread_id is None
    assert event.url == "https://example.social/@matti/110100000000000001"
    assert event.media == [
        MediaRef(
            url="https://files.example.social/media_attachments/files/022/345/792/original/57859aede991da25.jpeg",
            type="image",
        )
    ]
    assert event.raw == notification


def test_an_answer_to_one_of_our_statuses_is_a_reply_with_its_parent() -> None:
    event = parse.notification_event(load("notification__reply"), channel=CHANNEL, me=ME)

    assert event is not None
    assert (event.kind, event.parent_id) == ("reply", "110000000000000001")
    assert event.text == "@kide Kiitos, paketti tuli!"


def test_a_direct_status_is_a_private_direct_message() -> None:
    event = parse.notification_event(load("notification__direct"), channel=CHANNEL, me=ME)

    assert event is not None
    assert (event.kind, event.public, event.lang) == ("direct_message", False, "tr")
    assert event.text == "@kide Merhaba, sipariş numaram 5520.\nAdresimi değiştirebilir miyim?"


def test_an_edit_is_the_same_status_with_its_edit_time() -> None:
    original = parse.notification_event(load("notification__mention"), channel=CHANNEL, me=ME)
    edited = parse.notification_event(load("notification__update"), channel=CHANNEL, me=ME)

    assert original is not None and edited is not None
    assert edited.external_id == original.external_id and edited.kind == "mention"
    assert edited.edited_at == datetime(2026, 11, 20, 10, 0, 4, 812000, tzinfo=UTC)
    assert edited.text.endswith("Lisäys: tilasin 12.11.")
    assert edited.version_at > original.version_at


def test_an_edit_of_a_status_not_addressed_to_us_is_not_ours() -> None:
    update = load("notification__update")
    update["status"]["mentions"] = []  # a status we boosted, edited

    assert parse.notification_event(update, channel=CHANNEL, me=ME) is None


def test_other_notification_types_are_not_messages() -> None:
    favourite = load("notification__mention") | {"type": "favourite"}

    assert parse.notification_event(favourite, channel=CHANNEL, me=ME) is None


def test_a_malformed_status_says_what_is_wrong_with_it() -> None:
    with pytest.raises(MalformedPayload, match="status 110100000000000011: no account"):
        parse.notification_event(load("notification__malformed"), channel=CHANNEL, me=ME)

    no_date = load("notification__reply")
    no_date["status"]["created_at"] = "yesterday"
    with pytest.raises(MalformedPayload, match="created_at is not a date and time: 'yesterday'"):
        parse.notification_event(no_date, channel=CHANNEL, me=ME)

    with pytest.raises(MalformedPayload, match="notification 34975861: no status"):
        parse.notification_event(
            load("notification__mention") | {"status": None}, channel=CHANNEL, me=ME
        )


def test_a_hashtag_post_keeps_its_content_warning_and_a_gif_is_a_video() -> None:
    status = load("status__hashtag")
    event = parse.found_event(status, channel=CHANNEL, me=ME)

    assert (event.kind, event.public, event.lang) == ("post", True, "en")
    assert event.text == "CW: Ruokaa\n\nBreakfast from the new #kide box. 😺\n\n#Kahvi"
    assert event.author.name == "liisa"  # no display name: the username
    assert [m.type for m in event.media] == ["video"]
    assert event.raw == status


def test_a_found_answer_to_someone_else_is_a_reply_and_a_regional_language_is_its_language() -> (
    None
):
    event = parse.found_event(load("status__search"), channel=CHANNEL, me=ME)

    assert (event.kind, event.parent_id, event.lang) == ("reply", "110299999999999990", "pt")
    assert event.text == "O kide app travou de novo <3 nada funciona"


def test_our_own_status_found_again_is_outbound() -> None:
    status = load("status__search")
    status["account"] = {"id": ME, "username": "kide", "acct": "kide", "display_name": "Kide"}

    assert parse.found_event(status, channel=CHANNEL, me=ME).direction == "outbound"

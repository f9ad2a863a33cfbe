"""Mail → canonical event, one test per fixture (tests/fixtures/email/*.eml), no server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.channels.email.servers import ACCOUNT, fixture
from vastaa.channels.base import MalformedPayload
from vastaa.channels.email import parse
from vastaa.pipeline.events import ChannelRef, MessageEvent

CHANNEL = ChannelRef(platform="email", account=ACCOUNT)
ARRIVED = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


def event(name: str) -> MessageEvent:
    return parse.message_event(fixture(name), channel=CHANNEL, received_at=ARRIVED)


def test_finnish_latin1_mail_with_encoded_words() -> None:
    found = event("message__finnish_latin1.eml")
    assert found.external_id == "20261117091400.4711@example.fi"
    assert found.kind == "direct_message"
    assert found.public is False
    assert found.direction == "inbound"
    assert found.author.id == "matti.meikalainen@example.fi"  # lower-cased
    assert found.author.name == "Matti Meikäläinen"
    assert "tilaukseni 4711 on myöhässä" in found.text
    assert "missä paketti on?" in found.text  # a soft line break joined
    assert found.created_at == datetime(2026, 11, 17, 7, 14, tzinfo=UTC)
    assert found.thread_id == found.external_id  # a new conversation
    assert found.parent_id is None
    assert found.lang == "fi"
    assert found.raw is not None
    assert ["Subject", "Tilaus 4711 myöhässä"] in found.raw["headers"]
    assert sum(1 for name, _ in found.raw["headers"] if name == "Received") == 1


def test_turkish_iso_8859_9_body_and_base64_encoded_name() -> None:
    found = event("message__turkish_iso8859_9.eml")
    assert found.author.name == "Aysun Yıldırım"
    assert "Aldığım ürünü iade etmek istiyorum. Şifreği" in found.text
    assert found.text.endswith("Teşekkürler")
    assert found.raw is not None
    assert ["Subject", "Ürün iadesi"] in found.raw["headers"]


def test_windows_1252_body() -> None:
    found = event("message__windows1252.eml")
    assert found.text == "The “Winter” jacket costs 129€ – is that right?"
    assert found.author.name == "Jane O'Neil"


def test_html_only_mail_becomes_text_without_script_or_style() -> None:
    found = event("message__html_only.eml")
    assert "Hei!" in found.text
    assert "Toimitus oli nopea & tuote ehjä.\nKiitos paljon!" in found.text
    assert "Tilaus: 5521" in found.text
    assert "alert" not in found.text
    assert "color" not in found.text
    assert "<" not in found.text


def test_gmail_reply_is_trimmed_and_threaded() -> None:
    found = event("reply__gmail_quoted.eml")
    assert found.text == "Kiitos, paketti tuli tänään!"  # the plain part, quote cut
    assert found.raw is not None
    assert "> tarkistimme tilauksen." in found.raw["text"]  # kept in raw
    assert found.thread_id == "20261117091400.4711@example.fi"  # the first of References
    assert found.parent_id == "vastaa.reply-1@kide.fi"  # In-Reply-To: our reply


def test_finnish_kirjoitti_quote_and_inline_quote_lines() -> None:
    found = event("reply__finnish_kirjoitti.eml")
    assert found.text == "Selvä, odotan vielä pari päivää.\nTämä rivi jää."
    assert found.thread_id == "vastaa.reply-1@kide.fi"  # no References: In-Reply-To
    assert found.parent_id == "vastaa.reply-1@kide.fi"


def test_turkish_yazdi_quote() -> None:
    found = event("reply__turkish_yazdi.eml")
    assert found.text == "Teşekkürler, kargoya verdim."
    assert found.author.name == "Aysün"
    assert found.thread_id == "CAB7x9Tz.iade@mail.example.com.tr"


def test_outlook_header_block_in_finnish() -> None:
    found = event("reply__outlook_finnish.eml")
    assert found.text == "Lasku on nyt maksettu."


def test_attachments_are_media_references_not_content() -> None:
    found = event("message__attachments.eml")
    assert found.text == "Kuva rikkinäisestä tuotteesta:"  # the HTML body of the related part
    urls = [(media.url, media.type) for media in found.media]
    assert urls == [("cid:kuva1@example.fi", "file"), ("name:kuitti ä.pdf", "file")]
    assert "JVBERi" not in str(found.raw)  # no attachment bytes in raw


def test_mail_without_message_id_or_date() -> None:
    data = fixture("message__no_message_id.eml")
    found = parse.message_event(data, channel=CHANNEL, received_at=ARRIVED)
    again = parse.message_event(data, channel=CHANNEL, received_at=ARRIVED)
    assert found.external_id.startswith("sha256-")
    assert found.external_id == again.external_id  # the same bytes, the same id
    assert found.created_at == ARRIVED  # INTERNALDATE


def test_long_message_id_is_hashed() -> None:
    found = event("message__long_message_id.eml")
    assert found.external_id.startswith("sha256-")
    assert len(found.external_id) <= 200


def test_mail_without_sender_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match="no sender address"):
        event("message__no_sender.eml")


def test_no_date_and_no_arrival_time_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match="no valid Date"):
        parse.message_event(fixture("message__no_message_id.eml"), channel=CHANNEL)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply__out_of_office.eml", "Auto-Submitted: auto-replied"),
        ("message__bulk.eml", "Precedence: bulk"),
        ("message__finnish_latin1.eml", None),
    ],
)
def test_mail_sent_by_a_machine(name: str, reason: str | None) -> None:
    assert parse.automatic(parse.load(fixture(name))) == reason


def test_feedback_form_sent_in_our_name_is_the_customers() -> None:
    found = event("message__feedback_form.eml")
    assert found.direction == "inbound"
    assert found.author.id == "sanna.laine@example.fi"
    assert found.author.name == "Sanna Laine"


def test_our_own_mail_is_outbound() -> None:
    data = (
        b"From: Kide <Palaute@Kide.fi>\r\nTo: a@example.fi\r\nMessage-ID: <vastaa.k1@kide.fi>\r\n"
    )
    found = parse.message_event(data + b"\r\nHei\r\n", channel=CHANNEL, received_at=ARRIVED)
    assert found.direction == "outbound"
    assert found.external_id == "vastaa.k1@kide.fi"


def test_undeclared_8bit_header_is_read_as_windows_1252() -> None:
    data = "From: Jörg <j@example.de>\r\nSubject: Grüße\r\n\r\nx\r\n".encode("cp1252")
    found = parse.message_event(data, channel=CHANNEL, received_at=ARRIVED)
    assert found.author.name == "Jörg"


def test_unknown_charset_falls_back() -> None:
    data = (
        b"From: a@example.fi\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n"
        b"Hyv\xe4\xe4 p\xe4iv\xe4\xe4\r\n"
    )
    found = parse.message_event(data, channel=CHANNEL, received_at=ARRIVED)
    assert found.text == "Hyvää päivää"


@pytest.mark.parametrize(
    ("text", "trimmed"),
    [
        ("Thanks!\n\nOn Mon, 1 Jan 2026, Kide <p@kide.fi> wrote:\n> old", "Thanks!"),
        ("Kiitos!\n\nMatti kirjoitti 1.1.2026 kello 10.00:\nvanha", "Kiitos!"),
        ("Sağol\n\n1 Oca 2026 tarihinde a@b.tr şunu yazdı:\neski", "Sağol"),
        ("Yes\n\n-----Original Message-----\nFrom: x\nold", "Yes"),
        ("Here is what your support wrote:\nplease wait", None),  # no date, no address
        ("> only a quote", None),  # all quote: kept whole
    ],
)
def test_trim_quoted(text: str, trimmed: str | None) -> None:
    assert parse.trim_quoted(text) == (trimmed or text)


def test_html_blockquote_becomes_quote_lines() -> None:
    text = parse.html_to_text("<p>New</p><blockquote><p>Old</p><p>Older</p></blockquote>")
    assert text == "New\n\n> Old\n\n> Older"
    assert parse.trim_quoted(text) == "New"


def test_reply_context_prefers_reply_to() -> None:
    context = parse.reply_context(fixture("message__feedback_form.eml"))
    assert context.address == "sanna.laine@example.fi"
    assert context.subject == "Palautelomake: kauppa Tampere"
    assert context.message_id == "form-2026-11-20-0900@kide.fi"


def test_reply_context_keeps_the_subject_on_one_line() -> None:
    context = parse.reply_context(fixture("message__encoded_line_break.eml"))
    assert context.subject == "Hei Bcc: evil@x.com"  # an encoded CR LF is a space
    assert context.message_id == "crlf-subject-1@example.fi"
    assert context.references == ("first-1@example.fi",)


def test_reply_context_drops_ids_with_control_characters() -> None:
    data = (
        b"From: a@example.fi\nMessage-ID: <a\x01b@example.fi>\n"
        b"References: <ok@x.fi> <c\x7fd@x.fi>\n"
    )
    context = parse.reply_context(data)
    assert context.message_id is None
    assert context.references == ("ok@x.fi",)

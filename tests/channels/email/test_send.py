"""Sending through a real SMTP server (aiosmtpd) with the Sent copy on a real Dovecot: the
headers of a reply, the Message-ID from the outbox key, the echo, retries, refusals, check()."""

from __future__ import annotations

import pytest

from tests.channels.email import servers
from tests.channels.email.servers import Dovecot, Smtp, channel_setup, fixture
from vastaa.channels.base import Connector, Listening, Moderation, Outgoing, Rejected
from vastaa.channels.email import CAPABILITIES, EmailConnector
from vastaa.channels.email.parse import message_event
from vastaa.errors import PermanentError, RetryableError
from vastaa.pipeline.events import ChannelRef, MessageEvent

CUSTOMER = "matti.meikalainen@example.fi"


def reply(key: str = "reply-1", **fields: str | None) -> Outgoing:
    values: dict[str, str | None] = {
        "text": "Hei Matti,\n\npaketti lähti tänään. Pahoittelut viivästyksestä!\n\nKide",
        "lang": "fi",
        "in_reply_to": "20261117091400.4711@example.fi",
        "recipient": CUSTOMER,
        **fields,
    }
    return Outgoing(key=key, action="reply", **values)  # type: ignore[arg-type]


def test_capabilities_are_reading_and_writing_mail_only(connector: EmailConnector) -> None:
    contract: Connector = connector  # mypy checks the protocol here
    assert contract.platform == "email"
    assert {"read_direct_messages", "reply", "direct_message"} == CAPABILITIES


def test_reply_has_the_threading_headers_and_our_message_id(
    connector: EmailConnector, dovecot: Dovecot, smtp: Smtp, mailbox: str
) -> None:
    dovecot.deliver(mailbox, fixture("message__finnish_latin1.eml"))
    receipt = connector.send(reply())
    assert receipt.platform_id == "vastaa.reply-1@kide.fi"
    ((sender, recipients, _),) = smtp.recorder.received
    assert sender == servers.ACCOUNT
    assert recipients == [CUSTOMER]
    (mail,) = smtp.recorder.messages()
    assert mail["Message-ID"] == "<vastaa.reply-1@kide.fi>"
    assert mail["From"] == f"Kide asiakaspalvelu <{servers.ACCOUNT}>"
    assert mail["To"] == CUSTOMER
    assert mail["Subject"] == "Re: Tilaus 4711 myöhässä"  # looked up in the mailbox
    assert mail["In-Reply-To"] == "<20261117091400.4711@example.fi>"
    assert mail["References"] == "<20261117091400.4711@example.fi>"
    assert mail["Content-Language"] == "fi"
    assert mail["Date"]
    assert "paketti lähti tänään" in mail.get_content()


def test_reply_in_a_thread_extends_references(
    connector: EmailConnector, dovecot: Dovecot, smtp: Smtp, mailbox: str
) -> None:
    dovecot.deliver(mailbox, fixture("reply__gmail_quoted.eml"))
    connector.send(reply("reply-2", in_reply_to="CAF3k9+reply2@mail.gmail.com"))
    (mail,) = smtp.recorder.messages()
    assert mail["Subject"] == "Re: Tilaus 4711 myohassa"  # not "Re: Re:"
    assert mail["References"] == (
        "<20261117091400.4711@example.fi> <vastaa.reply-1@kide.fi> <CAF3k9+reply2@mail.gmail.com>"
    )


def test_reply_to_a_feedback_form_goes_to_reply_to(
    connector: EmailConnector, dovecot: Dovecot, smtp: Smtp, mailbox: str
) -> None:
    dovecot.deliver(mailbox, fixture("message__feedback_form.eml"))
    connector.send(reply("reply-3", in_reply_to="form-2026-11-20-0900@kide.fi", recipient=None))
    ((_, recipients, _),) = smtp.recorder.received
    assert recipients == ["sanna.laine@example.fi"]


def test_reply_to_mail_no_longer_in_the_mailbox(connector: EmailConnector, smtp: Smtp) -> None:
    connector.send(reply("reply-4"))
    (mail,) = smtp.recorder.messages()
    assert mail["Subject"] == "Kide asiakaspalvelu"  # from_name: the subject is unknown
    assert mail["In-Reply-To"] == "<20261117091400.4711@example.fi>"


def test_direct_message_is_a_new_mail(connector: EmailConnector, smtp: Smtp) -> None:
    outgoing = Outgoing(
        key="dm-1", action="direct_message", text="Hello", lang="en", recipient=CUSTOMER
    )
    receipt = connector.send(outgoing)
    assert receipt.thread_id == receipt.platform_id == "vastaa.dm-1@kide.fi"
    (mail,) = smtp.recorder.messages()
    assert mail["In-Reply-To"] is None
    assert mail["References"] is None


def test_a_mail_needs_a_recipient(connector: EmailConnector, smtp: Smtp) -> None:
    with pytest.raises(Rejected, match="customer's address"):
        connector.send(Outgoing(key="dm-2", action="direct_message", text="Hei"))
    assert smtp.recorder.received == []


def test_a_recipient_that_is_not_an_address(connector: EmailConnector, smtp: Smtp) -> None:
    outgoing = Outgoing(
        key="dm-3", action="direct_message", text="Hei", recipient="a@b.fi\r\nBcc: x@y.fi"
    )
    with pytest.raises(Rejected, match="not a mail address"):
        connector.send(outgoing)
    assert smtp.recorder.received == []


def test_an_unsafe_key_gets_a_hashed_message_id(connector: EmailConnector, smtp: Smtp) -> None:
    receipt = connector.send(reply("key with spaces/and<brackets>"))
    local, _, domain = receipt.platform_id.partition("@")
    assert domain == "kide.fi"
    assert local.startswith("vastaa.h")
    assert " " not in local and "<" not in local
    assert connector.send(reply("key with spaces/and<brackets>")).platform_id == receipt.platform_id


def test_sent_copy_is_recognised_and_a_retry_does_not_send_twice(
    dovecot: Dovecot, smtp: Smtp, mailbox: str
) -> None:
    sent = dovecot.new_mailbox()
    connector = EmailConnector.build(channel_setup(dovecot, smtp, mailbox, sent_mailbox=sent))
    receipt = connector.send(reply())
    again = connector.send(reply())  # the outbox retries after a time-out
    assert again == receipt
    assert len(smtp.recorder.received) == 1
    (copy,) = dovecot.mails(sent)
    echo = message_event(copy, channel=ChannelRef(platform="email", account=servers.ACCOUNT))
    assert echo.external_id == receipt.platform_id
    assert echo.direction == "outbound"
    assert b"\\Seen" in dovecot.flags(sent)[0]


def test_the_echo_read_back_from_the_mailbox(
    connector: EmailConnector, dovecot: Dovecot, smtp: Smtp, mailbox: str
) -> None:
    receipt = connector.send(reply())
    ((_, _, data),) = smtp.recorder.received
    dovecot.deliver(mailbox, data)  # a Bcc to ourselves, or a server that files sent mail
    (event,) = connector.read({}, Listening()).events
    assert isinstance(event, MessageEvent)
    assert event.external_id == receipt.platform_id
    assert event.direction == "outbound"
    assert event.parent_id == "20261117091400.4711@example.fi"


def test_without_a_sent_mailbox_a_retry_sends_again(connector: EmailConnector, smtp: Smtp) -> None:
    connector.send(reply("reply-5", in_reply_to=None))
    connector.send(reply("reply-5", in_reply_to=None))
    assert len(smtp.recorder.received) == 2  # documented: SMTP cannot deduplicate


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("550 5.1.1 No such user", Rejected),
        ("450 4.2.0 Greylisted, try again later", RetryableError),
    ],
)
def test_a_refused_recipient(
    connector: EmailConnector, smtp: Smtp, answer: str, error: type[Exception]
) -> None:
    smtp.recorder.answers[CUSTOMER] = answer
    with pytest.raises(error, match=answer.split()[0]):
        connector.send(reply("reply-8", in_reply_to=None))
    assert smtp.recorder.received == []


def test_open_relay_without_auth(dovecot: Dovecot, open_smtp: Smtp, mailbox: str) -> None:
    connector = EmailConnector.build(channel_setup(dovecot, open_smtp, mailbox))
    connector.send(reply("reply-6", in_reply_to=None))
    assert len(open_smtp.recorder.received) == 1


def test_bad_smtp_password_is_rejected_without_the_password(
    dovecot: Dovecot, smtp: Smtp, mailbox: str
) -> None:
    wrong = "wrong-smtp-password-339"
    setup = channel_setup(dovecot, smtp, mailbox, smtp_password=wrong)
    connector = EmailConnector.build(setup)
    with pytest.raises(Rejected) as caught:
        connector.send(reply("reply-7", in_reply_to=None))
    assert "SMTP 127.0.0.1" in str(caught.value)
    assert "refused the login of smtp-kide" in str(caught.value)
    assert wrong not in str(caught.value)
    assert smtp.recorder.received == []


def test_check_signs_in_to_both_servers(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.deliver(mailbox, fixture("message__windows1252.eml"), fixture("message__bulk.eml"))
    assert connector.check() == (
        f"mailbox {mailbox}, 2 messages; SMTP 127.0.0.1:{connector.settings.smtp.port} ready"
    )


def test_check_with_a_bad_password(dovecot: Dovecot, smtp: Smtp, mailbox: str) -> None:
    setup = channel_setup(dovecot, smtp, mailbox, password="nope-123", smtp_password="nope-456")
    with pytest.raises(Rejected) as caught:
        EmailConnector.build(setup).check()
    assert "IMAP" in str(caught.value)
    assert "nope-123" not in str(caught.value)


def test_check_with_a_bad_smtp_password(dovecot: Dovecot, smtp: Smtp, mailbox: str) -> None:
    setup = channel_setup(dovecot, smtp, mailbox, smtp_password="nope-456")
    with pytest.raises(Rejected, match="SMTP") as caught:
        EmailConnector.build(setup).check()
    assert "nope-456" not in str(caught.value)


def test_moderation_is_not_possible(connector: EmailConnector) -> None:
    request = Moderation(key="m1", action="hide", message_id="x@y", author_id=CUSTOMER)
    with pytest.raises(Rejected, match="no moderation"):
        connector.moderate(request)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"imap_host": ""}, "imap_host"),
        ({"smtp_host": ""}, "smtp_host"),
        ({"smtp_security": "tls13"}, "smtp_security must be"),
        ({"smtp_host": "smtp.kide.fi"}, "smtp_security none is allowed only for 127.0.0.1"),
        ({"imap_port": "many"}, "imap_port must be a whole number"),
    ],
)
def test_build_names_what_is_wrong(
    dovecot: Dovecot, smtp: Smtp, change: dict[str, str], message: str
) -> None:
    with pytest.raises(PermanentError, match=message):
        EmailConnector.build(channel_setup(dovecot, smtp, "INBOX", **change))


def test_build_needs_a_password_and_an_address(dovecot: Dovecot, smtp: Smtp) -> None:
    setup = channel_setup(dovecot, smtp, "INBOX", password="")
    with pytest.raises(PermanentError, match="password"):
        EmailConnector.build(setup)
    good = channel_setup(dovecot, smtp, "INBOX")
    with pytest.raises(PermanentError, match="mail address"):
        EmailConnector.build(type(good)("kide", good.config, good.credentials))


def test_secure_defaults(dovecot: Dovecot, smtp: Smtp) -> None:
    setup = channel_setup(dovecot, smtp, "INBOX")
    config = {"imap_host": "imap.kide.fi", "smtp_host": "smtp.kide.fi"}
    built = EmailConnector.build(type(setup)(servers.ACCOUNT, config, {"password": "pw"}))
    imap, smtp_server = built.settings.imap, built.settings.smtp
    assert (imap.security, imap.port, imap.username) == ("ssl", 993, servers.ACCOUNT)
    assert (smtp_server.security, smtp_server.port) == ("starttls", 587)
    assert built.settings.mailbox == "INBOX"


def test_an_encoded_line_break_in_the_subject_cannot_add_a_header(
    connector: EmailConnector, dovecot: Dovecot, smtp: Smtp, mailbox: str
) -> None:
    dovecot.deliver(mailbox, fixture("message__encoded_line_break.eml"))
    connector.send(reply("reply-9", in_reply_to="crlf-subject-1@example.fi"))
    ((_, recipients, data),) = smtp.recorder.received
    assert recipients == [CUSTOMER]
    (mail,) = smtp.recorder.messages()
    assert mail["Subject"] == "Re: Hei Bcc: evil@x.com"
    assert mail["Bcc"] is None
    assert b"\nBcc:" not in data
    assert mail["References"] == "<first-1@example.fi> <crlf-subject-1@example.fi>"


@pytest.mark.parametrize("sent_mailbox", [False, True])
def test_a_reply_to_an_id_outside_ascii_is_sent(
    dovecot: Dovecot, smtp: Smtp, mailbox: str, sent_mailbox: bool
) -> None:
    extra = {"sent_mailbox": dovecot.new_mailbox()} if sent_mailbox else {}
    connector = EmailConnector.build(channel_setup(dovecot, smtp, mailbox, **extra))
    connector.send(reply("reply-10", in_reply_to="kesä-1@example.fi"))  # not found: no search
    (mail,) = smtp.recorder.messages()
    assert mail["Subject"] == "Kide asiakaspalvelu"


def test_a_password_outside_ascii_signs_in_to_both_servers(dovecot: Dovecot, smtp: Smtp) -> None:
    setup = channel_setup(
        dovecot,
        smtp,
        "INBOX",
        username=servers.UTF8_USER,
        password=servers.UTF8_PASSWORD,
        smtp_username=servers.UTF8_USER,
        smtp_password=servers.UTF8_PASSWORD,
    )
    connector = EmailConnector.build(setup)
    assert connector.check().startswith("mailbox INBOX, 0 messages; SMTP 127.0.0.1")
    connector.send(reply("reply-11"))
    assert len(smtp.recorder.received) == 1


@pytest.mark.parametrize("which", ["imap", "smtp"])
def test_a_wrong_password_outside_ascii_is_rejected_without_it(
    dovecot: Dovecot, smtp: Smtp, which: str
) -> None:
    wrong = "Kesä2025-väärä"
    logins = {"username": servers.UTF8_USER, "smtp_username": servers.UTF8_USER}
    passwords = {"password": servers.UTF8_PASSWORD, "smtp_password": servers.UTF8_PASSWORD}
    passwords["password" if which == "imap" else "smtp_password"] = wrong
    connector = EmailConnector.build(channel_setup(dovecot, smtp, "INBOX", **logins, **passwords))
    with pytest.raises(Rejected) as caught:
        connector.check()
    assert f"refused the login of {servers.UTF8_USER}" in str(caught.value)
    assert wrong not in str(caught.value)
    assert "väärä" not in repr(caught.value)

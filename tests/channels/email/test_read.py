"""Reading a mailbox of a real Dovecot over IMAP: UID cursor, batches, UIDVALIDITY, nothing
marked read, machine mail skipped, malformed mail reported, bad password refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.channels.email import servers
from tests.channels.email.servers import Dovecot, Smtp, channel_setup, fixture
from vastaa.channels.base import Listening, Rejected
from vastaa.channels.email import EmailConnector
from vastaa.errors import PermanentError, RetryableError
from vastaa.pipeline.events import Event, MessageEvent

NOTHING = Listening()


def plain(number: int, sender: str = "asiakas@example.fi") -> bytes:
    return (
        f"From: Asiakas {number} <{sender}>\nTo: {servers.ACCOUNT}\nSubject: Kysymys {number}\n"
        f"Date: Fri, 20 Nov 2026 08:{number % 60:02d}:00 +0200\n"
        f"Message-ID: <q{number}@example.fi>\n\nKysymys numero {number}\n"
    ).encode()


def ids(events: list[Event]) -> list[str]:
    return [event.external_id for event in events if isinstance(event, MessageEvent)]


def test_first_read_returns_the_mail_and_a_cursor(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.deliver(mailbox, fixture("message__finnish_latin1.eml"))
    dovecot.deliver(mailbox, fixture("message__turkish_iso8859_9.eml"))
    fetched = connector.read({}, NOTHING)
    assert ids(fetched.events) == [
        "20261117091400.4711@example.fi",
        "CAB7x9Tz.iade@mail.example.com.tr",
    ]
    assert fetched.found == []
    assert fetched.more is False
    assert fetched.problems == []
    assert fetched.cursor["last_uid"] == 2
    assert isinstance(fetched.cursor["uidvalidity"], int)
    first = fetched.events[0]
    assert isinstance(first, MessageEvent)
    assert first.channel.platform == "email"
    assert first.channel.account == servers.ACCOUNT
    assert first.raw is not None
    assert first.raw["internaldate"]  # the IMAP arrival time is kept


def test_reading_marks_nothing_read(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.deliver(mailbox, plain(1))
    connector.read({}, NOTHING)
    assert all(b"\\Seen" not in line for line in dovecot.flags(mailbox))


def test_reading_again_from_the_cursor_returns_nothing_new(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.deliver(mailbox, plain(1))
    first = connector.read({}, NOTHING)
    again = connector.read(first.cursor, NOTHING)
    assert again.events == []
    assert again.cursor == first.cursor  # the highest UID is not read twice (n:* quirk)
    dovecot.deliver(mailbox, plain(2))
    later = connector.read(again.cursor, NOTHING)
    assert ids(later.events) == ["q2@example.fi"]
    assert later.cursor["last_uid"] == 2


def test_an_empty_mailbox(connector: EmailConnector) -> None:
    fetched = connector.read({}, NOTHING)
    assert fetched.events == []
    assert fetched.cursor["last_uid"] == 0
    assert connector.read(fetched.cursor, NOTHING).cursor == fetched.cursor


def test_batches_of_100_with_more(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.deliver(mailbox, *(plain(number) for number in range(105)))
    first = connector.read({}, NOTHING)
    assert len(first.events) == 100
    assert first.more is True
    assert first.cursor["last_uid"] == 100
    second = connector.read(first.cursor, NOTHING)
    assert ids(second.events) == [f"q{number}@example.fi" for number in range(100, 105)]
    assert second.more is False
    assert second.cursor["last_uid"] == 105


def test_first_read_starts_from_the_backlog_days(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    old = datetime.now(UTC) - timedelta(days=30)
    dovecot.deliver(mailbox, plain(1), when=old)
    dovecot.deliver(mailbox, plain(2))
    dovecot.deliver(mailbox, plain(3), when=old)  # arrived late with an old date: not read
    fetched = connector.read({}, NOTHING)
    assert ids(fetched.events) == ["q2@example.fi"]
    assert fetched.cursor["last_uid"] == 3  # older mail is not read later either


def test_uidvalidity_change_starts_again_from_the_backlog(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.deliver(mailbox, plain(1))
    dovecot.deliver(mailbox, plain(2))
    before = connector.read({}, NOTHING)
    dovecot.command("DELETE", mailbox)  # the mailbox is rebuilt: UIDs are given again
    dovecot.command("CREATE", mailbox)
    dovecot.deliver(mailbox, plain(1), when=datetime.now(UTC) - timedelta(days=30))
    dovecot.deliver(mailbox, plain(2))
    dovecot.deliver(mailbox, plain(3))
    after = connector.read(before.cursor, NOTHING)
    assert after.cursor["uidvalidity"] != before.cursor["uidvalidity"]
    # UID 2 was read before, but the UIDs mean nothing now: the recent mail comes again
    # (ingestion drops the duplicate q2 by its Message-ID), the old q1 does not.
    assert ids(after.events) == ["q2@example.fi", "q3@example.fi"]
    assert after.cursor["last_uid"] == 3


def test_machine_mail_is_skipped_and_our_own_is_outbound(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.deliver(mailbox, fixture("auto_reply__out_of_office.eml"))
    dovecot.deliver(mailbox, fixture("message__bulk.eml"))
    dovecot.deliver(mailbox, plain(1, sender=servers.ACCOUNT))
    dovecot.deliver(mailbox, plain(2))
    fetched = connector.read({}, NOTHING)
    directions = [
        (e.external_id, e.direction) for e in fetched.events if isinstance(e, MessageEvent)
    ]
    assert directions == [("q1@example.fi", "outbound"), ("q2@example.fi", "inbound")]
    assert fetched.problems == []
    assert fetched.cursor["last_uid"] == 4  # past the skipped ones


def test_malformed_mail_is_a_problem_and_the_rest_is_kept(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.deliver(mailbox, plain(1))
    dovecot.deliver(mailbox, fixture("message__no_sender.eml"))
    dovecot.deliver(mailbox, plain(3))
    fetched = connector.read({}, NOTHING)
    assert ids(fetched.events) == ["q1@example.fi", "q3@example.fi"]
    assert len(fetched.problems) == 1
    assert fetched.problems[0].startswith("UID 2: no sender address")
    assert fetched.cursor["last_uid"] == 3


def test_the_same_mail_twice_in_a_page_is_one_event(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.deliver(mailbox, plain(1))
    dovecot.deliver(mailbox, plain(1))  # delivered twice (Cc to two of our addresses)
    fetched = connector.read({}, NOTHING)
    assert ids(fetched.events) == ["q1@example.fi"]


def test_mail_without_date_gets_the_internaldate(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    arrived = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    dovecot.deliver(mailbox, fixture("message__no_message_id.eml"), when=arrived)
    (event,) = connector.read({}, NOTHING).events
    assert isinstance(event, MessageEvent)
    assert event.created_at == arrived


def test_threading_headers_survive_the_server(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.deliver(mailbox, fixture("reply__gmail_quoted.eml"))
    (event,) = connector.read({}, NOTHING).events
    assert isinstance(event, MessageEvent)
    assert event.thread_id == "20261117091400.4711@example.fi"
    assert event.parent_id == "vastaa.reply-1@kide.fi"
    assert event.text == "Kiitos, paketti tuli tänään!"


def test_bad_password_is_rejected_without_the_password(
    dovecot: Dovecot, smtp: Smtp, mailbox: str
) -> None:
    wrong = "wrong-imap-password-771"
    connector = EmailConnector.build(channel_setup(dovecot, smtp, mailbox, password=wrong))
    with pytest.raises(Rejected) as caught:
        connector.read({}, NOTHING)
    assert "refused the login" in str(caught.value)
    assert wrong not in str(caught.value)
    assert wrong not in repr(connector.settings)


def test_a_missing_mailbox_is_refused(dovecot: Dovecot, smtp: Smtp) -> None:
    connector = EmailConnector.build(channel_setup(dovecot, smtp, "NoSuchBox"))
    with pytest.raises(Rejected, match="SELECT NoSuchBox"):
        connector.read({}, NOTHING)


def test_a_server_that_is_not_there_is_retryable(smtp: Smtp) -> None:
    closed = servers.free_port()
    setup = channel_setup(Dovecot(closed, servers.FIXTURES), smtp, "INBOX")
    with pytest.raises(RetryableError, match="IMAP 127.0.0.1"):
        EmailConnector.build(setup).read({}, NOTHING)


def test_unencrypted_imap_is_allowed_only_on_this_machine(
    dovecot: Dovecot, smtp: Smtp, mailbox: str
) -> None:
    setup = channel_setup(dovecot, smtp, mailbox, imap_host="imap.kide.fi")
    with pytest.raises(PermanentError, match="only for 127.0.0.1"):
        EmailConnector.build(setup)


def test_a_password_outside_ascii_reads_the_mailbox(dovecot: Dovecot, smtp: Smtp) -> None:
    setup = channel_setup(
        dovecot, smtp, "INBOX", username=servers.UTF8_USER, password=servers.UTF8_PASSWORD
    )
    fetched = EmailConnector.build(setup).read({}, NOTHING)
    assert fetched.events == []
    assert fetched.problems == []


def test_a_mailbox_name_outside_ascii_is_refused(dovecot: Dovecot, smtp: Smtp) -> None:
    connector = EmailConnector.build(channel_setup(dovecot, smtp, "Lähetetyt"))
    with pytest.raises(Rejected, match="outside ASCII") as caught:
        connector.read({}, NOTHING)
    assert "Lähetetyt" not in str(caught.value)
    assert servers.PASSWORD not in str(caught.value)


def large(number: int, attachment: int) -> bytes:
    """A customer's question with a big attachment after the text."""
    blob = b"QUJD" * (attachment // 4)
    lines = b"\n".join(blob[start : start + 76] for start in range(0, len(blob), 76))
    return (
        (
            f"From: Asiakas <asiakas@example.fi>\nTo: {servers.ACCOUNT}\nSubject: Kuvat {number}\n"
            f"Message-ID: <big{number}@example.fi>\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
            "Content-Type: text/plain; charset=UTF-8\n\nLiitteenä kuvat rikkinäisestä tuotteesta.\n"
            '--b\nContent-Type: image/jpeg\nContent-Disposition: attachment; filename="kuva.jpg"\n'
            "Content-Transfer-Encoding: base64\n\n"
        ).encode()
        + lines
        + b"\n--b--\n"
    )


def test_a_mail_over_max_bytes_is_read_up_to_the_cap(
    connector: EmailConnector, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.deliver(mailbox, plain(1), large(2, 11_000_000), plain(3))
    fetched = connector.read({}, NOTHING)
    assert ids(fetched.events) == ["q1@example.fi", "big2@example.fi", "q3@example.fi"]
    assert fetched.problems == []
    assert fetched.cursor["last_uid"] == 3
    big = fetched.events[1]
    assert isinstance(big, MessageEvent)
    assert big.text == "Liitteenä kuvat rikkinäisestä tuotteesta."
    assert [media.url for media in big.media] == ["name:kuva.jpg"]
    assert big.raw is not None
    assert big.raw["size"] > 11_000_000
    assert big.raw["cut_at"] == 10_000_000
    small = fetched.events[0]
    assert small.raw is not None
    assert "cut_at" not in small.raw


def test_a_read_takes_at_most_five_times_max_bytes(
    dovecot: Dovecot, smtp: Smtp, mailbox: str
) -> None:
    connector = EmailConnector.build(channel_setup(dovecot, smtp, mailbox, max_bytes=20_000))
    dovecot.deliver(mailbox, *(large(number, 30_000) for number in range(7)))
    first = connector.read({}, NOTHING)  # each counts as 20 kB of the 100 kB
    assert ids(first.events) == [f"big{number}@example.fi" for number in range(5)]
    assert first.more is True
    assert first.cursor["last_uid"] == 5
    second = connector.read(first.cursor, NOTHING)
    assert ids(second.events) == ["big5@example.fi", "big6@example.fi"]
    assert second.more is False
    assert second.cursor["last_uid"] == 7


def test_max_bytes_must_be_a_sensible_size(dovecot: Dovecot, smtp: Smtp) -> None:
    with pytest.raises(PermanentError, match="max_bytes"):
        EmailConnector.build(channel_setup(dovecot, smtp, "INBOX", max_bytes=100))

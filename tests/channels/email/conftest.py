"""Fixtures for the e-mail connector's tests: a real Dovecot (session-wide; each test gets a
mailbox of its own) and aiosmtpd servers (``tests/channels/email/servers.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.channels.email.servers import (
    Dovecot,
    Smtp,
    authenticator,
    channel_setup,
    dovecot_binary,
    running_dovecot,
    running_smtp,
)
from vastaa.channels.email import EmailConnector


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    if binary is None:
        pytest.skip("the dovecot binary is absent: scripts/services installs dovecot-imapd")
    with running_dovecot(binary) as server:
        yield server


@pytest.fixture(scope="session")
def open_smtp() -> Iterator[Smtp]:
    """An SMTP server that takes mail without a login (as a local relay does)."""
    with running_smtp() as server:
        yield server


@pytest.fixture(scope="session")
def auth_smtp() -> Iterator[Smtp]:
    """An SMTP server that requires AUTH (in plain text: it listens on 127.0.0.1 only)."""
    with running_smtp(
        authenticator=authenticator, auth_required=True, auth_require_tls=False
    ) as server:
        yield server


@pytest.fixture
def smtp(auth_smtp: Smtp) -> Smtp:
    auth_smtp.recorder.received.clear()
    auth_smtp.recorder.answers.clear()
    return auth_smtp


@pytest.fixture
def mailbox(dovecot: Dovecot) -> str:
    return dovecot.new_mailbox()


@pytest.fixture
def connector(dovecot: Dovecot, smtp: Smtp, mailbox: str) -> EmailConnector:
    return EmailConnector.build(channel_setup(dovecot, smtp, mailbox))

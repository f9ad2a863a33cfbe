"""IMAP and SMTP for the e-mail connector, on the standard library: the channel's settings,
signed-in sessions, the few IMAP commands the connector uses, and errors in Vastaa's tree.

Security: ``ssl`` (implicit TLS, IMAP 993 / SMTP 465), ``starttls`` (IMAP 143 / SMTP 587) or
``none``, which is allowed only for a server on this machine (127.0.0.1). Certificates are
checked against the system's trust store. A refused login is ``Rejected`` with the server's
words and the user name, never the password. A login outside ASCII signs in with the PLAIN
mechanism in UTF-8 (IMAP AUTHENTICATE, SMTP AUTH): LOGIN and ``smtplib`` take ASCII only.
"""

from __future__ import annotations

import base64
import imaplib
import logging
import re
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from vastaa.channels.base import ChannelSetup, Rejected
from vastaa.errors import PermanentError, RetryableError

BACKLOG_DAYS = 7
MAX_BYTES = 10_000_000  # of one mail; a bigger one is read up to here
MIN_BYTES = 10_000
TIMEOUT_SECONDS = 30.0
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
SECURITY = ("ssl", "starttls", "none")
Security = Literal["ssl", "starttls", "none"]
DEFAULT_PORTS = {
    "imap": {"ssl": 993, "starttls": 143, "none": 143},
    "smtp": {"ssl": 465, "starttls": 587, "none": 25},
}
INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
UID = re.compile(rb"\bUID (\d+)")
SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Server:
    """One server: where, how secured, and the login (never shown in an error)."""

    protocol: Literal["imap", "smtp"]
    host: str
    port: int
    security: Security
    username: str
    password: str = field(repr=False)

    @property
    def where(self) -> str:
        return f"{self.protocol.upper()} {self.host}:{self.port}"


@dataclass(frozen=True)
class MailSettings:
    account: str  # the mailbox address: From of what we send
    imap: Server
    smtp: Server
    mailbox: str = "INBOX"
    sent_mailbox: str | None = None
    from_name: str = ""
    subject: str = ""  # the subject of a mail that answers nothing we know
    backlog_days: int = BACKLOG_DAYS
    max_bytes: int = MAX_BYTES


@dataclass(frozen=True)
class Selected:
    uidvalidity: int
    uidnext: int
    exists: int


@dataclass(frozen=True)
class Mail:
    uid: int
    data: bytes
    received_at: datetime | None
    size: int | None = None  # RFC822.SIZE: more than len(data) when the mail was cut


# Settings


def settings(setup: ChannelSetup) -> MailSettings:
    """The channel's settings, validated: a PermanentError names what is missing or wrong."""
    account = setup.account.strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", account):
        raise PermanentError("email: the channel's account must be its mail address")
    config, credentials = setup.config, setup.credentials
    username = credentials.get("username") or account
    password = credentials.get("password")
    if not password:
        raise PermanentError("email: the channel needs a password credential")
    smtp_login = (credentials.get("smtp_username") or username, credentials.get("smtp_password"))
    return MailSettings(
        account=account,
        imap=_server("imap", config, username, password),
        smtp=_server("smtp", config, smtp_login[0], smtp_login[1] or password),
        mailbox=str(config.get("mailbox") or "INBOX"),
        sent_mailbox=str(config["sent_mailbox"]) if config.get("sent_mailbox") else None,
        from_name=str(config.get("from_name") or ""),
        subject=str(config.get("subject") or ""),
        backlog_days=_int(config.get("backlog_days", BACKLOG_DAYS), "backlog_days"),
        max_bytes=_max_bytes(config.get("max_bytes", MAX_BYTES)),
    )


def _max_bytes(value: Any) -> int:
    size = _int(value, "max_bytes")
    if size < MIN_BYTES:
        raise PermanentError(f"email: max_bytes must be at least {MIN_BYTES}")
    return size


def _server(
    protocol: Literal["imap", "smtp"], config: Mapping[str, Any], username: str, password: str
) -> Server:
    host = str(config.get(f"{protocol}_host") or "").strip()
    if not host:
        raise PermanentError(f"email: the channel needs {protocol}_host")
    default = "ssl" if protocol == "imap" else "starttls"
    security = str(config.get(f"{protocol}_security") or default).lower()
    if security not in SECURITY:
        raise PermanentError(f"email: {protocol}_security must be ssl, starttls or none")
    if security == "none" and host not in LOCAL_HOSTS:
        raise PermanentError(f"email: {protocol}_security none is allowed only for 127.0.0.1")
    port = config.get(f"{protocol}_port") or DEFAULT_PORTS[protocol][security]
    return Server(protocol, host, _int(port, f"{protocol}_port"), security, username, password)  # type: ignore[arg-type]


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PermanentError(f"email: {name} must be a whole number") from None


# IMAP


@contextmanager
def imap_session(server: Server) -> Iterator[imaplib.IMAP4]:
    """A signed-in IMAP connection, logged out at the end; errors in Vastaa's tree."""
    with _mapped(server):
        if server.security == "ssl":
            context = ssl.create_default_context()
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                server.host, server.port, ssl_context=context, timeout=TIMEOUT_SECONDS
            )
        else:
            conn = imaplib.IMAP4(server.host, server.port, timeout=TIMEOUT_SECONDS)
            if server.security == "starttls":
                conn.starttls(ssl.create_default_context())
        try:
            _login(conn, server)
            yield conn
        finally:
            _logout(conn)


def _login(conn: imaplib.IMAP4, server: Server) -> None:
    try:
        if _ascii(server.username, server.password):
            conn.login(server.username, server.password)
        elif "AUTH=PLAIN" in conn.capabilities:
            conn.authenticate("PLAIN", lambda _challenge: _plain(server))
        else:
            raise Rejected(
                f"email: {server.where} offers no AUTHENTICATE PLAIN, which a login outside "
                "ASCII needs"
            )
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as error:
        reason = _text(error).replace(server.password, "***")
        raise Rejected(
            f"email: {server.where} refused the login of {server.username}: {reason}"
        ) from None


def _logout(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except (imaplib.IMAP4.error, OSError):
        log.debug("IMAP logout failed; the connection is closed anyway")


def select(conn: imaplib.IMAP4, mailbox: str) -> Selected:
    """SELECT read-only (EXAMINE): nothing we do changes a flag."""
    typ, data = conn.select(_quoted(mailbox), readonly=True)
    _ok(typ, data, f"SELECT {mailbox}")
    uidvalidity = _number(conn.response("UIDVALIDITY")[1])
    if uidvalidity is None:
        raise Rejected(f"email: the IMAP server sent no UIDVALIDITY for {mailbox}")
    uidnext = _number(conn.response("UIDNEXT")[1])
    if uidnext is None:  # required by RFC 3501, but: the highest UID + 1
        uidnext = max(search(conn, "UID", "*"), default=0) + 1
    return Selected(uidvalidity, uidnext, _number(data) or 0)


def search(conn: imaplib.IMAP4, *criteria: str) -> list[int]:
    typ, data = conn.uid("SEARCH", *criteria)
    _ok(typ, data, "UID SEARCH")
    return sorted({int(uid) for line in data if line for uid in bytes(line).split()})


def sizes(conn: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    """RFC822.SIZE of these UIDs (expunged ones are absent)."""
    typ, data = conn.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)")
    _ok(typ, data, "UID FETCH")
    found = {}
    for line in data:
        meta = line[0] if isinstance(line, tuple) else line
        uid = UID.search(meta) if isinstance(meta, bytes) else None
        size = SIZE.search(meta) if isinstance(meta, bytes) else None
        if uid and size:
            found[int(uid.group(1))] = int(size.group(1))
    return found


def fetch(conn: imaplib.IMAP4, uids: list[int], item: str = "BODY.PEEK[]") -> list[Mail]:
    """The mails of these UIDs with their INTERNALDATE (expunged ones are simply absent)."""
    typ, data = conn.uid("FETCH", ",".join(map(str, uids)), f"(UID INTERNALDATE {item})")
    _ok(typ, data, "UID FETCH")
    mails = []
    for index, part in enumerate(data):
        if not isinstance(part, tuple):
            continue
        following = data[index + 1] if index + 1 < len(data) else b""
        meta = part[0] + (following if isinstance(following, bytes) else b"")
        uid = UID.search(meta)
        if uid:
            mails.append(Mail(int(uid.group(1)), part[1], _internaldate(meta)))
    return mails


def _internaldate(meta: bytes) -> datetime | None:
    found = INTERNALDATE.search(meta)
    if not found:
        return None
    try:
        when = datetime.strptime(found.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None
    return when.astimezone(UTC)


def find(conn: imaplib.IMAP4, mailbox: str, message_id: str) -> list[int]:
    """UIDs of the mails in ``mailbox`` with this Message-ID; none for an id outside ASCII
    (IMAP without UTF8=ACCEPT cannot search for it)."""
    if not _ascii(message_id):
        return []
    select(conn, mailbox)
    return search(conn, "HEADER", "Message-ID", _quoted(f"<{message_id}>"))


def append(conn: imaplib.IMAP4, mailbox: str, data: bytes) -> None:
    typ, answer = conn.append(_quoted(mailbox), r"(\Seen)", None, data)
    _ok(typ, answer, f"APPEND {mailbox}")


def _ok(typ: str, data: list[Any], what: str) -> None:
    if typ != "OK":
        raise Rejected(f"email: {what} failed: {_text(data)}")


def _number(data: list[Any] | None) -> int | None:
    for item in data or []:
        if isinstance(item, bytes) and item.strip().isdigit():
            return int(item)
    return None


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# SMTP


@contextmanager
def smtp_session(server: Server) -> Iterator[smtplib.SMTP]:
    """A connected SMTP session, signed in when the server offers AUTH; QUIT at the end."""
    with _mapped(server):
        context = ssl.create_default_context()
        if server.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        try:
            smtp.ehlo()
            if server.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if smtp.has_extn("auth") and server.username:
                _smtp_login(smtp, server)
            yield smtp
        finally:
            _quit(smtp)


def _smtp_login(smtp: smtplib.SMTP, server: Server) -> None:
    try:
        if _ascii(server.username, server.password):
            smtp.login(server.username, server.password)
        else:
            _smtp_plain(smtp, server)
    except smtplib.SMTPAuthenticationError as error:
        reason = _text(error.smtp_error).replace(server.password, "***")
        raise Rejected(
            f"email: {server.where} refused the login of {server.username}: "
            f"{error.smtp_code} {reason}"
        ) from None


def _smtp_plain(smtp: smtplib.SMTP, server: Server) -> None:
    """AUTH PLAIN in UTF-8: ``smtplib``'s own AUTH encodes the login as ASCII."""
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise Rejected(
            f"email: {server.where} offers no AUTH PLAIN, which a login outside ASCII needs"
        )
    code, answer = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(_plain(server)).decode())
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def _plain(server: Server) -> bytes:
    """The PLAIN mechanism's message (RFC 4616): no authorisation id, the login in UTF-8."""
    return f"\0{server.username}\0{server.password}".encode()


def _ascii(*values: str) -> bool:
    return all(value.isascii() for value in values)


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


# Errors


@contextmanager
def _mapped(server: Server) -> Iterator[None]:
    """Network and protocol errors in Vastaa's tree; our own errors pass through."""
    try:
        yield
    except (RetryableError, PermanentError):
        raise
    except smtplib.SMTPResponseException as error:
        reason = f"{server.where}: {error.smtp_code} {_text(error.smtp_error)}"
        if 400 <= error.smtp_code < 500:
            raise RetryableError(f"email: {reason}") from None
        raise Rejected(f"email: {reason}") from None
    except smtplib.SMTPRecipientsRefused as error:
        refused = "; ".join(f"{a}: {c} {_text(m)}" for a, (c, m) in error.recipients.items())
        if all(400 <= code < 500 for code, _ in error.recipients.values()):  # greylisting
            raise RetryableError(
                f"email: {server.where} deferred the recipient ({refused})"
            ) from None
        raise Rejected(f"email: {server.where} refused the recipient ({refused})") from None
    except smtplib.SMTPNotSupportedError as error:
        raise PermanentError(f"email: {server.where}: {error}") from None
    except ssl.SSLCertVerificationError as error:
        raise PermanentError(f"email: {server.where}: {error.verify_message}") from None
    except (imaplib.IMAP4.abort, smtplib.SMTPServerDisconnected, OSError) as error:
        raise RetryableError(f"email: {server.where}: {type(error).__name__}: {error}") from None
    except (imaplib.IMAP4.error, smtplib.SMTPException) as error:
        raise Rejected(f"email: {server.where}: {_text(error)}") from None
    except UnicodeError:  # its text holds the command, maybe the login: never shown
        raise Rejected(
            f"email: {server.where}: a command held characters outside ASCII, which the "
            "server cannot take (a mailbox name?)"
        ) from None


def _text(value: Any) -> str:
    """A server's answer as text (bytes, lists of bytes, an exception's arguments)."""
    if isinstance(value, BaseException):
        value = value.args[0] if len(value.args) == 1 else value.args
    if isinstance(value, list | tuple):
        return " ".join(_text(item) for item in value if item is not None)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)[:500]

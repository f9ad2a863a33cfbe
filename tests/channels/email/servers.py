"""Real mail servers on 127.0.0.1 for the e-mail connector's tests (the fixtures are in
conftest.py).

- Dovecot (Debian's dovecot-imapd), started once per session in the foreground with its own
  configuration in a temporary folder: IMAP without TLS, PLAIN login against a passwd file,
  Maildir. Run as root, its login processes run as ``dovenull`` and the mail as ``dovecot``
  (Dovecot refuses root for both); run as another user, everything runs as that user. Each
  test reads its own mailbox, created for it. The tests are skipped only when the ``dovecot``
  binary is absent (``scripts/services`` installs it).
- aiosmtpd, once open and once requiring AUTH, recording each mail it receives.
"""

from __future__ import annotations

import grp
import imaplib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from vastaa.channels.base import ChannelSetup
from vastaa.channels.email import parse

ACCOUNT = "palaute@kide.fi"
PASSWORD = "imap-secret-8243"
SMTP_USER = "smtp-kide"
SMTP_PASSWORD = "smtp-secret-5510"
UTF8_USER = "tiimi@kide.fi"  # a second login whose password is outside ASCII
UTF8_PASSWORD = "Kesä2024!"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "email"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Dovecot:
    port: int
    folder: Path
    names: Iterator[int] = field(default_factory=itertools.count)

    def login(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(ACCOUNT, PASSWORD)
        return conn

    def new_mailbox(self) -> str:
        name = f"Test{next(self.names)}"
        self.command("CREATE", name)
        return name

    def command(self, name: str, *args: str) -> None:
        conn = self.login()
        try:
            typ, data = getattr(conn, name.lower())(*args)
            assert typ == "OK", data
        finally:
            conn.logout()

    def deliver(self, mailbox: str, *mails: bytes, when: datetime | None = None) -> None:
        """Put mails into the mailbox (IMAP APPEND), with this arrival time if given."""
        conn = self.login()
        try:
            stamp = imaplib.Time2Internaldate(when) if when else None
            for data in mails:
                crlf = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                typ, answer = conn.append(mailbox, None, stamp, crlf)
                assert typ == "OK", answer
        finally:
            conn.logout()

    def flags(self, mailbox: str) -> list[bytes]:
        conn = self.login()
        try:
            conn.select(mailbox, readonly=True)
            return [line for line in conn.uid("FETCH", "1:*", "(FLAGS)")[1] if line]
        finally:
            conn.logout()

    def mails(self, mailbox: str) -> list[bytes]:
        conn = self.login()
        try:
            conn.select(mailbox, readonly=True)
            data = conn.uid("FETCH", "1:*", "(BODY.PEEK[])")[1]
            return [part[1] for part in data if isinstance(part, tuple)]
        finally:
            conn.logout()


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it received."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)  # recipient → a scripted refusal

    async def handle_RCPT(
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, _: Any
    ) -> str:
        if address in self.answers:
            return self.answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        self.received.append((str(envelope.mail_from), list(envelope.rcpt_tos), data))
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [parse.load(data) for _, _, data in self.received]


@dataclass
class Smtp:
    port: int
    recorder: Recorder


def _users() -> tuple[str, str, str]:
    """The internal, login and mail users: Dovecot refuses root for logins and mail."""
    me = pwd.getpwuid(os.geteuid()).pw_name
    if os.geteuid() != 0:
        return me, me, me
    known = {entry.pw_name for entry in pwd.getpwall()}
    login = "dovenull" if "dovenull" in known else "nobody"
    mail = "dovecot" if "dovecot" in known else "nobody"
    return "root", login, mail


def _group(user: str) -> str:
    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


def _config(folder: Path, port: int) -> str:
    internal, login, mail = _users()
    home = folder / "mail"
    root = os.geteuid() == 0  # only root may chroot the login processes and anvil
    chroot, anvil_chroot = ("login", "empty") if root else ("", "")
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_fsync = never
default_internal_user = {internal}
default_internal_group = {_group(internal)}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{home}/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={mail} gid={_group(mail)} home={home}/%u
}}
service imap-login {{
  chroot = {chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  chroot = {chroot}
}}
service anvil {{
  chroot = {anvil_chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")


@contextmanager
def running_dovecot(binary: str) -> Iterator[Dovecot]:
    folder = Path(tempfile.mkdtemp(prefix="vastaa-dovecot-"))
    folder.chmod(0o711)  # the mail user must reach its Maildir
    (folder / "mail").mkdir()
    mail_user = pwd.getpwnam(_users()[2])
    os.chown(folder / "mail", mail_user.pw_uid, mail_user.pw_gid)
    (folder / "passwd").write_text(
        f"{ACCOUNT}:{{PLAIN}}{PASSWORD}:::::\n{UTF8_USER}:{{PLAIN}}{UTF8_PASSWORD}:::::\n",
        encoding="utf-8",
    )
    port = free_port()
    (folder / "dovecot.conf").write_text(_config(folder, port))
    process = subprocess.Popen(
        [binary, "-F", "-c", str(folder / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process, folder)
        yield Dovecot(port, folder)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                if probe.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    log = folder / "dovecot.log"
    raise RuntimeError(f"dovecot did not start: {log.read_text() if log.exists() else ''}")


def authenticator(
    server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    good = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) in {(SMTP_USER, SMTP_PASSWORD), (UTF8_USER, UTF8_PASSWORD)}
    return AuthResult(success=good, handled=False)


class Plaintext(Controller):
    """aiosmtpd warns when AUTH is offered without TLS; on 127.0.0.1 in a test that is the
    point (the client refuses plain text anywhere else)."""

    def factory(self) -> SMTPServer:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            server: SMTPServer = super().factory()  # type: ignore[no-untyped-call]
        return server


@contextmanager
def running_smtp(**options: Any) -> Iterator[Smtp]:
    recorder = Recorder()
    controller = Plaintext(recorder, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield Smtp(controller.port, recorder)
    finally:
        controller.stop()


def channel_setup(
    dovecot: Dovecot,
    smtp: Smtp,
    mailbox: str,
    password: str = PASSWORD,
    smtp_password: str = SMTP_PASSWORD,
    username: str = ACCOUNT,
    smtp_username: str = SMTP_USER,
    **config: Any,
) -> ChannelSetup:
    return ChannelSetup(
        account=ACCOUNT,
        config={
            "imap_host": "127.0.0.1",
            "imap_port": dovecot.port,
            "imap_security": "none",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_security": "none",
            "mailbox": mailbox,
            "from_name": "Kide asiakaspalvelu",
            **config,
        },
        credentials={
            "username": username,
            "password": password,
            "smtp_username": smtp_username,
            "smtp_password": smtp_password,
        },
    )


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()

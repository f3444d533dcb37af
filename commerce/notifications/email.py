"""Email: one message shape, a sender port, an outbox folder and SMTP behind it."""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage as MimeMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from commerce.kit.slot import Slot
from commerce.notifications.rendering import render_email

__all__ = [
    "EmailMessage",
    "EmailSender",
    "OutboxEmailSender",
    "SmtpEmailSender",
    "build_mime",
    "render_email",
]

log = logging.getLogger(__name__)

DEFAULT_MAIL_FROM = "Marketplace <no-reply@localhost>"


def _single_line(field: str, value: str) -> None:
    # A CR or LF in a header would let a user-supplied value add headers (Bcc:) or a body.
    if "\r" in value or "\n" in value:
        raise ValueError(f"{field} must be a single line")


def _single_address(field: str, value: str) -> None:
    _single_line(field, value)
    parsed = getaddresses([value])
    if len(parsed) != 1 or "@" not in parsed[0][1]:
        raise ValueError(f"{field} must be one email address, got {value!r}")


@dataclass(frozen=True)
class EmailMessage:
    """An email to one person; refused at creation if a header could be forged."""

    to: str
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    headers: Sequence[tuple[str, str]] = ()

    def __post_init__(self) -> None:
        _single_address("to", self.to)
        _single_line("subject", self.subject)
        if self.reply_to is not None:
            _single_address("reply_to", self.reply_to)
        for name, value in self.headers:
            _single_line("header name", name)
            _single_line(f"header {name}", value)
            if not name or ":" in name or " " in name:
                raise ValueError(f"invalid header name {name!r}")


class EmailSender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


# Plugged in by commerce.wiring: SMTP when SMTP_URL is set, else the outbox folder.
email_sender: Slot[EmailSender] = Slot("email sender")


def render_and_send(*, to: str, kind: str, language: str | None = None, **context: Any) -> None:
    """Render `kind` from its template in `language` and send it now (the email job calls this)."""
    subject, text, html = render_email(kind, language=language, **context)
    email_sender().send(EmailMessage(to=to, subject=subject, text=text, html=html))


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, keeping the class it makes for each header name:
    `HeaderRegistry` builds a new class at every lookup (about 30 per message)."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


# The SMTP policy (CRLF line ends, RFC-compliant folding) with the registry above.
_MIME_POLICY = SMTP_POLICY.clone(header_factory=_HeaderClasses())


def build_mime(message: EmailMessage, mail_from: str) -> MimeMessage:
    """The RFC 5322 message: plain text, plus an HTML alternative when given."""
    mime = MimeMessage(policy=_MIME_POLICY)
    mime["From"] = mail_from
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(localtime=False)
    mime["Message-ID"] = make_msgid(domain=getaddresses([mail_from])[0][1].rpartition("@")[2] or "localhost")
    if message.reply_to:
        mime["Reply-To"] = message.reply_to
    for name, value in message.headers:
        mime[name] = value
    mime.set_content(message.text, subtype="plain", charset="utf-8")
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html", charset="utf-8")
    return mime


class OutboxEmailSender:
    """The embedded default: each message becomes an .eml file any mail client opens."""

    def __init__(self, outbox_dir: Path, mail_from: str = DEFAULT_MAIL_FROM) -> None:
        self.outbox_dir = Path(outbox_dir)
        self.mail_from = mail_from

    def send(self, message: EmailMessage) -> None:
        data = build_mime(message, self.mail_from).as_bytes()
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        # Sorts by time; the random part keeps two messages in the same microsecond apart.
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:12]}.eml"
        # Written aside then renamed, so a reader never sees half a message.
        fd, temporary = tempfile.mkstemp(dir=self.outbox_dir, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, self.outbox_dir / name)
        except BaseException:
            os.unlink(temporary)
            raise
        log.info("email to %s %r written to %s", message.to, message.subject, self.outbox_dir / name)


_SMTP_SCHEMES = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}


class SmtpEmailSender:
    """Sends through an SMTP server given as smtp://, smtps:// or smtp+starttls:// URL.

    Credentials go in the URL (percent-encoded): smtp+starttls://user:p%40ss@host:587.
    TLS verifies the server against the system CAs unless `ssl_context` says otherwise
    (a private CA).
    """

    def __init__(
        self, smtp_url: str, mail_from: str, timeout: float = 10, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        parts = urlsplit(smtp_url)
        if parts.scheme not in _SMTP_SCHEMES:
            raise ValueError(f"SMTP URL scheme must be one of {', '.join(_SMTP_SCHEMES)}, got {parts.scheme!r}")
        if not parts.hostname:
            raise ValueError("SMTP URL has no host")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or _SMTP_SCHEMES[parts.scheme]
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.mail_from = mail_from
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.scheme == "smtps":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.scheme == "smtp+starttls":
            connection.starttls(context=self.ssl_context)
        return connection

    def send(self, message: EmailMessage) -> None:
        mime = build_mime(message, self.mail_from)
        with self._connect() as connection:
            if self.username:
                connection.login(self.username, self.password or "")
            connection.send_message(mime)
        log.info("email to %s %r sent via %s:%d", message.to, message.subject, self.host, self.port)

"""One contract for every EmailSender: the outbox folder and SMTP (plain, STARTTLS, TLS).

SMTP runs against a real local server (aiosmtpd) started here; TLS uses a
throwaway certificate authority made for the test run.
"""

import datetime
import email
import email.policy
import ipaddress
import ssl
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from commerce.notifications.email import EmailMessage, OutboxEmailSender, SmtpEmailSender
from tests.fixtures.ports import free_port

MAIL_FROM = "Marketplace <no-reply@shop.test>"
SMTP_USER, SMTP_PASSWORD = "mailer", "p@ss:w/rd %"


@dataclass
class Received:
    envelope_recipients: list[str]
    message: email.message.EmailMessage


@dataclass
class Harness:
    sender: object
    received: Callable[[], list[Received]]


class Collector:
    def __init__(self):
        self.messages: list[Received] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(Received(list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, auth_data.password))
        ok = auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """(server context, client context trusting only the test CA)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "email contract test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "server.pem").write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(folder / "server.pem")
    client = ssl.create_default_context(cadata=ca_cert.public_bytes(serialization.Encoding.PEM).decode())
    return server, client


@pytest.fixture(params=["outbox", "smtp", "smtp+starttls", "smtps"])
def harness(request, tmp_path, tls):
    if request.param == "outbox":
        outbox = tmp_path / "outbox"

        def read_outbox():
            found = []
            for path in sorted(outbox.glob("*.eml")):
                parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                found.append(Received([parsed["To"].addresses[0].addr_spec], parsed))
            return found

        yield Harness(OutboxEmailSender(outbox, mail_from=MAIL_FROM), read_outbox)
        return

    server_tls, client_tls = tls
    collector = Collector()
    port = free_port()
    options = dict(hostname="127.0.0.1", port=port)
    url = f"{request.param}://127.0.0.1:{port}"
    if request.param == "smtp+starttls":
        # Credentials percent-encoded in the URL; the server insists on TLS before AUTH.
        options.update(
            tls_context=server_tls, require_starttls=True, auth_required=True, authenticator=collector.authenticate
        )
        url = f"smtp+starttls://{SMTP_USER}:p%40ss%3Aw%2Frd%20%25@127.0.0.1:{port}"
    elif request.param == "smtps":
        options.update(ssl_context=server_tls)
    controller = Controller(collector, **options)
    controller.start()
    try:
        sender = SmtpEmailSender(url, MAIL_FROM, timeout=5, ssl_context=client_tls)
        yield Harness(sender, lambda: list(collector.messages))
        if request.param == "smtp+starttls":
            assert collector.logins == [(SMTP_USER.encode(), SMTP_PASSWORD.encode())] * len(collector.messages)
    finally:
        controller.stop()


def make_message(**overrides) -> EmailMessage:
    values = dict(
        to="Zoë Müller <zoe@example.com>",
        subject="Reçu — commande №42 ✓",
        text="Bonjour Zoë,\nmerci pour votre achat : 12,50 € — 日本語も大丈夫。\n",
        html="<p>Bonjour <strong>Zoë</strong>, 12,50 € — 日本語</p>",
    )
    values.update(overrides)
    return EmailMessage(**values)


def test_message_arrives_intact(harness):
    harness.sender.send(make_message())

    [received] = harness.received()
    message = received.message
    assert received.envelope_recipients == ["zoe@example.com"]
    assert message["To"].addresses[0].addr_spec == "zoe@example.com"
    assert message["To"].addresses[0].display_name == "Zoë Müller"
    assert message["From"].addresses[0].addr_spec == "no-reply@shop.test"
    assert message["Subject"] == "Reçu — commande №42 ✓"
    assert message["Message-ID"]
    assert message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.replace("\r\n", "\n") == "Bonjour Zoë,\nmerci pour votre achat : 12,50 € — 日本語も大丈夫。\n"
    assert "<p>Bonjour <strong>Zoë</strong>, 12,50 € — 日本語</p>" in html


def test_text_only_message_has_no_html_part(harness):
    harness.sender.send(make_message(html=None))

    [received] = harness.received()
    assert received.message.get_content_type() == "text/plain"
    assert "日本語" in received.message.get_content()


def test_reply_to_and_extra_headers_arrive(harness):
    harness.sender.send(
        make_message(
            reply_to="seller@example.com",
            headers=(("List-Unsubscribe", "<https://shop.test/unsubscribe/abc>"),),
        )
    )

    [received] = harness.received()
    assert received.message["Reply-To"] == "seller@example.com"
    assert received.message["List-Unsubscribe"] == "<https://shop.test/unsubscribe/abc>"


def test_each_message_arrives_separately(harness):
    for number in range(3):
        harness.sender.send(make_message(subject=f"Message {number}"))

    assert sorted(r.message["Subject"] for r in harness.received()) == ["Message 0", "Message 1", "Message 2"]


@pytest.mark.parametrize(
    ("forged", "refusal"),
    [
        ({"to": "zoe@example.com\r\nBcc: everyone@example.com"}, "to must be a single line"),
        ({"to": "zoe@example.com\nBcc: everyone@example.com"}, "to must be a single line"),
        ({"to": "zoe@example.com, mallory@example.com"}, "to must be one email address"),
        ({"to": "not an address"}, "to must be one email address"),
        ({"subject": "Hello\r\nBcc: everyone@example.com"}, "subject must be a single line"),
        ({"subject": "Hello\n\n<html>spoofed body"}, "subject must be a single line"),
        ({"reply_to": "a@example.com\rBcc: everyone@example.com"}, "reply_to must be a single line"),
        ({"headers": (("X-Note", "ok\r\nBcc: everyone@example.com"),)}, "header X-Note must be a single line"),
        ({"headers": (("Bcc: everyone@example.com\r\nX-Note", "ok"),)}, "header name must be a single line"),
    ],
)
def test_header_injection_is_refused_before_sending(harness, forged, refusal):
    with pytest.raises(ValueError, match=refusal):
        harness.sender.send(make_message(**forged))

    assert harness.received() == []


def test_outbox_files_sort_in_sending_order_and_leave_no_partial_files(tmp_path):
    sender = OutboxEmailSender(tmp_path)
    for number in range(5):
        sender.send(make_message(subject=f"Message {number}"))

    files = sorted(tmp_path.iterdir())
    assert [p.suffix for p in files] == [".eml"] * 5
    subjects = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Subject"] for p in files]
    assert subjects == [f"Message {n}" for n in range(5)]


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("http://mail.example.com", "SMTP URL scheme must be one of smtp, smtps, smtp\\+starttls, got 'http'"),
        ("smtp://", "SMTP URL has no host"),
        ("mail.example.com:25", "SMTP URL scheme must be one of"),
        ("smtp+ssl://mail.example.com", "SMTP URL scheme must be one of .*, got 'smtp\\+ssl'"),
    ],
)
def test_unusable_smtp_urls_are_refused_at_startup(url, refusal):
    with pytest.raises(ValueError, match=refusal):
        SmtpEmailSender(url, MAIL_FROM)


def test_smtp_default_ports_follow_the_scheme():
    assert SmtpEmailSender("smtp://mail.example.com", MAIL_FROM).port == 25
    assert SmtpEmailSender("smtps://mail.example.com", MAIL_FROM).port == 465
    assert SmtpEmailSender("smtp+starttls://mail.example.com", MAIL_FROM).port == 587

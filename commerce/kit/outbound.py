"""Sending one request to an address from outside (a seller's webhook endpoint, a browser's
push service) without reaching the platform's own network (SSRF).

The host name is resolved here, every address it resolves to is checked (private,
loopback, link-local, multicast, reserved and unspecified addresses are refused), and
the connection goes to the address that was checked, with the name kept for the Host
header and TLS (SNI and certificate), so a second DNS answer cannot swap in another
address. Redirects are followed by hand, each hop checked the same way. Loopback is
allowed only with WEBHOOKS_ALLOW_LOOPBACK (development and the tests). Callers set their
own Content-Type and User-Agent by passing them in `headers`.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

MAX_REDIRECTS = 3
EXCERPT_BYTES = 1000
USER_AGENT = "Marketplace-Webhooks/1.0"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[IPAddress]]


class RefusedAddress(Exception):
    """The URL leads to an address outbound requests may not reach; nothing was sent there."""


@dataclass(frozen=True)
class Answer:
    """What one attempt got: a status and the start of the body, or an error; and how long it took."""

    status_code: int | None
    excerpt: str
    error: str
    latency_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (a literal address is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def refusal(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why outbound requests may not connect to `address`, or None when they may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if address.is_multicast or address.is_reserved or address.is_unspecified or not address.is_global:
        return "an address that is not public"
    return None


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL; ValueError with a sentence otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("The URL must start with https:// (or http://).")
    if not parts.hostname:
        raise ValueError("The URL has no host name.")
    if parts.username or parts.password:
        raise ValueError("The URL must not contain a user name or password.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValueError("The URL's port is not a number from 1 to 65535.") from None
    return parts.scheme, parts.hostname, port


def pinned_address(host: str, port: int, *, allow_loopback: bool, resolver: Resolver | None = None) -> IPAddress:
    """The address to connect to: `host` resolved, every answer allowed; RefusedAddress otherwise."""
    try:
        addresses = (resolver or resolve)(host, port)
    except OSError as exc:
        raise RefusedAddress(f"{host} could not be resolved ({exc.strerror or exc}).") from None
    if not addresses:
        raise RefusedAddress(f"{host} resolves to no address.")
    for address in addresses:
        why = refusal(address, allow_loopback=allow_loopback)
        if why is not None:
            raise RefusedAddress(f"{host} resolves to {address}, {why}: nothing is sent there.")
    return addresses[0]


def _pinned_request(
    client: httpx.Client,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    allow_loopback: bool,
    resolver: Resolver | None,
) -> httpx.Response:
    scheme, host, port = check_url(url)
    address = pinned_address(host, port, allow_loopback=allow_loopback, resolver=resolver)
    parts = urlsplit(url)
    literal = f"[{address}]" if address.version == 6 else str(address)
    default_port = 443 if scheme == "https" else 80
    netloc = literal if port == default_port else f"{literal}:{port}"
    target = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = host if port == default_port else f"{host}:{port}"
    request = client.build_request(
        "POST",
        target,
        content=body,
        headers={**headers, "Host": host_header},
        # TLS: the server's name for SNI and the certificate check, not the address.
        extensions={"sni_hostname": host} if scheme == "https" else {},
    )
    return client.send(request, stream=True)


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float,
    allow_loopback: bool,
    resolver: Resolver | None = None,
) -> Answer:
    """POST `body` to `url` as one attempt; every failure is an Answer, never an exception."""
    started = time.monotonic()

    def answer(status: int | None, excerpt: str = "", error: str = "") -> Answer:
        return Answer(status, excerpt, error[:500], int((time.monotonic() - started) * 1000))

    sent_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                response = _pinned_request(
                    client, url, body, sent_headers, allow_loopback=allow_loopback, resolver=resolver
                )
                try:
                    location = response.headers.get("location")
                    if response.is_redirect and location:
                        url = urljoin(url, location)
                        continue
                    excerpt = b""
                    for chunk in response.iter_bytes():
                        excerpt += chunk
                        if len(excerpt) >= EXCERPT_BYTES:
                            break
                    text = excerpt[:EXCERPT_BYTES].decode("utf-8", errors="replace")
                    return answer(response.status_code, text)
                finally:
                    response.close()
            return answer(None, error=f"More than {MAX_REDIRECTS} redirects.")
    except RefusedAddress as exc:
        return answer(None, error=f"Refused: {exc}")
    except ValueError as exc:  # a redirect to a URL that is not http(s)
        return answer(None, error=f"Refused: {exc}")
    except httpx.TimeoutException:
        return answer(None, error=f"No answer within {timeout:g} s (timed out).")
    except httpx.HTTPError as exc:
        return answer(None, error=f"Could not connect: {exc}")

"""HTTP routes count and log the real client, and only trust X-Forwarded-For behind proxies."""

import pytest
from starlette.requests import Request

from storefront import client_address as module


def request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.2"),  # no proxies: a client's header is ignored
        (1, "203.0.113.9", "203.0.113.9"),  # one proxy appended the client
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged first entry is not believed
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.2"),  # fewer entries than proxies: the peer
    ],
)
def test_client_address(monkeypatch, hops, forwarded, expected):
    monkeypatch.setattr(module, "trusted_proxy_hops", lambda: hops)
    assert module.client_address(request("10.0.0.2", forwarded)) == expected


def test_hops_are_read_from_reflex_config_once(monkeypatch):
    calls = []

    def get_config():
        calls.append(1)
        return type("Config", (), {"trusted_proxy_hops": 1})()

    monkeypatch.setattr(module, "get_config", get_config)
    module.trusted_proxy_hops.cache_clear()
    try:
        assert module.client_address(request("10.0.0.2", "203.0.113.9")) == "203.0.113.9"
        assert module.client_address(request("10.0.0.3", "203.0.113.8")) == "203.0.113.8"
        assert len(calls) == 1
    finally:
        module.trusted_proxy_hops.cache_clear()

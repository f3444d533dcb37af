"""Outbound webhooks never reach the platform's own network: private, loopback and
link-local addresses are refused after the name is resolved, a redirect to one is refused
without connecting, and the connection goes to the address that was checked."""

from __future__ import annotations

import ipaddress

import pytest

from commerce.kit import outbound
from commerce.kit.outbound import RefusedAddress, pinned_address, refusal


def resolver_answering(*addresses: str):
    return lambda host, port: [ipaddress.ip_address(a) for a in addresses]


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.7",
        "172.16.3.4",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",  # cloud metadata
        "::1",
        "fe80::1",
        "fd00::5",
        "::ffff:127.0.0.1",
        "::ffff:10.1.2.3",
        "0.0.0.0",
        "100.64.0.1",  # carrier-grade NAT
        "224.0.0.1",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(address):
    assert refusal(ipaddress.ip_address(address), allow_loopback=False) is not None
    with pytest.raises(RefusedAddress):
        pinned_address("hooks.example.com", 443, allow_loopback=False, resolver=resolver_answering(address))


def test_a_name_is_refused_if_any_of_its_addresses_is_private():
    with pytest.raises(RefusedAddress, match="10.0.0.1"):
        pinned_address(
            "hooks.example.com", 443, allow_loopback=False, resolver=resolver_answering("93.184.216.34", "10.0.0.1")
        )


def test_public_addresses_pass_and_loopback_only_with_the_setting():
    assert str(pinned_address("x", 443, allow_loopback=False, resolver=resolver_answering("93.184.216.34"))) == (
        "93.184.216.34"
    )
    assert refusal(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is None
    # The development setting allows loopback only, never the rest of the private ranges.
    assert refusal(ipaddress.ip_address("10.0.0.1"), allow_loopback=True) is not None
    assert refusal(ipaddress.ip_address("169.254.169.254"), allow_loopback=True) is not None


def test_localhost_is_resolved_and_refused_without_the_setting(receiver):
    url = receiver.url.replace("127.0.0.1", "localhost")
    answer = outbound.post(url, b"{}", {}, timeout=1, allow_loopback=False)
    assert answer.status_code is None
    assert "Refused" in answer.error
    assert receiver.requests == []


def test_a_redirect_to_a_private_address_is_refused(receiver):
    receiver.script("redirect:http://169.254.169.254/latest/meta-data/", "redirect:http://10.0.0.8/internal")
    for _ in range(2):
        answer = outbound.post(receiver.url, b"{}", {}, timeout=1, allow_loopback=True)
        assert answer.status_code is None
        assert answer.error.startswith("Refused:")
    assert len(receiver.requests) == 2  # the redirects were never followed


def test_a_redirect_to_an_allowed_address_is_followed(receiver):
    receiver.script(f"redirect:http://127.0.0.1:{receiver.port}/moved", 200)
    answer = outbound.post(receiver.url, b'{"a":1}', {"webhook-id": "msg_1"}, timeout=1, allow_loopback=True)
    assert answer.status_code == 200
    assert [r.path for r in receiver.requests] == ["/hooks", "/moved"]
    assert receiver.requests[1].body == b'{"a":1}'


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(receiver):
    """The name is resolved once, checked, and the request is sent to that address: a
    second, different DNS answer (rebinding) has nothing to connect to."""
    answers = iter([["127.0.0.1"], ["10.0.0.9"]])
    calls = []

    def rebinding(host, port):
        calls.append(host)
        return [ipaddress.ip_address(a) for a in next(answers)]

    url = f"http://hooks.example.test:{receiver.port}/pinned"
    answer = outbound.post(url, b"{}", {}, timeout=1, allow_loopback=True, resolver=rebinding)
    assert answer.status_code == 204
    assert calls == ["hooks.example.test"]
    [received] = receiver.requests
    assert received.headers["host"] == f"hooks.example.test:{receiver.port}"


def test_a_refused_endpoint_records_a_failed_attempt_and_sends_nothing(market, receiver, monkeypatch):
    from sqlmodel import select

    from commerce.models import WebhookAttempt
    from commerce.webhooks_out import service

    s = market.s
    shop = market.shop()
    service.create_endpoint(s, market.seller_actor(shop), url="https://hooks.example.com/x", event_types=["order.paid"])
    s.commit()
    monkeypatch.setattr(outbound, "resolve", resolver_answering("192.168.0.10"))
    market.buy(market.user(), market.product(shop, 500))
    s.commit()
    [attempt] = s.exec(select(WebhookAttempt)).all()
    assert attempt.status_code is None
    assert "192.168.0.10" in attempt.error
    assert receiver.requests == []

"""Exchange rates from the European Central Bank's daily reference feed, refreshed by a job.

Set EXCHANGE_RATES_URL to the ECB feed
(https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml) or to a mirror in its
format. The feed lists units per euro, which is how rates are stored; the job in
`orders/tasks.py` updates only the currencies already offered (`currency.apply_rates`).
Without the setting, the seeded rates stay in force.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree

import httpx

from commerce.config import get_settings

MAX_FEED_BYTES = 256 * 1024


class FeedInvalid(ValueError):
    pass


def parse_ecb_feed(body: bytes) -> dict[str, Decimal]:
    """`<Cube currency="USD" rate="1.0842"/>` elements, as units per euro."""
    if len(body) > MAX_FEED_BYTES:
        raise FeedInvalid("the exchange-rate feed is implausibly large")
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise FeedInvalid("the exchange-rate feed declares entities")  # no entity expansion, ever
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise FeedInvalid(f"the exchange-rate feed is not XML: {exc}") from None
    rates: dict[str, Decimal] = {}
    for element in root.iter():
        code, rate = element.get("currency"), element.get("rate")
        if not code or not rate or not (len(code) == 3 and code.isalpha() and code.isupper()):
            continue
        try:
            value = Decimal(rate)
        except InvalidOperation:
            continue
        if value.is_finite() and value > 0:
            rates[code] = value
    if not rates:
        raise FeedInvalid("the exchange-rate feed lists no rates")
    return rates


class EcbRatesProvider:
    name = "ecb"

    def __init__(self, url: str, *, timeout_seconds: float = 10.0):
        self.url = url
        self.timeout_seconds = timeout_seconds

    def fetch_rates_per_eur(self) -> dict[str, Decimal]:
        response = httpx.get(self.url, timeout=self.timeout_seconds, follow_redirects=True)
        response.raise_for_status()
        return parse_ecb_feed(response.content)


def configured_provider() -> EcbRatesProvider | None:
    url = get_settings().exchange_rates_url
    return EcbRatesProvider(url) if url else None

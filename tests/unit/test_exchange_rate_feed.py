"""The ECB feed as it is published, and what the parser refuses."""

from decimal import Decimal

import pytest

from commerce.config import load_settings
from commerce.orders.rates import FeedInvalid, parse_ecb_feed

ECB_DAILY = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
  <Cube>
    <Cube time="2026-11-25">
      <Cube currency="USD" rate="1.0842"/>
      <Cube currency="JPY" rate="163.21"/>
      <Cube currency="GBP" rate="0.8512"/>
      <Cube currency="XXX" rate="-1"/>
      <Cube currency="bad" rate="2"/>
      <Cube currency="CHF" rate="NaN"/>
    </Cube>
  </Cube>
</gesmes:Envelope>"""


def test_the_published_feed_gives_units_per_euro():
    assert parse_ecb_feed(ECB_DAILY) == {"USD": Decimal("1.0842"), "JPY": Decimal("163.21"), "GBP": Decimal("0.8512")}


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"<Envelope><Cube/></Envelope>",
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><Envelope><Cube currency="USD" rate="&a;"/></Envelope>',
        b"<Envelope>" + b" " * 300_000 + b"</Envelope>",
    ],
)
def test_a_broken_or_hostile_feed_is_refused(body):
    with pytest.raises(FeedInvalid):
        parse_ecb_feed(body)


def test_the_feed_is_off_unless_configured():
    assert load_settings({}).exchange_rates_url is None
    assert (
        load_settings({"EXCHANGE_RATES_URL": "https://feed.test/daily.xml"}).exchange_rates_url
        == "https://feed.test/daily.xml"
    )

"""Refreshing stored exchange rates: only offered currencies change, nonsense is skipped,
and new carts price with the new rate while placed orders keep theirs."""

from decimal import Decimal

from sqlmodel import select

from commerce.jobs import enqueue_now
from commerce.models import ExchangeRate, Order
from commerce.orders import currency, tasks
from commerce.orders.pricing import CartInput, price_cart


class FixedFeed:
    name = "ecb"
    url = "https://feed.test/daily.xml"

    def __init__(self, rates):
        self.rates = rates

    def fetch_rates_per_eur(self):
        return self.rates


def test_refresh_updates_offered_currencies_only(world):
    shop = world.shop("EUR")
    product = world.product(shop, 1000)
    buyer = world.buyer_actor(world.user())
    placed = world.checkout(buyer, [product], currency="USD")
    offered = set(currency.available_currencies(world.s))

    feed = FixedFeed({"USD": Decimal("2"), "EUR": Decimal("5"), "ZZZ": Decimal("3"), "GBP": Decimal("-1")})
    assert currency.refresh_rates(world.s, feed) == 1
    rates = {row.currency: row for row in world.s.exec(select(ExchangeRate)).all()}
    assert set(rates) == offered  # a feed does not add currencies
    assert (Decimal(rates["USD"].per_eur), rates["USD"].source) == (Decimal(2), "ecb")
    assert Decimal(rates["EUR"].per_eur) == 1
    assert price_cart(world.s, [CartInput(product.id)], currency="USD").total == 2000
    order = world.s.exec(select(Order).where(Order.reference == placed.order_reference)).one()
    assert order.total != 2000  # locked at checkout with the old rate


def test_the_job_does_nothing_without_a_feed_and_applies_one_when_configured(world, monkeypatch):
    def usd_per_eur() -> Decimal:
        world.s.expire_all()  # read what the job committed
        return Decimal(world.s.get(ExchangeRate, "USD").per_eur)

    before = usd_per_eur()
    monkeypatch.setattr(tasks, "configured_provider", lambda: None)
    enqueue_now(tasks.refresh_exchange_rates)
    assert usd_per_eur() == before

    monkeypatch.setattr(tasks, "configured_provider", lambda: FixedFeed({"USD": before + 1}))
    enqueue_now(tasks.refresh_exchange_rates)
    assert usd_per_eur() == before + 1

"""The demo collector's order goes through checkout, the test gateway and its webhook, once."""

from sqlmodel import select

from commerce.demo import COLLECTOR_EMAIL, DEMO_PURCHASES, seed_demo_order
from commerce.models import Fulfilment, Order, OrderStatus, User
from commerce.reviews.service import has_purchased


def test_the_demo_collector_gets_one_paid_order(market):
    shop = market.shop()
    products = [market.product(shop, 1900, title=title) for title in DEMO_PURCHASES]
    assert seed_demo_order(market.s)
    assert not seed_demo_order(market.s)
    buyer = market.s.exec(select(User).where(User.email == COLLECTOR_EMAIL)).one()
    order = market.s.exec(select(Order).where(Order.buyer_id == buyer.id)).one()
    assert (order.status, order.total, order.payment_provider) == (OrderStatus.PAID, 3800, "testpay")
    assert len(market.s.exec(select(Fulfilment).where(Fulfilment.buyer_id == buyer.id)).all()) == 2
    assert all(has_purchased(market.s, buyer.id, product.id) for product in products)

"""The demo collector's order goes through checkout, the test gateway and its webhook, once."""

from sqlmodel import select

from commerce import ledger
from commerce.demo import COLLECTOR_EMAIL, DEMO_PURCHASES, PAID_OUT_SHOP, seed_demo_order, seed_demo_payout
from commerce.models import Fulfilment, Order, OrderStatus, Payout, PayoutAccountStatus, PayoutStatus, User
from commerce.payouts.accounts import shop_account
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


def test_the_demo_seller_is_connected_and_paid_her_part_of_the_order_from_the_ledger(market):
    shop = market.shop()
    shop.slug = PAID_OUT_SHOP
    market.s.add(shop)
    for title in DEMO_PURCHASES:
        market.product(shop, 1900, title=title)
    assert seed_demo_order(market.s)
    assert seed_demo_payout(market.s)
    assert not seed_demo_payout(market.s)
    assert shop_account(market.s, shop.id).status == PayoutAccountStatus.ENABLED
    [payout] = market.s.exec(select(Payout).where(Payout.shop_id == shop.id)).all()
    [balance] = ledger.seller_balances(market.s, market.seller_actor(shop))
    assert payout.status == PayoutStatus.PAID
    assert payout.amount == balance.paid_out == balance.sales
    assert (balance.available, balance.pending) == (0, 0)

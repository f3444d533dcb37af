"""Helpers shared by the analytics tests."""

from __future__ import annotations

from contextlib import nullcontext

from sqlmodel import select

from commerce.analytics.capture import VisitContext, record_event
from commerce.models import AnalyticsEvent, Order, WebhookOutcome
from commerce.orders import refunds
from commerce.orders.webhooks import handle_event

VISIT = VisitContext(
    visitor_id="a" * 32,
    referrer_host="news.example",
    utm_source="newsletter",
    utm_medium="email",
    utm_campaign="launch",
    device="phone",
    country="DE",
)


def order_row(world, reference) -> Order:
    return world.s.exec(select(Order).where(Order.reference == reference)).one()


def buy(world, buyer, products, *, currency=None, country=None, visit: VisitContext | None = VISIT) -> Order:
    """A buyer checks out (recorded with `visit`) and pays by the gateway's webhook."""
    actor = world.buyer_actor(buyer)
    result = world.checkout(actor, products, currency=currency, country=country)
    if visit is not None:
        record_event(world.s, actor, "checkout", visit, order_reference=result.order_reference)
    _, event = world.pay(result.order_reference)
    assert handle_event(world.s, event) == WebhookOutcome.PROCESSED
    return order_row(world, result.order_reference)


def refund(world, shop, order, amounts=None):
    return refunds.refund(world.s, world.seller_actor(shop), world.gateway, order.reference, amounts=amounts)


def views(world, products, count, visit: VisitContext = VISIT, actor=None):
    from commerce.actor import Actor

    for _ in range(count):
        record_event(world.s, actor or Actor.anonymous(), "view", visit, product_ids=[p.id for p in products])


def events(world, kind=None) -> list[AnalyticsEvent]:
    query = select(AnalyticsEvent).order_by(AnalyticsEvent.id)
    if kind:
        query = query.where(AnalyticsEvent.kind == kind)
    return list(world.s.exec(query).all())


def sessions(world):
    """A session factory for the exports that hands out the test's own session."""
    return lambda: nullcontext(world.s)

"""Checkout, payment by webhook only, exactly-once processing, refunds, disputes and the ledger."""

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from commerce import events, ledger
from commerce.errors import Conflict, NotFound, PermissionDenied, ValidationError
from commerce.kit.time import utcnow
from commerce.models import (
    DiscountCode,
    DiscountKind,
    Fulfilment,
    FulfilmentStatus,
    LedgerAccount,
    LedgerPosting,
    LedgerTransaction,
    Order,
    OrderStatus,
    OrderTransition,
    PricingMode,
    ProductStatus,
    User,
    WebhookEvent,
    WebhookOutcome,
)
from commerce.orders import discounts, lifecycle, refunds
from commerce.orders.webhooks import handle_event
from commerce.payments.errors import WebhookSignatureInvalid


def order_row(world, reference) -> Order:
    return world.s.exec(select(Order).where(Order.reference == reference)).one()


def test_checkout_locks_amounts_and_opens_a_payment_page(world):
    shop = world.shop()
    buyer = world.buyer_actor(world.user())
    result = world.checkout(buyer, [world.product(shop, 1000)], country="FR", currency="USD")
    order = order_row(world, result.order_reference)
    assert result.redirect_url.startswith("http://shop.test/testpay/")
    assert (order.status, order.subtotal, order.tax, order.total) == (OrderStatus.PENDING, 1000, 200, 1200)
    assert order.payment_provider == "testpay"
    assert len(order.payment_session_id) > 100
    session = world.gateway.describe_session(order.payment_session_id)
    assert (session.amount, session.currency, session.order_reference) == (1200, "USD", order.reference)
    assert session.success_url == f"http://shop.test/orders/{order.reference}"


def test_the_same_cart_checked_out_twice_makes_one_order(world):
    shop = world.shop()
    buyer = world.buyer_actor(world.user())
    products = [world.product(shop, 1000), world.product(shop, 500)]
    first = world.checkout(buyer, products, currency="USD")
    second = world.checkout(buyer, list(reversed(products)), currency="USD")
    assert first == second
    assert len(world.s.exec(select(Order)).all()) == 1
    # A different cart is a different order.
    assert world.checkout(buyer, products[:1], currency="USD").order_reference != first.order_reference


def test_checkout_refuses_flagged_items_and_bad_codes(world):
    shop = world.shop()
    buyer = world.buyer_actor(world.user())
    product = world.product(shop, 1000)
    with pytest.raises(ValidationError, match="does not exist"):
        world.checkout(buyer, [product], code="NOPE", currency="USD")
    product.status = ProductStatus.DRAFT
    world.s.add(product)
    with pytest.raises(ValidationError, match="cannot be bought"):
        world.checkout(buyer, [product], currency="USD")
    assert world.s.exec(select(Order)).all() == []


def test_the_browser_redirect_does_not_pay_only_the_webhook_does(world):
    shop = world.shop()
    buyer = world.buyer_actor(world.user())
    result = world.checkout(buyer, [world.product(shop, 1000)], currency="USD")
    attempt, event = world.pay(result.order_reference)
    assert attempt.redirect_url == f"http://shop.test/orders/{result.order_reference}"
    assert lifecycle.get_order(world.s, buyer, result.order_reference).status == OrderStatus.PENDING
    handle_event(world.s, event)
    view = lifecycle.get_order(world.s, buyer, result.order_reference)
    assert view.status == OrderStatus.PAID
    assert view.paid_at is not None
    assert view.payment_url is None


def test_paid_webhook_ten_times_fulfils_and_posts_once(world, paid):
    order = paid["order"]
    session_id = order.payment_session_id
    for _ in range(10):
        attempt = world.gateway.pay(session_id, "4242424242424242")
        event = world.gateway.parse_webhook(attempt.webhook.payload, attempt.webhook.headers)
        assert handle_event(world.s, event) == "duplicate"
    world.s.expire_all()  # the row as written, not as the session holds it
    (recorded,) = world.s.exec(select(WebhookEvent)).all()
    assert (recorded.order_id, recorded.outcome, recorded.note) == (order.id, WebhookOutcome.PROCESSED, None)
    assert len(world.s.exec(select(Fulfilment).where(Fulfilment.order_id == order.id)).all()) == 2
    assert len(world.s.exec(select(LedgerTransaction).where(LedgerTransaction.order_id == order.id)).all()) == 2
    paid_transitions = world.s.exec(
        select(OrderTransition).where(
            OrderTransition.order_id == order.id, OrderTransition.to_status == OrderStatus.PAID
        )
    ).all()
    assert len(paid_transitions) == 1


def test_a_second_success_event_for_a_paid_order_changes_nothing(world, paid):
    order = paid["order"]
    event = json.loads(world.gateway.pay(order.payment_session_id, "4242424242424242").webhook.payload)
    event["id"] = "evt_async_success_after_completed"
    event["type"] = "checkout.session.async_payment_succeeded"
    delivery = world.gateway.sign(event)
    assert (
        handle_event(world.s, world.gateway.parse_webhook(delivery.payload, delivery.headers))
        == WebhookOutcome.PROCESSED
    )
    assert len(world.s.exec(select(Fulfilment).where(Fulfilment.order_id == order.id)).all()) == 2


def test_a_declined_card_leaves_the_order_unpaid_with_the_reason(world):
    buyer = world.buyer_actor(world.user())
    result = world.checkout(buyer, [world.product(world.shop(), 1000)], currency="USD")
    attempt, event = world.pay(result.order_reference, "4000 0000 0000 0002")
    assert not attempt.succeeded
    assert attempt.message == "Your card was declined."
    assert handle_event(world.s, event) == WebhookOutcome.PROCESSED
    view = lifecycle.get_order(world.s, buyer, result.order_reference)
    assert view.status == OrderStatus.PENDING
    assert view.payment_error == "Your card was declined."
    assert world.s.exec(select(Fulfilment)).all() == []
    # The buyer tries another card on the same page.
    _, event = world.pay(result.order_reference)
    handle_event(world.s, event)
    assert lifecycle.get_order(world.s, buyer, result.order_reference).status == OrderStatus.PAID


def test_an_event_for_an_unknown_order_is_recorded_and_ignored(world):
    event = {
        "id": "evt_unknown",
        "object": "event",
        "type": "checkout.session.completed",
        "created": 1_700_000_000,
        "data": {
            "object": {
                "id": "cs_x",
                "amount_total": 100,
                "currency": "usd",
                "payment_status": "paid",
                "client_reference_id": "ORD-NOTHERE00",
                "payment_intent": "pi_x",
            }
        },
    }
    delivery = world.gateway.sign(event)
    parsed = world.gateway.parse_webhook(delivery.payload, delivery.headers)
    assert handle_event(world.s, parsed) == WebhookOutcome.UNKNOWN_ORDER
    assert handle_event(world.s, parsed) == "duplicate"
    row = world.s.exec(select(WebhookEvent)).one()
    assert (row.event_id, row.outcome, row.order_id) == ("evt_unknown", WebhookOutcome.UNKNOWN_ORDER, None)


def test_an_amount_mismatch_flags_the_order_and_does_not_pay_it(world):
    buyer = world.buyer_actor(world.user())
    result = world.checkout(buyer, [world.product(world.shop(), 1000)], currency="USD")
    event = json.loads(world.pay(result.order_reference)[0].webhook.payload)
    event["id"] = "evt_tampered_amount"
    event["data"]["object"]["amount_total"] = 1
    delivery = world.gateway.sign(event)
    assert (
        handle_event(world.s, world.gateway.parse_webhook(delivery.payload, delivery.headers)) == WebhookOutcome.FLAGGED
    )
    order = order_row(world, result.order_reference)
    assert order.status == OrderStatus.PENDING
    assert order.flagged_reason == "payment of $0.01 does not match the order total $10.00"
    assert world.s.exec(select(Fulfilment)).all() == []
    world.s.expire_all()  # the row as written, not as the session holds it
    recorded = world.s.exec(select(WebhookEvent).where(WebhookEvent.event_id == "evt_tampered_amount")).one()
    assert (recorded.order_id, recorded.outcome, recorded.note) == (
        order.id,
        WebhookOutcome.FLAGGED,
        "amount or currency mismatch",
    )


def test_forged_events_and_other_buyers_orders_are_refused(world):
    owner, intruder = world.user(), world.user()
    result = world.checkout(world.buyer_actor(owner), [world.product(world.shop(), 1000)], currency="USD")
    delivery = world.pay(result.order_reference)[0].webhook
    forged = delivery.payload.replace(b'"amount_total":1000', b'"amount_total":1')
    with pytest.raises(WebhookSignatureInvalid):
        world.gateway.parse_webhook(forged, delivery.headers)
    with pytest.raises(NotFound):
        lifecycle.get_order(world.s, world.buyer_actor(intruder), result.order_reference)
    with pytest.raises(NotFound):
        lifecycle.cancel_order(world.s, world.buyer_actor(intruder), result.order_reference)
    assert lifecycle.list_orders(world.s, world.buyer_actor(intruder)).items == []
    with pytest.raises(PermissionDenied):
        refunds.refund(world.s, world.buyer_actor(intruder), world.gateway, result.order_reference)


def test_events_that_overtake_the_payment_wait_for_it(world):
    buyer = world.buyer_actor(world.user())
    result = world.checkout(buyer, [world.product(world.shop(), 1000)], currency="USD")
    attempt, paid_event = world.pay(result.order_reference)
    dispute = {
        "id": "evt_early_dispute",
        "object": "event",
        "type": "charge.dispute.created",
        "created": int(paid_event.created.timestamp()) + 5,
        "data": {
            "object": {
                "id": "dp_1",
                "object": "dispute",
                "amount": 1000,
                "currency": "usd",
                "charge": "ch_1",
                "payment_intent": attempt.payment_reference,
            }
        },
    }
    delivery = world.gateway.sign(dispute)
    assert (
        handle_event(world.s, world.gateway.parse_webhook(delivery.payload, delivery.headers))
        == WebhookOutcome.UNKNOWN_ORDER
    )
    assert handle_event(world.s, paid_event) == WebhookOutcome.PROCESSED
    order = order_row(world, result.order_reference)
    assert order.status == OrderStatus.DISPUTED
    statuses = [
        t.to_status
        for t in world.s.exec(
            select(OrderTransition).where(OrderTransition.order_id == order.id).order_by(OrderTransition.id)
        ).all()
    ]
    assert statuses == [OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.DISPUTED]


def test_free_orders_complete_without_the_gateway(world):
    buyer = world.buyer_actor(world.user())
    result = world.checkout(buyer, [world.product(world.shop(), 0, pricing=PricingMode.PWYW)], currency="USD")
    assert result.status == OrderStatus.PAID
    assert result.redirect_url == f"http://shop.test/orders/{result.order_reference}"
    order = order_row(world, result.order_reference)
    assert order.payment_provider == "free"
    assert order.payment_session_id is None
    assert len(world.s.exec(select(Fulfilment).where(Fulfilment.order_id == order.id)).all()) == 1


def test_guest_checkout_needs_an_email_and_gives_the_order_to_that_account(world):
    anonymous = lifecycle.Actor.anonymous()
    product = world.product(world.shop(), 1000)
    with pytest.raises(ValidationError, match="Enter your email"):
        world.checkout(anonymous, [product], currency="USD")
    result = world.checkout(anonymous, [product], currency="USD", email="New.Buyer@Example.com")
    user = world.s.exec(select(User).where(User.email == "new.buyer@example.com")).one()
    assert user.password_hash == "!"  # no password: the receipt's access link signs its owner in
    assert order_row(world, result.order_reference).buyer_id == user.id
    existing = world.user()
    again = world.checkout(anonymous, [product], currency="USD", email=existing.email)
    assert order_row(world, again.order_reference).buyer_id == existing.id


def test_cancelling_gives_the_code_back_and_only_pending_orders_cancel(world, paid):
    shop = world.shop()
    product = world.product(shop, 1000)
    code = discounts.create_code(
        world.s, world.seller_actor(shop), code="ONE", kind=DiscountKind.PERCENT, percent_bps=1000, usage_limit=1
    )
    buyer = world.buyer_actor(world.user())
    result = world.checkout(buyer, [product], code="ONE", currency="USD")
    assert world.s.get(DiscountCode, code.id).used_count == 1
    with pytest.raises(ValidationError, match="used up"):
        world.checkout(world.buyer_actor(world.user()), [product], code="ONE", currency="USD")
    assert lifecycle.cancel_order(world.s, buyer, result.order_reference).status == OrderStatus.CANCELLED
    assert world.s.get(DiscountCode, code.id).used_count == 0
    with pytest.raises(Conflict):
        lifecycle.cancel_order(world.s, world.buyer_actor(paid["buyer"]), paid["order"].reference)
    with pytest.raises(Conflict):
        lifecycle.transition(world.s, paid["order"], OrderStatus.PENDING, "never")


def test_ledger_balances_per_transaction_and_reconciles(world, paid):
    order = paid["order"]
    for tx in world.s.exec(select(LedgerTransaction).where(LedgerTransaction.order_id == order.id)).all():
        assert (
            sum(p.amount for p in world.s.exec(select(LedgerPosting).where(LedgerPosting.transaction_id == tx.id))) == 0
        )
    totals = ledger.account_totals(world.s, order.id)
    # 19.00 USD from the USD shop (5 %), 10.00 EUR = 11.60 USD from the EUR shop (8 %); no tax outside the EU.
    assert totals[LedgerAccount.BUYER_PAYMENT] == 3060 == order.total
    assert totals[LedgerAccount.PLATFORM_COMMISSION] == -(95 + 93)
    assert totals[LedgerAccount.GATEWAY_FEE] == -(55 + 34)
    assert totals[LedgerAccount.SELLER_EARNINGS] == -((1900 - 95 - 55) + (1160 - 93 - 34))
    assert sum(totals.values()) == 0
    us_seller = world.seller_actor(paid["us"])
    [balance] = ledger.seller_balances(world.s, us_seller)
    assert (balance.currency, balance.pending, balance.available) == ("USD", 1750, 0)
    [later] = ledger.seller_balances(world.s, us_seller, now=utcnow() + timedelta(days=8))
    assert (later.pending, later.available) == (0, 1750)


def test_a_full_refund_revokes_access_and_reverses_the_ledger(world, paid, published):
    order, admin = paid["order"], world.admin_actor()
    view = refunds.refund(world.s, admin, world.gateway, order.reference, reason="buyer asked")
    revoked = [event.product_id for event in published if isinstance(event, events.FulfilmentRevoked)]
    assert view.status == OrderStatus.REFUNDED
    assert view.refunded_amount == 3060
    assert sorted(revoked) == sorted(p.id for p in paid["products"])
    assert {f.status for f in world.s.exec(select(Fulfilment).where(Fulfilment.order_id == order.id))} == {
        FulfilmentStatus.REVOKED
    }
    assert all(total == 0 for total in ledger.account_totals(world.s, order.id).values())
    [balance] = ledger.seller_balances(world.s, world.seller_actor(paid["us"]))
    assert (balance.sales, balance.refunds, balance.pending + balance.available) == (1750, 1750, 0)
    # The gateway emitted the refund event; its arrival changes nothing more.
    [delivery] = world.sent_events
    assert (
        handle_event(world.s, world.gateway.parse_webhook(delivery.payload, delivery.headers))
        == WebhookOutcome.PROCESSED
    )
    with pytest.raises(Conflict):
        refunds.refund(world.s, admin, world.gateway, order.reference)


def test_sellers_refund_their_own_lines_partially(world, paid):
    order, us, eu = paid["order"], paid["us"], paid["eu"]
    lines = {line.shop_id: line for line in lifecycle.get_order(world.s, world.admin_actor(), order.reference).lines}
    seller = world.seller_actor(us)
    with pytest.raises(PermissionDenied):
        refunds.refund(world.s, seller, world.gateway, order.reference, amounts={lines[eu.id].id: 100})
    with pytest.raises(ValidationError, match="At most"):
        refunds.refund(world.s, seller, world.gateway, order.reference, amounts={lines[us.id].id: 5000})
    view = refunds.refund(world.s, seller, world.gateway, order.reference, amounts={lines[us.id].id: 950})
    assert view.status == OrderStatus.PARTIALLY_REFUNDED
    refunds.refund(world.s, seller, world.gateway, order.reference, amounts={lines[us.id].id: 950})
    # The US line is now refunded in full: its postings cancel out exactly, across two refunds.
    per_line = {}
    for posting in world.s.exec(
        select(LedgerPosting)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(LedgerTransaction.order_line_id == lines[us.id].id)
    ).all():
        per_line[posting.account] = per_line.get(posting.account, 0) + posting.amount
    assert all(v == 0 for v in per_line.values())
    assert order_row(world, order.reference).status == OrderStatus.PARTIALLY_REFUNDED
    [balance] = ledger.seller_balances(world.s, seller)
    assert balance.sales - balance.refunds == balance.pending + balance.available == 0
    assert len(world.sent_events) == 2
    csv_text = ledger.payouts_csv(world.s, world.admin_actor())
    assert (
        csv_text.splitlines()[0] == "shop_id,shop,currency,sales,refunds,held_for_disputes,pending,available,paid_out"
    )
    with pytest.raises(PermissionDenied):
        ledger.payouts_csv(world.s, seller)


def test_a_refund_made_at_the_provider_is_flagged(world, paid):
    order = paid["order"]
    world.gateway.refund(order.payment_reference, 500, "USD", idempotency_key="dashboard-refund")
    [delivery] = world.sent_events
    assert (
        handle_event(world.s, world.gateway.parse_webhook(delivery.payload, delivery.headers)) == WebhookOutcome.FLAGGED
    )
    assert "outside the marketplace" in order_row(world, order.reference).flagged_reason

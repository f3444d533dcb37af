"""A disputed payment holds the sellers' earnings in the ledger: not payable, still balanced."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import timedelta

from sqlmodel import select

from commerce import ledger
from commerce.kit.time import utcnow
from commerce.models import (
    LedgerAccount,
    LedgerEntryKind,
    LedgerPosting,
    LedgerTransaction,
    Order,
    OrderStatus,
    PaymentEventKind,
    WebhookOutcome,
)
from commerce.orders import lifecycle, refunds
from commerce.orders.webhooks import handle_event
from commerce.payments.port import GatewayEvent

AFTER_HOLD = timedelta(days=8)
US_EARNINGS = 1900 - 95 - 55  # 19.00 USD less 5 % commission and the card fee
EU_EARNINGS = 1160 - 93 - 34  # 10.00 EUR = 11.60 USD less 8 % commission and the card fee


def dispute_event(order: Order, event_id: str = "evt_dispute_1") -> GatewayEvent:
    return GatewayEvent(
        provider="testpay",
        event_id=event_id,
        kind=PaymentEventKind.DISPUTED,
        order_reference=order.reference,
        session_id=None,
        payment_reference=order.payment_reference,
        amount=order.total,
        currency=order.currency,
        refunded_amount=None,
        failure_message=None,
        created=utcnow(),
        raw_type="charge.dispute.created",
    )


def balance(world, shop, *, now=None):
    [row] = ledger.seller_balances(world.s, world.seller_actor(shop), now=now)
    return row


def assert_ledger_balanced(world):
    per_tx = defaultdict(int)
    for posting in world.s.exec(select(LedgerPosting)).all():
        per_tx[posting.transaction_id] += posting.amount
    assert set(per_tx.values()) == {0}
    per_currency = defaultdict(int)
    for (_, currency), total in ledger.trial_balance(world.s).items():
        per_currency[currency] += total
    assert set(per_currency.values()) == {0}


def test_a_dispute_holds_the_sellers_earnings_so_they_are_not_paid_out(world, paid):
    order, us, eu = paid["order"], paid["us"], paid["eu"]
    later = utcnow() + AFTER_HOLD
    assert balance(world, us, now=later).available == US_EARNINGS  # payable before the dispute

    assert handle_event(world.s, dispute_event(order)) == WebhookOutcome.PROCESSED

    assert world.s.get(Order, order.id).status == OrderStatus.DISPUTED
    for shop, earned in ((us, US_EARNINGS), (eu, EU_EARNINGS)):
        for now in (None, later):  # neither pending now nor available once the hold period is over
            held = balance(world, shop, now=now)
            assert (held.pending, held.available, held.disputed, held.sales, held.refunds) == (0, 0, earned, earned, 0)
        assert held.disputed_label == f"${earned / 100:.2f}"
    totals = ledger.account_totals(world.s, order.id)
    assert totals[LedgerAccount.SELLER_EARNINGS] == 0
    assert totals[LedgerAccount.DISPUTE_HOLD] == -(US_EARNINGS + EU_EARNINGS)
    assert_ledger_balanced(world)
    rows = {row.shop_id: row for row in ledger.payouts_report(world.s, world.admin_actor(), now=later)}
    assert (rows[us.id].disputed, rows[us.id].available) == (US_EARNINGS, 0)
    csv_rows = list(csv.DictReader(io.StringIO(ledger.payouts_csv(world.s, world.admin_actor(), now=later))))
    [us_csv] = [row for row in csv_rows if row["shop_id"] == str(us.id)]
    assert (us_csv["held_for_disputes"], us_csv["available"]) == ("17.50", "0.00")


def test_a_repeated_dispute_holds_nothing_more(world, paid):
    order = paid["order"]
    lifecycle.mark_disputed(world.s, order, event_id=None)
    lifecycle.mark_disputed(world.s, order, event_id=None)  # the bank's second notice
    disputes = world.s.exec(
        select(LedgerTransaction).where(
            LedgerTransaction.order_id == order.id, LedgerTransaction.kind == LedgerEntryKind.DISPUTE
        )
    ).all()
    assert len(disputes) == 2  # one per line
    assert balance(world, paid["us"]).disputed == US_EARNINGS
    assert_ledger_balanced(world)


def test_refunds_before_and_after_a_dispute_come_out_of_the_right_account(world, paid):
    order, us = paid["order"], paid["us"]
    admin = world.admin_actor()
    us_line = next(line for line in lifecycle.get_order(world.s, admin, order.reference).lines if line.shop_id == us.id)
    refunds.refund(world.s, admin, world.gateway, order.reference, amounts={us_line.id: 950})
    half = balance(world, us)
    assert half.disputed == 0
    assert half.pending == US_EARNINGS - half.refunds

    lifecycle.mark_disputed(world.s, world.s.get(Order, order.id))
    held = balance(world, us)
    assert (held.pending, held.available, held.disputed) == (0, 0, US_EARNINGS - half.refunds)

    # The seller settles with the buyer: the rest is refunded, from the hold.
    view = refunds.refund(world.s, admin, world.gateway, order.reference)
    assert view.status == OrderStatus.REFUNDED
    settled = balance(world, us)
    assert (settled.sales, settled.refunds, settled.disputed, settled.pending, settled.available) == (
        US_EARNINGS,
        US_EARNINGS,
        0,
        0,
        0,
    )
    assert all(total == 0 for total in ledger.account_totals(world.s, order.id).values())
    assert_ledger_balanced(world)

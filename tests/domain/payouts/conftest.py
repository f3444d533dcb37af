"""A market with TestPay's payout accounts: sellers connect, sales pass their hold, payouts run."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from commerce import ledger
from commerce.kit.time import utcnow
from commerce.models import LedgerPosting, LedgerTransaction, Payout, PayoutAccount, Shop
from commerce.payments.connect import ReversalRefused, connect_provider
from commerce.payments.testpay_connect import PAYS_OUT, TestPayConnect
from commerce.payouts import accounts
from commerce.payouts.engine import settled_total
from commerce.payouts.tasks import start_run
from commerce.payouts.webhooks import handle_notice

BASE_URL = "http://shop.test"


class Payouts:
    def __init__(self, market):
        self.market = market
        self.s = market.s
        self.sent = []
        self.provider = TestPayConnect("payout-tests-secret", BASE_URL, send_event=self.sent.append)

    def connect(self, shop: Shop, bank: str = PAYS_OUT) -> PayoutAccount:
        """The seller connects from the studio and completes TestPay's onboarding page."""
        seller = self.market.seller_actor(shop)
        url = accounts.start_onboarding(self.s, seller, self.provider, base_url=BASE_URL)
        token = url.rsplit("/", 1)[1]
        back = self.provider.complete_onboarding(token, legal_name="Ada Seller", bank_number=bank, accept_terms=True)
        assert back == f"{BASE_URL}/seller/payouts?onboarding=done"
        self.deliver()
        return self.s.exec(select(PayoutAccount).where(PayoutAccount.shop_id == shop.id)).one()

    def deliver(self) -> list[str]:
        """TestPay's signed Connect events reach the webhook handler (then commit: jobs run)."""
        outcomes = []
        while self.sent:
            delivery = self.sent.pop(0)
            notice = self.provider.parse_webhook(delivery.payload, delivery.headers)
            outcomes.append(handle_notice(self.s, notice))
            self.s.commit()
        return outcomes

    def hold_passes(self, shop: Shop) -> None:
        """Time travel: the shop's earnings become available (their hold ended yesterday)."""
        ids = self.s.exec(select(LedgerPosting.transaction_id).where(LedgerPosting.shop_id == shop.id)).all()
        self.s.exec(
            update(LedgerTransaction)
            .where(col(LedgerTransaction.id).in_(ids), col(LedgerTransaction.available_at) > utcnow())
            .values(available_at=utcnow() - timedelta(days=1))
        )
        self.s.commit()

    def run(self, key: str = "test-run") -> list[Payout]:
        """A payout run; its transfers go after the commit, then TestPay's bank events arrive."""
        created = start_run(self.s, run_key=key)
        self.s.commit()
        self.deliver()
        return [self.s.get(Payout, payout_id) for payout_id in created]

    def balance(self, shop: Shop) -> ledger.SellerBalance:
        [row] = ledger.seller_balances(self.s, self.market.seller_actor(shop))
        return row


class NoReversals(TestPayConnect):
    __test__ = False

    def reverse_transfer(self, transfer_id, *, amount, currency, idempotency_key):
        raise ReversalRefused("The seller's balance at the provider is too low.")


@pytest.fixture
def payouts(market):
    built = Payouts(market)
    with connect_provider.replaced(built.provider):
        yield built


@pytest.fixture
def payouts_without_reversals(market):
    built = Payouts(market)
    built.provider = NoReversals("payout-tests-secret", BASE_URL, send_event=built.sent.append)
    with connect_provider.replaced(built.provider):
        yield built


def assert_ledger_balanced(s) -> None:
    per_tx = defaultdict(int)
    for posting in s.exec(select(LedgerPosting)).all():
        per_tx[posting.transaction_id] += posting.amount
    assert set(per_tx.values()) <= {0}


def assert_reconciles(payouts: Payouts, shop: Shop) -> None:
    """sales - refunds - disputed - paid out = pending + available, and every payout's amount
    is the sum of the ledger transactions it settled."""
    b = payouts.balance(shop)
    assert b.sales - b.refunds - b.disputed - b.paid_out == b.pending + b.available
    for payout in payouts.s.exec(select(Payout).where(Payout.shop_id == shop.id)).all():
        assert settled_total(payouts.s, payout.id) == payout.amount
    assert_ledger_balanced(payouts.s)

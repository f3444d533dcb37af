"""Payouts on both databases: the state machine and its ledger entries, from a seller
connecting TestPay's payout account to the money reaching (or failing to reach) the bank."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from prometheus_client import REGISTRY
from sqlmodel import select

from commerce import accounts as auth
from commerce.accounts import step_up, two_factor
from commerce.errors import PermissionDenied, ValidationError
from commerce.kit.time import utcnow
from commerce.models import (
    AuthSession,
    LedgerEntryKind,
    LedgerTransaction,
    Notification,
    Payout,
    PayoutAccountStatus,
    PayoutStatus,
    Shop,
)
from commerce.orders import refunds
from commerce.orders.webhooks import handle_event
from commerce.payments.testpay_connect import PAYOUT_FAILS
from commerce.payouts import accounts, schedule, tasks, views
from commerce.payouts.admin import run_payouts_now
from tests.domain.checkout.test_disputes import dispute_event
from tests.domain.payouts.conftest import assert_reconciles
from tests.fixtures.adapters import emails_in

PRICE = 2000
EARNED = 2000 - 100 - 58  # 20.00 USD less 5 % commission and the 2.9 % card fee


@pytest.fixture
def shop(market):
    return market.shop("USD")


def sell(market, shop, price=PRICE):
    return market.buy(market.user(), market.product(shop, price))


def test_a_connected_seller_is_paid_their_available_earnings_once(market, payouts, shop, outbox):
    account = payouts.connect(shop)
    assert account.status == PayoutAccountStatus.ENABLED
    assert account.bank_label == "TestPay Bank •••• 6789"
    order = sell(market, shop)

    assert payouts.run("before-the-hold") == []  # still pending: nothing to pay
    payouts.hold_passes(shop)
    [payout] = payouts.run()

    assert (payout.status, payout.amount, payout.currency) == (PayoutStatus.PAID, EARNED, "USD")
    assert payout.transfer_id.startswith("tr_tp_")
    assert payout.bank_payout_id.startswith("po_tp_")
    balance = payouts.balance(shop)
    assert (balance.available, balance.pending, balance.paid_out) == (0, 0, EARNED)
    assert_reconciles(payouts, shop)
    page = views.seller_payouts_page(payouts.s, market.seller_actor(shop))
    assert [(p.status_label, p.amount_label, p.orders) for p in page.payouts] == [("Paid", "$18.42", [order.reference])]
    assert (page.account.status_label, page.account.missing) == ("Enabled", [])

    # Running again (a retried job, a second admin click) pays nothing twice.
    assert payouts.run("again") == []
    assert tasks.start_run(payouts.s, run_key="again-2") == []
    [mail] = [m for m in emails_in(outbox) if "payout" in m.subject]
    assert mail.subject == "Your payout of $18.42 is on its way to your bank"
    notices = payouts.s.exec(select(Notification).where(Notification.kind == "payout_paid")).all()
    assert [n.title for n in notices] == ["Payout of $18.42 sent to your bank"]


def test_an_unfinished_onboarding_shows_what_is_missing_and_pays_nothing(market, payouts, shop):
    seller = market.seller_actor(shop)
    url = accounts.start_onboarding(payouts.s, seller, payouts.provider, base_url="http://shop.test")
    assert url.startswith("http://shop.test/testpay-connect/")
    page = views.seller_payouts_page(payouts.s, seller)
    assert page.account.status_label == "Details needed"
    assert "a bank account to receive payouts" in page.account.missing
    sell(market, shop)
    payouts.hold_passes(shop)
    assert payouts.run() == []
    [upcoming] = views.seller_payouts_page(payouts.s, seller).upcoming
    assert (upcoming.amount, upcoming.will_pay, upcoming.note) == (
        EARNED,
        False,
        "Connect your payout account to be paid.",
    )


def test_onboarding_refuses_bad_details_and_changes_nothing(payouts, shop, market):
    url = accounts.start_onboarding(payouts.s, market.seller_actor(shop), payouts.provider, base_url="http://x")
    token = url.rsplit("/", 1)[1]
    with pytest.raises(ValidationError, match="bank account number"):
        payouts.provider.complete_onboarding(token, legal_name="Ada", bank_number="12", accept_terms=True)
    with pytest.raises(ValidationError, match="Accept"):
        payouts.provider.complete_onboarding(token, legal_name="Ada", bank_number="000123456789", accept_terms=False)
    assert payouts.sent == []


def test_a_failed_bank_payout_returns_the_money_to_available_and_tells_the_seller(market, payouts, shop, outbox):
    payouts.connect(shop, bank=PAYOUT_FAILS)
    sell(market, shop)
    payouts.hold_passes(shop)
    [payout] = payouts.run()

    payouts.s.refresh(payout)
    assert payout.status == PayoutStatus.FAILED
    assert "does not exist" in payout.failure_message
    balance = payouts.balance(shop)
    assert (balance.available, balance.paid_out) == (EARNED, 0)
    assert_reconciles(payouts, shop)
    kinds = payouts.s.exec(select(LedgerTransaction.kind).where(LedgerTransaction.kind != LedgerEntryKind.SALE)).all()
    assert sorted(kinds) == [LedgerEntryKind.PAYOUT, LedgerEntryKind.PAYOUT_FAILED]
    [notice] = payouts.s.exec(select(Notification).where(Notification.kind == "payout_failed")).all()
    assert notice.title == "Payout of $18.42 failed"
    assert [m.subject for m in emails_in(outbox) if "payout" in m.subject] == ["Your payout of $18.42 failed"]

    # The money goes out again with the next run, once (the bank still fails here).
    [again] = payouts.run("next-run")
    assert again.amount == EARNED
    assert_reconciles(payouts, shop)
    assert payouts.balance(shop).available == EARNED


def test_a_refused_transfer_fails_the_payout_and_keeps_the_money(market, payouts, shop):
    account = payouts.connect(shop)
    account.bank_account_id = ""  # the provider has nowhere to pay to
    payouts.s.add(account)
    sell(market, shop)
    payouts.hold_passes(shop)
    failed_before = REGISTRY.get_sample_value("marketplace_payouts_failed_total")
    [payout] = payouts.run()
    payouts.s.refresh(payout)
    assert (payout.status, payout.transfer_id) == (PayoutStatus.FAILED, "")
    assert payouts.balance(shop).available == EARNED
    assert_reconciles(payouts, shop)
    # Operators see it too (deploy/prometheus/alerts.yml, PayoutsFailing).
    assert REGISTRY.get_sample_value("marketplace_payouts_failed_total") == failed_before + 1


def test_a_refund_after_the_transfer_takes_the_money_back_from_it(market, payouts, shop):
    payouts.connect(shop)
    order = sell(market, shop)
    payouts.hold_passes(shop)
    [payout] = payouts.run()

    refunds.refund(payouts.s, market.seller_actor(shop), market.gateway, order.reference, reason="asked")
    payouts.s.commit()  # the recovery job runs after the commit

    payouts.s.refresh(payout)
    assert payout.reversed_amount == EARNED
    balance = payouts.balance(shop)
    assert (balance.available, balance.paid_out, balance.refunds) == (0, 0, EARNED)
    assert_reconciles(payouts, shop)
    assert payouts.run("after-refund") == []  # nothing owed either way


def test_a_refund_that_cannot_be_taken_back_leaves_a_debt_later_earnings_settle_first(
    market, payouts_without_reversals, shop
):
    payouts = payouts_without_reversals
    payouts.connect(shop)
    order = sell(market, shop)
    payouts.hold_passes(shop)
    payouts.run()
    refunds.refund(payouts.s, market.seller_actor(shop), market.gateway, order.reference, reason="asked")
    payouts.s.commit()
    assert payouts.balance(shop).available == -EARNED
    seller = market.seller_actor(shop)
    [upcoming] = views.seller_payouts_page(payouts.s, seller).upcoming
    assert not upcoming.will_pay
    assert "later earnings settle this first" in upcoming.note

    sell(market, shop, price=1000)  # earns less than the debt: nothing paid
    payouts.hold_passes(shop)
    assert payouts.run("small") == []
    sell(market, shop, price=5000)
    payouts.hold_passes(shop)
    [payout] = payouts.run("settled")

    earned_small, earned_big = 1000 - 50 - 29, 5000 - 250 - 145
    assert payout.amount == earned_small + earned_big - EARNED
    balance = payouts.balance(shop)
    assert (balance.available, balance.paid_out) == (0, earned_small + earned_big)  # 1st + 3rd payouts net
    assert_reconciles(payouts, shop)


def test_a_dispute_after_the_transfer_takes_the_money_back(market, payouts, shop):
    payouts.connect(shop)
    order = sell(market, shop)
    payouts.hold_passes(shop)
    [payout] = payouts.run()
    handle_event(payouts.s, dispute_event(order))
    payouts.s.commit()
    payouts.s.refresh(payout)
    assert payout.reversed_amount == EARNED
    balance = payouts.balance(shop)
    assert (balance.available, balance.disputed, balance.paid_out) == (0, EARNED, 0)
    assert_reconciles(payouts, shop)


def test_the_schedule_and_minimum_decide_when_a_payout_is_sent(market, payouts, shop):
    admin = market.admin_actor()
    with pytest.raises(PermissionDenied):
        schedule.set_schedule(payouts.s, market.seller_actor(shop), interval="daily", weekday=0, minimum=5)
    with pytest.raises(ValidationError):
        schedule.set_schedule(payouts.s, admin, interval="hourly", weekday=0, minimum=5)
    with pytest.raises(ValidationError):
        schedule.set_schedule(payouts.s, admin, interval="daily", weekday=0, minimum="-3")
    view = schedule.set_schedule(payouts.s, admin, interval="weekly", weekday=2, minimum=50)
    assert view.label == "Every Wednesday, once at least 50 (in the payout's currency) is available"

    payouts.connect(shop)
    sell(market, shop)
    payouts.hold_passes(shop)
    assert payouts.run() == []  # 18.42 is below the minimum of 50
    [upcoming] = views.seller_payouts_page(payouts.s, market.seller_actor(shop)).upcoming
    assert upcoming.note == "Payouts start at $50.00."
    sell(market, shop, price=4000)
    payouts.hold_passes(shop)
    [payout] = payouts.run()
    assert payout.amount == EARNED + 4000 - 200 - 116

    rules = schedule.current_schedule(payouts.s)
    wednesday, thursday = datetime(2026, 12, 2, 9, tzinfo=UTC), datetime(2026, 12, 3, 9, tzinfo=UTC)
    assert schedule.due_run_key(rules, wednesday) == "weekly-2026-12-02"
    assert schedule.due_run_key(rules, thursday) is None
    assert schedule.next_run_day(rules, thursday, ran_today=False).date().isoformat() == "2026-12-09"
    schedule.set_schedule(payouts.s, admin, interval="daily", weekday=0, minimum=0)
    assert schedule.due_run_key(schedule.current_schedule(payouts.s), thursday) == "daily-2026-12-03"


def test_a_scheduled_run_happens_once_a_day_however_often_its_job_runs(market, payouts, shop):
    schedule.set_schedule(payouts.s, market.admin_actor(), interval="daily", weekday=0, minimum=1)
    payouts.connect(shop)
    sell(market, shop)
    payouts.hold_passes(shop)
    tasks.run_scheduled_payouts()
    tasks.run_scheduled_payouts()
    payouts.s.commit()
    payouts.deliver()
    [payout] = payouts.s.exec(select(Payout)).all()
    assert payout.status == PayoutStatus.PAID
    assert payout.run_key.startswith("daily-")


def test_admins_run_payouts_and_see_failures_sellers_do_not(market, payouts, shop):
    payouts.connect(shop, bank=PAYOUT_FAILS)
    sell(market, shop)
    payouts.hold_passes(shop)
    with pytest.raises(PermissionDenied):
        run_payouts_now(payouts.s, market.seller_actor(shop))
    with pytest.raises(PermissionDenied):
        views.admin_payouts_page(payouts.s, market.seller_actor(shop))
    admin = market.admin_actor()
    assert run_payouts_now(payouts.s, admin) == 1
    payouts.s.commit()
    payouts.deliver()
    page = views.admin_payouts_page(payouts.s, admin, failed_only=True)
    assert page.failed == 1
    assert [(p.shop_name, p.status_label) for p in page.payouts] == [(shop.name, "Failed")]


def test_connect_events_are_applied_once_and_never_by_an_older_delivery(market, payouts, shop):
    payouts.connect(shop)
    assert payouts.deliver() == []
    account_events = payouts.s.exec(select(Payout)).all()
    assert account_events == []
    # The same onboarding event delivered again: recorded once.
    url = accounts.start_onboarding(payouts.s, market.seller_actor(shop), payouts.provider, base_url="http://shop.test")
    payouts.provider.complete_onboarding(
        url.rsplit("/", 1)[1], legal_name="Ada Seller", bank_number="000123456789", accept_terms=True
    )
    assert payouts.deliver() == ["duplicate"]


def test_an_owner_with_a_second_factor_confirms_it_before_changing_payout_details(s, payouts):
    grant = auth.create_account(
        s, email="payee@example.com", password="correct horse battery", display_name="Payee", client_id="1.1.1.1"
    )
    s.add(Shop(owner_id=grant.user.id, slug="payee-shop", name="Payee", currency="USD", bio="b"))
    s.flush()
    actor = auth.socket_session(s, grant.token).actor
    setup = two_factor.start_totp(s, actor)
    two_factor.confirm_totp(s, actor, code=pyotp.TOTP(setup.secret).now())
    actor = auth.socket_session(s, grant.token).actor
    accounts.start_onboarding(s, actor, payouts.provider, base_url="http://shop.test")  # just confirmed: allowed
    session = s.exec(select(AuthSession).where(AuthSession.family_id == actor.session_id)).one()
    session.second_factor_at = utcnow() - timedelta(minutes=11)
    s.add(session)
    s.flush()
    with pytest.raises(step_up.StepUpRequired):
        accounts.start_onboarding(s, actor, payouts.provider, base_url="http://shop.test")

"""A seller connects a payout account on TestPay's onboarding page, a buyer buys, the hold
passes (time travel in the app's database, no sleeping), an admin presses "Pay out now",
and the seller sees the payout paid with its order, the money moved from available to paid out."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import update
from sqlmodel import col, select

from commerce.db import engine_for, unit_of_work
from commerce.demo import ADMIN_EMAIL, DEMO_PASSWORD
from commerce.kit.time import utcnow
from commerce.models import LedgerPosting, LedgerTransaction, Shop
from tests.fixtures.browser import buy, sign_in, sign_up

SELLER_EMAIL = "grace@demo.market"
SHOP_SLUG = "compiler-works"
COMPILER_EDITOR = "/p/compiler-works/markdown-editor-pro"
NOTHING = re.compile(r"^\D?0\.00\D?$")


def hold_passes(app, shop_slug: str) -> None:
    """Time travel: the shop's earnings became available yesterday (the 7-day hold is over)."""
    engine = engine_for(f"sqlite:///{app.data_dir / 'marketplace.db'}")
    with unit_of_work(engine) as s:
        shop_id = s.exec(select(Shop.id).where(Shop.slug == shop_slug)).one()
        ids = s.exec(select(LedgerPosting.transaction_id).where(LedgerPosting.shop_id == shop_id)).all()
        s.exec(
            update(LedgerTransaction)
            .where(col(LedgerTransaction.id).in_(ids), col(LedgerTransaction.available_at) > utcnow())
            .values(available_at=utcnow() - timedelta(days=1))
        )


def test_seller_connects_sells_and_is_paid_out(app, new_page):
    seller = new_page("phone")
    sign_in(seller, SELLER_EMAIL, DEMO_PASSWORD)
    seller.goto("/seller/payouts")
    expect(seller.locator("#payout-account-status")).to_have_text("Not connected")
    seller.get_by_role("button", name="Connect a payout account").click()

    # TestPay's onboarding page (Stripe's hosted onboarding in production).
    expect(seller.get_by_role("heading", name="Set up payouts with TestPay")).to_be_visible()
    seller.get_by_label("Legal name").fill("Grace Hopper")
    seller.get_by_label("Bank account number").fill("000123456789")
    seller.get_by_role("button", name="Finish setting up payouts").click()
    expect(seller.locator("#testpay-connect-error")).to_contain_text("Accept the payout terms")
    seller.get_by_label("I accept TestPay's payout terms").check()
    seller.get_by_role("button", name="Finish setting up payouts").click()

    # Back on the payouts page: the Connect event enables the account within seconds.
    expect(seller).to_have_url(f"{app.base_url}/seller/payouts?onboarding=done")
    expect(seller.locator("#payout-account-status")).to_have_text("Enabled", timeout=30_000)
    expect(seller.locator("#payout-bank")).to_have_text("TestPay Bank •••• 6789")
    expect(seller.get_by_role("button", name="Change payout details")).to_be_visible()

    buyer = new_page("desktop")
    sign_up(buyer, f"payout-buyer-{uuid.uuid4().hex[:8]}@example.com")
    reference = buy(buyer, [COMPILER_EDITOR])

    hold_passes(app, SHOP_SLUG)
    seller.goto("/seller/payouts")
    # Earlier tests may have left the shop earnings in another currency: one payout each.
    upcoming = seller.locator("[data-testid=upcoming-payout]").filter(has_text=reference)
    expect(upcoming).to_contain_text("goes out")

    admin = new_page("desktop")
    sign_in(admin, ADMIN_EMAIL, DEMO_PASSWORD)
    admin.goto("/admin/payouts")
    admin.get_by_role("button", name="Pay out now").click()
    expect(admin.locator("#admin-payouts-notice")).to_contain_text("payout(s) created")
    admin_row = admin.locator("[data-testid=admin-payout]").filter(has_text=reference)
    admin.goto("/admin/payouts")
    expect(admin_row).to_contain_text("Compiler Works")

    seller.goto("/seller/payouts")
    payout = seller.locator("[data-testid=payout]").filter(has_text=reference)
    expect(payout).to_contain_text("Paid", timeout=30_000)
    balance = seller.locator("[data-testid=balance]").first
    expect(balance.locator("[data-testid=available]")).to_have_text(NOTHING)  # in the order's currency
    expect(balance.locator("[data-testid=paid-out]")).not_to_have_text(NOTHING)
    expect(payout).to_contain_text(balance.locator("[data-testid=paid-out]").inner_text())

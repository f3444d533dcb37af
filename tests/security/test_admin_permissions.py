"""Every admin service checks the actor itself: a buyer or seller calling it (as any
Reflex event handler can be called, with any ids) is refused, the attempt is logged,
and nothing changes."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from commerce import audit, ledger
from commerce.actor import Actor
from commerce.catalog import products as catalog
from commerce.delivery import downloads, grants
from commerce.errors import PermissionDenied
from commerce.flags import service as flag_service
from commerce.models import (
    AuditRecord,
    ExchangeRate,
    FeatureFlag,
    Fulfilment,
    ModerationStatus,
    Product,
    Report,
    Review,
    Shop,
    TaxRate,
    User,
    UserRole,
)
from commerce.moderation import checks, decisions, orders, quality, queue, settings, users
from commerce.orders import tax
from commerce.payouts import admin as payout_admin
from commerce.payouts import schedule as payout_schedule
from commerce.payouts import views as payout_views
from commerce.reviews import service as reviews

ADMIN_CALLS = {
    "moderation_queue": lambda s, a, t: queue.moderation_queue(s, a),
    "approve_product": lambda s, a, t: decisions.approve_product(s, a, t["product"]),
    "reject_product": lambda s, a, t: decisions.reject_product(s, a, t["product"], reason="no"),
    "hide_review": lambda s, a, t: decisions.hide_review(s, a, t["review"], reason="no"),
    "dismiss_report": lambda s, a, t: decisions.dismiss_report(s, a, t["report"]),
    "bulk_products": lambda s, a, t: decisions.bulk_products(s, a, [t["product"]], decision="approve"),
    "list_audit": lambda s, a, t: audit.list_audit(s, a),
    "set_banned_words": lambda s, a, t: checks.set_banned_words(s, a, "anything"),
    "shop_quality": lambda s, a, t: quality.shop_quality(s, a),
    "search_users": lambda s, a, t: users.search_users(s, a, query="example"),
    "user_detail": lambda s, a, t: users.user_detail(s, a, t["buyer"]),
    "suspension_impact": lambda s, a, t: users.suspension_impact(s, a, t["seller"]),
    "suspend_seller": lambda s, a, t: users.suspend_seller(s, a, t["seller"], reason="no"),
    "reinstate_seller": lambda s, a, t: users.reinstate_seller(s, a, t["seller"]),
    "promote_admin": lambda s, a, t: users.promote_to_admin(s, a, t["buyer"]),
    "find_orders": lambda s, a, t: orders.find_orders(s, a, t["reference"]),
    "order_detail": lambda s, a, t: orders.order_detail(s, a, t["reference"]),
    "refund_order": lambda s, a, t: orders.refund_order(s, a, t["gateway"], t["reference"], reason="no"),
    "settings_view": lambda s, a, t: settings.settings_view(s, a),
    "set_take_rate": lambda s, a, t: settings.set_take_rate(s, a, t["shop"], percent="8"),
    "set_tax_rate": lambda s, a, t: settings.set_tax_rate(s, a, country="FR", percent="1"),
    "enable_currency": lambda s, a, t: settings.enable_currency(s, a, code="NOK", per_eur="11"),
    "disable_currency": lambda s, a, t: settings.disable_currency(s, a, code="GBP"),
    # Admin services of other modules use the same check.
    "catalog_approve": lambda s, a, t: catalog.approve_product(s, a, t["product"]),
    "catalog_reject": lambda s, a, t: catalog.reject_product(s, a, t["product"], reason="no"),
    "payouts_report": lambda s, a, t: ledger.payouts_report(s, a),
    "tax_set_rate": lambda s, a, t: tax.set_rate(s, a, country="FR", rate_bps=100),
    "revoke_order_access": lambda s, a, t: grants.revoke_order_access(s, a, t["reference"], reason="no"),
    "reset_order_downloads": lambda s, a, t: downloads.reset_order_downloads(s, a, t["reference"]),
    "payouts_csv": lambda s, a, t: ledger.payouts_csv(s, a),
    "admin_payouts_page": lambda s, a, t: payout_views.admin_payouts_page(s, a),
    "set_payout_schedule": lambda s, a, t: payout_schedule.set_schedule(s, a, interval="daily", weekday=0, minimum=1),
    "run_payouts_now": lambda s, a, t: payout_admin.run_payouts_now(s, a),
    "list_flags": lambda s, a, t: flag_service.list_flags(s, a),
    "set_flag": lambda s, a, t: flag_service.set_flag(s, a, key="web_push", rollout="everyone"),
}


@pytest.fixture
def targets(market):
    s = market.s
    shop = market.shop()
    product = market.product(shop, 1000, title="Target Product")
    buyer, reader = market.user(), market.user()
    order = market.buy(buyer, product)
    review = reviews.submit_review(s, market.buyer_actor(buyer), product.id, rating=3, body="Fine.")
    reviews.report_review(s, market.buyer_actor(reader), review.id, reason="spam")
    product.moderation_status = ModerationStatus.PENDING
    s.add(product)
    s.flush()
    return dict(
        shop=shop.id,
        seller=shop.owner_id,
        product=product.id,
        buyer=buyer.id,
        review=review.id,
        report=s.exec(select(Report.id)).one(),
        reference=order.reference,
        gateway=market.gateway,
        market=market,
    )


def snapshot(s) -> tuple:
    s.expire_all()
    return (
        [(p.id, p.moderation_status) for p in s.exec(select(Product).order_by(Product.id)).all()],
        [(r.id, r.hidden_at) for r in s.exec(select(Review)).all()],
        [(r.id, r.status) for r in s.exec(select(Report)).all()],
        [(u.id, u.role) for u in s.exec(select(User).order_by(User.id)).all()],
        [(x.id, x.suspended_at, x.take_rate_bps) for x in s.exec(select(Shop).order_by(Shop.id)).all()],
        s.exec(select(TaxRate.country, TaxRate.rate_bps).order_by(TaxRate.country)).all(),
        s.exec(select(ExchangeRate.currency).order_by(ExchangeRate.currency)).all(),
        s.exec(select(AuditRecord.id)).all(),
        s.exec(select(Fulfilment.id, Fulfilment.status).order_by(Fulfilment.id)).all(),
        s.exec(select(FeatureFlag.key, FeatureFlag.rollout)).all(),
    )


def intruders(market, targets) -> dict[str, Actor]:
    """A buyer, a seller of another shop, the product's own seller, and nobody signed in."""
    return {
        "buyer": market.buyer_actor(market.s.get(User, targets["buyer"])),
        "other seller": market.seller_actor(market.shop()),
        "own seller": Actor(user_id=targets["seller"], role=UserRole.SELLER, shop_id=targets["shop"]),
        "anonymous": Actor.anonymous(),
        # A role someone might forge into a payload means nothing: only the server-side actor counts.
        "buyer claiming a shop": Actor(user_id=targets["buyer"], role=UserRole.BUYER, shop_id=targets["shop"]),
    }


@pytest.mark.parametrize("action", list(ADMIN_CALLS))
def test_non_admins_are_refused_and_logged(targets, action, caplog):
    market = targets["market"]
    s = market.s
    people = intruders(market, targets)
    before = snapshot(s)
    for who, actor in people.items():
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="commerce.security"), pytest.raises(PermissionDenied):
            ADMIN_CALLS[action](s, actor, targets)
        logged = [r.getMessage() for r in caplog.records if r.name == "commerce.security"]
        assert len(logged) == 1, who
        assert "refused admin action" in logged[0], who
        assert f"by user {actor.user_id} " in logged[0], who
    assert snapshot(s) == before


def test_the_same_calls_work_for_an_admin(targets):
    """The refusals above are about the actor, not broken calls."""
    market = targets["market"]
    admin = market.admin_actor()
    s = market.s
    for action in (
        "moderation_queue",
        "user_detail",
        "order_detail",
        "shop_quality",
        "settings_view",
        "set_take_rate",
        "set_tax_rate",
        "enable_currency",
        "hide_review",
        "approve_product",
        "catalog_reject",
        "payouts_report",
        "payouts_csv",
        "revoke_order_access",
    ):
        ADMIN_CALLS[action](s, admin, targets)
    assert len(s.exec(select(AuditRecord)).all()) == 6

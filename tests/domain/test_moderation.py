"""Moderation decisions with their audit records, the queue, suspension, quality figures,
the admin's order tools and the marketplace settings."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from commerce.catalog.queries import product_page, shop_page
from commerce.catalog.visibility import is_visible_to_buyers
from commerce.delivery.library import library
from commerce.errors import Conflict, NotFound, ValidationError
from commerce.kit.time import utcnow
from commerce.models import (
    AuditRecord,
    ExchangeRate,
    Fulfilment,
    FulfilmentStatus,
    LedgerAccount,
    LedgerEntryKind,
    ModerationStatus,
    OrderStatus,
    OrderTransition,
    Product,
    ProductFile,
    ProductStatus,
    ProductVersion,
    Report,
    ReportStatus,
    Shop,
    TaxRate,
    User,
    UserRole,
)
from commerce.moderation import checks, decisions, orders, quality, queue, settings, users
from commerce.reviews import service as reviews
from commerce.search.embedded import TantivySearchIndex
from commerce.search.indexer import index_dirty_batch
from commerce.search.port import SearchQuery
from tests.fixtures.adapters import emails_in


def records(s) -> list[tuple[int, str, str, str, str]]:
    return [
        (r.actor_user_id, r.action, r.subject, r.subject_id, r.reason)
        for r in s.exec(select(AuditRecord).order_by(AuditRecord.id)).all()
    ]


def pending(market, shop, title="Fresh Template", **fields):
    product = market.product(shop, 1200, title=title)
    product.moderation_status = ModerationStatus.PENDING
    for name, value in fields.items():
        setattr(product, name, value)
    market.s.add(product)
    market.s.flush()
    return product


@pytest.fixture
def admin(market):
    return market.admin_actor()


@pytest.fixture
def reviewed(market):
    """A product with a review by its buyer, reported by a reader."""
    shop = market.shop()
    product = market.product(shop, 1500, title="Python Patterns Ebook")
    buyer, reader = market.user(), market.user()
    market.buy(buyer, product)
    review = reviews.submit_review(
        market.s, market.buyer_actor(buyer), product.id, rating=1, body="Total garbage, the author is an idiot."
    )
    reviews.report_review(market.s, market.buyer_actor(reader), review.id, reason="offensive", details="Insults.")
    return dict(shop=shop, product=product, buyer=buyer, reader=reader, review=review)


def test_approving_a_product_records_who_when_and_why(market, admin):
    product = pending(market, market.shop())
    before = utcnow()
    decisions.approve_product(market.s, admin, product.id, note="Looks fine")
    assert market.s.get(Product, product.id).moderation_status == ModerationStatus.APPROVED
    row = market.s.exec(select(AuditRecord)).one()
    assert (row.actor_user_id, row.action, row.subject, row.subject_id, row.subject_label, row.reason) == (
        admin.user_id,
        "approve_product",
        "product",
        str(product.id),
        "Fresh Template",
        "Looks fine",
    )
    assert row.created_at >= before


def test_rejecting_needs_a_reason_the_seller_then_sees(market, admin, outbox):
    shop = market.shop()
    product = pending(market, shop)
    with pytest.raises(ValidationError, match="why"):
        decisions.reject_product(market.s, admin, product.id, reason="  ")
    assert records(market.s) == []
    decisions.reject_product(market.s, admin, product.id, reason="The cover shows a trademarked logo.")
    row = market.s.get(Product, product.id)
    assert (row.moderation_status, row.rejection_reason) == (
        ModerationStatus.REJECTED,
        "The cover shows a trademarked logo.",
    )
    assert records(market.s) == [
        (admin.user_id, "reject_product", "product", str(product.id), "The cover shows a trademarked logo.")
    ]
    # The seller is told by email too, once the decision commits.
    assert emails_in(outbox) == []
    market.s.commit()
    [email] = emails_in(outbox)
    assert (email.to, email.subject) == (
        market.s.get(User, shop.owner_id).email,
        "Fresh Template needs changes before it can be sold",
    )
    assert "The cover shows a trademarked logo." in email.text
    assert f"/seller/products/{product.id}" in email.text


def test_hiding_a_review_removes_it_everywhere_and_settles_its_reports(market, admin, reviewed):
    s, product, review = market.s, reviewed["product"], reviewed["review"]
    s.exec(Product.__table__.update().values(search_dirty=False))
    with pytest.raises(ValidationError):
        decisions.hide_review(s, admin, review.id, reason="")
    decisions.hide_review(s, admin, review.id, reason="Personal insults.")
    page = reviews.product_reviews(s, product.id)
    assert page.reviews == []
    assert page.summary.count == 0
    s.expire_all()
    assert s.get(Product, product.id).search_dirty
    assert [r.status for r in s.exec(select(Report)).all()] == [ReportStatus.ACTIONED]
    assert records(s) == [(admin.user_id, "hide_review", "review", str(review.id), "Personal insults.")]
    author_page = reviews.product_reviews(s, product.id, viewer=market.buyer_actor(reviewed["buyer"]))
    assert author_page.own_review_hidden
    assert author_page.own_review is None
    assert not author_page.can_review
    # The author can no longer edit it back into view.
    with pytest.raises(Conflict, match="hid your review"):
        reviews.submit_review(s, market.buyer_actor(reviewed["buyer"]), product.id, rating=5)


def test_dismissing_a_report_changes_nothing_else(market, admin, reviewed):
    s = market.s
    report = s.exec(select(Report)).one()
    decisions.dismiss_report(s, admin, report.id, reason="Strong words, but about the book.")
    assert s.get(Report, report.id).status == ReportStatus.DISMISSED
    assert reviews.product_reviews(s, reviewed["product"].id).summary.count == 1
    assert records(s) == [
        (admin.user_id, "dismiss_report", "report", str(report.id), "Strong words, but about the book.")
    ]
    with pytest.raises(ValidationError, match="already"):
        decisions.dismiss_report(s, admin, report.id)
    with pytest.raises(NotFound):
        decisions.dismiss_report(s, admin, 999_999)


def test_audit_records_cannot_be_edited_or_deleted(market, admin):
    product = pending(market, market.shop())
    decisions.approve_product(market.s, admin, product.id)

    def rewrite():
        with market.s.begin_nested():
            market.s.exec(select(AuditRecord)).one().reason = "rewritten history"
            market.s.flush()

    def delete():
        with market.s.begin_nested():
            market.s.delete(market.s.exec(select(AuditRecord)).one())
            market.s.flush()

    with pytest.raises(PermissionError, match="cannot be changed"):
        rewrite()
    with pytest.raises(PermissionError, match="cannot be deleted"):
        delete()
    assert records(market.s)[0][4] == ""


def test_the_database_refuses_to_change_audit_records_too(market, admin):
    """Even SQL that bypasses the models cannot rewrite or remove the record."""
    product = pending(market, market.shop())
    decisions.approve_product(market.s, admin, product.id)
    for statement in ("UPDATE audit_records SET reason = 'rewritten'", "DELETE FROM audit_records"):
        with pytest.raises(DBAPIError, match="cannot be changed or deleted"), market.s.begin_nested():
            market.s.execute(text(statement))
    assert len(records(market.s)) == 1


def test_the_queue_lists_pending_and_reported_items_flagged_first(market, admin, reviewed):
    s = market.s
    shop = market.shop()
    plain = pending(market, shop, title="Plain Planner")
    flagged = pending(market, shop, title="Crypto Riches Guide", summary="Get rich with casino tricks.")
    executable = pending(market, shop, title="Handy Tool")
    version = ProductVersion(product_id=executable.id, number=1, label="1.0")
    s.add(version)
    s.flush()
    s.add(
        ProductFile(
            product_id=executable.id,
            version_id=version.id,
            filename="setup.exe",
            blob_key="k",
            size_bytes=10,
            sha256="0" * 64,
            content_type="application/x-msdownload",
        )
    )
    s.flush()
    checks.set_banned_words(s, admin, "Casino\nget rich quick, idiot")
    # An earlier decision about the reported product shows as its history.
    decisions.approve_product(s, admin, reviewed["product"].id, note="First look")
    reviews.report_product(
        s,
        market.buyer_actor(reviewed["reader"]),
        reviewed["product"].id,
        reason="misleading",
        details="Half the chapters are missing.",
    )

    result = queue.moderation_queue(s, admin)
    items = result.page.items
    keys = [item.key for item in items]
    assert set(keys) == {f"product:{p.id}" for p in (plain, flagged, executable, reviewed["product"])} | {
        f"review:{reviewed['review'].id}"
    }
    flagged_keys = {f"product:{flagged.id}", f"product:{executable.id}", f"review:{reviewed['review'].id}"}
    assert set(keys[:3]) == flagged_keys
    by_key = {item.key: item for item in items}
    assert by_key[f"product:{flagged.id}"].flags == ["Banned word: “casino”."]
    assert "setup.exe is a program" in by_key[f"product:{executable.id}"].flags[0]
    assert by_key[f"review:{reviewed['review'].id}"].flags == ["Banned word: “idiot”."]
    reported = by_key[f"product:{reviewed['product'].id}"]
    assert not reported.pending
    assert reported.report_count == 1
    assert [(r.reason_label, r.details) for r in reported.reports] == [
        ("Misleading or not as described", "Half the chapters are missing.")
    ]
    assert [(h.action, h.reason) for h in reported.history] == [("approve_product", "First look")]
    assert result.counts == {"all": 5, "product": 4, "review": 1, "shop": 0, "delivery": 0}

    only_reviews = queue.moderation_queue(s, admin, kind="review").page.items
    assert [item.kind for item in only_reviews] == ["review"]
    later = utcnow() + timedelta(days=2)
    assert queue.moderation_queue(s, admin, age="new", now=later).page.items == []
    assert len(queue.moderation_queue(s, admin, age="day", now=later).page.items) == 5
    assert queue.moderation_queue(s, admin, age="week", now=later).page.items == []


def test_a_live_product_edited_after_approval_waits_for_another_look(market, admin):
    from commerce.catalog import products as catalog

    shop = market.shop()
    product = pending(market, shop, title="Steady Seller")
    decisions.approve_product(market.s, admin, product.id)
    assert queue.moderation_queue(market.s, admin).page.items == []
    catalog.update_product(market.s, market.seller_actor(shop), product.id, summary="Now with a casino bonus.")
    checks.set_banned_words(market.s, admin, "casino")
    [item] = queue.moderation_queue(market.s, admin).page.items
    assert (item.key, item.edited, item.pending) == (f"product:{product.id}", True, False)
    assert item.flags == ["Banned word: “casino”."]
    assert "edited since approval" in item.subtitle
    assert is_visible_to_buyers(market.s, product.id)  # it stays live meanwhile
    decisions.approve_product(market.s, admin, product.id, note="Bonus wording is fine.")
    assert queue.moderation_queue(market.s, admin).page.items == []


def test_bulk_decisions_record_each_product(market, admin):
    shop = market.shop()
    first, second = pending(market, shop, title="One"), pending(market, shop, title="Two")
    withdrawn = pending(market, shop, title="Three", status=ProductStatus.DRAFT)
    with pytest.raises(ValidationError, match="why"):
        decisions.bulk_products(market.s, admin, [first.id], decision="reject")
    result = decisions.bulk_products(market.s, admin, [first.id, second.id, withdrawn.id], decision="approve")
    assert result.done == 2
    assert len(result.problems) == 1
    assert result.problems[0].startswith("Three:")
    assert [r[1:4] for r in records(market.s)] == [
        ("approve_product", "product", str(first.id)),
        ("approve_product", "product", str(second.id)),
    ]


def test_a_bulk_decision_tells_the_sellers_it_decided_even_when_another_product_fails(market, admin, outbox):
    shop = market.shop()
    first, withdrawn = pending(market, shop, title="One"), pending(market, shop, title="Two", status="draft")
    result = decisions.bulk_products(
        market.s, admin, [first.id, withdrawn.id], decision="reject", reason="The cover is blurred."
    )
    assert (result.done, [problem.split(":")[0] for problem in result.problems]) == (1, ["Two"])
    assert emails_in(outbox) == []  # not before the decisions commit
    market.s.commit()
    assert [email.subject for email in emails_in(outbox)] == ["One needs changes before it can be sold"]


def test_suspending_a_seller_hides_the_shop_from_catalog_and_search(market, admin, tmp_path):
    s = market.s
    shop = market.shop()
    product = market.product(shop, 1000, title="Suspended Sample Pack")
    buyer = market.user()
    market.buy(buyer, product)
    index = TantivySearchIndex(tmp_path / "index")
    index_dirty_batch(s, index)
    assert [hit.id for hit in index.search(SearchQuery(text="sample")).hits] == [product.id]
    seller = s.get(User, shop.owner_id)

    with pytest.raises(ValidationError):
        users.suspend_seller(s, admin, seller.id, reason="")
    row = users.suspend_seller(s, admin, seller.id, reason="Selling other people's work.")
    assert row.shop_suspended
    assert not row.account_suspended
    assert not is_visible_to_buyers(s, product.id)
    with pytest.raises(NotFound):
        product_page(s, shop.slug, product.slug)
    with pytest.raises(NotFound):
        shop_page(s, shop.slug)
    index_dirty_batch(s, index)
    assert index.search(SearchQuery(text="sample")).hits == []
    # The buyer keeps the purchase: still granted, still in their library.
    assert [f.status for f in s.exec(select(Fulfilment).where(Fulfilment.buyer_id == buyer.id)).all()] == [
        FulfilmentStatus.GRANTED
    ]
    assert [item.product_id for item in library(s, market.buyer_actor(buyer)).items] == [product.id]
    with pytest.raises(Conflict):
        users.suspend_seller(s, admin, seller.id, reason="again")

    users.reinstate_seller(s, admin, seller.id, reason="Licence shown.")
    assert is_visible_to_buyers(s, product.id)
    index_dirty_batch(s, index)
    assert [hit.id for hit in index.search(SearchQuery(text="sample")).hits] == [product.id]
    assert [r[1:4] for r in records(s)] == [
        ("suspend_seller", "shop", str(shop.id)),
        ("reinstate_seller", "shop", str(shop.id)),
    ]


def test_finding_users_and_promoting_an_admin(market, admin, reviewed):
    s = market.s
    buyer = reviewed["buyer"]
    found = users.search_users(s, admin, query=buyer.email.split("@")[0]).items
    assert [row.id for row in found] == [buyer.id]
    detail = users.user_detail(s, admin, buyer.id)
    assert detail.user.order_count == 1
    assert len(detail.orders) == 1
    assert detail.user.reports_received == 1
    assert detail.reports_received[0].reason_label == "Offensive or abusive"
    reader = users.user_detail(s, admin, reviewed["reader"].id)
    assert reader.user.reports_filed == 1
    sellers = users.search_users(s, admin, role=UserRole.SELLER).items
    assert {row.shop_id for row in sellers} >= {reviewed["shop"].id}

    promoted = users.promote_to_admin(s, admin, buyer.id)
    assert promoted.role == UserRole.ADMIN
    assert s.get(User, buyer.id).role == UserRole.ADMIN
    with pytest.raises(Conflict):
        users.promote_to_admin(s, admin, buyer.id)
    assert records(s)[-1][:4] == (admin.user_id, "promote_admin", "user", str(buyer.id))


def test_quality_figures_flag_a_shop_in_the_queue(market, admin):
    s = market.s
    shop = market.shop()
    product = market.product(shop, 1000, title="Leaky Course")
    for _ in range(quality.REPORT_THRESHOLD):
        reviews.report_product(
            s, market.buyer_actor(market.user()), product.id, reason="misleading", details="Not as described."
        )
    order = market.buy(market.user(), product)
    order.status = OrderStatus.DISPUTED
    s.add(
        OrderTransition(order_id=order.id, from_status=OrderStatus.PAID, to_status=OrderStatus.DISPUTED, reason="bank")
    )
    s.add(order)
    s.flush()

    rows = {row.shop_id: row for row in quality.shop_quality(s, admin)}
    figures = rows[shop.id]
    assert (figures.sales, figures.disputes, figures.reports) == (1, 1, quality.REPORT_THRESHOLD)
    assert (figures.refund_rate_label, figures.rating_label) == ("0%", "–")
    assert figures.flags == [
        f"{quality.REPORT_THRESHOLD} reports about its products in 90 days (threshold {quality.REPORT_THRESHOLD})."
    ]
    items = queue.moderation_queue(s, admin, kind="shop").page.items
    assert [item.key for item in items] == [f"shop:{shop.id}"]
    assert items[0].manage_url.startswith("/admin/users?q=")
    # An earlier suspension of the shop shows as its history.
    seller_id = shop.owner_id
    users.suspend_seller(s, admin, seller_id, reason="First warning.")
    users.reinstate_seller(s, admin, seller_id)
    [item] = queue.moderation_queue(s, admin, kind="shop").page.items
    assert [entry.action for entry in item.history] == ["reinstate_seller", "suspend_seller"]
    # Reports dismissed as unfounded, or old ones, no longer count.
    first = s.exec(select(Report).order_by(Report.id)).first()
    decisions.dismiss_report(s, admin, first.id)
    assert queue.moderation_queue(s, admin, kind="shop").page.items == []


def test_admin_refunds_an_order_and_reads_its_ledger(market, admin):
    s = market.s
    shop = market.shop()
    order = market.buy(market.user(), market.product(shop, 2000))
    assert [row.reference for row in orders.find_orders(s, admin, order.email)] == [order.reference]
    detail = orders.order_detail(s, admin, order.reference.lower())
    assert detail.refundable
    assert detail.refundable_label == "$20.00"
    assert {line.account for line in detail.ledger} == {
        LedgerAccount.BUYER_PAYMENT,
        LedgerAccount.TAX_COLLECTED,
        LedgerAccount.PLATFORM_COMMISSION,
        LedgerAccount.GATEWAY_FEE,
        LedgerAccount.SELLER_EARNINGS,
    }
    assert sum(line.amount for line in detail.ledger) == 0
    with pytest.raises(ValidationError):
        orders.refund_order(s, admin, market.gateway, order.reference, reason="")
    after = orders.refund_order(s, admin, market.gateway, order.reference, reason="Duplicate purchase.")
    assert after.order.status == OrderStatus.REFUNDED
    assert not after.refundable
    assert [line.refunded_label for line in after.lines] == ["$20.00"]
    assert {line.kind for line in after.ledger} == {LedgerEntryKind.SALE, LedgerEntryKind.REFUND}
    assert sum(line.amount for line in after.ledger if line.account == LedgerAccount.BUYER_PAYMENT) == 0
    assert records(s)[-1][1:] == ("refund_order", "order", order.reference, "Duplicate purchase.")


def test_settings_take_rate_tax_currencies_and_banned_words(market, admin):
    s = market.s
    shop = market.shop()
    for bad in ("4.99", "8.01", "six", "6.555"):
        with pytest.raises(ValidationError):
            settings.set_take_rate(s, admin, shop.id, percent=bad)
    assert settings.set_take_rate(s, admin, shop.id, percent="6.5 %") == 650
    assert s.get(Shop, shop.id).take_rate_bps == 650

    settings.set_tax_rate(s, admin, country="de", percent="19")
    assert s.get(TaxRate, "DE").rate_bps == 1900
    settings.set_tax_rate(s, admin, country="DE", percent="")
    assert s.get(TaxRate, "DE") is None

    settings.enable_currency(s, admin, code="nok", per_eur="11.7")
    assert s.get(ExchangeRate, "NOK").per_eur == Decimal("11.7")
    settings.disable_currency(s, admin, code="NOK")
    assert s.get(ExchangeRate, "NOK") is None
    with pytest.raises(Conflict):
        settings.disable_currency(s, admin, code="USD")
    view = settings.settings_view(s, admin)
    assert next(c for c in view.currencies if c.code == "USD").locked

    assert checks.set_banned_words(s, admin, "Casino, casino\n  free   money ") == ["casino", "free money"]
    assert [r[1] for r in records(s)] == [
        "set_take_rate",
        "set_tax_rate",
        "set_tax_rate",
        "enable_currency",
        "disable_currency",
        "set_banned_words",
    ]
    assert records(s)[0][4] == "5 % → 6.5 %"


def test_whole_words_only_and_file_names_that_lie():
    checker = checks.WordChecker(["ass", "free money"])
    assert checker.hits("A classic class") == []
    assert checker.hits("Get FREE\nmoney now, ass") == ["ass", "free money"]
    assert checks.file_problem("book.pdf", "application/pdf") is None
    assert checks.file_problem("notes.md", "text/plain") is None
    assert "named like image/png" in checks.file_problem("cover.png", "application/pdf")
    assert "program" in checks.file_problem("book.pdf", "application/x-msdownload")

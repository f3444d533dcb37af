"""Reviews: who may write them, one per buyer, replies, helpful votes, reports, and the ratings search sees."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from commerce.analytics import rollups
from commerce.analytics.dashboard import dashboard
from commerce.errors import Conflict, NotFound, PermissionDenied, ValidationError
from commerce.models import BundleItem, ModerationStatus, Product, Report, ReportStatus, ReportSubject, Review
from commerce.orders import refunds
from commerce.reviews import service as reviews
from commerce.search.indexer import search_documents
from tests.fixtures.analytics import views


@pytest.fixture
def shop_product(market):
    shop = market.shop()
    return shop, market.product(shop, 1500, title="Python Patterns Ebook")


def test_only_a_buyer_with_a_paid_order_may_review(market, shop_product):
    shop, product = shop_product
    stranger, waiting, buyer = market.user(), market.user(), market.user()
    with pytest.raises(PermissionDenied, match="Only buyers"):
        reviews.submit_review(market.s, market.buyer_actor(stranger), product.id, rating=5)
    # An order awaiting payment is no purchase.
    market.checkout(market.buyer_actor(waiting), [product], currency="USD")
    with pytest.raises(PermissionDenied):
        reviews.submit_review(market.s, market.buyer_actor(waiting), product.id, rating=5)
    # Nor is an order of another product of the same shop.
    other = market.product(shop, 900)
    market.buy(stranger, other)
    with pytest.raises(PermissionDenied):
        reviews.submit_review(market.s, market.buyer_actor(stranger), product.id, rating=5)

    market.buy(buyer, product)
    review = reviews.submit_review(
        market.s, market.buyer_actor(buyer), product.id, rating=4, body="  Clear   and practical.\n\n\n\nRecommended. "
    )
    assert (review.rating, review.body) == (4, "Clear and practical.\n\nRecommended.")
    assert review.verified_purchase
    assert review.is_own
    assert market.s.exec(select(Review)).all()[0].buyer_id == buyer.id


def test_a_bundle_buyer_may_review_what_the_bundle_included(market, shop_product):
    shop, product = shop_product
    bundle = market.product(shop, 2500, title="Everything Bundle")
    market.s.add(BundleItem(bundle_id=bundle.id, product_id=product.id))
    market.s.flush()
    buyer = market.user()
    market.buy(buyer, bundle)
    review = reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=5)
    assert review.verified_purchase


def test_a_refunded_purchase_cannot_review_and_loses_its_verified_mark(market, shop_product):
    _, product = shop_product
    buyer, later = market.user(), market.user()
    order = market.buy(buyer, product)
    reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=2, body="Meh.")
    refunds.refund(market.s, market.seller_of(product), market.gateway, order.reference, reason="asked")
    page = reviews.product_reviews(market.s, product.id)
    assert [r.verified_purchase for r in page.reviews] == [False]
    with pytest.raises(PermissionDenied):
        reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=1)

    refunded = market.buy(later, product)
    refunds.refund(market.s, market.seller_of(product), market.gateway, refunded.reference)
    with pytest.raises(PermissionDenied):
        reviews.submit_review(market.s, market.buyer_actor(later), product.id, rating=5)


def test_one_review_per_buyer_and_product_editing_it_again(market, shop_product):
    _, product = shop_product
    buyer = market.user()
    market.buy(buyer, product)
    actor = market.buyer_actor(buyer)
    first = reviews.submit_review(market.s, actor, product.id, rating=3, body="Good start.")
    second = reviews.submit_review(market.s, actor, product.id, rating=5, body="Better after chapter 4.")
    assert second.id == first.id
    assert second.rating == 5
    assert second.edited
    assert len(market.s.exec(select(Review)).all()) == 1
    page = reviews.product_reviews(market.s, product.id, viewer=actor)
    assert page.own_review.body == "Better after chapter 4."
    assert page.can_review
    assert (page.summary.count, page.summary.average) == (1, 5.0)

    # The database holds the rule too.
    def insert_a_second_review():
        with market.s.begin_nested():
            market.s.add(Review(product_id=product.id, buyer_id=buyer.id, rating=1))
            market.s.flush()

    with pytest.raises(IntegrityError):
        insert_a_second_review()


@pytest.mark.parametrize("rating", [0, 6, "5", True, None, 4.5])
def test_stars_are_a_whole_number_from_1_to_5(market, shop_product, rating):
    _, product = shop_product
    buyer = market.user()
    market.buy(buyer, product)
    with pytest.raises(ValidationError, match="1 to 5 stars"):
        reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=rating)
    assert market.s.exec(select(Review)).all() == []


def test_review_text_has_a_limit(market, shop_product):
    _, product = shop_product
    buyer = market.user()
    market.buy(buyer, product)
    with pytest.raises(ValidationError, match="at most 5,000"):
        reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=4, body="x" * 5001)


def test_the_seller_replies_once_and_nobody_else_can(market, shop_product):
    shop, product = shop_product
    buyer = market.user()
    market.buy(buyer, product)
    review = reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=2, body="Typos.")
    other_seller = market.seller_actor(market.shop())
    for intruder in (market.buyer_actor(buyer), other_seller):
        with pytest.raises(PermissionDenied):
            reviews.reply_to_review(market.s, intruder, review.id, body="Thanks!")
    seller = market.seller_actor(shop)
    with pytest.raises(ValidationError, match="Write your reply"):
        reviews.reply_to_review(market.s, seller, review.id, body="   ")
    seller_page = reviews.product_reviews(market.s, product.id, viewer=seller)
    seller_view = seller_page.reviews[0]
    assert seller_view.can_reply
    # The seller may report a review of the product, but not the product itself.
    assert seller_page.can_report_reviews
    assert not seller_page.can_report_product
    anonymous_page = reviews.product_reviews(market.s, product.id)
    assert not anonymous_page.can_report_reviews
    assert not anonymous_page.can_report_product
    replied = reviews.reply_to_review(market.s, seller, review.id, body="Fixed in version 1.1, thank you.")
    assert replied.reply_body == "Fixed in version 1.1, thank you."
    assert not replied.can_reply
    with pytest.raises(Conflict, match="already replied"):
        reviews.reply_to_review(market.s, seller, review.id, body="Again")
    public = reviews.product_reviews(market.s, product.id).reviews[0]
    assert public.reply_body == "Fixed in version 1.1, thank you."
    assert not public.can_reply


def test_summary_sorting_and_helpful_votes(market, shop_product):
    _, product = shop_product
    buyers = [market.user() for _ in range(3)]
    written = []
    for buyer, stars in zip(buyers, (5, 4, 5), strict=True):
        market.buy(buyer, product)
        written.append(reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=stars))
    voter, other_voter = market.user(), market.user()
    with pytest.raises(PermissionDenied, match="own review"):
        reviews.set_helpful(market.s, market.buyer_actor(buyers[0]), written[0].id, helpful=True)
    reviews.set_helpful(market.s, market.buyer_actor(voter), written[1].id, helpful=True)
    reviews.set_helpful(market.s, market.buyer_actor(other_voter), written[1].id, helpful=True)
    reviews.set_helpful(market.s, market.buyer_actor(voter), written[1].id, helpful=True)  # counted once
    reviews.set_helpful(market.s, market.buyer_actor(voter), written[0].id, helpful=True)
    reviews.set_helpful(market.s, market.buyer_actor(voter), written[0].id, helpful=False)

    page = reviews.product_reviews(market.s, product.id, sort="helpful", viewer=market.buyer_actor(voter))
    assert [r.id for r in page.reviews][0] == written[1].id
    assert page.reviews[0].helpful_count == 2
    assert page.reviews[0].voted_helpful
    assert not page.can_review  # the voter did not buy it
    newest = reviews.product_reviews(market.s, product.id, sort="newest", limit=2)
    assert len(newest.reviews) == 2
    assert newest.has_more
    summary = page.summary
    assert (summary.count, summary.average, summary.average_label) == (3, 4.67, "4.7")
    assert [(bar.stars, bar.count, bar.percent) for bar in summary.distribution] == [
        (5, 2, 67),
        (4, 1, 33),
        (3, 0, 0),
        (2, 0, 0),
        (1, 0, 0),
    ]


def test_reports_need_a_listed_reason_and_are_not_repeated(market, shop_product):
    shop, product = shop_product
    buyer, reader = market.user(), market.user()
    market.buy(buyer, product)
    review = reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=1, body="Scam!")
    reader_actor = market.buyer_actor(reader)
    with pytest.raises(ValidationError, match="reason"):
        reviews.report_review(market.s, reader_actor, review.id, reason="boring")
    with pytest.raises(ValidationError, match="what is wrong"):
        reviews.report_review(market.s, reader_actor, review.id, reason="other")
    reviews.report_review(market.s, reader_actor, review.id, reason="offensive", details="Insults the author.")
    with pytest.raises(Conflict, match="already reported"):
        reviews.report_review(market.s, reader_actor, review.id, reason="spam")
    with pytest.raises(PermissionDenied):
        reviews.report_review(market.s, market.buyer_actor(buyer), review.id, reason="spam")
    # The seller may report a review of their product, but not their own product.
    seller = market.seller_actor(shop)
    reviews.report_review(market.s, seller, review.id, reason="misleading", details="Never contacted us.")
    with pytest.raises(PermissionDenied):
        reviews.report_product(market.s, seller, product.id, reason="spam")
    reviews.report_product(market.s, reader_actor, product.id, reason="copyright", details="My book.")
    with pytest.raises(NotFound):
        reviews.report_product(market.s, reader_actor, 999_999, reason="spam")
    rows = market.s.exec(select(Report).order_by(Report.id)).all()
    assert [(r.subject, r.reason, r.status) for r in rows] == [
        (ReportSubject.REVIEW, "offensive", ReportStatus.OPEN),
        (ReportSubject.REVIEW, "misleading", ReportStatus.OPEN),
        (ReportSubject.PRODUCT, "copyright", ReportStatus.OPEN),
    ]


def test_the_page_shows_reviews_of_live_products_only(market, shop_product):
    shop, product = shop_product
    buyer = market.user()
    market.buy(buyer, product)
    reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=4)
    assert reviews.reviews_for_page(market.s, shop.slug, product.slug).summary.count == 1
    product.moderation_status = ModerationStatus.REJECTED
    market.s.add(product)
    with pytest.raises(NotFound):
        reviews.reviews_for_page(market.s, shop.slug, product.slug, viewer=market.buyer_actor(buyer))
    assert (
        reviews.reviews_for_page(market.s, shop.slug, product.slug, viewer=market.seller_actor(shop)).summary.count == 1
    )
    with pytest.raises(NotFound):
        reviews.reviews_for_page(market.s, shop.slug, "no-such-product")


def test_ratings_feed_the_search_document_and_the_seller_dashboard(market, shop_product):
    shop, product = shop_product
    for stars in (5, 3):
        buyer = market.user()
        market.buy(buyer, product)
        market.s.exec(Product.__table__.update().values(search_dirty=False))
        reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=stars)
        market.s.expire_all()
        assert market.s.get(Product, product.id).search_dirty
    document = search_documents(market.s, [product.id])[product.id]
    assert (document.rating, document.review_count) == (4.0, 2)

    ratings = reviews.seller_product_ratings(market.s, market.seller_actor(shop))
    assert [(r.title, r.average, r.count, r.rating_label) for r in ratings] == [
        ("Python Patterns Ebook", 4.0, 2, "4.0")
    ]
    dashboard = reviews.seller_reviews(market.s, market.seller_actor(shop))
    assert [row.review.rating for row in dashboard.reviews.items] == [3, 5]
    assert all(row.review.can_reply and row.product_url.startswith("/p/") for row in dashboard.reviews.items)
    reviews.reply_to_review(market.s, market.seller_actor(shop), dashboard.reviews.items[0].review.id, body="Thanks")
    unanswered = reviews.seller_reviews(market.s, market.seller_actor(shop), unanswered_only=True)
    assert [row.review.rating for row in unanswered.reviews.items] == [5]
    # Another seller sees none of it.
    assert reviews.seller_reviews(market.s, market.seller_actor(market.shop())).reviews.items == []
    with pytest.raises(PermissionDenied):
        reviews.seller_product_ratings(market.s, market.buyer_actor(market.user()))


def test_the_search_index_filters_and_sorts_by_rating(market, tmp_path):
    from commerce.search.embedded import TantivySearchIndex
    from commerce.search.indexer import index_dirty_batch
    from commerce.search.port import SearchQuery

    shop = market.shop()
    loved = market.product(shop, 1000, title="Loved Sample Pack")
    meh = market.product(shop, 1000, title="Meh Sample Pack")
    market.product(shop, 1000, title="Unrated Sample Pack")
    for product, stars in ((loved, 5), (meh, 2)):
        buyer = market.user()
        market.buy(buyer, product)
        reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=stars)
    index = TantivySearchIndex(tmp_path / "index")
    index_dirty_batch(market.s, index)
    at_least_four = index.search(SearchQuery(text="sample", min_rating=4.0))
    assert [hit.title for hit in at_least_four.hits] == ["Loved Sample Pack"]
    by_rating = index.search(SearchQuery(text="sample", sort="rating"))
    assert [hit.title for hit in by_rating.hits][:2] == ["Loved Sample Pack", "Meh Sample Pack"]


def test_the_analytics_dashboard_shows_each_products_rating(market):
    shop = market.shop()
    rated, unrated = market.product(shop, 1000, title="Rated"), market.product(shop, 1000, title="Unrated")
    views(market, [rated, unrated], 3)
    for stars in (4, 5):
        buyer = market.user()
        market.buy(buyer, rated)
        reviews.submit_review(market.s, market.buyer_actor(buyer), rated.id, rating=stars)
    rollups.roll_up_pending(market.s)
    rows = {row.title: row for row in dashboard(market.s, market.seller_actor(shop), range_key="7d").products}
    assert (rows["Rated"].rating, rows["Rated"].rating_label) == (4.5, "4.5 (2)")
    assert (rows["Unrated"].rating, rows["Unrated"].rating_label) == (0.0, "–")


def test_the_sellers_reviews_page_through_every_review_once_and_only_their_shops(market, shop_product):
    shop, product = shop_product
    other_shop = market.shop()
    other_product = market.product(other_shop, 900, title="Someone Else's Ebook")
    written = []
    for stars in (1, 2, 3, 4, 5):
        buyer = market.user()
        market.buy(buyer, product)
        written.append(reviews.submit_review(market.s, market.buyer_actor(buyer), product.id, rating=stars).id)
    stranger = market.user()
    market.buy(stranger, other_product)
    elsewhere = reviews.submit_review(market.s, market.buyer_actor(stranger), other_product.id, rating=2).id
    seller = market.seller_actor(shop)

    pages = [reviews.seller_reviews(market.s, seller, page=n, per_page=2).reviews for n in (1, 2, 3)]

    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert (pages[0].total, pages[0].page_count, pages[0].has_next, pages[2].has_next) == (5, 3, True, False)
    listed = [row.review.id for p in pages for row in p.items]
    assert sorted(listed) == sorted(written)
    assert elsewhere not in listed
    assert reviews.seller_reviews(market.s, seller, page=77, per_page=2).reviews.page == 3

    reviews.reply_to_review(market.s, seller, listed[0], body="Thanks")
    unanswered = [
        reviews.seller_reviews(market.s, seller, unanswered_only=True, page=n, per_page=2).reviews for n in (1, 2)
    ]
    assert (unanswered[0].total, unanswered[0].page_count) == (4, 2)
    assert sorted(row.review.id for p in unanswered for row in p.items) == sorted(listed[1:])

"""Reviews: verified buyers rate products, sellers reply once, anyone signed in votes and reports.

Every function takes the Session first and the acting user second, checks the
actor itself and never commits. A change to a product's visible reviews marks the
product for reindexing (its rating and review count are search fields).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce import events
from commerce.actor import Actor, require_signed_in
from commerce.catalog.access import actor_shop
from commerce.catalog.changes import mark_products_dirty
from commerce.catalog.visibility import is_visible_to_buyers, visible_to_buyers
from commerce.errors import Conflict, NotFound, PermissionDenied, ValidationError
from commerce.i18n import gettext
from commerce.kit.pagination import Page, make_page, page_bounds, page_within
from commerce.kit.time import day_label, utcnow
from commerce.kit.unicode_text import shown_text_problem
from commerce.links import product_url
from commerce.models import (
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Report,
    ReportStatus,
    ReportSubject,
    Review,
    ReviewVote,
    Shop,
    User,
    primary_key,
    saved_id,
)
from commerce.reviews.stats import rating_stats

MAX_REVIEW_LENGTH = 5000
MAX_REPLY_LENGTH = 2000
MAX_REPORT_DETAILS = 1000
SELLER_REVIEWS_PER_PAGE = 20
# An order counts as a purchase while it is paid and the product's line has not been refunded at all.
PURCHASE_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)
REVIEW_SORTS = ("newest", "helpful")
REPORT_REASONS = {
    "spam": "Spam or advertising",
    "offensive": "Offensive or abusive",
    "misleading": "Misleading or not as described",
    "copyright": "Copyright or trademark infringement",
    "malware": "Malware or harmful files",
    "other": "Something else",
}


@dataclass(frozen=True)
class ReviewView:
    id: int
    product_id: int
    author_name: str
    rating: int
    body: str
    created_at: datetime
    updated_at: datetime
    date_label: str
    edited: bool
    verified_purchase: bool
    helpful_count: int
    reply_body: str
    reply_date_label: str
    # Relative to the viewer: their own review, a vote they gave, whether they may reply.
    is_own: bool = False
    voted_helpful: bool = False
    can_reply: bool = False


@dataclass(frozen=True)
class RatingBar:
    stars: int
    count: int
    percent: int  # of all reviews, rounded


@dataclass(frozen=True)
class RatingSummary:
    average: float  # 0 when there are no reviews
    average_label: str  # "4.7"
    stars: int  # the average rounded to whole stars, for the star display
    count: int
    distribution: list[RatingBar]  # 5 stars down to 1


@dataclass(frozen=True)
class ProductReviews:
    product_id: int
    summary: RatingSummary
    reviews: list[ReviewView]
    sort: str
    has_more: bool
    # What the viewer may do: review (they bought it) and their review, if any.
    can_review: bool
    own_review: ReviewView | None
    own_review_hidden: bool  # a moderator hid the viewer's review
    # Anyone signed in may report reviews (not their own); the product, all but its seller.
    can_report_reviews: bool
    can_report_product: bool


@dataclass(frozen=True)
class ProductRating:
    product_id: int
    title: str
    average: float
    count: int
    rating_label: str  # "4.5", or "–" without reviews


@dataclass(frozen=True)
class SellerReviewRow:
    review: ReviewView
    product_title: str
    product_url: str


@dataclass(frozen=True)
class SellerReviews:
    ratings: list[ProductRating]
    reviews: Page  # of SellerReviewRow


def _purchases():
    """Granted products of paid order lines that were not refunded (not even in part).

    Through the fulfilments, so the products a bundle grants count as bought too.
    """
    return (
        select(Fulfilment.buyer_id)
        .join(OrderLine, OrderLine.id == Fulfilment.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Fulfilment.status == FulfilmentStatus.GRANTED,
            col(Order.status).in_(PURCHASE_STATUSES),
            OrderLine.refunded_amount == 0,
        )
    )


def has_purchased(s: Session, buyer_id: int, product_id: int) -> bool:
    """The buyer has the product from a paid order line that was not refunded."""
    return (
        s.exec(
            _purchases().where(Fulfilment.buyer_id == buyer_id, Fulfilment.product_id == product_id).limit(1)
        ).first()
        is not None
    )


def _verified_buyers(s: Session, product_id: int, buyer_ids: list[int]) -> set[int]:
    if not buyer_ids:
        return set()
    return set(
        s.exec(_purchases().where(Fulfilment.product_id == product_id, col(Fulfilment.buyer_id).in_(buyer_ids))).all()
    )


def _product(s: Session, product_id: int) -> Product:
    product = s.get(Product, product_id) if isinstance(product_id, int) else None
    if product is None:
        raise NotFound(gettext("This product does not exist."))
    return product


def _clean_text(text: str | None, limit: int, what: str, field: str) -> str:
    if text is not None and not isinstance(text, str):
        raise ValidationError(f"Write the {what} as text.", field)
    cleaned = "\n".join(" ".join(line.split()) for line in (text or "").strip().splitlines()).strip()
    while "\n\n\n" in cleaned:
        cleaned = cleaned.replace("\n\n\n", "\n\n")
    if len(cleaned) > limit:
        raise ValidationError(f"A {what} can be at most {limit:,} characters.", field)
    if any(unicodedata.category(char) == "Cc" and char != "\n" for char in cleaned):
        raise ValidationError(f"The {what} contains invisible control characters.", field)
    if problem := shown_text_problem(cleaned):
        raise ValidationError(f"The {what} {problem}.", field)
    return cleaned


def _rating(rating: int) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError(gettext("Choose from 1 to 5 stars."), "rating")
    return rating


def submit_review(s: Session, actor: Actor, product_id: int, *, rating: int, body: str = "") -> ReviewView:
    """Write or edit the actor's review of a product they bought (one per buyer and product)."""
    user_id = require_signed_in(actor)
    product = _product(s, product_id)
    stars = _rating(rating)
    text = _clean_text(body, MAX_REVIEW_LENGTH, "review", "body")
    if not has_purchased(s, user_id, saved_id(product)):
        raise PermissionDenied(gettext("Only buyers of this product can review it."))
    review = s.exec(
        select(Review).where(Review.product_id == product.id, Review.buyer_id == user_id).with_for_update()
    ).first()
    now = utcnow()
    created = review is None
    if review is None:
        review = Review(
            product_id=saved_id(product), buyer_id=user_id, rating=stars, body=text, created_at=now, updated_at=now
        )
    else:
        if review.hidden_at is not None:
            raise Conflict(gettext("A moderator hid your review, so it can no longer be edited."))
        review.rating, review.body, review.updated_at = stars, text, now
    s.add(review)
    s.flush()
    mark_products_dirty(s, [saved_id(product)])
    if created:
        events.publish(s, events.ReviewCreated(review_id=saved_id(review), product_id=saved_id(product)))
    return _views(s, [review], actor)[0]


def reply_to_review(s: Session, actor: Actor, review_id: int, *, body: str) -> ReviewView:
    """The seller of the reviewed product answers, once."""
    shop = actor_shop(s, actor)
    review = s.get(Review, review_id, with_for_update=True) if isinstance(review_id, int) else None
    if review is None or review.hidden_at is not None:
        raise NotFound(gettext("This review does not exist."))
    product = s.get_one(Product, review.product_id)
    if product.shop_id != shop.id:
        raise PermissionDenied(gettext("Only the seller of the product can reply to its reviews."))
    if review.reply_body is not None:
        raise Conflict(gettext("You have already replied to this review."))
    text = _clean_text(body, MAX_REPLY_LENGTH, "reply", "reply")
    if not text:
        raise ValidationError(gettext("Write your reply first."), "reply")
    review.reply_body, review.reply_by, review.replied_at = text, actor.user_id, utcnow()
    s.add(review)
    s.flush()
    return _views(s, [review], actor)[0]


def set_helpful(s: Session, actor: Actor, review_id: int, *, helpful: bool) -> ReviewView:
    """Mark (or unmark) a review as helpful; one vote per person, never on one's own review."""
    user_id = require_signed_in(actor)
    review = s.get(Review, review_id) if isinstance(review_id, int) else None
    if review is None or review.hidden_at is not None:
        raise NotFound(gettext("This review does not exist."))
    if review.buyer_id == user_id:
        raise PermissionDenied(gettext("You cannot vote on your own review."))
    vote = s.exec(select(ReviewVote).where(ReviewVote.review_id == review.id, ReviewVote.user_id == user_id)).first()
    if helpful and vote is None:
        s.add(ReviewVote(review_id=saved_id(review), user_id=user_id))
    elif not helpful and vote is not None:
        s.delete(vote)
    s.flush()
    return _views(s, [review], actor)[0]


def _report(s: Session, actor: Actor, *, product_id: int, review_id: int | None, reason: str, details: str) -> None:
    user_id = require_signed_in(actor)
    if reason not in REPORT_REASONS:
        raise ValidationError(gettext("Choose a reason from the list."), "reason")
    text = _clean_text(details, MAX_REPORT_DETAILS, "report", "details")
    if reason == "other" and not text:
        raise ValidationError(gettext("Tell us what is wrong."), "details")
    subject = ReportSubject.REVIEW if review_id is not None else ReportSubject.PRODUCT
    already = s.exec(
        select(Report.id)
        .where(
            Report.reporter_id == user_id,
            Report.subject == subject,
            Report.product_id == product_id,
            Report.review_id == review_id if review_id is not None else col(Report.review_id).is_(None),
            Report.status == ReportStatus.OPEN,
        )
        .limit(1)
    ).first()
    if already is not None:
        raise Conflict(f"You have already reported this {subject}; a moderator will look at it.")
    s.add(
        Report(
            subject=subject,
            product_id=product_id,
            review_id=review_id,
            reporter_id=user_id,
            reason=reason,
            details=text,
        )
    )
    s.flush()


def report_product(s: Session, actor: Actor, product_id: int, *, reason: str, details: str = "") -> None:
    """Ask moderators to look at a product (not one's own)."""
    product = _product(s, product_id)
    shop = s.get_one(Shop, product.shop_id)
    if shop.owner_id == actor.user_id:
        raise PermissionDenied(gettext("You cannot report your own product."))
    if not is_visible_to_buyers(s, saved_id(product)):
        raise NotFound(gettext("This product does not exist."))
    _report(s, actor, product_id=saved_id(product), review_id=None, reason=reason, details=details)


def report_review(s: Session, actor: Actor, review_id: int, *, reason: str, details: str = "") -> None:
    """Ask moderators to look at a review (not one's own)."""
    review = s.get(Review, review_id) if isinstance(review_id, int) else None
    if review is None or review.hidden_at is not None:
        raise NotFound(gettext("This review does not exist."))
    if review.buyer_id == actor.user_id:
        raise PermissionDenied(gettext("You cannot report your own review."))
    _report(s, actor, product_id=review.product_id, review_id=review.id, reason=reason, details=details)


def rating_summary(s: Session, product_id: int) -> RatingSummary:
    counts = dict(
        s.exec(
            select(Review.rating, func.count())
            .where(Review.product_id == product_id, col(Review.hidden_at).is_(None))
            .group_by(col(Review.rating))
        ).all()
    )
    total = sum(counts.values())
    average = round(sum(stars * n for stars, n in counts.items()) / total, 2) if total else 0.0
    return RatingSummary(
        average=average,
        average_label=f"{average:.1f}",
        stars=round(average),
        count=total,
        distribution=[
            RatingBar(stars, counts.get(stars, 0), round(100 * counts.get(stars, 0) / total) if total else 0)
            for stars in range(5, 0, -1)
        ],
    )


def _views(s: Session, reviews: list[Review], viewer: Actor | None) -> list[ReviewView]:
    if not reviews:
        return []
    ids = [review.id for review in reviews]
    names = dict(
        s.exec(
            select(User.id, User.display_name).where(col(User.id).in_({review.buyer_id for review in reviews}))
        ).all()
    )
    helpful = dict(
        s.exec(
            select(ReviewVote.review_id, func.count())
            .where(col(ReviewVote.review_id).in_(ids))
            .group_by(col(ReviewVote.review_id))
        ).all()
    )
    viewer_id = viewer.user_id if viewer is not None else None
    voted = (
        set(
            s.exec(
                select(ReviewVote.review_id).where(col(ReviewVote.review_id).in_(ids), ReviewVote.user_id == viewer_id)
            ).all()
        )
        if viewer_id
        else set()
    )
    verified: dict[int, set[int]] = {}
    by_product: dict[int, list[int]] = defaultdict(list)
    for review in reviews:
        by_product[review.product_id].append(review.buyer_id)
    for product_id, buyers in by_product.items():
        verified[product_id] = _verified_buyers(s, product_id, buyers)
    seller_products: set[int] = set()
    if viewer is not None and viewer.shop_id is not None:
        seller_products = {
            primary_key(product_id)
            for product_id in s.exec(
                select(col(Product.id))
                .join(Shop, col(Shop.id) == col(Product.shop_id))
                .where(col(Product.id).in_(list(by_product)), Shop.id == viewer.shop_id, Shop.owner_id == viewer_id)
            ).all()
        }
    return [
        ReviewView(
            id=saved_id(review),
            product_id=review.product_id,
            author_name=names.get(review.buyer_id, ""),
            rating=review.rating,
            body=review.body,
            created_at=review.created_at,
            updated_at=review.updated_at,
            date_label=day_label(review.created_at),
            edited=review.updated_at > review.created_at,
            verified_purchase=review.buyer_id in verified[review.product_id],
            helpful_count=helpful.get(saved_id(review), 0),
            reply_body=review.reply_body or "",
            reply_date_label=day_label(review.replied_at) if review.replied_at else "",
            is_own=viewer_id is not None and review.buyer_id == viewer_id,
            voted_helpful=review.id in voted,
            can_reply=review.product_id in seller_products and review.reply_body is None,
        )
        for review in reviews
    ]


def product_reviews(
    s: Session,
    product_id: int,
    *,
    viewer: Actor | None = None,
    sort: str = "newest",
    limit: int = 10,
) -> ProductReviews:
    """The product page's reviews: summary, visible reviews in `sort` order, and what the viewer may do."""
    product = _product(s, product_id)
    sort = sort if sort in REVIEW_SORTS else "newest"
    limit = max(1, min(int(limit), 200))
    query = select(Review).where(Review.product_id == product.id, col(Review.hidden_at).is_(None))
    if sort == "helpful":
        votes = (
            select(col(ReviewVote.review_id), func.count().label("votes"))
            .group_by(col(ReviewVote.review_id))
            .subquery()
        )
        query = query.outerjoin(votes, votes.c.review_id == Review.id).order_by(
            func.coalesce(votes.c.votes, 0).desc(), col(Review.created_at).desc(), col(Review.id).desc()
        )
    else:
        query = query.order_by(col(Review.created_at).desc(), col(Review.id).desc())
    rows = list(s.exec(query.limit(limit + 1)).all())
    viewer_id = viewer.user_id if viewer is not None else None
    own_row = (
        s.exec(select(Review).where(Review.product_id == product.id, Review.buyer_id == viewer_id)).first()
        if viewer_id is not None
        else None
    )
    # A review a moderator hid is neither shown to its author for editing nor written anew.
    own_hidden = own_row is not None and own_row.hidden_at is not None
    own = _views(s, [own_row], viewer)[0] if own_row is not None and not own_hidden else None
    owner_id = s.get_one(Shop, product.shop_id).owner_id
    return ProductReviews(
        product_id=saved_id(product),
        summary=rating_summary(s, saved_id(product)),
        reviews=_views(s, rows[:limit], viewer),
        sort=sort,
        has_more=len(rows) > limit,
        can_review=viewer_id is not None and not own_hidden and has_purchased(s, viewer_id, saved_id(product)),
        own_review=own,
        own_review_hidden=own_hidden,
        can_report_reviews=viewer_id is not None,
        can_report_product=viewer_id is not None and viewer_id != owner_id,
    )


def reviews_for_page(
    s: Session,
    shop_slug: str,
    product_slug: str,
    *,
    viewer: Actor | None = None,
    sort: str = "newest",
    limit: int = 10,
) -> ProductReviews:
    """The product page's reviews, for a product the viewer may see: buyers see live products,
    the seller and admins also the ones not yet live (as on the product page itself)."""
    row = s.exec(
        select(Product.id, Shop.id, Shop.owner_id, visible_to_buyers())
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .where(Shop.slug == shop_slug, Product.slug == product_slug)
    ).first()
    if row is None:
        raise NotFound(gettext("This product does not exist."))
    product_id, shop_id, owner_id, live = primary_key(row[0]), row[1], row[2], row[3]
    may_preview = (
        viewer is not None
        and viewer.user_id is not None
        and (viewer.is_admin or (viewer.shop_id == shop_id and viewer.user_id == owner_id))
    )
    if not live and not may_preview:
        raise NotFound(gettext("This product does not exist."))
    return product_reviews(s, product_id, viewer=viewer, sort=sort, limit=limit)


def seller_product_ratings(s: Session, actor: Actor) -> list[ProductRating]:
    """Average rating and review count of each of the seller's products (for the dashboard)."""
    shop = actor_shop(s, actor)
    products = [
        (primary_key(product_id), title)
        for product_id, title in s.exec(
            select(Product.id, Product.title).where(Product.shop_id == shop.id).order_by(Product.title)
        ).all()
    ]
    stats = rating_stats(s, [product_id for product_id, _ in products])
    return [
        ProductRating(
            product_id=product_id,
            title=title,
            average=stats.get(product_id, (0.0, 0))[0],
            count=stats.get(product_id, (0.0, 0))[1],
            rating_label=f"{stats[product_id][0]:.1f}" if product_id in stats else "–",
        )
        for product_id, title in products
    ]


def seller_reviews(
    s: Session, actor: Actor, *, unanswered_only: bool = False, page: int = 1, per_page: int = SELLER_REVIEWS_PER_PAGE
) -> SellerReviews:
    """The seller's per-product ratings and the visible reviews of their products, newest first,
    a page at a time."""
    shop = actor_shop(s, actor)
    page, per_page = page_bounds(page, per_page)
    conditions = [col(Product.shop_id) == shop.id, col(Review.hidden_at).is_(None)]
    if unanswered_only:
        conditions.append(col(Review.reply_body).is_(None))
    total = s.exec(
        select(func.count())
        .select_from(Review)
        .join(Product, col(Product.id) == col(Review.product_id))
        .where(*conditions)
    ).one()
    page = page_within(page, per_page, total)
    rows = s.exec(
        select(Review, Product.title, Product.slug)
        .join(Product, col(Product.id) == col(Review.product_id))
        .where(*conditions)
        .order_by(col(Review.created_at).desc(), col(Review.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    views = _views(s, [review for review, _, _ in rows], actor)
    return SellerReviews(
        ratings=[rating for rating in seller_product_ratings(s, actor) if rating.count],
        reviews=make_page(
            [
                SellerReviewRow(review=view, product_title=title, product_url=product_url(shop.slug, slug))
                for view, (_, title, slug) in zip(views, rows, strict=True)
            ],
            page,
            per_page,
            total,
        ),
    )

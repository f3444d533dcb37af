"""Quality figures per shop, and the thresholds that put a shop in the moderation queue.

- refund rate: paid order lines of the shop refunded (in part or in full), over all its paid lines;
- disputes: orders with the shop's lines that a buyer disputed with their bank;
- average rating and review count: the visible reviews of its products;
- reports: reports about its products in the last REPORT_WINDOW that were not
  dismissed as unfounded (older ones have been dealt with and age out, so a shop
  that fixed its problems leaves the queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_admin
from commerce.i18n import bo_gettext
from commerce.kit.time import utcnow
from commerce.models import (
    Order,
    OrderLine,
    OrderStatus,
    OrderTransition,
    Product,
    Report,
    ReportStatus,
    ReportSubject,
    Review,
    Shop,
    User,
    saved_id,
)

# A refund rate only means something over enough sales.
REFUND_RATE_THRESHOLD = 0.10
MIN_SALES_FOR_REFUND_RATE = 10
DISPUTE_THRESHOLD = 2
LOW_RATING_THRESHOLD = 3.0
MIN_REVIEWS_FOR_RATING = 5
REPORT_THRESHOLD = 3
REPORT_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class ShopQuality:
    shop_id: int
    shop_name: str
    shop_slug: str
    owner_email: str
    suspended: bool
    take_rate_bps: int
    sales: int
    refunds: int
    refund_rate: float
    disputes: int
    average_rating: float
    review_count: int
    reports: int
    # Sentences naming each threshold the shop is above; empty when none.
    flags: list[str]
    refund_rate_label: str  # "12%", or "–" without sales
    rating_label: str  # "4.5 (12)", or "–" without reviews


def _flags(sales: int, refunds: int, disputes: int, average: float, reviews: int, reports: int) -> list[str]:
    flags = []
    if sales >= MIN_SALES_FOR_REFUND_RATE and refunds / sales > REFUND_RATE_THRESHOLD:
        flags.append(
            bo_gettext(
                "Refund rate {rate} is above {threshold}.",
                rate=f"{refunds / sales:.0%}",
                threshold=f"{REFUND_RATE_THRESHOLD:.0%}",
            )
        )
    if disputes >= DISPUTE_THRESHOLD:
        flags.append(
            bo_gettext("{count} disputed orders (threshold {threshold}).", count=disputes, threshold=DISPUTE_THRESHOLD)
        )
    if reviews >= MIN_REVIEWS_FOR_RATING and average < LOW_RATING_THRESHOLD:
        flags.append(
            bo_gettext(
                "Average rating {rating} is below {threshold}.",
                rating=f"{average:.1f}",
                threshold=f"{LOW_RATING_THRESHOLD:.1f}",
            )
        )
    if reports >= REPORT_THRESHOLD:
        flags.append(
            bo_gettext(
                "{count} reports about its products in {days} days (threshold {threshold}).",
                count=reports,
                days=REPORT_WINDOW.days,
                threshold=REPORT_THRESHOLD,
            )
        )
    return flags


def _metrics(s: Session, shop_ids: list[int] | None) -> list[ShopQuality]:
    shops_query = select(Shop, col(User.email)).join(User, col(User.id) == col(Shop.owner_id)).order_by(Shop.name)
    if shop_ids is not None:
        shops_query = shops_query.where(col(Shop.id).in_(shop_ids))
    shops = s.exec(shops_query).all()
    if not shops:
        return []
    ids = [shop.id for shop, _ in shops]
    sales = {
        shop_id: (int(sold), int(refunded or 0))
        for shop_id, sold, refunded in s.exec(
            select(OrderLine.shop_id, func.count(), func.sum(case((col(OrderLine.refunded_amount) > 0, 1), else_=0)))
            .join(Order, col(Order.id) == col(OrderLine.order_id))
            .where(col(OrderLine.shop_id).in_(ids), col(Order.paid_at).is_not(None))
            .group_by(col(OrderLine.shop_id))
        ).all()
    }
    disputed_orders = (
        select(OrderTransition.order_id).where(OrderTransition.to_status == OrderStatus.DISPUTED).distinct().subquery()
    )
    disputes = dict(
        s.exec(
            select(OrderLine.shop_id, func.count(func.distinct(OrderLine.order_id)))
            .where(col(OrderLine.shop_id).in_(ids), col(OrderLine.order_id).in_(select(disputed_orders.c.order_id)))
            .group_by(col(OrderLine.shop_id))
        ).all()
    )
    ratings = {
        shop_id: (round(float(average), 2), int(count))
        for shop_id, average, count in s.exec(
            select(Product.shop_id, func.avg(Review.rating), func.count())
            .select_from(Review)
            .join(Product, col(Product.id) == col(Review.product_id))
            .where(col(Product.shop_id).in_(ids), col(Review.hidden_at).is_(None))
            .group_by(col(Product.shop_id))
        ).all()
    }
    reports = dict(
        s.exec(
            select(Product.shop_id, func.count())
            .select_from(Report)
            .join(Product, col(Product.id) == col(Report.product_id))
            .where(
                col(Product.shop_id).in_(ids),
                Report.subject == ReportSubject.PRODUCT,
                Report.status != ReportStatus.DISMISSED,
                Report.created_at >= utcnow() - REPORT_WINDOW,
            )
            .group_by(col(Product.shop_id))
        ).all()
    )
    result = []
    for shop, email in shops:
        sold, refunded = sales.get(saved_id(shop), (0, 0))
        average, review_count = ratings.get(saved_id(shop), (0.0, 0))
        result.append(
            ShopQuality(
                shop_id=saved_id(shop),
                shop_name=shop.name,
                shop_slug=shop.slug,
                owner_email=email,
                suspended=shop.suspended_at is not None,
                take_rate_bps=shop.take_rate_bps,
                sales=sold,
                refunds=refunded,
                refund_rate=refunded / sold if sold else 0.0,
                disputes=disputes.get(saved_id(shop), 0),
                average_rating=average,
                review_count=review_count,
                reports=reports.get(saved_id(shop), 0),
                flags=_flags(
                    sold,
                    refunded,
                    disputes.get(saved_id(shop), 0),
                    average,
                    review_count,
                    reports.get(saved_id(shop), 0),
                ),
                refund_rate_label=f"{refunded / sold:.0%}" if sold else "–",
                rating_label=f"{average:.1f} ({review_count})" if review_count else "–",
            )
        )
    return result


def shop_quality(s: Session, actor: Actor) -> list[ShopQuality]:
    """Every shop's figures for admins, flagged shops first."""
    require_admin(actor, "shop_quality")
    return sorted(_metrics(s, None), key=lambda row: (not row.flags, row.shop_name.lower()))


def flagged_shops(s: Session) -> list[ShopQuality]:
    """Shops in good standing that are above a threshold (the queue's shop items)."""
    return [row for row in _metrics(s, None) if row.flags and not row.suspended]

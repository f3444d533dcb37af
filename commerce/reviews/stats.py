"""Rating figures over visible (not hidden) reviews; used by search, the seller dashboard and admins."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce.models import Review


def rating_stats(s: Session, product_ids: list[int]) -> dict[int, tuple[float, int]]:
    """(average stars, number of reviews) of visible reviews, per product that has any."""
    if not product_ids:
        return {}
    rows = s.exec(
        select(Review.product_id, func.avg(Review.rating), func.count())
        .where(col(Review.product_id).in_(product_ids), col(Review.hidden_at).is_(None))
        .group_by(col(Review.product_id))
    ).all()
    return {product_id: (round(float(average), 2), int(count)) for product_id, average, count in rows}

"""The one rule for what buyers may see. Every buyer-facing query uses it."""

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from commerce.models import ModerationStatus, Product, ProductStatus, Shop


def visible_to_buyers() -> ColumnElement[bool]:
    """Published, approved, from a shop in good standing (needs Product joined with Shop)."""
    return (
        (col(Product.status) == ProductStatus.PUBLISHED)
        & (Product.moderation_status == ModerationStatus.APPROVED)
        & col(Shop.suspended_at).is_(None)
    )


def is_visible_to_buyers(s: Session, product_id: int) -> bool:
    return bool(
        s.exec(
            select(visible_to_buyers())
            .select_from(Product)
            .join(Shop, col(Shop.id) == col(Product.shop_id))
            .where(Product.id == product_id)
        ).one()
    )

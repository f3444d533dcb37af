"""Recording that products changed: their edit time, and the search flag the indexer
works from. Each change that buyers search by publishes `ProductsChanged`, and the
search package's subscriber reindexes the flagged products after the commit."""

from __future__ import annotations

from sqlalchemy.orm import object_session
from sqlmodel import Session, col, update

from commerce import events
from commerce.kit.time import utcnow
from commerce.models import Product, saved_id


def touch(product: Product, *, searchable: bool = True) -> None:
    """Record an edit of `product`; `searchable` edits also flag it for reindexing
    (the flag commits with the edit)."""
    product.updated_at = utcnow()
    if searchable:
        product.search_dirty = True
        session = object_session(product)
        if isinstance(session, Session):  # the app's sessions are all SQLModel's
            events.publish(session, events.ProductsChanged(product_ids=(saved_id(product),)))


def mark_products_dirty(s: Session, product_ids: list[int]) -> None:
    """Flag products whose sales or reviews changed (an order paid or refunded, a review
    written, edited or hidden) for reindexing.

    Their `updated_at` stays as it is (neither is an edit), so an indexer batch running
    at this very moment may clear the flag with the old figures; they then catch up at
    the product's next reindex.
    """
    if product_ids:
        s.exec(update(Product).where(col(Product.id).in_(product_ids)).values(search_dirty=True))
        events.publish(s, events.ProductsChanged(product_ids=tuple(product_ids)))


def mark_shop_products_dirty(s: Session, shop_id: int) -> int:
    """Flag every product of a shop for reindexing: for changes to the shop itself
    (suspension and its lifting, a new name). Returns how many were flagged."""
    result = s.exec(
        update(Product).where(col(Product.shop_id) == shop_id).values(search_dirty=True, updated_at=utcnow())
    )
    events.publish(s, events.ProductsChanged(shop_id=shop_id))
    return result.rowcount

"""Bundles: a product that, once paid, also grants other products of the same shop.

The bundle is an ordinary product with its own price; buying it grants each of its
items as well (`lifecycle.mark_paid` reads the items with the order's lines). One
level only: a bundle neither contains nor belongs to another bundle, so what a
purchase grants is always a short, flat list.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_shop
from commerce.catalog.access import owned_product
from commerce.catalog.changes import touch
from commerce.catalog.visibility import visible_to_buyers
from commerce.errors import NotFound, ValidationError
from commerce.i18n import bo_gettext
from commerce.links import product_url
from commerce.models import BundleItem, Product, Shop, saved_id

MAX_BUNDLE_ITEMS = 20


@dataclass(frozen=True)
class BundleItemView:
    product_id: int
    title: str
    url: str


@dataclass(frozen=True)
class BundleView:
    bundle_id: int
    title: str
    items: list[BundleItemView]
    items_label: str  # the items' titles, comma separated


def _bundle_view(bundle: Product, items: list[BundleItemView]) -> BundleView:
    return BundleView(
        bundle_id=saved_id(bundle), title=bundle.title, items=items, items_label=", ".join(item.title for item in items)
    )


def _item_views(s: Session, bundle_id: int, *, buyers_only: bool) -> list[BundleItemView]:
    query = (
        select(Product, Shop)
        .join(BundleItem, col(BundleItem.product_id) == col(Product.id))
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .where(BundleItem.bundle_id == bundle_id)
    )
    if buyers_only:
        query = query.where(visible_to_buyers())
    rows = s.exec(query.order_by(col(BundleItem.id))).all()
    return [
        BundleItemView(product_id=saved_id(p), title=p.title, url=product_url(shop.slug, p.slug)) for p, shop in rows
    ]


def bundle_contents(s: Session, product_id: int) -> list[BundleItemView]:
    """What buying this product also grants, as buyers may see it (empty: not a bundle)."""
    return _item_views(s, product_id, buyers_only=True)


def list_bundles(s: Session, actor: Actor) -> list[BundleView]:
    """The acting seller's bundles with their items."""
    shop_id = require_shop(actor)
    bundles = s.exec(
        select(Product)
        .where(Product.shop_id == shop_id, col(Product.id).in_(select(BundleItem.bundle_id)))
        .order_by(Product.title, col(Product.id))
    ).all()
    return [_bundle_view(b, _item_views(s, saved_id(b), buyers_only=False)) for b in bundles]


def set_bundle_items(s: Session, actor: Actor, bundle_id: int, product_ids: list[int]) -> BundleView:
    """Make `bundle_id` a bundle of `product_ids` (all from the seller's shop); an empty
    list turns it back into a plain product. Orders already placed keep what they granted."""
    bundle, shop = owned_product(s, actor, bundle_id)
    shop_id = shop.id
    wanted = list(dict.fromkeys(int(product_id) for product_id in product_ids))
    if bundle_id in wanted:
        raise ValidationError(bo_gettext("A bundle cannot include itself."), field="items")
    if len(wanted) > MAX_BUNDLE_ITEMS:
        raise ValidationError(
            bo_gettext("A bundle holds at most {count} products.", count=MAX_BUNDLE_ITEMS), field="items"
        )
    if wanted:
        items = s.exec(select(Product).where(col(Product.id).in_(wanted))).all()
        if len(items) != len(wanted) or any(item.shop_id != shop_id for item in items):
            raise NotFound(bo_gettext("A bundle can only include products from your shop."))
        nested = s.exec(
            select(Product.title)
            .join(BundleItem, col(BundleItem.bundle_id) == col(Product.id))
            .where(col(Product.id).in_(wanted))
        ).first()
        if nested is not None:
            raise ValidationError(
                bo_gettext("{title} is a bundle itself; a bundle cannot include another bundle.", title=nested),
                field="items",
            )
        if s.exec(select(BundleItem.id).where(BundleItem.product_id == bundle_id)).first() is not None:
            raise ValidationError(
                bo_gettext("{title} is part of another bundle, so it cannot be a bundle too.", title=bundle.title),
                field="items",
            )
    s.execute(delete(BundleItem).where(col(BundleItem.bundle_id) == bundle_id))
    for product_id in wanted:
        s.add(BundleItem(bundle_id=bundle_id, product_id=product_id))
    touch(bundle, searchable=False)
    s.add(bundle)
    s.flush()
    return _bundle_view(bundle, _item_views(s, saved_id(bundle), buyers_only=False))

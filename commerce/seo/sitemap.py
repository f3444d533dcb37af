"""Every live product, shop and category, for the sitemap, read in batches.

A sitemap holds at most `SITEMAP_LIMIT` addresses; past that the site publishes a sitemap
index whose sitemaps each list one section's part: `parts()` says which parts exist and
`entries(kind, part, after)` reads one batch of a part after a given id (keyset pages, so
no batch costs more than the first and nothing is held in memory).

Live means what the pages answer 200 for, for anyone: a product buyers can see
(`visible_to_buyers`), a shop that is not suspended, and every category.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce.catalog.visibility import visible_to_buyers
from commerce.links import category_url, product_url, shop_url
from commerce.models import Category, Product, Shop

# The sitemap protocol's limit of addresses per file (sitemaps.org).
SITEMAP_LIMIT = 50_000
BATCH = 1_000


class SitemapKind(StrEnum):
    CATEGORIES = "categories"
    SHOPS = "shops"
    PRODUCTS = "products"


@dataclass(frozen=True)
class SitemapEntry:
    id: int
    path: str
    modified_at: datetime | None


@dataclass(frozen=True)
class SitemapPart:
    kind: SitemapKind
    number: int  # from 1
    # The part's addresses have ids above `after_id` (0 for the first part).
    after_id: int


def _ids(kind: SitemapKind):
    if kind == SitemapKind.CATEGORIES:
        return select(Category.id)
    if kind == SitemapKind.SHOPS:
        return select(Shop.id).where(col(Shop.suspended_at).is_(None))
    return select(Product.id).join(Shop, col(Shop.id) == col(Product.shop_id)).where(visible_to_buyers())


def count(s: Session, kind: SitemapKind) -> int:
    return s.exec(select(func.count()).select_from(_ids(kind).subquery())).one()


def total(s: Session) -> int:
    return sum(count(s, kind) for kind in SitemapKind)


def parts(s: Session, limit: int = SITEMAP_LIMIT) -> list[SitemapPart]:
    """The sitemaps of the index: each section cut into parts of at most `limit` addresses."""
    found: list[SitemapPart] = []
    for kind in SitemapKind:
        pk = _id_column(kind)
        number, after = 1, 0
        while True:
            first = s.exec(_ids(kind).where(pk > after).order_by(pk).limit(1)).first()
            if first is None:
                break
            found.append(SitemapPart(kind, number, after))
            last = s.exec(_ids(kind).where(pk > after).order_by(pk).offset(limit - 1).limit(1)).first()
            if last is None:
                break
            number, after = number + 1, last
    return found


def part_start(s: Session, kind: SitemapKind, number: int, limit: int = SITEMAP_LIMIT) -> int | None:
    """The id the `number`th part of `kind` starts after, or None when there is no such part."""
    if number < 1:
        return None
    pk = _id_column(kind)
    after = 0
    if number > 1:
        last = s.exec(_ids(kind).order_by(pk).offset((number - 1) * limit - 1).limit(1)).first()
        if last is None:
            return None
        after = last
    exists = s.exec(_ids(kind).where(pk > after).limit(1)).first()
    return after if exists is not None else None


def _id_column(kind: SitemapKind):
    return {SitemapKind.CATEGORIES: col(Category.id), SitemapKind.SHOPS: col(Shop.id)}.get(kind, col(Product.id))


def entries(s: Session, kind: SitemapKind, after_id: int = 0, batch: int = BATCH) -> list[SitemapEntry]:
    """The next `batch` live addresses of `kind` with an id above `after_id`, by id."""
    if kind == SitemapKind.CATEGORIES:
        categories = s.exec(
            select(Category.id, Category.slug)
            .where(col(Category.id) > after_id)
            .order_by(col(Category.id))
            .limit(batch)
        ).all()
        return [SitemapEntry(id or 0, category_url(slug), None) for id, slug in categories]
    if kind == SitemapKind.SHOPS:
        shops = s.exec(
            select(Shop.id, Shop.slug)
            .where(col(Shop.suspended_at).is_(None), col(Shop.id) > after_id)
            .order_by(col(Shop.id))
            .limit(batch)
        ).all()
        return [SitemapEntry(id or 0, shop_url(slug), None) for id, slug in shops]
    products = s.exec(
        select(Product.id, Shop.slug, Product.slug, Product.updated_at)
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .where(visible_to_buyers(), col(Product.id) > after_id)
        .order_by(col(Product.id))
        .limit(batch)
    ).all()
    return [SitemapEntry(id or 0, product_url(shop, slug), updated) for id, shop, slug, updated in products]

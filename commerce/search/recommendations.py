"""Recommendations from real data only; an empty list means the section is hidden.

- buyers_also_bought: other products bought by the buyers of this one (paid
  orders), by how many of those buyers bought each.
- similar_products: a more-like-this built on the search engine: products that
  share the product's distinctive title words, its tags or its category, scored
  by how much they share (a shared title word 3, a tag 2, the category 1), ties
  broken by the engine's own ranking. If the engine is down, the newest products
  of the same category.
- popular_this_week: the products most bought in paid orders of the last 7 days.

Every list holds only products buyers may see (visible_to_buyers) and returns
the catalogue's ProductCardView, so pages render them with the usual product card.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce.catalog.category_names import category_name
from commerce.catalog.queries import ProductCardView
from commerce.catalog.views import price_label
from commerce.catalog.visibility import visible_to_buyers
from commerce.kit.time import utcnow
from commerce.links import media_url, product_url
from commerce.models import Category, Order, OrderLine, Product, ProductTag, Shop, primary_key, saved_id
from commerce.search.indexer import SOLD_STATUSES
from commerce.search.port import SearchIndex, SearchQuery, SearchUnavailable, search_index

log = logging.getLogger(__name__)

POPULAR_DAYS = 7
# Title words that say nothing about what a product is.
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "with",
        "by",
        "from",
        "your",
        "you",
        "my",
        "our",
        "at",
        "as",
        "is",
        "it",
        "its",
        "this",
        "that",
        "pro",
        "kit",
        "pack",
        "set",
        "bundle",
        "collection",
        "edition",
        "guide",
        "template",
        "templates",
    ]
)
_WORD = re.compile(r"[^\W_]+")
_CANDIDATES_PER_QUERY = 12
_MAX_TITLE_WORDS = 4
_SCORES = {"word": 3, "tag": 2, "category": 1}


def cards_for(s: Session, product_ids: list[int]) -> list[ProductCardView]:
    """Cards of the visible ones among `product_ids`, in that order."""
    if not product_ids:
        return []
    rows = s.exec(
        select(Product, Shop, Category)
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .join(Category, col(Category.id) == col(Product.category_id), isouter=True)
        .where(col(Product.id).in_(product_ids), visible_to_buyers())
    ).all()
    by_id = {
        product.id: ProductCardView(
            id=saved_id(product),
            title=product.title,
            summary=product.summary,
            shop_name=shop.name,
            shop_slug=shop.slug,
            slug=product.slug,
            url=product_url(shop.slug, product.slug),
            price_label=price_label(product.pricing, product.price_amount, product.currency),
            cover_url=media_url(product.cover_key),
            category_name=category_name(category.name) if category is not None else "",  # an outer join
        )
        for product, shop, category in rows
    }
    return [by_id[product_id] for product_id in product_ids if product_id in by_id]


def buyers_also_bought(s: Session, product_id: int, *, limit: int = 4) -> list[ProductCardView]:
    buyers = (
        select(Order.buyer_id)
        .join(OrderLine, col(OrderLine.order_id) == col(Order.id))
        .where(OrderLine.product_id == product_id, col(Order.status).in_(SOLD_STATUSES))
    )
    buyer_count = func.count(func.distinct(Order.buyer_id))
    rows = s.exec(
        select(OrderLine.product_id, buyer_count)
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .where(
            col(Order.buyer_id).in_(buyers),
            col(Order.status).in_(SOLD_STATUSES),
            OrderLine.product_id != product_id,
        )
        .group_by(col(OrderLine.product_id))
        .order_by(buyer_count.desc(), col(OrderLine.product_id))
        .limit(limit * 3)  # some may be hidden now
    ).all()
    return cards_for(s, [row[0] for row in rows])[:limit]


def popular_this_week(s: Session, *, limit: int = 8) -> list[ProductCardView]:
    since = utcnow() - timedelta(days=POPULAR_DAYS)
    sold = func.count(col(OrderLine.id))
    rows = s.exec(
        select(OrderLine.product_id, sold)
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .where(col(Order.status).in_(SOLD_STATUSES), col(Order.paid_at) >= since)
        .group_by(col(OrderLine.product_id))
        .order_by(sold.desc(), col(OrderLine.product_id))
        .limit(limit * 3)
    ).all()
    return cards_for(s, [row[0] for row in rows])[:limit]


def _title_words(title: str) -> list[str]:
    words = [w for w in _WORD.findall(title.lower()) if len(w) > 2 and w not in _STOP_WORDS]
    # Longer words tend to say more about the product ("watercolor" over "art").
    return sorted(dict.fromkeys(words), key=len, reverse=True)[:_MAX_TITLE_WORDS]


def similar_products(
    s: Session, product_id: int, *, limit: int = 4, index: SearchIndex | None = None
) -> list[ProductCardView]:
    row = s.exec(
        select(Product, Category)
        .join(Category, col(Category.id) == col(Product.category_id), isouter=True)
        .where(Product.id == product_id)
    ).first()
    if row is None:
        return []
    product, category = row
    tags = list(
        s.exec(
            select(col(ProductTag.tag))
            .where(col(ProductTag.product_id) == product_id)
            .order_by(col(ProductTag.position))
        ).all()
    )
    queries = [("word", SearchQuery(text=word, per_page=_CANDIDATES_PER_QUERY)) for word in _title_words(product.title)]
    queries += [("tag", SearchQuery(tags=(tag,), per_page=_CANDIDATES_PER_QUERY)) for tag in tags[:3]]
    if category is not None:
        queries.append(("category", SearchQuery(categories=(category.slug,), per_page=_CANDIDATES_PER_QUERY)))
    scores: dict[int, float] = defaultdict(float)
    try:
        engine = index if index is not None else search_index()
        for kind, query in queries:
            hits = engine.search(query).hits
            for rank, hit in enumerate(hits):
                # The engine's order breaks ties: earlier hits get a little more.
                scores[hit.id] += _SCORES[kind] + (len(hits) - rank) / (100 * len(hits))
    except SearchUnavailable as error:
        log.warning("similar products from the database, the engine is down: %s", error)
        if category is None:
            return []
        rows = s.exec(
            select(col(Product.id))
            .where(Product.category_id == category.id, Product.id != product_id)
            .order_by(col(Product.published_at).desc())
            .limit(limit * 3)
        ).all()
        ranked = [primary_key(row) for row in rows]
        return cards_for(s, ranked[: limit * 3])[:limit]
    scores.pop(product_id, None)
    ranked = sorted(scores, key=lambda pid: (-scores[pid], pid))
    return cards_for(s, ranked[: limit * 3])[:limit]

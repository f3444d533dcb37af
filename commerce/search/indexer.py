"""Keeping the search index true to the catalogue.

Every catalogue change a buyer could search for sets `Product.search_dirty` in the
same transaction (commerce.catalog.access.touch, mark_shop_products_dirty) and
schedules `tasks.reindex_dirty_products` after the commit. The job reads dirty
products in batches and, per product, upserts its document when buyers may see it
and deletes it otherwise, so unpublished, rejected and suspended products leave
the results as soon as the job has run (seconds).

Idempotent and safe to run at any time or twice at once:
- writing a document or deleting a missing one changes nothing the second time;
- a batch's rows are locked while their documents are written (PostgreSQL:
  FOR NO KEY UPDATE SKIP LOCKED, so a second indexer takes other rows and an edit of
  a locked product waits for the batch, while buyers' order lines, which only
  key-share the product, never make it skip one); within this process a lock serialises
  indexers (SQLite has no row locks);
- the flag is cleared only for rows whose `updated_at` is still what the batch
  read: a product changed meanwhile stays dirty for the job its change scheduled.

If the engine is down the job raises and is retried; the flags stay set, so
nothing is lost. `rebuild()` is the full rebuild behind `python -m commerce.cli reindex`.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from commerce.catalog.translations import translations_of
from commerce.catalog.visibility import visible_to_buyers
from commerce.db import unit_of_work
from commerce.kit.time import utcnow
from commerce.models import (
    Category,
    ExchangeRate,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductTag,
    Shop,
    primary_key,
    saved_id,
)
from commerce.reviews.stats import rating_stats
from commerce.search.documents import build_search_document
from commerce.search.port import SearchDocument, SearchIndex

log = logging.getLogger(__name__)

BATCH_SIZE = 200

# Orders in these states count as sales (popularity); refunded ones do not.
SOLD_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)

_process_lock = threading.Lock()


@dataclass(frozen=True)
class IndexReport:
    upserted: int = 0
    deleted: int = 0
    # Rows changed while their batch was written: still dirty, for their own job.
    left_dirty: int = 0

    def __add__(self, other: IndexReport) -> IndexReport:
        return IndexReport(
            self.upserted + other.upserted,
            self.deleted + other.deleted,
            self.left_dirty + other.left_dirty,
        )


def usd_rates(s: Session) -> dict[str, Decimal]:
    """US dollars per major unit of each stored currency (the rates are kept per euro)."""
    per_eur = {row.currency: Decimal(row.per_eur) for row in s.exec(select(ExchangeRate)).all()}
    if "USD" not in per_eur:
        return {}
    return {currency: per_eur["USD"] / rate for currency, rate in per_eur.items() if rate}


def sales_counts(s: Session, product_ids: list[int]) -> dict[int, int]:
    if not product_ids:
        return {}
    return dict(
        s.exec(
            select(OrderLine.product_id, func.count())
            .join(Order, col(Order.id) == col(OrderLine.order_id))
            .where(col(OrderLine.product_id).in_(product_ids), col(Order.status).in_(SOLD_STATUSES))
            .group_by(col(OrderLine.product_id))
        ).all()
    )


def category_paths(s: Session) -> dict[int, tuple[str, ...]]:
    """Each category's name after its parents' names, broadest first, by id (a small table)."""
    categories = {saved_id(c): c for c in s.exec(select(Category)).all()}

    def path(category: Category) -> tuple[str, ...]:
        names: list[str] = []
        seen: set[int] = set()
        current: Category | None = category
        while current is not None and saved_id(current) not in seen:
            seen.add(saved_id(current))
            names.append(current.name)
            current = categories.get(current.parent_id) if current.parent_id is not None else None
        return tuple(reversed(names))

    return {category_id: path(category) for category_id, category in categories.items()}


def search_documents(s: Session, product_ids: list[int]) -> dict[int, SearchDocument]:
    """The documents of those of `product_ids` that buyers may see, by id."""
    if not product_ids:
        return {}
    rows = s.exec(
        select(Product, Shop, Category)
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .join(Category, col(Category.id) == col(Product.category_id), isouter=True)
        .where(col(Product.id).in_(product_ids), visible_to_buyers())
    ).all()
    tags: dict[int, list[str]] = defaultdict(list)
    for product_id, tag in s.exec(
        select(ProductTag.product_id, ProductTag.tag)
        .where(col(ProductTag.product_id).in_([product.id for product, _, _ in rows]))
        .order_by(col(ProductTag.product_id), col(ProductTag.position))
    ).all():
        tags[product_id].append(tag)
    sales = sales_counts(s, [saved_id(product) for product, _, _ in rows])
    ratings = rating_stats(s, [saved_id(product) for product, _, _ in rows])
    rates = usd_rates(s)
    paths = category_paths(s)
    translations = translations_of(s, [saved_id(product) for product, _, _ in rows])
    return {
        saved_id(product): build_search_document(
            product,
            shop,
            category,
            tags=tags[saved_id(product)],
            rating=ratings.get(saved_id(product), (0.0, 0))[0],
            review_count=ratings.get(saved_id(product), (0.0, 0))[1],
            sales_count=sales.get(saved_id(product), 0),
            usd_rates=rates,
            category_path=paths.get(saved_id(category), ()) if category is not None else (),
            translations=[(str(row.lang), row.title, row.summary) for row in translations.get(saved_id(product), [])],
        )
        for product, shop, category in rows
    }


def index_dirty_batch(s: Session, index: SearchIndex, *, limit: int = BATCH_SIZE) -> tuple[IndexReport, int]:
    """Index up to `limit` dirty products in `s`'s transaction.

    Returns the report and how many dirty rows the batch took (0: none were left).
    """
    rows = s.exec(
        select(Product.id, Product.updated_at)
        .where(col(Product.search_dirty).is_(True))
        .order_by(col(Product.id))
        .limit(limit)
        # NO KEY UPDATE: order lines being inserted hold KEY SHARE on their product (the
        # foreign key), which plain FOR UPDATE would conflict with, skipping a product
        # for as long as its flash sale has checkouts in flight.
        .with_for_update(skip_locked=True, key_share=True)
    ).all()
    if not rows:
        return IndexReport(), 0
    read_at = {primary_key(product_id): updated_at for product_id, updated_at in rows}
    documents = search_documents(s, list(read_at))
    hidden = [product_id for product_id in read_at if product_id not in documents]
    index.upsert(list(documents.values()))
    index.delete(hidden)
    now = utcnow()
    left_dirty = 0
    for product_id, updated_at in read_at.items():
        cleared = s.exec(
            update(Product)
            .where(col(Product.id) == product_id, col(Product.updated_at) == updated_at)
            .values(search_dirty=False, indexed_at=now)
        ).rowcount
        left_dirty += 1 - cleared
    return IndexReport(len(documents), len(hidden), left_dirty), len(rows)


def reindex_dirty(index: SearchIndex, *, batch_size: int = BATCH_SIZE) -> IndexReport:
    """Index every dirty product, one committed batch at a time."""
    total = IndexReport()
    with _process_lock:
        while True:
            with unit_of_work() as s:
                report, taken = index_dirty_batch(s, index, limit=batch_size)
            total += report
            # A row changed mid-batch stays dirty; its own job picks it up, so do
            # not spin on it here.
            if taken < batch_size or report.left_dirty == taken:
                break
    if total.upserted or total.deleted:
        log.info("search index: %d upserted, %d deleted", total.upserted, total.deleted)
    return total


def catch_up(index: SearchIndex) -> IndexReport:
    """Index what is waiting; when the index is empty but buyers can see products (a new
    engine, or an embedded index dropped because its layout changed), rebuild it whole."""
    if index.document_count() == 0:
        with unit_of_work() as s:
            anything_visible = s.exec(
                select(Product.id).join(Shop, col(Shop.id) == col(Product.shop_id)).where(visible_to_buyers()).limit(1)
            ).first()
        if anything_visible is not None:
            log.info("search index is empty while products are visible: rebuilding it")
            return rebuild(index)
    return reindex_dirty(index)


def rebuild(index: SearchIndex) -> IndexReport:
    """Empty the index and index every product buyers may see (the full rebuild)."""
    with unit_of_work() as s:
        s.exec(update(Product).values(search_dirty=True))
    index.clear()
    return reindex_dirty(index)

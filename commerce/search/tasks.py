"""The search job: index the products flagged dirty, after the change that flagged them commits."""

from __future__ import annotations

from commerce.catalog.changes import mark_products_dirty
from commerce.db import unit_of_work
from commerce.jobs import job
from commerce.search.indexer import reindex_dirty
from commerce.search.port import search_index


# Debounced: the products a burst of sales or edits flags go into the index in one batch
# (one index commit) a second later, not one commit per sale.
@job(max_retries=8, min_backoff_ms=2_000, max_backoff_ms=300_000, queue="search", priority=10, debounce_ms=1_000)
def reindex_dirty_products() -> None:
    """Index every dirty product (all of them, not only the caller's: one job
    catches up whatever earlier failed attempts left behind)."""
    reindex_dirty(search_index())


@job(max_retries=8, min_backoff_ms=1_000, max_backoff_ms=60_000, queue="search", priority=5)
def products_sold(product_ids: list[int]) -> None:
    """Flag products whose sales count moved; the reindex that follows is debounced."""
    with unit_of_work() as s:
        mark_products_dirty(s, product_ids)

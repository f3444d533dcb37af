"""The search job: index the products flagged dirty, after the change that flagged them commits."""

from __future__ import annotations

from commerce.jobs import job
from commerce.search.indexer import reindex_dirty
from commerce.search.port import search_index


@job(max_retries=8, min_backoff_ms=2_000, max_backoff_ms=300_000, queue="search")
def reindex_dirty_products() -> None:
    """Index every dirty product (all of them, not only the caller's: one job
    catches up whatever earlier failed attempts left behind)."""
    reindex_dirty(search_index())

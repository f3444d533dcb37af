"""Background work of the catalogue: dropping product-file uploads abandoned half-way."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from commerce import storage
from commerce.jobs import enqueue_now, job

log = logging.getLogger(__name__)

# An upload still open after a day was abandoned (its ticket has expired too).
ABANDONED_AFTER = timedelta(days=1)
PURGE_INTERVAL_SECONDS = 60 * 60


@job(max_retries=3, min_backoff_ms=60_000)
def purge_abandoned_uploads() -> None:
    """Drop the local store's multipart uploads older than a day, with their parts. S3 buckets
    do the same through their lifecycle rule (`S3BlobStore.ensure_bucket`)."""
    purge = getattr(storage.blob_store(), "purge_stale_uploads", None)
    if purge is None:
        return
    purged = purge(ABANDONED_AFTER)
    if purged:
        log.info("dropped %d abandoned uploads", purged)


async def periodic_upload_purge() -> None:
    """Run for the life of the web app: schedule the purge every hour."""
    while True:
        try:
            await asyncio.to_thread(enqueue_now, purge_abandoned_uploads)
        except Exception:  # the queue is away for a moment: the next round tries again
            log.exception("could not schedule the purge of abandoned uploads")
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)

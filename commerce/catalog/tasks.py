"""Background work of the catalogue: dropping product-file uploads abandoned half-way."""

from __future__ import annotations

import logging
from datetime import timedelta

from commerce import storage
from commerce.jobs import job

log = logging.getLogger(__name__)

# An upload still open after a day was abandoned (its ticket has expired too).
ABANDONED_AFTER = timedelta(days=1)


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

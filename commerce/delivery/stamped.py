"""Each buyer's stamped copy of a PDF the seller marked for stamping.

A copy is made once per buyer and file (a version's file; a file carried over
into a new version is the same blob but a new file row, so it is stamped again
only if the buyer asks for that version). A job writes it to storage under
`stamped/<buyer>/<file>/<random>`; downloads then serve the stored copy. The
footer names the email and order of the buyer's first purchase of the product.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from typing import BinaryIO, cast

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from commerce import storage
from commerce.db import unit_of_work
from commerce.delivery.stamping import stamp_pdf
from commerce.errors import DomainError
from commerce.jobs import enqueue_after_commit, job
from commerce.kit.time import utcnow
from commerce.models import Fulfilment, Order, ProductFile, ProductVersion, StampedCopy, StampStatus, saved_id
from commerce.storage.port import BlobStore

PDF = "application/pdf"
_SPOOL_BYTES = 8 * 1024 * 1024


def ensure_copy(s: Session, fulfilment: Fulfilment, file: ProductFile) -> StampedCopy:
    """The buyer's copy of `file`, asking for it to be made if it does not exist yet."""
    copy = s.exec(
        select(StampedCopy).where(StampedCopy.file_id == file.id, StampedCopy.buyer_id == fulfilment.buyer_id)
    ).first()
    if copy is not None:
        if copy.status == StampStatus.FAILED:
            return copy
        if copy.status == StampStatus.PENDING:
            _schedule(s, saved_id(copy))  # the job may have been lost with its process
        return copy
    copy = StampedCopy(file_id=saved_id(file), buyer_id=fulfilment.buyer_id, fulfilment_id=saved_id(fulfilment))
    try:
        with s.begin_nested():
            s.add(copy)
            s.flush()
    except IntegrityError:  # another request asked at the same moment
        return s.exec(
            select(StampedCopy).where(StampedCopy.file_id == file.id, StampedCopy.buyer_id == fulfilment.buyer_id)
        ).one()
    _schedule(s, saved_id(copy))
    return copy


@job(max_retries=5, min_backoff_ms=5_000, queue="delivery")
def make_stamped_copy(copy_id: int) -> None:
    """Stamp one buyer's copy of a PDF (defined here, beside the requests that schedule it)."""
    with unit_of_work() as s:
        make_copy(s, copy_id)


def _schedule(s: Session, copy_id: int) -> None:
    enqueue_after_commit(s, make_stamped_copy, copy_id=copy_id)


def queue_latest_stamped_copies(s: Session, fulfilment: Fulfilment) -> int:
    """At purchase: start on the buyer's copies of the latest version's stamped PDFs."""
    latest = s.exec(
        select(ProductVersion.id)
        .where(ProductVersion.product_id == fulfilment.product_id, col(ProductVersion.released_at).is_not(None))
        .order_by(col(ProductVersion.number).desc())
        .limit(1)
    ).first()
    if latest is None:
        return 0
    files = s.exec(
        select(ProductFile).where(ProductFile.version_id == latest, col(ProductFile.stamp_pdf).is_(True))
    ).all()
    for file in files:
        ensure_copy(s, fulfilment, file)
    return len(files)


def make_copy(s: Session, copy_id: int, store: BlobStore | None = None) -> bool:
    """Stamp and store one copy (the job's work). True if this call made it.

    A PDF that cannot be stamped (damaged, encrypted) marks the copy failed with
    the reason, which the buyer and seller see; other errors propagate so the job
    is retried.
    """
    copy = s.get(StampedCopy, copy_id, with_for_update=True)
    if copy is None or copy.status == StampStatus.READY:
        return False
    file = s.get_one(ProductFile, copy.file_id)
    fulfilment = s.get_one(Fulfilment, copy.fulfilment_id)
    order = s.get_one(Order, fulfilment.order_id)
    store = store or storage.blob_store()
    key = f"stamped/{copy.buyer_id}/{file.id}/{uuid.uuid4().hex}"
    with tempfile.SpooledTemporaryFile(_SPOOL_BYTES) as source, tempfile.TemporaryFile() as stamped:
        with store.open(file.blob_key) as original:
            shutil.copyfileobj(original, source)
        source.seek(0)
        try:
            stamp_pdf(
                cast(BinaryIO, source),  # a spooled temporary file reads and seeks like any binary file
                stamped,
                buyer_email=order.email,
                order_reference=order.reference,
                stamped_at=utcnow(),
            )
        except DomainError as error:
            copy.status, copy.error = StampStatus.FAILED, error.message[:500]
            s.add(copy)
            s.flush()
            return False
        stamped.seek(0)
        blob = store.put(key, stamped, content_type=PDF)
    copy.status, copy.blob_key, copy.size_bytes, copy.ready_at, copy.error = (
        StampStatus.READY,
        blob.key,
        blob.size,
        utcnow(),
        None,
    )
    s.add(copy)
    s.flush()
    return True

"""Each buyer's personal copy of a file, as the product's protection says (the seller's
one choice): every PDF with a visible stamp, every fingerprintable file with an
invisible mark of the purchase (`commerce.fingerprints`), or both.

A copy is made once per buyer and file (a version's file; a file carried over
into a new version is the same blob but a new file row, so it is made again
only if the buyer asks for that version). A job writes it to storage under
`stamped/<buyer>/<file>/<random>`; downloads then serve the stored copy. The
stamp names the email and order of the buyer's first purchase of the product; the
fingerprint names that purchase's order line, with a MAC only this app can make.
A copy made before the seller changed what copies carry is made again on request.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from commerce import storage
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.delivery.online_only import is_online_only
from commerce.delivery.stamping import stamp_pdf
from commerce.errors import DomainError
from commerce.fingerprints import formats, payload
from commerce.jobs import enqueue_after_commit, job
from commerce.kit.time import utcnow
from commerce.models import (
    DeliveryPolicy,
    Fulfilment,
    Order,
    ProductFile,
    ProductVersion,
    Protection,
    StampedCopy,
    StampStatus,
    saved_id,
)
from commerce.storage.port import BlobStore

PDF = "application/pdf"
_NOT_MARKABLE = "This file could not be read as a {kind}, so no personal copy could be made."


@dataclass(frozen=True)
class CopyPlan:
    """What a buyer's copy of a file carries; neither means the original is served."""

    stamp: bool
    mark: bool

    @property
    def personal(self) -> bool:
        return self.stamp or self.mark


def protection_of(s: Session, product_id: int) -> Protection:
    return _protection_in(s.get(DeliveryPolicy, product_id))


def _protection_in(policy: DeliveryPolicy | None) -> Protection:
    return policy.protection if policy else Protection.NONE


def plan_for(s: Session, file: ProductFile, *, protection: Protection | None = None) -> CopyPlan:
    if protection is None:
        protection = protection_of(s, file.product_id)
    markable = formats.kind_of(file.filename, file.content_type) is not None
    return CopyPlan(stamp=protection.stamps and file.content_type == PDF, mark=protection.marks and markable)


def _find(s: Session, file: ProductFile, buyer_id: int) -> StampedCopy | None:
    return s.exec(select(StampedCopy).where(StampedCopy.file_id == file.id, StampedCopy.buyer_id == buyer_id)).first()


def ensure_copy(s: Session, fulfilment: Fulfilment, file: ProductFile, plan: CopyPlan | None = None) -> StampedCopy:
    """The buyer's copy of `file`, asking for it to be made if it does not exist yet
    (or was made for other settings)."""
    plan = plan or plan_for(s, file)
    copy = _find(s, file, fulfilment.buyer_id)
    if copy is not None:
        if (copy.stamped, copy.marked) != (plan.stamp, plan.mark):
            copy.stamped, copy.marked, copy.status, copy.error = plan.stamp, plan.mark, StampStatus.PENDING, None
            s.add(copy)
            s.flush()
            _schedule(s, saved_id(copy))
        elif copy.status == StampStatus.PENDING:
            _schedule(s, saved_id(copy))  # the job may have been lost with its process
        return copy
    copy = StampedCopy(
        file_id=saved_id(file),
        buyer_id=fulfilment.buyer_id,
        fulfilment_id=saved_id(fulfilment),
        stamped=plan.stamp,
        marked=plan.mark,
    )
    try:
        with s.begin_nested():
            s.add(copy)
            s.flush()
    except IntegrityError:  # another request asked at the same moment
        found = _find(s, file, fulfilment.buyer_id)
        assert found is not None
        return found
    _schedule(s, saved_id(copy))
    return copy


def ready_copy(s: Session, file: ProductFile, buyer_id: int, plan: CopyPlan) -> StampedCopy | None:
    """The buyer's finished copy made for these settings, if there is one."""
    copy = _find(s, file, buyer_id)
    if copy is None or copy.status != StampStatus.READY or copy.blob_key is None:
        return None
    return copy if (copy.stamped, copy.marked) == (plan.stamp, plan.mark) else None


@job(max_retries=5, min_backoff_ms=5_000, queue="delivery")
def make_stamped_copy(copy_id: int) -> None:
    """Make one buyer's copy (defined here, beside the requests that schedule it)."""
    with unit_of_work() as s:
        make_copy(s, copy_id)


def _schedule(s: Session, copy_id: int) -> None:
    enqueue_after_commit(s, make_stamped_copy, copy_id=copy_id)


def queue_latest_stamped_copies(s: Session, fulfilment: Fulfilment) -> int:
    """At purchase: start on the buyer's copies of the latest version's personal files.

    Two reads for every purchase of a product with files: the latest released version's
    files, then the product's delivery policy, once for both its settings (the session
    does not remember a lookup that found no row, so asking twice would read twice)."""
    latest = (
        select(ProductVersion.id)
        .where(ProductVersion.product_id == fulfilment.product_id, col(ProductVersion.released_at).is_not(None))
        .order_by(col(ProductVersion.number).desc())
        .limit(1)
        .scalar_subquery()
    )
    files = s.exec(select(ProductFile).where(ProductFile.version_id == latest)).all()
    if not files:
        return 0
    policy = s.get(DeliveryPolicy, fulfilment.product_id)
    protection = _protection_in(policy)
    product_wide = bool(policy and policy.online_only)
    queued = 0
    for file in files:
        if is_online_only(s, file, product_wide=product_wide):
            continue  # read in the browser from the original, never delivered as a copy
        plan = plan_for(s, file, protection=protection)
        if plan.personal:
            ensure_copy(s, fulfilment, file, plan)
            queued += 1
    return queued


def fingerprint_key() -> bytes:
    return payload.mark_key(get_settings().secret_key)


def _build(source: Path, work: Path, file: ProductFile, copy: StampedCopy, order: Order, line_id: int) -> Path:
    """Apply the stamp and then the mark; returns the finished file."""
    current = source
    if copy.stamped:
        stamped = work / "stamped"
        with current.open("rb") as reader, stamped.open("wb") as writer:
            stamp_pdf(
                reader,
                writer,
                buyer_email=order.email,
                order_reference=order.reference,
                stamped_at=utcnow(),
            )
        current = stamped
    if copy.marked:
        kind = formats.kind_of(file.filename, file.content_type)
        assert kind is not None
        key = fingerprint_key()
        marked = work / "marked"
        try:
            formats.mark_file(kind, current, marked, payload.make(key, line_id), key)
        except formats.UNREADABLE:
            raise DomainError(_NOT_MARKABLE.format(kind=formats.LABELS[kind])) from None
        current = marked
    return current


def make_copy(s: Session, copy_id: int, store: BlobStore | None = None) -> bool:
    """Make and store one copy (the job's work). True if this call made it.

    A file that cannot be stamped or marked (damaged, encrypted) marks the copy
    failed with the reason, which the buyer and seller see; other errors propagate
    so the job is retried.
    """
    copy = s.get(StampedCopy, copy_id, with_for_update=True)
    if copy is None or copy.status == StampStatus.READY:
        return False
    file = s.get_one(ProductFile, copy.file_id)
    fulfilment = s.get_one(Fulfilment, copy.fulfilment_id)
    order = s.get_one(Order, fulfilment.order_id)
    store = store or storage.blob_store()
    key = f"stamped/{copy.buyer_id}/{file.id}/{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="copy-") as folder:
        work = Path(folder)
        source = work / "original"
        with store.open(file.blob_key) as original, source.open("wb") as writer:
            shutil.copyfileobj(original, writer, 1024 * 1024)
        try:
            finished = _build(source, work, file, copy, order, fulfilment.order_line_id)
        except DomainError as error:
            copy.status, copy.error = StampStatus.FAILED, error.message[:500]
            s.add(copy)
            s.flush()
            return False
        with finished.open("rb") as reader:
            blob = store.put(key, reader, content_type=file.content_type)
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

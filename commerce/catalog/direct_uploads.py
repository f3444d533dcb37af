"""Product files uploaded by the browser in parts, straight into the BlobStore.

A seller's browser (Uppy's AWS S3 uploader, `components/uploader.py`) opens an upload
for one file, sends its 8 MiB parts to the URLs it is given (the bucket's presigned URLs
with S3, the app's part route with the local store) and completes it; the app never
holds a file. See `commerce.storage.multipart` for the protocol and what completing
checks.

The upload is described by a ticket: the product, the seller, the blob key, the file's
name and size, signed with the app's secret and handed to the browser as Uppy's `key`,
so it comes back with every later request and nothing is recorded in the database
until the file has landed whole. Every step checks the ticket was issued to this actor
for this upload; opening and completing also check the actor's shop owns the product
(completing again, in case the product changed hands or filled up meanwhile).

Nothing half-made is left behind on bad input: opening refuses before anything is
stored; completing a file the checks refuse drops its bytes; a file whose row cannot be
written (the product filled up meanwhile) is deleted again. Uploads abandoned half-way
are aborted by the browser's cancel, and otherwise by the bucket's lifecycle rule (S3)
or `LocalBlobStore.purge_stale_uploads`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, select

from commerce import storage
from commerce.actor import Actor, require_signed_in
from commerce.catalog.access import owned_product
from commerce.catalog.files import add_stored_file, check_room_for_file
from commerce.catalog.uploads import SNIFF_BYTES, clean_filename, sniff_content_type
from commerce.catalog.views import ProductEditView, format_size, product_edit_view
from commerce.config import get_settings
from commerce.errors import NotFound, PermissionDenied, ValidationError
from commerce.models import ProductFile, saved_id
from commerce.storage.multipart import (
    PART_SIZE,
    MultipartStore,
    UploadedPart,
    expected_part_size,
    part_count,
    validate_upload_id,
)
from commerce.storage.port import BlobStore

# A ticket outlives the slowest sensible upload of the largest file.
TICKET_LIFETIME_SECONDS = 24 * 60 * 60
_PURPOSE = b"catalog-direct-upload-v1"


@dataclass(frozen=True)
class FileUploadTicket:
    upload_id: str
    key: str  # the signed ticket; Uppy sends it back as the upload's key
    part_size: int


@dataclass(frozen=True)
class _Ticket:
    product_id: int
    user_id: int
    blob_key: str
    filename: str
    size: int
    part_size: int
    upload_id: str
    expires: int


def _multipart_store(store: BlobStore | None) -> MultipartStore:
    chosen = store or storage.blob_store()
    if not isinstance(chosen, MultipartStore):
        raise ValidationError("This file storage cannot take uploads in parts.", "file")
    return chosen


def _secret() -> bytes:
    return hmac.new(get_settings().secret_key.encode(), _PURPOSE, hashlib.sha256).digest()


def _seal(ticket: _Ticket) -> str:
    body = base64.urlsafe_b64encode(
        json.dumps(
            [
                ticket.product_id,
                ticket.user_id,
                ticket.blob_key,
                ticket.filename,
                ticket.size,
                ticket.part_size,
                ticket.upload_id,
                ticket.expires,
            ],
            separators=(",", ":"),
        ).encode()
    ).decode()
    return body + "." + hmac.new(_secret(), body.encode(), hashlib.sha256).hexdigest()


def _open_ticket(actor: Actor, key: object, upload_id: object) -> _Ticket:
    """The ticket `key` if it was issued to `actor` for `upload_id` and is still valid."""
    refused = PermissionDenied("This upload is not yours, or it has expired: start it again.")
    user_id = require_signed_in(actor)
    if not isinstance(key, str) or key.count(".") != 1 or len(key) > 4096:
        raise refused
    body, signature = key.split(".")
    if not hmac.compare_digest(hmac.new(_secret(), body.encode(), hashlib.sha256).hexdigest(), signature):
        raise refused
    try:
        ticket = _Ticket(*json.loads(base64.urlsafe_b64decode(body.encode())))
    except (ValueError, TypeError):
        raise refused from None
    if ticket.user_id != user_id or ticket.upload_id != validate_upload_id(upload_id) or ticket.expires < time.time():
        raise refused
    return ticket


def start_file_upload(
    s: Session, actor: Actor, product_id: int, *, filename: str, size: object, store: BlobStore | None = None
) -> FileUploadTicket:
    """Open an upload of one file of `size` bytes for the product's latest version."""
    product, _shop = owned_product(s, actor, product_id, for_update=False)
    name = clean_filename(filename)
    if isinstance(size, str) and size.isdigit():
        size = int(size)
    if not isinstance(size, int) or isinstance(size, bool):
        raise ValidationError(f"'{name}': the file's size is missing.", "file")
    if size < 1:
        raise ValidationError(f"'{name}' is empty: there is nothing to sell in it.", "file")
    limit = get_settings().max_upload_bytes
    if size > limit:
        raise ValidationError(f"'{name}' is larger than the upload limit of {format_size(limit)}.", "file")
    check_room_for_file(s, saved_id(product))
    multipart = _multipart_store(store)
    blob_key = f"products/{saved_id(product)}/files/{uuid.uuid4().hex}"
    upload_id = multipart.start_multipart(blob_key, size=size, part_size=PART_SIZE)
    ticket = _Ticket(
        product_id=saved_id(product),
        user_id=require_signed_in(actor),
        blob_key=blob_key,
        filename=name,
        size=size,
        part_size=PART_SIZE,
        upload_id=upload_id,
        expires=int(time.time()) + TICKET_LIFETIME_SECONDS,
    )
    return FileUploadTicket(upload_id=upload_id, key=_seal(ticket), part_size=PART_SIZE)


def file_upload_part_url(
    actor: Actor, key: str, upload_id: str, part_number: object, *, store: BlobStore | None = None
) -> str:
    """Where the browser sends part `part_number` of the upload."""
    ticket = _open_ticket(actor, key, upload_id)
    if isinstance(part_number, str) and part_number.isdigit():
        part_number = int(part_number)
    if not isinstance(part_number, int) or not 1 <= part_number <= part_count(ticket.size, ticket.part_size):
        raise ValidationError(f"This file has no part {part_number}.", "file")
    return _multipart_store(store).part_upload_url(ticket.blob_key, upload_id, part_number)


def file_upload_parts(
    s: Session, actor: Actor, key: str, upload_id: str, *, store: BlobStore | None = None
) -> list[UploadedPart]:
    """The parts that have landed (a browser resuming after a dropped connection sends the rest).

    An upload already completed (its answer was lost on the way back, say a proxy's timeout
    while a big file was being checked) lists every part, so the browser's retry completes
    it again, which answers as the first completion did."""
    ticket = _open_ticket(actor, key, upload_id)
    try:
        return _multipart_store(store).list_parts(ticket.blob_key, upload_id)
    except NotFound:
        if _listed_file(s, ticket) is None:
            raise
    count = part_count(ticket.size, ticket.part_size)
    return [
        UploadedPart(number=number, size=expected_part_size(number, ticket.size, ticket.part_size), etag="")
        for number in range(1, count + 1)
    ]


def _listed_file(s: Session, ticket: _Ticket) -> ProductFile | None:
    """The file an earlier completion of this upload listed, if any."""
    return s.exec(
        select(ProductFile).where(ProductFile.product_id == ticket.product_id, ProductFile.blob_key == ticket.blob_key)
    ).first()


def complete_file_upload(
    s: Session,
    actor: Actor,
    key: str,
    upload_id: str,
    *,
    client_etags: Mapping[int, str] | None = None,
    store: BlobStore | None = None,
) -> ProductEditView:
    """Join the parts into the product's file, check it and list it in the latest version."""
    ticket = _open_ticket(actor, key, upload_id)
    # Checked before the (possibly long) joining, without holding the product's row.
    owned_product(s, actor, ticket.product_id, for_update=False)
    multipart = _multipart_store(store)
    name = ticket.filename

    def content_type_for(head: bytes) -> str:
        return sniff_content_type(head, name, complete=len(head) < SNIFF_BYTES)

    try:
        blob = multipart.complete_multipart(
            ticket.blob_key,
            upload_id,
            size=ticket.size,
            part_size=ticket.part_size,
            content_type_for=content_type_for,
            client_etags=client_etags,
        )
    except NotFound:
        if _listed_file(s, ticket) is None:
            raise
        # Completed before: the same answer again.
        product, shop = owned_product(s, actor, ticket.product_id, for_update=False)
        return product_edit_view(s, product, shop)
    try:
        product, shop = owned_product(s, actor, ticket.product_id)
        version = check_room_for_file(s, ticket.product_id)
        add_stored_file(s, product, version, name, blob)
        s.flush()
    except BaseException:
        (store or storage.blob_store()).delete(blob.key)
        raise
    return product_edit_view(s, product, shop)


def abort_file_upload(actor: Actor, key: str, upload_id: str, *, store: BlobStore | None = None) -> None:
    """Drop an upload the seller cancelled, with every part sent so far."""
    ticket = _open_ticket(actor, key, upload_id)
    _multipart_store(store).abort_multipart(ticket.blob_key, upload_id)

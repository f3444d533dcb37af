"""A product's downloadable files and their versions.

Files are private: stored through the BlobStore under `products/<id>/files/<uuid>`
and only ever handed out through signed, expiring links (the delivery issue).
Uploads go to the latest version. A seller ships an update in two steps: they start
a new version with release notes (a draft: buyers neither see it nor hear about it),
upload its files, then release it, which is when buyers get the badge and the email
(commerce.delivery.updates). Buyers keep every released version, so once a product
has been published its released versions and files are never deleted.

A blob is written before its row; if the transaction then rolls back, the blob is
left unreferenced (wasted space, never served).
"""

from __future__ import annotations

import uuid
from typing import BinaryIO, cast

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce import events, storage
from commerce.actor import Actor
from commerce.catalog import video_hls
from commerce.catalog.access import owned_product
from commerce.catalog.changes import touch
from commerce.catalog.uploads import (
    SNIFF_BYTES,
    LimitedReader,
    clean_filename,
    read_head,
    sniff_content_type,
)
from commerce.catalog.viewable import view_kind
from commerce.catalog.views import ProductEditView, product_edit_view
from commerce.config import get_settings
from commerce.db import after_commit
from commerce.errors import Conflict, NotFound, PermissionDenied, ValidationError
from commerce.i18n import bo_gettext, format_number
from commerce.kit.time import utcnow
from commerce.models import Product, ProductFile, ProductVersion, Shop, saved_id
from commerce.storage.port import BlobStore, StoredBlob

MAX_FILES_PER_VERSION = 50
MAX_VERSION_LABEL_LENGTH = 40
MAX_RELEASE_NOTES_LENGTH = 10_000


def _latest_version(s: Session, product_id: int) -> ProductVersion | None:
    return s.exec(
        select(ProductVersion)
        .where(ProductVersion.product_id == product_id)
        .order_by(col(ProductVersion.number).desc())
        .limit(1)
    ).first()


def _file_count(s: Session, version_id: int) -> int:
    return s.exec(select(func.count()).select_from(ProductFile).where(ProductFile.version_id == version_id)).one()


def upload_file(
    s: Session,
    actor: Actor,
    product_id: int,
    stream: BinaryIO,
    *,
    filename: str,
    store: BlobStore | None = None,
) -> ProductEditView:
    """Store one file in the product's latest version (version 1 is made on the first upload).

    The stream is read once, in chunks, never whole into memory. Empty files and
    files over `max_upload_bytes` are refused and leave nothing behind.
    """
    product, shop = owned_product(s, actor, product_id)
    name = clean_filename(filename)
    limit = get_settings().max_upload_bytes
    version = check_room_for_file(s, saved_id(product))

    head = read_head(stream)
    if not head:
        raise ValidationError(bo_gettext("'{name}' is empty: there is nothing to sell in it.", name=name), "file")
    if len(head) > limit:
        raise ValidationError(bo_gettext("'{name}' is larger than the upload limit.", name=name), "file")
    content_type = sniff_content_type(head, name, complete=len(head) < SNIFF_BYTES)

    store = store or storage.blob_store()
    key = f"products/{product.id}/files/{uuid.uuid4().hex}"
    # Stores only read() what they are given; the reader refuses to seek on purpose (see LimitedReader).
    blob = store.put(key, cast(BinaryIO, LimitedReader(head, stream, limit)), content_type=content_type)

    add_stored_file(s, product, version, name, blob)
    return product_edit_view(s, product, shop)


def check_room_for_file(s: Session, product_id: int) -> ProductVersion | None:
    """The version a new file goes to (None: version 1 is made with the file); refuses a full one."""
    version = _latest_version(s, product_id)
    if version is not None and _file_count(s, saved_id(version)) >= MAX_FILES_PER_VERSION:
        raise ValidationError(
            bo_gettext("A version can hold at most {count} files.", count=MAX_FILES_PER_VERSION), "file"
        )
    return version


def add_stored_file(s: Session, product: Product, version: ProductVersion | None, name: str, blob: StoredBlob) -> None:
    """The row for a blob just stored in the product's latest `version`."""
    if version is None:
        # The first version is what the product sells: publishing, not a release, shows it.
        version = ProductVersion(product_id=saved_id(product), number=1, label="1", released_at=utcnow())
        s.add(version)
        s.flush()
    file = ProductFile(
        product_id=saved_id(product),
        version_id=saved_id(version),
        filename=name,
        blob_key=blob.key,
        size_bytes=blob.size,
        sha256=blob.sha256,
        content_type=blob.content_type,
        position=_file_count(s, saved_id(version)),
    )
    s.add(file)
    s.flush()
    video_hls.ensure_rendition(s, file)  # a video of an online-only product is cut into HLS now
    touch(product, searchable=False)


def create_version(
    s: Session,
    actor: Actor,
    product_id: int,
    *,
    label: str,
    release_notes: str = "",
    carry_over_files: bool = True,
) -> ProductEditView:
    """Start a new version (an update) with release notes, as a draft: buyers see it and
    are told about it only once the seller releases it (`release_version`).

    With `carry_over_files`, the new version starts with the previous version's
    files (the same stored blobs, nothing copied), so a seller replacing one file
    of five uploads one. Earlier versions stay untouched.
    """
    product, shop = owned_product(s, actor, product_id)
    cleaned_label = " ".join((label or "").split())
    if not cleaned_label:
        raise ValidationError(bo_gettext("Name the version, for example 1.1 or 2024 edition."), "label")
    if len(cleaned_label) > MAX_VERSION_LABEL_LENGTH:
        raise ValidationError(
            bo_gettext("A version name can be at most {count} characters.", count=MAX_VERSION_LABEL_LENGTH), "label"
        )
    notes = (release_notes or "").replace("\r\n", "\n").strip()
    if len(notes) > MAX_RELEASE_NOTES_LENGTH:
        raise ValidationError(
            bo_gettext(
                "Release notes can be at most {count} characters.", count=format_number(MAX_RELEASE_NOTES_LENGTH)
            ),
            "release_notes",
        )
    previous = _latest_version(s, saved_id(product))
    if previous is not None and previous.released_at is None:
        raise ValidationError(
            bo_gettext(
                "Version {version} is not released yet: upload its files and release it before starting another.",
                version=previous.label,
            ),
            "label",
        )
    if previous is None or _file_count(s, saved_id(previous)) == 0:
        raise ValidationError(bo_gettext("Upload files to the current version before starting a new one."), "label")
    version = ProductVersion(
        product_id=saved_id(product), number=previous.number + 1, label=cleaned_label, release_notes=notes
    )
    s.add(version)
    s.flush()
    if carry_over_files:
        for row in s.exec(
            select(ProductFile)
            .where(ProductFile.version_id == previous.id)
            .order_by(col(ProductFile.position), col(ProductFile.id))
        ).all():
            s.add(
                ProductFile(
                    product_id=saved_id(product),
                    version_id=saved_id(version),
                    filename=row.filename,
                    blob_key=row.blob_key,
                    size_bytes=row.size_bytes,
                    sha256=row.sha256,
                    content_type=row.content_type,
                    online_only=row.online_only,
                    position=row.position,
                )
            )
    touch(product, searchable=False)
    return product_edit_view(s, product, shop)


def release_version(s: Session, actor: Actor, product_id: int) -> ProductEditView:
    """Release the product's draft version: buyers see it in their library from now on
    and are told about it (badge and email, after the commit)."""
    product, shop = owned_product(s, actor, product_id)
    draft = _latest_version(s, saved_id(product))
    if draft is None or draft.released_at is not None:
        raise Conflict(bo_gettext("There is no draft version to release: start a new version first."))
    if _file_count(s, saved_id(draft)) == 0:
        raise ValidationError(
            bo_gettext("Upload at least one file to version {version} before releasing it.", version=draft.label),
            "file",
        )
    draft.released_at = utcnow()
    s.add(draft)
    touch(product, searchable=False)
    s.flush()
    events.publish(
        s, events.VersionReleased(version_id=saved_id(draft), product_id=saved_id(product), number=draft.number)
    )
    return product_edit_view(s, product, shop)


def _owned_file(s: Session, actor: Actor, file_id: int) -> tuple[ProductFile, Product, Shop]:
    row = s.get(ProductFile, file_id)
    if row is None:
        raise NotFound("This file does not exist.")
    product, shop = owned_product(s, actor, row.product_id)
    return row, product, shop


def remove_file(s: Session, actor: Actor, file_id: int, *, store: BlobStore | None = None) -> ProductEditView:
    """Remove a file uploaded by mistake, while no buyer can have it: the product has
    never been published, or the file is in a draft version.

    Buyers may own any released version of a published product, so its files stay;
    the seller releases a new version without the file instead.
    """
    row, product, shop = _owned_file(s, actor, file_id)
    version = s.get_one(ProductVersion, row.version_id)
    if product.published_at is not None and version.released_at is not None:
        raise PermissionDenied(
            "Files of a published product stay available to its buyers. Start a new version without this file instead."
        )
    key = row.blob_key
    s.delete(row)
    s.flush()
    still_used = s.exec(select(ProductFile.id).where(ProductFile.blob_key == key).limit(1)).first()
    if still_used is None:
        blobs = store or storage.blob_store()
        # Only once the row is gone for good; a rollback keeps both.
        after_commit(s, lambda: blobs.delete(key))
    touch(product, searchable=False)
    return product_edit_view(s, product, shop)


def prepare_streaming_again(s: Session, actor: Actor, file_id: int) -> ProductEditView:
    """Another attempt at preparing an online-only video for streaming, after a failure."""
    row, product, shop = _owned_file(s, actor, file_id)
    video_hls.ask_again(s, row)
    return product_edit_view(s, product, shop)


def set_file_online_only(s: Session, actor: Actor, file_id: int, enabled: bool) -> ProductEditView:
    """Whether buyers may only read (PDF) or play (audio, video) this file in the browser."""
    row, product, shop = _owned_file(s, actor, file_id)
    if enabled and view_kind(row.content_type) is None:
        raise ValidationError(
            bo_gettext(
                "Only PDFs, audio and video can be viewed online, and '{file}' is none of them.", file=row.filename
            ),
            "online_only",
        )
    row.online_only = bool(enabled)
    s.add(row)
    s.flush()
    video_hls.ensure_rendition(s, row)  # an online-only video plays through HLS once cut
    touch(product, searchable=False)
    return product_edit_view(s, product, shop)

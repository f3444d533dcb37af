"""The buyer's library: everything they bought or claimed, for as long as access stands.

One entry per product, however many times it was bought, newest purchase
first. An entry is "updated" when the product has a version newer than the
buyer's last look at it (or, never opened, newer than the purchase).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_signed_in
from commerce.catalog.viewable import ViewKind
from commerce.catalog.views import VersionView, delivers_files, delivers_keys, product_versions
from commerce.db import dialect_insert
from commerce.delivery.downloads import allowance
from commerce.delivery.online_only import product_online_only
from commerce.delivery.stamped import protection_of
from commerce.errors import NotFound
from commerce.i18n import gettext
from commerce.kit.pagination import Page, make_page, page_bounds, page_within
from commerce.kit.time import day_label, utcnow
from commerce.licensing.service import OwnedKeyView, owned_keys
from commerce.links import library_product_url, media_url, order_url, product_url, reader_url
from commerce.models import (
    Fulfilment,
    FulfilmentDelivery,
    FulfilmentStatus,
    LibrarySeen,
    LibraryState,
    Order,
    Product,
    ProductVersion,
    Shop,
    StampedCopy,
)
from commerce.notifications.library_changes import library_version

MAX_SEARCH_LENGTH = 100
LIBRARY_PER_PAGE = 20


@dataclass(frozen=True)
class LibraryItem:
    product_id: int
    title: str
    shop_name: str
    product_url: str
    library_url: str
    cover_url: str | None
    acquired_at: datetime
    acquired_label: str
    order_reference: str
    receipt_url: str
    delivers_files: bool
    delivers_keys: bool
    latest_version_label: str
    updated: bool
    # Paid, but the delivery job has not finished yet (a key on its way).
    delivering: bool


@dataclass(frozen=True)
class LibraryView:
    page: Page  # of LibraryItem: the entries matching the search, this page's share
    search: str
    total: int  # everything in the library, whatever the search
    version: int  # the change counter the page polls

    @property
    def items(self) -> list[LibraryItem]:
        return self.page.items


def _entries(s: Session, user_id: int, product_id: int | None = None):
    """(product, shop, last acquired, first fulfilment id, undelivered count) per owned product."""
    query = (
        select(
            Fulfilment.product_id,
            func.max(Fulfilment.created_at),
            func.min(Fulfilment.id),
            func.count(col(Fulfilment.id)) - func.count(col(FulfilmentDelivery.fulfilment_id)),
        )
        .join(FulfilmentDelivery, col(FulfilmentDelivery.fulfilment_id) == col(Fulfilment.id), isouter=True)
        .where(Fulfilment.buyer_id == user_id, Fulfilment.status == FulfilmentStatus.GRANTED)
        .group_by(col(Fulfilment.product_id))
    )
    if product_id is not None:
        query = query.where(Fulfilment.product_id == product_id)
    return s.exec(query).all()


def _latest_versions(s: Session, product_ids: list[int]) -> dict[int, ProductVersion]:
    if not product_ids:
        return {}
    newest = (
        select(ProductVersion.product_id, func.max(ProductVersion.number).label("number"))
        .where(col(ProductVersion.product_id).in_(product_ids), col(ProductVersion.released_at).is_not(None))
        .group_by(col(ProductVersion.product_id))
        .subquery()
    )
    rows = s.exec(
        select(ProductVersion).join(
            newest, (newest.c.product_id == ProductVersion.product_id) & (newest.c.number == ProductVersion.number)
        )
    ).all()
    return {row.product_id: row for row in rows}


def _matching(s: Session, user_id: int, search: str = "", product_id: int | None = None):
    """The owned entries (product id -> (last acquired, first fulfilment id, undelivered count)),
    and the (product, shop) pairs among them matching `search`, newest acquisition first."""
    entries = {
        pid: (acquired, first_id, undelivered)
        for pid, acquired, first_id, undelivered in _entries(s, user_id, product_id)
    }
    if not entries:
        return entries, []
    query = (
        select(Product, Shop).join(Shop, col(Shop.id) == col(Product.shop_id)).where(col(Product.id).in_(list(entries)))
    )
    needle = search.strip().lower()
    if needle:
        query = query.where(or_(func.lower(Product.title).contains(needle), func.lower(Shop.name).contains(needle)))
    products = sorted(s.exec(query).all(), key=lambda row: (entries[row[0].id][0], row[0].id), reverse=True)
    return entries, products


def _items(s: Session, user_id: int, entries: dict, products: list) -> list[LibraryItem]:
    """Library rows for `products` (from `_matching`), in their order."""
    ids = [product.id for product, _ in products]
    latest = _latest_versions(s, ids)
    seen = (
        dict(
            s.exec(
                select(LibrarySeen.product_id, LibrarySeen.seen_at).where(
                    LibrarySeen.user_id == user_id, col(LibrarySeen.product_id).in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    first_ids = [entries[pid][1] for pid in ids]
    references = (
        dict(
            s.exec(
                select(Fulfilment.id, Order.reference)
                .join(Order, col(Order.id) == col(Fulfilment.order_id))
                .where(col(Fulfilment.id).in_(first_ids))
            ).all()
        )
        if ids
        else {}
    )
    items = []
    for product, shop in products:
        acquired, first_id, undelivered = entries[product.id]
        version = latest.get(product.id)
        baseline = max(filter(None, (seen.get(product.id), acquired)))
        items.append(
            LibraryItem(
                product_id=product.id,
                title=product.title,
                shop_name=shop.name,
                product_url=product_url(shop.slug, product.slug),
                library_url=library_product_url(product.id),
                cover_url=media_url(product.cover_key),
                acquired_at=acquired,
                acquired_label=day_label(acquired),
                order_reference=references.get(first_id, ""),
                receipt_url=order_url(references.get(first_id, "")),
                delivers_files=delivers_files(product.delivery_kind),
                delivers_keys=delivers_keys(product.delivery_kind),
                latest_version_label=version.label if version else "",
                updated=version is not None and version.number > 1 and version.released_at > baseline,
                delivering=undelivered > 0,
            )
        )
    return items


def library(
    s: Session, actor: Actor, *, search: str = "", page: int = 1, per_page: int = LIBRARY_PER_PAGE
) -> LibraryView:
    """The acting buyer's library, newest first, a page of the entries matching `search` at a time."""
    user_id = require_signed_in(actor)
    text = " ".join((search or "").split())[:MAX_SEARCH_LENGTH]
    entries, matching = _matching(s, user_id, text)
    page, per_page = page_bounds(page, per_page)
    page = page_within(page, per_page, len(matching))
    # Only the shown page gets its versions, looks and receipts read.
    items = _items(s, user_id, entries, matching[(page - 1) * per_page : page * per_page])
    return LibraryView(
        page=make_page(items, page, per_page, len(matching)),
        search=text,
        total=len(entries),
        version=library_version(s, user_id),
    )


def current_library_version(s: Session, actor: Actor) -> int:
    return library_version(s, require_signed_in(actor))


@dataclass(frozen=True)
class LibraryFileView:
    id: int
    filename: str
    size_label: str
    stamped: bool
    # For personal copies (stamped or fingerprinted): a StampStatus, or "" before the buyer first asked.
    copy_status: str
    # Viewed in the browser only: the library links to the reader ("Read online" / "Play"), no download.
    online_only: bool
    view_kind: str  # "pdf", "audio", "video" or ""
    reader_url: str  # "" unless online only


@dataclass(frozen=True)
class LibraryVersionView:
    id: int
    number: int
    label: str
    release_notes: str
    created_at: datetime
    created_label: str
    is_latest: bool
    is_new: bool
    files: list[LibraryFileView]


@dataclass(frozen=True)
class LibraryProductView:
    item: LibraryItem
    versions: list[LibraryVersionView]
    license_keys: list[OwnedKeyView]
    downloads_label: str
    download_limit_reached: bool
    download_limit_message: str
    order_references: list[str]
    version: int


def _version_view(
    version: VersionView,
    latest_number: int,
    baseline: datetime,
    copies: dict[int, str],
    *,
    product_wide: bool,
    stamps: bool,
) -> LibraryVersionView:
    return LibraryVersionView(
        id=version.id,
        number=version.number,
        label=version.label,
        release_notes=version.release_notes,
        created_at=version.created_at,
        created_label=day_label(version.created_at),
        is_latest=version.number == latest_number,
        # The library lists released versions only (released_at is set).
        is_new=version.number > 1 and version.released_at is not None and version.released_at > baseline,
        files=[
            LibraryFileView(
                id=f.id,
                filename=f.filename,
                size_label=f.size_label,
                stamped=stamps and f.view_kind == ViewKind.PDF and not online,
                copy_status=copies.get(f.id, ""),
                online_only=online,
                view_kind=f.view_kind,
                reader_url=reader_url(f.id) if online else "",
            )
            for f in version.files
            for online in [bool(f.view_kind) and (f.online_only or product_wide)]
        ],
    )


def library_product(s: Session, actor: Actor, product_id: int, *, mark_seen: bool = True) -> LibraryProductView:
    """One owned product: every version's files, the buyer's keys and download allowance.

    Opening it counts as seeing the latest version (the badge goes), though the
    versions new since the previous look are still marked on this view.
    """
    user_id = require_signed_in(actor)
    pid = product_id if isinstance(product_id, int) and not isinstance(product_id, bool) else 0
    items = _items(s, user_id, *_matching(s, user_id, product_id=pid)) if pid else []
    if not items:
        raise NotFound(gettext("This product is not in your library."))
    item = items[0]
    seen_row = s.get(LibrarySeen, (user_id, pid))
    baseline = max(filter(None, (seen_row.seen_at if seen_row else None, item.acquired_at)))
    versions = product_versions(s, pid, released_only=True)
    copies = dict(
        s.exec(
            select(StampedCopy.file_id, StampedCopy.status)
            .where(StampedCopy.buyer_id == user_id)
            .where(col(StampedCopy.file_id).in_([f.id for v in versions for f in v.files]))
        ).all()
    )
    latest_number = versions[0].number if versions else 0
    product_wide = product_online_only(s, pid)
    current = allowance(s, user_id, pid)
    references = list(
        s.exec(
            select(Order.reference)
            .join(Fulfilment, col(Fulfilment.order_id) == col(Order.id))
            .where(
                Fulfilment.buyer_id == user_id,
                Fulfilment.product_id == pid,
                Fulfilment.status == FulfilmentStatus.GRANTED,
            )
            .order_by(col(Order.id).desc())
        ).all()
    )
    view = LibraryProductView(
        item=item,
        versions=[
            _version_view(
                v,
                latest_number,
                baseline,
                copies,
                product_wide=product_wide,
                stamps=protection_of(s, pid).stamps,
            )
            for v in versions
        ]
        if item.delivers_files
        else [],
        license_keys=owned_keys(s, user_id, pid) if item.delivers_keys else [],
        downloads_label=current.label,
        download_limit_reached=current.exhausted,
        download_limit_message=current.refusal if current.exhausted else "",
        order_references=references,
        version=library_version(s, user_id),
    )
    if mark_seen:
        now = utcnow()
        # Two tabs opening the product at once both record the visit.
        s.exec(
            dialect_insert(s)(LibrarySeen)
            .values(user_id=user_id, product_id=pid, seen_at=now)
            .on_conflict_do_update(index_elements=["user_id", "product_id"], set_={"seen_at": now})
        )
        if seen_row is not None:
            s.refresh(seen_row)
    return view


# -- email preferences --------------------------------------------------------


def update_emails_enabled(s: Session, actor: Actor) -> bool:
    row = s.get(LibraryState, require_signed_in(actor))
    return True if row is None else row.product_update_emails


def set_update_emails(s: Session, actor: Actor, enabled: bool) -> bool:
    """Whether the buyer is emailed when a product they own gets a new version."""
    user_id = require_signed_in(actor)
    row = s.get(LibraryState, user_id) or LibraryState(user_id=user_id)
    row.product_update_emails = bool(enabled)
    s.add(row)
    s.flush()
    return row.product_update_emails

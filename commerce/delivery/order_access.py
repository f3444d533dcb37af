"""What an order delivered, on its confirmation page, for the browser that paid.

The buyer signed in, or the guest's browser that placed the order and holds its receipt
token (`orders.lifecycle.receipt_token`), sees each product the order granted: the latest
released version's files (a click mints a download link) and the license keys in full.
Anyone else gets the same answer as for a missing order. A guest's download link works
without a session, so it is minted for minutes only (`links.RECEIPT_LINK_LIFETIME`).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlmodel import Session, col, select

from commerce.actor import Actor
from commerce.catalog.views import delivers_files, delivers_keys, product_versions
from commerce.delivery.downloads import MintedLink, mint_for, released_file
from commerce.delivery.online_only import product_online_only
from commerce.errors import NotFound
from commerce.i18n import gettext
from commerce.licensing.service import keys_of_fulfilments
from commerce.links import library_product_url, reader_url
from commerce.models import Fulfilment, FulfilmentDelivery, FulfilmentStatus, Order, Product, saved_id
from commerce.orders.lifecycle import receipt_token


@dataclass(frozen=True)
class ReceiptFile:
    id: int
    filename: str
    size_label: str
    # The online reader or player, for a file the seller lets buyers view online only ("" otherwise).
    reader_url: str = ""


@dataclass(frozen=True)
class ReceiptKey:
    id: int
    key: str
    status_label: str


@dataclass(frozen=True)
class ReceiptItem:
    product_id: int
    title: str
    library_url: str
    version_label: str
    # Paid, but the delivery job has not finished yet (a key on its way).
    delivering: bool
    files: list[ReceiptFile]
    keys: list[ReceiptKey]


@dataclass(frozen=True)
class OrderDelivery:
    items: list[ReceiptItem]

    @property
    def delivering(self) -> bool:
        return any(item.delivering for item in self.items)


def _viewed_order(s: Session, actor: Actor, reference: str, token: str) -> tuple[Order, bool]:
    """The order and whether the viewer is its signed-in buyer (else the holder of its receipt token)."""
    missing = NotFound(gettext("There is no such order."))
    if not isinstance(reference, str) or not reference:
        raise missing
    order = s.exec(select(Order).where(Order.reference == reference)).first()
    if order is None:
        raise missing
    if actor.user_id is not None and actor.user_id == order.buyer_id:
        return order, True
    if token and isinstance(token, str) and hmac.compare_digest(token, receipt_token(reference)):
        return order, False
    raise missing


def _granted(s: Session, order: Order) -> list[Fulfilment]:
    return list(
        s.exec(
            select(Fulfilment)
            .where(Fulfilment.order_id == order.id, Fulfilment.status == FulfilmentStatus.GRANTED)
            .order_by(col(Fulfilment.id))
        ).all()
    )


def order_delivery(s: Session, actor: Actor, reference: str, token: str = "") -> OrderDelivery:
    """Each product the order still grants, with its files and keys (empty before payment)."""
    order, _ = _viewed_order(s, actor, reference, token)
    fulfilments = _granted(s, order)
    ids = [saved_id(f) for f in fulfilments]
    delivered = (
        set(s.exec(select(FulfilmentDelivery.fulfilment_id).where(col(FulfilmentDelivery.fulfilment_id).in_(ids))))
        if ids
        else set()
    )
    keys = keys_of_fulfilments(s, ids)
    items = []
    for fulfilment in fulfilments:
        product = s.get_one(Product, fulfilment.product_id)
        versions = (
            product_versions(s, saved_id(product), released_only=True) if delivers_files(product.delivery_kind) else []
        )
        latest = versions[0] if versions else None
        product_wide = product_online_only(s, saved_id(product))
        items.append(
            ReceiptItem(
                product_id=saved_id(product),
                title=product.title,
                library_url=library_product_url(saved_id(product)),
                version_label=latest.label if latest else "",
                delivering=fulfilment.id not in delivered,
                files=[
                    ReceiptFile(
                        id=f.id,
                        filename=f.filename,
                        size_label=f.size_label,
                        reader_url=reader_url(f.id) if f.view_kind and (f.online_only or product_wide) else "",
                    )
                    for f in latest.files
                ]
                if latest
                else [],
                keys=[
                    ReceiptKey(id=k.id, key=k.key, status_label=k.status_label)
                    for k in keys
                    if k.fulfilment_id == fulfilment.id
                ]
                if delivers_keys(product.delivery_kind)
                else [],
            )
        )
    return OrderDelivery(items=items)


def mint_order_download(s: Session, actor: Actor, reference: str, token: str, file_id: int) -> MintedLink:
    """A download link for one file this order delivered, for its buyer or the browser that paid."""
    order, signed_in = _viewed_order(s, actor, reference, token)
    file = released_file(s, file_id)
    fulfilment = next((f for f in _granted(s, order) if file is not None and f.product_id == file.product_id), None)
    if file is None or fulfilment is None:
        raise NotFound(gettext("This file is not part of this order."))
    return mint_for(s, fulfilment, file, by_receipt=not signed_in)

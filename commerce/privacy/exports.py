"""A person's copy of everything the marketplace holds about them (the right of access).

`request_export` records the request and schedules `tasks.build_export`, which writes a
ZIP of JSON and CSV files into the blob store; the person downloads it from their
account page through `/api/privacy/exports/<id>`, which checks their session, until it
expires (seven days), when `tasks.privacy_upkeep` deletes the file.

The ZIP holds: profile.json (account, preferences), orders.json and order_lines.csv
(receipts: every order with its lines and refunds), library.csv (what they own),
downloads.csv (their download log), license_keys.json (keys with their activations),
reviews.json and reports.json, notifications.json, security_activity.csv and
sessions.csv (sign-ins and security changes), sign_in_methods.json (authenticator,
passkeys, recovery codes left; no secrets) and push_devices.csv, and for a seller
shop.json, products.json and sales.csv. Other people's data is left out: a seller's sales list
orders and amounts, not the buyers.
"""

from __future__ import annotations

import json
import logging
import secrets
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from commerce import storage
from commerce.actor import Actor, require_signed_in
from commerce.errors import NotFound, RateLimited
from commerce.i18n import gettext, ngettext
from commerce.kit.spreadsheet import csv_row
from commerce.kit.time import minute_label, utcnow
from commerce.license_keys.vault import configured_vault, product_associated_data
from commerce.links import PRIVACY_EXPORTS_PATH
from commerce.models import (
    AuthSession,
    DownloadEvent,
    Fulfilment,
    LicenseActivation,
    LicenseKey,
    Notification,
    Order,
    OrderLine,
    PrivacyRequest,
    PrivacyRequestKind,
    PrivacyRequestStatus,
    Product,
    ProductFile,
    PushSubscription,
    Refund,
    Report,
    Review,
    Shop,
    User,
    UserPreference,
    by_id,
    saved_id,
)
from commerce.models.security import Passkey, RecoveryCode, SecurityEvent, TotpFactor

log = logging.getLogger("commerce.privacy")

EXPORT_LIFETIME = timedelta(days=7)
# A person may ask again once a day (each export reads everything they have).
EXPORTS_PER_DAY = 3
EXPORT_CONTENT_TYPE = "application/zip"


@dataclass(frozen=True)
class ExportView:
    id: int
    status: str
    requested_at: datetime
    expires_at: datetime | None
    size_bytes: int | None
    # The download address while the file is ready, else "".
    download_path: str
    requested_label: str
    expires_label: str
    size_label: str


def export_path(request_id: int) -> str:
    return f"{PRIVACY_EXPORTS_PATH}/{int(request_id)}"


def _view(row: PrivacyRequest, now: datetime) -> ExportView:
    ready = row.status == PrivacyRequestStatus.READY and row.expires_at is not None and row.expires_at > now
    return ExportView(
        id=saved_id(row),
        status=row.status.value if ready or row.status != PrivacyRequestStatus.READY else "expired",
        requested_at=row.requested_at,
        expires_at=row.expires_at,
        size_bytes=row.size_bytes,
        download_path=export_path(saved_id(row)) if ready else "",
        requested_label=minute_label(row.requested_at),
        expires_label=minute_label(row.expires_at) if ready else "",
        size_label=_size_label(row.size_bytes) if ready else "",
    )


def _size_label(size: int | None) -> str:
    if not size:
        return ""
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def my_exports(s: Session, actor: Actor, *, limit: int = 5) -> list[ExportView]:
    """The person's latest export requests, newest first."""
    user_id = require_signed_in(actor)
    rows = s.exec(
        select(PrivacyRequest)
        .where(PrivacyRequest.user_id == user_id, PrivacyRequest.kind == PrivacyRequestKind.EXPORT)
        .order_by(col(PrivacyRequest.requested_at).desc(), col(PrivacyRequest.id).desc())
        .limit(limit)
    ).all()
    now = utcnow()
    return [_view(row, now) for row in rows]


def start_export(s: Session, actor: Actor) -> PrivacyRequest:
    """Record an export request (the caller schedules its job); a pending one is returned as is."""
    user_id = require_signed_in(actor)
    now = utcnow()
    pending = s.exec(
        select(PrivacyRequest).where(
            PrivacyRequest.user_id == user_id,
            PrivacyRequest.kind == PrivacyRequestKind.EXPORT,
            PrivacyRequest.status == PrivacyRequestStatus.PENDING,
        )
    ).first()
    if pending is not None:
        return pending
    recent = s.exec(
        select(PrivacyRequest.id).where(
            PrivacyRequest.user_id == user_id,
            PrivacyRequest.kind == PrivacyRequestKind.EXPORT,
            col(PrivacyRequest.requested_at) > now - timedelta(days=1),
        )
    ).all()
    if len(recent) >= EXPORTS_PER_DAY:
        raise RateLimited(
            ngettext(
                "You can ask for one export a day. Download the latest one below.",
                "You can ask for {count} exports a day. Download the latest one below.",
                EXPORTS_PER_DAY,
            )
        )
    row = PrivacyRequest(
        user_id=user_id, kind=PrivacyRequestKind.EXPORT, status=PrivacyRequestStatus.PENDING, requested_at=now
    )
    s.add(row)
    s.flush()
    return row


@dataclass(frozen=True)
class ExportFile:
    blob_key: str
    filename: str
    size_bytes: int


def open_export(s: Session, user_id: int | None, request_id: int) -> ExportFile:
    """The file of a ready export, for the person who asked for it only (the download route)."""
    row = s.get(PrivacyRequest, request_id) if isinstance(request_id, int) else None
    if (
        user_id is None
        or row is None
        or row.user_id != user_id
        or row.kind != PrivacyRequestKind.EXPORT
        or row.blob_key is None
    ):
        raise NotFound(gettext("This export does not exist."))
    if row.status != PrivacyRequestStatus.READY or row.expires_at is None or row.expires_at <= utcnow():
        raise NotFound(gettext("This export has expired. Ask for a new one on your account page."))
    return ExportFile(
        blob_key=row.blob_key,
        filename=f"my-data-{row.requested_at:%Y-%m-%d}-{saved_id(row)}.zip",
        size_bytes=row.size_bytes or 0,
    )


def delete_export_files(s: Session, user_id: int | None = None, *, expired_before: datetime | None = None) -> int:
    """Delete export files: a person's (at erasure) or those past their expiry (upkeep)."""
    query = select(PrivacyRequest).where(
        PrivacyRequest.kind == PrivacyRequestKind.EXPORT, col(PrivacyRequest.blob_key).is_not(None)
    )
    if user_id is not None:
        query = query.where(PrivacyRequest.user_id == user_id)
    if expired_before is not None:
        query = query.where(col(PrivacyRequest.expires_at) <= expired_before)
    rows = s.exec(query).all()
    store = storage.blob_store() if rows else None
    for row in rows:
        if store is not None and row.blob_key:
            store.delete(row.blob_key)
        row.blob_key = None
        if row.status in (PrivacyRequestStatus.READY, PrivacyRequestStatus.PENDING):
            row.status = PrivacyRequestStatus.EXPIRED
        s.add(row)
    s.flush()
    return len(rows)


# -- building the ZIP ------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def _csv(header: list[str], rows: Iterable[list]) -> bytes:
    return ("".join([csv_row(header), *(csv_row(row) for row in rows)])).encode("utf-8")


def export_contents(s: Session, user_id: int) -> dict[str, bytes]:
    """Every file of a person's export, by name."""
    user = s.get_one(User, user_id)
    files: dict[str, bytes] = {}
    preferences = s.exec(select(UserPreference).where(UserPreference.user_id == user_id)).all()
    files["profile.json"] = _json(
        {
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role.value,
            "created_at": _iso(user.created_at),
            "sms_number": user.sms_number,
            "preferences": {pref.key: pref.enabled for pref in preferences},
        }
    )

    orders = s.exec(select(Order).where(Order.buyer_id == user_id).order_by(col(Order.id))).all()
    order_ids = [saved_id(order) for order in orders]
    lines = (
        s.exec(select(OrderLine).where(col(OrderLine.order_id).in_(order_ids)).order_by(col(OrderLine.id))).all()
        if order_ids
        else []
    )
    refunds = s.exec(select(Refund).where(col(Refund.order_id).in_(order_ids))).all() if order_ids else []
    orders_by_id = by_id(orders)
    files["orders.json"] = _json(
        [
            {
                "reference": order.reference,
                "status": order.status.value,
                "email": order.email,
                "billing_country": order.billing_country,
                "currency": order.currency,
                "subtotal": order.subtotal,
                "discount": order.discount,
                "tax": order.tax,
                "total": order.total,
                "refunded": order.refunded_amount,
                "created_at": _iso(order.created_at),
                "paid_at": _iso(order.paid_at),
                "lines": [
                    {"product": line.title, "net": line.net, "tax": line.tax, "total": line.total}
                    for line in lines
                    if line.order_id == order.id
                ],
                "refunds": [
                    {"amount": refund.amount, "currency": refund.currency, "at": _iso(refund.created_at)}
                    for refund in refunds
                    if refund.order_id == order.id
                ],
            }
            for order in orders
        ]
    )
    files["order_lines.csv"] = _csv(
        ["order", "product", "currency", "unit_price", "discount", "tax", "total", "refunded"],
        (
            [
                orders_by_id[line.order_id].reference,
                line.title,
                orders_by_id[line.order_id].currency,
                line.unit_price,
                line.discount,
                line.tax,
                line.total,
                line.refunded_amount,
            ]
            for line in lines
        ),
    )

    fulfilments = s.exec(select(Fulfilment).where(Fulfilment.buyer_id == user_id).order_by(col(Fulfilment.id))).all()
    product_ids = {f.product_id for f in fulfilments}
    products = by_id(s.exec(select(Product).where(col(Product.id).in_(product_ids))).all()) if product_ids else {}
    files["library.csv"] = _csv(
        ["product", "order", "status", "acquired_at"],
        (
            [
                products[f.product_id].title if f.product_id in products else f.product_id,
                orders_by_id[f.order_id].reference if f.order_id in orders_by_id else "",
                f.status.value,
                _iso(f.created_at),
            ]
            for f in fulfilments
        ),
    )

    downloads = s.exec(
        select(DownloadEvent).where(DownloadEvent.buyer_id == user_id).order_by(col(DownloadEvent.id))
    ).all()
    file_ids = {d.file_id for d in downloads}
    names = (
        {row.id: row.filename for row in s.exec(select(ProductFile).where(col(ProductFile.id).in_(file_ids))).all()}
        if file_ids
        else {}
    )
    files["downloads.csv"] = _csv(
        ["at", "product", "file", "ip_prefix", "user_agent", "counted"],
        (
            [
                _iso(d.created_at),
                products[d.product_id].title if d.product_id in products else d.product_id,
                names.get(d.file_id, ""),
                d.ip_prefix,
                d.user_agent,
                "yes" if d.counted else "no",
            ]
            for d in downloads
        ),
    )

    keys = s.exec(select(LicenseKey).where(LicenseKey.buyer_id == user_id).order_by(col(LicenseKey.id))).all()
    activations = (
        s.exec(select(LicenseActivation).where(col(LicenseActivation.license_key_id).in_([k.id for k in keys]))).all()
        if keys
        else []
    )
    vault = configured_vault() if keys else None
    files["license_keys.json"] = _json(
        [
            {
                "product": products[k.product_id].title if k.product_id in products else k.product_id,
                "key": vault.decrypt(k.ciphertext, product_associated_data(k.product_id)) if vault else None,
                "status": k.status.value,
                "sold_at": _iso(k.sold_at),
                "expires_at": _iso(k.expires_at),
                "activations": [
                    {
                        "instance": a.instance,
                        "activated_at": _iso(a.created_at),
                        "last_seen_at": _iso(a.last_seen_at),
                        "deactivated_at": _iso(a.deactivated_at),
                    }
                    for a in activations
                    if a.license_key_id == k.id
                ],
            }
            for k in keys
        ]
    )

    reviews = s.exec(select(Review).where(Review.buyer_id == user_id).order_by(col(Review.id))).all()
    review_products = {r.product_id for r in reviews}
    titles = (
        {p.id: p.title for p in s.exec(select(Product).where(col(Product.id).in_(review_products))).all()}
        if review_products
        else {}
    )
    files["reviews.json"] = _json(
        [
            {
                "product": titles.get(r.product_id, r.product_id),
                "rating": r.rating,
                "text": r.body,
                "written_at": _iso(r.created_at),
                "seller_reply": r.reply_body,
                "hidden": r.hidden_at is not None,
            }
            for r in reviews
        ]
    )
    reports = s.exec(select(Report).where(Report.reporter_id == user_id).order_by(col(Report.id))).all()
    files["reports.json"] = _json(
        [
            {
                "subject": r.subject.value,
                "product_id": r.product_id,
                "review_id": r.review_id,
                "reason": r.reason,
                "details": r.details,
                "status": r.status.value,
                "at": _iso(r.created_at),
            }
            for r in reports
        ]
    )
    notifications = s.exec(
        select(Notification).where(Notification.user_id == user_id).order_by(col(Notification.id))
    ).all()
    files["notifications.json"] = _json(
        [
            {"title": n.title, "body": n.body, "url": n.url, "at": _iso(n.created_at), "read_at": _iso(n.read_at)}
            for n in notifications
        ]
    )

    activity = s.exec(
        select(SecurityEvent).where(SecurityEvent.user_id == user_id).order_by(col(SecurityEvent.id))
    ).all()
    files["security_activity.csv"] = _csv(
        ["at", "what", "ip", "device", "detail"],
        ([_iso(e.created_at), e.kind.value, e.ip or "", e.device, e.detail] for e in activity),
    )
    sessions = s.exec(select(AuthSession).where(AuthSession.user_id == user_id).order_by(col(AuthSession.id))).all()
    files["sessions.csv"] = _csv(
        ["started_at", "expires_at", "ended_at", "ip", "device"],
        ([_iso(a.created_at), _iso(a.expires_at), _iso(a.revoked_at), a.ip or "", a.device] for a in sessions),
    )

    totp = s.get(TotpFactor, user_id)
    passkeys = s.exec(select(Passkey).where(Passkey.user_id == user_id).order_by(col(Passkey.id))).all()
    unused_codes = s.exec(
        select(RecoveryCode).where(RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None))
    ).all()
    # What protects the account, without its secrets (the authenticator's seed, code hashes).
    files["sign_in_methods.json"] = _json(
        {
            "authenticator_app": None
            if totp is None
            else {"added_at": _iso(totp.created_at), "confirmed_at": _iso(totp.confirmed_at)},
            "recovery_codes_left": len(unused_codes),
            "passkeys": [
                {"name": p.name, "added_at": _iso(p.created_at), "last_used_at": _iso(p.last_used_at)} for p in passkeys
            ],
        }
    )
    devices = s.exec(
        select(PushSubscription).where(PushSubscription.user_id == user_id).order_by(col(PushSubscription.id))
    ).all()
    files["push_devices.csv"] = _csv(
        ["device", "subscribed_at", "last_sent_at", "push_service_address"],
        ([d.device, _iso(d.created_at), _iso(d.last_sent_at), d.endpoint] for d in devices),
    )

    shop = s.exec(select(Shop).where(Shop.owner_id == user_id)).first()
    if shop is not None:
        files["shop.json"] = _json(
            {
                "name": shop.name,
                "address": shop.slug,
                "bio": shop.bio,
                "currency": shop.currency,
                "take_rate_bps": shop.take_rate_bps,
                "created_at": _iso(shop.created_at),
            }
        )
        own = s.exec(select(Product).where(Product.shop_id == shop.id).order_by(col(Product.id))).all()
        files["products.json"] = _json(
            [
                {
                    "title": p.title,
                    "slug": p.slug,
                    "status": p.status.value,
                    "price": p.price_amount,
                    "currency": p.currency,
                    "summary": p.summary,
                    "description": p.description,
                    "created_at": _iso(p.created_at),
                }
                for p in own
            ]
        )
        sold = s.exec(
            select(OrderLine, Order)
            .join(Order, col(Order.id) == col(OrderLine.order_id))
            .where(OrderLine.shop_id == shop.id, col(Order.paid_at).is_not(None))
            .order_by(col(OrderLine.id))
        ).all()
        # Buyers are other people: the seller's copy lists sales, not who bought.
        files["sales.csv"] = _csv(
            ["order", "paid_at", "product", "currency", "net", "tax", "total", "refunded"],
            (
                [
                    order.reference,
                    _iso(order.paid_at),
                    line.title,
                    order.currency,
                    line.net,
                    line.tax,
                    line.total,
                    line.refunded_amount,
                ]
                for line, order in sold
            ),
        )
    return files


def write_export(s: Session, request_id: int) -> bool:
    """Build a pending export's ZIP into the blob store and mark it ready; False when there
    is nothing to do (already built, or the account is gone)."""
    row = s.get(PrivacyRequest, request_id)
    if row is None or row.kind != PrivacyRequestKind.EXPORT or row.status != PrivacyRequestStatus.PENDING:
        return False
    user = s.get(User, row.user_id)
    if user is None or user.erased_at is not None:
        row.status, row.error = PrivacyRequestStatus.FAILED, "The account was erased."
        s.add(row)
        return False
    contents = export_contents(s, row.user_id)
    key = f"privacy-exports/{request_id}/{secrets.token_hex(16)}.zip"
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", _README)
            for name, data in contents.items():
                archive.writestr(name, data)
        spool.seek(0)
        blob = storage.blob_store().put(key, spool, content_type=EXPORT_CONTENT_TYPE)  # type: ignore[arg-type]
    now = utcnow()
    row.blob_key, row.size_bytes = blob.key, blob.size
    row.status, row.completed_at, row.expires_at = PrivacyRequestStatus.READY, now, now + EXPORT_LIFETIME
    s.add(row)
    s.flush()
    return True


_README = """Everything the marketplace holds about you, as of the date of this export.

profile.json        your account and preferences
orders.json         your orders (receipts) with their lines and refunds; order_lines.csv the same lines
library.csv         what you own
downloads.csv       your downloads (IP addresses are kept for 30 days by default, then removed)
license_keys.json   your license keys and the machines they are activated on
reviews.json        reviews you wrote; reports.json what you reported to moderators
notifications.json  your in-app notifications
security_activity.csv, sessions.csv   sign-ins, security changes and signed-in devices
sign_in_methods.json  your authenticator app, passkeys and unused recovery codes (no secrets)
push_devices.csv    browsers you allowed to show notifications
shop.json, products.json, sales.csv   your shop, if you have one (sales without buyers' details)

Amounts are in minor units (cents) of the currency shown. Times are UTC.
"""

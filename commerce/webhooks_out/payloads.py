"""What each event's `data` holds, per shop: only what that shop may see.

An order with several sellers' products sends each shop its own lines; buyers appear as
the shop sees them (their email if they share it with sellers, else the shop's pseudonym).
Money is integer minor units with its currency; times are UTC ISO 8601.

Each builder makes data only for the shops `wanted` names (those with an endpoint that
wants the event): most shops have none, and an order's payload costs several queries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from commerce.config import get_settings
from commerce.links import absolute, product_url
from commerce.models import (
    LicenseActivation,
    LicenseKey,
    Order,
    OrderLine,
    Payout,
    Product,
    ProductVersion,
    Refund,
    Review,
    Shop,
)
from commerce.notifications.preferences import buyers_as_seen_by_shop

Data = dict[str, Any]
Wanted = Callable[[int], bool]  # whether a shop (by id) has an endpoint that wants the event


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _money(amount: int, currency: str) -> Data:
    return {"amount": amount, "currency": currency}


def _product(s: Session, product: Product) -> Data:
    shop = s.get_one(Shop, product.shop_id)
    return {
        "id": product.id,
        "title": product.title,
        "slug": product.slug,
        "url": absolute(get_settings().base_url, product_url(shop.slug, product.slug)),
        "status": str(product.status),
        "moderation_status": str(product.moderation_status),
        "price": _money(product.price_amount, product.currency),
    }


def _order(s: Session, order: Order, shop_id: int) -> Data:
    lines = s.exec(
        select(OrderLine)
        .where(OrderLine.order_id == order.id, OrderLine.shop_id == shop_id)
        .order_by(col(OrderLine.id))
    ).all()
    customer = buyers_as_seen_by_shop(s, shop_id, {order.buyer_id: order.email})[order.buyer_id]
    return {
        "id": order.reference,
        "status": str(order.status),
        "currency": order.currency,
        "customer": customer,
        "created_at": iso(order.created_at),
        "paid_at": iso(order.paid_at),
        "total": _money(sum(line.total for line in lines), order.currency),
        "refunded": _money(sum(line.refunded_amount for line in lines), order.currency),
        "lines": [
            {
                "id": line.id,
                "product_id": line.product_id,
                "title": line.title,
                "total": _money(line.total, order.currency),
                "tax": _money(line.tax, order.currency),
                "refunded": _money(line.refunded_amount, order.currency),
            }
            for line in lines
        ],
    }


def _order_shops(s: Session, order_id: int) -> list[int]:
    return list(
        s.exec(
            select(OrderLine.shop_id).where(OrderLine.order_id == order_id).distinct().order_by(col(OrderLine.shop_id))
        )
    )


def order_data(s: Session, order_id: int, *, wanted: Wanted) -> dict[int, Data]:
    shops = [shop_id for shop_id in _order_shops(s, order_id) if wanted(shop_id)]
    order = s.get(Order, order_id) if shops else None
    if order is None:
        return {}
    return {shop_id: {"order": _order(s, order, shop_id)} for shop_id in shops}


def refund_data(s: Session, order_id: int, refund_ids: list[int], *, wanted: Wanted) -> dict[int, Data]:
    order = s.get(Order, order_id)
    if order is None:
        return {}
    refunds = s.exec(
        select(Refund, OrderLine.shop_id)
        .join(OrderLine, col(OrderLine.id) == Refund.order_line_id)
        .where(col(Refund.id).in_(refund_ids))
        .order_by(col(Refund.id))
    ).all()
    shops = sorted({shop_id for _, shop_id in refunds if wanted(shop_id)})
    return {
        shop_id: {
            "order": _order(s, order, shop_id),
            "refunds": [
                {
                    "id": refund.id,
                    "line_id": refund.order_line_id,
                    "amount": _money(refund.amount, refund.currency),
                    "reason": refund.reason,
                    "created_at": iso(refund.created_at),
                }
                for refund, owner in refunds
                if owner == shop_id
            ],
        }
        for shop_id in shops
    }


def license_key_data(s: Session, license_key_id: int, instance: str, *, wanted: Wanted) -> dict[int, Data]:
    key = s.get(LicenseKey, license_key_id)
    if key is None:
        return {}
    product = s.get_one(Product, key.product_id)
    if not wanted(product.shop_id):
        return {}
    active = s.exec(
        select(func.count())
        .select_from(LicenseActivation)
        .where(LicenseActivation.license_key_id == key.id, col(LicenseActivation.deactivated_at).is_(None))
    ).one()
    order_reference = None
    if key.order_line_id is not None:
        line = s.get(OrderLine, key.order_line_id)
        order = s.get(Order, line.order_id) if line is not None else None
        order_reference = order.reference if order is not None else None
    return {
        product.shop_id: {
            "license_key": {
                "id": key.id,
                "product_id": key.product_id,
                "order_id": order_reference,
                "status": str(key.status),
                "activation_limit": key.activation_limit,
                "active_instances": active,
                "expires_at": iso(key.expires_at),
            },
            "instance": instance,
        }
    }


def product_data(s: Session, product_id: int, *, wanted: Wanted) -> dict[int, Data]:
    product = s.get(Product, product_id)
    if product is None or not wanted(product.shop_id):
        return {}
    return {product.shop_id: {"product": _product(s, product)}}


def version_data(s: Session, version_id: int, *, wanted: Wanted) -> dict[int, Data]:
    version = s.get(ProductVersion, version_id)
    if version is None:
        return {}
    product = s.get_one(Product, version.product_id)
    if not wanted(product.shop_id):
        return {}
    return {
        product.shop_id: {
            "product": _product(s, product),
            "version": {
                "id": version.id,
                "number": version.number,
                "label": version.label,
                "released_at": iso(version.released_at),
            },
        }
    }


def review_data(s: Session, review_id: int, *, wanted: Wanted) -> dict[int, Data]:
    review = s.get(Review, review_id)
    if review is None or review.hidden_at is not None:
        return {}
    product = s.get_one(Product, review.product_id)
    if not wanted(product.shop_id):
        return {}
    return {
        product.shop_id: {
            "review": {
                "id": review.id,
                "product_id": review.product_id,
                "rating": review.rating,
                "body": review.body,
                "created_at": iso(review.created_at),
            }
        }
    }


def payout_data(s: Session, payout_id: int, *, wanted: Wanted) -> dict[int, Data]:
    payout = s.get(Payout, payout_id)
    if payout is None or not wanted(payout.shop_id):
        return {}
    return {
        payout.shop_id: {
            "payout": {
                "id": payout.id,
                "status": str(payout.status),
                "amount": _money(payout.amount, payout.currency),
                "reversed": _money(payout.reversed_amount, payout.currency),
                "failure_message": payout.failure_message,
                "created_at": iso(payout.created_at),
                "paid_at": iso(payout.paid_at),
                "failed_at": iso(payout.failed_at),
            }
        }
    }

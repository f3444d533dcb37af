"""A seller's side of orders: the paid orders holding their shop's products, and refunds
typed in major units on the seller's sales page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_shop
from commerce.errors import NotFound, ValidationError
from commerce.i18n import gettext
from commerce.kit.pagination import Page, make_page, page_bounds
from commerce.kit.time import minute_label
from commerce.models import Order, OrderLine, OrderStatus, saved_id
from commerce.money import Money, format_money, parse_major
from commerce.notifications.preferences import (
    PSEUDONYM_PREFIX,
    buyers_as_seen_by_shop,
    pseudonym,
    shares_email_with_sellers,
)
from commerce.orders import lifecycle, refunds
from commerce.payments import PaymentGateway

# Orders awaiting payment or cancelled are not sales.
SALE_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED, OrderStatus.DISPUTED)
SALES_PER_PAGE = 25
MAX_SEARCH_LENGTH = 100


@dataclass(frozen=True)
class SaleLineView:
    line_id: int
    title: str
    total_label: str
    refunded_label: str
    refundable: int
    refundable_label: str
    # The refundable amount as typed in the partial refund field ("12.50").
    refundable_input: str


@dataclass(frozen=True)
class SaleView:
    reference: str
    status: OrderStatus
    status_label: str
    # The buyer's email, or the shop's pseudonym for them if they keep it from sellers.
    buyer: str
    currency: str
    created_at: datetime
    created_label: str
    lines: list[SaleLineView]
    # The shop's part of the order (its lines' totals).
    total_label: str
    refundable: bool


def _sale_view(order: Order, lines: list[OrderLine], buyer: str) -> SaleView:
    def label(amount: int) -> str:
        return format_money(Money(amount, order.currency))

    refundable_status = order.status in refunds.REFUNDABLE
    views = []
    for line in lines:
        left = line.total - line.refunded_amount if refundable_status else 0
        views.append(
            SaleLineView(
                line_id=saved_id(line),
                title=line.title,
                total_label=label(line.total),
                refunded_label=label(line.refunded_amount) if line.refunded_amount else "",
                refundable=left,
                refundable_label=label(left),
                refundable_input=str(Money(left, order.currency).to_decimal()),
            )
        )
    return SaleView(
        reference=order.reference,
        status=order.status,
        status_label=gettext(lifecycle.STATUS_LABELS[order.status]),
        buyer=buyer,
        currency=order.currency,
        created_at=order.created_at,
        created_label=minute_label(order.created_at),
        lines=views,
        total_label=label(sum(line.total for line in lines)),
        refundable=any(view.refundable > 0 for view in views),
    )


def _hidden_buyers_named(s: Session, shop_sales: list, shop_id: int, needle: str) -> list[int]:
    """The shop's buyers who keep their email from sellers and whose pseudonym starts with
    `needle` (as copied from the page). A pseudonym is a keyed hash, so it is computed here."""
    if not needle.startswith(PSEUDONYM_PREFIX):
        return []
    hidden = s.exec(
        select(Order.buyer_id).where(*shop_sales, ~shares_email_with_sellers(Order.buyer_id)).distinct()
    ).all()
    return [buyer_id for buyer_id in hidden if pseudonym(shop_id, buyer_id).startswith(needle)]


def list_shop_sales(
    s: Session, actor: Actor, *, search: str = "", page: int = 1, per_page: int = SALES_PER_PAGE
) -> Page:
    """The acting seller's sales, newest first, a page at a time, with only their own lines.

    `search` finds orders whose reference or buyer email contains it. Buyers who keep
    their email from sellers are not found by email, only by the pseudonym the page shows
    (typed from its start).
    """
    shop_id = require_shop(actor)
    page, per_page = page_bounds(page, per_page)
    shop_sales: list[ColumnElement[bool]] = [
        col(Order.status).in_(SALE_STATUSES),
        col(Order.id).in_(select(OrderLine.order_id).where(OrderLine.shop_id == shop_id)),
    ]
    conditions = list(shop_sales)
    needle = " ".join((search or "").split()).lower()[:MAX_SEARCH_LENGTH]
    if needle:
        conditions.append(
            or_(
                func.lower(Order.reference).contains(needle, autoescape=True),
                and_(
                    func.lower(Order.email).contains(needle, autoescape=True), shares_email_with_sellers(Order.buyer_id)
                ),
                col(Order.buyer_id).in_(_hidden_buyers_named(s, shop_sales, shop_id, needle)),
            )
        )
    total = s.exec(select(func.count()).select_from(Order).where(*conditions)).one()
    orders = s.exec(
        select(Order)
        .where(*conditions)
        .order_by(col(Order.created_at).desc(), col(Order.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    if not orders:
        return make_page([], page, per_page, total)
    lines = s.exec(
        select(OrderLine)
        .where(col(OrderLine.order_id).in_([o.id for o in orders]), OrderLine.shop_id == shop_id)
        .order_by(col(OrderLine.id))
    ).all()
    by_order: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    buyers = buyers_as_seen_by_shop(s, shop_id, {order.buyer_id: order.email for order in orders})
    return make_page(
        [_sale_view(order, by_order.get(saved_id(order), []), buyers[order.buyer_id]) for order in orders],
        page,
        per_page,
        total,
    )


def refund_line(
    s: Session,
    actor: Actor,
    gateway: PaymentGateway | None,
    reference: str,
    line_id: int,
    amount_text: str,
    *,
    reason: str = "",
) -> lifecycle.OrderView:
    """Refund part of one line, the amount typed in the order's currency (major units)."""
    order = s.exec(select(Order).where(Order.reference == reference)).first()
    if order is None:
        raise NotFound("There is no such order.")
    if not (amount_text or "").strip():
        raise ValidationError("Enter the amount to refund.", field="amount")
    amount = parse_major(amount_text, order.currency).amount
    return refunds.refund(s, actor, gateway, reference, amounts={int(line_id): amount}, reason=reason)

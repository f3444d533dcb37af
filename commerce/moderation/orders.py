"""Admins look orders up, refund them through the refunds service, and read their ledger lines."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce import audit
from commerce.actor import Actor, require_admin
from commerce.errors import NotFound, ValidationError
from commerce.i18n import bo_gettext, bo_N_, gettext
from commerce.kit.time import minute_label
from commerce.models import (
    LedgerAccount,
    LedgerEntryKind,
    LedgerPosting,
    LedgerTransaction,
    Order,
    OrderTransition,
    Shop,
    User,
    saved_id,
)
from commerce.money import Money, format_money
from commerce.orders import lifecycle, refunds
from commerce.payments import PaymentGateway

ACCOUNT_LABELS = {
    LedgerAccount.BUYER_PAYMENT: bo_N_("Buyer payment"),
    LedgerAccount.PLATFORM_COMMISSION: bo_N_("Platform commission"),
    LedgerAccount.GATEWAY_FEE: bo_N_("Payment fee"),
    LedgerAccount.TAX_COLLECTED: bo_N_("Tax collected"),
    LedgerAccount.SELLER_EARNINGS: bo_N_("Seller earnings"),
}


@dataclass(frozen=True)
class OrderRow:
    reference: str
    buyer_email: str
    status_label: str
    total_label: str
    date_label: str


@dataclass(frozen=True)
class AdminOrderLine:
    title: str
    total_label: str
    refunded_label: str  # "–" when nothing was refunded


@dataclass(frozen=True)
class LedgerLine:
    transaction_id: int
    kind: LedgerEntryKind
    memo: str
    account: LedgerAccount
    account_label: str
    shop_name: str
    amount: int
    amount_label: str  # debits positive, credits negative
    date_label: str


@dataclass(frozen=True)
class HistoryLine:
    when_label: str
    change: str
    reason: str


@dataclass(frozen=True)
class AdminOrderView:
    order: lifecycle.OrderView
    lines: list[AdminOrderLine]
    buyer_name: str
    buyer_email: str
    refundable: bool
    refundable_label: str
    history: list[HistoryLine]
    ledger: list[LedgerLine]


def find_orders(s: Session, actor: Actor, query: str, *, limit: int = 25) -> list[OrderRow]:
    """Orders by reference (exact, any case) or by the buyer's email, newest first."""
    require_admin(actor, "find_orders")
    text = (query if isinstance(query, str) else "").strip()
    if not text:
        return []
    condition = (func.upper(Order.reference) == text.upper()) | (func.lower(Order.email) == text.lower())
    rows = s.exec(
        select(Order)
        .where(condition)
        .order_by(col(Order.created_at).desc(), col(Order.id).desc())
        .limit(max(1, min(limit, 100)))
    ).all()
    return [
        OrderRow(
            reference=o.reference,
            buyer_email=o.email,
            status_label=gettext(lifecycle.STATUS_LABELS[o.status]),
            total_label=format_money(Money(o.total, o.currency)),
            date_label=minute_label(o.created_at),
        )
        for o in rows
    ]


def _order(s: Session, reference: str) -> Order:
    order = (
        s.exec(select(Order).where(Order.reference == (reference or "").strip().upper())).first()
        if isinstance(reference, str)
        else None
    )
    if order is None:
        raise NotFound(bo_gettext("There is no such order."))
    return order


def order_detail(s: Session, actor: Actor, reference: str) -> AdminOrderView:
    require_admin(actor, "order_detail", reference=reference)
    order = _order(s, reference)
    buyer = s.get_one(User, order.buyer_id)
    shops = dict(s.exec(select(Shop.id, Shop.name)).all())
    postings = s.exec(
        select(LedgerPosting, LedgerTransaction)
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerPosting.transaction_id))
        .where(LedgerTransaction.order_id == order.id)
        .order_by(col(LedgerTransaction.id), col(LedgerPosting.id))
    ).all()
    transitions = s.exec(
        select(OrderTransition).where(col(OrderTransition.order_id) == order.id).order_by(col(OrderTransition.id))
    ).all()
    left = order.total - order.refunded_amount
    refundable = order.status in refunds.REFUNDABLE and left > 0
    view = lifecycle.order_view(s, order)
    return AdminOrderView(
        order=view,
        lines=[
            AdminOrderLine(
                title=line.title,
                total_label=line.total_label,
                refunded_label=format_money(Money(line.refunded_amount, order.currency))
                if line.refunded_amount
                else "–",
            )
            for line in view.lines
        ],
        buyer_name=buyer.display_name,
        buyer_email=buyer.email,
        refundable=refundable,
        refundable_label=format_money(Money(left, order.currency)) if refundable else "",
        history=[
            HistoryLine(
                when_label=minute_label(t.created_at),
                change=(f"{gettext(lifecycle.STATUS_LABELS[t.from_status])} → " if t.from_status else "")
                + gettext(lifecycle.STATUS_LABELS[t.to_status]),
                reason=t.reason,
            )
            for t in transitions
        ],
        ledger=[
            LedgerLine(
                transaction_id=saved_id(tx),
                kind=tx.kind,
                memo=tx.memo,
                account=p.account,
                account_label=bo_gettext(ACCOUNT_LABELS[p.account]) if p.account in ACCOUNT_LABELS else p.account,
                shop_name=shops.get(p.shop_id, "") if p.shop_id else "",
                amount=p.amount,
                amount_label=format_money(Money(p.amount, p.currency)),
                date_label=minute_label(tx.created_at),
            )
            for p, tx in postings
        ],
    )


def refund_order(
    s: Session, actor: Actor, gateway: PaymentGateway | None, reference: str, *, reason: str
) -> AdminOrderView:
    """Refund everything still refundable on the order, through the refunds service."""
    admin_id = require_admin(actor, "refund_order", reference=reference)
    cleaned = " ".join((reason if isinstance(reason, str) else "").split())
    if not cleaned:
        raise ValidationError(bo_gettext("Say why the order is refunded."), "reason")
    order = _order(s, reference)
    before = order.refunded_amount
    view = refunds.refund(s, actor, gateway if order.payment_reference else None, order.reference, reason=cleaned)
    refunded = view.refunded_amount - before
    audit.record(
        s,
        admin_id,
        "refund_order",
        "order",
        order.reference,
        label=f"{order.reference} ({format_money(Money(refunded, order.currency))})",
        reason=cleaned,
    )
    return order_detail(s, actor, order.reference)

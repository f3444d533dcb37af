"""What other modules do when an order is paid or refunded, inside the same transaction.

Analytics registers here (so the orders module never imports it). A hook runs
after the ledger has been posted, so it may read the order's ledger entries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlmodel import Session

from commerce.models import Order, OrderLine, Refund

PaidHook = Callable[[Session, Order, Sequence[OrderLine]], None]
RefundHook = Callable[[Session, Order, Sequence[Refund]], None]
_paid_hooks: list[PaidHook] = []
_refund_hooks: list[RefundHook] = []


def on_paid(hook: PaidHook) -> PaidHook:
    if hook not in _paid_hooks:
        _paid_hooks.append(hook)
    return hook


def on_refund(hook: RefundHook) -> RefundHook:
    if hook not in _refund_hooks:
        _refund_hooks.append(hook)
    return hook


def order_paid(s: Session, order: Order, lines: Sequence[OrderLine]) -> None:
    for hook in _paid_hooks:
        hook(s, order, lines)


def order_refunded(s: Session, order: Order, refunds: Sequence[Refund]) -> None:
    for hook in _refund_hooks:
        hook(s, order, refunds)

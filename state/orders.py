"""A buyer's orders: the confirmation page (which waits for the payment event and
updates live) and the order history."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

import routes
from commerce.actor import ANONYMOUS, Actor
from commerce.models import OrderStatus
from commerce.money import Money, format_money
from commerce.orders import lifecycle, tax
from commerce.orders.lifecycle import OrderView
from state import service_call
from state.cart import after_payment, local_path, receipt_token_for
from state.page import Pagination, ServiceState, page_number, paged
from state.session import client_connected, current_actor

# The confirmation page checks the order this often, for at most this long, while it awaits payment.
POLL_SECONDS = 1.0
POLL_LIMIT_SECONDS = 180


@dataclasses.dataclass(frozen=True)
class OrderLineRow:
    title: str
    unit_label: str
    discount_label: str
    tax_label: str
    total_label: str
    refunded_label: str


@dataclasses.dataclass(frozen=True)
class OrderPage:
    reference: str = ""
    url: str = ""
    status: str = ""
    status_label: str = ""
    is_paid: bool = False
    is_pending: bool = False
    payment_error: str = ""
    retry_path: str = ""
    email: str = ""
    country_name: str = ""
    created_label: str = ""
    paid_label: str = ""
    lines: list[OrderLineRow] = dataclasses.field(default_factory=list)
    line_count: int = 0
    subtotal_label: str = ""
    discount_label: str = ""
    has_discount: bool = False
    tax_label: str = ""
    total_label: str = ""
    refunded_label: str = ""


def order_page(view: OrderView) -> OrderPage:
    def label(amount: int) -> str:
        return format_money(Money(amount, view.currency))

    return OrderPage(
        reference=view.reference,
        url=routes.order_url(view.reference),
        status=view.status,
        status_label=view.status_label,
        is_paid=view.is_paid,
        is_pending=view.status == OrderStatus.PENDING,
        payment_error=view.payment_error or "",
        retry_path=local_path(view.payment_url) if view.payment_url else "",
        email=view.email,
        country_name=tax.country_names().get(view.billing_country or "", "") if view.billing_country else "",
        created_label=view.created_at.strftime("%d %b %Y %H:%M UTC"),
        paid_label=view.paid_at.strftime("%d %b %Y %H:%M UTC") if view.paid_at else "",
        lines=[
            OrderLineRow(
                title=line.title,
                unit_label=label(line.unit_price),
                discount_label=label(line.discount) if line.discount else "",
                tax_label=label(line.tax),
                total_label=line.total_label,
                refunded_label=label(line.refunded_amount) if line.refunded_amount else "",
            )
            for line in view.lines
        ],
        line_count=len(view.lines),
        subtotal_label=view.subtotal_label,
        discount_label=view.discount_label,
        has_discount=view.discount > 0,
        tax_label=view.tax_label,
        total_label=view.total_label,
        refunded_label=label(view.refunded_amount) if view.refunded_amount else "",
    )


async def _fetch(actor: Actor, reference: str, token: str) -> OrderView | None:
    """The order if this viewer may see it, else None."""
    return (await service_call.call(lifecycle.get_order_for_viewer, actor, reference, token)).value


class OrderState(rx.State):
    order: OrderPage = OrderPage()
    not_found: bool = False
    loaded: bool = False
    watching: bool = False
    signed_in: bool = False
    # Who is looking, fixed at page load for the background watcher (which cannot
    # re-read the session without taking the lock every second).
    _viewer_user_id: int | None = None
    _viewer_role: str = ANONYMOUS
    _viewer_shop_id: int | None = None
    _token: str = ""
    # The order the background watcher is following ("" when none runs).
    _watched_reference: str = ""

    def _viewer(self) -> Actor:
        return Actor(user_id=self._viewer_user_id, role=self._viewer_role, shop_id=self._viewer_shop_id)

    @rx.event
    async def load(self):
        self.loaded = False
        # `order_reference` is the dynamic segment of routes.ORDER.
        reference = self.order_reference
        actor = await current_actor(self)
        self.signed_in = actor.is_signed_in
        self._viewer_user_id, self._viewer_role, self._viewer_shop_id = actor.user_id, actor.role, actor.shop_id
        self._token = await receipt_token_for(self, reference)
        view = await _fetch(actor, reference, self._token)
        self.not_found = view is None
        self.order = order_page(view) if view else OrderPage()
        self.loaded = True
        if view is not None and view.status == OrderStatus.PENDING:
            self.watching = True  # the watcher starts now, or already runs for this order
            return OrderState.watch
        if view is not None and self.order.is_paid:
            await after_payment(self, {line.product_id for line in view.lines})

    @rx.event(background=True)
    async def watch(self):
        """Check the order every second until the payment event has been handled (bounded)."""
        async with self:
            reference, actor, token = self.order.reference, self._viewer(), self._token
            if not reference or self._watched_reference == reference:
                return  # nothing to watch, or this order's watcher is already running
            self._watched_reference = reference
            self.watching = True
        try:
            for _ in range(int(POLL_LIMIT_SECONDS / POLL_SECONDS)):
                await asyncio.sleep(POLL_SECONDS)
                view = await _fetch(actor, reference, token)
                async with self:
                    if self.order.reference != reference or view is None or not client_connected(self):
                        return  # the buyer opened another order or closed the tab
                    page = order_page(view)
                    if page != self.order:
                        self.order = page
                    if view.status != OrderStatus.PENDING:
                        if page.is_paid:
                            await after_payment(self, {line.product_id for line in view.lines})
                        return
        finally:
            async with self:
                if self._watched_reference == reference:
                    self._watched_reference = ""
                    self.watching = False


class OrderHistoryState(ServiceState, rx.State):
    orders: list[OrderPage] = []
    pagination: Pagination = Pagination()
    loaded: bool = False

    @rx.event
    async def load(self):
        views, self.pagination = paged(await self._call(lifecycle.list_orders, page=page_number(self)))
        self.orders = [order_page(view) for view in views]
        self.loaded = True

"""A buyer's orders: the confirmation page (which waits for the payment event and
updates live) and the order history."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

import routes
from commerce.actor import ANONYMOUS, Actor
from commerce.delivery import order_access
from commerce.delivery.order_access import OrderDelivery
from commerce.i18n import gettext
from commerce.models import OrderStatus
from commerce.money import Money, format_money
from commerce.orders import lifecycle, tax
from commerce.orders.lifecycle import OrderView
from state import service_call, watch_lease
from state.cart import after_payment, local_path, receipt_token_for
from state.page import Pagination, ServiceState, page_number, paged
from state.session import client_connected, current_actor

# The confirmation page checks the order this often, for at most this long, while it awaits
# payment or its delivery (a license key being issued).
POLL_SECONDS = 1.0
POLL_LIMIT_SECONDS = 180
# A stamped PDF is made by a job: ask again this many times, this far apart.
PREPARE_ATTEMPTS = 20
PREPARE_WAIT_SECONDS = 1.5


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


@dataclasses.dataclass(frozen=True)
class DeliveryFileRow:
    id: int
    filename: str
    size_label: str
    # Set for a file buyers view online only: the page links to the reader instead of downloading.
    reader_url: str = ""


@dataclasses.dataclass(frozen=True)
class DeliveryKeyRow:
    id: int
    key: str
    status_label: str


@dataclasses.dataclass(frozen=True)
class DeliveryItemRow:
    product_id: int
    title: str
    library_url: str
    version_label: str
    delivering: bool
    files: list[DeliveryFileRow] = dataclasses.field(default_factory=list)
    license_keys: list[DeliveryKeyRow] = dataclasses.field(default_factory=list)


def delivery_rows(delivery: OrderDelivery | None) -> list[DeliveryItemRow]:
    if delivery is None:
        return []
    return [
        DeliveryItemRow(
            product_id=item.product_id,
            title=item.title,
            library_url=item.library_url,
            version_label=item.version_label,
            delivering=item.delivering,
            files=[
                DeliveryFileRow(id=f.id, filename=f.filename, size_label=f.size_label, reader_url=f.reader_url)
                for f in item.files
            ],
            license_keys=[DeliveryKeyRow(id=k.id, key=k.key, status_label=k.status_label) for k in item.keys],
        )
        for item in delivery.items
    ]


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


async def _fetch_delivery(actor: Actor, reference: str, token: str) -> OrderDelivery | None:
    """What the paid order delivers, if this viewer is its buyer or the browser that paid."""
    return (await service_call.call(order_access.order_delivery, actor, reference, token)).value


class OrderState(rx.State):
    order: OrderPage = OrderPage()
    not_found: bool = False
    loaded: bool = False
    watching: bool = False
    signed_in: bool = False
    # What the paid order delivers, for the browser that paid: files and license keys.
    delivery: list[DeliveryItemRow] = []
    delivering: bool = False
    download_error: str = ""
    download_notice: str = ""
    preparing_file_id: int = 0
    # Who is looking, fixed at page load for the background watcher (which cannot
    # re-read the session without taking the lock every second).
    _viewer_user_id: int | None = None
    _viewer_role: str = ANONYMOUS
    _viewer_shop_id: int | None = None
    _token: str = ""
    # Each page load's number. A watcher serves one load: after a reload (which may reach
    # another replica while the old watcher still runs) it stops rather than write over the
    # fresh page what it read before that load.
    _load_number: int = 0
    # The load the background watcher serves (0 when none runs), and its claim on this tab
    # (state.watch_lease), renewed every round.
    _watched_load: int = 0
    _watching_until: float = 0.0

    def _viewer(self) -> Actor:
        return Actor(user_id=self._viewer_user_id, role=self._viewer_role, shop_id=self._viewer_shop_id)

    @rx.event
    async def load(self):
        self.loaded = False
        self._load_number += 1
        # `order_reference` is the dynamic segment of routes.ORDER.
        reference = self.order_reference
        actor = await current_actor(self)
        self.signed_in = actor.is_signed_in
        self._viewer_user_id, self._viewer_role, self._viewer_shop_id = actor.user_id, actor.role, actor.shop_id
        self._token = await receipt_token_for(self, reference)
        view = await _fetch(actor, reference, self._token)
        self.not_found = view is None
        self.order = order_page(view) if view else OrderPage()
        self.download_error, self.download_notice = "", ""
        delivery = await _fetch_delivery(actor, reference, self._token) if view is not None else None
        self.delivery = delivery_rows(delivery)
        self.delivering = delivery is not None and delivery.delivering
        self.loaded = True
        if view is not None and self.order.is_paid:
            await after_payment(self, {line.product_id for line in view.lines})
        if view is not None and (view.status == OrderStatus.PENDING or self.delivering):
            self.watching = True  # the watcher starts now, or already runs for this order
            return OrderState.watch

    @rx.event(background=True)
    async def watch(self):
        """Check the order every second until the payment event has been handled and what it
        delivers has arrived (bounded)."""
        async with self:
            reference, actor, token = self.order.reference, self._viewer(), self._token
            if not reference:
                return  # nothing to watch
            load = watch_lease.claim(self)
            if load is None:
                return  # this load's watcher is already running
            self.watching = True
        try:
            for _ in range(int(POLL_LIMIT_SECONDS / POLL_SECONDS)):
                await asyncio.sleep(POLL_SECONDS)
                view = await _fetch(actor, reference, token)
                async with self:
                    if view is None or not client_connected(self) or not watch_lease.renew(self, load):
                        return  # the tab closed, or the page was loaded again (perhaps another order)
                    was_pending = self.order.is_pending
                    page = order_page(view)
                    if page != self.order:
                        self.order = page
                if view.status == OrderStatus.PENDING:
                    continue
                # Paid (or not): what it delivers, until the last key has been issued.
                delivery = await _fetch_delivery(actor, reference, token)
                async with self:
                    if self._load_number != load:
                        return
                    rows = delivery_rows(delivery)
                    if rows != self.delivery:
                        self.delivery = rows
                    self.delivering = delivery is not None and delivery.delivering
                    if was_pending and page.is_paid:
                        await after_payment(self, {line.product_id for line in view.lines})
                    if not self.delivering:
                        return
        finally:
            async with self:
                if watch_lease.release(self, load):
                    self.watching = False

    @rx.event(background=True)
    async def download(self, file_id: int):
        """A link to one file of the order, minted for this viewer (a guest's lives minutes)."""
        async with self:
            if self.preparing_file_id:
                return
            self.download_error, self.download_notice = "", ""
            self.preparing_file_id = file_id
            reference, actor, token = self.order.reference, self._viewer(), self._token
        try:
            for _ in range(PREPARE_ATTEMPTS):
                result = await service_call.call(order_access.mint_order_download, actor, reference, token, file_id)
                if not result.ok or result.value is None:
                    async with self:
                        self.download_error = result.error
                    return
                if not result.value.preparing:
                    async with self:
                        self.download_notice = gettext("Downloading {file}…", file=result.value.filename)
                    yield rx.download(url=result.value.url, filename=result.value.filename)
                    return
                async with self:
                    self.download_notice = result.value.message
                await asyncio.sleep(PREPARE_WAIT_SECONDS)
            async with self:
                self.download_notice = ""
                self.download_error = gettext(
                    "Your copy is taking longer than usual to prepare. Try again in a minute."
                )
        finally:
            async with self:
                self.preparing_file_id = 0


class OrderHistoryState(ServiceState, rx.State):
    orders: list[OrderPage] = []
    pagination: Pagination = Pagination()
    loaded: bool = False

    @rx.event
    async def load(self):
        views, self.pagination = paged(await self._call(lifecycle.list_orders, page=page_number(self)))
        self.orders = [order_page(view) for view in views]
        self.loaded = True

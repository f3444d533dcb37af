"""The seller's sales (with refunds), discount codes, and balance with its CSV statement.

Thin like the studio: each handler asks `current_actor` who is acting and calls one
service, which checks that the actor's shop owns what is touched.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

import reflex as rx

import routes
from commerce import ledger, wiring
from commerce.kit.ids import parse_id
from commerce.kit.time import utcnow
from commerce.money import Money, format_money
from commerce.orders import bundles, discounts, refunds, sales
from commerce.orders.bundles import BundleView
from commerce.orders.discounts import DiscountCodeView, ProductChoice
from commerce.orders.sales import SaleView
from state import service_call
from state.catalog import Pagination, page_number
from state.form_data import text_field
from state.session import current_actor


class SellerSalesState(rx.State):
    sales: list[SaleView] = []
    pagination: Pagination = Pagination()
    # The search as typed, from `?q=` (order reference or buyer email).
    query: str = ""
    loaded: bool = False
    error: str = ""
    notice: str = ""
    pending_reference: str = ""

    async def _reload(self) -> None:
        actor = await current_actor(self)
        result = await service_call.call(sales.list_shop_sales, actor, search=self.query, page=page_number(self))
        self.sales = result.value.items if result.ok else []
        self.pagination = Pagination.of(result.value) if result.ok else Pagination()
        if not result.ok:
            self.error = result.error
        self.loaded = True

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        query = self.router.url.query_parameters.get("q", "")
        self.query = query[: sales.MAX_SEARCH_LENGTH] if isinstance(query, str) else ""
        await self._reload()

    @rx.var
    def page_query(self) -> str:
        """What the pager puts before `page=N`: the search, encoded (emails may hold "+")."""
        return f"?{urlencode({'q': self.query})}&" if self.query else "?"

    @rx.event
    def search(self, form_data: dict[str, Any]):
        """The search goes in the address (`?q=`), so a result page can be reloaded and paged."""
        query = text_field(form_data, "q")[: sales.MAX_SEARCH_LENGTH]
        return rx.redirect(routes.SELLER_SALES + (f"?{urlencode({'q': query})}" if query else ""))

    @rx.event
    async def refund_order(self, reference: str):
        """Refund everything of this seller's on the order."""
        if not isinstance(reference, str):
            return
        self.error = self.notice = ""
        self.pending_reference = reference
        yield
        actor = await current_actor(self)
        result = await service_call.call(
            refunds.refund, actor, wiring.payment_gateway(), reference, reason="refunded by the seller"
        )
        self.pending_reference = ""
        if result.ok:
            self.notice = f"Order {reference}: your items are refunded."
        else:
            self.error = result.error
        await self._reload()

    @rx.event
    async def refund_line(self, form_data: dict[str, Any]):
        """A partial refund of one line: `reference`, `line_id`, `amount` (major units)."""
        reference = text_field(form_data, "reference")
        line_id = parse_id(form_data.get("line_id"))
        if not reference or line_id is None:
            return
        self.error = self.notice = ""
        self.pending_reference = reference
        yield
        actor = await current_actor(self)
        result = await service_call.call(
            sales.refund_line,
            actor,
            wiring.payment_gateway(),
            reference,
            line_id,
            text_field(form_data, "amount"),
            reason=text_field(form_data, "reason"),
        )
        self.pending_reference = ""
        if result.ok:
            self.notice = f"Refund recorded on order {reference}."
        else:
            self.error = result.error
        await self._reload()


@dataclasses.dataclass(frozen=True)
class CodeRow:
    id: int
    label: str
    usage_label: str
    conditions_label: str
    active: bool


def _code_row(code: DiscountCodeView, titles: dict[int, str]) -> CodeRow:
    usage = f"Used {code.used_count}" + (f" of {code.usage_limit}" if code.usage_limit is not None else " times")
    conditions = [f"only {titles.get(code.product_id, 'one product')}" if code.product_id else "shop-wide"]
    if code.minimum_amount:
        conditions.append("minimum " + format_money(Money(code.minimum_amount, code.currency)))
    ended = code.expires_at is not None and code.expires_at <= utcnow()
    if code.expires_at:
        conditions.append(("ended " if ended else "expires ") + code.expires_at.strftime("%d %b %Y"))
    used_up = code.usage_limit is not None and code.used_count >= code.usage_limit
    return CodeRow(
        id=code.id,
        label=code.label,
        usage_label=usage,
        conditions_label=", ".join(conditions),
        active=not ended and not used_up,
    )


class SellerDiscountsState(rx.State):
    codes: list[CodeRow] = []
    products: list[ProductChoice] = []
    loaded: bool = False
    error: str = ""
    notice: str = ""
    pending: bool = False

    async def _reload(self) -> None:
        actor = await current_actor(self)
        products = await service_call.call(discounts.product_choices, actor)
        codes = await service_call.call(discounts.list_codes, actor)
        self.products = products.value or []
        titles = {choice.id: choice.title for choice in self.products}
        self.codes = [_code_row(code, titles) for code in codes.value or []]
        self.loaded = True

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        await self._reload()

    @rx.event
    async def end(self, code_id: int):
        code_id = parse_id(code_id)
        if code_id is None:
            return
        self.error = self.notice = ""
        actor = await current_actor(self)
        result = await service_call.call(discounts.end_code, actor, code_id)
        if result.ok:
            self.notice = f"Code {result.value.code} ended: buyers can no longer use it."
        else:
            self.error = result.error
        await self._reload()

    @rx.event
    async def create(self, form_data: dict[str, Any]):
        self.error = self.notice = ""
        self.pending = True
        yield
        actor = await current_actor(self)
        result = await service_call.call(
            discounts.create_code_from_text,
            actor,
            code=text_field(form_data, "code"),
            kind=text_field(form_data, "kind"),
            value=text_field(form_data, "value"),
            product_id=text_field(form_data, "product_id"),
            minimum=text_field(form_data, "minimum"),
            expires_on=text_field(form_data, "expires_on"),
            usage_limit=text_field(form_data, "usage_limit"),
        )
        self.pending = False
        if not result.ok:
            self.error = result.error
            return
        self.notice = f"Code {result.value.code} created."
        await self._reload()


class SellerPayoutsState(rx.State):
    balances: list[ledger.SellerBalance] = []
    loaded: bool = False
    error: str = ""

    @rx.event
    async def load(self):
        actor = await current_actor(self)
        result = await service_call.call(ledger.seller_balances, actor)
        self.balances = result.value or []
        self.error = result.error
        self.loaded = True

    @rx.event
    async def download_statement(self):
        actor = await current_actor(self)
        result = await service_call.call(ledger.seller_statement_csv, actor)
        if not result.ok:
            self.error = result.error
            return
        return rx.download(data=result.value, filename="earnings-statement.csv")


@dataclasses.dataclass(frozen=True)
class PayoutLine:
    shop_name: str
    currency: str
    sales_label: str
    refunds_label: str
    disputed_label: str
    pending_label: str
    available_label: str


class AdminPayoutsState(rx.State):
    """Every shop's balance, for the admins who pay sellers out (the service checks the role)."""

    rows: list[PayoutLine] = []
    loaded: bool = False
    error: str = ""

    @rx.event
    async def load(self):
        actor = await current_actor(self)
        result = await service_call.call(ledger.payouts_report, actor)
        self.error = result.error
        self.rows = [
            PayoutLine(
                shop_name=row.shop_name,
                currency=row.currency,
                **{
                    f"{name}_label": format_money(Money(getattr(row, name), row.currency))
                    for name in ("sales", "refunds", "disputed", "pending", "available")
                },
            )
            for row in result.value or []
        ]
        self.loaded = True

    @rx.event
    async def download_csv(self):
        actor = await current_actor(self)
        result = await service_call.call(ledger.payouts_csv, actor)
        if not result.ok:
            self.error = result.error
            return
        return rx.download(data=result.value, filename="payouts.csv")


class SellerBundlesState(rx.State):
    bundles: list[BundleView] = []
    products: list[ProductChoice] = []
    loaded: bool = False
    error: str = ""
    notice: str = ""
    pending: bool = False

    async def _reload(self) -> None:
        actor = await current_actor(self)
        products = await service_call.call(discounts.product_choices, actor)
        found = await service_call.call(bundles.list_bundles, actor)
        self.products = products.value or []
        self.bundles = found.value or []
        self.loaded = True

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        await self._reload()

    @rx.event
    async def save(self, form_data: dict[str, Any]):
        """`bundle_id` and one `item-<product id>` checkbox per product included."""
        bundle_id = parse_id(form_data.get("bundle_id"))
        self.error = self.notice = ""
        if bundle_id is None:
            self.error = "Choose the product that becomes the bundle."
            return
        items = [
            product_id
            for key, value in form_data.items()
            if isinstance(key, str) and key.startswith("item-") and value
            if (product_id := parse_id(key.removeprefix("item-"))) is not None
        ]
        self.pending = True
        yield
        actor = await current_actor(self)
        result = await service_call.call(bundles.set_bundle_items, actor, bundle_id, items)
        self.pending = False
        if not result.ok:
            self.error = result.error
            return
        view = result.value
        self.notice = (
            f"{view.title} now includes {len(view.items)} product(s)."
            if view.items
            else f"{view.title} is no longer a bundle."
        )
        await self._reload()

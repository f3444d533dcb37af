"""The seller's sales (with refunds), discount codes, and balance with its CSV statement.

Thin like the studio: each handler calls one service as the session's actor, which
checks that the actor's shop owns what is touched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import reflex as rx

import routes
from commerce import payments
from commerce.catalog import bundles
from commerce.catalog.bundles import BundleView
from commerce.i18n import bo_gettext, bo_ngettext, format_date
from commerce.kit.ids import parse_id
from commerce.money import Money, format_money
from commerce.orders import discounts, refunds, sales
from commerce.orders.discounts import DiscountCodeView, ProductChoice
from commerce.orders.sales import SaleView
from state import service_call
from state.form_data import text_field, text_fields
from state.page import PageState, Pagination, page_number, paged
from state.session import current_actor


class SellerSalesState(PageState, rx.State):
    sales: list[SaleView] = []
    pagination: Pagination = Pagination()
    # The search as typed, from `?q=` (order reference or buyer email).
    query: str = ""
    pending_reference: str = ""

    async def _reload(self) -> None:
        result = await self._call(sales.list_shop_sales, search=self.query, page=page_number(self))
        self.sales, self.pagination = paged(result)
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

    async def _refund(self, reference: str, service, *args, done: Callable[[], str], **kwargs) -> None:
        """Refunds go to the payment gateway over the network: called from background events,
        so the page stays usable meanwhile. `done()` makes the notice once the seller's
        language is the current one (current_actor speaks it)."""
        async with self:
            self.error = self.notice = ""
            self.pending_reference = reference
            actor = await current_actor(self)
        result = await service_call.call(service, actor, payments.gateway(), reference, *args, **kwargs)
        async with self:
            self.pending_reference = ""
            self.error, self.notice = result.error, done() if result.ok else ""
            await self._reload()

    @rx.event(background=True)
    async def refund_order(self, reference: str):
        """Refund everything of this seller's on the order."""
        if isinstance(reference, str):
            await self._refund(
                reference,
                refunds.refund,
                reason="refunded by the seller",
                done=lambda: bo_gettext("Order {reference}: your items are refunded.", reference=reference),
            )

    @rx.event(background=True)
    async def refund_line(self, form_data: dict[str, Any]):
        """A partial refund of one line: `reference`, `line_id`, `amount` (major units)."""
        reference = text_field(form_data, "reference")
        line_id = parse_id(form_data.get("line_id"))
        if reference and line_id is not None:
            await self._refund(
                reference,
                sales.refund_line,
                line_id,
                text_field(form_data, "amount"),
                reason=text_field(form_data, "reason"),
                done=lambda: bo_gettext("Refund recorded on order {reference}.", reference=reference),
            )


@dataclasses.dataclass(frozen=True)
class CodeRow:
    id: int
    label: str
    usage_label: str
    conditions_label: str
    active: bool


def _code_row(code: DiscountCodeView, titles: dict[int, str]) -> CodeRow:
    """A code as the list shows it, in the seller's language (the handler has spoken it)."""
    if code.usage_limit is not None:
        usage = bo_gettext("Used {used} of {limit}", used=code.used_count, limit=code.usage_limit)
    else:
        usage = bo_ngettext("Used once", "Used {count} times", code.used_count)
    if code.product_id:
        conditions = [bo_gettext("only {product}", product=titles.get(code.product_id, "…"))]
    else:
        conditions = [bo_gettext("shop-wide")]
    if code.minimum_amount:
        conditions.append(
            bo_gettext("minimum {amount}", amount=format_money(Money(code.minimum_amount, code.currency)))
        )
    if code.expires_at:
        day = format_date(code.expires_at)
        conditions.append(bo_gettext("ended {day}", day=day) if code.expired else bo_gettext("expires {day}", day=day))
    return CodeRow(
        id=code.id,
        label=code.label,
        usage_label=usage,
        conditions_label=", ".join(conditions),
        active=code.active,
    )


class SellerDiscountsState(PageState, rx.State):
    codes: list[CodeRow] = []
    products: list[ProductChoice] = []
    pending: bool = False

    async def _reload(self) -> None:
        self.products = (await self._call(discounts.product_choices)).value or []
        titles = {choice.id: choice.title for choice in self.products}
        self.codes = [_code_row(code, titles) for code in (await self._call(discounts.list_codes)).value or []]
        self.loaded = True

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        await self._reload()

    @rx.event
    async def end(self, code_id: int):
        code_id = parse_id(code_id)
        if code_id is not None:
            await self._act(
                discounts.end_code,
                code_id,
                done=lambda code: bo_gettext("Code {code} ended: buyers can no longer use it.", code=code.code),
            )

    @rx.event
    async def create(self, form_data: dict[str, Any]):
        self.pending = True
        yield
        await self._act(
            discounts.create_code_from_text,
            **text_fields(form_data, "code", "kind", "value", "product_id", "minimum", "expires_on", "usage_limit"),
            done=lambda code: bo_gettext("Code {code} created.", code=code.code),
        )
        self.pending = False


class SellerBundlesState(PageState, rx.State):
    bundles: list[BundleView] = []
    products: list[ProductChoice] = []
    pending: bool = False

    async def _reload(self) -> None:
        self.products = (await self._call(discounts.product_choices)).value or []
        self.bundles = (await self._call(bundles.list_bundles)).value or []
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
            self.error = bo_gettext("Choose the product that becomes the bundle.")
            return
        items = [
            product_id
            for key, value in form_data.items()
            if isinstance(key, str) and key.startswith("item-") and value
            if (product_id := parse_id(key.removeprefix("item-"))) is not None
        ]
        self.pending = True
        yield
        await self._act(
            bundles.set_bundle_items,
            bundle_id,
            items,
            done=lambda view: (
                f"{view.title} now includes {len(view.items)} product(s)."
                if view.items
                else f"{view.title} is no longer a bundle."
            ),
        )
        self.pending = False

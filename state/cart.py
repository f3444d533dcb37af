"""The cart: guests keep theirs in this browser session (backend vars), signed-in buyers
in the database; the guest cart is merged in when they sign in. Checkout opens the
gateway's payment page.

Every price shown comes from `commerce.orders.pricing`, the function that also
prices the order, so the cart never shows a total the order would not charge.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from commerce import payments
from commerce.actor import Actor
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.models import PricingMode
from commerce.money import Money, format_money
from commerce.orders import cart, checkout, currency
from commerce.orders.cart import CartSettings, CartView
from commerce.orders.pricing import CartInput
from state import service_call
from state.analytics import track
from state.form_data import text_field
from state.session import current_actor


def local_path(url: str) -> str:
    """An address on this site as a path, so the browser stays on the host it came from
    (BASE_URL may name another host for the same app, e.g. localhost vs 127.0.0.1)."""
    base = get_settings().base_url.rstrip("/")
    if url.startswith(base + "/"):
        return url[len(base) :]
    return url


def _percent(bps: int) -> str:
    return f"{bps / 100:g} %"


@dataclasses.dataclass(frozen=True)
class CartRow:
    product_id: int
    title: str
    url: str
    shop_name: str
    # The first line of a seller's group carries the seller's heading.
    first_of_shop: bool
    is_pwyw: bool
    amount_input: str  # the PWYW amount as typed, in the product's currency
    minimum_label: str
    unit_label: str
    discount_label: str
    tax_label: str
    total_label: str
    problem: str


@dataclasses.dataclass(frozen=True)
class CartTotals:
    subtotal_label: str = ""
    discount_label: str = ""
    has_discount: bool = False
    tax_label: str = ""
    tax_rate_label: str = ""
    has_tax_rate: bool = False
    total_label: str = ""
    is_free: bool = False
    payable_count: int = 0


def _rows(view: CartView) -> list[CartRow]:
    quote = view.quote
    amounts = {item.product_id: item.amount for item in view.items}
    lines = sorted(quote.lines, key=lambda line: (line.shop_name.lower(), line.shop_id))
    rows, seen_shops = [], set()
    for line in lines:
        amount = amounts.get(line.product_id)
        rows.append(
            CartRow(
                product_id=line.product_id,
                title=line.title,
                url=line.url,
                shop_name=line.shop_name,
                first_of_shop=line.shop_id not in seen_shops,
                is_pwyw=line.pricing == PricingMode.PWYW,
                amount_input=str(
                    Money(amount if amount is not None else line.list_amount, line.list_currency).to_decimal()
                ),
                minimum_label=line.minimum_label,
                unit_label=line.unit_label,
                discount_label=format_money(Money(line.discount, quote.currency)) if line.discount else "",
                tax_label=format_money(Money(line.tax, quote.currency)),
                total_label=line.total_label,
                problem=line.problem or "",
            )
        )
        seen_shops.add(line.shop_id)
    return rows


def _totals(view: CartView) -> CartTotals:
    quote = view.quote
    return CartTotals(
        subtotal_label=quote.subtotal_label,
        discount_label=quote.discount_label,
        has_discount=quote.discount > 0,
        tax_label=quote.tax_label,
        tax_rate_label=_percent(quote.tax_rate_bps),
        has_tax_rate=quote.tax_rate_bps > 0,
        total_label=quote.total_label,
        is_free=quote.total == 0,
        payable_count=len(quote.payable_lines),
    )


class CartState(rx.State):
    # The guest cart, in this browser session only (the server holds it, not the browser).
    _guest_items: list[dict[str, Any]] = []
    _guest_code: str = ""
    _guest_country: str = ""
    _guest_currency: str = ""
    # Orders a guest placed from this session: reference -> receipt token (lifecycle.receipt_token).
    _receipt_tokens: dict[str, str] = {}

    count: int = 0
    rows: list[CartRow] = []
    totals: CartTotals = CartTotals()
    code: str = ""
    code_message: str = ""
    country: str = ""
    currency: str = ""
    currencies: list[str] = []
    signed_in: bool = False
    loaded: bool = False

    error: str = ""
    amount_errors: dict[str, str] = {}
    code_error: str = ""
    email_error: str = ""
    checkout_error: str = ""
    checkout_pending: bool = False

    # The product page's "Add to cart" outcome, for the product it was about.
    added_product_id: int = 0
    add_error: str = ""
    add_error_product_id: int = 0
    add_pending: bool = False

    # -- the guest cart ----------------------------------------------------------

    def _guest_inputs(self) -> list[CartInput]:
        return [CartInput(int(item["product_id"]), item.get("amount")) for item in self._guest_items]

    def _guest_settings(self) -> CartSettings:
        return CartSettings(self._guest_code or None, self._guest_country or None, self._guest_currency or None)

    def _set_guest_item(self, item: CartInput) -> None:
        entries = [entry for entry in self._guest_items if entry["product_id"] != item.product_id]
        position = next(
            (i for i, entry in enumerate(self._guest_items) if entry["product_id"] == item.product_id), len(entries)
        )
        entries.insert(position, {"product_id": item.product_id, "amount": item.amount})
        self._guest_items = entries

    async def _merge_guest(self, actor: Actor) -> None:
        """A guest who signs in keeps what they put in the cart."""
        if not actor.is_signed_in or not (
            self._guest_items or self._guest_code or self._guest_country or self._guest_currency
        ):
            return
        result = await service_call.call(cart.merge_guest_cart, actor, self._guest_inputs(), self._guest_settings())
        if result.ok:
            self._guest_items, self._guest_code, self._guest_country, self._guest_currency = [], "", "", ""

    # -- reading -------------------------------------------------------------------

    def _show(self, view: CartView) -> None:
        self.rows = _rows(view)
        self.totals = _totals(view)
        self.count = len(view.items)
        self.code = view.settings.code or ""
        self.code_message = view.quote.code_message or ""
        self.country = view.quote.country or ""
        self.currency = view.quote.currency
        self.loaded = True

    async def _view(self, actor: Actor) -> CartView | None:
        if actor.is_signed_in:
            result = await service_call.call(cart.view_cart, actor)
        else:
            result = await service_call.call(cart.guest_view, self._guest_inputs(), self._guest_settings())
        if not result.ok:
            self.error = result.error
            return None
        return result.value

    async def _refresh(self, actor: Actor) -> None:
        self.signed_in = actor.is_signed_in
        view = await self._view(actor)
        if view is not None:
            self._show(view)

    @rx.event
    async def refresh_count(self):
        """On every page: the navbar's count (and the guest cart merged after sign-in)."""
        actor = await current_actor(self)
        self.signed_in = actor.is_signed_in
        await self._merge_guest(actor)
        if actor.is_signed_in:
            result = await service_call.call(cart.item_count, actor)
            self.count = result.value if result.ok else 0
        else:
            self.count = len(self._guest_items)

    @rx.event
    async def load(self):
        """The cart page."""
        self.error = self.code_error = self.email_error = self.checkout_error = ""
        self.amount_errors = {}
        actor = await current_actor(self)
        await self._merge_guest(actor)
        if not self.currencies:
            offered = await service_call.call(currency.available_currencies)
            self.currencies = offered.value or []
        await self._refresh(actor)

    # -- changing --------------------------------------------------------------------

    @rx.event
    async def add(self, form_data: dict[str, Any]):
        """The product page's form: `product_id` and, for pay what you want, `amount`."""
        raw_id = text_field(form_data, "product_id")
        if not raw_id.isdigit():
            return
        product_id = int(raw_id)
        amount_text = text_field(form_data, "amount") if "amount" in form_data else None
        self.add_error, self.add_error_product_id, self.added_product_id = "", 0, 0
        self.add_pending = True
        yield
        actor = await current_actor(self)
        if actor.is_signed_in:
            result = await service_call.call(cart.add_item, actor, product_id, amount_text)
        else:
            result = await service_call.call(cart.check_item, product_id, amount_text)
            if result.ok:
                if len(self._guest_items) >= cart.MAX_ITEMS and all(
                    entry["product_id"] != product_id for entry in self._guest_items
                ):
                    result = service_call.Result(error=f"A cart holds at most {cart.MAX_ITEMS} products.")
                else:
                    self._set_guest_item(result.value)
        self.add_pending = False
        if not result.ok:
            self.add_error, self.add_error_product_id = result.error, product_id
            return
        self.added_product_id = product_id
        await self._refresh(actor)
        await track(self, "add_to_cart", product_ids=[product_id])

    @rx.event
    async def set_amount(self, form_data: dict[str, Any]):
        """A pay-what-you-want amount changed on the cart page."""
        raw_id = text_field(form_data, "product_id")
        if not raw_id.isdigit():
            return
        product_id = int(raw_id)
        amount_text = text_field(form_data, "amount")
        actor = await current_actor(self)
        if actor.is_signed_in:
            result = await service_call.call(cart.add_item, actor, product_id, amount_text)
        else:
            result = await service_call.call(cart.check_item, product_id, amount_text)
            if result.ok and any(entry["product_id"] == product_id for entry in self._guest_items):
                self._set_guest_item(result.value)
        errors = {key: value for key, value in self.amount_errors.items() if key != raw_id}
        if not result.ok:
            errors[raw_id] = result.error
        self.amount_errors = errors
        await self._refresh(actor)

    @rx.event
    async def remove(self, product_id: int):
        if not isinstance(product_id, int) or isinstance(product_id, bool):
            return
        actor = await current_actor(self)
        if actor.is_signed_in:
            await service_call.call(cart.remove_item, actor, product_id)
        else:
            self._guest_items = [entry for entry in self._guest_items if entry["product_id"] != product_id]
        self.amount_errors = {key: value for key, value in self.amount_errors.items() if key != str(product_id)}
        await self._refresh(actor)

    async def _change_settings(
        self, *, code: str | None = None, country: str | None = None, currency_code: str | None = None
    ) -> str:
        """Apply the buyer's choices; returns the error to show, if any."""
        actor = await current_actor(self)
        chosen = dict(
            code=self.code if code is None else code,
            country=self.country if country is None else country,
            currency=self.currency if currency_code is None else currency_code,
        )
        if actor.is_signed_in:
            result = await service_call.call(cart.update_settings, actor, **chosen)
        else:
            result = await service_call.call(cart.normalize_settings, **chosen)
            if result.ok:
                settings: CartSettings = result.value
                self._guest_code = settings.code or ""
                self._guest_country = settings.country or ""
                self._guest_currency = settings.currency or ""
        await self._refresh(actor)
        return result.error

    @rx.event
    async def apply_code(self, form_data: dict[str, Any]):
        code = text_field(form_data, "code")
        if not code:
            self.code_error = "Enter a discount code."
            return
        self.code_error = await self._change_settings(code=code)
        if not self.code_error and self.code_message:
            # A code that does not apply is not kept: it would only stop the checkout.
            self.code_error = self.code_message
            await self._change_settings(code="")

    @rx.event
    async def remove_code(self):
        self.code_error = await self._change_settings(code="")

    @rx.event
    async def choose_country(self, country: str):
        if isinstance(country, str):
            self.error = await self._change_settings(country=country)

    @rx.event
    async def choose_currency(self, currency_code: str):
        if isinstance(currency_code, str) and currency_code:
            self.error = await self._change_settings(currency_code=currency_code)

    # -- checkout --------------------------------------------------------------------

    @rx.event
    async def start_checkout(self, form_data: dict[str, Any]):
        email = text_field(form_data, "email")
        self.email_error = self.checkout_error = ""
        actor = await current_actor(self)
        if not actor.is_signed_in and not email:
            self.email_error = "Enter your email so we can send your receipt and your purchases."
            return
        self.checkout_pending = True
        yield
        view = await self._view(actor)
        if view is None:
            self.checkout_pending = False
            return
        result = await service_call.call(
            checkout.start_checkout,
            actor,
            payments.gateway(),
            items=list(view.items),
            settings=view.settings,
            email=None if actor.is_signed_in else email,
        )
        self.checkout_pending = False
        if not result.ok:
            if result.field == "email":
                self.email_error = result.error
            else:
                self.checkout_error = result.error
            await self._refresh(actor)
            return
        if not actor.is_signed_in:
            self._receipt_tokens = {**self._receipt_tokens, result.value.order_reference: result.value.receipt_token}
        await track(self, "checkout", order_reference=result.value.order_reference)
        yield rx.redirect(local_path(result.value.redirect_url))


async def merge_after_sign_in(state: rx.State, actor: Actor) -> None:
    """Called by the sign-in and sign-up handlers: the guest cart joins the account's."""
    cart_state = await state.get_state(CartState)
    await cart_state._merge_guest(actor)
    await cart_state._refresh(actor)


async def receipt_token_for(state: rx.State, reference: str) -> str:
    """The token this browser session got when it placed `reference` as a guest ("" if none)."""
    cart_state = await state.get_state(CartState)
    return cart_state._receipt_tokens.get(reference, "")


async def after_payment(state: rx.State, actor: Actor, product_ids: set[int], signed_in_count: int) -> None:
    """An order was paid: a guest's session cart loses what it bought (a signed-in cart
    already has, in the same transaction); the navbar count follows."""
    cart_state = await state.get_state(CartState)
    if actor.is_signed_in:
        cart_state.count = signed_in_count
        return
    cart_state._guest_items = [entry for entry in cart_state._guest_items if entry["product_id"] not in product_ids]
    cart_state._guest_code = ""
    cart_state.count = len(cart_state._guest_items)


def signed_in_count(actor: Actor) -> int:
    """The cart count for the navbar, from a worker thread (0 for guests)."""
    if not actor.is_signed_in:
        return 0
    with unit_of_work() as s:
        return cart.item_count(s, actor)

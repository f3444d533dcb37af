"""The cart: the services of commerce.orders.cart over the visitor's cart (a signed-in
buyer's in the database, or the guest cart this browser session keeps in a backend var,
merged into the account's after sign-in). Checkout opens the gateway's payment page.

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
from commerce.i18n import gettext
from commerce.kit.ids import parse_id
from commerce.models import PricingMode
from commerce.money import Money, format_money
from commerce.orders import cart, checkout, currency, tax
from commerce.orders.cart import NO_GUEST_CART, CartChange, CartView, GuestCart
from state import service_call
from state.analytics import track
from state.form_data import form_errors, text_field
from state.language import speaking
from state.page import ServiceState
from state.service_call import Result
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


class CartState(ServiceState, rx.State):
    # A guest's cart, kept by this browser session (on the server, not in the browser).
    _guest: GuestCart = NO_GUEST_CART
    # Orders placed from this session: reference -> receipt token (lifecycle.receipt_token),
    # which lets a guest see the order's confirmation page.
    _receipt_tokens: dict[str, str] = {}

    count: int = 0
    rows: list[CartRow] = []
    totals: CartTotals = CartTotals()
    code: str = ""
    code_message: str = ""
    country: str = ""
    currency: str = ""
    currencies: list[str] = []
    # [code, name] of every billing country, named in the tab's language.
    countries: list[list[str]] = []
    loaded: bool = False

    error: str = ""
    amount_errors: dict[str, str] = {}
    code_error: str = ""
    # The checkout form's errors: "email" (a guest's) or "form".
    checkout_errors: dict[str, str] = {}
    checkout_pending: bool = False

    # The product page's "Add to cart" outcome, for the product it was about.
    added_product_id: int = 0
    add_error: str = ""
    add_error_product_id: int = 0
    add_pending: bool = False

    async def _change(self, service, *args, **kwargs) -> Result:
        """A cart service over this visitor's cart (the service picks the signed-in buyer's
        or this session's guest cart); shows the cart it returns."""
        result = await self._call(service, *args, guest=self._guest, **kwargs)
        if result.ok:
            change: CartChange = result.value
            self._guest = change.guest
            view = change.view
            self.rows = _rows(view)
            self.totals = _totals(view)
            self.count = len(view.items)
            self.code = view.settings.code or ""
            self.code_message = view.quote.code_message or ""
            self.country = view.quote.country or ""
            self.currency = view.quote.currency
            self.loaded = True
        return result

    def _count(self, result: Result) -> None:
        if result.ok:
            self.count, self._guest = result.value.count, result.value.guest

    async def _refresh_count(self, actor: Actor) -> None:
        """On every page: the navbar's count (and a guest cart joins the account's after sign-in)."""
        self._count(await service_call.call(cart.item_count, actor, guest=self._guest))

    @rx.event
    async def load(self):
        """The cart page."""
        self.code_error, self.checkout_errors = "", {}
        self.amount_errors = {}
        if not self.currencies:
            self.currencies = (await service_call.call(currency.available_currencies)).value or []
        self.error = (await self._change(cart.open_cart)).error
        # After the call above, which speaks the tab's language: the names in it.
        self.countries = [[code, name] for code, name in tax.country_names().items()]

    @rx.event
    async def add(self, form_data: dict[str, Any]):
        """The product page's form: `product_id` and, for pay what you want, `amount`."""
        product_id = parse_id(form_data.get("product_id"))
        if product_id is None:
            return
        amount_text = text_field(form_data, "amount") if "amount" in form_data else None
        self.add_error, self.add_error_product_id, self.added_product_id = "", 0, 0
        self.add_pending = True
        yield
        result = await self._change(cart.add_item, product_id, amount_text)
        self.add_pending = False
        if not result.ok:
            self.add_error, self.add_error_product_id = result.error, product_id
            # The product page's form brings the message into view itself (storefront/pages/product.py).
            return
        self.added_product_id = product_id
        await track(self, "add_to_cart", product_ids=[product_id])

    @rx.event
    async def set_amount(self, form_data: dict[str, Any]):
        """A pay-what-you-want amount changed on the cart page."""
        product_id = parse_id(form_data.get("product_id"))
        if product_id is None:
            return
        result = await self._change(cart.add_item, product_id, text_field(form_data, "amount"))
        self._amount_error(product_id, result.error)

    def _amount_error(self, product_id: int, error: str) -> None:
        errors = {key: value for key, value in self.amount_errors.items() if key != str(product_id)}
        self.amount_errors = {**errors, str(product_id): error} if error else errors

    @rx.event
    async def remove(self, product_id: int):
        product_id = parse_id(product_id)
        if product_id is not None:
            await self._change(cart.remove_item, product_id)
            self._amount_error(product_id, "")

    @rx.event
    async def apply_code(self, form_data: dict[str, Any]):
        code = text_field(form_data, "code")
        await speaking(self)
        self.code_error = (
            gettext("Enter a discount code.") if not code else (await self._change(cart.apply_code, code)).error
        )

    @rx.event
    async def remove_code(self):
        self.code_error = (await self._change(cart.remove_code)).error

    @rx.event
    async def choose_country(self, country: str):
        if isinstance(country, str):
            self.error = (await self._change(cart.choose_country, country)).error

    @rx.event
    async def choose_currency(self, currency_code: str):
        if isinstance(currency_code, str) and currency_code:
            self.error = (await self._change(cart.choose_currency, currency_code)).error

    @rx.event(background=True)
    async def start_checkout(self, form_data: dict[str, Any]):
        """Opening the gateway's payment page is a network call: off the state lock."""
        async with self:
            if self.checkout_pending:
                return
            self.checkout_errors = {}
            self.checkout_pending = True
            actor, guest = await current_actor(self), self._guest
        result = await service_call.call(
            checkout.checkout_cart, actor, payments.gateway(), guest=guest, email=text_field(form_data, "email")
        )
        async with self:
            self.checkout_pending = False
            if not result.ok:
                self.checkout_errors = form_errors(result, ("email",))
                await self._change(cart.open_cart)  # the cart as it is now, with what stopped the checkout
                return
            placed = result.value
            self._receipt_tokens = {**self._receipt_tokens, placed.order_reference: placed.receipt_token}
            await track(self, "checkout", order_reference=placed.order_reference)
        yield rx.redirect(local_path(placed.redirect_url))


async def receipt_token_for(state: rx.State, reference: str) -> str:
    """The token this browser session got when it placed `reference` ("" if none)."""
    cart_state = await state.get_state(CartState)
    return cart_state._receipt_tokens.get(reference, "")


async def after_payment(state: rx.State, product_ids: set[int]) -> None:
    """An order placed from this session was paid: the cart loses what it bought, and the
    navbar count follows."""
    cart_state = await state.get_state(CartState)
    cart_state._count(await cart_state._call(cart.after_payment, product_ids, guest=cart_state._guest))

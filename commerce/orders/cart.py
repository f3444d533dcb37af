"""Carts: in the database for signed-in buyers; a guest's cart is a `GuestCart` value their
browser session keeps (on the server, in the UI's backend state) and passes in. It is
merged into the database cart once they sign in.

The functions the pages call take the actor and the guest cart and work on whichever cart
is the visitor's; each returns the guest cart to keep (empty once an account owns it), so
the page keeps no rule of its own about either cart.

One of each digital product per cart (quantity 1). Pay-what-you-want amounts are
typed in the product's currency and checked against its minimum.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_signed_in
from commerce.catalog.queries import visible_to_buyers
from commerce.errors import NotFound, ValidationError
from commerce.i18n import gettext
from commerce.kit.time import utcnow
from commerce.models import Cart, CartItem, PricingMode, Product, Shop, saved_id
from commerce.money import Money, format_money, parse_major
from commerce.orders import tax
from commerce.orders.currency import check_offered
from commerce.orders.discounts import normalize_code
from commerce.orders.pricing import CartInput, Quote, price_cart

MAX_ITEMS = 50


@dataclass(frozen=True)
class CartSettings:
    code: str | None
    country: str | None
    currency: str | None


NO_SETTINGS = CartSettings(None, None, None)


@dataclass(frozen=True)
class CartView:
    items: tuple[CartInput, ...]
    settings: CartSettings
    quote: Quote


@dataclass(frozen=True)
class GuestCart:
    """A guest's products and choices, kept by their browser session between events."""

    items: tuple[CartInput, ...] = ()
    settings: CartSettings = NO_SETTINGS

    @property
    def is_empty(self) -> bool:
        return not self.items and self.settings == NO_SETTINGS


NO_GUEST_CART = GuestCart()


@dataclass(frozen=True)
class CartChange:
    """The visitor's cart after a change, and the guest cart their session keeps now."""

    view: CartView
    guest: GuestCart


@dataclass(frozen=True)
class CartCount:
    """How many products the visitor's cart holds (the navbar badge), and the guest cart to keep."""

    count: int
    guest: GuestCart


def check_item(s: Session, product_id: int, amount_text: str | None = None) -> CartInput:
    """A product buyers can add, with its PWYW amount parsed and checked; raises otherwise."""
    product = s.exec(
        select(Product)
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .where(Product.id == product_id, visible_to_buyers())
    ).first()
    if product is None:
        raise NotFound(gettext("This product is not available."))
    if product.pricing != PricingMode.PWYW:
        return CartInput(saved_id(product), None)
    if amount_text is None or not str(amount_text).strip():
        return CartInput(saved_id(product), product.price_amount)
    amount = parse_major(str(amount_text), product.currency).amount
    if amount < product.price_amount:
        minimum = format_money(Money(product.price_amount, product.currency))
        raise ValidationError(
            gettext("Pay at least {minimum} for {title}.", minimum=minimum, title=product.title), field="amount"
        )
    return CartInput(saved_id(product), amount)


def _existing_cart(s: Session, user_id: int) -> Cart | None:
    return s.exec(select(Cart).where(Cart.user_id == user_id)).first()


def _cart(s: Session, user_id: int) -> Cart:
    """The buyer's cart, made on first use."""
    cart = _existing_cart(s, user_id)
    if cart is None:
        cart = Cart(user_id=user_id)
        s.add(cart)
        s.flush()
    return cart


def _items(s: Session, cart: Cart | None) -> list[CartInput]:
    if cart is None:
        return []
    rows = s.exec(
        select(CartItem).where(CartItem.cart_id == cart.id).order_by(col(CartItem.added_at), col(CartItem.id))
    ).all()
    return [CartInput(row.product_id, row.amount) for row in rows]


def _touch(s: Session, cart: Cart) -> None:
    cart.updated_at = utcnow()
    s.add(cart)
    s.flush()


def _account_settings(cart: Cart | None) -> CartSettings:
    return CartSettings(cart.discount_code, cart.billing_country, cart.currency) if cart else NO_SETTINGS


def cart_view(s: Session, actor: Actor, *, guest: GuestCart = NO_GUEST_CART) -> CartView:
    """The visitor's cart, priced: the signed-in buyer's, or the guest's."""
    if actor.is_signed_in:
        cart = _existing_cart(s, require_signed_in(actor))
        items, settings = _items(s, cart), _account_settings(cart)
    else:
        items, settings = list(guest.items[:MAX_ITEMS]), guest.settings
    return CartView(tuple(items), settings, quote_for(s, items, settings))


def quote_for(s: Session, items: list[CartInput] | tuple[CartInput, ...], settings: CartSettings) -> Quote:
    return price_cart(s, list(items), code=settings.code, country=settings.country, currency=settings.currency)


def _kept(s: Session, actor: Actor, guest: GuestCart) -> GuestCart:
    """The guest cart the session still keeps: none once it has joined a signed-in buyer's."""
    if not actor.is_signed_in or guest.is_empty:
        return guest
    _merge_into_account(s, actor, guest)
    return NO_GUEST_CART


def _changed(s: Session, actor: Actor, guest: GuestCart) -> CartChange:
    return CartChange(cart_view(s, actor, guest=guest), guest)


def open_cart(s: Session, actor: Actor, *, guest: GuestCart = NO_GUEST_CART) -> CartChange:
    """The cart page: the visitor's cart, with a guest cart merged in once they have signed in."""
    return _changed(s, actor, _kept(s, actor, guest))


def item_count(s: Session, actor: Actor, *, guest: GuestCart = NO_GUEST_CART) -> CartCount:
    """The navbar badge on every page, merging a guest cart once the visitor has signed in."""
    guest = _kept(s, actor, guest)
    if not actor.is_signed_in:
        return CartCount(len(guest.items), guest)
    cart = _existing_cart(s, require_signed_in(actor))
    if cart is None:
        return CartCount(0, guest)
    return CartCount(s.exec(select(func.count()).select_from(CartItem).where(CartItem.cart_id == cart.id)).one(), guest)


def add_item(
    s: Session, actor: Actor, product_id: int, amount_text: str | None = None, *, guest: GuestCart = NO_GUEST_CART
) -> CartChange:
    """Add a product, or change its PWYW amount when it is already in the cart (adding it
    again without an amount keeps the amount)."""
    item = check_item(s, product_id, amount_text)
    if not actor.is_signed_in:
        position = next((i for i, entry in enumerate(guest.items) if entry.product_id == product_id), None)
        if position is None:
            if len(guest.items) >= MAX_ITEMS:
                raise ValidationError(gettext("A cart holds at most {count} products.", count=MAX_ITEMS))
            items = (*guest.items, item)
        else:
            kept = item if amount_text is not None else guest.items[position]
            items = (*guest.items[:position], kept, *guest.items[position + 1 :])
        return _changed(s, actor, replace(guest, items=items))
    cart = _cart(s, require_signed_in(actor))
    row = s.exec(select(CartItem).where(CartItem.cart_id == cart.id, CartItem.product_id == product_id)).first()
    if row is None:
        count = len(s.exec(select(CartItem.id).where(CartItem.cart_id == cart.id)).all())
        if count >= MAX_ITEMS:
            raise ValidationError(gettext("A cart holds at most {count} products.", count=MAX_ITEMS))
        row = CartItem(cart_id=saved_id(cart), product_id=product_id)
    if row.id is None or amount_text is not None:
        row.amount = item.amount
    s.add(row)
    _touch(s, cart)
    return _changed(s, actor, guest)


def remove_item(s: Session, actor: Actor, product_id: int, *, guest: GuestCart = NO_GUEST_CART) -> CartChange:
    if not actor.is_signed_in:
        items = tuple(entry for entry in guest.items if entry.product_id != product_id)
        return _changed(s, actor, replace(guest, items=items))
    cart = _existing_cart(s, require_signed_in(actor))
    if cart is not None:
        row = s.exec(select(CartItem).where(CartItem.cart_id == cart.id, CartItem.product_id == product_id)).first()
        if row is not None:
            s.delete(row)
            _touch(s, cart)
    return _changed(s, actor, guest)


def normalize_settings(s: Session, *, code: str | None, country: str | None, currency: str | None) -> CartSettings:
    """Check what the buyer chose; raises ValidationError for an unknown country or currency."""
    return CartSettings(
        code=normalize_code(code) or None if code is not None else None,
        country=tax.normalize_country(country),
        currency=check_offered(s, currency) if currency else None,
    )


def _choose(s: Session, actor: Actor, guest: GuestCart, **choices: str | None) -> CartChange:
    """Change some of the cart's choices (code, country, currency), keeping the others."""
    cart = _cart(s, require_signed_in(actor)) if actor.is_signed_in else None
    chosen = replace(_account_settings(cart) if cart else guest.settings, **choices)
    settings = normalize_settings(s, code=chosen.code, country=chosen.country, currency=chosen.currency)
    if cart is None:
        return _changed(s, actor, replace(guest, settings=settings))
    cart.discount_code, cart.billing_country, cart.currency = settings.code, settings.country, settings.currency
    _touch(s, cart)
    return _changed(s, actor, guest)


def apply_code(s: Session, actor: Actor, code: str, *, guest: GuestCart = NO_GUEST_CART) -> CartChange:
    """Apply a discount code. One that does not apply to this cart is refused rather than
    kept: it would only stop the checkout."""
    change = _choose(s, actor, guest, code=code)
    if change.view.quote.code_message:
        raise ValidationError(change.view.quote.code_message, field="code")
    return change


def remove_code(s: Session, actor: Actor, *, guest: GuestCart = NO_GUEST_CART) -> CartChange:
    return _choose(s, actor, guest, code=None)


def choose_country(s: Session, actor: Actor, country: str, *, guest: GuestCart = NO_GUEST_CART) -> CartChange:
    """The billing country, which decides the VAT."""
    return _choose(s, actor, guest, country=country)


def choose_currency(s: Session, actor: Actor, currency: str, *, guest: GuestCart = NO_GUEST_CART) -> CartChange:
    return _choose(s, actor, guest, currency=currency)


def after_payment(s: Session, actor: Actor, product_ids: set[int], *, guest: GuestCart = NO_GUEST_CART) -> CartCount:
    """An order was paid: a guest cart loses what it bought and its code (a signed-in buyer's
    cart already has, in the payment's transaction: `remove_products`)."""
    if actor.is_signed_in:
        return item_count(s, actor, guest=guest)
    items = tuple(item for item in guest.items if item.product_id not in product_ids)
    return CartCount(len(items), GuestCart(items, replace(guest.settings, code=None)))


def _merge_into_account(s: Session, actor: Actor, guest: GuestCart) -> None:
    """At sign-in: add the guest cart's products that are still available; keep the
    database cart's own choices where both have one."""
    user_id = require_signed_in(actor)
    cart = _cart(s, user_id) if guest.items else _existing_cart(s, user_id)
    if cart is None:
        return
    present = {item.product_id for item in _items(s, cart)}
    for item in guest.items:
        if item.product_id in present:
            continue
        product = s.get(Product, item.product_id)
        if product is None:
            continue  # deleted since the guest added it
        try:
            amount_text = None if item.amount is None else str(Money(item.amount, product.currency).to_decimal())
            checked = check_item(s, item.product_id, amount_text)
        except (NotFound, ValidationError):
            continue
        s.add(CartItem(cart_id=saved_id(cart), product_id=checked.product_id, amount=checked.amount))
        present.add(item.product_id)
    settings = guest.settings
    cart.discount_code = cart.discount_code or settings.code
    cart.billing_country = cart.billing_country or settings.country
    cart.currency = cart.currency or settings.currency
    _touch(s, cart)


def remove_products(s: Session, user_id: int, product_ids: set[int]) -> None:
    """Take bought products out of the buyer's cart and drop its code (called when an order is
    paid). Two statements whatever the cart holds, with no read before them: this runs in the
    payment's transaction, which holds the order's lock."""
    if not product_ids:
        return
    cart_id = s.scalar(
        update(Cart)
        .where(col(Cart.user_id) == user_id)
        .values(discount_code=None, updated_at=utcnow())
        .returning(col(Cart.id))
    )
    if cart_id is not None:
        s.exec(delete(CartItem).where(col(CartItem.cart_id) == cart_id, col(CartItem.product_id).in_(product_ids)))

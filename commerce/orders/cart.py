"""Carts: in the database for signed-in buyers; guests keep `CartInput`s in the browser
session and pass them in, and they are merged into the database cart at sign-in.

One of each digital product per cart (quantity 1). Pay-what-you-want amounts are
typed in the product's currency and checked against its minimum.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_signed_in
from commerce.catalog.queries import visible_to_buyers
from commerce.errors import NotFound, ValidationError
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


@dataclass(frozen=True)
class CartView:
    items: tuple[CartInput, ...]
    settings: CartSettings
    quote: Quote


def check_item(s: Session, product_id: int, amount_text: str | None = None) -> CartInput:
    """A product buyers can add, with its PWYW amount parsed and checked; raises otherwise."""
    product = s.exec(
        select(Product)
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .where(Product.id == product_id, visible_to_buyers())
    ).first()
    if product is None:
        raise NotFound("This product is not available.")
    if product.pricing != PricingMode.PWYW:
        return CartInput(saved_id(product), None)
    if amount_text is None or not str(amount_text).strip():
        return CartInput(saved_id(product), product.price_amount)
    amount = parse_major(str(amount_text), product.currency).amount
    if amount < product.price_amount:
        minimum = format_money(Money(product.price_amount, product.currency))
        raise ValidationError(f"Pay at least {minimum} for {product.title}.", field="amount")
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
        select(CartItem).where(col(CartItem.cart_id) == cart.id).order_by(col(CartItem.added_at), col(CartItem.id))
    ).all()
    return [CartInput(row.product_id, row.amount) for row in rows]


def _touch(s: Session, cart: Cart) -> None:
    cart.updated_at = utcnow()
    s.add(cart)
    s.flush()


def view_cart(s: Session, actor: Actor) -> CartView:
    user_id = require_signed_in(actor)
    cart = _existing_cart(s, user_id)
    settings = (
        CartSettings(cart.discount_code, cart.billing_country, cart.currency)
        if cart
        else CartSettings(None, None, None)
    )
    items = _items(s, cart)
    return CartView(tuple(items), settings, quote_for(s, items, settings))


def guest_view(s: Session, items: list[CartInput], settings: CartSettings) -> CartView:
    """A guest's cart, kept by the browser session and priced like a signed-in one."""
    return CartView(tuple(items[:MAX_ITEMS]), settings, quote_for(s, items[:MAX_ITEMS], settings))


def item_count(s: Session, actor: Actor) -> int:
    """How many products the signed-in buyer's cart holds (the navbar badge)."""
    user_id = require_signed_in(actor)
    cart = _existing_cart(s, user_id)
    if cart is None:
        return 0
    return s.exec(select(func.count()).select_from(CartItem).where(CartItem.cart_id == cart.id)).one()


def quote_for(s: Session, items: list[CartInput] | tuple[CartInput, ...], settings: CartSettings) -> Quote:
    return price_cart(s, list(items), code=settings.code, country=settings.country, currency=settings.currency)


def add_item(s: Session, actor: Actor, product_id: int, amount_text: str | None = None) -> CartView:
    """Add a product (or change its PWYW amount when it is already in the cart)."""
    user_id = require_signed_in(actor)
    item = check_item(s, product_id, amount_text)
    cart = _cart(s, user_id)
    row = s.exec(select(CartItem).where(CartItem.cart_id == cart.id, CartItem.product_id == product_id)).first()
    if row is None:
        count = len(s.exec(select(CartItem.id).where(CartItem.cart_id == cart.id)).all())
        if count >= MAX_ITEMS:
            raise ValidationError(f"A cart holds at most {MAX_ITEMS} products.")
        row = CartItem(cart_id=saved_id(cart), product_id=product_id)
    if row.id is None or amount_text is not None:
        row.amount = item.amount
    s.add(row)
    _touch(s, cart)
    return view_cart(s, actor)


def remove_item(s: Session, actor: Actor, product_id: int) -> CartView:
    user_id = require_signed_in(actor)
    cart = _existing_cart(s, user_id)
    if cart is not None:
        row = s.exec(select(CartItem).where(CartItem.cart_id == cart.id, CartItem.product_id == product_id)).first()
        if row is not None:
            s.delete(row)
            _touch(s, cart)
    return view_cart(s, actor)


def normalize_settings(s: Session, *, code: str | None, country: str | None, currency: str | None) -> CartSettings:
    """Check what the buyer chose; raises ValidationError for an unknown country or currency."""
    return CartSettings(
        code=normalize_code(code) or None if code is not None else None,
        country=tax.normalize_country(country),
        currency=check_offered(s, currency) if currency else None,
    )


def update_settings(
    s: Session, actor: Actor, *, code: str | None, country: str | None, currency: str | None
) -> CartView:
    user_id = require_signed_in(actor)
    settings = normalize_settings(s, code=code, country=country, currency=currency)
    cart = _cart(s, user_id)
    cart.discount_code, cart.billing_country, cart.currency = settings.code, settings.country, settings.currency
    _touch(s, cart)
    return view_cart(s, actor)


def merge_guest_cart(s: Session, actor: Actor, items: list[CartInput], settings: CartSettings) -> CartView:
    """At sign-in: add the guest cart's products that are still available; keep the
    database cart's own choices where both have one."""
    user_id = require_signed_in(actor)
    cart = _cart(s, user_id) if items else _existing_cart(s, user_id)
    if cart is None:
        return view_cart(s, actor)
    present = {item.product_id for item in _items(s, cart)}
    for item in items:
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
    cart.discount_code = cart.discount_code or settings.code
    cart.billing_country = cart.billing_country or settings.country
    cart.currency = cart.currency or settings.currency
    _touch(s, cart)
    return view_cart(s, actor)


def remove_products(s: Session, user_id: int, product_ids: set[int]) -> None:
    """Take bought products out of the buyer's cart (called when an order is paid)."""
    cart = _existing_cart(s, user_id)
    if cart is None or not product_ids:
        return
    for row in s.exec(
        select(CartItem).where(CartItem.cart_id == cart.id, col(CartItem.product_id).in_(product_ids))
    ).all():
        s.delete(row)
    cart.discount_code = None
    _touch(s, cart)

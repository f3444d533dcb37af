"""Checkout: the cart becomes an order with its amounts locked, and a payment page.

The same cart checked out twice (two tabs, a double click) yields one order and
one gateway session: the order carries a key derived from the buyer and exactly
what is being bought, unique while the order awaits payment. Guests give an
email; the order goes to the account with that email, created on the spot (with no
password) when there is none; the receipt's access link signs its owner in. Free orders are paid at once, without the
gateway.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce import i18n
from commerce.actor import Actor
from commerce.config import get_settings
from commerce.db import insert_unless_present, serialise_writes
from commerce.errors import Conflict, PermissionDenied, ValidationError
from commerce.i18n import gettext
from commerce.kit.email import normalise_email
from commerce.kit.time import utcnow
from commerce.links import CART_PATH, order_url
from commerce.models import (
    NO_PASSWORD,
    BundleItem,
    KeySource,
    KeyStatus,
    LicenseKey,
    LicensePolicy,
    Order,
    OrderLine,
    OrderStatus,
    OrderTransition,
    Product,
    User,
    saved_id,
)
from commerce.orders import discounts, lifecycle
from commerce.orders.cart import NO_GUEST_CART, CartSettings, GuestCart, cart_view
from commerce.orders.pricing import CartInput, Quote, price_cart
from commerce.payments import CheckoutLine, CheckoutRequest, PaymentGateway

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
# How long an unpaid order keeps a license key from other buyers (see _hold_license_keys).
KEY_HOLD = timedelta(minutes=30)


@dataclass(frozen=True)
class CheckoutResult:
    order_reference: str
    status: OrderStatus
    redirect_url: str  # the payment page, or the confirmation page for a free order
    receipt_token: str  # lets a guest's browser show the confirmation page (lifecycle.receipt_token)


def new_reference() -> str:
    return "ORD-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))


def _buyer(s: Session, actor: Actor, email: str | None) -> User:
    if actor.user_id is not None:
        user = s.get(User, actor.user_id)
        if user is None or user.suspended_at is not None:
            raise PermissionDenied(gettext("This account cannot place orders."))
        return user
    if not email or not email.strip():
        raise ValidationError(
            gettext("Enter your email so we can send your receipt and your purchases."), field="email"
        )
    address = normalise_email(email)
    user = s.exec(select(User).where(User.email == address)).first()
    if user is not None:
        if user.suspended_at is not None:
            raise PermissionDenied(gettext("This account cannot place orders."))
        return user
    # No password: the receipt's one-time "Access your purchase" link signs the owner of the
    # inbox in (orders.access); choosing a password later is optional.
    user = User(email=address, display_name=address.split("@")[0][:80], password_hash=NO_PASSWORD)
    s.add(user)
    s.flush()
    return user


def _checkout_key(buyer_id: int, items: list[CartInput], quote: Quote) -> str:
    basis = json.dumps(
        {
            "buyer": buyer_id,
            "items": sorted([item.product_id, item.amount] for item in items),
            "code": quote.code,
            "country": quote.country,
            "currency": quote.currency,
            "total": quote.total,
        },
        sort_keys=True,
    )
    return hashlib.sha256(basis.encode()).hexdigest()


def start_checkout(
    s: Session,
    actor: Actor,
    gateway: PaymentGateway,
    *,
    items: list[CartInput],
    settings: CartSettings,
    email: str | None = None,
    base_url: str | None = None,
) -> CheckoutResult:
    """Price the cart, lock it into an order and open the payment page."""
    buyer = _buyer(s, actor, email)
    quote = price_cart(s, items, code=settings.code, country=settings.country, currency=settings.currency)
    return _check_out(s, buyer, gateway, items, settings, quote, base_url)


def checkout_cart(
    s: Session,
    actor: Actor,
    gateway: PaymentGateway,
    *,
    guest: GuestCart = NO_GUEST_CART,
    email: str | None = None,
) -> CheckoutResult:
    """Check out the visitor's cart: a signed-in buyer's, or a guest's (who gives an email)."""
    view = cart_view(s, actor, guest=guest)
    buyer = _buyer(s, actor, None if actor.is_signed_in else email)
    # The cart was priced just now in this transaction: the order locks in that quote.
    return _check_out(s, buyer, gateway, list(view.items), view.settings, view.quote, None)


def _check_out(
    s: Session,
    buyer: User,
    gateway: PaymentGateway,
    items: list[CartInput],
    settings: CartSettings,
    quote: Quote,
    base_url: str | None,
) -> CheckoutResult:
    if quote.problems:
        raise ValidationError(gettext("Some items cannot be bought: {problems}", problems=" ".join(quote.problems)))
    if not quote.payable_lines:
        raise ValidationError(gettext("Your cart is empty."))
    if settings.code and quote.code_message:
        raise ValidationError(
            gettext("{problem} Remove the code to continue.", problem=quote.code_message), field="code"
        )

    key = _checkout_key(saved_id(buyer), items, quote)
    order = _place_order(s, buyer, quote, key)
    if order is None:
        # The same cart's order awaits payment already (another tab, a double click): use that one.
        return _result(s.exec(select(Order).where(Order.checkout_key == key)).one(), base_url)

    # What other buyers of the same products or code wait for comes last, so that it is held
    # from here to the commit only, not across the gateway's network call: the stock lock of
    # products selling imported keys, then the code's use count (a row every buyer using the
    # code updates).
    if order.total == 0:
        order.payment_provider = "free"
        _hold_license_keys(s, buyer, quote)
        _add_lines(s, buyer, order, quote)
        lifecycle.mark_paid(s, order, reason="free order: nothing to pay")
    else:
        base = (base_url or get_settings().base_url).rstrip("/")
        session = gateway.create_checkout(
            CheckoutRequest(
                order_id=saved_id(order),
                order_reference=order.reference,
                amount=order.total,
                currency=order.currency,
                # The order's lines, as _add_lines writes them from the same quote lines.
                lines=tuple(CheckoutLine(name=line.title, amount=line.total) for line in quote.payable_lines),
                customer_email=order.email,
                success_url=base + order_url(order.reference),
                cancel_url=base + CART_PATH,
                idempotency_key=f"checkout:{order.reference}",
            )
        )
        order.payment_provider = session.provider
        order.payment_session_id = session.session_id
        order.payment_url = session.redirect_url
        s.add(order)
        _hold_license_keys(s, buyer, quote)
        _add_lines(s, buyer, order, quote)
    if quote.code_id is not None:
        discounts.redeem(s, quote.code_id)
    return _result(order, base_url)


def _hold_license_keys(s: Session, buyer: User, quote: Quote) -> None:
    """Refuse the checkout when a product selling imported keys has none left for this buyer.

    Keys are taken from stock only when the payment lands (delivery), so unpaid
    orders placed in the last KEY_HOLD count as holding one each: a buyer on the
    payment page does not lose the last key to someone who started later. A bundle
    holds a key of each product it grants. The product row is locked (PostgreSQL;
    on SQLite the whole database's write lock, `serialise_writes`), so concurrent
    checkouts of the same product count one after the other and exactly as many
    orders as keys get through. A cart of products that deliver no license keys
    (the quote says which do) locks nothing and asks nothing more.
    """
    needed: dict[int, int] = {}
    for line in quote.payable_lines:
        for product_id in (line.product_id, *line.grants):
            needed[product_id] = needed.get(product_id, 0) + 1
    delivering_keys = sorted({product_id for line in quote.payable_lines for product_id in line.key_product_ids})
    imported = [product_id for product_id in delivering_keys if _sells_imported_keys(s, product_id)]
    if not imported:
        return
    # SQLite ignores FOR UPDATE: take its write lock before counting, until the order is in.
    serialise_writes(s)
    for product_id in imported:  # in id order, so two carts lock their products in the same order
        product = s.get_one(Product, product_id, with_for_update=True, populate_existing=True)
        available = s.exec(
            select(func.count())
            .select_from(LicenseKey)
            .where(LicenseKey.product_id == product.id, LicenseKey.status == KeyStatus.AVAILABLE)
        ).one()
        granting = select(BundleItem.bundle_id).where(BundleItem.product_id == product.id)
        held = s.exec(
            select(func.count())
            .select_from(OrderLine)
            .join(Order, col(Order.id) == col(OrderLine.order_id))
            .where(
                (col(OrderLine.product_id) == product.id) | col(OrderLine.product_id).in_(granting),
                Order.status == OrderStatus.PENDING,
                Order.buyer_id != buyer.id,
                Order.created_at > utcnow() - KEY_HOLD,
            )
        ).one()
        if available - held < needed[product_id]:
            raise Conflict(f"{product.title} has just sold out: the last license key went to another buyer.")


def _sells_imported_keys(s: Session, product_id: int) -> bool:
    """Of a product that delivers license keys: whether they come from imported stock."""
    policy = s.get(LicensePolicy, product_id)
    return policy is None or policy.source != KeySource.GENERATED


def _place_order(s: Session, buyer: User, quote: Quote, key: str) -> Order | None:
    """The new pending order (its row only: `_add_lines` follows), or None when an order
    with the same checkout key awaits payment already.

    Inserted unless present (by checkout key), so no lookup before it and no savepoint
    around it. The orders row refers to no product, so it locks none (the lines' foreign
    keys do, after the stock lock).
    """
    draft = Order(
        reference=new_reference(),
        buyer_id=saved_id(buyer),
        email=buyer.email,
        billing_country=quote.country,
        currency=quote.currency,
        subtotal=quote.subtotal,
        discount=quote.discount,
        tax=quote.tax,
        total=quote.total,
        discount_code_id=quote.code_id,
        checkout_key=key,
        # The language the buyer is checking out in: the receipt and refund emails speak it.
        language=i18n.Language(i18n.current_language()),
    )
    return insert_unless_present(s, draft, "checkout_key")


def _add_lines(s: Session, buyer: User, order: Order, quote: Quote) -> None:
    """The order's lines and its first transition, written with any pending change of the
    order in one flush. After `_hold_license_keys`: a line's foreign key share-locks its
    product, and two checkouts each holding that share while waiting for the other's to
    take the stock lock would deadlock."""
    for line in quote.payable_lines:
        s.add(
            OrderLine(
                order_id=saved_id(order),
                product_id=line.product_id,
                shop_id=line.shop_id,
                title=line.title,
                list_amount=line.list_amount,
                list_currency=line.list_currency,
                exchange_rate=line.exchange_rate,
                unit_price=line.unit_price,
                discount=line.discount,
                net=line.net,
                tax_rate_bps=line.tax_rate_bps,
                tax=line.tax,
                total=line.total,
            )
        )
    s.add(
        OrderTransition(
            order_id=saved_id(order),
            from_status=None,
            to_status=OrderStatus.PENDING,
            reason="checkout",
            actor_user_id=buyer.id,
        )
    )
    s.flush()


def _result(order: Order, base_url: str | None) -> CheckoutResult:
    token = lifecycle.receipt_token(order.reference)
    if order.status == OrderStatus.PENDING and order.payment_url:
        return CheckoutResult(order.reference, order.status, order.payment_url, token)
    base = (base_url or get_settings().base_url).rstrip("/")
    return CheckoutResult(order.reference, order.status, base + order_url(order.reference), token)

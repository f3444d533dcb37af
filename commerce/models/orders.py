"""Carts, discount codes, bundles, tax and exchange rates, orders and what follows payment."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from commerce.i18n import Language
from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of
from commerce.models.sealed import Sealed


class OrderStatus(StrEnum):
    """Where an order is in its life; `orders.lifecycle.ALLOWED` says which changes may follow."""

    PENDING = "pending"  # awaiting payment
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    DISPUTED = "disputed"
    CANCELLED = "cancelled"


class DiscountKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"  # an amount off


class FulfilmentStatus(StrEnum):
    GRANTED = "granted"
    REVOKED = "revoked"  # refunded in full or disputed


class Cart(SQLModel, table=True):
    """A signed-in buyer's cart; guests keep theirs in the browser session until sign-in."""

    __tablename__ = "carts"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", unique=True)
    discount_code: str | None = Field(default=None, max_length=40)
    billing_country: str | None = Field(default=None, sa_type=Sealed("carts.billing_country"))  # encrypted at rest
    currency: str | None = Field(default=None, max_length=3)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CartItem(SQLModel, table=True):
    __tablename__ = "cart_items"
    __table_args__ = (UniqueConstraint("cart_id", "product_id", name="uq_cart_items_cart_product"),)

    id: int | None = Field(default=None, primary_key=True)
    cart_id: int = Field(foreign_key="carts.id", index=True)
    product_id: int = Field(foreign_key="products.id")
    # Pay-what-you-want amount in the product's currency; None for fixed prices.
    amount: int | None = Field(default=None)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DiscountCode(SQLModel, table=True):
    __tablename__ = "discount_codes"
    __table_args__ = (
        UniqueConstraint("shop_id", "code", name="uq_discount_codes_shop_code"),
        one_of("discount_codes", "kind", DiscountKind),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", index=True)
    code: str = Field(max_length=40)  # stored upper case
    kind: DiscountKind = Field(sa_type=EnumString(DiscountKind, 8))
    percent_bps: int = Field(default=0)  # percent codes: 1500 = 15 %
    amount: int = Field(default=0)  # fixed codes: minor units of `currency`
    currency: str = Field(max_length=3)  # the shop's currency when created
    product_id: int | None = Field(default=None, foreign_key="products.id")  # None: shop-wide
    minimum_amount: int = Field(default=0)  # eligible subtotal in `currency`
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    usage_limit: int | None = Field(default=None)
    used_count: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class BundleItem(SQLModel, table=True):
    """A bundle product grants each of its items when bought."""

    __tablename__ = "bundle_items"
    __table_args__ = (UniqueConstraint("bundle_id", "product_id", name="uq_bundle_items_bundle_product"),)

    id: int | None = Field(default=None, primary_key=True)
    bundle_id: int = Field(foreign_key="products.id", index=True)
    product_id: int = Field(foreign_key="products.id")


class TaxRate(SQLModel, table=True):
    """VAT by the buyer's billing country; countries without a row pay no tax."""

    __tablename__ = "tax_rates"

    country: str = Field(primary_key=True, max_length=2)
    rate_bps: int
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ExchangeRate(SQLModel, table=True):
    """Units of `currency` per one euro; the currencies listed here are the ones buyers may pay in."""

    __tablename__ = "exchange_rates"

    currency: str = Field(primary_key=True, max_length=3)
    per_eur: Decimal = Field(sa_column=Column(Numeric(20, 10), nullable=False))
    source: str = Field(default="seed", max_length=40)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (one_of("orders", "status", OrderStatus), one_of("orders", "language", Language))

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=24, unique=True)
    buyer_id: int = Field(foreign_key="users.id", index=True)
    email: str = Field(max_length=320)
    billing_country: str | None = Field(default=None, sa_type=Sealed("orders.billing_country"))  # encrypted at rest
    currency: str = Field(max_length=3)
    subtotal: int
    discount: int
    tax: int
    total: int
    refunded_amount: int = Field(default=0)
    discount_code_id: int | None = Field(default=None, foreign_key="discount_codes.id")
    status: OrderStatus = Field(default=OrderStatus.PENDING, sa_type=EnumString(OrderStatus, 20), index=True)
    # Set while pending: two tabs checking out the same cart find the same order.
    checkout_key: str | None = Field(default=None, max_length=64, unique=True)
    payment_provider: str | None = Field(default=None, max_length=20)
    payment_session_id: str | None = Field(default=None, sa_column=Column(Text))
    payment_url: str | None = Field(default=None, sa_column=Column(Text))
    payment_reference: str | None = Field(default=None, max_length=255, index=True)
    payment_error: str | None = Field(default=None, max_length=500)
    flagged_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # The language the buyer checked out in: the receipt and the order's other emails use it.
    language: Language = Field(default=Language.EN, sa_type=EnumString(Language, 5))


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_lines"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    product_id: int = Field(foreign_key="products.id", index=True)
    shop_id: int = Field(foreign_key="shops.id", index=True)
    title: str = Field(max_length=120)
    # The price in the product's currency and the rate that turned it into the order's.
    list_amount: int
    list_currency: str = Field(max_length=3)
    exchange_rate: Decimal = Field(sa_column=Column(Numeric(24, 12), nullable=False))
    unit_price: int  # order currency, before discount
    discount: int
    net: int  # unit_price - discount
    tax_rate_bps: int
    tax: int
    total: int  # net + tax
    refunded_amount: int = Field(default=0)


class OrderTransition(SQLModel, table=True):
    """Audit trail: every status change, who or what caused it, and why."""

    __tablename__ = "order_transitions"
    __table_args__ = (
        one_of("order_transitions", "from_status", OrderStatus),
        one_of("order_transitions", "to_status", OrderStatus),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    from_status: OrderStatus | None = Field(default=None, sa_type=EnumString(OrderStatus, 20))
    to_status: OrderStatus = Field(sa_type=EnumString(OrderStatus, 20))
    reason: str = Field(max_length=500)
    actor_user_id: int | None = Field(default=None, foreign_key="users.id")
    event_id: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Fulfilment(SQLModel, table=True):
    """One product granted to a buyer by a paid order line (a bundle grants several)."""

    __tablename__ = "fulfilments"
    __table_args__ = (
        UniqueConstraint("order_line_id", "product_id", name="uq_fulfilments_line_product"),
        one_of("fulfilments", "status", FulfilmentStatus),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    order_line_id: int = Field(foreign_key="order_lines.id")
    buyer_id: int = Field(foreign_key="users.id", index=True)
    product_id: int = Field(foreign_key="products.id")
    status: FulfilmentStatus = Field(default=FulfilmentStatus.GRANTED, sa_type=EnumString(FulfilmentStatus, 12))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Refund(SQLModel, table=True):
    __tablename__ = "refunds"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    order_line_id: int = Field(foreign_key="order_lines.id")
    amount: int
    currency: str = Field(max_length=3)
    reason: str = Field(default="", max_length=500)
    requested_by: int = Field(foreign_key="users.id")
    provider_refund_id: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class OrderAccessLink(SQLModel, table=True):
    """The receipt's "Access your purchase" link: signs the buyer in once, for a short while.

    Bound to the order and to the address it was sent to; only the token's SHA-256 is kept.
    """

    __tablename__ = "order_access_links"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    email: str = Field(max_length=320)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

"""Pricing a cart: prices converted to the buyer's currency, one discount code, VAT per line.

The same function prices the cart page and the order at checkout, so what the
buyer saw is what the order locks in. Lines that cannot be bought any more
(unpublished, not approved, suspended shop, imported license keys sold out, a PWYW
amount under a raised minimum) are flagged with a reason and left out of the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists
from sqlmodel import Session, col, select

from commerce.catalog.queries import visible_to_buyers
from commerce.catalog.views import delivers_keys, is_sold_out
from commerce.i18n import gettext
from commerce.kit.time import utcnow
from commerce.links import product_url
from commerce.models import BundleItem, DiscountCode, DiscountKind, PricingMode, Product, Shop, saved_id
from commerce.money import Money, allocate, apply_percent, format_money, tax_for_line
from commerce.orders import discounts, tax
from commerce.orders.currency import StoredRates, convert_with_rate

DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class CartInput:
    product_id: int
    amount: int | None = None  # PWYW amount in the product's currency


@dataclass(frozen=True)
class QuoteLine:
    product_id: int
    shop_id: int
    shop_name: str
    title: str
    url: str  # the product page
    pricing: PricingMode
    list_amount: int
    list_currency: str
    minimum_amount: int
    exchange_rate: Decimal
    unit_price: int
    discount: int
    net: int
    tax_rate_bps: int
    tax: int
    total: int
    problem: str | None
    unit_label: str
    list_label: str
    minimum_label: str
    total_label: str
    # What checkout needs to hold license keys without asking again: the products a bundle
    # grants besides itself (in the bundle's order), and, of the product and those, the ones
    # that deliver license keys (whose imported stock an unpaid order holds).
    grants: tuple[int, ...] = ()
    key_product_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Quote:
    currency: str
    country: str | None
    lines: tuple[QuoteLine, ...]
    subtotal: int
    discount: int
    tax: int
    total: int
    tax_rate_bps: int
    code: str | None
    code_id: int | None
    code_message: str | None  # why an entered code does not apply
    subtotal_label: str
    discount_label: str
    tax_label: str
    total_label: str

    @property
    def problems(self) -> list[str]:
        return [f"{line.title}: {line.problem}" for line in self.lines if line.problem]

    @property
    def payable_lines(self) -> list[QuoteLine]:
        return [line for line in self.lines if not line.problem]


@dataclass(eq=False)  # compared by identity: a cart may list the same product twice
class _CartLine:
    """One cart item priced in the quote's currency, before any discount."""

    product: Product
    shop: Shop
    list_amount: int  # in the product's currency: the price, or the buyer's PWYW amount
    rate: Decimal  # product currency -> quote currency
    unit_price: int  # list_amount converted at `rate`
    problem: str | None  # why it cannot be bought now; such lines stay out of the totals
    granted: tuple[Product, ...]  # for a bundle, the products it grants besides itself

    @property
    def list_currency(self) -> str:
        return self.product.currency


def _problem(product: Product | None, visible: bool, amount: int | None, sold_out: bool) -> str | None:
    if product is None or not visible:
        return "no longer available."
    if sold_out:
        return "sold out."
    if product.pricing == PricingMode.PWYW and amount is not None and amount < product.price_amount:
        minimum = format_money(Money(product.price_amount, product.currency))
        return f"the minimum price is now {minimum}."
    return None


def _bundle_items(s: Session, bundle_ids: list[int]) -> dict[int, list[Product]]:
    """The products each of these bundles grants, in the bundle's order: one query for the cart."""
    items: dict[int, list[Product]] = {bundle_id: [] for bundle_id in bundle_ids}
    if bundle_ids:
        rows = s.exec(
            select(BundleItem.bundle_id, Product)
            .join(Product, col(Product.id) == col(BundleItem.product_id))
            .where(col(BundleItem.bundle_id).in_(bundle_ids))
            .order_by(col(BundleItem.id))
        ).all()
        for bundle_id, product in rows:
            items[bundle_id].append(product)
    return items


def _cart_lines(
    s: Session, items: list[CartInput], currency: str | None, rates: StoredRates
) -> tuple[list[_CartLine], str]:
    """The items still in the catalogue, priced in `currency` (by default the first shop's).

    One query reads the products, their shops, whether buyers may see them and whether they
    are bundles; a second reads the bundles' items, only when the cart holds a bundle.
    """
    ids = [item.product_id for item in items]
    is_bundle = exists().where(col(BundleItem.bundle_id) == col(Product.id))
    rows = s.exec(
        select(Product, Shop, visible_to_buyers().label("visible"), is_bundle.label("is_bundle"))
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .where(col(Product.id).in_(ids))
    ).all()
    found = {product.id: (product, shop, bool(visible)) for product, shop, visible, _ in rows}
    bundles = _bundle_items(s, sorted(saved_id(product) for product, _, _, bundle in rows if bundle))
    if currency is None:
        currency = next((found[i][1].currency for i in ids if i in found), DEFAULT_CURRENCY)
    currency = rates.check_offered(currency)

    lines = []
    for item in items:
        if item.product_id not in found:
            continue  # deleted outright: nothing left to show
        product, shop, visible = found[item.product_id]
        # The buyer's amount for pay-what-you-want (checked against the minimum below), else the price.
        if product.pricing == PricingMode.PWYW and item.amount is not None:
            list_amount = item.amount
        else:
            list_amount = product.price_amount
        rate = rates.between(product.currency, currency)
        granted = bundles.get(saved_id(product), [])
        # The product, or a product its bundle grants, has no license key left.
        sold_out = is_sold_out(s, product) or any(is_sold_out(s, granted_product) for granted_product in granted)
        lines.append(
            _CartLine(
                product=product,
                shop=shop,
                list_amount=list_amount,
                rate=rate,
                unit_price=convert_with_rate(Money(list_amount, product.currency), currency, rate).amount,
                problem=_problem(product, visible, item.amount, sold_out),
                granted=tuple(granted),
            )
        )
    return lines, currency


def _usable_code(
    s: Session, code: str | None, lines: list[_CartLine], now: datetime, rates: StoredRates
) -> tuple[DiscountCode | None, str | None]:
    """The code that applies and, when the buyer typed one that does not, why."""
    if not code:
        return None, None
    candidates = discounts.codes_named(s, code, {saved_id(line.shop) for line in lines if not line.problem})
    if not candidates:
        return None, gettext(
            "The code {code} does not exist for the items in your cart.", code=discounts.normalize_code(code)
        )
    reason = None
    for row in candidates:
        reason = discounts.unusable_reason(row, now)
        if reason:
            continue
        eligible = _eligible(row, lines)
        if not eligible:
            reason = gettext("The code {code} does not apply to the items in your cart.", code=row.code)
            continue
        # The minimum is in the code's currency: the eligible items' own prices, converted.
        eligible_total = sum(
            convert_with_rate(
                Money(line.list_amount, line.list_currency),
                row.currency,
                rates.between(line.list_currency, row.currency),
            ).amount
            for line in eligible
        )
        if eligible_total < row.minimum_amount:
            minimum = format_money(Money(row.minimum_amount, row.currency))
            reason = gettext(
                "The code {code} needs at least {minimum} of eligible items.", code=row.code, minimum=minimum
            )
            continue
        return row, None
    return None, reason


def _eligible(row: DiscountCode, lines: list[_CartLine]) -> list[_CartLine]:
    return [
        line
        for line in lines
        if not line.problem
        and line.shop.id == row.shop_id
        and (row.product_id is None or line.product.id == row.product_id)
    ]


def _discounts(
    code_row: DiscountCode | None, lines: list[_CartLine], currency: str, rates: StoredRates
) -> dict[_CartLine, int]:
    """Each line's part of the code's discount, in `currency`: a percentage of each eligible
    line, or a fixed amount (at most their total) spread over them in proportion to price."""
    shares = dict.fromkeys(lines, 0)
    if code_row is None:
        return shares
    eligible = _eligible(code_row, lines)
    if code_row.kind == DiscountKind.PERCENT:
        for line in eligible:
            shares[line] = apply_percent(Money(line.unit_price, currency), code_row.percent_bps).amount
        return shares
    off = convert_with_rate(
        Money(code_row.amount, code_row.currency), currency, rates.between(code_row.currency, currency)
    ).amount
    eligible_total = sum(line.unit_price for line in eligible)
    off = min(off, eligible_total)
    if eligible_total > 0:
        parts = allocate(Money(off, currency), [line.unit_price for line in eligible])
        for line, part in zip(eligible, parts, strict=True):
            shares[line] = part.amount
    return shares


def _quote_line(line: _CartLine, discount: int, currency: str, rate_bps: int) -> QuoteLine:
    product, shop = line.product, line.shop
    net = line.unit_price - discount
    line_tax = tax_for_line(Money(net, currency), rate_bps).amount
    return QuoteLine(
        product_id=saved_id(product),
        shop_id=saved_id(shop),
        shop_name=shop.name,
        title=product.title,
        url=product_url(shop.slug, product.slug),
        pricing=product.pricing,
        list_amount=line.list_amount,
        list_currency=line.list_currency,
        minimum_amount=product.price_amount,
        exchange_rate=line.rate,
        unit_price=line.unit_price,
        discount=discount,
        net=net,
        tax_rate_bps=rate_bps,
        tax=line_tax,
        total=net + line_tax,
        problem=line.problem,
        unit_label=format_money(Money(line.unit_price, currency)),
        list_label=format_money(Money(line.list_amount, line.list_currency)),
        minimum_label=format_money(Money(product.price_amount, product.currency)),
        total_label=format_money(Money(net + line_tax, currency)),
        grants=tuple(saved_id(item) for item in line.granted),
        key_product_ids=tuple(saved_id(item) for item in (product, *line.granted) if delivers_keys(item.delivery_kind)),
    )


def price_cart(
    s: Session,
    items: list[CartInput],
    *,
    code: str | None = None,
    country: str | None = None,
    currency: str | None = None,
    now: datetime | None = None,
) -> Quote:
    now = now or utcnow()
    country = tax.normalize_country(country)
    rates = StoredRates(s)
    lines, currency = _cart_lines(s, items, currency, rates)
    rate_bps = tax.rate_for(s, country)
    code_row, code_message = _usable_code(s, code, lines, now, rates)
    shares = _discounts(code_row, lines, currency, rates)
    quote_lines = [_quote_line(line, shares[line], currency, rate_bps) for line in lines]

    payable = [line for line in quote_lines if not line.problem]
    subtotal = sum(line.unit_price for line in payable)
    discount_total = sum(line.discount for line in payable)
    tax_total = sum(line.tax for line in payable)
    total = sum(line.total for line in payable)

    def label(amount: int) -> str:
        return format_money(Money(amount, currency))

    return Quote(
        currency=currency,
        country=country,
        lines=tuple(quote_lines),
        subtotal=subtotal,
        discount=discount_total,
        tax=tax_total,
        total=total,
        tax_rate_bps=rate_bps,
        code=code_row.code if code_row else None,
        code_id=code_row.id if code_row else None,
        code_message=code_message,
        subtotal_label=label(subtotal),
        discount_label=label(discount_total),
        tax_label=label(tax_total),
        total_label=label(total),
    )

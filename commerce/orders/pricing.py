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

from sqlmodel import Session, select

from commerce.catalog.queries import visible_to_buyers
from commerce.catalog.views import is_sold_out
from commerce.kit.time import utcnow
from commerce.links import product_url
from commerce.models import BundleItem, DiscountCode, DiscountKind, PricingMode, Product, Shop
from commerce.money import Money, allocate, apply_percent, format_money, tax_for_line
from commerce.orders import discounts, tax
from commerce.orders.currency import check_offered, convert_with_rate, rate_between

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


def _problem(product: Product | None, visible: bool, amount: int | None, sold_out: bool) -> str | None:
    if product is None or not visible:
        return "no longer available."
    if sold_out:
        return "sold out."
    if product.pricing == PricingMode.PWYW and amount is not None and amount < product.price_amount:
        minimum = format_money(Money(product.price_amount, product.currency))
        return f"the minimum price is now {minimum}."
    return None


def _sold_out(s: Session, product: Product) -> bool:
    """The product, or a product its bundle grants, has no license key left."""
    if is_sold_out(s, product):
        return True
    items = s.exec(
        select(Product).join(BundleItem, BundleItem.product_id == Product.id).where(BundleItem.bundle_id == product.id)
    ).all()
    return any(is_sold_out(s, item) for item in items)


def _usable_code(
    s: Session, code: str | None, lines: list[dict], now: datetime
) -> tuple[DiscountCode | None, str | None]:
    """The code that applies and, when the buyer typed one that does not, why."""
    if not code:
        return None, None
    candidates = discounts.codes_named(s, code, {line["shop_id"] for line in lines if not line["problem"]})
    if not candidates:
        return None, f"The code {discounts.normalize_code(code)} does not exist for the items in your cart."
    reason = None
    for row in candidates:
        reason = discounts.unusable_reason(row, now)
        if reason:
            continue
        eligible = _eligible(row, lines)
        if not eligible:
            reason = f"The code {row.code} does not apply to the items in your cart."
            continue
        # The minimum is in the code's currency: the eligible items' own prices, converted.
        eligible_total = sum(
            convert_with_rate(
                Money(line["list_amount"], line["list_currency"]),
                row.currency,
                rate_between(s, line["list_currency"], row.currency),
            ).amount
            for line in eligible
        )
        if eligible_total < row.minimum_amount:
            minimum = format_money(Money(row.minimum_amount, row.currency))
            reason = f"The code {row.code} needs at least {minimum} of eligible items."
            continue
        return row, None
    return None, reason


def _eligible(row: DiscountCode, lines: list[dict]) -> list[dict]:
    return [
        line
        for line in lines
        if not line["problem"]
        and line["shop_id"] == row.shop_id
        and (row.product_id is None or line["product_id"] == row.product_id)
    ]


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
    ids = [item.product_id for item in items]
    rows = s.exec(select(Product, Shop).join(Shop, Shop.id == Product.shop_id).where(Product.id.in_(ids))).all()
    found = {product.id: (product, shop) for product, shop in rows}
    visible_ids = set(
        s.exec(
            select(Product.id).join(Shop, Shop.id == Product.shop_id).where(Product.id.in_(ids), visible_to_buyers())
        ).all()
    )
    if currency is None:
        first = next((found[i][1].currency for i in ids if i in found), DEFAULT_CURRENCY)
        currency = first
    currency = check_offered(s, currency)
    rate_bps = tax.rate_for(s, country)

    lines: list[dict] = []
    for item in items:
        product, shop = found.get(item.product_id, (None, None))
        if product is None:
            continue  # deleted outright: nothing left to show
        list_amount = (
            item.amount if product.pricing == PricingMode.PWYW and item.amount is not None else product.price_amount
        )
        rate = rate_between(s, product.currency, currency)
        lines.append(
            dict(
                product=product,
                shop=shop,
                product_id=product.id,
                shop_id=shop.id,
                list_amount=list_amount,
                list_currency=product.currency,
                rate=rate,
                unit=convert_with_rate(Money(list_amount, product.currency), currency, rate).amount,
                problem=_problem(product, product.id in visible_ids, item.amount, _sold_out(s, product)),
            )
        )

    code_row, code_message = _usable_code(s, code, lines, now)
    shares = {id(line): 0 for line in lines}
    if code_row is not None:
        eligible = _eligible(code_row, lines)
        if code_row.kind == DiscountKind.PERCENT:
            for line in eligible:
                shares[id(line)] = apply_percent(Money(line["unit"], currency), code_row.percent_bps).amount
        else:
            off = convert_with_rate(
                Money(code_row.amount, code_row.currency), currency, rate_between(s, code_row.currency, currency)
            ).amount
            eligible_total = sum(line["unit"] for line in eligible)
            off = min(off, eligible_total)
            if eligible_total > 0:
                parts = allocate(Money(off, currency), [line["unit"] for line in eligible])
                for line, part in zip(eligible, parts, strict=True):
                    shares[id(line)] = part.amount

    quote_lines = []
    for line in lines:
        product, shop = line["product"], line["shop"]
        discount = shares[id(line)]
        net = line["unit"] - discount
        line_tax = tax_for_line(Money(net, currency), rate_bps).amount
        quote_lines.append(
            QuoteLine(
                product_id=product.id,
                shop_id=shop.id,
                shop_name=shop.name,
                title=product.title,
                url=product_url(shop.slug, product.slug),
                pricing=product.pricing,
                list_amount=line["list_amount"],
                list_currency=product.currency,
                minimum_amount=product.price_amount,
                exchange_rate=line["rate"],
                unit_price=line["unit"],
                discount=discount,
                net=net,
                tax_rate_bps=rate_bps,
                tax=line_tax,
                total=net + line_tax,
                problem=line["problem"],
                unit_label=format_money(Money(line["unit"], currency)),
                list_label=format_money(Money(line["list_amount"], product.currency)),
                minimum_label=format_money(Money(product.price_amount, product.currency)),
                total_label=format_money(Money(net + line_tax, currency)),
            )
        )
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

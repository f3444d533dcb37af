"""Marketplace settings admins change: each shop's take rate, tax rates, the currencies
buyers may pay in, and the banned-words list (in `checks`). Each change is audited.

Tax rates are kept by `commerce.orders.tax` and currencies by the exchange-rate
table (`commerce.orders.currency`): a currency is offered while it has a rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, select

from commerce import audit
from commerce.actor import Actor, require_admin
from commerce.errors import Conflict, NotFound, ValidationError
from commerce.i18n import bo_gettext, bo_N_
from commerce.models import ExchangeRate, Product, Shop
from commerce.moderation import checks
from commerce.money import normalize_currency
from commerce.orders import currency as currencies
from commerce.orders import tax

MIN_TAKE_RATE_BPS = 500
MAX_TAKE_RATE_BPS = 800
# Search sorts prices in US dollars and rates are kept per euro: both stay offered.
REQUIRED_CURRENCIES = ("EUR", "USD")


@dataclass(frozen=True)
class CurrencyRow:
    code: str
    per_eur: str
    source: str
    # Shops price in it, or it is the base of rates and sorting: it cannot be turned off.
    locked: bool


@dataclass(frozen=True)
class SettingsView:
    tax_rates: list[tax.TaxRateView]
    currencies: list[CurrencyRow]
    banned_words: list[str]


def _percent_to_bps(text: str, what: str, field: str) -> int:
    try:
        value = Decimal((text if isinstance(text, str) else str(text)).strip().rstrip("%").strip())
    except (InvalidOperation, AttributeError):
        raise ValidationError(
            bo_gettext("Enter the {what} as a percentage, like 6.5.", what=bo_gettext(what)), field
        ) from None
    if not value.is_finite():
        raise ValidationError(bo_gettext("Enter the {what} as a percentage, like 6.5.", what=bo_gettext(what)), field)
    bps = value * 100
    if bps != bps.to_integral_value():
        raise ValidationError(bo_gettext("Use at most two decimals for the {what}.", what=bo_gettext(what)), field)
    return int(bps)


def settings_view(s: Session, actor: Actor) -> SettingsView:
    require_admin(actor, "settings_view")
    used = set(s.exec(select(Shop.currency).distinct()).all()) | set(s.exec(select(Product.currency).distinct()).all())
    return SettingsView(
        tax_rates=tax.list_rates(s),
        currencies=[
            CurrencyRow(
                code=row.currency,
                per_eur=f"{row.per_eur.normalize():f}",
                source=row.source,
                locked=row.currency in REQUIRED_CURRENCIES or row.currency in used,
            )
            for row in currencies.list_rates(s)
        ],
        banned_words=checks.banned_words(s),
    )


def set_take_rate(s: Session, actor: Actor, shop_id: int, *, percent: str) -> int:
    """A shop's commission on each sale, from 5 % to 8 %; applies to sales from now on."""
    admin_id = require_admin(actor, "set_take_rate", shop_id=shop_id)
    bps = _percent_to_bps(percent, bo_N_("take rate"), "take_rate")
    if not MIN_TAKE_RATE_BPS <= bps <= MAX_TAKE_RATE_BPS:
        raise ValidationError(
            bo_gettext("A take rate is between {low} and {high}.", low="5 %", high="8 %"), "take_rate"
        )
    shop = s.get(Shop, shop_id, with_for_update=True) if isinstance(shop_id, int) else None
    if shop is None:
        raise NotFound(bo_gettext("There is no such shop."))
    if shop.take_rate_bps != bps:
        before = shop.take_rate_bps
        shop.take_rate_bps = bps
        s.add(shop)
        s.flush()
        audit.record(
            s,
            admin_id,
            "set_take_rate",
            "shop",
            shop.id,
            label=shop.name,
            reason=f"{before / 100:g} % → {bps / 100:g} %",
        )
    return bps


def set_tax_rate(s: Session, actor: Actor, *, country: str, percent: str) -> None:
    """A country's VAT rate; an empty percentage removes it (no tax for that country)."""
    admin_id = require_admin(actor, "set_tax_rate", country=country)
    text = (percent if isinstance(percent, str) else "").strip()
    bps = _percent_to_bps(text, bo_N_("tax rate"), "rate") if text else None
    code = tax.set_rate(s, actor, country=country, rate_bps=bps)
    audit.record(
        s,
        admin_id,
        "set_tax_rate",
        "settings",
        f"tax:{code}",
        label=tax.country_names()[code],
        reason="removed" if bps is None else f"{bps / 100:g} %",
    )


def enable_currency(s: Session, actor: Actor, *, code: str, per_eur: str) -> None:
    """Offer a currency to buyers, at `per_eur` units per euro (or update its rate)."""
    admin_id = require_admin(actor, "enable_currency", code=code)
    currency = normalize_currency(code if isinstance(code, str) else "")
    try:
        rate = Decimal((per_eur if isinstance(per_eur, str) else "").strip())
    except InvalidOperation:
        raise ValidationError(bo_gettext("Enter how many units one euro buys, like 1.16."), "per_eur") from None
    if not rate.is_finite() or rate <= 0 or rate >= Decimal("1e9"):
        raise ValidationError(bo_gettext("Enter how many units one euro buys, like 1.16."), "per_eur")
    if currency == "EUR" and rate != 1:
        raise ValidationError(bo_gettext("The euro is the base of all rates: one euro is one euro."), "per_eur")
    row = s.get(ExchangeRate, currency)
    row = row or ExchangeRate(currency=currency, per_eur=rate)
    row.per_eur, row.source = rate.quantize(Decimal("1e-10")), "admin"
    s.add(row)
    s.flush()
    audit.record(
        s,
        admin_id,
        "enable_currency",
        "settings",
        f"currency:{currency}",
        label=currency,
        reason=f"1 EUR = {rate} {currency}",
    )


def disable_currency(s: Session, actor: Actor, *, code: str) -> None:
    """Stop offering a currency to buyers (not one a shop prices in)."""
    admin_id = require_admin(actor, "disable_currency", code=code)
    currency = normalize_currency(code if isinstance(code, str) else "")
    row = s.get(ExchangeRate, currency)
    if row is None:
        raise NotFound(f"{currency} is not offered.")
    in_use = (
        currency in REQUIRED_CURRENCIES
        or s.exec(select(Shop.id).where(Shop.currency == currency).limit(1)).first() is not None
        or s.exec(select(Product.id).where(Product.currency == currency).limit(1)).first() is not None
    )
    if in_use:
        raise Conflict(f"{currency} cannot be turned off: shops price in it, or rates and sorting rely on it.")
    s.delete(row)
    s.flush()
    audit.record(s, admin_id, "disable_currency", "settings", f"currency:{currency}", label=currency)

"""Exchange rates stored in the database, and the currencies buyers may pay in.

Rates are kept as units per euro, so any pair converts through the euro. The
currencies with a stored rate are the ones offered to buyers. A provider (behind
`ExchangeRateProvider`) refreshes them when one is configured; otherwise the
seeded rates stay in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlmodel import Session, col, select

from commerce.errors import ValidationError
from commerce.kit.time import utcnow
from commerce.models import ExchangeRate
from commerce.money import Money, convert, normalize_currency

# Rates are stored with 10 decimals; a cross rate keeps 12, far below a minor unit on any price.
CROSS_RATE_QUANTUM = Decimal("1e-12")


class ExchangeRateProvider(Protocol):
    name: str

    def fetch_rates_per_eur(self) -> dict[str, Decimal]:
        """Current units per euro for the currencies the provider knows."""
        ...


@dataclass(frozen=True)
class RateView:
    currency: str
    per_eur: Decimal
    source: str
    updated_at: datetime


def list_rates(s: Session) -> list[RateView]:
    rows = s.exec(select(ExchangeRate).order_by(ExchangeRate.currency)).all()
    return [RateView(r.currency, Decimal(r.per_eur), r.source, r.updated_at) for r in rows]


def available_currencies(s: Session) -> list[str]:
    return [row for row in s.exec(select(ExchangeRate.currency).order_by(ExchangeRate.currency)).all()]


def _per_eur(s: Session, currency: str) -> Decimal:
    row = s.get(ExchangeRate, currency)
    if row is None:
        raise ValidationError(f"Payment in {currency} is not offered.", field="currency")
    return Decimal(row.per_eur)


def rate_between(s: Session, source: str, target: str) -> Decimal:
    """Target major units per one source major unit."""
    if source == target:
        return Decimal(1)
    return (_per_eur(s, target) / _per_eur(s, source)).quantize(CROSS_RATE_QUANTUM)


def check_offered(s: Session, currency: str) -> str:
    code = normalize_currency(currency)
    _per_eur(s, code)
    return code


class StoredRates:
    """Every stored rate, read in one query: a quote converting several prices (lines in
    other currencies, a code's minimum and amount) asks the database once, not per price."""

    def __init__(self, s: Session):
        self._per_eur = {
            currency: Decimal(per_eur)
            for currency, per_eur in s.exec(select(col(ExchangeRate.currency), col(ExchangeRate.per_eur))).all()
        }

    def _of(self, currency: str) -> Decimal:
        rate = self._per_eur.get(currency)
        if rate is None:
            raise ValidationError(f"Payment in {currency} is not offered.", field="currency")
        return rate

    def check_offered(self, currency: str) -> str:
        """As `check_offered`, without a query."""
        code = normalize_currency(currency)
        self._of(code)
        return code

    def between(self, source: str, target: str) -> Decimal:
        """As `rate_between`, without a query."""
        if source == target:
            return Decimal(1)
        return (self._of(target) / self._of(source)).quantize(CROSS_RATE_QUANTUM)


def convert_with_rate(money: Money, target: str, rate: Decimal) -> Money:
    return money if money.currency == target else convert(money, target, rate)


def refresh_rates(s: Session, provider: ExchangeRateProvider) -> int:
    """Update the stored rates of the currencies already offered; returns how many changed.

    A provider does not add currencies: which currencies are offered is a decision,
    not a side effect of what a feed happens to list.
    """
    return apply_rates(s, provider.name, provider.fetch_rates_per_eur())


def apply_rates(s: Session, source: str, fetched: dict[str, Decimal]) -> int:
    """Store fetched units-per-euro for the currencies already offered; returns how many changed.

    Nonsense (zero, negative, not finite) is skipped, and EUR stays 1.
    """
    changed = 0
    for row in s.exec(select(ExchangeRate)).all():
        rate = fetched.get(row.currency)
        if row.currency == "EUR" or rate is None:
            continue
        rate = Decimal(rate)
        if not rate.is_finite() or rate <= 0:
            continue
        row.per_eur, row.source, row.updated_at = rate, source[:40], utcnow()
        s.add(row)
        changed += 1
    s.flush()
    return changed

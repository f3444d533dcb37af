"""VAT by the buyer's billing country.

Prices are tax-exclusive: tax is added per line and rounded per line in minor
units. Countries without a stored rate (everything outside the EU by default)
pay no tax. Admins edit the rates here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from sqlmodel import Session, select

from commerce import i18n
from commerce.actor import Actor, require_admin
from commerce.errors import ValidationError
from commerce.kit.time import utcnow
from commerce.models import TaxRate

MAX_RATE_BPS = 5000


@dataclass(frozen=True)
class TaxRateView:
    country: str
    country_name: str
    rate_bps: int


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO 3166 alpha-2 codes and their names in the current language, sorted by name (the
    country selector); English when no language is set."""
    return _country_names(i18n.current_language())


@lru_cache(maxsize=len(i18n.LANGUAGES))
def _country_names(language: str) -> dict[str, str]:
    territories = i18n.format_locale(language).territories
    codes = [
        code
        for code in Locale("en").territories
        if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "ZZ", "QO")
    ]
    return dict(sorted(((code, territories.get(code, code)) for code in codes), key=lambda item: item[1]))


def normalize_country(country: str | None) -> str | None:
    if country is None or not country.strip():
        return None
    code = country.strip().upper()
    if code not in country_names():
        raise ValidationError(f"{country!r} is not a country we know.", field="country")
    return code


def rate_for(s: Session, country: str | None) -> int:
    if country is None:
        return 0
    row = s.get(TaxRate, country)
    return row.rate_bps if row else 0


def list_rates(s: Session) -> list[TaxRateView]:
    names = country_names()
    return [
        TaxRateView(r.country, names.get(r.country, r.country), r.rate_bps)
        for r in s.exec(select(TaxRate).order_by(TaxRate.country)).all()
    ]


def set_rate(s: Session, actor: Actor, *, country: str, rate_bps: int | None) -> str:
    """Admins set a country's rate; None removes it (no tax for that country). Returns the country code."""
    require_admin(actor, "set_tax_rate", country=country)
    code = normalize_country(country)
    if code is None:
        raise ValidationError("Choose a country.", field="country")
    row = s.get(TaxRate, code)
    if rate_bps is None:
        if row is not None:
            s.delete(row)
        s.flush()
        return code
    if not isinstance(rate_bps, int) or isinstance(rate_bps, bool) or not 0 <= rate_bps <= MAX_RATE_BPS:
        raise ValidationError("A tax rate is between 0 % and 50 %.", field="rate")
    row = row or TaxRate(country=code, rate_bps=rate_bps)
    row.rate_bps, row.updated_at = rate_bps, utcnow()
    s.add(row)
    s.flush()
    return code

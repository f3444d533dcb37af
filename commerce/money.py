"""Money as integer minor units plus an ISO 4217 currency code.

The number of minor units per major unit (the exponent) comes from CLDR through
Babel: JPY has 0 decimals, USD 2, BHD 3. Amounts never pass through floats;
every conversion goes through `Decimal` with an explicit rounding rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, is_currency

from commerce import i18n
from commerce.errors import ValidationError
from commerce.i18n import gettext

# Above this many major units a typed price is a slip of the finger, not a price.
MAX_MAJOR_AMOUNT = Decimal(1_000_000)

BASIS_POINTS_PER_WHOLE = 10_000


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined; that is a bug upstream."""


def currency_exponent(currency: str) -> int:
    """Decimals of the currency's minor unit: JPY 0, USD 2, BHD 3."""
    return get_currency_precision(normalize_currency(currency))


def normalize_currency(code: str) -> str:
    """The upper-case ISO 4217 code, or ValidationError when Babel does not know it."""
    if not isinstance(code, str):
        raise TypeError(f"currency must be a str, not {type(code).__name__}")
    upper = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", upper) or not is_currency(upper):
        raise ValidationError(f"{code!r} is not a known currency code.", field="currency")
    return upper


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass; True cents is always a bug.
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError(f"amount must be an int of minor units, not {type(self.amount).__name__}")
        if (
            not isinstance(self.currency, str)
            or self.currency != self.currency.upper()
            or not is_currency(self.currency)
        ):
            raise ValidationError(
                f"{self.currency!r} is not a known upper-case ISO 4217 currency code.",
                field="currency",
            )

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, normalize_currency(currency))

    @classmethod
    def of(cls, amount: int, currency: str) -> Money:
        """Like the constructor, but accepts a currency code in any case."""
        return cls(amount, normalize_currency(currency))

    @property
    def exponent(self) -> int:
        return get_currency_precision(self.currency)

    def to_decimal(self) -> Decimal:
        """The amount in major units, exact: Money(1250, "USD") -> Decimal("12.50")."""
        return Decimal(self.amount).scaleb(-self.exponent)

    def is_zero(self) -> bool:
        return self.amount == 0

    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same_currency(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same_currency(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, quantity: int) -> Money:
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise TypeError("Money can only be multiplied by an integer quantity")
        return Money(self.amount * quantity, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same_currency(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same_currency(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same_currency(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same_currency(other).amount

    def __str__(self) -> str:
        return f"{self.to_decimal()} {self.currency}"


def _quantize_minor(major: Decimal, exponent: int, rounding: str) -> int:
    return int(major.scaleb(exponent).quantize(Decimal(1), rounding=rounding))


class AmbiguousSeparator(ValueError):
    pass


def _normalize_separators(text: str, exponent: int) -> str:
    """Turn "1.234,50", "1,234.50", "12,50" or "1 234" into "1234.50"-style text.

    When both marks appear, the right-most one is the decimal mark; a mark that
    repeats is a thousands separator. A single mark followed by exactly three digits
    is read by the currency: a separator in JPY (no decimals), decimals in BHD
    (three), and refused as ambiguous elsewhere ("1,000" USD may be 1000 or 1.000).
    """
    compact = re.sub(r"[\s\u00a0\u202f']", "", text)
    if "." in compact and "," in compact:
        decimal_mark = "." if compact.rfind(".") > compact.rfind(",") else ","
        group_mark = "," if decimal_mark == "." else "."
        whole, _, fraction = compact.rpartition(decimal_mark)
        if not re.fullmatch(r"[1-9][0-9]{0,2}(" + re.escape(group_mark) + r"[0-9]{3})*", whole):
            raise ValueError("misplaced separators")
        return whole.replace(group_mark, "") + "." + fraction
    for mark in (".", ","):
        count = compact.count(mark)
        if count > 1:
            if not re.fullmatch(r"[1-9][0-9]{0,2}(" + re.escape(mark) + r"[0-9]{3})+", compact):
                raise ValueError("misplaced separators")
            return compact.replace(mark, "")
        if count == 1:
            whole, _, fraction = compact.partition(mark)
            if len(fraction) == 3 and re.fullmatch(r"[1-9][0-9]{0,2}", whole) and exponent != 3:
                if exponent == 0:
                    return whole + fraction
                raise AmbiguousSeparator
            return whole + "." + fraction
    return compact


def parse_major(text: str, currency: str, *, max_major: Decimal = MAX_MAJOR_AMOUNT) -> Money:
    """Parse a price typed by a person ("12.50", "12,50", "1,234.50") into Money.

    Raises ValidationError (field "amount") for empty, negative, non-numeric,
    over-precise (more decimals than the currency has) or absurdly large input.
    """
    code = normalize_currency(currency)
    exponent = get_currency_precision(code)
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValidationError(gettext("Enter an amount."), field="amount")
    if cleaned.startswith("-"):
        raise ValidationError(gettext("The amount cannot be negative."), field="amount")
    try:
        normalized = _normalize_separators(cleaned.lstrip("+"), exponent)
    except AmbiguousSeparator:
        raise ValidationError(
            f"{cleaned!r} is ambiguous: write it without the thousands separator, or with all its decimals.",
            field="amount",
        ) from None
    except ValueError:
        raise ValidationError(gettext("“{text}” is not an amount.", text=cleaned), field="amount") from None
    # The pattern admits plain digits only, so NaN, Infinity and exponents never reach Decimal.
    if not re.fullmatch(r"[0-9]+(\.[0-9]*)?|\.[0-9]+", normalized):
        raise ValidationError(gettext("“{text}” is not an amount.", text=cleaned), field="amount")
    try:
        major = Decimal(normalized)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only digits
        raise ValidationError(gettext("“{text}” is not an amount.", text=cleaned), field="amount") from None
    if major > max_major:
        ceiling = Money(_quantize_minor(max_major, exponent, ROUND_HALF_UP), code)
        raise ValidationError(
            gettext("The amount cannot be more than {ceiling}.", ceiling=format_money(ceiling)), field="amount"
        )
    minor = major.scaleb(exponent)
    if minor != minor.to_integral_value():
        if exponent == 0:
            message = f"{code} amounts have no decimals."
        else:
            message = f"{code} amounts have at most {exponent} decimal{'s' if exponent > 1 else ''}."
        raise ValidationError(message, field="amount")
    return Money(int(minor), code)


def format_money(money: Money, locale: str | None = None) -> str:
    """Localised display in the current language (or `locale`): "$12.50", "12,50 $" (de), "￥1,250" (ja).

    Digits stay Latin in Arabic too (Babel's default numbering system), so a price reads the same.
    """
    return format_currency(money.to_decimal(), money.currency, locale=locale or i18n.format_locale())


def _as_rate(rate: Decimal | str) -> Decimal:
    if isinstance(rate, float):
        raise TypeError("exchange rates must be Decimal or str, never float")
    try:
        value = Decimal(rate)
    except (InvalidOperation, TypeError):
        raise ValueError(f"invalid exchange rate {rate!r}") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"exchange rate must be a positive finite number, got {rate!r}")
    return value


def convert(money: Money, to_currency: str, rate: Decimal | str) -> Money:
    """Convert at `rate` (target major units per one source major unit).

    Rounds half to even at the target's exponent, so repeated conversions do not
    drift in one direction.
    """
    target = normalize_currency(to_currency)
    value = _as_rate(rate)
    if target == money.currency and value != 1:
        raise ValueError(f"converting {target} to itself needs a rate of 1, got {rate}")
    major = money.to_decimal() * value
    return Money(_quantize_minor(major, get_currency_precision(target), ROUND_HALF_EVEN), target)


def _check_basis_points(basis_points: int) -> None:
    if not isinstance(basis_points, int) or isinstance(basis_points, bool):
        raise TypeError("basis points must be an int")
    if basis_points < 0:
        raise ValueError(f"basis points cannot be negative, got {basis_points}")


def apply_percent(money: Money, basis_points: int, rounding: str = ROUND_HALF_UP) -> Money:
    """`basis_points`/100 percent of `money` (1250 bps = 12.5 %), rounded to a minor unit."""
    _check_basis_points(basis_points)
    share = Decimal(money.amount) * basis_points / BASIS_POINTS_PER_WHOLE
    return Money(int(share.quantize(Decimal(1), rounding=rounding)), money.currency)


def tax_for_line(net: Money, rate_bps: int) -> Money:
    """Tax on one line's net amount, rounded per line half up (commercial rounding)."""
    return apply_percent(net, rate_bps, ROUND_HALF_UP)


def tax_in_gross(gross: Money, rate_bps: int) -> Money:
    """The tax contained in a tax-inclusive price: gross - gross / (1 + rate), half up."""
    _check_basis_points(rate_bps)
    net = Decimal(gross.amount) * BASIS_POINTS_PER_WHOLE / (BASIS_POINTS_PER_WHOLE + rate_bps)
    return Money(gross.amount - int(net.quantize(Decimal(1), rounding=ROUND_HALF_UP)), gross.currency)


def allocate(money: Money, weights: Sequence[int]) -> list[Money]:
    """Split `money` in proportion to `weights`; the parts always sum to `money`.

    Largest remainder method: each part gets its floor share, then the minor units
    left over go one each to the parts with the largest remainders (earlier parts
    win ties), so the split is deterministic. Used to spread an order-level
    discount over the order's lines in proportion to their amounts.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(not isinstance(w, int) or isinstance(w, bool) or w < 0 for w in weights):
        raise ValueError("weights must be non-negative integers")
    total_weight = sum(weights)
    if total_weight == 0:
        raise ValueError("at least one weight must be positive")
    sign = -1 if money.amount < 0 else 1
    whole = abs(money.amount)
    shares = [divmod(whole * w, total_weight) for w in weights]
    parts = [quotient for quotient, _ in shares]
    left_over = whole - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
    for index in by_remainder[:left_over]:
        parts[index] += 1
    return [Money(sign * part, money.currency) for part in parts]

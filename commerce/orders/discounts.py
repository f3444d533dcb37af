"""Discount codes: a seller's percent or fixed-amount codes, shop-wide or for one product.

A code is checked when the cart is priced and counted when an order is placed:
the count goes up in one conditional UPDATE, so two buyers cannot both take the
last use. A cancelled order gives its use back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from commerce.actor import Actor, require_shop
from commerce.errors import Conflict, NotFound, ValidationError
from commerce.kit.choices import parse_choice
from commerce.kit.time import utcnow
from commerce.models import DiscountCode, DiscountKind, Product, ProductStatus, Shop, primary_key, saved_id
from commerce.money import Money, format_money, parse_major

CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9_-]{2,39}")
MAX_USAGE_LIMIT = 1_000_000


@dataclass(frozen=True)
class DiscountCodeView:
    id: int
    shop_id: int
    code: str
    kind: str
    percent_bps: int
    amount: int
    currency: str
    product_id: int | None
    minimum_amount: int
    expires_at: datetime | None
    usage_limit: int | None
    used_count: int
    label: str
    expired: bool  # its end date has passed (or the seller ended it)
    active: bool  # buyers can use it now: not expired, not used up


def normalize_code(code: str) -> str:
    return (code or "").strip().upper()


def _label(row: DiscountCode) -> str:
    if row.kind == DiscountKind.PERCENT:
        off = f"{row.percent_bps / 100:g} % off"
    else:
        off = f"{format_money(Money(row.amount, row.currency))} off"
    return f"{row.code}: {off}"


def _view(row: DiscountCode) -> DiscountCodeView:
    now = utcnow()
    return DiscountCodeView(
        id=saved_id(row),
        shop_id=row.shop_id,
        code=row.code,
        kind=row.kind,
        percent_bps=row.percent_bps,
        amount=row.amount,
        currency=row.currency,
        product_id=row.product_id,
        minimum_amount=row.minimum_amount,
        expires_at=row.expires_at,
        usage_limit=row.usage_limit,
        used_count=row.used_count,
        label=_label(row),
        expired=row.expires_at is not None and row.expires_at <= now,
        active=unusable_reason(row, now) is None,
    )


def create_code(
    s: Session,
    actor: Actor,
    *,
    code: str,
    kind: str,
    percent_bps: int = 0,
    amount: int = 0,
    product_id: int | None = None,
    minimum_amount: int = 0,
    expires_at: datetime | None = None,
    usage_limit: int | None = None,
) -> DiscountCodeView:
    """A seller creates a code for their own shop (amounts in the shop's currency)."""
    shop_id = require_shop(actor)
    shop = s.get_one(Shop, shop_id)
    normalized = normalize_code(code)
    if not CODE_PATTERN.fullmatch(normalized):
        raise ValidationError("A code is 3 to 40 letters, digits, dashes or underscores.", field="code")
    discount_kind = parse_choice(DiscountKind, kind)
    if discount_kind == DiscountKind.PERCENT:
        if not 1 <= percent_bps <= 10_000:
            raise ValidationError("A percentage is between 0.01 % and 100 %.", field="percent")
        amount = 0
    elif discount_kind == DiscountKind.FIXED:
        if amount <= 0:
            raise ValidationError("A fixed discount must be more than zero.", field="amount")
        percent_bps = 0
    else:
        raise ValidationError("A discount is a percentage or a fixed amount.", field="kind")
    if minimum_amount < 0:
        raise ValidationError("The minimum amount cannot be negative.", field="minimum_amount")
    if usage_limit is not None and usage_limit < 1:
        raise ValidationError("A usage limit is at least 1.", field="usage_limit")
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationError("The expiry date must be in the future.", field="expires_at")
    if product_id is not None:
        product = s.get(Product, product_id)
        if product is None or product.shop_id != shop_id:
            raise NotFound("That product is not in your shop.")
    if (
        s.exec(select(DiscountCode.id).where(DiscountCode.shop_id == shop_id, DiscountCode.code == normalized)).first()
        is not None
    ):
        raise Conflict(f"Your shop already has a code {normalized}.")
    row = DiscountCode(
        shop_id=shop_id,
        code=normalized,
        kind=discount_kind,
        percent_bps=percent_bps,
        amount=amount,
        currency=shop.currency,
        product_id=product_id,
        minimum_amount=minimum_amount,
        expires_at=expires_at,
        usage_limit=usage_limit,
    )
    s.add(row)
    s.flush()
    return _view(row)


def list_codes(s: Session, actor: Actor) -> list[DiscountCodeView]:
    shop_id = require_shop(actor)
    rows = s.exec(select(DiscountCode).where(col(DiscountCode.shop_id) == shop_id).order_by(col(DiscountCode.id))).all()
    return [_view(row) for row in rows]


def end_code(s: Session, actor: Actor, code_id: int) -> DiscountCodeView:
    """Stop a code from now on (it expires now); orders that used it keep their discount."""
    shop_id = require_shop(actor)
    row = s.get(DiscountCode, code_id)
    if row is None or row.shop_id != shop_id:
        raise NotFound("Your shop has no such code.")
    now = utcnow()
    if row.expires_at is None or row.expires_at > now:
        row.expires_at = now
        s.add(row)
        s.flush()
    return _view(row)


def _own_code(s: Session, actor: Actor, code_id: int) -> DiscountCode:
    shop_id = require_shop(actor)
    row = s.get(DiscountCode, code_id) if isinstance(code_id, int) else None
    if row is None or row.shop_id != shop_id:
        raise NotFound("Your shop has no such code.")
    return row


def get_code(s: Session, actor: Actor, code_id: int) -> DiscountCodeView:
    return _view(_own_code(s, actor, code_id))


_KEEP: Any = object()


def update_code(
    s: Session, actor: Actor, code_id: int, *, expires_at: datetime | None = _KEEP, usage_limit: int | None = _KEEP
) -> DiscountCodeView:
    """Change when a code ends (None: never) or how often it may be used (None: no limit).

    Orders that used it keep their discount; the kind and amount never change, so what a
    buyer was shown stays true (end the code and create another instead).
    """
    row = _own_code(s, actor, code_id)
    if expires_at is not _KEEP:
        if expires_at is not None and expires_at <= utcnow():
            raise ValidationError("The expiry date must be in the future.", field="expires_at")
        row.expires_at = expires_at
    if usage_limit is not _KEEP:
        if usage_limit is not None and not 1 <= usage_limit <= MAX_USAGE_LIMIT:
            raise ValidationError(f"A usage limit is between 1 and {MAX_USAGE_LIMIT:,}.", field="usage_limit")
        row.usage_limit = usage_limit
    s.add(row)
    s.flush()
    return _view(row)


def codes_named(s: Session, code: str, shop_ids: set[int]) -> list[DiscountCode]:
    """The codes with this name in any of the given shops (a name is unique per shop)."""
    normalized = normalize_code(code)
    if not normalized or not shop_ids:
        return []
    return list(
        s.exec(
            select(DiscountCode)
            .where(DiscountCode.code == normalized, col(DiscountCode.shop_id).in_(shop_ids))
            .order_by(col(DiscountCode.id))
        ).all()
    )


def unusable_reason(row: DiscountCode, now: datetime) -> str | None:
    """Why this code cannot be used right now, as a sentence; None when it can."""
    if row.expires_at is not None and row.expires_at <= now:
        return f"The code {row.code} has expired."
    if row.usage_limit is not None and row.used_count >= row.usage_limit:
        return f"The code {row.code} has been used up."
    return None


def redeem(s: Session, code_id: int) -> None:
    """Count one use, atomically; Conflict when the last use was just taken."""
    result = s.exec(
        update(DiscountCode)
        .where(
            col(DiscountCode.id) == code_id,
            col(DiscountCode.usage_limit).is_(None) | (col(DiscountCode.used_count) < col(DiscountCode.usage_limit)),
        )
        .values(used_count=DiscountCode.used_count + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("This discount code has just been used up. Remove it to continue.")
    _forget_loaded(s, code_id)


def give_back(s: Session, code_id: int) -> None:
    s.execute(
        update(DiscountCode)
        .where(col(DiscountCode.id) == code_id, col(DiscountCode.used_count) > 0)
        .values(used_count=DiscountCode.used_count - 1)
        .execution_options(synchronize_session=False)
    )
    _forget_loaded(s, code_id)


def _forget_loaded(s: Session, code_id: int) -> None:
    # The UPDATE ran in SQL; a copy already loaded in this session would show the old count.
    loaded = s.identity_map.get((DiscountCode, (code_id,), None))
    if loaded is not None:
        s.expire(loaded)


@dataclass(frozen=True)
class ProductChoice:
    id: int
    title: str


def product_choices(s: Session, actor: Actor) -> list[ProductChoice]:
    """The seller's products a code can be limited to (not archived ones)."""
    shop_id = require_shop(actor)
    rows = s.exec(
        select(Product.id, Product.title)
        .where(Product.shop_id == shop_id, Product.status != ProductStatus.ARCHIVED)
        .order_by(Product.title, col(Product.id))
    ).all()
    return [ProductChoice(id=primary_key(product_id), title=title) for product_id, title in rows]


def create_code_from_text(
    s: Session,
    actor: Actor,
    *,
    code: str,
    kind: str,
    value: str,
    product_id: str = "",
    minimum: str = "",
    expires_on: str = "",
    usage_limit: str = "",
) -> DiscountCodeView:
    """The seller's form as typed: a percentage ("15", "12.5") or an amount in the shop's
    currency, an optional minimum, expiry date (YYYY-MM-DD, end of that day UTC) and limit."""
    shop_id = require_shop(actor)
    shop = s.get_one(Shop, shop_id)
    percent_bps = amount = 0
    if kind == DiscountKind.PERCENT:
        try:
            percent = Decimal((value or "").strip().rstrip("%").strip().replace(",", "."))
        except InvalidOperation:
            raise ValidationError("Enter the percentage off, e.g. 10.", field="value") from None
        if not percent.is_finite() or percent != percent.quantize(Decimal("0.01")):
            raise ValidationError("A percentage has at most two decimals.", field="value")
        percent_bps = int(percent * 100)
    elif kind == DiscountKind.FIXED:
        amount = parse_major(value, shop.currency).amount
    minimum_amount = parse_major(minimum, shop.currency).amount if (minimum or "").strip() else 0
    expires_at = None
    if (expires_on or "").strip():
        try:
            day = date.fromisoformat(expires_on.strip())
        except ValueError:
            raise ValidationError("Enter the expiry date as YYYY-MM-DD.", field="expires_at") from None
        expires_at = datetime.combine(day, time.max, tzinfo=UTC)
    limit = None
    if (usage_limit or "").strip():
        if not usage_limit.strip().isdigit():
            raise ValidationError("A usage limit is a whole number.", field="usage_limit")
        limit = int(usage_limit.strip())
        if limit > MAX_USAGE_LIMIT:
            raise ValidationError(f"A usage limit is at most {MAX_USAGE_LIMIT:,}.", field="usage_limit")
    chosen_product = int(product_id) if (product_id or "").strip().isdigit() else None
    return create_code(
        s,
        actor,
        code=code,
        kind=kind,
        percent_bps=percent_bps,
        amount=amount,
        product_id=chosen_product,
        minimum_amount=minimum_amount,
        expires_at=expires_at,
        usage_limit=limit,
    )

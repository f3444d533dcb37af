"""The seller dashboard's figures, read from the rollup tables only.

Definitions (shown on the page too):
- revenue: sales net of tax, minus the platform commission, minus refunds, in the
  shop's currency (card fees are not deducted; payouts show those);
- orders: distinct paid orders with something from the shop; units: items sold;
- conversion rate: items bought / product page views;
- the funnel: visitors who reached each step (viewed a product, added to cart, started a
  checkout or claimed something free, bought), a visitor who bought having reached every
  step before; counted per day (a visitor's key changes daily), so a visitor of two days
  counts twice. Each step shows its share of the first step and of the step before;
- average order value: sales net of tax before commission / orders;
- refund rate: orders with a refund in the period / orders in the period.
Days are UTC days. Chart values are major units as floats, for drawing only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_interval, format_skeleton, format_time
from babel.numbers import format_decimal, format_percent
from sqlalchemy import func
from sqlmodel import Session, select

from commerce.actor import Actor, require_shop
from commerce.analytics.rollups import day_start
from commerce.errors import ValidationError
from commerce.i18n import bo_gettext, bo_N_, bo_ngettext, format_locale, format_number
from commerce.kit.time import utcnow
from commerce.models import DimensionRollup, Product, ProductRollup, Shop, ShopRollup
from commerce.money import Money, format_money
from commerce.reviews.stats import rating_stats

# Shown with bo_gettext (the seller's language).
RANGES = {
    "today": bo_N_("Today"),
    "7d": bo_N_("Last 7 days"),
    "30d": bo_N_("Last 30 days"),
    "90d": bo_N_("Last 90 days"),
    "custom": bo_N_("Custom range"),
}
RANGE_DAYS = {"today": 1, "7d": 7, "30d": 30, "90d": 90}
MAX_RANGE_DAYS = 366
TOP_ROWS = 10


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    value_label: str
    change_label: str
    # "up", "down" or "flat"; "none" when there is nothing to compare with.
    direction: str
    # Whether the change is good news for the seller: "good", "bad" or "neutral".
    tone: str


@dataclass(frozen=True)
class SeriesPoint:
    label: str
    revenue: float
    revenue_label: str
    orders: int


@dataclass(frozen=True)
class FunnelStep:
    label: str
    count: int  # visitors who reached this step
    count_label: str
    share_label: str  # of the visitors who viewed a product
    step_label: str  # of the visitors who reached the step before ("—" for the first step)


@dataclass(frozen=True)
class ProductRow:
    product_id: int
    title: str
    views: int
    add_to_cart: int
    units: int
    downloads: int
    revenue: int
    revenue_major: float  # for drawing only
    revenue_label: str
    conversion: float
    conversion_label: str
    # The average of the product's visible reviews (all time, not the period's); 0 and "–" without any.
    rating: float = 0.0
    rating_label: str = "–"


@dataclass(frozen=True)
class SourceRow:
    value: str
    views: int
    orders: int
    revenue: int
    revenue_label: str


@dataclass(frozen=True)
class DashboardView:
    currency: str
    range_key: str
    start: date
    end: date
    period_label: str
    # "$38.00 revenue from 2 orders · Last 30 days", in the seller's language.
    revenue_summary: str
    hourly: bool
    has_any_data: bool
    revenue: int
    revenue_label: str
    cards: list[Card]
    series: list[SeriesPoint]
    funnel: list[FunnelStep]
    products: list[ProductRow]
    referrers: list[SourceRow]
    campaigns: list[SourceRow]
    sources: list[SourceRow]
    countries: list[SourceRow]
    devices: list[SourceRow]


@dataclass
class _Sums:
    views: int = 0
    add_to_cart: int = 0
    checkouts: int = 0
    orders: int = 0
    units: int = 0
    gross: int = 0
    revenue: int = 0
    refunds: int = 0
    reached_view: int = 0
    reached_cart: int = 0
    reached_checkout: int = 0
    reached_purchase: int = 0


FUNNEL_LABELS = (bo_N_("Viewed a product"), bo_N_("Added to cart"), bo_N_("Started checkout"), bo_N_("Bought"))


def period_for(range_key: str, *, today: date, custom_start: str = "", custom_end: str = "") -> tuple[date, date]:
    """The first and last day of a named range, or of a custom one typed as YYYY-MM-DD."""
    if range_key in RANGE_DAYS:
        return today - timedelta(days=RANGE_DAYS[range_key] - 1), today
    if range_key != "custom":
        raise ValidationError("Choose one of the offered periods.", field="range")
    try:
        start, end = date.fromisoformat(custom_start.strip()), date.fromisoformat(custom_end.strip())
    except (ValueError, AttributeError):
        raise ValidationError("Enter both dates of the custom range.", field="range") from None
    if start > end:
        raise ValidationError("The range must start before it ends.", field="range")
    if end > today:
        raise ValidationError("The range cannot end in the future.", field="range")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValidationError(f"A range can cover at most {MAX_RANGE_DAYS} days.", field="range")
    return start, end


def _sums(s: Session, shop_id: int, start: date, end: date) -> _Sums:
    row = s.exec(
        select(  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
            func.coalesce(func.sum(ShopRollup.views), 0),
            func.coalesce(func.sum(ShopRollup.add_to_cart), 0),
            func.coalesce(func.sum(ShopRollup.checkouts), 0),
            func.coalesce(func.sum(ShopRollup.orders), 0),
            func.coalesce(func.sum(ShopRollup.units), 0),
            func.coalesce(func.sum(ShopRollup.gross), 0),
            func.coalesce(func.sum(ShopRollup.revenue), 0),
            func.coalesce(func.sum(ShopRollup.refunds), 0),
            func.coalesce(func.sum(ShopRollup.reached_view), 0),
            func.coalesce(func.sum(ShopRollup.reached_cart), 0),
            func.coalesce(func.sum(ShopRollup.reached_checkout), 0),
            func.coalesce(func.sum(ShopRollup.reached_purchase), 0),
        ).where(
            ShopRollup.shop_id == shop_id,
            ShopRollup.granularity == "day",
            ShopRollup.bucket >= day_start(start),
            ShopRollup.bucket < day_start(end + timedelta(days=1)),
        )
    ).one()
    return _Sums(*(int(value) for value in row))


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%", locale=format_locale())


def _signed(number: float, pattern: str) -> str:
    """A change with its sign, in the seller's digits and separators: "+5.0", "-12"."""
    return format_decimal(number, f"+{pattern};-{pattern}", locale=format_locale())


def _change(
    current: float | None, previous: float | None, *, points: bool, up_is_good: bool = True
) -> tuple[str, str, str]:
    if current is None or previous is None:
        return bo_gettext("no earlier data"), "none", "neutral"
    if points:
        delta = (current - previous) * 100
        # Percentage points: the difference between two rates.
        label = bo_gettext("{delta} pts", delta=_signed(delta, "#,##0.0"))
    elif previous == 0:
        if current == 0:
            return bo_gettext("no change"), "flat", "neutral"
        direction = "up" if current > 0 else "down"
        return bo_gettext("new"), direction, "good" if (current > 0) == up_is_good else "bad"
    else:
        delta = (current - previous) / abs(previous) * 100
        label = format_percent(delta / 100, "+#,##0%;-#,##0%", locale=format_locale())
    if abs(delta) < 0.05:
        return bo_gettext("no change"), "flat", "neutral"
    direction = "up" if delta > 0 else "down"
    return label, direction, "good" if (delta > 0) == up_is_good else "bad"


def _cards(current: _Sums, previous: _Sums, currency: str, compare: bool) -> list[Card]:
    def money(amount: int | None) -> str:
        return "—" if amount is None else format_money(Money(amount, currency))

    def aov(sums):
        return None if sums.orders == 0 else round(sums.gross / sums.orders)

    metrics = [
        ("revenue", bo_gettext("Revenue"), money(current.revenue), current.revenue, previous.revenue, False, True),
        ("orders", bo_gettext("Orders"), format_number(current.orders), current.orders, previous.orders, False, True),
        ("units", bo_gettext("Items sold"), format_number(current.units), current.units, previous.units, False, True),
        (
            "conversion",
            bo_gettext("Conversion rate"),
            _percent(_ratio(current.units, current.views)),
            _ratio(current.units, current.views),
            _ratio(previous.units, previous.views),
            True,
            True,
        ),
        ("aov", bo_gettext("Average order value"), money(aov(current)), aov(current), aov(previous), False, True),
        (
            "refund_rate",
            bo_gettext("Refund rate"),
            _percent(_ratio(current.refunds, current.orders)),
            _ratio(current.refunds, current.orders),
            _ratio(previous.refunds, previous.orders),
            True,
            False,
        ),
    ]
    cards = []
    for key, label, value_label, now_value, before_value, points, up_is_good in metrics:
        change = (
            _change(now_value, before_value, points=points, up_is_good=up_is_good)
            if compare
            else (bo_gettext("no earlier data"), "none", "neutral")
        )
        cards.append(Card(key, label, value_label, *change))
    return cards


def _funnel(sums: _Sums) -> list[FunnelStep]:
    counts = [sums.reached_view, sums.reached_cart, sums.reached_checkout, sums.reached_purchase]
    return [
        FunnelStep(
            label=bo_gettext(label),
            count=count,
            count_label=format_number(count),
            share_label=_percent(_ratio(count, counts[0])),
            step_label="—" if index == 0 else _percent(_ratio(count, counts[index - 1])),
        )
        for index, (label, count) in enumerate(zip(FUNNEL_LABELS, counts, strict=True))
    ]


def _day_label(moment: datetime) -> str:
    """A chart's day in the seller's language: "Dec 3", "3. Dez.", "12月3日"."""
    return format_skeleton("MMMd", moment, locale=format_locale())


def _hour_label(moment: datetime) -> str:
    return format_time(moment, "HH:mm", locale=format_locale())


def _series(
    s: Session, shop_id: int, start: date, end: date, currency: str, hourly: bool, now: datetime
) -> list[SeriesPoint]:
    granularity = "hour" if hourly else "day"
    rows = s.exec(
        select(ShopRollup.bucket, ShopRollup.revenue, ShopRollup.orders).where(
            ShopRollup.shop_id == shop_id,
            ShopRollup.granularity == granularity,
            ShopRollup.bucket >= day_start(start),
            ShopRollup.bucket < day_start(end + timedelta(days=1)),
        )
    ).all()
    found = {bucket: (revenue, orders) for bucket, revenue, orders in rows}
    if hourly:
        buckets = [day_start(start) + timedelta(hours=h) for h in range(24) if start < now.date() or h <= now.hour]
        label = _hour_label
    else:
        buckets = [day_start(start + timedelta(days=d)) for d in range((end - start).days + 1)]
        label = _day_label
    points = []
    for bucket in buckets:
        revenue, orders = found.get(bucket, (0, 0))
        money = Money(revenue, currency)
        points.append(
            SeriesPoint(
                label=label(bucket), revenue=float(money.to_decimal()), revenue_label=format_money(money), orders=orders
            )
        )
    return points


def _products(s: Session, shop_id: int, start: date, end: date, currency: str) -> list[ProductRow]:
    rows = s.exec(
        select(  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
            ProductRollup.product_id,
            Product.title,
            func.sum(ProductRollup.views),
            func.sum(ProductRollup.add_to_cart),
            func.sum(ProductRollup.units),
            func.sum(ProductRollup.revenue),
            func.sum(ProductRollup.downloads),
        )
        .join(Product, Product.id == ProductRollup.product_id)
        .where(ProductRollup.shop_id == shop_id, ProductRollup.day >= start, ProductRollup.day <= end)
        .group_by(ProductRollup.product_id, Product.title)
    ).all()
    ratings = rating_stats(s, [row[0] for row in rows])
    result = []
    for product_id, title, views, carts, units, revenue, downloads in rows:
        views, carts, units, revenue = int(views), int(carts), int(units), int(revenue)
        conversion = _ratio(units, views)
        average, review_count = ratings.get(product_id, (0.0, 0))
        result.append(
            ProductRow(
                product_id=product_id,
                title=title,
                views=views,
                add_to_cart=carts,
                units=units,
                downloads=int(downloads),
                revenue=revenue,
                revenue_major=float(Money(revenue, currency).to_decimal()),
                revenue_label=format_money(Money(revenue, currency)),
                conversion=conversion or 0.0,
                conversion_label=_percent(conversion),
                rating=average,
                rating_label=f"{average:.1f} ({review_count})" if review_count else "–",
            )
        )
    result.sort(key=lambda row: (-row.revenue, -row.units, -row.views, row.title))
    return result[: TOP_ROWS * 5]


def _dimensions(s: Session, shop_id: int, start: date, end: date, currency: str) -> dict[str, list[SourceRow]]:
    rows = s.exec(
        select(  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
            DimensionRollup.dimension,
            DimensionRollup.value,
            func.sum(DimensionRollup.views),
            func.sum(DimensionRollup.orders),
            func.sum(DimensionRollup.revenue),
        )
        .where(DimensionRollup.shop_id == shop_id, DimensionRollup.day >= start, DimensionRollup.day <= end)
        .group_by(DimensionRollup.dimension, DimensionRollup.value)
    ).all()
    grouped: dict[str, list[SourceRow]] = defaultdict(list)
    for dimension, value, views, orders, revenue in rows:
        grouped[dimension].append(
            SourceRow(
                value=value,
                views=int(views),
                orders=int(orders),
                revenue=int(revenue),
                revenue_label=format_money(Money(int(revenue), currency)),
            )
        )
    for dimension in grouped:
        grouped[dimension].sort(key=lambda row: (-row.revenue, -row.orders, -row.views, row.value))
        grouped[dimension] = grouped[dimension][:TOP_ROWS]
    return grouped


def dashboard(
    s: Session,
    actor: Actor,
    *,
    range_key: str = "30d",
    custom_start: str = "",
    custom_end: str = "",
    now: datetime | None = None,
) -> DashboardView:
    """The acting seller's figures for a period, compared with the period just before it."""
    shop_id = require_shop(actor)
    shop = s.get_one(Shop, shop_id)
    now = now or utcnow()
    start, end = period_for(range_key, today=now.date(), custom_start=custom_start, custom_end=custom_end)
    length = (end - start).days + 1
    previous_start, previous_end = start - timedelta(days=length), start - timedelta(days=1)
    current = _sums(s, shop_id, start, end)
    previous = _sums(s, shop_id, previous_start, previous_end)
    first_day = s.exec(select(func.min(ShopRollup.bucket)).where(ShopRollup.shop_id == shop_id)).one()
    compare = first_day is not None and first_day <= day_start(previous_end)
    hourly = start == end and end >= now.date() - timedelta(days=1)
    dimensions = _dimensions(s, shop_id, start, end, shop.currency)
    funnel = _funnel(current)
    label = (
        bo_gettext(RANGES[range_key])
        if range_key in RANGES and range_key != "custom"
        else format_interval(start, end, "yMMMd", locale=format_locale())
    )
    series = _series(s, shop_id, start, end, shop.currency, hourly, now)
    return DashboardView(
        currency=shop.currency,
        range_key=range_key,
        start=start,
        end=end,
        period_label=label,
        revenue_summary=bo_ngettext(
            "{revenue} revenue from {count} order · {period}",
            "{revenue} revenue from {count} orders · {period}",
            sum(point.orders for point in series),
            revenue=format_money(Money(current.revenue, shop.currency)),
            period=label,
        ),
        hourly=hourly,
        has_any_data=first_day is not None,
        revenue=current.revenue,
        revenue_label=format_money(Money(current.revenue, shop.currency)),
        cards=_cards(current, previous, shop.currency, compare),
        series=series,
        funnel=funnel,
        products=_products(s, shop_id, start, end, shop.currency),
        referrers=dimensions.get("referrer", []),
        campaigns=dimensions.get("utm_campaign", []),
        sources=dimensions.get("utm_source", []),
        countries=dimensions.get("country", []),
        devices=dimensions.get("device", []),
    )

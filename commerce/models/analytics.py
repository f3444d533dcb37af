"""Analytics: raw events (kept for a limited time) and the small rollup tables the dashboard reads."""

from datetime import date, datetime

from sqlalchemy import Index, LargeBinary, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import UTCDateTime

# Event kinds: view, add_to_cart, checkout, purchase, refund, download. Device classes:
# desktop, phone, tablet, unknown. Rollup dimensions: referrer, utm_source, utm_campaign,
# country, device.


class AnalyticsEvent(SQLModel, table=True):
    """One thing that happened in a shop.

    `visitor_key` is a pseudonym of the visitor for this shop and this UTC day (an HMAC of
    the visitor's random cookie id under the day's salt, `AnalyticsSalt`), never linked to
    an account: events carry no user id, and the same visitor has another key the next day.
    Purchases and refunds carry the order they come from (for distinct-order counts) and
    their amount in the shop's currency, net of commission.
    """

    __tablename__ = "analytics_events"
    __table_args__ = (
        Index("ix_analytics_events_shop_time", "shop_id", "occurred_at"),
        # The events the rollup job has not added yet: a small index, emptied as it runs.
        Index(
            "ix_analytics_events_unrolled",
            "id",
            postgresql_where=text("NOT rolled_up"),
            sqlite_where=text("rolled_up = 0"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    shop_id: int = Field(foreign_key="shops.id")
    product_id: int | None = Field(default=None, foreign_key="products.id")
    visitor_key: str | None = Field(default=None, max_length=32)
    referrer_host: str | None = Field(default=None, max_length=255)
    utm_source: str | None = Field(default=None, max_length=100)
    utm_medium: str | None = Field(default=None, max_length=100)
    utm_campaign: str | None = Field(default=None, max_length=100)
    device: str = Field(default="unknown", max_length=8)
    country: str | None = Field(default=None, max_length=2)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    order_line_id: int | None = Field(default=None, foreign_key="order_lines.id", index=True)
    units: int = Field(default=0)
    # Shop currency minor units: what the sale earned after commission (negative for a refund).
    revenue: int = Field(default=0)
    # Sales value before commission (negative for a refund), shop currency minor units.
    gross: int = Field(default=0)
    # Names the fact an event records ("purchase:line:12"), so recording it twice keeps one row.
    dedupe_key: str | None = Field(default=None, max_length=64, unique=True)
    # Whether the rollup job has added this event to the rollups (`rollups.fold_new_events`).
    rolled_up: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class AnalyticsPendingRollup(SQLModel, table=True):
    """A shop day to recompute from its events, for a change that adding events cannot express
    (a purchase given its visitor's key after it was counted); `version` grows with each mark."""

    __tablename__ = "analytics_pending_rollups"

    shop_id: int = Field(foreign_key="shops.id", primary_key=True)
    day: date = Field(primary_key=True)
    version: int = Field(default=1)


class AnalyticsDayVisitor(SQLModel, table=True):
    """What the funnel knows of one visitor of one shop day, so the rollup job can add an event
    to the day's counts without counting the day's visitors again.

    `visitor` is the event's `visitor_key`, or "order:<id>" for an order's events without one.
    `furthest` is the furthest funnel step reached that day (1 view … 4 purchase); bit h of
    `view_hours` is set once the visitor viewed something in hour h (UTC). Deleted with the
    day's visitor events (`rollups.purge`).
    """

    __tablename__ = "analytics_day_visitors"

    shop_id: int = Field(foreign_key="shops.id", primary_key=True)
    day: date = Field(primary_key=True)
    visitor: str = Field(max_length=40, primary_key=True)
    furthest: int = 0
    view_hours: int = 0


class AnalyticsSalt(SQLModel, table=True):
    """The secret of one UTC day's visitor keys; deleted after two days, so a key can no
    longer be computed from a cookie and two days' visitors cannot be matched."""

    __tablename__ = "analytics_salts"

    day: date = Field(primary_key=True)
    salt: bytes = Field(sa_type=LargeBinary)


class ShopRollup(SQLModel, table=True):
    """A shop's totals for one UTC day (granularity "day") or one hour of recent days ("hour")."""

    __tablename__ = "analytics_shop_rollups"
    __table_args__ = (UniqueConstraint("shop_id", "granularity", "bucket", name="uq_analytics_shop_rollups"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", index=True)
    granularity: str = Field(max_length=5)
    bucket: datetime = Field(sa_type=UTCDateTime, nullable=False)
    currency: str = Field(max_length=3)
    views: int = 0
    visitors: int = 0
    add_to_cart: int = 0
    checkouts: int = 0
    orders: int = 0
    units: int = 0
    gross: int = 0
    revenue: int = 0
    refunds: int = 0
    refunded: int = 0
    downloads: int = 0
    # The funnel (day rows only): distinct visitors who reached each step that day, where
    # reaching a step means an event of that step or of a later one.
    reached_view: int = 0
    reached_cart: int = 0
    reached_checkout: int = 0
    reached_purchase: int = 0
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ProductRollup(SQLModel, table=True):
    __tablename__ = "analytics_product_rollups"
    __table_args__ = (
        UniqueConstraint("product_id", "day", name="uq_analytics_product_rollups"),
        Index("ix_analytics_product_rollups_shop_day", "shop_id", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id")
    product_id: int = Field(foreign_key="products.id")
    day: date
    views: int = 0
    add_to_cart: int = 0
    checkouts: int = 0
    orders: int = 0
    units: int = 0
    revenue: int = 0
    refunds: int = 0
    downloads: int = 0


class DimensionRollup(SQLModel, table=True):
    """Views, orders and revenue of one shop day by where visitors came from or where they are."""

    __tablename__ = "analytics_dimension_rollups"
    __table_args__ = (UniqueConstraint("shop_id", "day", "dimension", "value", name="uq_analytics_dimension_rollups"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", index=True)
    day: date
    dimension: str = Field(max_length=16)
    value: str = Field(max_length=255)
    views: int = 0
    orders: int = 0
    revenue: int = 0

"""Categories and products."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from commerce.models.base import UTCDateTime, utcnow

PRICING_MODES = ("fixed", "pwyw")
PRODUCT_STATUSES = ("draft", "published", "archived")
MODERATION_STATUSES = ("pending", "approved", "rejected")


class Category(SQLModel, table=True):
    __tablename__ = "categories"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=80)
    parent_id: int | None = Field(default=None, foreign_key="categories.id")
    position: int = Field(default=0)


class Product(SQLModel, table=True):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("shop_id", "slug", name="uq_products_shop_slug"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", index=True)
    slug: str = Field(max_length=80)
    title: str = Field(max_length=120)
    summary: str = Field(default="", max_length=280)
    description: str = Field(default="")  # Markdown, rendered safely
    category_id: int | None = Field(default=None, foreign_key="categories.id", index=True)
    pricing: str = Field(default="fixed", max_length=8)
    # Fixed price, or the minimum for pay-what-you-want; minor units of `currency`.
    price_amount: int = Field(default=0)
    currency: str = Field(default="USD", max_length=3)
    status: str = Field(default="draft", max_length=12)
    moderation_status: str = Field(default="pending", max_length=12)
    rejection_reason: str | None = Field(default=None, max_length=500)
    cover_key: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

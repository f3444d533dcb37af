"""Categories, products, their tags and their images."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class PricingMode(StrEnum):
    FIXED = "fixed"
    PWYW = "pwyw"  # pay what you want, at least the price


class ProductStatus(StrEnum):
    """The seller's side of a product's life; buyers see it only when published and approved."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ModerationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class DeliveryKind(StrEnum):
    """What a buyer receives: downloadable files, a license key, or both."""

    FILES = "files"
    KEYS = "keys"
    BOTH = "both"


class TranslationLanguage(StrEnum):
    """The languages a seller may translate a product's texts into. The product's own
    texts are the original (English, or whatever language the seller wrote them in)."""

    DE = "de"
    FR = "fr"
    ES = "es"
    JA = "ja"
    AR = "ar"


class ImageRole(StrEnum):
    COVER = "cover"
    GALLERY = "gallery"


class Category(SQLModel, table=True):
    __tablename__ = "categories"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=80)
    parent_id: int | None = Field(default=None, foreign_key="categories.id")
    position: int = Field(default=0)


class Product(SQLModel, table=True):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("shop_id", "slug", name="uq_products_shop_slug"),
        one_of("products", "pricing", PricingMode),
        one_of("products", "status", ProductStatus),
        one_of("products", "moderation_status", ModerationStatus),
        one_of("products", "delivery_kind", DeliveryKind),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", index=True)
    slug: str = Field(max_length=80)
    title: str = Field(max_length=120)
    summary: str = Field(default="", max_length=280)
    description: str = Field(default="")  # Markdown, rendered safely
    category_id: int | None = Field(default=None, foreign_key="categories.id", index=True)
    pricing: PricingMode = Field(default=PricingMode.FIXED, sa_type=EnumString(PricingMode, 8))
    # Fixed price, or the minimum for pay-what-you-want; minor units of `currency`.
    price_amount: int = Field(default=0)
    currency: str = Field(default="USD", max_length=3)
    status: ProductStatus = Field(default=ProductStatus.DRAFT, sa_type=EnumString(ProductStatus, 12))
    moderation_status: ModerationStatus = Field(
        default=ModerationStatus.PENDING, sa_type=EnumString(ModerationStatus, 12)
    )
    rejection_reason: str | None = Field(default=None, max_length=500)
    # The card-sized (800 px) WebP of the cover, under a public "media/" key.
    cover_key: str | None = Field(default=None, max_length=255)
    delivery_kind: DeliveryKind = Field(default=DeliveryKind.FILES, sa_type=EnumString(DeliveryKind, 8))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set by every change a buyer could search for; the search indexer clears it
    # (and stamps indexed_at) once the product's document is up to date.
    search_dirty: bool = Field(default=True, index=True)
    indexed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProductTag(SQLModel, table=True):
    """One of a product's (at most ten) tags, stored normalised: lower case, single spaces."""

    __tablename__ = "product_tags"
    __table_args__ = (UniqueConstraint("product_id", "tag", name="uq_product_tags_product_tag"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id", index=True)
    tag: str = Field(max_length=30, index=True)
    position: int = Field(default=0)


class ProductTranslation(SQLModel, table=True):
    """A seller's translation of a product's title, summary and description into one language.

    Held to the same limits and cleaning as the original; an empty summary or description
    shows the original's in its place.
    """

    __tablename__ = "product_translations"
    __table_args__ = (
        UniqueConstraint("product_id", "lang", name="uq_product_translations_product_lang"),
        one_of("product_translations", "lang", TranslationLanguage),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id", index=True)
    lang: TranslationLanguage = Field(sa_type=EnumString(TranslationLanguage, 8))
    title: str = Field(max_length=120)
    summary: str = Field(default="", max_length=280)
    description: str = Field(default="")  # Markdown, rendered like the original's
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ProductImage(SQLModel, table=True):
    """A cover or gallery picture, already resized into WebP thumbnails at upload.

    Each `key_<width>` names a content-addressed "media/" blob at most that many
    pixels wide; an image narrower than a slot fills it with its own width, so
    the keys of small images repeat rather than being upscaled.
    """

    __tablename__ = "product_images"
    __table_args__ = (
        Index("ix_product_images_product_role", "product_id", "role", "position"),
        one_of("product_images", "role", ImageRole),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id")
    role: ImageRole = Field(sa_type=EnumString(ImageRole, 8))
    position: int = Field(default=0)
    width: int
    height: int
    key_400: str = Field(max_length=255)
    key_800: str = Field(max_length=255)
    key_1600: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

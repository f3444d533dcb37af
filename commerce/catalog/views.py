"""View models of the catalog (frozen dataclasses, safe to hold in Reflex state)
and the read helpers that build them from rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from commerce.catalog.category_names import category_name
from commerce.catalog.languages import language_options
from commerce.catalog.text import render_markdown
from commerce.catalog.viewable import ViewKind, view_kind
from commerce.catalog.visibility import is_visible_to_buyers
from commerce.i18n import bo_gettext
from commerce.links import media_url, product_url
from commerce.models import (
    Category,
    DeliveryKind,
    ImageRole,
    KeySource,
    KeyStatus,
    LicenseKey,
    LicensePolicy,
    ModerationStatus,
    PricingMode,
    Product,
    ProductFile,
    ProductImage,
    ProductStatus,
    ProductTag,
    ProductTranslation,
    ProductVersion,
    RenditionStatus,
    Shop,
    TranslationLanguage,
    VideoRendition,
    saved_id,
)
from commerce.money import Money, format_money

THUMBNAIL_WIDTHS = (400, 800, 1600)


def format_size(size_bytes: int) -> str:
    """A file size for people, in decimal units as file managers show them: "1.4 MB"."""
    if size_bytes < 1000:
        return f"{size_bytes} byte" + ("" if size_bytes == 1 else "s")
    value = float(size_bytes)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")


def price_label(pricing: PricingMode, amount: int, currency: str) -> str:
    price = format_money(Money(amount, currency))
    if pricing == PricingMode.PWYW:
        return "Free or pay what you want" if amount == 0 else f"{price}+"
    return "Free" if amount == 0 else price


def price_input_text(amount: int, currency: str) -> str:
    """The price as a seller types it back into the form: "12.50", "1250" (JPY)."""
    return str(Money(amount, currency).to_decimal())


def delivery_label(kind: DeliveryKind) -> str:
    return {
        DeliveryKind.FILES: "Downloadable files",
        DeliveryKind.KEYS: "A license key",
        DeliveryKind.BOTH: "Downloadable files and a license key",
    }[kind]


@dataclass(frozen=True)
class ImageView:
    id: int
    role: ImageRole
    width: int
    height: int
    url_400: str
    url_800: str
    url_1600: str
    # For <img srcset>: each distinct thumbnail with its real width.
    srcset: str


def image_view(image: ProductImage) -> ImageView:
    seen: dict[str, int] = {}
    for slot, key in zip(THUMBNAIL_WIDTHS, (image.key_400, image.key_800, image.key_1600), strict=True):
        seen.setdefault(key, min(slot, image.width))
    srcset = ", ".join(f"{media_url(key)} {width}w" for key, width in seen.items())
    return ImageView(
        id=saved_id(image),
        role=image.role,
        width=image.width,
        height=image.height,
        url_400=media_url(image.key_400) or "",
        url_800=media_url(image.key_800) or "",
        url_1600=media_url(image.key_1600) or "",
        srcset=srcset,
    )


_STREAMING = {RenditionStatus.PENDING: "preparing", RenditionStatus.READY: "ready", RenditionStatus.FAILED: "failed"}


@dataclass(frozen=True)
class FileView:
    id: int
    filename: str
    size_bytes: int
    size_label: str
    content_type: str
    sha256: str
    # The seller chose this file alone to be viewed in the browser only (the product may also say so).
    online_only: bool
    # "pdf", "audio" or "video" when a browser can show it, else "" (it can only be downloaded).
    view_kind: str
    # A video's HLS rendition for online viewing: "preparing", "ready", "failed", or "" (none).
    streaming: str = ""
    # Why preparing it failed (ffmpeg's last words), for the seller.
    streaming_problem: str = ""


@dataclass(frozen=True)
class VersionView:
    id: int
    number: int
    label: str
    release_notes: str
    created_at: datetime
    # None for a draft (an update the seller has not released; only the seller sees it).
    released_at: datetime | None
    is_draft: bool
    files: list[FileView]
    total_size_label: str


@dataclass(frozen=True)
class KeyCounts:
    available: int = 0
    sold: int = 0
    revoked: int = 0


@dataclass(frozen=True)
class LicenseSettingsView:
    source: KeySource
    prefix: str
    activation_limit: int | None
    expiry_days: int | None
    usage_limit: int | None
    counts: KeyCounts


def product_images(s: Session, product: Product) -> tuple[ImageView | None, list[ImageView]]:
    rows = s.exec(
        select(ProductImage)
        .where(ProductImage.product_id == product.id)
        .order_by(ProductImage.role, col(ProductImage.position), col(ProductImage.id))
    ).all()
    cover = next((image_view(row) for row in rows if row.role == ImageRole.COVER), None)
    if cover is None and product.cover_key:
        # A cover stored as one picture, without thumbnails (the demo data's): one size for all.
        url = media_url(product.cover_key) or ""
        cover = ImageView(
            id=0, role=ImageRole.COVER, width=0, height=0, url_400=url, url_800=url, url_1600=url, srcset=""
        )
    return cover, [image_view(row) for row in rows if row.role == ImageRole.GALLERY]


def product_versions(s: Session, product_id: int, *, released_only: bool = False) -> list[VersionView]:
    """Every version, newest first, with its files in upload order; buyers' pages ask for
    `released_only` (a draft update is the seller's business until they release it)."""
    query = select(ProductVersion).where(ProductVersion.product_id == product_id)
    if released_only:
        query = query.where(col(ProductVersion.released_at).is_not(None))
    versions = s.exec(query.order_by(col(ProductVersion.number).desc())).all()
    files = s.exec(
        select(ProductFile)
        .where(ProductFile.product_id == product_id)
        .order_by(col(ProductFile.position), col(ProductFile.id))
    ).all()
    video_sums = [row.sha256 for row in files if view_kind(row.content_type) == ViewKind.VIDEO]
    renditions = (
        {r.sha256: r for r in s.exec(select(VideoRendition).where(col(VideoRendition.sha256).in_(video_sums))).all()}
        if video_sums
        else {}
    )
    by_version: dict[int, list[FileView]] = {}
    for row in files:
        rendition = renditions.get(row.sha256)
        by_version.setdefault(row.version_id, []).append(
            FileView(
                id=saved_id(row),
                filename=row.filename,
                size_bytes=row.size_bytes,
                size_label=format_size(row.size_bytes),
                content_type=row.content_type,
                sha256=row.sha256,
                online_only=row.online_only,
                view_kind=view_kind(row.content_type) or "",
                streaming=_STREAMING[rendition.status] if rendition else "",
                streaming_problem=(rendition.error or "") if rendition else "",
            )
        )
    return [
        VersionView(
            id=saved_id(version),
            number=version.number,
            label=version.label,
            release_notes=version.release_notes,
            created_at=version.created_at,
            released_at=version.released_at,
            is_draft=version.released_at is None,
            files=by_version.get(saved_id(version), []),
            total_size_label=format_size(sum(f.size_bytes for f in by_version.get(saved_id(version), []))),
        )
        for version in versions
    ]


def product_tags(s: Session, product_id: int) -> list[str]:
    return list(
        s.exec(
            select(ProductTag.tag)
            .where(ProductTag.product_id == product_id)
            .order_by(col(ProductTag.position), col(ProductTag.id))
        ).all()
    )


def key_counts(s: Session, product_id: int) -> KeyCounts:
    rows = s.exec(
        select(LicenseKey.status, func.count()).where(LicenseKey.product_id == product_id).group_by(LicenseKey.status)
    ).all()
    counts = dict(rows)
    return KeyCounts(
        available=counts.get(KeyStatus.AVAILABLE, 0),
        sold=counts.get(KeyStatus.SOLD, 0),
        revoked=counts.get(KeyStatus.REVOKED, 0),
    )


def license_settings(s: Session, product_id: int) -> LicenseSettingsView:
    policy = s.get(LicensePolicy, product_id) or LicensePolicy(product_id=product_id)
    return LicenseSettingsView(
        source=policy.source,
        prefix=policy.prefix or "",
        activation_limit=policy.activation_limit,
        expiry_days=policy.expiry_days,
        usage_limit=policy.usage_limit,
        counts=key_counts(s, product_id),
    )


def delivers_keys(kind: DeliveryKind) -> bool:
    return kind in (DeliveryKind.KEYS, DeliveryKind.BOTH)


def delivers_files(kind: DeliveryKind) -> bool:
    return kind in (DeliveryKind.FILES, DeliveryKind.BOTH)


def is_sold_out(s: Session, product: Product) -> bool:
    """True when the product sells imported keys and none is left.

    Generated keys never run out; a product that delivers only files never sells out.
    """
    if not delivers_keys(product.delivery_kind):
        return False
    policy = s.get(LicensePolicy, product.id)
    if policy is not None and policy.source == KeySource.GENERATED:
        return False
    available = s.exec(
        select(func.count())
        .select_from(LicenseKey)
        .where(LicenseKey.product_id == product.id, LicenseKey.status == KeyStatus.AVAILABLE)
    ).one()
    return available == 0


def publish_problems(s: Session, product: Product) -> list[str]:
    """What still stops the product from being published, as sentences for the seller.

    Every product has a title and a price from the moment it is created (the
    create form asks for both), so what can be missing is a cover and something
    to deliver.
    """
    problems = []
    if not product.cover_key:
        problems.append(bo_gettext("Add a cover image."))
    if delivers_files(product.delivery_kind):
        latest = s.exec(
            select(ProductVersion.id)
            .where(ProductVersion.product_id == product.id, col(ProductVersion.released_at).is_not(None))
            .order_by(col(ProductVersion.number).desc())
            .limit(1)
        ).first()
        has_files = (
            latest is not None
            and s.exec(select(ProductFile.id).where(ProductFile.version_id == latest).limit(1)).first() is not None
        )
        if not has_files:
            problems.append(bo_gettext("Upload at least one file to the latest version."))
    if delivers_keys(product.delivery_kind) and is_sold_out(s, product):
        problems.append(bo_gettext("Import license keys, or choose generated keys."))
    return problems


@dataclass(frozen=True)
class CategoryOption:
    slug: str
    name: str
    # "Software › Apps" for a child, so a flat select still shows the tree.
    label: str
    parent_slug: str


def category_options(s: Session) -> list[CategoryOption]:
    rows = s.exec(select(Category).order_by(col(Category.position), col(Category.id))).all()
    options = []
    for parent in (row for row in rows if row.parent_id is None):
        parent_name = category_name(parent.name)
        options.append(CategoryOption(parent.slug, parent_name, parent_name, ""))
        for child in (row for row in rows if row.parent_id == parent.id):
            child_name = category_name(child.name)
            options.append(CategoryOption(child.slug, child_name, f"{parent_name} › {child_name}", parent.slug))
    return options


@dataclass(frozen=True)
class TranslationView:
    """One language of the editor's translations: what the seller saved in it, if anything."""

    lang: str
    language: str  # its own name for itself: "Deutsch"
    dir: str  # "rtl" for Arabic: the direction its fields are typed in
    saved: bool
    title: str
    summary: str
    description: str
    updated_at: datetime | None


def product_translations(s: Session, product_id: int) -> list[TranslationView]:
    """Every language a product may be translated into, with its saved translation or empty."""
    rows = {
        row.lang: row
        for row in s.exec(select(ProductTranslation).where(ProductTranslation.product_id == product_id)).all()
    }
    views = []
    for option in language_options():
        row = rows.get(TranslationLanguage(option.code))
        views.append(
            TranslationView(
                lang=option.code,
                language=option.name,
                dir=option.dir,
                saved=row is not None,
                title=row.title if row else "",
                summary=row.summary if row else "",
                description=row.description if row else "",
                updated_at=row.updated_at if row else None,
            )
        )
    return views


@dataclass(frozen=True)
class ProductEditView:
    """Everything the seller studio's editor shows about one product."""

    id: int
    shop_slug: str
    slug: str
    title: str
    summary: str
    description: str
    description_html: str
    category_slug: str
    tags: list[str]
    pricing: PricingMode
    price_amount: int
    price_input: str
    currency: str
    price_label: str
    delivery_kind: DeliveryKind
    status: ProductStatus
    moderation_status: ModerationStatus
    rejection_reason: str
    cover: ImageView | None
    gallery: list[ImageView]
    versions: list[VersionView]
    license: LicenseSettingsView
    public_url: str
    is_live: bool
    slug_locked: bool
    publish_problems: list[str]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = field(default=None)
    # One entry per language the seller may translate into, saved or not.
    translations: list[TranslationView] = field(default_factory=list)


def product_edit_view(s: Session, product: Product, shop: Shop) -> ProductEditView:
    s.flush()
    cover, gallery = product_images(s, product)
    category = s.get(Category, product.category_id) if product.category_id else None
    return ProductEditView(
        id=saved_id(product),
        shop_slug=shop.slug,
        slug=product.slug,
        title=product.title,
        summary=product.summary,
        description=product.description,
        description_html=render_markdown(product.description),
        category_slug=category.slug if category else "",
        tags=product_tags(s, saved_id(product)),
        pricing=product.pricing,
        price_amount=product.price_amount,
        price_input=price_input_text(product.price_amount, product.currency),
        currency=product.currency,
        price_label=price_label(product.pricing, product.price_amount, product.currency),
        delivery_kind=product.delivery_kind,
        status=product.status,
        moderation_status=product.moderation_status,
        rejection_reason=product.rejection_reason or "",
        cover=cover,
        gallery=gallery,
        versions=product_versions(s, saved_id(product)),
        license=license_settings(s, saved_id(product)),
        public_url=product_url(shop.slug, product.slug),
        is_live=is_visible_to_buyers(s, saved_id(product)),
        slug_locked=product.published_at is not None,
        publish_problems=publish_problems(s, product),
        created_at=product.created_at,
        updated_at=product.updated_at,
        published_at=product.published_at,
        translations=product_translations(s, saved_id(product)),
    )

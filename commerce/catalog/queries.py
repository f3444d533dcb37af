"""Read-side queries for the shop pages and the seller studio. They return view
models, never ORM rows, and every buyer-facing list goes through the one
visibility rule, `visible_to_buyers()`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, or_, true
from sqlmodel import Session, col, select

from commerce.actor import Actor
from commerce.catalog.access import actor_shop
from commerce.catalog.bundles import BundleItemView, bundle_contents
from commerce.catalog.category_names import category_name
from commerce.catalog.text import render_markdown, without_leading_title
from commerce.catalog.translations import short_texts_for, texts_for
from commerce.catalog.views import (
    FileView,
    ImageView,
    delivers_files,
    delivers_keys,
    delivery_label,
    is_sold_out,
    price_input_text,
    price_label,
    product_images,
    product_tags,
    product_versions,
)
from commerce.catalog.visibility import visible_to_buyers
from commerce.errors import NotFound
from commerce.i18n import bo_ngettext, format_date, gettext, ngettext
from commerce.kit.pagination import Page, make_page, page_bounds
from commerce.links import category_url, media_url, product_url, shop_url
from commerce.models import (
    Category,
    DeliveryKind,
    ModerationStatus,
    Order,
    OrderLine,
    PricingMode,
    Product,
    ProductStatus,
    Shop,
    primary_key,
    saved_id,
)

HOME_CATEGORY_LIMIT = 12
META_DESCRIPTION_LENGTH = 160
SELLER_STATUS_FILTERS = ("active", "draft", "in_review", "live", "rejected", "archived", "all")


@dataclass(frozen=True)
class ProductCardView:
    id: int
    title: str
    summary: str
    shop_name: str
    shop_slug: str
    slug: str
    url: str
    price_label: str
    cover_url: str | None
    category_name: str


def _card_query():
    return (
        select(Product, Shop, Category)
        .join(Shop, Shop.id == Product.shop_id)
        .join(Category, Category.id == Product.category_id, isouter=True)
        .where(visible_to_buyers())
    )


def _count_query():
    return select(func.count()).select_from(Product).join(Shop, Shop.id == Product.shop_id).where(visible_to_buyers())


def _newest_first(query):
    return query.order_by(col(Product.published_at).desc(), col(Product.id).desc())


def _cards(s: Session, rows, lang: str | None) -> list[ProductCardView]:
    """Cards of (product, shop, category) rows, in the seller's translation into `lang` where one exists."""
    translated = short_texts_for(s, [saved_id(product) for product, _, _ in rows], lang)
    cards = []
    for product, shop, category in rows:
        title, summary = translated.get(saved_id(product), (product.title, ""))
        cards.append(
            ProductCardView(
                id=saved_id(product),
                title=title,
                summary=summary or product.summary,
                shop_name=shop.name,
                shop_slug=shop.slug,
                slug=product.slug,
                url=product_url(shop.slug, product.slug),
                price_label=price_label(product.pricing, product.price_amount, product.currency),
                cover_url=media_url(product.cover_key),
                category_name=category_name(category.name, lang) if category else "",
            )
        )
    return cards


def _card_page(s: Session, condition, page: int, per_page: int, lang: str | None) -> Page:
    page, per_page = page_bounds(page, per_page)
    total = s.exec(_count_query().where(condition)).one()
    rows = s.exec(_newest_first(_card_query().where(condition)).offset((page - 1) * per_page).limit(per_page)).all()
    return make_page(_cards(s, rows, lang), page, per_page, total)


def list_home_products(s: Session, *, limit: int = 24, lang: str | None = None) -> list[ProductCardView]:
    """Newest products buyers can see."""
    rows = s.exec(_newest_first(_card_query()).limit(max(1, min(limit, 100)))).all()
    return _cards(s, rows, lang)


@dataclass(frozen=True)
class CategoryLink:
    slug: str
    name: str
    url: str
    product_count: int


@dataclass(frozen=True)
class HomeView:
    # Newest approved products, paginated. "Popular" joins when sales data exists.
    newest: Page
    categories: list[CategoryLink]


def _visible_counts_by_top_category(s: Session) -> dict[int, int]:
    """Visible products per top-level category (a child's products count for its parent)."""
    parent_of = {primary_key(child): parent for child, parent in s.exec(select(Category.id, Category.parent_id)).all()}
    rows = s.exec(
        select(Product.category_id, func.count())
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .where(visible_to_buyers(), col(Product.category_id).is_not(None))
        .group_by(col(Product.category_id))
    ).all()
    counts: dict[int, int] = {}
    for category_id, count in rows:
        if category_id is None:
            continue  # excluded by the query; says so to the type checker
        top = parent_of.get(category_id) or category_id
        counts[top] = counts.get(top, 0) + count
    return counts


def home_page(s: Session, *, page: int = 1, per_page: int = 24, lang: str | None = None) -> HomeView:
    counts = _visible_counts_by_top_category(s)
    tops = s.exec(
        select(Category).where(col(Category.parent_id).is_(None)).order_by(col(Category.position), col(Category.id))
    ).all()
    categories = [
        CategoryLink(
            slug=c.slug, name=category_name(c.name, lang), url=category_url(c.slug), product_count=counts[saved_id(c)]
        )
        for c in tops
        if counts.get(saved_id(c))
    ][:HOME_CATEGORY_LIMIT]
    return HomeView(newest=_card_page(s, true(), page, per_page, lang), categories=categories)


@dataclass(frozen=True)
class CategoryPageView:
    slug: str
    name: str
    url: str
    parent: CategoryLink | None
    children: list[CategoryLink]
    products: Page
    meta_description: str


def category_page(
    s: Session, slug: str, *, page: int = 1, per_page: int = 24, lang: str | None = None
) -> CategoryPageView:
    """A category's visible products, including those of its sub-categories."""
    category = s.exec(select(Category).where(Category.slug == slug)).first()
    if category is None:
        raise NotFound("This category does not exist.")
    children = s.exec(
        select(Category)
        .where(col(Category.parent_id) == category.id)
        .order_by(col(Category.position), col(Category.id))
    ).all()
    child_counts = dict(
        s.exec(
            select(Product.category_id, func.count())
            .join(Shop, col(Shop.id) == col(Product.shop_id))
            .where(visible_to_buyers(), col(Product.category_id).in_([c.id for c in children] or [-1]))
            .group_by(col(Product.category_id))
        ).all()
    )
    parent = s.get(Category, category.parent_id) if category.parent_id else None
    ids = [category.id, *(c.id for c in children)]
    products = _card_page(s, col(Product.category_id).in_(ids), page, per_page, lang)
    return CategoryPageView(
        slug=category.slug,
        name=category_name(category.name, lang),
        url=category_url(category.slug),
        parent=CategoryLink(parent.slug, category_name(parent.name, lang), category_url(parent.slug), 0)
        if parent
        else None,
        children=[
            CategoryLink(c.slug, category_name(c.name, lang), category_url(c.slug), child_counts.get(c.id, 0))
            for c in children
        ],
        products=products,
        meta_description=ngettext(
            "{count} digital product in {category}: instant download after purchase.",
            "{count} digital products in {category}: instant download after purchase.",
            products.total,
            category=category_name(category.name, lang),
        ),
    )


@dataclass(frozen=True)
class ShopPageView:
    slug: str
    name: str
    bio: str
    url: str
    products: Page
    meta_description: str


class ShopUnavailable(NotFound):
    """The shop exists but is suspended: buyers are told it is unavailable, not that it never was."""


SHOP_UNAVAILABLE = "This shop is unavailable at the moment."
PRODUCT_OF_UNAVAILABLE_SHOP = "This product is unavailable at the moment: its shop is unavailable."


def shop_page(
    s: Session, shop_slug: str, *, page: int = 1, per_page: int = 24, lang: str | None = None
) -> ShopPageView:
    shop = s.exec(select(Shop).where(Shop.slug == shop_slug)).first()
    if shop is None:
        raise NotFound("This shop does not exist.")
    if shop.suspended_at is not None:
        raise ShopUnavailable(SHOP_UNAVAILABLE)
    products = _card_page(s, Product.shop_id == shop.id, page, per_page, lang)
    return ShopPageView(
        slug=shop.slug,
        name=shop.name,
        bio=shop.bio,
        url=shop_url(shop.slug),
        products=products,
        meta_description=_clip(shop.bio) or gettext("Digital products by {shop}.", shop=shop.name),
    )


@dataclass(frozen=True)
class OriginalTexts:
    """The product's own texts, kept beside a translation so "Show original" needs no trip."""

    title: str
    summary: str
    description_html: str


@dataclass(frozen=True)
class ProductPageView:
    id: int
    # In the seller's translation into the buyer's language where there is one.
    title: str
    summary: str
    description_html: str
    url: str
    shop_name: str
    shop_slug: str
    shop_url: str
    category_name: str
    category_url: str
    tags: list[str]
    pricing: PricingMode
    price_amount: int
    currency: str
    price_label: str
    # The PWYW minimum as typed in the amount field ("4.99"); empty for fixed prices.
    minimum_input: str
    cover: ImageView | None
    gallery: list[ImageView]
    delivery_kind: DeliveryKind
    delivery_label: str
    delivers_files: bool
    delivers_keys: bool
    version_label: str
    files: list[FileView]
    sold_out: bool
    # Shown to its seller (or an admin) before buyers can see it.
    is_preview: bool
    status_label: str
    meta_description: str
    og_image_path: str
    # A bundle's other products, granted with it (empty for a plain product).
    bundle_items: list[BundleItemView]
    # The language of the translation shown ("" for the original), and then the original.
    lang: str = ""
    original: OriginalTexts | None = None


def _clip(text: str, length: int = META_DESCRIPTION_LENGTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rsplit(" ", 1)[0] + "…"


_MARKDOWN_NOISE = re.compile(r"[#*_`>\[\]()|~-]+")


def status_label(status: ProductStatus, moderation_status: ModerationStatus) -> str:
    """What a seller reads about where the product stands."""
    if status == ProductStatus.ARCHIVED:
        return "Archived"
    if status == ProductStatus.DRAFT:
        return "Draft"
    return {
        ModerationStatus.PENDING: "In review",
        ModerationStatus.APPROVED: "Live",
        ModerationStatus.REJECTED: "Rejected",
    }[moderation_status]


def _description_html(description: str, title: str) -> str:
    return render_markdown(without_leading_title(description, title))


def product_page(
    s: Session, shop_slug: str, product_slug: str, *, viewer: Actor | None = None, lang: str | None = None
) -> ProductPageView:
    """A product as buyers see it, in the seller's translation into `lang` where there is one.
    Its seller (and admins) may preview it before it is live."""
    row = s.exec(
        select(Product, Shop, visible_to_buyers())
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .where(Shop.slug == shop_slug, Product.slug == product_slug)
    ).first()
    if row is None:
        raise NotFound("This product does not exist.")
    product, shop, live = row
    if not live and not _may_preview(s, viewer, shop):
        if shop.suspended_at is not None and product.status == ProductStatus.PUBLISHED:
            raise ShopUnavailable(PRODUCT_OF_UNAVAILABLE_SHOP)
        raise NotFound("This product does not exist.")
    category = s.get(Category, product.category_id) if product.category_id else None
    cover, gallery = product_images(s, product)
    versions = (
        product_versions(s, saved_id(product), released_only=True) if delivers_files(product.delivery_kind) else []
    )
    latest = versions[0] if versions else None
    texts = texts_for(s, product, lang)
    description_text = _MARKDOWN_NOISE.sub(" ", texts.description)
    return ProductPageView(
        id=saved_id(product),
        title=texts.title,
        summary=texts.summary,
        description_html=_description_html(texts.description, texts.title),
        url=product_url(shop.slug, product.slug),
        shop_name=shop.name,
        shop_slug=shop.slug,
        shop_url=shop_url(shop.slug),
        category_name=category_name(category.name, lang) if category else "",
        category_url=category_url(category.slug) if category else "",
        tags=product_tags(s, saved_id(product)),
        pricing=product.pricing,
        price_amount=product.price_amount,
        currency=product.currency,
        price_label=price_label(product.pricing, product.price_amount, product.currency),
        minimum_input=price_input_text(product.price_amount, product.currency)
        if product.pricing == PricingMode.PWYW
        else "",
        cover=cover,
        gallery=gallery,
        delivery_kind=product.delivery_kind,
        delivery_label=delivery_label(product.delivery_kind),
        delivers_files=delivers_files(product.delivery_kind),
        delivers_keys=delivers_keys(product.delivery_kind),
        version_label=latest.label if latest else "",
        files=latest.files if latest else [],
        sold_out=is_sold_out(s, product),
        is_preview=not live,
        status_label=status_label(product.status, product.moderation_status),
        meta_description=_clip(texts.summary or description_text) or texts.title,
        og_image_path=cover.url_1600 if cover else "",
        bundle_items=bundle_contents(s, saved_id(product)),
        lang=texts.lang,
        original=OriginalTexts(
            title=product.title,
            summary=product.summary,
            description_html=_description_html(product.description, product.title),
        )
        if texts.translated
        else None,
    )


def _may_preview(s: Session, viewer: Actor | None, shop: Shop) -> bool:
    if viewer is None or viewer.user_id is None:
        return False
    if viewer.is_admin:
        return True
    return viewer.shop_id == shop.id and shop.owner_id == viewer.user_id


@dataclass(frozen=True)
class SellerProductRow:
    id: int
    title: str
    slug: str
    status: ProductStatus
    moderation_status: ModerationStatus
    status_label: str
    rejection_reason: str
    price_label: str
    cover_url: str | None
    public_url: str
    updated_at_label: str
    sales_count: int
    sales_label: str = ""  # "3 sales", in the seller's language


def _sales_counts(s: Session, product_ids: list[int]) -> dict[int, int]:
    """Paid order lines per product, not counting lines refunded in full."""
    if not product_ids:
        return {}
    rows = s.exec(
        select(OrderLine.product_id, func.count())
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .where(
            col(OrderLine.product_id).in_(product_ids),
            col(Order.paid_at).is_not(None),
            OrderLine.refunded_amount < OrderLine.total,
        )
        .group_by(col(OrderLine.product_id))
    ).all()
    return dict(rows)


def _status_condition(status: str):
    return {
        "active": Product.status != ProductStatus.ARCHIVED,
        "draft": Product.status == ProductStatus.DRAFT,
        "in_review": (Product.status == ProductStatus.PUBLISHED)
        & (Product.moderation_status == ModerationStatus.PENDING),
        "live": (Product.status == ProductStatus.PUBLISHED) & (Product.moderation_status == ModerationStatus.APPROVED),
        "rejected": (Product.status == ProductStatus.PUBLISHED)
        & (Product.moderation_status == ModerationStatus.REJECTED),
        "archived": Product.status == ProductStatus.ARCHIVED,
        "all": true(),
    }[status]


def list_seller_products(
    s: Session,
    actor: Actor,
    *,
    search: str = "",
    status: str = "active",
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """The actor's own products, newest change first, filtered by status and title words."""
    shop = actor_shop(s, actor)
    if status not in SELLER_STATUS_FILTERS:
        status = "active"
    page, per_page = page_bounds(page, per_page)
    conditions = [Product.shop_id == shop.id, _status_condition(status)]
    words = (search or "").split()[:8]
    for word in words:
        escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(
            or_(
                func.lower(Product.title).like(f"%{escaped}%", escape="\\"),
                func.lower(Product.slug).like(f"%{escaped}%", escape="\\"),
            )
        )
    total = s.exec(select(func.count()).select_from(Product).where(*conditions)).one()
    rows = s.exec(
        select(Product)
        .where(*conditions)
        .order_by(col(Product.updated_at).desc(), col(Product.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    sales = _sales_counts(s, [saved_id(p) for p in rows])
    items = [
        SellerProductRow(
            id=saved_id(p),
            title=p.title,
            slug=p.slug,
            status=p.status,
            moderation_status=p.moderation_status,
            status_label=status_label(p.status, p.moderation_status),
            rejection_reason=p.rejection_reason or "",
            price_label=price_label(p.pricing, p.price_amount, p.currency),
            cover_url=media_url(p.cover_key),
            public_url=product_url(shop.slug, p.slug),
            updated_at_label=format_date(p.updated_at),
            sales_count=sales.get(saved_id(p), 0),
            sales_label=bo_ngettext("{count} sale", "{count} sales", sales.get(saved_id(p), 0)),
        )
        for p in rows
    ]
    return make_page(items, page, per_page, total)


class PageAnswer(StrEnum):
    """What a shop, product or category address answers before any script runs."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"  # a suspended shop, or a product of one


def page_answer(
    s: Session, *, category: str = "", shop: str = "", product: str = "", viewer: Actor | None = None
) -> PageAnswer:
    """For the HTTP status of `/c/<category>`, `/s/<shop>` and `/p/<shop>/<product>`: the same
    rules as `category_page`, `shop_page` and `product_page`, without building the page."""
    if category:
        found = s.exec(select(Category.id).where(Category.slug == category)).first()
        return PageAnswer.FOUND if found is not None else PageAnswer.NOT_FOUND
    row = s.exec(select(Shop).where(Shop.slug == shop)).first()
    if row is None:
        return PageAnswer.NOT_FOUND
    if not product:
        return PageAnswer.UNAVAILABLE if row.suspended_at is not None else PageAnswer.FOUND
    found_product = s.exec(
        select(Product, visible_to_buyers())
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .where(Product.shop_id == row.id, Product.slug == product)
    ).first()
    if found_product is None:
        return PageAnswer.NOT_FOUND
    item, live = found_product
    if live or _may_preview(s, viewer, row):
        return PageAnswer.FOUND
    if row.suspended_at is not None and item.status == ProductStatus.PUBLISHED:
        return PageAnswer.UNAVAILABLE
    return PageAnswer.NOT_FOUND

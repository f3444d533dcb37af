"""Products: the only way to create, edit, price, publish and moderate them.

Every function takes the Session first and the acting user second, checks that the
actor may act (a seller on their own shop's products, an admin for moderation),
validates all of its input before changing anything, and never commits.

Prices here are catalogue prices. Orders copy the price they were placed at, so
changing a product's price never changes an existing order.
"""

from __future__ import annotations

from sqlmodel import Session, select

from commerce import events
from commerce.actor import Actor, require_admin
from commerce.catalog.access import actor_shop, owned_product
from commerce.catalog.changes import touch
from commerce.catalog.text import (
    clean_description,
    clean_summary,
    clean_title,
    normalise_tags,
    slugify,
    split_tags,
    validate_slug,
)
from commerce.catalog.views import (
    ProductEditView,
    product_edit_view,
    publish_problems,
)
from commerce.errors import Conflict, NotFound, PermissionDenied, ValidationError
from commerce.i18n import bo_gettext, format_number
from commerce.kit.choices import parse_choice
from commerce.kit.time import utcnow
from commerce.models import (
    Category,
    DeliveryKind,
    ModerationStatus,
    PricingMode,
    Product,
    ProductStatus,
    ProductTag,
    Shop,
    saved_id,
)
from commerce.money import Money, normalize_currency, parse_major

MAX_REJECTION_REASON_LENGTH = 500


def _slug_taken(s: Session, shop_id: int, slug: str, product_id: int | None = None) -> bool:
    query = select(Product.id).where(Product.shop_id == shop_id, Product.slug == slug)
    if product_id is not None:
        query = query.where(Product.id != product_id)
    return s.exec(query.limit(1)).first() is not None


def _free_slug(s: Session, shop_id: int, base: str) -> str:
    """`base`, or `base-2`, `base-3`… whichever the shop does not use yet."""
    candidate, number = base, 1
    while _slug_taken(s, shop_id, candidate):
        number += 1
        suffix = f"-{number}"
        candidate = base[: 80 - len(suffix)].rstrip("-") + suffix
    return candidate


def _pricing_mode(pricing: str) -> PricingMode:
    mode = parse_choice(PricingMode, pricing)
    if mode is None:
        raise ValidationError(bo_gettext("Choose a fixed price or pay what you want."), "pricing")
    return mode


def _delivery_kind(kind: str) -> DeliveryKind:
    delivery_kind = parse_choice(DeliveryKind, kind)
    if delivery_kind is None:
        raise ValidationError(bo_gettext("Choose files, license keys, or both."), "delivery_kind")
    return delivery_kind


def _price(price: str, shop: Shop, currency: str | None) -> Money:
    shop_currency = normalize_currency(shop.currency)
    if currency is not None and normalize_currency(currency) != shop_currency:
        raise ValidationError(
            bo_gettext("Prices are in your shop's currency, {currency}.", currency=shop_currency), "currency"
        )
    try:
        return parse_major(price if isinstance(price, str) else str(price), shop_currency)
    except ValidationError as error:
        raise ValidationError(error.message, "price") from None


def create_product(
    s: Session,
    actor: Actor,
    *,
    title: str,
    pricing: str = PricingMode.FIXED,
    price: str,
    currency: str | None = None,
    delivery_kind: str = DeliveryKind.FILES,
) -> ProductEditView:
    """A new draft in the actor's shop, with a title and a price from the start.

    `price` is what the seller typed in major units ("12.50"); for pay-what-you-want
    it is the minimum (0 allowed). The address (slug) comes from the title.
    """
    shop = actor_shop(s, actor)
    cleaned_title = clean_title(title)
    mode = _pricing_mode(pricing)
    money = _price(price, shop, currency)
    kind = _delivery_kind(delivery_kind)
    product = Product(
        shop_id=saved_id(shop),
        slug=_free_slug(s, saved_id(shop), slugify(cleaned_title)),
        title=cleaned_title,
        pricing=mode,
        price_amount=money.amount,
        currency=money.currency,
        delivery_kind=kind,
        status=ProductStatus.DRAFT,
        moderation_status=ModerationStatus.PENDING,
    )
    s.add(product)
    s.flush()
    return product_edit_view(s, product, shop)


def get_product_editor(s: Session, actor: Actor, product_id: int) -> ProductEditView:
    product, shop = owned_product(s, actor, product_id, for_update=False)
    return product_edit_view(s, product, shop)


def update_product(
    s: Session,
    actor: Actor,
    product_id: int,
    *,
    title: str | None = None,
    slug: str | None = None,
    summary: str | None = None,
    description: str | None = None,
    category_slug: str | None = None,
    tags: list[str] | str | None = None,
) -> ProductEditView:
    """Change any of the product's texts; None leaves a field as it is.

    `category_slug=""` clears the category. `tags` replaces all tags (a list, or
    one comma-separated string). The slug of a product that has been published
    never changes, so links to it keep working.
    """
    product, shop = owned_product(s, actor, product_id)
    changes: dict[str, object] = {}
    if title is not None:
        changes["title"] = clean_title(title)
    if slug is not None:
        new_slug = validate_slug(slug)
        if new_slug != product.slug:
            if product.published_at is not None:
                raise ValidationError(
                    bo_gettext(
                        "The address of a product that has been published cannot change, so links to it keep working."
                    ),
                    "slug",
                )
            if _slug_taken(s, saved_id(shop), new_slug, product.id):
                raise ValidationError(
                    bo_gettext("Your shop already has a product at the address '{slug}'.", slug=new_slug), "slug"
                )
            changes["slug"] = new_slug
    if summary is not None:
        changes["summary"] = clean_summary(summary)
    if description is not None:
        changes["description"] = clean_description(description)
    if category_slug is not None:
        if category_slug == "":
            changes["category_id"] = None
        else:
            category = s.exec(select(Category).where(Category.slug == category_slug)).first()
            if category is None:
                raise ValidationError(bo_gettext("Choose one of the listed categories."), "category")
            changes["category_id"] = category.id
    new_tags = None
    if tags is not None:
        new_tags = normalise_tags(split_tags(tags) if isinstance(tags, str) else tags)

    for name, value in changes.items():
        setattr(product, name, value)
    if new_tags is not None:
        _replace_tags(s, saved_id(product), new_tags)
    if changes or new_tags is not None:
        touch(product)
    return product_edit_view(s, product, shop)


def _replace_tags(s: Session, product_id: int, tags: list[str]) -> None:
    for row in s.exec(select(ProductTag).where(ProductTag.product_id == product_id)).all():
        s.delete(row)
    s.flush()  # the unique (product, tag) rows must be gone before they come back
    for position, tag in enumerate(tags):
        s.add(ProductTag(product_id=product_id, tag=tag, position=position))


def set_pricing(
    s: Session,
    actor: Actor,
    product_id: int,
    *,
    pricing: str,
    price: str,
    currency: str | None = None,
) -> ProductEditView:
    """A fixed price, or pay-what-you-want with a minimum (0 = free), in the shop's currency.

    Existing orders keep the price they were placed at.
    """
    product, shop = owned_product(s, actor, product_id)
    mode = _pricing_mode(pricing)
    money = _price(price, shop, currency)
    product.pricing = mode
    product.price_amount = money.amount
    product.currency = money.currency
    touch(product)
    return product_edit_view(s, product, shop)


def set_delivery_kind(s: Session, actor: Actor, product_id: int, kind: str) -> ProductEditView:
    """What a buyer receives: files, license keys or both."""
    product, shop = owned_product(s, actor, product_id)
    delivery_kind = _delivery_kind(kind)
    if delivery_kind != product.delivery_kind and product.status == ProductStatus.PUBLISHED:
        raise ValidationError(
            bo_gettext(
                "Unpublish the product before changing what it delivers, so no buyer is "
                "charged for something it no longer includes."
            ),
            "delivery_kind",
        )
    product.delivery_kind = delivery_kind
    touch(product)
    return product_edit_view(s, product, shop)


def publish_product(s: Session, actor: Actor, product_id: int) -> ProductEditView:
    """Put the product up for sale; it is visible once an admin approves it.

    Publishing again after a rejection (or after unpublishing or archiving) sends
    it back to moderation.
    """
    product, shop = owned_product(s, actor, product_id)
    if shop.suspended_at is not None:
        raise PermissionDenied(bo_gettext("Your shop is suspended, so its products cannot be published."))
    if product.status == ProductStatus.PUBLISHED and product.moderation_status != ModerationStatus.REJECTED:
        return product_edit_view(s, product, shop)
    problems = publish_problems(s, product)
    if problems:
        raise ValidationError(bo_gettext("Before publishing: {problems}", problems=" ".join(problems)))
    now = utcnow()
    product.status = ProductStatus.PUBLISHED
    product.moderation_status = ModerationStatus.PENDING
    product.rejection_reason = None
    if product.published_at is None:
        product.published_at = now
    touch(product)
    events.publish(s, events.ProductPublished(product_id=saved_id(product), shop_id=saved_id(shop)))
    return product_edit_view(s, product, shop)


def unpublish_product(s: Session, actor: Actor, product_id: int) -> ProductEditView:
    """Take the product off sale; it returns to draft. Buyers keep what they bought."""
    product, shop = owned_product(s, actor, product_id)
    if product.status != ProductStatus.DRAFT:
        product.status = ProductStatus.DRAFT
        touch(product)
    return product_edit_view(s, product, shop)


def archive_product(s: Session, actor: Actor, product_id: int) -> ProductEditView:
    """Retire the product: hidden from buyers and from the studio's default list."""
    product, shop = owned_product(s, actor, product_id)
    if product.status != ProductStatus.ARCHIVED:
        product.status = ProductStatus.ARCHIVED
        touch(product)
    return product_edit_view(s, product, shop)


def _product_for_moderation(s: Session, actor: Actor, action: str, product_id: int) -> tuple[Product, Shop]:
    require_admin(actor, action, product_id=product_id)
    product = s.get(Product, product_id, with_for_update=True)
    if product is None:
        raise NotFound("This product does not exist.")
    if product.status != ProductStatus.PUBLISHED:
        raise Conflict(bo_gettext("Only published products wait for moderation; the seller has withdrawn this one."))
    return product, s.get_one(Shop, product.shop_id)


def approve_product(s: Session, actor: Actor, product_id: int) -> ProductEditView:
    """Admins only: let buyers see the published product."""
    product, shop = _product_for_moderation(s, actor, "approve_product", product_id)
    product.moderation_status = ModerationStatus.APPROVED
    product.rejection_reason = None
    touch(product)
    return product_edit_view(s, product, shop)


def reject_product(s: Session, actor: Actor, product_id: int, *, reason: str) -> ProductEditView:
    """Admins only: hide the product and tell the seller why (they may fix it and publish again)."""
    product, shop = _product_for_moderation(s, actor, "reject_product", product_id)
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        raise ValidationError(bo_gettext("Tell the seller why the product is rejected."), "reason")
    if len(cleaned) > MAX_REJECTION_REASON_LENGTH:
        raise ValidationError(
            bo_gettext(
                "A rejection reason can be at most {count} characters.",
                count=format_number(MAX_REJECTION_REASON_LENGTH),
            ),
            "reason",
        )
    product.moderation_status = ModerationStatus.REJECTED
    product.rejection_reason = cleaned
    touch(product)
    return product_edit_view(s, product, shop)

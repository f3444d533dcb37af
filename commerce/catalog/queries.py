"""Read-side queries for the shop pages. They return view models, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from commerce.links import media_url, product_url
from commerce.models import Category, Product, Shop
from commerce.money import Money, format_money



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


def visible_to_buyers():
    """The rule for what buyers may see: published, approved, from a shop in good standing."""
    return (
        (Product.status == "published")
        & (Product.moderation_status == "approved")
        & Shop.suspended_at.is_(None)
    )


def price_label(product: Product) -> str:
    price = format_money(Money(product.price_amount, product.currency))
    if product.pricing == "pwyw":
        return "Free or pay what you want" if product.price_amount == 0 else f"{price}+"
    return "Free" if product.price_amount == 0 else price


def list_home_products(s: Session, *, limit: int = 24) -> list[ProductCardView]:
    """Newest products buyers can see, for the home page."""
    rows = s.exec(
        select(Product, Shop, Category)
        .join(Shop, Shop.id == Product.shop_id)
        .join(Category, Category.id == Product.category_id, isouter=True)
        .where(visible_to_buyers())
        .order_by(Product.published_at.desc(), Product.id.desc())
        .limit(max(1, min(limit, 100)))
    ).all()
    return [
        ProductCardView(
            id=product.id, title=product.title, summary=product.summary,
            shop_name=shop.name, shop_slug=shop.slug, slug=product.slug,
            url=product_url(shop.slug, product.slug), price_label=price_label(product),
            cover_url=media_url(product.cover_key),
            category_name=category.name if category else "",
        )
        for product, shop, category in rows
    ]

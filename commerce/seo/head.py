"""The head of a shop page as the server sends it: title, description, canonical path,
the picture a link preview shows and schema.org structured data (JSON-LD).

Built from the same queries as the pages (`catalog.queries`), so a crawler reads what a
person sees: a product's title, summary, cover, price and availability, and its rating
when it has reviews. Paths are relative; the storefront makes them absolute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from commerce.actor import Actor
from commerce.catalog.queries import (
    CategoryPageView,
    ProductPageView,
    ShopPageView,
    category_page,
    product_page,
    shop_page,
)
from commerce.kit.pagination import Page
from commerce.links import in_language
from commerce.money import Money
from commerce.reviews.stats import rating_stats

SCHEMA = "https://schema.org"
IN_STOCK = f"{SCHEMA}/InStock"
OUT_OF_STOCK = f"{SCHEMA}/OutOfStock"
# Products of a shop or category page listed in its structured data (its first page).
LISTED_PRODUCTS = 24


@dataclass(frozen=True)
class ProductFold:
    """What a product page shows above the fold, for the served document to paint before the
    app's scripts run (`storefront.first_paint`); texts as the page shows them."""

    title: str
    summary: str
    category_name: str
    shop_name: str
    shop_url: str
    price_label: str
    cover_path: str  # "" without a cover
    cover_srcset: str


@dataclass(frozen=True)
class PageHead:
    title: str
    description: str
    path: str  # the canonical address, relative to the site
    og_type: str  # "product" or "website"
    image_path: str  # "" without a picture
    image_alt: str
    # schema.org data whose "url" and "image" values are site-relative (see `absolute`).
    structured_data: dict[str, Any] = field(default_factory=dict)
    # The picture the page shows largest, for a preload hint (its `srcset`, "" for one size).
    image_srcset: str = ""
    # A seller's (or admin's) preview of a product buyers cannot see: not for indexing.
    noindex: bool = False
    # The language of a seller's translation the texts are in; "" for the original texts.
    lang: str = ""
    # A product page's first screen, painted from the document (None for other pages).
    fold: ProductFold | None = None


URL_KEYS = frozenset({"url", "image"})


def absolute(data: Any, base_url: str, key: str = "") -> Any:
    """`data` with the site-relative URLs of its "url" and "image" keys made absolute."""
    if isinstance(data, dict):
        return {name: absolute(value, base_url, name) for name, value in data.items()}
    if isinstance(data, list):
        return [absolute(value, base_url, key) for value in data]
    if key in URL_KEYS and isinstance(data, str) and data.startswith("/") and not data.startswith("//"):
        return base_url.rstrip("/") + data
    return data


def _price(view: ProductPageView) -> str:
    return str(Money(view.price_amount, view.currency).to_decimal())


def _product_data(view: ProductPageView, rating: tuple[float, int] | None) -> dict[str, Any]:
    url = in_language(view.url, view.lang)
    offer: dict[str, Any] = {
        "@type": "Offer",
        "url": url,
        # For pay-what-you-want the price is the minimum a buyer may pay.
        "price": _price(view),
        "priceCurrency": view.currency,
        "availability": OUT_OF_STOCK if view.sold_out else IN_STOCK,
        "seller": {"@type": "Organization", "name": view.shop_name, "url": view.shop_url},
    }
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": view.title,
        "description": view.meta_description,
        "url": url,
        "sku": str(view.id),
        "brand": {"@type": "Brand", "name": view.shop_name},
        "offers": offer,
    }
    pictures = ([view.cover] if view.cover else []) + list(view.gallery)
    if pictures:
        data["image"] = [picture.url_1600 for picture in pictures]
    if view.category_name:
        data["category"] = view.category_name
    if view.lang:
        data["inLanguage"] = view.lang
    if rating is not None:
        average, count = rating
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": round(average, 1),
            "reviewCount": count,
            "bestRating": 5,
            "worstRating": 1,
        }
    return data


def product_head(
    s: Session, shop_slug: str, product_slug: str, *, viewer: Actor | None = None, lang: str | None = None
) -> PageHead:
    """In the seller's translation into `lang` where there is one. Raises NotFound (or
    ShopUnavailable) as `product_page` does."""
    view = product_page(s, shop_slug, product_slug, viewer=viewer, lang=lang)
    rating = rating_stats(s, [view.id]).get(view.id)
    return PageHead(
        title=view.title,
        description=view.meta_description,
        path=view.url,
        og_type="product",
        image_path=view.og_image_path,
        image_alt=view.title,
        image_srcset=view.cover.srcset if view.cover else "",
        structured_data=_product_data(view, rating),
        noindex=view.is_preview,
        lang=view.lang,
        fold=ProductFold(
            title=view.title,
            summary=view.summary,
            category_name=view.category_name,
            shop_name=view.shop_name,
            shop_url=view.shop_url,
            price_label=view.price_label,
            cover_path=view.cover.url_1600 if view.cover else "",
            cover_srcset=view.cover.srcset if view.cover else "",
        ),
    )


def _listing_data(name: str, description: str, path: str, products: Page) -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "CollectionPage",
        "name": name,
        "description": description,
        "url": path,
        "mainEntity": {
            "@type": "ItemList",
            "numberOfItems": products.total,
            "itemListElement": [
                {"@type": "ListItem", "position": position, "url": card.url, "name": card.title}
                for position, card in enumerate(products.items, start=1)
            ],
        },
    }


def _first_cover(products: Page) -> tuple[str, str]:
    card = next((card for card in products.items if card.cover_url), None)
    return (card.cover_url, card.title) if card else ("", "")


def shop_head(s: Session, shop_slug: str) -> PageHead:
    """Raises NotFound (or ShopUnavailable) as `shop_page` does."""
    view: ShopPageView = shop_page(s, shop_slug, per_page=LISTED_PRODUCTS)
    image, alt = _first_cover(view.products)
    return PageHead(
        title=view.name,
        description=view.meta_description,
        path=view.url,
        og_type="website",
        image_path=image,
        image_alt=alt,
        structured_data=_listing_data(view.name, view.meta_description, view.url, view.products),
    )


def category_head(s: Session, category_slug: str) -> PageHead:
    """Raises NotFound as `category_page` does."""
    view: CategoryPageView = category_page(s, category_slug, per_page=LISTED_PRODUCTS)
    image, alt = _first_cover(view.products)
    return PageHead(
        title=view.name,
        description=view.meta_description,
        path=view.url,
        og_type="website",
        image_path=image,
        image_alt=alt,
        structured_data=_listing_data(view.name, view.meta_description, view.url, view.products),
    )


def page_head(
    s: Session,
    *,
    category: str = "",
    shop: str = "",
    product: str = "",
    viewer: Actor | None = None,
    lang: str | None = None,
) -> PageHead:
    """The head of `/c/<category>`, `/s/<shop>` or `/p/<shop>/<product>`; a product's in
    the seller's translation into `lang` where there is one."""
    if category:
        return category_head(s, category)
    if product:
        return product_head(s, shop, product, viewer=viewer, lang=lang)
    return shop_head(s, shop)

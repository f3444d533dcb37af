"""Build the SearchDocument of a published product (pure: no database, no engine)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

from markdown_it import MarkdownIt

from commerce.models.catalog import Category, Product
from commerce.models.shops import Shop
from commerce.money import Money, convert, normalize_currency
from commerce.search.port import SearchDocument

_markdown = MarkdownIt("commonmark")
_SPACES = re.compile(r"\s+")
# Inline tokens whose content is words a reader sees; raw HTML is left out.
_TEXT_TOKENS = {"text", "code_inline", "image"}
_BREAK_TOKENS = {"softbreak", "hardbreak"}


def markdown_to_text(markdown: str) -> str:
    """The words of a Markdown description, without markup, links' targets or raw HTML."""
    blocks: list[str] = []
    for token in _markdown.parse(markdown):
        if token.type == "inline":
            blocks.append(
                "".join(
                    child.content if child.type in _TEXT_TOKENS else " "
                    for child in token.children or ()
                    if child.type in _TEXT_TOKENS or child.type in _BREAK_TOKENS
                )
            )
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content)
    return _SPACES.sub(" ", " ".join(blocks)).strip()


def to_usd_cents(amount_minor: int, currency: str, usd_rates: Mapping[str, Decimal]) -> int:
    """Convert minor units of `currency` to US cents.

    `usd_rates` gives the US dollars one major unit of each currency is worth
    ({"EUR": Decimal("1.08"), "JPY": Decimal("0.0067")}); USD needs no entry.
    """
    money = Money(amount_minor, normalize_currency(currency))
    if money.currency == "USD":
        return money.amount
    if money.currency not in usd_rates:
        raise ValueError(f"no USD exchange rate for {money.currency}")
    return convert(money, "USD", usd_rates[money.currency]).amount


def normalise_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Lowercase, single-spaced, without blanks or repeats, in their first order."""
    seen: dict[str, None] = {}
    for tag in tags:
        cleaned = _SPACES.sub(" ", tag).strip().lower()
        if cleaned:
            seen.setdefault(cleaned, None)
    return tuple(seen)


def build_search_document(
    product: Product,
    shop: Shop,
    category: Category | None,
    *,
    tags: Iterable[str],
    rating: float,
    review_count: int,
    sales_count: int,
    usd_rates: Mapping[str, Decimal],
    category_path: Iterable[str] | None = None,
    translations: Iterable[tuple[str, str, str]] = (),
) -> SearchDocument:
    """The search view of a published product; `rating` is the mean star rating (0 if none).

    `category_path` names the category and its parents, broadest first (default:
    the category's own name); `translations` are the seller's (language, title, summary)."""
    if product.id is None or product.published_at is None:
        raise ValueError("only saved, published products are indexed")
    return SearchDocument(
        id=product.id,
        title=product.title,
        summary=product.summary,
        description=markdown_to_text(product.description),
        tags=normalise_tags(tags),
        category_slug=category.slug if category else "",
        category_name=category.name if category else "",
        shop_slug=shop.slug,
        shop_name=shop.name,
        price_minor=product.price_amount,
        currency=normalize_currency(product.currency),
        price_sort=to_usd_cents(product.price_amount, product.currency, usd_rates),
        rating=round(min(max(float(rating), 0.0), 5.0), 2),
        review_count=review_count,
        sales_count=sales_count,
        published_at=product.published_at,
        category_path=tuple(category_path) if category_path is not None else ((category.name,) if category else ()),
        product_slug=product.slug,
        cover_key=product.cover_key,
        pricing=str(product.pricing),
        translations=tuple(translations),
    )

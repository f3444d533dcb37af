"""The search page's service: URL parameters in, a page of results out.

`SearchParams` is what the address bar says (`/search?q=ebok&category=ebooks&sort=newest`):
parsed leniently (a bad value is dropped, never an error page), and turned back
into URLs for every filter link, so a search is shareable and the back button
walks through the filters. `search_products()` asks the engine; when the engine
is down (SearchUnavailable) it answers from the database instead (title and
summary contain the words, newest first, no facets) and says so (`degraded`),
so the shop keeps working. When nothing matches it offers suggestions: single
words of the query that do match, and the categories that have products.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from html import unescape
from typing import cast
from urllib.parse import parse_qs, urlencode

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from commerce import i18n
from commerce.catalog.category_names import category_name
from commerce.catalog.translations import short_texts_for
from commerce.catalog.views import price_label
from commerce.catalog.visibility import visible_to_buyers
from commerce.links import SEARCH_PATH, media_url, product_url
from commerce.models import Category, PricingMode, Product, ProductTranslation, Shop, saved_id
from commerce.observability import metrics
from commerce.search.port import (
    MAX_QUERY_LENGTH,
    MAX_RESULT_WINDOW,
    PRICE_BUCKETS,
    RATING_THRESHOLDS,
    SORT_ORDERS,
    SearchHit,
    SearchIndex,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    SortOrder,
    index_version,
    is_sort_order,
    search_index,
)

log = logging.getLogger(__name__)

PER_PAGE = 24
SUGGESTION_LIMIT = 6
SORT_LABELS = {
    "relevance": "Best match",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "popular": "Best selling",
    "rating": "Top rated",
}
_PRICE_BY_KEY = {bucket.key: bucket for bucket in PRICE_BUCKETS}
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_MAX_FILTER_VALUES = 20


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    price: str = ""  # a PRICE_BUCKETS key, or "" for any price
    rating: int = 0  # at least this many stars; 0 for any
    sort: SortOrder = "relevance"
    page: int = 1

    @classmethod
    def from_query_string(cls, query: str) -> SearchParams:
        values = parse_qs(query, keep_blank_values=False)

        def first(name: str) -> str:
            return values.get(name, [""])[0].strip()

        def many(name: str) -> tuple[str, ...]:
            cleaned = dict.fromkeys(v.strip().lower() for v in values.get(name, []) if v.strip())
            return tuple(cleaned)[:_MAX_FILTER_VALUES]

        q = " ".join(first("q").split())[:MAX_QUERY_LENGTH]
        price = first("price") if first("price") in _PRICE_BY_KEY else ""
        rating = int(first("rating")) if first("rating") in {str(t) for t in RATING_THRESHOLDS} else 0
        asked = first("sort")
        sort: SortOrder = asked if is_sort_order(asked) else "relevance"
        page = int(first("page")) if first("page").isdigit() else 1
        page = min(max(page, 1), MAX_RESULT_WINDOW // PER_PAGE)
        return cls(q=q, categories=many("category"), tags=many("tag"), price=price, rating=rating, sort=sort, page=page)

    def query_string(self) -> str:
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        pairs += [("category", slug) for slug in self.categories]
        pairs += [("tag", tag) for tag in self.tags]
        if self.price:
            pairs.append(("price", self.price))
        if self.rating:
            pairs.append(("rating", str(self.rating)))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.page > 1:
            pairs.append(("page", str(self.page)))
        return urlencode(pairs)

    def url(self) -> str:
        query = self.query_string()
        return f"{SEARCH_PATH}?{query}" if query else SEARCH_PATH

    # Changing a filter starts again at page 1: the old page may not exist any more.
    def with_category(self, slug: str) -> SearchParams:
        return replace(self, categories=_toggle(self.categories, slug), page=1)

    def with_tag(self, tag: str) -> SearchParams:
        return replace(self, tags=_toggle(self.tags, tag), page=1)

    def with_price(self, key: str) -> SearchParams:
        return replace(self, price="" if key == self.price else key, page=1)

    def with_rating(self, stars: int) -> SearchParams:
        return replace(self, rating=0 if stars == self.rating else stars, page=1)

    def with_sort(self, sort: str) -> SearchParams:
        return replace(self, sort=sort if is_sort_order(sort) else "relevance", page=1)

    def with_page(self, page: int) -> SearchParams:
        return replace(self, page=page)

    @property
    def has_filters(self) -> bool:
        return bool(self.categories or self.tags or self.price or self.rating)

    def engine_query(self, *, per_page: int | None = None, lang: str = "") -> SearchQuery:
        low, high = _PRICE_BY_KEY[self.price].filter_bounds if self.price else (None, None)
        return SearchQuery(
            text=self.q,
            categories=self.categories,
            tags=self.tags,
            price_min=low,
            price_max=high,
            min_rating=float(self.rating) if self.rating else None,
            sort=self.sort,
            page=self.page,
            per_page=per_page or PER_PAGE,
            lang=lang,
        )


def _toggle(values: tuple[str, ...], value: str) -> tuple[str, ...]:
    return tuple(v for v in values if v != value) if value in values else (*values, value)


@dataclass(frozen=True)
class TextPart:
    """A piece of a highlighted text; `marked` pieces matched the query."""

    text: str
    marked: bool = False


def marked_parts(marked_html: str) -> list[TextPart]:
    """Split an engine's escaped `<mark>` snippet into plain-text parts, so the page
    renders mark elements around text and never sets HTML."""
    parts: list[TextPart] = []
    cursor = 0
    for match in _MARK.finditer(marked_html):
        if match.start() > cursor:
            parts.append(TextPart(unescape(marked_html[cursor : match.start()])))
        parts.append(TextPart(unescape(match.group(1)), marked=True))
        cursor = match.end()
    if cursor < len(marked_html):
        parts.append(TextPart(unescape(marked_html[cursor:])))
    return parts


@dataclass(frozen=True)
class ResultCard:
    id: int
    title: str
    title_parts: list[TextPart]
    summary_parts: list[TextPart]
    url: str
    cover_url: str | None
    shop_name: str
    price_label: str
    category_name: str


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    url: str  # the search with this option toggled


@dataclass(frozen=True)
class Facet:
    name: str  # "category", "tags", "price_range", "rating"
    title: str
    options: list[FacetOption]


@dataclass(frozen=True)
class Suggestion:
    label: str
    url: str
    count: int


@dataclass(frozen=True)
class SortOption:
    value: str
    label: str


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


@dataclass(frozen=True)
class SearchPageView:
    params: SearchParams
    cards: list[ResultCard]
    total: int
    page: int
    total_pages: int
    facets: list[Facet] = field(default_factory=list)
    pages: list[PageLink] = field(default_factory=list)
    previous_url: str = ""
    next_url: str = ""
    suggestions: list[Suggestion] = field(default_factory=list)
    # The engine was unreachable: these results come from a plain database query.
    degraded: bool = False
    clear_filters_url: str = ""


def search_products(
    s: Session, params: SearchParams, *, index: SearchIndex | None = None, lang: str = ""
) -> SearchPageView:
    """One page of results for `params`, from the engine or, if it is down, the database;
    products translated into `lang` (the buyer's language) show their translated texts."""
    try:
        engine = index if index is not None else search_index()
        with metrics.SEARCH_DURATION.labels("page").time():
            result = engine.search(params.engine_query(lang=lang))
    except SearchUnavailable as error:
        log.warning("search engine unavailable, answering from the database: %s", error)
        return _database_search(s, params, lang)
    cards = _cards(s, result.hits, lang)
    view = SearchPageView(
        params=params,
        cards=cards,
        total=result.total,
        page=params.page,
        total_pages=result.total_pages,
        facets=_facets(s, params, result),
        clear_filters_url=replace(params, categories=(), tags=(), price="", rating=0, page=1).url(),
        **_paging(params, result.total_pages),
    )
    if result.total == 0:
        view = replace(view, suggestions=_suggestions(s, engine, params))
    return view


@dataclass(frozen=True)
class QuickCard:
    """A match in the navbar's dropdown: what it shows, nothing more (one is sent per
    match on every keystroke, so the plain title travels only as its highlighted parts)."""

    title_parts: list[TextPart]
    url: str
    cover_url: str | None
    shop_name: str
    price_label: str

    @property
    def title(self) -> str:
        return "".join(part.text for part in self.title_parts)


def _quick_card(card: ResultCard) -> QuickCard:
    return QuickCard(card.title_parts, card.url, card.cover_url, card.shop_name, card.price_label)


# Distinct (text, language) pairs whose dropdowns are kept for the index's current version.
QUICK_CACHE_SIZE = 2048


def quick_cards(
    text: str, *, limit: int = 6, index: SearchIndex | None = None, lang: str = ""
) -> list[QuickCard] | None:
    """The dropdown's cards from the engine alone, without a database session, or None
    when only the database can make them (the engine is down, or a document predates
    the card fields): then `quick_search` does.

    Per keystroke, so it asks the engine for no facet counts and no summaries. When the
    engine tells its index's version (port.index_version: the embedded one does), the
    answer is kept for that version: the same words typed again (every buyer typing
    "te", "tem"...) cost a dictionary lookup until the next commit to the index, which
    is also what shows a product hidden, edited or published since.
    """
    text = " ".join(text.split())[:MAX_QUERY_LENGTH]
    if not text:
        return []
    engine = index if index is not None else search_index()
    try:
        with metrics.SEARCH_DURATION.labels("quick").time():
            version = index_version(engine)
            if version is None:
                cards = _engine_quick_cards(engine, text, limit, lang)
            else:
                # Price labels are formatted in the current language, which need not be `lang`.
                cards = _cached_quick_cards(cast(Hashable, engine), version, text, limit, lang, i18n.current_language())
    except SearchUnavailable:
        return None
    return None if cards is None else list(cards)


def _engine_quick_cards(engine: SearchIndex, text: str, limit: int, lang: str) -> tuple[QuickCard, ...] | None:
    result = engine.search(SearchQuery(text=text, per_page=limit, facets=False, summaries=False, lang=lang))
    if all(hit.product_slug for hit in result.hits):
        return tuple(_quick_card_from_hit(hit) for hit in result.hits)
    return None


@lru_cache(maxsize=QUICK_CACHE_SIZE)
def _cached_quick_cards(
    engine: Hashable, version: Hashable, text: str, limit: int, lang: str, language: str
) -> tuple[QuickCard, ...] | None:
    # The engine is part of the key by identity; an entry of an older version is never
    # asked for again and ages out.
    return _engine_quick_cards(cast(SearchIndex, engine), text, limit, lang)


def quick_search(
    s: Session, text: str, *, limit: int = 6, index: SearchIndex | None = None, lang: str = ""
) -> list[QuickCard]:
    """The first few matches for the navbar's as-you-type dropdown: `quick_cards`, or,
    when the engine is down or its documents predate the card fields, cards completed
    from the database. A product hidden since the last indexing run (seconds) can show
    here; its page refuses it.
    """
    cards = quick_cards(text, limit=limit, index=index, lang=lang)
    if cards is not None:
        return cards
    text = " ".join(text.split())[:MAX_QUERY_LENGTH]
    engine = index if index is not None else search_index()
    try:
        result = engine.search(SearchQuery(text=text, per_page=limit, facets=False, summaries=False, lang=lang))
    except SearchUnavailable:
        return [_quick_card(card) for card in _database_search(s, SearchParams(q=text), lang).cards[:limit]]
    return [_quick_card(card) for card in _cards(s, result.hits, lang)]


@lru_cache(maxsize=4096)
def _price_label(pricing: str, amount: int, currency: str, language: str) -> str:
    # Babel's formatting is most of a card's cost; a catalogue repeats its prices. The
    # label is formatted for the current language, part of the key.
    return price_label(PricingMode(pricing), amount, currency)


def _quick_card_from_hit(hit: SearchHit) -> QuickCard:
    return QuickCard(
        title_parts=marked_parts(hit.title_html),
        url=product_url(hit.shop_slug, hit.product_slug),
        cover_url=media_url(hit.cover_key),
        shop_name=hit.shop_name,
        price_label=_price_label(hit.pricing, hit.price_minor, hit.currency, i18n.current_language()),
    )


def _cards(s: Session, hits: list[SearchHit], lang: str = "") -> list[ResultCard]:
    """Cards for the engine's hits, with what only the database knows (address, cover),
    titled in the seller's translation into `lang` where there is one.

    A hit whose product buyers can no longer see (hidden after the last indexing
    run) is left out rather than linked to a page that would refuse it.
    """
    if not hits:
        return []
    rows = s.exec(
        select(Product, Shop, Category)
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .join(Category, col(Category.id) == col(Product.category_id), isouter=True)
        .where(col(Product.id).in_([hit.id for hit in hits]), visible_to_buyers())
    ).all()
    by_id = {saved_id(product): (product, shop, category) for product, shop, category in rows}
    translated = short_texts_for(s, list(by_id), lang)
    cards = []
    for hit in hits:
        if hit.id not in by_id:
            continue
        product, shop, category = by_id[hit.id]
        cards.append(
            ResultCard(
                id=saved_id(product),
                title=translated[hit.id][0] if hit.id in translated else product.title,
                title_parts=marked_parts(hit.title_html),
                summary_parts=marked_parts(hit.summary_html),
                url=product_url(shop.slug, product.slug),
                cover_url=media_url(product.cover_key),
                shop_name=shop.name,
                price_label=price_label(product.pricing, product.price_amount, product.currency),
                category_name=category_name(category.name, lang) if category is not None else "",  # an outer join
            )
        )
    return cards


def _category_names(s: Session, slugs: list[str]) -> dict[str, str]:
    if not slugs:
        return {}
    rows = s.exec(select(Category.slug, Category.name).where(col(Category.slug).in_(slugs))).all()
    return {slug: category_name(name) for slug, name in rows}


def _facets(s: Session, params: SearchParams, result: SearchResult) -> list[Facet]:
    categories = result.facets.get("category", [])
    # A selected value stays listed (with its count, possibly 0) so it can be unticked.
    for slug in params.categories:
        if slug not in {value for value, _ in categories}:
            categories = [*categories, (slug, 0)]
    names = _category_names(s, [value for value, _ in categories])
    tags = result.facets.get("tags", [])
    for tag in params.tags:
        if tag not in {value for value, _ in tags}:
            tags = [*tags, (tag, 0)]
    prices = result.facets.get("price_range", [])
    ratings = result.facets.get("rating", [])
    return [
        Facet(
            "category",
            "Category",
            [
                FacetOption(
                    slug, names.get(slug, slug), count, slug in params.categories, params.with_category(slug).url()
                )
                for slug, count in categories
            ],
        ),
        Facet(
            "tags",
            "Tags",
            [FacetOption(tag, tag, count, tag in params.tags, params.with_tag(tag).url()) for tag, count in tags],
        ),
        Facet(
            "price_range",
            "Price",
            [
                FacetOption(key, _PRICE_BY_KEY[key].label, count, key == params.price, params.with_price(key).url())
                for key, count in prices
                if count or key == params.price
            ],
        ),
        Facet(
            "rating",
            "Rating",
            [
                FacetOption(
                    stars,
                    f"{stars} stars & up",
                    count,
                    int(stars) == params.rating,
                    params.with_rating(int(stars)).url(),
                )
                for stars, count in ratings
                if count or int(stars) == params.rating
            ],
        ),
    ]


def _paging(params: SearchParams, total_pages: int) -> dict:
    if total_pages <= 1:
        return {}
    first = max(1, min(params.page - 2, total_pages - 4))
    numbers = range(first, min(total_pages, first + 4) + 1)
    return {
        "pages": [PageLink(n, params.with_page(n).url(), n == params.page) for n in numbers],
        "previous_url": params.with_page(params.page - 1).url() if params.page > 1 else "",
        "next_url": params.with_page(params.page + 1).url() if params.page < total_pages else "",
    }


def _suggestions(s: Session, engine: SearchIndex, params: SearchParams) -> list[Suggestion]:
    """Other searches that do find something: without the filters, each word on its
    own, then the categories that have products."""
    suggestions: list[Suggestion] = []
    seen: set[str] = set()

    def offer(label: str, candidate: SearchParams) -> None:
        url = candidate.url()
        if url in seen or len(suggestions) >= SUGGESTION_LIMIT:
            return
        total = engine.search(replace(candidate, page=1).engine_query(per_page=1)).total
        if total:
            seen.add(url)
            suggestions.append(Suggestion(label, url, total))

    try:
        if params.has_filters and params.q:
            offer(f'"{params.q}" in all products', SearchParams(q=params.q, sort=params.sort))
        words = params.q.split()
        if len(words) > 1:
            for word in words:
                offer(f'"{word}"', SearchParams(q=word))
        browse = engine.search(SearchQuery(per_page=1)).facets.get("category", [])
        names = _category_names(s, [slug for slug, _ in browse])
        for slug, count in browse:
            if len(suggestions) >= SUGGESTION_LIMIT:
                break
            url = SearchParams(categories=(slug,)).url()
            if url not in seen:
                seen.add(url)
                suggestions.append(Suggestion(names.get(slug, slug), url, count))
    except SearchUnavailable:
        return suggestions
    return suggestions


def _database_search(s: Session, params: SearchParams, lang: str = "") -> SearchPageView:
    """The engine is down: every word in the title or summary (or in a translation's),
    newest first, no facets."""
    condition = visible_to_buyers()
    for word in params.q.split()[:10]:
        pattern = "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        in_translation = (
            select(ProductTranslation.id)
            .where(
                col(ProductTranslation.product_id) == col(Product.id),
                or_(
                    func.lower(ProductTranslation.title).like(pattern, escape="\\"),
                    func.lower(ProductTranslation.summary).like(pattern, escape="\\"),
                ),
            )
            .exists()
        )
        condition = condition & or_(
            func.lower(Product.title).like(pattern, escape="\\"),
            func.lower(Product.summary).like(pattern, escape="\\"),
            in_translation,
        )
    if params.categories:
        condition = condition & col(Category.slug).in_(params.categories)
    base = (
        select(Product, Shop, Category)
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .join(Category, col(Category.id) == col(Product.category_id), isouter=True)
        .where(condition)
    )
    total = s.exec(select(func.count()).select_from(base.subquery())).one()
    rows = s.exec(
        base.order_by(col(Product.published_at).desc(), col(Product.id).desc())
        .offset((params.page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    translated = short_texts_for(s, [saved_id(product) for product, _, _ in rows], lang)
    cards = []
    for product, shop, category in rows:
        title, summary = translated.get(saved_id(product), (product.title, ""))
        cards.append(
            ResultCard(
                id=saved_id(product),
                title=title,
                title_parts=[TextPart(title)],
                summary_parts=[TextPart(summary or product.summary)],
                url=product_url(shop.slug, product.slug),
                cover_url=media_url(product.cover_key),
                shop_name=shop.name,
                price_label=price_label(product.pricing, product.price_amount, product.currency),
                category_name=category_name(category.name, lang) if category is not None else "",  # an outer join
            )
        )
    total_pages = -(-total // PER_PAGE)
    return SearchPageView(
        params=params,
        cards=cards,
        total=total,
        page=params.page,
        total_pages=total_pages,
        degraded=True,
        clear_filters_url=replace(params, categories=(), page=1).url(),
        **_paging(params, total_pages),
    )


def sort_options() -> list[SortOption]:
    return [SortOption(value, SORT_LABELS[value]) for value in SORT_ORDERS]

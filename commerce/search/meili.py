"""The SearchIndex port on a Meilisearch server, through the official client.

Call `configure()` once after deploying (and after changing SETTINGS): it applies
the index settings and waits for them. Writes wait for their tasks so a search
right after an upsert sees it, and a failed task raises instead of passing silently.

Filters are built from quoted, escaped values; the user's text only ever goes in
the `q` parameter, which Meilisearch treats as plain words. Highlights use private
marker characters (stripped from the documents) and are turned into <mark> after
escaping, so a title containing "<mark>" or "<script>" comes back as text.

Meilisearch caps totals at `pagination.maxTotalHits` (set to MAX_RESULT_WINDOW).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import meilisearch
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)

from commerce.search.highlight import marked_html
from commerce.search.japanese import has_japanese
from commerce.search.port import (
    CATEGORY_FACET_SIZE,
    MAX_RESULT_WINDOW,
    MIN_WORD_FOR_ONE_TYPO,
    MIN_WORD_FOR_TWO_TYPOS,
    PRICE_BUCKETS,
    TAG_FACET_SIZE,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    rating_facet,
    sort_facet_values,
    synonym_map,
)
from commerce.search.words import forms_text

T = TypeVar("T")

# Meilisearch's names (ISO 639-3) of the languages products are translated into.
MEILI_LOCALES = {"de": "deu", "fr": "fra", "es": "spa", "ja": "jpn", "ar": "ara"}

MARK_OPEN = "\ue000"
MARK_CLOSE = "\ue001"
BATCH_SIZE = 1_000
TASK_TIMEOUT_MS = 120_000

SETTINGS: dict[str, Any] = {
    # Order matters: the "attribute" ranking rule prefers earlier attributes.
    # "kinds" are the category's and its parents' names; "forms" the other number of
    # the title's, summary's, tags' and kinds' words (commerce.search.words), so
    # "templates" finds "Resume Template" as the embedded engine does.
    # "translated_titles" and "translated_summaries" hold the sellers' translations by
    # language ({"ja": "…"}), searched right after their originals.
    "searchableAttributes": [
        "title",
        "translated_titles",
        "tags",
        "kinds",
        "summary",
        "translated_summaries",
        "description",
        "shop_name",
        "forms",
    ],
    "displayedAttributes": [
        "id",
        "title",
        "summary",
        "category_slug",
        "shop_slug",
        "shop_name",
        "price_minor",
        "currency",
        "rating",
        "review_count",
        "category_name",
        "product_slug",
        "cover_key",
        "pricing",
        "translated_titles",
        "translated_summaries",
    ],
    "filterableAttributes": [
        "id",
        "category_slug",
        "tags",
        "price_sort",
        "rating",
        "price_bucket",
        "rating_floor",
    ],
    "sortableAttributes": ["published_ts", "price_sort", "sales_count", "rating"],
    # Every word must match ("words" only sorts partial matches, which matchingStrategy
    # "all" excludes), so "sort" right after it makes a chosen sort order strict, as in
    # the embedded engine. Best sellers break ties and order an empty search.
    "rankingRules": [
        "words",
        "sort",
        "typo",
        "proximity",
        "attribute",
        "exactness",
        "sales_count:desc",
    ],
    # port.typo_budget: one typo when the query word or the indexed word has 5+
    # letters ("ebok" finds "ebook"). Meilisearch measures the query word only; a
    # 4-letter word reaches a 5-letter one, so oneTypo drops to 4. This accepts all
    # the embedded engine accepts, plus one typo between two 4-letter words.
    "typoTolerance": {
        "enabled": True,
        "minWordSizeForTypos": {
            "oneTypo": MIN_WORD_FOR_ONE_TYPO - 1,
            "twoTypos": MIN_WORD_FOR_TWO_TYPOS,
        },
    },
    # Meilisearch reads each entry one way: "pdf" finds e-books, "ebook" not PDFs.
    "synonyms": {word: list(others) for word, others in synonym_map().items()},
    "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "count"}},
    "pagination": {"maxTotalHits": MAX_RESULT_WINDOW},
    # Each translation is segmented and normalised as its language: Japanese by lindera's
    # IPADIC words (the embedded engine splits it the same way), not guessed from its script.
    "localizedAttributes": [
        {"attributePatterns": [f"translated_titles.{lang}", f"translated_summaries.{lang}"], "locales": [locale]}
        for lang, locale in MEILI_LOCALES.items()
    ],
}

FACET_ATTRIBUTES = ["category_slug", "tags", "price_bucket", "rating_floor"]

_SORTS = {
    "newest": ["published_ts:desc"],
    "price_asc": ["price_sort:asc"],
    "price_desc": ["price_sort:desc"],
    "popular": ["sales_count:desc"],
    "rating": ["rating:desc"],
}


def quote(value: str) -> str:
    """A Meilisearch filter string literal: the value cannot close the quotes."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_filter(query: SearchQuery) -> list[str]:
    """Filter expressions, all of which must hold (Meilisearch ANDs a list)."""
    expressions = []
    if query.categories:
        expressions.append("category_slug IN [" + ", ".join(quote(slug) for slug in query.categories) + "]")
    expressions.extend(f"tags = {quote(tag.lower())}" for tag in query.tags)
    if query.price_min is not None:
        expressions.append(f"price_sort >= {int(query.price_min)}")
    if query.price_max is not None:
        expressions.append(f"price_sort <= {int(query.price_max)}")
    if query.min_rating is not None:
        expressions.append(f"rating >= {float(query.min_rating)!r}")
    return expressions


def build_search_params(query: SearchQuery) -> dict[str, Any]:
    params: dict[str, Any] = {
        "page": query.page,
        "hitsPerPage": query.per_page,
        # Every word must match, as in the embedded engine (the default drops words).
        "matchingStrategy": "all",
        "attributesToHighlight": ["title", "summary"] if query.summaries else ["title"],
        "highlightPreTag": MARK_OPEN,
        "highlightPostTag": MARK_CLOSE,
    }
    if query.lang:
        # Hits of products translated into the buyer's language show the translation.
        params["attributesToHighlight"] += (
            ["translated_titles", "translated_summaries"] if query.summaries else ["translated_titles"]
        )
    if query.facets:
        params["facets"] = FACET_ATTRIBUTES
    search_filter = build_filter(query)
    if search_filter:
        params["filter"] = search_filter
    if query.sort in _SORTS:
        params["sort"] = _SORTS[query.sort]
    if has_japanese(query.text):
        # Kanji alone read as Chinese to Meilisearch's script detection; Japanese is the
        # only language of ours written in them, so the query is segmented as Japanese.
        params["locales"] = [MEILI_LOCALES["ja"]]
    return params


def _strip_marks(text: str) -> str:
    return text.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")


def to_meili_document(doc: SearchDocument) -> dict[str, Any]:
    bucket = next(b.key for b in PRICE_BUCKETS if b.contains(doc.price_sort))
    return {
        "id": doc.id,
        "title": _strip_marks(doc.title),
        "summary": _strip_marks(doc.summary),
        "description": doc.description,
        "tags": [tag.lower() for tag in doc.tags],
        "category_slug": doc.category_slug,
        "category_name": doc.category_name,
        "kinds": list(doc.category_path),
        "forms": forms_text([doc.title, doc.summary, *doc.tags, *doc.category_path]),
        "product_slug": doc.product_slug,
        "cover_key": doc.cover_key,
        "pricing": doc.pricing,
        "translated_titles": {lang: _strip_marks(title) for lang, title, _ in doc.translations},
        "translated_summaries": {lang: _strip_marks(summary) for lang, _, summary in doc.translations if summary},
        "shop_slug": doc.shop_slug,
        "shop_name": doc.shop_name,
        "price_minor": doc.price_minor,
        "currency": doc.currency,
        "price_sort": doc.price_sort,
        "price_bucket": bucket,
        "rating": doc.rating,
        "rating_floor": math.floor(doc.rating),
        "review_count": doc.review_count,
        "sales_count": doc.sales_count,
        "published_at": doc.published_at.isoformat(),
        "published_ts": int(doc.published_at.timestamp()),
    }


def marked_to_html(formatted: str) -> str:
    """Meilisearch's formatted text (matches between marker characters) as safe HTML."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    start: int | None = None
    for char in formatted:
        if char == MARK_OPEN:
            start = length
        elif char == MARK_CLOSE:
            if start is not None:
                spans.append((start, length))
            start = None
        else:
            plain.append(char)
            length += 1
    return marked_html("".join(plain), spans)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class MeiliSearchIndex:
    def __init__(
        self,
        url: str,
        api_key: str | None,
        index_uid: str = "products",
        *,
        timeout_seconds: int = 5,
    ):
        self._client = meilisearch.Client(url, api_key, timeout=timeout_seconds)
        self._index = self._client.index(index_uid)

    def configure(self) -> None:
        """Apply SETTINGS (creating the index if needed) and wait until they hold."""
        self._call(lambda: self._wait(self._index.update_settings(SETTINGS).task_uid))

    def upsert(self, docs: Sequence[SearchDocument]) -> None:
        payload = [to_meili_document(doc) for doc in docs]

        def send() -> None:
            tasks = [
                self._index.add_documents(list(batch), primary_key="id").task_uid
                for batch in _chunks(payload, BATCH_SIZE)
            ]
            for task_uid in tasks:
                self._wait(task_uid)

        self._call(send)

    def delete(self, ids: Sequence[int]) -> None:
        def send() -> None:
            tasks = [
                self._index.delete_documents(filter="id IN [" + ", ".join(str(int(i)) for i in batch) + "]").task_uid
                for batch in _chunks(list(ids), BATCH_SIZE)
            ]
            for task_uid in tasks:
                self._wait(task_uid)

        self._call(send)

    def clear(self) -> None:
        self._call(lambda: self._wait(self._index.delete_all_documents().task_uid))

    def document_count(self) -> int:
        return self._call(lambda: self._index.get_stats().number_of_documents)

    def health(self) -> bool:
        return self._client.is_healthy()

    def search(self, query: SearchQuery) -> SearchResult:
        response = self._call(lambda: self._index.search(query.text, build_search_params(query)))
        distribution = response.get("facetDistribution", {})
        price_counts = distribution.get("price_bucket", {})
        star_counts = {int(stars): count for stars, count in distribution.get("rating_floor", {}).items()}
        facets = (
            {
                "category": sort_facet_values(distribution.get("category_slug", {}), CATEGORY_FACET_SIZE),
                "tags": sort_facet_values(distribution.get("tags", {}), TAG_FACET_SIZE),
                "price_range": [(b.key, price_counts.get(b.key, 0)) for b in PRICE_BUCKETS],
                "rating": rating_facet(star_counts),
            }
            if query.facets
            else {}
        )
        return SearchResult(
            hits=[self._hit(hit, summaries=query.summaries, lang=query.lang) for hit in response["hits"]],
            total=response.get("totalHits", 0),
            facets=facets,
            page=query.page,
            per_page=query.per_page,
        )

    @staticmethod
    def _hit(hit: dict[str, Any], *, summaries: bool = True, lang: str = "") -> SearchHit:
        formatted = hit.get("_formatted", {})
        titles = hit.get("translated_titles") or {}
        if lang in titles:
            # A translation into the buyer's language replaces the title, and the summary if it has one.
            title = titles[lang]
            title_marked = (formatted.get("translated_titles") or {}).get(lang, title)
            summary_marked = (
                (formatted.get("translated_summaries") or {}).get(lang)
                or (hit.get("translated_summaries") or {}).get(lang)
                or formatted.get("summary", hit["summary"])
            )
        else:
            title = hit["title"]
            title_marked = formatted.get("title", title)
            summary_marked = formatted.get("summary", hit["summary"])
        return SearchHit(
            id=int(hit["id"]),
            title=title,
            title_html=marked_to_html(title_marked),
            summary_html=marked_to_html(summary_marked) if summaries else "",
            category_slug=hit["category_slug"],
            shop_slug=hit["shop_slug"],
            shop_name=hit["shop_name"],
            price_minor=hit["price_minor"],
            currency=hit["currency"],
            rating=float(hit["rating"]),
            review_count=hit["review_count"],
            category_name=hit.get("category_name", ""),
            product_slug=hit.get("product_slug", ""),
            cover_key=hit.get("cover_key"),
            pricing=hit.get("pricing", "fixed"),
        )

    def _wait(self, task_uid: int) -> None:
        task = self._client.wait_for_task(task_uid, timeout_in_ms=TASK_TIMEOUT_MS)
        if task.status != "succeeded":
            raise SearchError(f"Meilisearch task {task_uid} {task.status}: {task.error}")

    @staticmethod
    def _call(operation: Callable[[], T]) -> T:
        """Run a client call, turning 'the server is not there' into SearchUnavailable."""
        try:
            return operation()
        except (MeilisearchCommunicationError, MeilisearchTimeoutError) as error:
            raise SearchUnavailable(f"Meilisearch unreachable: {error}") from error
        except MeilisearchApiError as error:
            if error.status_code >= 500 or error.code == "index_not_found":
                raise SearchUnavailable(f"Meilisearch unavailable: {error}") from error
            raise SearchError(f"Meilisearch refused the request: {error}") from error

"""The SearchIndex port: what the catalog search needs from a search engine.

Two engines implement it: `embedded.TantivySearchIndex` (a folder on disk, the
default) and `meili.MeiliSearchIndex` (a Meilisearch server). Both follow the same
rules, checked by tests/contracts/test_search_index.py:

- every query word must match (in any searchable field); the last word also
  matches as a prefix, so results follow the user as they type;
- typo tolerance by word length: one typo when the query word OR the indexed
  word it would match has 5 letters or more, two typos when the query word has
  9 or more. For one typo the longer word decides, so "ebok" finds "ebook" (one
  missing letter, the usual slip when typing on a phone), as "eboook" does,
  while "sett" still does not find "set" (both under 5). Two typos stay measured
  on the query word: extending them to longer indexed words made exact-word
  searches ten times slower in the embedded engine (bench/README.md).
  Meilisearch measures only the query word, so its adapter sets oneTypo to 4
  (twoTypos stays 9): it accepts everything this rule accepts plus one typo
  between two 4-letter words; see meili.SETTINGS;
- a match in the title ranks above the same match in the description;
- a product is also found by its category's name and its parents' names ("template"
  finds the products in "Productivity templates"), with the same rules as a title;
- a product is also found by its sellers' translations of its title and summary
  (`SearchDocument.translations`), with the same rules; Japanese text is split into
  words first (Meilisearch does it itself, the embedded engine through
  commerce.search.japanese), and a hit comes back in the query's `lang` where the
  product has a translation into it;
- plurals and singulars find each other ("templates" finds "Resume Template",
  "template" the "Templates" category): both engines index the other number of
  the title's, summary's, tags' and category names' words (commerce.search.words);
- a word also finds its synonyms (SYNONYM_GROUPS, in either number; ONE_WAY_SYNONYMS
  only from the word to its synonyms: "pdf" finds the e-books, "ebook" not every PDF);
- categories in a filter are alternatives (OR), tags must all be present (AND);
- facet counts cover every document that matches the text and filters, not just
  the page; price and rating facets always list all their buckets, in order;
- highlighted snippets are HTML: matched words inside <mark>…</mark>, every other
  character escaped.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Literal, Protocol, TypeGuard, runtime_checkable

from commerce.errors import ValidationError
from commerce.kit.slot import Slot
from commerce.search.words import plural

SortOrder = Literal["relevance", "newest", "price_asc", "price_desc", "popular", "rating"]
SORT_ORDERS: tuple[SortOrder, ...] = ("relevance", "newest", "price_asc", "price_desc", "popular", "rating")


def is_sort_order(value: object) -> TypeGuard[SortOrder]:
    return value in SORT_ORDERS


MAX_QUERY_LENGTH = 200
MAX_PER_PAGE = 100
# Deep pages cost the engine a ranked list of page * per_page hits; nobody reads past this.
MAX_RESULT_WINDOW = 10_000

# Unless one of the two words has MIN_WORD_FOR_ONE_TYPO letters, a match must be exact
# (or a prefix); see typo_budget().
MIN_WORD_FOR_ONE_TYPO = 5
MIN_WORD_FOR_TWO_TYPOS = 9
# The most typos any match carries: a word of MIN_WORD_FOR_TWO_TYPOS letters or more.
MAX_TYPOS = 2

# How many values the open-ended facets list, most frequent first.
CATEGORY_FACET_SIZE = 50
TAG_FACET_SIZE = 20


def allowed_typos(word: str | int) -> int:
    """Typos a word of this length (or a length) carries on its own."""
    length = word if isinstance(word, int) else len(word)
    if length >= MIN_WORD_FOR_TWO_TYPOS:
        return MAX_TYPOS
    if length >= MIN_WORD_FOR_ONE_TYPO:
        return 1
    return 0


def typo_budget(query_word: str, indexed_word: str) -> int:
    """Edits allowed between a query word and an indexed word (see the module docstring)."""
    if len(query_word) >= MIN_WORD_FOR_TWO_TYPOS:
        return MAX_TYPOS
    return min(1, allowed_typos(max(len(query_word), len(indexed_word))))


@dataclass(frozen=True)
class PriceBucket:
    """A price range in USD cents: `min_cents` included, `max_cents` excluded."""

    key: str
    label: str
    min_cents: int | None
    max_cents: int | None

    def contains(self, price_cents: int) -> bool:
        above_min = self.min_cents is None or price_cents >= self.min_cents
        below_max = self.max_cents is None or price_cents < self.max_cents
        return above_min and below_max

    @property
    def filter_bounds(self) -> tuple[int | None, int | None]:
        """The (price_min, price_max) of a SearchQuery selecting this bucket."""
        return self.min_cents, None if self.max_cents is None else self.max_cents - 1


PRICE_BUCKETS: tuple[PriceBucket, ...] = (
    PriceBucket("under_5", "Under $5", None, 500),
    PriceBucket("5_20", "$5–$20", 500, 2000),
    PriceBucket("20_50", "$20–$50", 2000, 5000),
    PriceBucket("50_plus", "$50+", 5000, None),
)

# The rating facet counts products rated at least this many stars; its values are
# these numbers as strings ("4" means 4 stars and up).
RATING_THRESHOLDS: tuple[int, ...] = (4, 3, 2, 1)

FACET_NAMES: tuple[str, ...] = ("category", "tags", "price_range", "rating")

# Words that find each other, whole words only (no prefix or typo on a synonym).
# Each group is written in the singular; its plurals join it (synonym_groups()).
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("ebook", "e-book"),
    ("tutorial", "course"),
    ("font", "typeface"),
    ("lut", "preset"),
)
# A word that finds these others, but is not found by them.
ONE_WAY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "pdf": ("ebook",),
}


def _with_plurals(words: Sequence[str]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for word in words:
        found.setdefault(word, None)
        found.setdefault(plural(word), None)
    return tuple(found)


@cache
def synonym_map() -> dict[str, tuple[str, ...]]:
    """Every word with a synonym, in either number, and the words it also finds."""
    mapping: dict[str, dict[str, None]] = {}
    for group in SYNONYM_GROUPS:
        words = _with_plurals(group)
        for word in words:
            mapping.setdefault(word, {}).update(dict.fromkeys(other for other in words if other != word))
    for word, others in ONE_WAY_SYNONYMS.items():
        for form in _with_plurals((word,)):
            mapping.setdefault(form, {}).update(dict.fromkeys(_with_plurals(others)))
    return {word: tuple(others) for word, others in mapping.items()}


def synonyms_of(word: str) -> tuple[str, ...]:
    return synonym_map().get(word.lower(), ())


class SearchError(RuntimeError):
    """The search engine refused an operation (a bug or a misconfiguration)."""


class SearchUnavailable(SearchError):
    """The search engine cannot be reached; callers fall back (e.g. to SQL)."""


@dataclass(frozen=True)
class SearchDocument:
    """One published product as the search engine sees it."""

    id: int
    title: str
    summary: str
    description: str  # plain text
    tags: tuple[str, ...]
    category_slug: str
    category_name: str
    shop_slug: str
    shop_name: str
    price_minor: int  # in `currency`
    currency: str
    price_sort: int  # the price in USD cents, for range filters and sorting
    rating: float  # 0–5, 0 when unrated
    review_count: int
    sales_count: int
    published_at: datetime  # aware, UTC
    # The names of the category and of its parents, broadest first ("Templates",
    # "Design templates"): searchable like the title.
    category_path: tuple[str, ...] = ()
    # What a result card shows besides the above, so a search builds its cards
    # without reading the database.
    product_slug: str = ""
    cover_key: str | None = None
    pricing: str = "fixed"
    # The seller's translations, searched like the title: (language, title, summary).
    # Descriptions are left out: they would multiply the index for little gain, and a
    # translated title or summary already finds the product.
    translations: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    price_min: int | None = None  # USD cents, inclusive
    price_max: int | None = None  # USD cents, inclusive
    min_rating: float | None = None
    sort: SortOrder = "relevance"
    page: int = 1
    per_page: int = 24
    # False when the caller shows no facets (the navbar's dropdown): the engine
    # skips counting them, most of a search's work on a large catalogue.
    facets: bool = True
    # False: hits come without a highlighted summary (summary_html is ""), for the
    # same dropdown, which shows titles only.
    summaries: bool = True
    # The buyer's language: hits of products translated into it carry the translated
    # title and summary ("" for the original texts).
    lang: str = ""

    def __post_init__(self) -> None:
        if len(self.text) > MAX_QUERY_LENGTH:
            raise ValidationError(f"Search text is too long: {MAX_QUERY_LENGTH} characters at most.", field="q")
        if self.sort not in SORT_ORDERS:
            raise ValidationError("Unknown sort order.", field="sort")
        if self.page < 1:
            raise ValidationError("Page numbers start at 1.", field="page")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValidationError(f"Results per page must be between 1 and {MAX_PER_PAGE}.", field="per_page")
        if self.page * self.per_page > MAX_RESULT_WINDOW:
            raise ValidationError("That page is too far; narrow the search instead.", field="page")
        for name in ("price_min", "price_max"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValidationError("Prices cannot be negative.", field=name)
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise ValidationError("The lowest price is above the highest price.", field="price_min")
        if self.min_rating is not None and not 0 <= self.min_rating <= 5:
            raise ValidationError("Ratings go from 0 to 5 stars.", field="min_rating")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class SearchHit:
    id: int
    title: str  # plain text
    title_html: str  # escaped, matches in <mark>
    summary_html: str  # escaped, matches in <mark>
    category_slug: str
    shop_slug: str
    shop_name: str
    price_minor: int
    currency: str
    rating: float
    review_count: int
    category_name: str = ""
    product_slug: str = ""  # "" in a document indexed before the card fields were
    cover_key: str | None = None
    pricing: str = "fixed"


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    total: int
    # facet name -> [(value, count)]; see FACET_NAMES, PRICE_BUCKETS, RATING_THRESHOLDS
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 24

    @property
    def total_pages(self) -> int:
        return -(-self.total // self.per_page)


@runtime_checkable
class SearchIndex(Protocol):
    def upsert(self, docs: Sequence[SearchDocument]) -> None: ...

    def delete(self, ids: Sequence[int]) -> None: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def clear(self) -> None: ...

    def document_count(self) -> int: ...

    def health(self) -> bool: ...


def answers_in_process(index: SearchIndex) -> bool:
    """Whether `index` searches in this process, quickly, without waiting on the network
    (the embedded engine says so while its index is small). A caller on the event loop may
    call such an engine directly; any other (Meilisearch, over HTTP) goes to a thread."""
    return getattr(index, "answers_in_process", False) is True


def index_version(index: SearchIndex) -> Hashable | None:
    """A value that changes whenever the index's contents may have changed, by this
    process or another, or None when the engine cannot tell (then nothing may be
    cached from its answers). An engine offers it as a `version()` method; calling it
    also brings the engine's reader up to that version, so a search made after it
    answers from contents at least that new."""
    version = getattr(index, "version", None)
    return version() if callable(version) else None


def sort_facet_values(counts: dict[str, int], limit: int) -> list[tuple[str, int]]:
    """Most frequent first, then alphabetical; zero counts and blank values dropped."""
    ranked = sorted(
        ((value, count) for value, count in counts.items() if count > 0 and value),
        key=lambda item: (-item[1], item[0]),
    )
    return ranked[:limit]


def rating_facet(floor_counts: dict[int, int]) -> list[tuple[str, int]]:
    """Turn counts per whole star (3 for 3.0–3.99) into "N stars and up" counts."""
    return [
        (str(threshold), sum(n for star, n in floor_counts.items() if star >= threshold))
        for threshold in RATING_THRESHOLDS
    ]


# Plugged in by commerce.wiring: Meilisearch when MEILI_URL is set, else the embedded tantivy index.
search_index: Slot[SearchIndex] = Slot("search index")

"""The embedded search engine: a tantivy index in a local folder.

Ranking is BM25 over title, the sellers' translations (of titles and summaries),
tags, summary, description and shop name, weighted in that order. Japanese text is
split into words before it is indexed or searched (commerce.search.japanese).
Each query word becomes, per field, an exact term (BM25-scored), a prefix term for
the last word (as-you-type) and typo terms; prefix and typo matches score a fixed
fraction of the field's weight, so exact words outrank corrected ones.

Typos follow port.typo_budget. A fuzzy term query covers the query word's own
budget; the one extra case, a 4-letter word finding a 5-letter one ("ebok" ->
"ebook"), comes from a regex query over the word with one letter inserted
(longer_words_pattern), since a fuzzy query cannot look at the length of the
word it matches.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import tantivy

from commerce.search.highlight import marked_html, within_edits
from commerce.search.japanese import blank_japanese, has_japanese, japanese_words, word_spans
from commerce.search.port import (
    CATEGORY_FACET_SIZE,
    MAX_TYPOS,
    PRICE_BUCKETS,
    TAG_FACET_SIZE,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    allowed_typos,
    rating_facet,
    sort_facet_values,
    synonyms_of,
    typo_budget,
)
from commerce.search.words import forms_text

logger = logging.getLogger(__name__)

ANALYZER_NAME = "words"
# Field weights: a word in the title counts most, in the shop name least.
FIELD_BOOSTS: tuple[tuple[str, float], ...] = (
    ("title", 4.0),
    # Translated titles and summaries share one field: one more field per language
    # would add its clauses to every query word.
    ("translations", 3.0),
    ("tags_text", 2.5),
    ("summary", 1.5),
    ("description", 1.0),
    ("shop_name", 0.6),
)
# Constant scores for non-exact matches, as a fraction of the field weight.
PREFIX_WEIGHT = 0.6
TYPO_WEIGHT = 0.3
# Like Meilisearch, only the first words of a long query are searched.
MAX_QUERY_WORDS = 10
# Above this many distinct values per segment a terms aggregation would start to
# approximate counts; the catalogue's categories and tags stay far below it.
FACET_SEGMENT_SIZE = 10_000
WRITER_HEAP_BYTES = 64_000_000
WRITER_LOCK_WAIT_SECONDS = 5.0
TERM_QUERY_CACHE_SIZE = 4096
# Written anew (a temporary file renamed over it) by every commit.
META_FILE = "meta.json"

_COMPOUND = re.compile(r"[^\W_]+(?:-[^\W_]+)+")

_SORT_FIELDS: dict[str, tuple[str, tantivy.Order]] = {
    "newest": ("published_at", tantivy.Order.Desc),
    "price_asc": ("price_sort", tantivy.Order.Asc),
    "price_desc": ("price_sort", tantivy.Order.Desc),
    "popular": ("sales_count", tantivy.Order.Desc),
    "rating": ("rating", tantivy.Order.Desc),
}


def _build_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def _build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    # i64, not u64: tantivy-py's delete_documents_by_term builds i64 terms from ints.
    builder.add_integer_field("id", indexed=True, fast=True)
    for name, _ in FIELD_BOOSTS:
        # BM25 needs term frequencies; no phrase queries, so no positions.
        builder.add_text_field(name, tokenizer_name=ANALYZER_NAME, index_option="freq")
    builder.add_text_field("category_slug", tokenizer_name="raw", fast=True)
    builder.add_text_field("tags", tokenizer_name="raw", fast=True)
    builder.add_integer_field("price_sort", indexed=True, fast=True)
    builder.add_float_field("rating", indexed=True, fast=True)
    builder.add_integer_field("sales_count", fast=True)
    builder.add_date_field("published_at", fast=True)
    # What a hit shows, stored once as JSON: the indexed text fields differ from it.
    builder.add_bytes_field("payload", stored=True)
    return builder.build()


def _words(text: str) -> str:
    """A text field as indexed: Japanese split into words, hyphenated words also joined."""
    return with_compounds(japanese_words(text))


def with_compounds(text: str) -> str:
    """Append hyphenated words joined up ("e-book" -> "ebook") so either spelling finds it."""
    if "-" not in text:
        return text
    # Compounds never span whitespace; scanning only hyphenated chunks keeps long
    # descriptions fast.
    joined = [
        match.group().replace("-", "") for chunk in text.split() if "-" in chunk for match in _COMPOUND.finditer(chunk)
    ]
    return f"{text} {' '.join(joined)}" if joined else text


_WILDCARD = None
# Characters with a meaning in tantivy's (Rust) regex syntax; index words are
# letters and digits, but the pattern must stay literal whatever they hold.
_REGEX_SPECIAL = set("\\.+*?()|[]{}^$#&-~")


def _edited_spellings(word: str, max_edits: int) -> dict[tuple[str | None, ...], int]:
    """Every spelling `max_edits` or fewer edits away from `word` (insertion,
    deletion, substitution, swap of neighbours), as a tuple of letters and
    wildcards (None, any one letter), with the fewest edits that reach it."""
    found: dict[tuple[str | None, ...], int] = {}

    def walk(position: int, spelled: tuple[str | None, ...], edits: int) -> None:
        if position == len(word):
            if edits < found.get(spelled, max_edits + 1):
                found[spelled] = edits
        else:
            walk(position + 1, spelled + (word[position],), edits)
        if edits == max_edits:
            return
        walk(position, spelled + (_WILDCARD,), edits + 1)  # a letter inserted here
        if position < len(word):
            walk(position + 1, spelled + (_WILDCARD,), edits + 1)  # substituted
            walk(position + 1, spelled, edits + 1)  # deleted
        if position + 1 < len(word) and word[position] != word[position + 1]:
            swapped = (word[position + 1], word[position])
            walk(position + 2, spelled + swapped, edits + 1)

    walk(0, (), 0)
    return found


@lru_cache(maxsize=4096)
def longer_words_pattern(word: str) -> str | None:
    """Regexes for the indexed words that only their own length lets `word` reach.

    The fuzzy query already allows allowed_typos(word) edits; this covers the
    longer words whose budget is larger, i.e. a word one letter short of
    MIN_WORD_FOR_ONE_TYPO reaching words of that length by one insertion
    ("ebok" -> ".ebok|e.bok|eb.ok|ebo.k|ebok."). None when there are none.
    """
    own = allowed_typos(word)
    longer = min(1, allowed_typos(len(word) + 1))
    if longer <= own:
        return None
    spellings = sorted(
        "".join("." if part is _WILDCARD else "\\" + part if part in _REGEX_SPECIAL else part for part in spelled)
        for spelled, edits in _edited_spellings(word, longer).items()
        if own < edits <= typo_budget(word, "x" * len(spelled))
    )
    return "|".join(spellings) or None


@dataclass(frozen=True)
class _Term:
    """One analysed query word and how loosely it may match."""

    text: str
    prefix: bool
    fuzzy: bool

    @property
    def typos(self) -> int:
        return allowed_typos(self.text) if self.fuzzy else 0

    def matches(self, token: str) -> bool:
        if token == self.text or (self.prefix and token.startswith(self.text)):
            return True
        # Most of a title's words are too long or too short to be a typo of this one.
        if not self.fuzzy or abs(len(token) - len(self.text)) > MAX_TYPOS:
            return False
        return within_edits(token, self.text, typo_budget(self.text, token))


# A query word: alternative spellings, each a list of terms that must all match.
_Word = list[list[_Term]]


class TantivySearchIndex:
    """SearchIndex stored in `index_dir`, created on first use."""

    # A search reads memory-mapped files in this process: no network to wait on, so a
    # small index is searched on the caller's event loop (port.answers_in_process). A large
    # one goes to a thread like any engine: at 100k products a dropdown search takes
    # milliseconds, long enough to stall every other tab of the process.
    ON_LOOP_MAX_DOCUMENTS = 20_000

    def __init__(self, index_dir: Path):
        self._index_dir = Path(index_dir)
        self._meta_path = self._index_dir / META_FILE
        # The document count as of the reader's version (answers_in_process), read lazily.
        self._documents_seen: int | None = None
        self._seen_version: tuple[int, int, int] | None = None
        self._schema = _build_schema()
        self._analyzer = _build_analyzer()
        self._write_lock = threading.Lock()
        self._index = self._open()
        # A word's clauses cost more to build than to run (the regex of the longer
        # words compiles an automaton per field): as-you-type searches repeat words,
        # so the built queries are kept. They do not depend on the index's contents.
        self._term_query = lru_cache(maxsize=TERM_QUERY_CACHE_SIZE)(self._build_term_query)

    def _open(self) -> tantivy.Index:
        self._index_dir.mkdir(parents=True, exist_ok=True)
        try:
            index = tantivy.Index(self._schema, path=str(self._index_dir), reuse=True)
        except ValueError as error:
            if "schema does not match" not in str(error):
                raise SearchUnavailable(f"cannot open the search index: {error}") from error
            # The index is derived data: an old layout is dropped and rebuilt by reindexing.
            logger.warning("search index at %s has an old schema; starting empty", self._index_dir)
            shutil.rmtree(self._index_dir)
            self._index_dir.mkdir(parents=True)
            index = tantivy.Index(self._schema, path=str(self._index_dir), reuse=True)
        index.register_tokenizer(ANALYZER_NAME, self._analyzer)
        return index

    # -- writing ---------------------------------------------------------------

    def upsert(self, docs: Sequence[SearchDocument]) -> None:
        if not docs:
            return
        prepared = [self._to_tantivy(doc) for doc in docs]
        with self._writer() as writer:
            for doc, tantivy_doc in zip(docs, prepared, strict=True):
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(tantivy_doc)

    def delete(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        with self._writer() as writer:
            for doc_id in ids:
                writer.delete_documents_by_term("id", doc_id)

    def clear(self) -> None:
        with self._writer() as writer:
            writer.delete_all_documents()

    @property
    def answers_in_process(self) -> bool:
        if self._documents_seen is None:
            self._documents_seen = self._index.searcher().num_docs
        return self._documents_seen <= self.ON_LOOP_MAX_DOCUMENTS

    def document_count(self) -> int:
        self._index.reload()
        return self._index.searcher().num_docs

    def version(self) -> tuple[int, int, int] | None:
        """The index's version (port.index_version): every commit, by this process or
        another, writes a new meta.json and renames it over the old one, so its inode,
        modification time and size change. A change reloads the reader at once (tantivy's
        own reload follows commits only after a delay). None if the file cannot be read."""
        try:
            stat = os.stat(self._meta_path)
        except OSError:
            return None
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if seen != self._seen_version:
            self._index.reload()
            self._seen_version = seen
            self._documents_seen = None
        return seen

    @contextmanager
    def _writer(self) -> Iterator[tantivy.IndexWriter]:
        """A writer holding the process's write lock; commits if the block succeeds."""
        with self._write_lock:
            writer = self._open_writer()
            try:
                yield writer
            except BaseException:
                writer.rollback()
                raise
            else:
                try:
                    writer.commit()
                except ValueError as error:
                    raise SearchError(f"search index commit failed: {error}") from error
            finally:
                writer.wait_merging_threads()
                self._index.reload()

    def _open_writer(self) -> tantivy.IndexWriter:
        deadline = time.monotonic() + WRITER_LOCK_WAIT_SECONDS
        while True:
            try:
                return self._index.writer(WRITER_HEAP_BYTES, 1)
            except ValueError as error:
                # Another process is writing: wait for it a little, then give up.
                if "LockBusy" not in str(error) or time.monotonic() > deadline:
                    raise SearchUnavailable(f"cannot write the search index: {error}") from error
                time.sleep(0.05)

    def _to_tantivy(self, doc: SearchDocument) -> tantivy.Document:
        if doc.published_at.tzinfo is None:
            raise ValueError("SearchDocument.published_at must be timezone-aware")
        out = tantivy.Document()
        out.add_integer("id", doc.id)
        # Each text field also holds its words' other number (words.forms_text), and
        # the category's names count as tags: both under the same rules as the title.
        kinds = (*doc.tags, *doc.category_path)
        translated = " ".join(f"{title} {summary}" for _, title, summary in doc.translations)
        out.add_text("title", f"{_words(doc.title)} {forms_text([doc.title])}")
        out.add_text("translations", _words(translated))
        out.add_text("tags_text", f"{with_compounds(' '.join(kinds))} {forms_text(kinds)}")
        out.add_text("summary", f"{_words(doc.summary)} {forms_text([doc.summary])}")
        out.add_text("description", _words(doc.description))
        out.add_text("shop_name", with_compounds(doc.shop_name))
        out.add_text("category_slug", doc.category_slug)
        for tag in doc.tags:
            out.add_text("tags", tag.lower())
        out.add_integer("price_sort", doc.price_sort)
        out.add_float("rating", float(doc.rating))
        out.add_integer("sales_count", doc.sales_count)
        out.add_date("published_at", doc.published_at)
        payload = {
            "id": doc.id,
            "title": doc.title,
            "summary": doc.summary,
            "category_slug": doc.category_slug,
            "shop_slug": doc.shop_slug,
            "shop_name": doc.shop_name,
            "price_minor": doc.price_minor,
            "currency": doc.currency,
            "rating": doc.rating,
            "review_count": doc.review_count,
            "category_name": doc.category_name,
            "product_slug": doc.product_slug,
            "cover_key": doc.cover_key,
            "pricing": doc.pricing,
            "translations": {lang: [title, summary] for lang, title, summary in doc.translations},
        }
        out.add_bytes("payload", json.dumps(payload).encode())
        return out

    # -- reading ---------------------------------------------------------------

    def health(self) -> bool:
        return tantivy.Index.exists(str(self._index_dir))

    def search(self, query: SearchQuery) -> SearchResult:
        words = self._query_words(query.text)
        tantivy_query = self._build_query(query, words)
        try:
            searcher = self._index.searcher()
            if query.sort in _SORT_FIELDS or not words:
                # Without words to rank by, "relevance" means best sellers first.
                field, order = _SORT_FIELDS.get(query.sort, _SORT_FIELDS["popular"])
                found = searcher.search(
                    tantivy_query,
                    limit=query.per_page,
                    offset=query.offset,
                    count=True,
                    order_by_field=field,
                    order=order,
                )
            else:
                found = searcher.search(tantivy_query, limit=query.per_page, offset=query.offset, count=True)
            docs = [searcher.doc(address) for _, address in found.hits]
            facets = self._facets(searcher, tantivy_query) if query.facets else {}
        except ValueError as error:
            raise SearchUnavailable(f"search index failed: {error}") from error
        is_match = _token_matcher(words)
        hits = [
            self._hit(json.loads(doc.get_first("payload") or "{}"), is_match, summary=query.summaries, lang=query.lang)
            for doc in docs
        ]
        # tantivy's stub leaves out SearchResult.count, which search(count=True) fills in.
        total = found.count  # type: ignore[attr-defined]
        return SearchResult(hits=hits, total=total, facets=facets, page=query.page, per_page=query.per_page)

    def _query_words(self, text: str) -> list[_Word]:
        """Each query word with its alternatives, any of which may match.

        A hyphenated word gives its parts and also the joined form ("e-book" ->
        e AND book, or ebook); synonyms add exact alternatives.
        """
        words = [word for word in text.split() if self._analyzer.analyze(word)]
        words = words[:MAX_QUERY_WORDS]
        result: list[_Word] = []
        for position, word in enumerate(words):
            is_last = position == len(words) - 1
            alternatives = self._spellings(word, prefix=is_last, typos=True)
            for synonym in synonyms_of(word):
                alternatives.extend(self._spellings(synonym, prefix=False, typos=False))
            result.append(alternatives)
        return result

    def _spellings(self, word: str, *, prefix: bool, typos: bool) -> list[list[_Term]]:
        def term(text: str, last: bool) -> _Term:
            return _Term(text, prefix=prefix and last, fuzzy=typos)

        tokens = self._analyzer.analyze(japanese_words(word))
        spellings = [[term(token, i == len(tokens) - 1) for i, token in enumerate(tokens)]]
        if len(tokens) > 1:
            spellings.append([term("".join(tokens), True)])
        return spellings

    def _build_term_query(self, term: _Term) -> tantivy.Query:
        clauses = []
        for field, boost in FIELD_BOOSTS:
            exact = tantivy.Query.term_query(self._schema, field, term.text)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(exact, boost)))
            if term.prefix:
                prefix = tantivy.Query.fuzzy_term_query(self._schema, field, term.text, distance=0, prefix=True)
                clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(prefix, boost * PREFIX_WEIGHT)))
            if term.typos:
                fuzzy = tantivy.Query.fuzzy_term_query(
                    self._schema, field, term.text, distance=term.typos, transposition_cost_one=True
                )
                clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(fuzzy, boost * TYPO_WEIGHT)))
            longer = longer_words_pattern(term.text) if term.fuzzy else None
            if longer:
                regex = tantivy.Query.regex_query(self._schema, field, longer)
                clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(regex, boost * TYPO_WEIGHT)))
        return tantivy.Query.boolean_query(clauses)

    def _word_query(self, word: _Word) -> tantivy.Query:
        alternatives = [
            self._term_query(terms[0])
            if len(terms) == 1
            else tantivy.Query.boolean_query([(tantivy.Occur.Must, self._term_query(term)) for term in terms])
            for terms in word
        ]
        if len(alternatives) == 1:
            return alternatives[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, alternative) for alternative in alternatives])

    def _build_query(self, query: SearchQuery, words: list[_Word]) -> tantivy.Query:
        schema = self._schema
        clauses = [(tantivy.Occur.Must, self._word_query(word)) for word in words]
        if query.categories:
            clauses.append(
                (
                    tantivy.Occur.Must,
                    tantivy.Query.term_set_query(schema, "category_slug", list(query.categories)),
                )
            )
        for tag in query.tags:
            clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "tags", tag.lower())))
        if query.price_min is not None or query.price_max is not None:
            price = tantivy.Query.range_query(
                schema,
                "price_sort",
                tantivy.FieldType.Integer,
                query.price_min,
                query.price_max,
            )
            clauses.append((tantivy.Occur.Must, price))
        if query.min_rating is not None:
            rating = tantivy.Query.range_query(schema, "rating", tantivy.FieldType.Float, float(query.min_rating), None)
            clauses.append((tantivy.Occur.Must, rating))
        if not clauses:
            return tantivy.Query.all_query()
        if not words:
            # Filters only: every document passing them matches.
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def _facets(self, searcher: tantivy.Searcher, tantivy_query: tantivy.Query) -> dict[str, list[tuple[str, int]]]:
        def terms(field: str) -> dict[str, Any]:
            return {
                "terms": {
                    "field": field,
                    "size": FACET_SEGMENT_SIZE,
                    "segment_size": FACET_SEGMENT_SIZE,
                }
            }

        price_ranges = []
        for bucket in PRICE_BUCKETS:
            bounds: dict[str, Any] = {"key": bucket.key}
            if bucket.min_cents is not None:
                bounds["from"] = bucket.min_cents
            if bucket.max_cents is not None:
                bounds["to"] = bucket.max_cents
            price_ranges.append(bounds)
        star_ranges = [{"key": str(star), "from": star, "to": star + 1} for star in range(1, 5)]
        star_ranges.append({"key": "5", "from": 5})
        aggregations = searcher.aggregate(
            tantivy_query,
            {
                "category": terms("category_slug"),
                "tags": terms("tags"),
                "price_range": {"range": {"field": "price_sort", "ranges": price_ranges}},
                "rating": {"range": {"field": "rating", "ranges": star_ranges}},
            },
        )

        def buckets(name: str) -> dict[str, int]:
            return {
                str(bucket["key"]): int(bucket["doc_count"]) for bucket in aggregations.get(name, {}).get("buckets", [])
            }

        price_counts = buckets("price_range")
        star_counts = {int(key): count for key, count in buckets("rating").items() if key.isdigit()}
        return {
            "category": sort_facet_values(buckets("category"), CATEGORY_FACET_SIZE),
            "tags": sort_facet_values(buckets("tags"), TAG_FACET_SIZE),
            "price_range": [(b.key, price_counts.get(b.key, 0)) for b in PRICE_BUCKETS],
            "rating": rating_facet(star_counts),
        }

    def _hit(
        self, payload: dict[str, Any], is_match: Callable[[str], bool], *, summary: bool = True, lang: str = ""
    ) -> SearchHit:
        # A translation into the buyer's language replaces the title, and the summary if it has one.
        title, translated_summary = payload.get("translations", {}).get(lang, (payload["title"], ""))
        summary_text = translated_summary or payload["summary"]
        return SearchHit(
            id=payload["id"],
            title=title,
            title_html=self._highlight(title, is_match),
            summary_html=self._highlight(summary_text, is_match) if summary else "",
            category_slug=payload["category_slug"],
            shop_slug=payload["shop_slug"],
            shop_name=payload["shop_name"],
            price_minor=payload["price_minor"],
            currency=payload["currency"],
            rating=payload["rating"],
            review_count=payload["review_count"],
            category_name=payload.get("category_name", ""),
            product_slug=payload.get("product_slug", ""),
            cover_key=payload.get("cover_key"),
            pricing=payload.get("pricing", "fixed"),
        )

    def _highlight(self, text: str, is_match: Callable[[str], bool]) -> str:
        if not text:
            return ""
        spans = []
        if has_japanese(text):
            # Japanese runs are one (long, dropped) token to the analyzer, several words to the index.
            for start, end in word_spans(text):
                analyzed = self._analyzer.analyze(text[start:end])
                if analyzed and is_match(analyzed[0]):
                    spans.append((start, end))
            tokenized = blank_japanese(text)
        else:
            tokenized = text
        spans.extend(
            (token.char_offset_from, token.char_offset_to)
            for token in self._analyzer.pre_tokenize(tokenized).tokens
            if is_match(token.text)
        )
        # The compound pattern is slow to fail: try it only on a text with a hyphen.
        for match in _COMPOUND.finditer(text) if "-" in text else ():
            joined = self._analyzer.analyze(match.group().replace("-", ""))
            if joined and is_match(joined[0]):
                spans.append(match.span())
        return marked_html(text, spans)


def _token_matcher(words: list[_Word]) -> Callable[[str], bool]:
    """Whether an indexed word matches any query term; remembers answers, since the
    titles and summaries of one page repeat many words."""
    flat = [term for word in words for terms in word for term in terms]

    @cache
    def is_match(token: str) -> bool:
        return any(term.matches(token) for term in flat)

    return is_match

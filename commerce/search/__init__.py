"""Product search: the SearchIndex port and its engines.

- `port`: SearchIndex protocol, SearchDocument / SearchQuery / SearchResult, errors.
- `embedded.TantivySearchIndex(index_dir)`: the default, a tantivy index on disk.
- `meili.MeiliSearchIndex(url, api_key)`: Meilisearch; call `configure()` once.
- `words`: the other number of a word ("template" / "templates"), indexed by both engines.
- `documents.build_search_document(...)`: a published product as a SearchDocument.
- `indexer`: dirty products into the index in batches; `rebuild()` for the CLI.
- `tasks`: the reindex job, scheduled after a catalogue change commits.
- `service`: the search page (URL parameters, facets, database fallback) and the
  navbar's `quick_cards` (no facets, cards from the index documents, kept per index
  version) and `quick_search` (the same, or the database when the engine cannot answer).
- `recommendations`: buyers also bought, similar products, popular this week.

The engines are imported from their modules so that loading the port does not load
either engine's client library.
"""

from commerce.search.port import (
    SearchDocument,
    SearchError,
    SearchHit,
    SearchIndex,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    search_index,
)

__all__ = [
    "search_index",
    "SearchDocument",
    "SearchError",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "SearchUnavailable",
]

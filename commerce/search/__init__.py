"""Product search: the SearchIndex port and its engines.

- `port`: SearchIndex protocol, SearchDocument / SearchQuery / SearchResult, errors.
- `embedded.TantivySearchIndex(index_dir)`: the default, a tantivy index on disk.
- `meili.MeiliSearchIndex(url, api_key)`: Meilisearch; call `configure()` once.
- `documents.build_search_document(...)`: a published product as a SearchDocument.

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
)

__all__ = [
    "SearchDocument",
    "SearchError",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "SearchUnavailable",
]

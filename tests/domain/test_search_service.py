"""The search page's service on both databases: engine results, fallback, suggestions."""

from __future__ import annotations

import pytest

from commerce.catalog import products
from commerce.search.embedded import TantivySearchIndex
from commerce.search.indexer import reindex_dirty
from commerce.search.port import SearchUnavailable
from commerce.search.service import SearchParams, TextPart, quick_search, search_products
from tests.fixtures.catalog import live_product, make_admin, make_seller


class EngineDown:
    """An engine that cannot be reached, as Meilisearch is when its server is down."""

    def search(self, query):
        raise SearchUnavailable("connection refused")


@pytest.fixture
def catalogue(s, tmp_path):
    seller, admin = make_seller(s), make_admin(s)
    made = {}
    for title, category in [
        ("The Indie Maker Ebook", "ebooks"),
        ("Python Patterns Ebook", "ebooks"),
        ("Photography Basics Course", "courses"),
        ("Watercolor Textures", "graphics"),
    ]:
        view = live_product(s, seller, admin, title=title)
        products.update_product(s, seller, view.id, category_slug=category, summary=f"All about {title.lower()}.")
        made[title] = view.id
    index = TantivySearchIndex(tmp_path / "index")
    s.flush()
    reindex_dirty(index)
    return index, seller, made


def titles(view) -> list[str]:
    return sorted(card.title for card in view.cards)


def test_misspelt_search_finds_ebooks_with_highlights_and_facets(s, catalogue):
    index, _, _ = catalogue
    view = search_products(s, SearchParams(q="ebok"), index=index)
    assert titles(view) == ["Python Patterns Ebook", "The Indie Maker Ebook"]
    assert not view.degraded
    card = next(card for card in view.cards if card.title.startswith("Python"))
    assert card.title_parts == [TextPart("Python Patterns "), TextPart("Ebook", marked=True)]
    assert card.url.startswith("/p/inkwell/")
    category = next(facet for facet in view.facets if facet.name == "category")
    assert [(o.value, o.label, o.count, o.selected) for o in category.options] == [("ebooks", "E-books", 2, False)]
    assert category.options[0].url == "/search?q=ebok&category=ebooks"


def test_category_filter_changes_counts_and_keeps_the_selected_option(s, catalogue):
    index, _, _ = catalogue
    everything = search_products(s, SearchParams(), index=index)
    counts = {o.value: o.count for o in everything.facets[0].options}
    assert counts == {"ebooks": 2, "courses": 1, "graphics": 1}
    view = search_products(s, SearchParams(categories=("courses",)), index=index)
    assert titles(view) == ["Photography Basics Course"]
    options = view.facets[0].options
    assert [(o.value, o.count, o.selected) for o in options] == [("courses", 1, True)]
    assert options[0].url == "/search"  # unticking clears the filter


def test_engine_down_falls_back_to_the_database_and_says_so(s, catalogue):
    view = search_products(s, SearchParams(q="python ebook"), index=EngineDown())
    assert view.degraded
    assert titles(view) == ["Python Patterns Ebook"]
    assert view.facets == []
    assert search_products(s, SearchParams(q="100%_"), index=EngineDown()).cards == []
    assert [c.title for c in quick_search(s, "watercolor", index=EngineDown())] == ["Watercolor Textures"]


def test_fallback_shows_only_what_buyers_may_see(s, catalogue):
    _, seller, made = catalogue
    products.unpublish_product(s, seller, made["Python Patterns Ebook"])
    view = search_products(s, SearchParams(q="ebook"), index=EngineDown())
    assert titles(view) == ["The Indie Maker Ebook"]


def test_a_hit_hidden_since_the_last_indexing_is_not_shown(s, catalogue):
    index, seller, made = catalogue
    products.unpublish_product(s, seller, made["Python Patterns Ebook"])  # not reindexed yet
    assert titles(search_products(s, SearchParams(q="ebook"), index=index)) == ["The Indie Maker Ebook"]


def test_no_results_suggests_searches_that_find_something(s, catalogue):
    index, _, _ = catalogue
    view = search_products(s, SearchParams(q="python zebra"), index=index)
    assert view.total == 0
    labels = [suggestion.label for suggestion in view.suggestions]
    assert labels[0] == '"python"'
    assert {"E-books", "Courses", "Graphics"} <= set(labels)
    filtered = search_products(s, SearchParams(q="watercolor", categories=("ebooks",)), index=index)
    assert filtered.suggestions[0].label == '"watercolor" in all products'
    assert filtered.suggestions[0].url == "/search?q=watercolor"
    assert filtered.suggestions[0].count == 1


def test_pages_link_to_each_other(s, catalogue, monkeypatch):
    import commerce.search.service as service

    index, _, _ = catalogue
    monkeypatch.setattr(service, "PER_PAGE", 1)
    view = search_products(s, SearchParams(page=2), index=index)
    assert (view.total, view.total_pages, len(view.cards)) == (4, 4, 1)
    assert view.previous_url == "/search"
    assert view.next_url == "/search?page=3"
    assert [(p.number, p.current) for p in view.pages] == [(1, False), (2, True), (3, False), (4, False)]

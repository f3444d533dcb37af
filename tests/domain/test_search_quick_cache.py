"""The navbar's dropdown keeps its answers per version of the index: the same words
typed again cost no search, and any commit to the index (a product hidden by its
seller or a moderator, by this process or another one) is seen at the next keystroke."""

from __future__ import annotations

import pytest

from commerce import i18n
from commerce.catalog import products
from commerce.search.embedded import TantivySearchIndex
from commerce.search.indexer import reindex_dirty
from commerce.search.port import answers_in_process
from commerce.search.service import quick_cards
from tests.fixtures.catalog import live_product, make_admin, make_seller


class CountingIndex(TantivySearchIndex):
    """The embedded engine, counting the searches that reach it."""

    def __init__(self, index_dir):
        super().__init__(index_dir)
        self.searches = 0

    def search(self, query):
        self.searches += 1
        return super().search(query)


@pytest.fixture
def shop(s, tmp_path):
    seller, admin = make_seller(s), make_admin(s)
    made = {
        title: live_product(s, seller, admin, title=title, price="5.00").id
        for title in ("Watercolor Textures", "Watercolor Brushes")
    }
    index = CountingIndex(tmp_path / "index")
    s.flush()
    reindex_dirty(index)
    return index, seller, admin, made


def titles(cards) -> list[str]:
    return sorted(card.title for card in cards)


def test_the_same_words_again_are_answered_without_a_search(shop):
    index, _, _, _ = shop
    first = quick_cards("water", index=index)
    assert titles(first) == ["Watercolor Brushes", "Watercolor Textures"]
    assert index.searches == 1
    assert quick_cards("water", index=index) == first
    assert quick_cards("  water ", index=index) == first  # the same words
    assert index.searches == 1
    assert titles(quick_cards("watercolor b", index=index)) == ["Watercolor Brushes"]
    assert index.searches == 2


def test_the_dropdown_loses_a_product_once_the_index_does(s, shop):
    index, seller, admin, made = shop
    assert titles(quick_cards("water", index=index)) == ["Watercolor Brushes", "Watercolor Textures"]
    products.unpublish_product(s, seller, made["Watercolor Brushes"])
    reindex_dirty(index)
    assert titles(quick_cards("water", index=index)) == ["Watercolor Textures"]
    products.reject_product(s, admin, made["Watercolor Textures"], reason="Blurry previews.")
    reindex_dirty(index)
    assert quick_cards("water", index=index) == []
    assert index.searches == 3


def test_a_commit_by_another_process_is_seen_at_the_next_keystroke(s, shop, tmp_path):
    index, seller, _, made = shop
    assert titles(quick_cards("water", index=index)) == ["Watercolor Brushes", "Watercolor Textures"]
    worker = TantivySearchIndex(tmp_path / "index")  # a job worker's engine on the same folder
    products.unpublish_product(s, seller, made["Watercolor Brushes"])
    reindex_dirty(worker)
    assert titles(quick_cards("water", index=index)) == ["Watercolor Textures"]


def test_prices_are_labelled_in_the_tabs_language_even_when_kept(shop):
    index, _, _, _ = shop
    with i18n.use_language("en"):
        assert {card.price_label for card in quick_cards("water", index=index)} == {"$5.00"}
    with i18n.use_language("de"):
        assert {card.price_label for card in quick_cards("water", index=index)} == {"5,00\xa0$"}  # a no-break space
    with i18n.use_language("en"):
        assert {card.price_label for card in quick_cards("water", index=index)} == {"$5.00"}


def test_a_large_embedded_index_is_searched_off_the_event_loop(shop, monkeypatch):
    index, _, _, _ = shop
    assert answers_in_process(index)  # two products: searched on the loop
    monkeypatch.setattr(TantivySearchIndex, "ON_LOOP_MAX_DOCUMENTS", 1)
    assert not answers_in_process(index)

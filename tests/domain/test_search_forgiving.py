"""Search that forgives, on the demo catalogue (`make run`'s 30 products, loaded by
commerce.demo into the test database and indexed by the real indexer).

A buyer who types a kind of product ("template", "e-book", "font", "course"),
misspelt, in the plural or as a spelling variant, finds every product of that kind,
as the header's as-you-type box and the results page show them.
"""

from __future__ import annotations

import pytest

from commerce import demo
from commerce.search.embedded import TantivySearchIndex
from commerce.search.indexer import reindex_dirty
from commerce.search.service import SearchParams, quick_search, search_products

TEMPLATES = {"Notion Life Planner", "Freelance Invoice Kit", "Startup Pitch Deck", "Minimal Resume Template"}
EBOOKS = {"The Indie Maker Ebook", "Writing Better Docs", "Python Patterns Ebook", "Poetry of Machines"}
FONTS = {"Retro Pixel Font", "Humanist Sans Family", "Handwritten Script Font"}
COURSES = {"Pricing Digital Products", "Photography Basics Course", "Video Editing Course"}
ICONS = {"Icon Set: 500 Line Icons"}


@pytest.fixture
def demo_index(s, tmp_path):
    demo.seed_demo(s)
    s.flush()
    index = TantivySearchIndex(tmp_path / "index")
    reindex_dirty(index)
    return index


def found(s, index, text: str) -> set[str]:
    return {card.title for card in search_products(s, SearchParams(q=text), index=index).cards}


KIND_SEARCHES = [
    ("tempalte", TEMPLATES),  # a swap of two letters; was 1 of the 4
    ("template", TEMPLATES),
    ("templates", TEMPLATES),  # the plural finds "Minimal Resume Template"
    ("tempaltes", TEMPLATES),
    ("templ", TEMPLATES),  # as typed, a prefix
    ("ebok", EBOOKS),  # was 2 of the 4
    ("ebook", EBOOKS),
    ("ebooks", EBOOKS),
    ("e-book", EBOOKS),
    ("e-books", EBOOKS),
    ("pdf", EBOOKS),  # one-way synonym
    ("font", FONTS),
    ("fonts", FONTS),
    ("typeface", FONTS),
    ("fnts", FONTS),  # one letter left out of a 5-letter word
    ("fnt", set()),  # two are too many
    ("course", COURSES),
    ("courses", COURSES),
    ("tutorials", COURSES),
    ("icon", ICONS),
]


def test_kind_words_find_every_product_of_that_kind(s, demo_index):
    # One test for the list: loading the demo catalogue is the slow part.
    results = {typed: found(s, demo_index, typed) for typed, _ in KIND_SEARCHES}
    assert {typed: results[typed] for typed, expected in KIND_SEARCHES if results[typed] != expected} == {}


def test_plural_and_singular_of_a_title_word_find_each_other(s, demo_index):
    assert "Handwritten Script Font" in found(s, demo_index, "scripts")
    assert "Lo-fi Drum Samples" in found(s, demo_index, "sample")
    assert "Cinematic LUT Pack" in found(s, demo_index, "presets")
    assert "Cinematic LUT Pack" in found(s, demo_index, "preset")
    assert "Cinematic LUT Pack" in found(s, demo_index, "luts")


def test_kind_words_combine_with_other_words(s, demo_index):
    assert found(s, demo_index, "resume tempalte") == {"Minimal Resume Template"}
    assert found(s, demo_index, "productivity templates") == {"Notion Life Planner", "Freelance Invoice Kit"}


def test_the_header_dropdown_finds_the_same_kinds_without_facets_or_the_database(s, demo_index, monkeypatch):
    cards = quick_search(s, "tempalte", limit=6, index=demo_index)
    assert {card.title for card in cards} == TEMPLATES
    resume = next(card for card in cards if card.title == "Minimal Resume Template")
    assert resume.url == "/p/inkwell-press/minimal-resume-template"
    assert resume.shop_name == "Inkwell Press"
    assert resume.price_label == "$5.00+"
    assert resume.cover_url
    assert resume.cover_url.startswith("/api/media/covers/")
    assert any(part.marked for part in resume.title_parts)

    # Per keystroke the cards come from the index documents: no SQL at all.
    def no_sql(*args, **kwargs):
        raise AssertionError("quick_search ran a query")

    monkeypatch.setattr(s, "exec", no_sql)
    monkeypatch.setattr(s, "execute", no_sql)
    assert {card.title for card in quick_search(s, "ebok", limit=6, index=demo_index)} == EBOOKS

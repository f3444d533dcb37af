"""Building search documents from catalogue rows, and the rules of a search query."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from commerce.errors import ValidationError
from commerce.models import ModerationStatus, ProductStatus
from commerce.models.catalog import Category, Product
from commerce.models.shops import Shop
from commerce.search.documents import (
    build_search_document,
    markdown_to_text,
    normalise_tags,
    to_usd_cents,
)
from commerce.search.embedded import longer_words_pattern
from commerce.search.highlight import marked_html, within_edits
from commerce.search.port import PRICE_BUCKETS, SearchQuery, allowed_typos, typo_budget

RATES = {"EUR": Decimal("1.08"), "JPY": Decimal("0.0067"), "BHD": Decimal("2.65")}
PUBLISHED = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def make_product(**changes) -> Product:
    fields = dict(
        id=7,
        shop_id=1,
        slug="film-guide",
        title="Film Photography Guide",
        summary="Shoot, develop, scan.",
        description="# Start\n\nLoad the **film** and read [the manual](https://x.test).\n\n"
        "<script>alert(1)</script>\n\n```\nISO 400\n```",
        category_id=3,
        price_amount=1500,
        currency="EUR",
        status=ProductStatus.PUBLISHED,
        moderation_status=ModerationStatus.APPROVED,
        published_at=PUBLISHED,
    )
    fields.update(changes)
    return Product(**fields)


SHOP = Shop(id=1, owner_id=1, slug="darkroom", name="Darkroom Studio")
CATEGORY = Category(id=3, slug="ebooks", name="E-books")


def test_document_carries_the_product_shop_and_category():
    doc = build_search_document(
        make_product(),
        SHOP,
        CATEGORY,
        tags=["Film", " film ", "Analog  Photo", ""],
        rating=4.456,
        review_count=9,
        sales_count=31,
        usd_rates=RATES,
    )
    assert doc.id == 7
    assert doc.title == "Film Photography Guide"
    assert doc.description == "Start Load the film and read the manual. ISO 400"
    assert doc.tags == ("film", "analog photo")
    assert (doc.category_slug, doc.category_name) == ("ebooks", "E-books")
    assert (doc.shop_slug, doc.shop_name) == ("darkroom", "Darkroom Studio")
    assert (doc.price_minor, doc.currency, doc.price_sort) == (1500, "EUR", 1620)
    assert doc.rating == 4.46
    assert (doc.review_count, doc.sales_count) == (9, 31)
    assert doc.published_at == PUBLISHED


def test_uncategorised_product_has_blank_category():
    doc = build_search_document(
        make_product(category_id=None),
        SHOP,
        None,
        tags=[],
        rating=0,
        review_count=0,
        sales_count=0,
        usd_rates=RATES,
    )
    assert (doc.category_slug, doc.category_name) == ("", "")


@pytest.mark.parametrize("changes", [{"id": None}, {"published_at": None}])
def test_unsaved_or_unpublished_products_are_refused(changes):
    with pytest.raises(ValueError, match="only saved, published products are indexed"):
        build_search_document(
            make_product(**changes),
            SHOP,
            CATEGORY,
            tags=[],
            rating=0,
            review_count=0,
            sales_count=0,
            usd_rates=RATES,
        )


@pytest.mark.parametrize(
    ("amount", "currency", "cents"),
    [(999, "USD", 999), (1500, "EUR", 1620), (1500, "JPY", 1005), (1000, "BHD", 265)],
)
def test_prices_convert_to_usd_cents_by_currency_exponent(amount, currency, cents):
    assert to_usd_cents(amount, currency, RATES) == cents


def test_a_currency_without_a_rate_is_an_error():
    with pytest.raises(ValueError, match="GBP"):
        to_usd_cents(100, "GBP", RATES)


def test_markdown_keeps_words_and_drops_markup_and_raw_html():
    assert markdown_to_text("- one\n- *two*\n\n![cover art](c.png)") == "one two cover art"
    assert "script" not in markdown_to_text("<script>alert(1)</script>")


def test_tags_are_lowercased_and_deduplicated_in_order():
    assert normalise_tags(["B", "a", "b ", "  "]) == ("b", "a")


def test_price_bucket_bounds_meet_without_overlap():
    for lower, upper in zip(PRICE_BUCKETS, PRICE_BUCKETS[1:], strict=False):
        assert lower.max_cents == upper.min_cents
        assert lower.contains(lower.max_cents - 1)
        assert not lower.contains(lower.max_cents)
    assert PRICE_BUCKETS[1].filter_bounds == (500, 1999)
    assert PRICE_BUCKETS[-1].filter_bounds == (5000, None)


@pytest.mark.parametrize(("word", "typos"), [("ebok", 0), ("ebook", 1), ("photograf", 2)])
def test_typos_allowed_grow_with_word_length(word, typos):
    assert allowed_typos(word) == typos


@pytest.mark.parametrize(
    ("word", "target", "edits", "expected"),
    [
        ("ebok", "ebook", 1, True),
        ("eobok", "ebook", 1, True),  # swapped neighbours count once
        ("photografy", "photography", 2, True),
        ("photografy", "photography", 1, False),
        ("book", "bookshelf", 2, False),
        ("tempalte", "template", 1, True),
        ("café", "cafe", 1, True),  # letters, not bytes
        ("tmeplaet", "template", 1, False),
    ],
)
def test_edit_distance_counts_like_the_engines(word, target, edits, expected):
    assert within_edits(word, target, edits) is expected


def test_marked_html_escapes_text_and_merges_spans():
    assert marked_html("<b>Tom & Jerry</b>", [(3, 6), (5, 6), (9, 14)]) == (
        "&lt;b&gt;<mark>Tom</mark> &amp; <mark>Jerry</mark>&lt;/b&gt;"
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "x" * 201},
        {"sort": "cheapest"},
        {"page": 0},
        {"per_page": 0},
        {"per_page": 101},
        {"page": 500, "per_page": 24},
        {"price_min": -1},
        {"price_min": 2000, "price_max": 1000},
        {"min_rating": 6},
    ],
)
def test_bad_queries_are_refused_with_a_clear_message(fields):
    with pytest.raises(ValidationError) as caught:
        SearchQuery(**fields)
    assert caught.value.message.endswith(".")


@pytest.mark.parametrize(
    ("query_word", "indexed_word", "budget"),
    [
        ("ebok", "ebook", 1),
        ("ebook", "ebok", 1),
        ("sett", "set", 0),
        ("templete", "templates", 1),
        ("photograf", "photo", 2),
    ],
)
def test_the_longer_word_sets_the_typo_budget(query_word, indexed_word, budget):
    assert typo_budget(query_word, indexed_word) == budget


def test_longer_word_patterns_are_exactly_the_extra_matches_the_rule_allows():
    # Compare the embedded engine's regexes (plus its fuzzy query) with the rule
    # itself over random words near random query words.
    rng = random.Random(7)
    letters = "abcde"
    for _ in range(2000):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(2, 9)))
        candidate = list(word)
        for _ in range(rng.randint(0, 3)):
            position = rng.randint(0, len(candidate))
            operation = rng.choice("isd")
            if operation == "i":
                candidate.insert(position, rng.choice(letters))
            elif position < len(candidate) and (operation == "s" or len(candidate) > 1):
                if operation == "s":
                    candidate[position] = rng.choice(letters)
                else:
                    del candidate[position]
        other = "".join(candidate)
        allowed = within_edits(other, word, typo_budget(word, other))
        pattern = longer_words_pattern(word)
        engine = within_edits(other, word, allowed_typos(word)) or bool(
            pattern and re.fullmatch(f"(?:{pattern})", other)
        )
        assert engine == allowed, (word, other)


def test_a_four_letter_word_reaches_five_letter_words_by_one_insertion():
    assert longer_words_pattern("ebok") == ".ebok|e.bok|eb.ok|ebo.k|ebok."
    assert longer_words_pattern("set") is None
    assert longer_words_pattern("ebook") is None

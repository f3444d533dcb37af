"""Recommendations from paid orders and the search engine, on both databases."""

from __future__ import annotations

import pytest

from commerce.catalog import products
from commerce.models import OrderStatus
from commerce.search.embedded import TantivySearchIndex
from commerce.search.indexer import reindex_dirty
from commerce.search.port import SearchUnavailable
from commerce.search.recommendations import buyers_also_bought, popular_this_week, similar_products
from tests.fixtures.catalog import live_product, make_admin, make_seller
from tests.fixtures.search import new_buyer, placed_order


@pytest.fixture
def sell(s):
    """`sell(title, **changes)`: one seller's product, approved and live; its id."""
    seller, admin = make_seller(s), make_admin(s)

    def make(title: str, **changes) -> int:
        product_id = live_product(s, seller, admin, title=title).id
        if changes:
            products.update_product(s, seller, product_id, **changes)
        return product_id

    make.seller = seller
    return make


def titles(cards) -> list[str]:
    return [card.title for card in cards]


def test_buyers_also_bought_ranks_by_how_many_buyers_bought_both(s, sell):
    book, course, font, icons, never = (sell(t) for t in ("Book", "Course", "Font", "Icons", "Never"))
    a, b, c, d = new_buyer(s), new_buyer(s), new_buyer(s), new_buyer(s)
    placed_order(s, a, [book, course])
    placed_order(s, b, [book])
    placed_order(s, b, [course, font])  # another order of the same buyer counts too
    placed_order(s, c, [book, icons])
    placed_order(s, d, [font, never])  # did not buy the book
    placed_order(s, c, [never], status=OrderStatus.PENDING)  # unpaid: not a purchase
    placed_order(s, a, [never], status=OrderStatus.REFUNDED)
    assert titles(buyers_also_bought(s, book)) == ["Course", "Font", "Icons"]
    # Only d's paid purchase counts for "Never": the pending and refunded ones do not.
    assert titles(buyers_also_bought(s, never)) == ["Font"]


def test_buyers_also_bought_is_empty_without_orders_and_hides_invisible(s, sell):
    book, course = sell("Book"), sell("Course")
    assert buyers_also_bought(s, book) == []
    placed_order(s, new_buyer(s), [book, course])
    products.unpublish_product(s, sell.seller, course)
    assert buyers_also_bought(s, book) == []


def test_popular_this_week_counts_recent_paid_sales_only(s, sell):
    book, course, font = sell("Book"), sell("Course"), sell("Font")
    assert popular_this_week(s) == []
    for _ in range(3):
        placed_order(s, new_buyer(s), [course])
    placed_order(s, new_buyer(s), [book], days_ago=2)
    placed_order(s, new_buyer(s), [book], days_ago=6.5)
    for _ in range(5):
        placed_order(s, new_buyer(s), [font], days_ago=8)  # last week's best seller
    placed_order(s, new_buyer(s), [font], status=OrderStatus.PENDING)
    assert titles(popular_this_week(s)) == ["Course", "Book"]


@pytest.fixture
def similar_shop(s, sell, tmp_path):
    made = {
        "Watercolor Brushes": sell("Watercolor Brushes", category_slug="graphics", tags="paint, procreate"),
        "Watercolor Textures": sell("Watercolor Textures", category_slug="graphics", tags="paint"),
        "Procreate Stamps": sell("Procreate Stamps", category_slug="graphics", tags="procreate"),
        "Mountain Photos": sell("Mountain Photos", category_slug="graphics"),
        "Python Ebook": sell("Python Ebook", category_slug="ebooks", tags="python"),
    }
    index = TantivySearchIndex(tmp_path / "index")
    s.flush()
    reindex_dirty(index)
    return made, index


def test_similar_products_share_words_tags_and_category(s, similar_shop):
    made, index = similar_shop
    similar = titles(similar_products(s, made["Watercolor Brushes"], index=index))
    # Title word + tag + category, then tag + category, then category only.
    assert similar == ["Watercolor Textures", "Procreate Stamps", "Mountain Photos"]
    assert similar_products(s, made["Python Ebook"], index=index) == []


class EngineDown:
    def search(self, query):
        raise SearchUnavailable("down")


def test_similar_products_fall_back_to_the_category_when_the_engine_is_down(s, similar_shop):
    made, _ = similar_shop
    similar = titles(similar_products(s, made["Watercolor Brushes"], index=EngineDown()))
    assert sorted(similar) == ["Mountain Photos", "Procreate Stamps", "Watercolor Textures"]

"""Recommendations from paid orders and the search engine, on both databases."""

from __future__ import annotations

import itertools
from contextlib import nullcontext
from datetime import timedelta
from decimal import Decimal

import pytest

from commerce.catalog import products
from commerce.kit.time import utcnow
from commerce.models import Order, OrderLine, OrderStatus, Product, User, UserRole
from commerce.search.embedded import TantivySearchIndex
from commerce.search.indexer import reindex_dirty
from commerce.search.port import SearchUnavailable
from commerce.search.recommendations import buyers_also_bought, popular_this_week, similar_products
from tests.domain.catalog_support import (
    live_product,
    make_admin,
    make_seller,
    store,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.usefixtures("store")
_numbers = itertools.count(1)


def buyer(s) -> int:
    n = next(_numbers)
    user = User(email=f"buyer{n}@example.com", display_name=f"Buyer {n}", password_hash="!", role=UserRole.BUYER)
    s.add(user)
    s.flush()
    return user.id


def order(
    s, buyer_id: int, product_ids: list[int], *, status: OrderStatus = OrderStatus.PAID, days_ago: float = 1
) -> None:
    paid_at = utcnow() - timedelta(days=days_ago)
    placed = Order(
        reference=f"ORD-{next(_numbers)}",
        buyer_id=buyer_id,
        email="b@example.com",
        currency="USD",
        subtotal=100,
        discount=0,
        tax=0,
        total=100,
        status=status,
        created_at=paid_at,
        paid_at=paid_at if status != OrderStatus.PENDING else None,
    )
    s.add(placed)
    s.flush()
    for product_id in product_ids:
        shop_id = s.get(Product, product_id).shop_id
        s.add(
            OrderLine(
                order_id=placed.id,
                product_id=product_id,
                shop_id=shop_id,
                title="x",
                list_amount=100,
                list_currency="USD",
                exchange_rate=Decimal(1),
                unit_price=100,
                discount=0,
                net=100,
                tax_rate_bps=0,
                tax=0,
                total=100,
            )
        )
    s.flush()


@pytest.fixture
def shop(s):
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


def test_buyers_also_bought_ranks_by_how_many_buyers_bought_both(s, shop):
    book, course, font, icons, never = (shop(t) for t in ("Book", "Course", "Font", "Icons", "Never"))
    a, b, c, d = buyer(s), buyer(s), buyer(s), buyer(s)
    order(s, a, [book, course])
    order(s, b, [book])
    order(s, b, [course, font])  # another order of the same buyer counts too
    order(s, c, [book, icons])
    order(s, d, [font, never])  # did not buy the book
    order(s, c, [never], status=OrderStatus.PENDING)  # unpaid: not a purchase
    order(s, a, [never], status=OrderStatus.REFUNDED)
    assert titles(buyers_also_bought(s, book)) == ["Course", "Font", "Icons"]
    # Only d's paid purchase counts for "Never": the pending and refunded ones do not.
    assert titles(buyers_also_bought(s, never)) == ["Font"]


def test_buyers_also_bought_is_empty_without_orders_and_hides_invisible(s, shop):
    book, course = shop("Book"), shop("Course")
    assert buyers_also_bought(s, book) == []
    order(s, buyer(s), [book, course])
    products.unpublish_product(s, shop.seller, course)
    assert buyers_also_bought(s, book) == []


def test_popular_this_week_counts_recent_paid_sales_only(s, shop):
    book, course, font = shop("Book"), shop("Course"), shop("Font")
    assert popular_this_week(s) == []
    for _ in range(3):
        order(s, buyer(s), [course])
    order(s, buyer(s), [book], days_ago=2)
    order(s, buyer(s), [book], days_ago=6.5)
    for _ in range(5):
        order(s, buyer(s), [font], days_ago=8)  # last week's best seller
    order(s, buyer(s), [font], status=OrderStatus.PENDING)
    assert titles(popular_this_week(s)) == ["Course", "Book"]


@pytest.fixture
def similar_shop(s, shop, tmp_path):
    made = {
        "Watercolor Brushes": shop("Watercolor Brushes", category_slug="graphics", tags="paint, procreate"),
        "Watercolor Textures": shop("Watercolor Textures", category_slug="graphics", tags="paint"),
        "Procreate Stamps": shop("Procreate Stamps", category_slug="graphics", tags="procreate"),
        "Mountain Photos": shop("Mountain Photos", category_slug="graphics"),
        "Python Ebook": shop("Python Ebook", category_slug="ebooks", tags="python"),
    }
    index = TantivySearchIndex(tmp_path / "index")
    reindex_dirty(index, session_scope=lambda: nullcontext(s))
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

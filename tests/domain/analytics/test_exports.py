"""Sales and customers CSV: the shop's own rows, in batches, with buyers' privacy choices."""

import csv
import io

import pytest
from sqlmodel import select

from commerce.analytics import exports
from commerce.errors import PermissionDenied
from commerce.models import OrderLine
from commerce.notifications.preferences import set_share_email
from tests.fixtures.analytics import buy, refund, sessions


def parse(chunks) -> list[dict]:
    return list(csv.DictReader(io.StringIO("".join(chunks))))


@pytest.fixture
def sales(world, monkeypatch):
    """Three buyers of a EUR shop (one pays in USD, one keeps their email private), plus a
    sale in another shop that must not appear."""
    monkeypatch.setattr(exports, "BATCH", 2)  # several batches, and buyers spanning them
    shop = world.shop("EUR")
    ebook, course = world.product(shop, 1000, title='=HYPERLINK("x")'), world.product(shop, 2500)
    ada, bob, cy = world.user(email="ada@example.com"), world.user(email="bob@example.com"), world.user()
    set_share_email(world.s, world.buyer_actor(bob), enabled=False)
    first = buy(world, ada, [ebook, course], currency="EUR", country="FR")
    buy(world, bob, [ebook], currency="USD", country="US")
    buy(world, ada, [world.product(shop, 500)], currency="EUR", country="FR")
    line = world.s.exec(
        select(OrderLine).where(OrderLine.order_id == first.id, OrderLine.product_id == course.id)
    ).one()
    refund(world, shop, first, {line.id: line.total})
    other = world.shop()
    buy(world, cy, [world.product(other, 700)], currency="USD")
    return dict(shop=shop, ada=ada, bob=bob, first=first)


def test_sales_csv_lists_the_shops_lines_with_revenue_in_its_currency(world, sales):
    rows = parse(exports.sales_csv(sessions(world), world.seller_actor(sales["shop"])))

    assert len(rows) == 4
    assert rows[0]["order"] == sales["first"].reference
    assert rows[0]["product"].startswith("'=HYPERLINK")  # a formula is defused, not run
    assert (rows[0]["price"], rows[0]["revenue"], rows[0]["shop_currency"]) == ("10.00", "9.50", "EUR")
    refunded = rows[1]
    assert (refunded["status"], refunded["refunded"], refunded["revenue"]) == (
        "partially_refunded",
        "30.00",
        "0.00",
    )  # 25.00 + 20 % VAT
    in_dollars = rows[2]
    assert (in_dollars["order_currency"], in_dollars["price"], in_dollars["revenue"]) == ("USD", "11.60", "9.50")
    assert rows[0]["buyer"] == "ada@example.com"
    assert in_dollars["buyer"].startswith("buyer-")
    assert "bob" not in in_dollars["buyer"]


def test_customers_csv_sums_each_buyer_once_and_hides_private_emails(world, sales):
    rows = parse(exports.customers_csv(sessions(world), world.seller_actor(sales["shop"])))

    by_buyer = {row["buyer"]: row for row in rows}
    assert len(rows) == 2
    ada = by_buyer["ada@example.com"]
    assert (ada["orders"], ada["items"], ada["revenue"], ada["billing_country"]) == ("2", "3", "14.25", "FR")
    [private] = [row for buyer, row in by_buyer.items() if buyer != "ada@example.com"]
    assert private["buyer"] == exports.pseudonym(sales["shop"].id, sales["bob"].id)
    assert (private["orders"], private["revenue"]) == ("1", "9.50")
    assert "bob@example.com" not in "".join(exports.customers_csv(sessions(world), world.seller_actor(sales["shop"])))


def test_exports_are_for_the_shop_owner_only(world, sales):
    with pytest.raises(PermissionDenied):
        exports.sales_csv(sessions(world), world.buyer_actor(sales["ada"]))
    with pytest.raises(PermissionDenied):
        exports.customers_csv(sessions(world), world.buyer_actor(sales["ada"]))


def test_an_empty_shop_exports_just_the_header(world):
    shop = world.shop()
    assert parse(exports.sales_csv(sessions(world), world.seller_actor(shop))) == []
    assert "".join(exports.customers_csv(sessions(world), world.seller_actor(shop))).strip() == ",".join(
        exports.CUSTOMERS_HEADER
    )

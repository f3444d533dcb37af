"""Hostile input, tried as an attacker would (property-based where it fits): every case
either gets a clear error and changes nothing, or is stored within the field's rules.

Texts: 1 MB strings and odd Unicode (RTL marks, zero-width, combining characters, emoji,
control characters) in product, account, shop, review and discount-code fields. Amounts:
negative, zero, huge, fractional and non-numeric prices and pay-what-you-want amounts in
currencies with 0, 2 and 3 decimals. Discount codes of another shop, and stacking codes.
Uploads: a lying extension, a polyglot, a decompression bomb, a `../` file name.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from commerce import accounts
from commerce.catalog import files, images, products
from commerce.errors import DomainError, ValidationError
from commerce.models import DiscountCode, PricingMode, Product, ProductFile, ProductImage, Shop, User
from commerce.money import MAX_MAJOR_AMOUNT, currency_exponent, parse_major
from commerce.orders import discounts
from commerce.orders.cart import check_item
from commerce.orders.pricing import CartInput, price_cart

ODD = ["\u200f", "\u202e", "\u200b", "\u2060", "\u0301", "\u0000", "\u0007", "\ufeff", "👩‍👩‍👧", "🏳️‍🌈", "Z̴̧͉͝a̸l̷g̵o̶"]
hostile_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(ODD + ["a", " ", "Ω", "\n"]), max_size=200).map("".join),
    st.sampled_from(["x" * 1_000_000, "🙂" * 300_000, "\u200b" * 500_000, " " * 1_000_000, "a\u0301" * 400_000]),
)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def outcome(call):
    """(result, None) or (None, the DomainError it raised)."""
    try:
        return call(), None
    except DomainError as error:
        return None, error


def refused_or_within(s, call, count_query, limit_check):
    """Either a DomainError with a message and no new row, or a result within the rules."""
    before = s.exec(count_query).one()
    nested = s.begin_nested()
    result, error = outcome(call)
    if error is not None:
        nested.rollback()
        assert error.message.strip()
        assert s.exec(count_query).one() == before
        return None
    limit_check(result)
    nested.rollback()
    return result


@FAST
@given(title=hostile_text)
def test_product_titles(world, title):
    shop = world.shop()
    actor = world.seller_actor(shop)
    refused_or_within(
        world.s,
        lambda: products.create_product(world.s, actor, title=title, price="5"),
        select(func.count()).select_from(Product),
        lambda view: (
            1 <= len(view.title) <= 120
            and not any(ch in view.title for ch in "\u0000\u0007\u202e")
            or pytest.fail(f"stored title {view.title[:50]!r}")
        ),
    )


@FAST
@given(summary=hostile_text, description=hostile_text, tags=hostile_text)
def test_product_texts(world, summary, description, tags):
    shop = world.shop()
    product = world.product(shop, 500)
    actor = world.seller_actor(shop)

    def check(view):
        assert len(view.summary) <= 300
        assert len(view.description) <= 100_000
        assert "\u0000" not in view.summary + view.description

    refused_or_within(
        world.s,
        lambda: products.update_product(
            world.s, actor, product.id, summary=summary, description=description, tags=tags
        ),
        select(func.count()).select_from(Product),
        check,
    )


@FAST
@given(name=hostile_text)
def test_display_names_and_shop_names(world, name):
    s = world.s
    refused_or_within(
        s,
        lambda: accounts.create_account(
            s, email="hostile@example.com", password="a good long password", display_name=name, client_id="t"
        ),
        select(func.count()).select_from(User),
        lambda grant: 1 <= len(grant.user.display_name) <= 80 or pytest.fail(repr(grant.user.display_name[:40])),
    )
    buyer = world.user()
    refused_or_within(
        s,
        lambda: accounts.create_shop(s, world.buyer_actor(buyer), name=name, slug=f"shop-{buyer.id}"),
        select(func.count()).select_from(Shop),
        lambda view: None,
    )


@FAST
@given(code=hostile_text)
def test_discount_codes(world, code):
    shop = world.shop()
    refused_or_within(
        world.s,
        lambda: discounts.create_code(world.s, world.seller_actor(shop), code=code, kind="percent", percent_bps=1000),
        select(func.count()).select_from(DiscountCode),
        lambda view: len(view.code) <= 40 or pytest.fail(view.code),
    )


CURRENCIES = ["USD", "EUR", "JPY", "KWD"]
amount_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "-1",
            "-0.01",
            "0",
            "0.00",
            "1e9",
            "1E3",
            "NaN",
            "Infinity",
            "-Infinity",
            "1.5",
            "0.001",
            "12.345",
            "9" * 400,
            "1,000,000,000",
            "１２",
            "٣",
            "1_000",
            "0x10",
            " 12 ",
            "+5",
            "--5",
            "5-",
            "1.2.3",
            "¥100",
        ]
    ),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
)


@settings(max_examples=300, deadline=None)
@given(text=amount_text, currency=st.sampled_from(CURRENCIES))
def test_amounts_parse_exactly_or_are_refused(text, currency):
    money, error = outcome(lambda: parse_major(text, currency))
    if error is not None:
        assert error.message.strip()
        return
    assert isinstance(money.amount, int)
    assert 0 <= money.amount <= int(MAX_MAJOR_AMOUNT) * 10 ** currency_exponent(currency)
    assert money.currency == currency


def test_yen_has_no_minor_unit():
    with pytest.raises(ValidationError, match="JPY amounts have no decimals"):
        parse_major("1.5", "JPY")
    assert parse_major("1500", "JPY").amount == 1500


@FAST
@given(text=amount_text)
def test_pay_what_you_want_amounts(world, text):
    shop = world.shop("JPY")
    product = world.product(shop, 500, pricing=PricingMode.PWYW)
    item, error = outcome(lambda: check_item(world.s, product.id, text))
    if error is not None:
        assert error.message.strip()
        return
    assert isinstance(item.amount, int)
    assert item.amount >= 500


def test_another_shops_code_gives_nothing_and_codes_do_not_stack(world):
    mine, theirs = world.shop(), world.shop()
    product = world.product(mine, 1000)
    discounts.create_code(world.s, world.seller_actor(theirs), code="THEIRS", kind="percent", percent_bps=5000)
    discounts.create_code(world.s, world.seller_actor(mine), code="MINE", kind="percent", percent_bps=1000)
    quote = price_cart(world.s, [CartInput(product.id)], code="THEIRS", country=None, currency="USD")
    assert quote.discount == 0
    assert quote.code_message
    # One code per cart: a second code replaces the first, never adds to it.
    for stacked in ("MINE,THEIRS", "MINE THEIRS", "MINE;MINE"):
        quote = price_cart(world.s, [CartInput(product.id)], code=stacked, country=None, currency="USD")
        assert quote.discount in (0, 100)


def _png(width: int, height: int) -> bytes:
    """A tiny PNG file claiming `width` x `height` pixels (a decompression bomb when huge)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_png(50_000, 50_000), "pixels"),
        (b"MZ\x90\x00" + b"\x00" * 2000, "not an image"),
        (b"GIF89a" + b"<script>alert(1)</script>" * 20, "image"),
        (b"%PDF-1.4\n" + _png(200, 200), "not an image"),
    ],
)
def test_pictures_that_are_not_what_they_claim_are_refused(world, store, data, message):
    shop = world.shop()
    product = world.product(shop, 500)
    with pytest.raises(ValidationError, match=message):
        images.set_cover(world.s, world.seller_actor(shop), product.id, io.BytesIO(data), store=store)
    assert world.s.exec(select(ProductImage).where(ProductImage.product_id == product.id)).all() == []


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\boot.ini", "a/../../b.pdf", "/abs/path/book.pdf"])
def test_upload_names_never_climb_out(world, store, name):
    shop = world.shop()
    product = world.product(shop, 500)
    _, error = outcome(
        lambda: files.upload_file(
            world.s, world.seller_actor(shop), product.id, io.BytesIO(b"%PDF-1.4\nbook"), filename=name, store=store
        )
    )
    if error is not None:
        assert error.message.strip()
        return
    (stored,) = world.s.exec(select(ProductFile).where(ProductFile.product_id == product.id)).all()
    assert "/" not in stored.filename
    assert "\\" not in stored.filename
    assert stored.filename not in ("..", ".")
    assert stored.blob_key.startswith(f"products/{product.id}/files/")


def test_a_program_named_like_a_pdf_is_stored_as_what_it_is(world, store):
    shop = world.shop()
    product = world.product(shop, 500)
    files.upload_file(
        world.s,
        world.seller_actor(shop),
        product.id,
        io.BytesIO(b"MZ\x90\x00" + b"\x00" * 4000),
        filename="invoice.pdf",
        store=store,
    )
    (stored,) = world.s.exec(select(ProductFile).where(ProductFile.product_id == product.id)).all()
    assert stored.content_type != "application/pdf"
    # Not read in the browser as a PDF either: it can only be downloaded as what it is.
    with pytest.raises(ValidationError, match="Only PDFs, audio and video can be viewed online"):
        files.set_file_online_only(world.s, world.seller_actor(shop), stored.id, True)

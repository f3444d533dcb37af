"""Products on both databases: drafts, texts, slugs, tags, prices, publishing, moderation."""

import io

import pytest
from sqlmodel import select

from commerce.actor import Actor
from commerce.catalog import files, images, products
from commerce.catalog.queries import product_page
from commerce.errors import NotFound, PermissionDenied, ValidationError
from commerce.kit.time import utcnow
from commerce.models import (
    DeliveryKind,
    ModerationStatus,
    PricingMode,
    Product,
    ProductStatus,
    ProductTag,
    Shop,
    UserRole,
)
from tests.fixtures.catalog import live_product, make_admin, make_seller, new_product, png_bytes, publishable_product


def row(s, product_id) -> Product:
    s.expire_all()
    return s.get(Product, product_id)


def test_create_product_makes_a_priced_draft_in_the_shop_currency(s):
    seller = make_seller(s, currency="EUR")
    view = new_product(s, seller, title="  The  Indie Maker Ebook ", price="12,50")
    assert view.title == "The Indie Maker Ebook"
    assert view.slug == "the-indie-maker-ebook"
    assert (view.status, view.moderation_status) == (ProductStatus.DRAFT, ModerationStatus.PENDING)
    assert (view.price_amount, view.currency, view.pricing) == (1250, "EUR", PricingMode.FIXED)
    assert view.price_label == "€12.50"
    assert not view.is_live


def test_slugs_from_equal_titles_get_a_number(s):
    seller = make_seller(s)
    first = new_product(s, seller, title="Icons")
    second = new_product(s, seller, title="Icons")
    assert (first.slug, second.slug) == ("icons", "icons-2")


def test_two_shops_may_use_the_same_slug(s):
    a, b = make_seller(s, "alpha"), make_seller(s, "beta")
    assert new_product(s, a, title="Icons").slug == new_product(s, b, title="Icons").slug == "icons"


@pytest.mark.parametrize("title", ["", "   ", "x" * 121, "bad\x00title"])
def test_bad_titles_are_refused_and_nothing_is_created(s, title):
    seller = make_seller(s)
    with pytest.raises(ValidationError) as error:
        new_product(s, seller, title=title)
    assert error.value.field == "title"
    assert s.exec(select(Product)).all() == []


def test_update_product_changes_texts_category_and_tags(s):
    seller = make_seller(s)
    view = new_product(s, seller)
    updated = products.update_product(
        s,
        seller,
        view.id,
        title="Python Patterns, 2nd edition",
        slug="python-patterns-2e",
        summary="Idioms for growing codebases.",
        description="## Inside\n\n* 40 patterns",
        category_slug="software-apps",
        tags="Python, #Patterns,  python , design  patterns",
    )
    assert updated.title == "Python Patterns, 2nd edition"
    assert updated.slug == "python-patterns-2e"
    assert updated.category_slug == "software-apps"
    assert updated.tags == ["python", "patterns", "design patterns"]
    assert "<h2>Inside</h2>" in updated.description_html
    assert row(s, view.id).search_dirty is True


def test_tags_replace_the_old_ones(s):
    seller = make_seller(s)
    view = new_product(s, seller)
    products.update_product(s, seller, view.id, tags=["a", "b"])
    products.update_product(s, seller, view.id, tags=["b", "c"])
    stored = s.exec(select(ProductTag.tag).where(ProductTag.product_id == view.id)).all()
    assert sorted(stored) == ["b", "c"]


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ([f"tag{n}" for n in range(11)], "at most 10 tags"),
        (["x" * 31], "too long"),
        (["<script>"], "can only use"),
    ],
)
def test_bad_tags_are_refused_and_old_tags_kept(s, tags, message):
    seller = make_seller(s)
    view = new_product(s, seller)
    products.update_product(s, seller, view.id, tags=["keep"])
    with pytest.raises(ValidationError, match=message):
        products.update_product(s, seller, view.id, title="Changed", tags=tags)
    assert products.get_product_editor(s, seller, view.id).tags == ["keep"]
    assert row(s, view.id).title == "Python Patterns"


def test_duplicate_slug_in_the_same_shop_is_refused(s):
    seller = make_seller(s)
    new_product(s, seller, title="Icons")
    other = new_product(s, seller, title="Fonts")
    with pytest.raises(ValidationError, match="already has a product at the address 'icons'") as error:
        products.update_product(s, seller, other.id, slug="icons", summary="changed")
    assert error.value.field == "slug"
    assert (row(s, other.id).slug, row(s, other.id).summary) == ("fonts", "")


@pytest.mark.parametrize("slug", ["Has Spaces", "-dash", "a--b", "x" * 81, "ünï"])
def test_malformed_slugs_are_refused(s, slug):
    seller = make_seller(s)
    view = new_product(s, seller)
    with pytest.raises(ValidationError):
        products.update_product(s, seller, view.id, slug=slug)
    assert row(s, view.id).slug == "python-patterns"


def test_slug_is_stable_once_published(s):
    seller, admin = make_seller(s), make_admin(s)
    view = live_product(s, seller, admin)
    with pytest.raises(ValidationError, match="cannot change"):
        products.update_product(s, seller, view.id, slug="new-address")
    products.unpublish_product(s, seller, view.id)
    with pytest.raises(ValidationError, match="cannot change"):
        products.update_product(s, seller, view.id, slug="new-address")
    assert row(s, view.id).slug == "python-patterns"


def test_unknown_category_is_refused(s):
    seller = make_seller(s)
    view = new_product(s, seller)
    with pytest.raises(ValidationError, match="listed categories"):
        products.update_product(s, seller, view.id, category_slug="weapons")
    assert row(s, view.id).category_id is None


def test_a_ten_megabyte_description_is_refused_and_nothing_changes(s):
    seller = make_seller(s)
    view = new_product(s, seller)
    products.update_product(s, seller, view.id, description="Original text")
    with pytest.raises(ValidationError, match="at most 100 KB") as error:
        products.update_product(s, seller, view.id, title="New title", description="a" * 10_000_000)
    assert error.value.field == "description"
    assert (row(s, view.id).description, row(s, view.id).title) == ("Original text", "Python Patterns")


def test_description_is_rendered_without_scripts_or_raw_html(s):
    seller = make_seller(s)
    view = new_product(s, seller)
    hostile = (
        "<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1)) [site](https://example.com) ![pic](https://tracker.example/p.png)"
    )
    html = products.update_product(s, seller, view.id, description=hostile).description_html
    assert "<script" not in html
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown as text, not run
    assert "[click](javascript:alert(1))" in html  # not a link
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">site</a>' in html


@pytest.mark.parametrize(
    ("pricing", "price", "amount"),
    [
        ("fixed", "19", 1900),
        ("fixed", "0", 0),
        ("pwyw", "0", 0),
        ("pwyw", "4.99", 499),
        ("fixed", "1,000,000", 100_000_000),
    ],
)
def test_prices(s, pricing, price, amount):
    seller = make_seller(s)
    view = products.set_pricing(s, seller, new_product(s, seller).id, pricing=pricing, price=price)
    assert (view.pricing, view.price_amount, view.currency) == (pricing, amount, "USD")


@pytest.mark.parametrize(
    ("pricing", "price", "currency", "field", "message"),
    [
        ("fixed", "-5", None, "price", "negative"),
        ("pwyw", "-0.01", None, "price", "negative"),
        ("fixed", "1000000.01", None, "price", "cannot be more than"),
        ("fixed", "99999999999", None, "price", "cannot be more than"),
        ("fixed", "12.3456", None, "price", "at most 2 decimals"),
        ("fixed", "ten", None, "price", "not an amount"),
        ("fixed", "10", "XYZ", "currency", "not a known currency"),
        ("fixed", "10", "EUR", "currency", "shop's currency, USD"),
        ("auction", "10", None, "pricing", "fixed price or pay what you want"),
    ],
)
def test_bad_prices_are_refused_and_the_old_price_stays(s, pricing, price, currency, field, message):
    seller = make_seller(s)
    view = new_product(s, seller, price="19.00")
    with pytest.raises(ValidationError, match=message) as error:
        products.set_pricing(s, seller, view.id, pricing=pricing, price=price, currency=currency)
    assert error.value.field == field
    stored = row(s, view.id)
    assert (stored.pricing, stored.price_amount, stored.currency) == (PricingMode.FIXED, 1900, "USD")


def test_zero_decimal_currency_prices(s):
    seller = make_seller(s, currency="JPY")
    view = new_product(s, seller, price="1250")
    assert (view.price_amount, view.currency, view.price_input) == (1250, "JPY", "1250")


def test_another_sellers_product_cannot_be_changed_by_a_forged_event(s):
    owner, intruder = make_seller(s, "owner"), make_seller(s, "intruder")
    view = new_product(s, owner)
    attempts = [
        lambda: products.update_product(s, intruder, view.id, title="Hacked"),
        lambda: products.set_pricing(s, intruder, view.id, pricing=PricingMode.FIXED, price="0"),
        lambda: products.publish_product(s, intruder, view.id),
        lambda: products.archive_product(s, intruder, view.id),
        lambda: products.get_product_editor(s, intruder, view.id),
        lambda: images.set_cover(s, intruder, view.id, io.BytesIO(png_bytes())),
        lambda: files.upload_file(s, intruder, view.id, io.BytesIO(b"data"), filename="x.txt"),
        # An actor claiming the owner's shop without owning it.
        lambda: products.update_product(
            s, Actor(user_id=intruder.user_id, role=UserRole.SELLER, shop_id=owner.shop_id), view.id, title="Hacked"
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    stored = row(s, view.id)
    assert (stored.title, stored.price_amount, stored.status, stored.cover_key) == (
        "Python Patterns",
        1900,
        ProductStatus.DRAFT,
        None,
    )


def test_buyers_and_anonymous_cannot_create_products(s):
    with pytest.raises(PermissionDenied):
        new_product(s, Actor.anonymous())
    with pytest.raises(PermissionDenied):
        new_product(s, Actor(user_id=1, role=UserRole.BUYER))


def test_publish_needs_a_cover_and_a_file(s):
    seller = make_seller(s)
    view = new_product(s, seller)
    assert view.publish_problems == ["Add a cover image.", "Upload at least one file to the latest version."]
    with pytest.raises(ValidationError, match="Add a cover image"):
        products.publish_product(s, seller, view.id)
    assert row(s, view.id).status == ProductStatus.DRAFT


def test_publish_sends_the_product_to_moderation_then_approval_makes_it_live(s):
    seller, admin = make_seller(s), make_admin(s)
    view = publishable_product(s, seller)
    assert view.publish_problems == []
    published = products.publish_product(s, seller, view.id)
    assert (published.status, published.moderation_status, published.is_live) == (
        ProductStatus.PUBLISHED,
        ModerationStatus.PENDING,
        False,
    )
    assert published.published_at is not None
    with pytest.raises(NotFound):
        product_page(s, "inkwell", view.slug)
    approved = products.approve_product(s, admin, view.id)
    assert approved.is_live
    assert product_page(s, "inkwell", view.slug).title == "Python Patterns"


def test_rejection_shows_the_reason_and_republishing_goes_back_to_review(s):
    seller, admin = make_seller(s), make_admin(s)
    view = publishable_product(s, seller)
    products.publish_product(s, seller, view.id)
    rejected = products.reject_product(s, admin, view.id, reason="  The cover shows a  trademark. ")
    assert (rejected.moderation_status, rejected.rejection_reason) == (
        ModerationStatus.REJECTED,
        "The cover shows a trademark.",
    )
    assert products.get_product_editor(s, seller, view.id).rejection_reason == "The cover shows a trademark."
    again = products.publish_product(s, seller, view.id)
    assert (again.moderation_status, again.rejection_reason) == (ModerationStatus.PENDING, "")


def test_only_admins_moderate(s):
    seller = make_seller(s)
    view = publishable_product(s, seller)
    products.publish_product(s, seller, view.id)
    with pytest.raises(PermissionDenied):
        products.approve_product(s, seller, view.id)
    with pytest.raises(PermissionDenied):
        products.reject_product(s, seller, view.id, reason="no")
    assert row(s, view.id).moderation_status == ModerationStatus.PENDING


def test_a_rejection_needs_a_reason(s):
    seller, admin = make_seller(s), make_admin(s)
    view = publishable_product(s, seller)
    products.publish_product(s, seller, view.id)
    with pytest.raises(ValidationError, match="why"):
        products.reject_product(s, admin, view.id, reason="   ")
    assert row(s, view.id).moderation_status == ModerationStatus.PENDING


def test_unpublish_and_archive_hide_the_product(s):
    seller, admin = make_seller(s), make_admin(s)
    view = live_product(s, seller, admin)
    assert products.unpublish_product(s, seller, view.id).status == ProductStatus.DRAFT
    with pytest.raises(NotFound):
        product_page(s, "inkwell", view.slug)
    products.publish_product(s, seller, view.id)
    products.approve_product(s, admin, view.id)
    assert products.archive_product(s, seller, view.id).status == ProductStatus.ARCHIVED
    with pytest.raises(NotFound):
        product_page(s, "inkwell", view.slug)


def test_a_suspended_shop_cannot_publish(s):
    seller = make_seller(s)
    view = publishable_product(s, seller)
    s.get(Shop, seller.shop_id).suspended_at = utcnow()
    with pytest.raises(PermissionDenied, match="suspended"):
        products.publish_product(s, seller, view.id)
    assert row(s, view.id).status == ProductStatus.DRAFT


def test_delivery_kind_cannot_change_while_on_sale(s):
    seller, admin = make_seller(s), make_admin(s)
    view = live_product(s, seller, admin)
    with pytest.raises(ValidationError, match="Unpublish"):
        products.set_delivery_kind(s, seller, view.id, "keys")
    assert row(s, view.id).delivery_kind == DeliveryKind.FILES
    products.unpublish_product(s, seller, view.id)
    assert products.set_delivery_kind(s, seller, view.id, "both").delivery_kind == DeliveryKind.BOTH

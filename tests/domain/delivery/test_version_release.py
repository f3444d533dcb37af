"""An update is a draft until the seller releases it: starting one tells nobody and shows
buyers nothing; releasing it (with at least one file) puts it in their library and sends
the notice."""

import io
from datetime import UTC, datetime

import pytest

from commerce.catalog import files
from commerce.delivery import downloads, library
from commerce.delivery.tasks import notify_product_update
from commerce.errors import Conflict, NotFound, PermissionDenied, ValidationError
from commerce.models import DeliveryKind
from tests.fixtures.adapters import emails_in


@pytest.fixture
def owned(shop, outbox):
    """A published file product at version 1.0, bought by one buyer (whose receipt is sent)."""
    product = shop.product(kind=DeliveryKind.FILES, title="Field Guide")
    product.published_at = datetime.now(UTC)
    shop.s.add(product)
    shop.file(product, shop.version(product), b"%PDF-1.4\n% v1\n", filename="guide.pdf")
    user, buyer = shop.buyer()
    shop.buy(buyer, product)
    return dict(product=product, buyer=buyer, email=user.email)


def update_emails(outbox) -> list:
    return [sent for sent in emails_in(outbox) if sent.subject.startswith("Field Guide")]


def test_starting_a_version_tells_buyers_nothing_and_shows_them_nothing(shop, owned, outbox, jobs):
    product, buyer = owned["product"], owned["buyer"]
    view = files.create_version(
        shop.s, shop.seller, product.id, label="2.0", release_notes="New maps", carry_over_files=False
    )
    draft = view.versions[0]
    assert (draft.label, draft.is_draft) == ("2.0", True)
    view = files.upload_file(shop.s, shop.seller, product.id, io.BytesIO(b"%PDF-1.4\n% v2\n"), filename="maps.pdf")
    shop.s.commit()
    assert jobs.ran(notify_product_update) == []
    assert update_emails(outbox) == []

    (item,) = library.library(shop.s, buyer).items
    assert (item.latest_version_label, item.updated) == ("1.0", False)
    detail = library.library_product(shop.s, buyer, product.id)
    assert [v.label for v in detail.versions] == ["1.0"]
    # Nor can a buyer guess the draft file's id and download it early.
    with pytest.raises(NotFound):
        downloads.mint_link(shop.s, buyer, view.versions[0].files[0].id)


def test_releasing_the_version_sends_the_notice_and_shows_it_to_buyers(shop, owned, outbox, jobs):
    product, buyer = owned["product"], owned["buyer"]
    draft = files.create_version(
        shop.s, shop.seller, product.id, label="2.0", release_notes="New maps", carry_over_files=False
    ).versions[0]
    with pytest.raises(ValidationError, match="at least one file"):
        files.release_version(shop.s, shop.seller, product.id)
    with pytest.raises(ValidationError, match="not released yet"):
        files.create_version(shop.s, shop.seller, product.id, label="3.0")
    uploaded = files.upload_file(shop.s, shop.seller, product.id, io.BytesIO(b"%PDF-1.4\n% v2\n"), filename="maps.pdf")
    new_file = uploaded.versions[0].files[0]

    view = files.release_version(shop.s, shop.seller, product.id)
    assert not view.versions[0].is_draft
    shop.s.commit()
    assert jobs.ran(notify_product_update) == [{"version_id": draft.id}]
    [notice] = update_emails(outbox)
    assert (notice.to, notice.subject) == (owned["email"], "Field Guide 2.0 is available")
    assert "New maps" in notice.text

    (item,) = library.library(shop.s, buyer).items
    assert (item.latest_version_label, item.updated) == ("2.0", True)
    detail = library.library_product(shop.s, buyer, product.id)
    assert [(v.label, v.is_new) for v in detail.versions] == [("2.0", True), ("1.0", False)]
    assert not downloads.mint_link(shop.s, buyer, new_file.id).preparing

    with pytest.raises(Conflict, match="no draft"):
        files.release_version(shop.s, shop.seller, product.id)
    shop.s.commit()
    assert len(update_emails(outbox)) == 1


def test_only_the_products_seller_releases_and_a_draft_file_can_be_removed(shop, owned):
    product = owned["product"]
    files.create_version(shop.s, shop.seller, product.id, label="2.0", carry_over_files=False)
    view = files.upload_file(shop.s, shop.seller, product.id, io.BytesIO(b"wrong"), filename="wrong.txt")
    with pytest.raises(PermissionDenied):
        files.release_version(shop.s, shop.world.seller_actor(shop.world.shop()), product.id)
    # No buyer can have a draft's file, so a mistake can still be taken out.
    view = files.remove_file(shop.s, shop.seller, view.versions[0].files[0].id)
    assert view.versions[0].files == []
    assert view.versions[0].is_draft

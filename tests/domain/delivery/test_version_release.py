"""An update is a draft until the seller releases it: starting one tells nobody and shows
buyers nothing; releasing it (with at least one file) puts it in their library and sends
the notice."""

import io
from datetime import UTC, datetime

import pytest

from commerce.catalog import files
from commerce.delivery import downloads, library, updates
from commerce.errors import Conflict, NotFound, PermissionDenied, ValidationError
from commerce.models import DeliveryKind


@pytest.fixture
def owned(shop, monkeypatch):
    """A published file product at version 1.0, bought by one buyer; jobs the delivery
    listener schedules are collected in `scheduled` instead of run."""
    scheduled = []
    monkeypatch.setattr(
        "commerce.delivery.subscribers.enqueue_after_commit",
        lambda s, job, **kwargs: scheduled.append((job.name, kwargs)),
    )
    product = shop.product(kind=DeliveryKind.FILES, title="Field Guide")
    product.published_at = datetime.now(UTC)
    shop.s.add(product)
    shop.file(product, shop.version(product), b"%PDF-1.4\n% v1\n", filename="guide.pdf")
    _, buyer = shop.buyer()
    shop.buy(buyer, product)
    sent = []
    monkeypatch.setattr(updates, "enqueue_email", lambda s, **kwargs: sent.append(kwargs))
    return dict(product=product, buyer=buyer, scheduled=scheduled, sent=sent)


def notices(owned) -> list[dict]:
    return [kwargs for name, kwargs in owned["scheduled"] if name.endswith("notify_product_update")]


def test_starting_a_version_tells_buyers_nothing_and_shows_them_nothing(shop, owned):
    product, buyer = owned["product"], owned["buyer"]
    view = files.create_version(
        shop.s, shop.seller, product.id, label="2.0", release_notes="New maps", carry_over_files=False
    )
    draft = view.versions[0]
    assert (draft.label, draft.is_draft) == ("2.0", True)
    view = files.upload_file(shop.s, shop.seller, product.id, io.BytesIO(b"%PDF-1.4\n% v2\n"), filename="maps.pdf")
    shop.s.flush()
    assert notices(owned) == []
    assert updates.notify_owners(shop.s, draft.id) == 0
    assert owned["sent"] == []

    (item,) = library.library(shop.s, buyer).items
    assert (item.latest_version_label, item.updated) == ("1.0", False)
    detail = library.library_product(shop.s, buyer, product.id)
    assert [v.label for v in detail.versions] == ["1.0"]
    # Nor can a buyer guess the draft file's id and download it early.
    with pytest.raises(NotFound):
        downloads.mint_link(shop.s, buyer, view.versions[0].files[0].id)


def test_releasing_the_version_sends_the_notice_and_shows_it_to_buyers(shop, owned):
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
    assert notices(owned) == [{"version_id": draft.id}]
    assert updates.notify_owners(shop.s, draft.id) == 1
    assert owned["sent"][0]["version"] == "2.0"
    assert owned["sent"][0]["release_notes"] == "New maps"

    (item,) = library.library(shop.s, buyer).items
    assert (item.latest_version_label, item.updated) == ("2.0", True)
    detail = library.library_product(shop.s, buyer, product.id)
    assert [(v.label, v.is_new) for v in detail.versions] == [("2.0", True), ("1.0", False)]
    assert not downloads.mint_link(shop.s, buyer, new_file.id).preparing

    with pytest.raises(Conflict, match="no draft"):
        files.release_version(shop.s, shop.seller, product.id)
    assert len(notices(owned)) == 1


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

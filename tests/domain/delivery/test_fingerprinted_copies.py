"""Fingerprinted copies from purchase to leak: the seller turns fingerprints on, each
buyer's copy carries their order line, and the leak tracer names that purchase (as the
shop's privacy settings allow) and revokes it in one audited step."""

from __future__ import annotations

import io

import pikepdf
import pytest
from sqlmodel import select

from commerce import audit
from commerce.actor import Actor
from commerce.delivery import downloads, stamped
from commerce.delivery.downloads import AccessRevoked
from commerce.errors import Conflict, NotFound, PermissionDenied
from commerce.models import AuditRecord, DeliveryKind, FulfilmentStatus, StampedCopy, StampStatus
from commerce.notifications.preferences import pseudonym, set_share_email
from commerce.protection import tracer
from tests.fixtures.delivery import session_token
from tests.fixtures.fingerprint_corpus import CORPUS, crop_tenth, jpeg_q70, resave_with_pypdf_without_first_page


def _fingerprinted(shop, filename="guide.pdf", content_type="application/pdf", *, stamp=False):
    product = shop.product(kind=DeliveryKind.FILES)
    version = shop.version(product)
    file = shop.file(product, version, CORPUS[filename](), filename=filename, content_type=content_type)
    downloads.set_delivery_settings(
        shop.s, shop.seller, product.id, download_limit=None, link_minutes=60, protection="both" if stamp else "mark"
    )
    return product, file


def _downloaded(shop, user, buyer, file) -> bytes:
    minted = downloads.mint_link(shop.s, buyer, file.id)
    assert not minted.preparing
    ticket = shop.download(minted.url, token=session_token(shop.s, user))
    with shop.store.open(ticket.blob_key) as blob:
        return blob.read()


def _trace(shop, actor, data: bytes, tmp_path, name="leak.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    return tracer.trace_leak(shop.s, actor, path, name)


def test_each_buyer_gets_a_copy_made_once_that_traces_to_their_order_line(shop, jobs, tmp_path):
    product, file = _fingerprinted(shop)
    alice, alice_actor = shop.buyer(email="alice@example.com")
    bob, bob_actor = shop.buyer(email="bob@example.com")
    alice_order = shop.buy(alice_actor, product)
    shop.buy(bob_actor, product)

    copies = shop.s.exec(select(StampedCopy).where(StampedCopy.file_id == file.id)).all()
    assert {(c.buyer_id, c.status, c.marked, c.stamped) for c in copies} == {
        (alice.id, StampStatus.READY, True, False),
        (bob.id, StampStatus.READY, True, False),
    }
    leaked = _downloaded(shop, alice, alice_actor, file)
    assert leaked != CORPUS["guide.pdf"]()
    _downloaded(shop, alice, alice_actor, file)
    assert len(jobs.ran(stamped.make_stamped_copy)) == 2  # one per buyer, not one per download

    # Re-saved by another tool with its first page removed, it still names Alice's purchase.
    report = _trace(shop, shop.seller, resave_with_pypdf_without_first_page(leaked), tmp_path)
    (line_id,) = {f.order_line_id for f in shop.fulfilments(alice_order)}
    assert report.verdict == tracer.Verdict.TRACED
    assert report.purchase is not None
    assert report.purchase.order_line_id == line_id
    assert report.purchase.order_reference == alice_order.reference
    assert report.purchase.buyer == "alice@example.com"
    assert report.purchase.access_granted
    assert "Verified in 1 of 1 layer" in report.confidence
    assert {row.layer: row.outcome for row in report.layers}["PDF page content"] == "verified"


def test_the_tracer_shows_a_hidden_buyer_by_the_shops_pseudonym_and_admins_see_the_email(shop, jobs, tmp_path):
    product, file = _fingerprinted(shop)
    user, buyer = shop.buyer(email="private@example.com")
    set_share_email(shop.s, buyer, enabled=False)
    shop.buy(buyer, product)
    leaked = _downloaded(shop, user, buyer, file)
    assert _trace(shop, shop.seller, leaked, tmp_path).purchase.buyer == pseudonym(shop.shop.id, user.id)
    assert _trace(shop, shop.world.admin_actor(), leaked, tmp_path).purchase.buyer == "private@example.com"


def test_another_seller_learns_only_that_the_mark_is_from_another_shop(shop, jobs, tmp_path):
    product, file = _fingerprinted(shop)
    user, buyer = shop.buyer()
    shop.buy(buyer, product)
    leaked = _downloaded(shop, user, buyer, file)
    other = shop.world.seller_actor(shop.world.shop())
    report = _trace(shop, other, leaked, tmp_path)
    assert report.verdict == tracer.Verdict.ELSEWHERE
    assert report.purchase is None


def test_a_stamped_and_fingerprinted_pdf_carries_both(shop, jobs, tmp_path):
    product, file = _fingerprinted(shop, stamp=True)
    user, buyer = shop.buyer(email="both@example.com")
    shop.buy(buyer, product)
    leaked = _downloaded(shop, user, buyer, file)
    assert b"both@example.com" in leaked  # the visible stamp's metadata
    assert _trace(shop, shop.seller, leaked, tmp_path).verdict == tracer.Verdict.TRACED


def test_an_image_traces_after_jpeg_and_a_crop_using_the_sellers_original(shop, jobs, tmp_path):
    product, file = _fingerprinted(shop, "photo.png", "image/png")
    user, buyer = shop.buyer()
    order = shop.buy(buyer, product)
    leaked = _downloaded(shop, user, buyer, file)
    report = _trace(shop, shop.seller, jpeg_q70(crop_tenth(leaked)), tmp_path, "leak.jpg")
    assert report.verdict == tracer.Verdict.TRACED
    assert report.purchase.order_reference == order.reference


def test_an_altered_mark_is_reported_as_tampered(shop, jobs, tmp_path):
    product, file = _fingerprinted(shop)
    user, buyer = shop.buyer()
    order = shop.buy(buyer, product)
    leaked = _downloaded(shop, user, buyer, file)
    # Someone moves the mark to another purchase: the order line id changed in every layer.
    with pikepdf.open(io.BytesIO(leaked)) as pdf:
        pdf.trailer.ID = pikepdf.Array([pikepdf.String(b"x" * 16), pikepdf.String(b"y" * 16)])
        plain = io.BytesIO()
        pdf.save(
            plain, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.generalized, static_id=True
        )
    line_hex = f"{shop.fulfilments(order)[0].order_line_id:08x}".encode()
    moved = f"{shop.fulfilments(order)[0].order_line_id + 1:08x}".encode()
    text = plain.getvalue().replace(b"FP1-" + line_hex, b"FP1-" + moved)
    assert text.count(b"FP1-" + moved) >= 2  # the page text and the XMP
    out = io.BytesIO(text)
    report = _trace(shop, shop.seller, out.getvalue(), tmp_path)
    assert report.verdict == tracer.Verdict.TAMPERED
    assert report.purchase is None
    assert "altered or forged" in report.headline


def test_an_unmarked_file_reports_no_fingerprint(shop, tmp_path):
    report = _trace(shop, shop.seller, CORPUS["guide.pdf"](), tmp_path)
    assert report.verdict == tracer.Verdict.NONE


def test_the_seller_revokes_a_traced_purchase_in_one_audited_step(shop, jobs, tmp_path):
    product, file = _fingerprinted(shop)
    user, buyer = shop.buyer()
    order = shop.buy(buyer, product)
    minted = downloads.mint_link(shop.s, buyer, file.id)
    report = _trace(shop, shop.seller, _downloaded(shop, user, buyer, file), tmp_path)

    with pytest.raises(NotFound):
        tracer.revoke_traced_purchase(shop.s, shop.world.seller_actor(shop.world.shop()), report.purchase.order_line_id)
    revoked = tracer.revoke_traced_purchase(shop.s, shop.seller, report.purchase.order_line_id)
    assert not revoked.access_granted
    assert {f.status for f in shop.fulfilments(order)} == {FulfilmentStatus.REVOKED}
    with pytest.raises(AccessRevoked):
        shop.download(minted.url, token=session_token(shop.s, user))
    with pytest.raises(Conflict):
        tracer.revoke_traced_purchase(shop.s, shop.seller, report.purchase.order_line_id)
    (record,) = shop.s.exec(select(AuditRecord).where(AuditRecord.action == "revoke_leaked_purchase")).all()
    assert record.actor_user_id == shop.seller.user_id
    assert order.reference in record.subject_label
    assert audit.ACTION_LABELS[record.action] == "Revoked a leaked purchase"


def test_changing_the_protection_makes_the_copy_again(shop, jobs):
    product, file = _fingerprinted(shop)
    user, buyer = shop.buyer()
    shop.buy(buyer, product)
    downloads.set_delivery_settings(
        shop.s, shop.seller, product.id, download_limit=None, link_minutes=60, protection="none"
    )
    # Nothing personal left to carry: the original is served.
    minted = downloads.mint_link(shop.s, buyer, file.id)
    ticket = shop.download(minted.url, token=session_token(shop.s, user))
    assert ticket.blob_key == file.blob_key
    downloads.set_delivery_settings(
        shop.s, shop.seller, product.id, download_limit=None, link_minutes=60, protection="mark"
    )
    assert downloads.mint_link(shop.s, buyer, file.id).preparing is False  # the existing marked copy still fits


def test_a_purchase_starts_copies_of_the_latest_released_files_only_and_none_of_what_is_read_online(shop, jobs):
    product, _ = _fingerprinted(shop)  # version 1, released, with its PDF
    latest = shop.file(product, shop.version(product, 2), CORPUS["guide.pdf"](), filename="guide-2.pdf")
    draft = shop.version(product, 3)
    draft.released_at = None
    shop.file(product, draft, CORPUS["guide.pdf"](), filename="guide-3.pdf")
    alice, alice_actor = shop.buyer()
    shop.buy(alice_actor, product)
    copies = shop.s.exec(select(StampedCopy).where(StampedCopy.buyer_id == alice.id)).all()
    assert [copy.file_id for copy in copies] == [latest.id]

    # Read in the browser only: buyers view the original, so no copy is made for them.
    downloads.set_delivery_settings(
        shop.s, shop.seller, product.id, download_limit=None, link_minutes=60, protection="mark", online_only=True
    )
    bob, bob_actor = shop.buyer()
    shop.buy(bob_actor, product)
    assert shop.s.exec(select(StampedCopy).where(StampedCopy.buyer_id == bob.id)).all() == []


def test_buyers_and_visitors_cannot_use_the_tracer(shop, jobs, tmp_path):
    product, file = _fingerprinted(shop)
    user, buyer = shop.buyer()
    order = shop.buy(buyer, product)
    leaked = _downloaded(shop, user, buyer, file)
    line_id = shop.fulfilments(order)[0].order_line_id
    for actor in (buyer, Actor.anonymous()):
        with pytest.raises(PermissionDenied):
            _trace(shop, actor, leaked, tmp_path)
        with pytest.raises(PermissionDenied):
            tracer.revoke_traced_purchase(shop.s, actor, line_id)

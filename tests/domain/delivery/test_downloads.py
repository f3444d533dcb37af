"""Minting and checking download links, limits and the log, stamped copies, the library."""

import io
from datetime import UTC, datetime, timedelta

import pikepdf
import pytest
from sqlmodel import select

from commerce import audit
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.delivery import downloads, library, links, stamped, updates
from commerce.delivery.downloads import AccessRevoked, DownloadLimitReached, NotYourLink
from commerce.errors import NotFound, PermissionDenied, ValidationError
from commerce.models import DeliveryKind, DownloadEvent, ProductVersion, Protection, StampedCopy, StampStatus
from commerce.notifications.tasks import send_email
from tests.fixtures.adapters import emails_in
from tests.fixtures.databases import run_together
from tests.fixtures.delivery import DeliveryWorld, link_parts, one_page_pdf, session_token, verify_link
from tests.fixtures.world import World


@pytest.fixture
def bought(shop):
    product = shop.product(kind=DeliveryKind.FILES)
    version = shop.version(product)
    file = shop.file(product, version, b"%PDF-1.4\n% the book\n", filename="The Book (final).pdf")
    user, buyer = shop.buyer()
    order = shop.buy(buyer, product)
    return dict(
        product=product,
        version=version,
        file=file,
        user=user,
        buyer=buyer,
        order=order,
        token=session_token(shop.s, user),
    )


def fetch(shop, bought, url, *, token=None, **request):
    """Download `url` as the buyer of `bought`, or as whoever `token` signed in."""
    return shop.download(url, token=token or bought["token"], **request)


def test_a_minted_link_names_the_file_and_serves_the_buyers_file(shop, bought):
    minted = downloads.mint_link(shop.s, bought["buyer"], bought["file"].id)
    assert not minted.preparing
    assert link_parts(minted.url)[2] == "The Book (final).pdf"
    ticket = fetch(shop, bought, minted.url)
    assert ticket.blob_key == bought["file"].blob_key
    assert ticket.filename == "The Book (final).pdf"
    with shop.store.open(ticket.blob_key) as blob:
        assert blob.read() == b"%PDF-1.4\n% the book\n"


def test_links_are_signed_and_expire(shop, bought):
    minted = downloads.mint_link(shop.s, bought["buyer"], bought["file"].id)
    fulfilment_id, file_id, _, exp, sig = link_parts(minted.url)
    secret = get_settings().secret_key
    with pytest.raises(links.InvalidLink):
        links.verify(secret, fulfilment_id, str(int(file_id) + 1), exp, sig)
    with pytest.raises(links.InvalidLink):
        links.verify(secret, fulfilment_id, file_id, str(int(exp) + 3600), sig)
    with pytest.raises(links.InvalidLink):
        links.verify("another secret", fulfilment_id, file_id, exp, sig)
    expires_at = datetime.fromtimestamp(int(exp), UTC)
    assert timedelta(minutes=59) < expires_at - datetime.now(UTC) <= timedelta(minutes=60)
    with pytest.raises(links.ExpiredLink):
        links.verify(secret, fulfilment_id, file_id, exp, sig, now=expires_at)


def test_the_seller_sets_the_link_lifetime(shop, bought):
    downloads.set_delivery_settings(shop.s, shop.seller, bought["product"].id, download_limit=None, link_minutes=5)
    exp = int(link_parts(downloads.mint_link(shop.s, bought["buyer"], bought["file"].id).url)[3])
    assert exp - datetime.now(UTC).timestamp() <= 5 * 60
    with pytest.raises(ValidationError):
        downloads.set_delivery_settings(shop.s, shop.seller, bought["product"].id, download_limit=0, link_minutes=5)
    with pytest.raises(ValidationError):
        downloads.set_delivery_settings(
            shop.s, shop.seller, bought["product"].id, download_limit=None, link_minutes=60 * 24 * 8
        )


def test_other_people_get_no_link_and_cannot_use_the_buyers(shop, bought):
    stranger_user, stranger = shop.buyer()
    with pytest.raises(NotFound):
        downloads.mint_link(shop.s, stranger, bought["file"].id)
    minted = downloads.mint_link(shop.s, bought["buyer"], bought["file"].id)
    with pytest.raises(NotYourLink):
        fetch(shop, bought, minted.url, token=session_token(shop.s, stranger_user))
    with pytest.raises(NotYourLink):
        downloads.authorise(shop.s, verify_link(minted.url), session_token=None, counts=True, ip=None, user_agent=None)


def test_a_refund_makes_old_links_and_new_clicks_fail(shop, bought):
    minted = downloads.mint_link(shop.s, bought["buyer"], bought["file"].id)
    shop.refund(bought["order"])
    with pytest.raises(AccessRevoked, match="refunded"):
        fetch(shop, bought, minted.url)
    with pytest.raises(NotFound):
        downloads.mint_link(shop.s, bought["buyer"], bought["file"].id)


def test_the_download_limit_counts_downloads_not_resumed_ranges_and_the_seller_resets_it(shop, bought):
    product, file = bought["product"], bought["file"]
    downloads.set_delivery_settings(shop.s, shop.seller, product.id, download_limit=2, link_minutes=60)
    url = downloads.mint_link(shop.s, bought["buyer"], file.id).url
    fetch(shop, bought, url)
    fetch(shop, bought, url, counts=False)  # the same download, resumed
    fetch(shop, bought, url)
    assert downloads.allowance(shop.s, bought["user"].id, product.id).label == "2 of 2 downloads used"
    with pytest.raises(DownloadLimitReached, match="all 2 downloads"):
        fetch(shop, bought, url)
    with pytest.raises(DownloadLimitReached, match="reset"):
        downloads.mint_link(shop.s, bought["buyer"], file.id)
    view = library.library_product(shop.s, bought["buyer"], product.id)
    assert view.download_limit_reached
    assert "all 2 downloads" in view.download_limit_message

    with pytest.raises(NotFound):
        downloads.reset_downloads(shop.s, shop.world.seller_actor(shop.world.shop()), product.id, bought["user"].id)
    downloads.reset_downloads(shop.s, shop.seller, product.id, bought["user"].id)
    fetch(shop, bought, downloads.mint_link(shop.s, bought["buyer"], file.id).url)
    downloads.reset_downloads(shop.s, shop.world.admin_actor(), product.id, bought["user"].id)
    assert downloads.allowance(shop.s, bought["user"].id, product.id).used == 0


def test_every_download_is_logged_with_a_truncated_ip_and_the_seller_sees_counts(shop, bought):
    url = downloads.mint_link(shop.s, bought["buyer"], bought["file"].id).url
    fetch(shop, bought, url, ip="203.0.113.77")
    fetch(shop, bought, url, ip="2001:db8:abcd:12:1:2:3:4")
    events = shop.s.exec(
        select(DownloadEvent).where(DownloadEvent.product_id == bought["product"].id).order_by(DownloadEvent.id)
    ).all()
    assert [e.ip_prefix for e in events] == ["203.0.113.0/24", "2001:db8:abcd::/48"]
    assert {(e.buyer_id, e.file_id, e.version_id, e.user_agent) for e in events} == {
        (bought["user"].id, bought["file"].id, bought["version"].id, "Mozilla/5.0 test")
    }
    stats = downloads.download_stats(shop.s, shop.seller, bought["product"].id)
    assert stats.total == 2
    assert [(b.buyer, b.used) for b in stats.buyers] == [(bought["user"].email, 2)]
    assert [(f.filename, f.downloads) for f in stats.files] == [("The Book (final).pdf", 2)]


def test_stamped_pdfs_are_made_once_per_buyer_and_carry_their_email(shop, jobs):
    product = shop.product(kind=DeliveryKind.FILES)
    version = shop.version(product)
    file = shop.file(product, version, one_page_pdf(), filename="guide.pdf", stamp=True)
    user, buyer = shop.buyer(email="reader@example.com")
    order = shop.buy(buyer, product)

    # The payment's delivery had the buyer's copy made, once.
    (copy,) = shop.s.exec(select(StampedCopy).where(StampedCopy.buyer_id == user.id)).all()
    assert copy.status == StampStatus.READY
    assert jobs.ran(stamped.make_stamped_copy) == [{"copy_id": copy.id}]
    assert stamped.make_copy(shop.s, copy.id, shop.store) is False  # a retried job changes nothing
    minted = downloads.mint_link(shop.s, buyer, file.id)
    ticket = downloads.authorise(
        shop.s,
        verify_link(minted.url),
        session_token=session_token(shop.s, user),
        counts=True,
        ip=None,
        user_agent=None,
    )
    assert ticket.blob_key == copy.blob_key != file.blob_key
    with shop.store.open(ticket.blob_key) as blob, pikepdf.open(io.BytesIO(blob.read())) as pdf:
        assert str(pdf.docinfo["/LicensedTo"]) == "reader@example.com"
        assert str(pdf.docinfo["/OrderReference"]) == order.reference
        content = pikepdf.unparse_content_stream(pikepdf.parse_content_stream(pdf.pages[0]))
        assert b"Licensed to reader@example.com" in content


def test_a_copy_asked_for_before_it_exists_is_made_once_the_request_commits(shop):
    product = shop.product(kind=DeliveryKind.FILES)
    file = shop.file(product, shop.version(product), one_page_pdf(), filename="guide.pdf")
    _, buyer = shop.buyer()
    shop.buy(buyer, product)
    shop.protect(product, Protection.STAMP)  # stamping switched on after the sale

    minted = downloads.mint_link(shop.s, buyer, file.id)
    assert (minted.preparing, minted.url) == (True, "")
    assert minted.message == "Preparing your personal copy of guide.pdf…"
    shop.s.commit()  # the click's request ends; the job makes the copy

    assert not downloads.mint_link(shop.s, buyer, file.id).preparing


def test_a_pdf_that_cannot_be_stamped_says_why(shop):
    product = shop.product(kind=DeliveryKind.FILES)
    version = shop.version(product)
    file = shop.file(product, version, b"%PDF-1.4 not really a pdf", filename="broken.pdf", stamp=True)
    _, buyer = shop.buyer()
    shop.buy(buyer, product)
    (copy,) = shop.s.exec(select(StampedCopy).where(StampedCopy.file_id == file.id)).all()
    assert copy.status == StampStatus.FAILED
    with pytest.raises(PermissionDenied, match="could not be prepared"):
        downloads.mint_link(shop.s, buyer, file.id)


def test_the_library_lists_purchases_newest_first_searchable_with_update_badges(shop):
    first = shop.product(kind=DeliveryKind.FILES, title="Watercolour Brushes")
    first_v1 = shop.version(first)
    shop.file(first, first_v1, b"brushes", filename="brushes.zip", content_type="application/zip")
    second = shop.product(kind=DeliveryKind.KEYS, title="Photo Editor")
    shop.generated_keys(second)
    user, buyer = shop.buyer()
    shop.buy(buyer, first)
    shop.buy(buyer, second)

    view = library.library(shop.s, buyer)
    assert [i.title for i in view.items] == ["Photo Editor", "Watercolour Brushes"]
    assert [i.title for i in library.library(shop.s, buyer, search="brush").items] == ["Watercolour Brushes"]
    assert not any(i.updated for i in view.items)
    _, stranger = shop.buyer()
    assert library.library(shop.s, stranger).items == []
    with pytest.raises(NotFound):
        library.library_product(shop.s, stranger, first.id)

    before = library.current_library_version(shop.s, buyer)
    first.published_at = first.published_at or datetime.now(UTC)
    v2 = ProductVersion(
        product_id=first.id,
        number=2,
        label="2.0",
        release_notes="Twelve new brushes.",
        released_at=datetime.now(UTC),
    )
    shop.s.add(v2)
    shop.s.flush()
    assert updates.notify_owners(shop.s, v2.id) == 1
    assert library.current_library_version(shop.s, buyer) > before
    (item,) = [i for i in library.library(shop.s, buyer).items if i.product_id == first.id]
    assert item.updated
    assert item.latest_version_label == "2.0"

    detail = library.library_product(shop.s, buyer, first.id)
    assert [(v.label, v.is_new) for v in detail.versions] == [("2.0", True), ("1.0", False)]
    assert detail.versions[0].release_notes == "Twelve new brushes."
    (item,) = [i for i in library.library(shop.s, buyer).items if i.product_id == first.id]
    assert not item.updated  # seen

    keys_view = library.library_product(shop.s, buyer, second.id)
    (key,) = keys_view.license_keys
    assert key.masked.startswith("•••••-")
    assert key.status == "valid"


def test_update_emails_respect_the_opt_out(shop, outbox, jobs):
    product = shop.product(kind=DeliveryKind.FILES, title="Brushes")
    shop.file(product, shop.version(product), b"data", filename="a.txt", content_type="text/plain")
    keen_user, keen = shop.buyer()
    _, quiet = shop.buyer()
    shop.buy(keen, product)
    shop.buy(quiet, product)
    assert library.set_update_emails(shop.s, quiet, False) is False
    assert library.update_emails_enabled(shop.s, quiet) is False
    quiet_version = library.current_library_version(shop.s, quiet)
    v2 = shop.version(product, number=2, notes="Fixes")

    assert updates.notify_owners(shop.s, v2.id) == 1  # the release's job
    shop.s.commit()

    [notice] = [sent for sent in emails_in(outbox) if sent.subject == "Brushes 2.0 is available"]
    assert notice.to == keen_user.email
    assert "Fixes" in notice.text
    assert f"/library/{product.id}" in notice.text
    assert "/account#update-emails" in notice.text
    # A retried job would not email the buyer twice.
    [update_job] = [run for run in jobs.ran(send_email) if run["kind"] == "product_update"]
    assert update_job["idempotency_key"] == f"product-update:{v2.id}:{keen.user_id}"
    # The quiet buyer still gets the library badge.
    assert library.current_library_version(shop.s, quiet) == quiet_version + 1


def test_an_admin_resets_an_orders_downloads(shop, bought):
    downloads.set_delivery_settings(shop.s, shop.seller, bought["product"].id, download_limit=1, link_minutes=60)
    fetch(shop, bought, downloads.mint_link(shop.s, bought["buyer"], bought["file"].id).url)
    with pytest.raises(PermissionDenied):
        downloads.reset_order_downloads(shop.s, shop.seller, bought["order"].reference)
    admin = shop.world.admin_actor()
    with pytest.raises(NotFound):
        downloads.reset_order_downloads(shop.s, admin, "ORD-NOPE")
    assert downloads.reset_order_downloads(shop.s, admin, bought["order"].reference) == 1
    # Admins find the decision on /admin/audit; the refused seller left no record.
    (entry,) = audit.list_audit(shop.s, admin, subject="order").items
    assert (entry.action, entry.subject_id, entry.action_label) == (
        "reset_order_downloads",
        bought["order"].reference,
        "Reset order downloads",
    )
    assert downloads.allowance(shop.s, bought["user"].id, bought["product"].id).used == 0


def test_ten_first_downloads_at_once_use_exactly_the_allowance(committed_postgres, store):
    """Ten tabs start the buyer's first download together on separate connections, with a
    limit of three: the counter is created once, three are served and seven refused."""
    with unit_of_work() as s:
        shop = DeliveryWorld(World(s), store)
        product = shop.product()
        file = shop.file(product, shop.version(product), b"%PDF-1.4\n% the book\n")
        user, buyer = shop.buyer()
        shop.buy(buyer, product)
        downloads.set_delivery_settings(s, shop.seller, product.id, download_limit=3, link_minutes=60)
        link = verify_link(downloads.mint_link(s, buyer, file.id).url)
        token = session_token(s, user)

    def download(_: int) -> str:
        try:
            with unit_of_work() as s:
                downloads.authorise(s, link, session_token=token, counts=True, ip=None, user_agent=None)
            return "served"
        except DownloadLimitReached:
            return "refused"

    assert sorted(run_together(download, range(10))) == ["refused"] * 7 + ["served"] * 3
    with unit_of_work() as s:
        assert downloads.allowance(s, user.id, product.id).label == "3 of 3 downloads used"
        assert len(s.exec(select(DownloadEvent).where(DownloadEvent.counted)).all()) == 3

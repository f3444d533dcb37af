"""Online-only files: refused by downloads, shown in the reader through session-bound,
short-lived page and stream links that stop working the moment access ends."""

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from commerce.accounts.service import session_identity
from commerce.actor import Actor
from commerce.catalog import files
from commerce.config import get_settings
from commerce.delivery import downloads, library, order_access, view_links, viewing
from commerce.delivery.downloads import AccessRevoked
from commerce.delivery.online_only import OnlineOnly
from commerce.errors import NotFound, ValidationError
from commerce.models import DeliveryKind, UserRole
from tests.fixtures.delivery import session_token
from tests.fixtures.reader import numbered_pdf


def signed_in(s, user):
    """The buyer's browser: its session token, and the actor pages act as (with the session family)."""
    token = session_token(s, user)
    identity = session_identity(s, token)
    assert identity is not None
    return token, Actor(user_id=user.id, role=UserRole.BUYER, session_id=identity[1])


def view_request(s, url: str, token: str | None):
    """What the view route decides for `url` requested by the browser holding `token`."""
    parts = urlsplit(url)
    _, _, _, fulfilment_id, file_id, part = parts.path.split("/")
    query = parse_qs(parts.query)
    return viewing.authorise(s, fulfilment_id, file_id, part, query["exp"][0], query["sig"][0], session_token=token)


@pytest.fixture
def reading(shop):
    product = shop.product(kind=DeliveryKind.FILES)
    version = shop.version(product)
    book = shop.file(product, version, numbered_pdf(3), filename="Field guide.pdf")
    song = shop.file(product, version, b"ID3\x04" + b"\x00" * 400, filename="theme.mp3", content_type="audio/mpeg")
    extras = shop.file(
        product, version, b"PK\x05\x06" + b"\x00" * 18, filename="extras.zip", content_type="application/zip"
    )
    downloads.set_delivery_settings(
        shop.s, shop.seller, product.id, download_limit=None, link_minutes=60, online_only=True
    )
    user, _ = shop.buyer(email="reader@example.com")
    token, actor = signed_in(shop.s, user)
    order = shop.buy(actor, product)
    return dict(product=product, book=book, song=song, extras=extras, user=user, token=token, actor=actor, order=order)


def test_download_refuses_an_online_only_file_and_the_library_offers_the_reader(shop, reading):
    with pytest.raises(OnlineOnly, match="online only"):
        downloads.mint_link(shop.s, reading["actor"], reading["book"].id)
    with pytest.raises(OnlineOnly):
        downloads.mint_link(shop.s, reading["actor"], reading["song"].id)
    # A ZIP cannot be shown in a browser: the online-only product still lets it be downloaded.
    assert downloads.mint_link(shop.s, reading["actor"], reading["extras"].id).url

    view = library.library_product(shop.s, reading["actor"], reading["product"].id)
    rows = {f.filename: f for f in view.versions[0].files}
    assert (rows["Field guide.pdf"].online_only, rows["Field guide.pdf"].reader_url) == (
        True,
        f"/read/{reading['book'].id}",
    )
    assert (rows["theme.mp3"].view_kind, rows["theme.mp3"].online_only) == ("audio", True)
    assert (rows["extras.zip"].online_only, rows["extras.zip"].reader_url) == (False, "")


def test_a_link_minted_before_the_file_became_online_only_is_refused_at_download(shop):
    product = shop.product(kind=DeliveryKind.FILES)
    book = shop.file(product, shop.version(product), numbered_pdf(1))
    user, buyer = shop.buyer()
    shop.buy(buyer, product)
    url = downloads.mint_link(shop.s, buyer, book.id).url
    files.set_file_online_only(shop.s, shop.seller, book.id, True)
    with pytest.raises(OnlineOnly):
        shop.download(url, token=session_token(shop.s, user))


def test_only_files_a_browser_shows_can_be_made_online_only(shop):
    product = shop.product(kind=DeliveryKind.FILES)
    archive = shop.file(
        product, shop.version(product), b"PK\x05\x06" + b"\x00" * 18, "a.zip", content_type="application/zip"
    )
    with pytest.raises(ValidationError, match="PDFs, audio and video"):
        files.set_file_online_only(shop.s, shop.seller, archive.id, True)


def test_the_buyer_reads_watermarked_pages_through_signed_links(shop, reading, store):
    reader = viewing.open_reader(shop.s, reading["actor"], reading["book"].id, store=store)
    assert (reader.kind, reader.page_count, reader.stream_url) == ("pdf", 3, "")
    assert reader.licence_line == f"Licensed to reader@example.com · Order {reading['order'].reference}"
    # No address of the original: neither its storage key nor the download route.
    assert reading["book"].blob_key not in repr(reader)
    assert "/api/download" not in repr(reader)

    first = viewing.page_image(view_request(shop.s, reader.first_page_url, reading["token"]), store)
    second_url = viewing.page_link(shop.s, reading["actor"], reading["book"].id, 2)
    second = viewing.page_image(view_request(shop.s, second_url, reading["token"]), store)
    pictures = [Image.open(io.BytesIO(image)) for image in (first, second)]
    assert all(p.format == "WEBP" and p.width >= 1000 for p in pictures)
    assert first != second
    # The licence line is drawn at the foot of the (otherwise white) page.
    foot = pictures[0].convert("L").crop((0, pictures[0].height - 40, pictures[0].width, pictures[0].height))
    assert foot.getextrema()[0] < 128

    with pytest.raises(NotFound):
        viewing.page_image(
            view_request(shop.s, viewing.page_link(shop.s, reading["actor"], reading["book"].id, 4), reading["token"]),
            store,
        )


def test_a_page_link_expires_in_minutes(shop, reading):
    url = viewing.page_link(shop.s, reading["actor"], reading["book"].id, 1)
    expires = datetime.fromtimestamp(int(parse_qs(urlsplit(url).query)["exp"][0]), UTC)
    assert timedelta(minutes=1) < expires - datetime.now(UTC) <= view_links.PAGE_LINK_LIFETIME
    parts = urlsplit(url)
    _, _, _, fulfilment_id, file_id, part = parts.path.split("/")
    query = parse_qs(parts.query)
    family = reading["actor"].session_id
    with pytest.raises(view_links.ExpiredViewLink):
        view_links.verify(
            get_settings().secret_key,
            fulfilment_id,
            file_id,
            part,
            query["exp"][0],
            query["sig"][0],
            session_family=family,
            now=expires + timedelta(seconds=1),
        )


def test_a_tampered_page_link_is_refused(shop, reading):
    url = viewing.page_link(shop.s, reading["actor"], reading["book"].id, 1)
    for changed in (
        url.replace("/page-1?", "/page-2?"),
        url.replace(f"/{reading['book'].id}/", f"/{reading['song'].id}/"),
        url[:-1] + ("0" if url[-1] != "0" else "1"),
    ):
        with pytest.raises(view_links.InvalidViewLink):
            view_request(shop.s, changed, reading["token"])


def test_another_browser_cannot_use_the_buyers_page_link(shop, reading):
    url = viewing.page_link(shop.s, reading["actor"], reading["book"].id, 1)
    other, _ = shop.buyer()
    for token in (session_token(shop.s, other), None, session_token(shop.s, reading["user"])):
        # Another buyer, no session, and even the same buyer signed in on another browser.
        with pytest.raises(view_links.InvalidViewLink):
            view_request(shop.s, url, token)
    assert view_request(shop.s, url, reading["token"]).page == 1


def test_another_buyer_cannot_open_the_reader(shop, reading):
    other, _ = shop.buyer()
    _, stranger = signed_in(shop.s, other)
    with pytest.raises(NotFound):
        viewing.open_reader(shop.s, stranger, reading["book"].id)
    with pytest.raises(NotFound):
        viewing.page_link(shop.s, stranger, reading["book"].id, 1)


def test_a_refund_stops_page_and_stream_links_at_once(shop, reading, store):
    page = viewing.page_link(shop.s, reading["actor"], reading["book"].id, 1)
    stream = viewing.open_reader(shop.s, reading["actor"], reading["song"].id, store=store).stream_url
    assert view_request(shop.s, stream, reading["token"]).page == 0
    shop.refund(reading["order"])
    shop.s.commit()
    for url in (page, stream):
        with pytest.raises(AccessRevoked):
            view_request(shop.s, url, reading["token"])
    with pytest.raises(NotFound):
        viewing.page_link(shop.s, reading["actor"], reading["book"].id, 1)


def test_the_order_page_links_an_online_only_file_to_the_reader(shop, reading):
    delivery = order_access.order_delivery(shop.s, reading["actor"], reading["order"].reference, "")
    shown = {f.filename: f.reader_url for item in delivery.items for f in item.files}
    assert shown == {
        "Field guide.pdf": f"/read/{reading['book'].id}",
        "theme.mp3": f"/read/{reading['song'].id}",
        "extras.zip": "",
    }

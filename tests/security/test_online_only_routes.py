"""Online-only files over HTTP: the download route refuses them with a reason (JSON or a
page), and the view route serves page images and streams only to the buyer's own browser
session, only while the purchase stands, and never the original PDF's bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce.accounts.service import session_identity
from commerce.actor import Actor
from commerce.config import get_settings
from commerce.delivery import downloads, view_links, viewing
from commerce.models import DeliveryKind, UserRole
from routes import SESSION_COOKIE
from storefront.api_downloads import download_routes
from storefront.api_view import view_routes
from tests.fixtures.delivery import session_token
from tests.fixtures.reader import numbered_pdf

SONG = b"ID3\x04" + b"\x00" * 6 + b"PAID-SONG-" * 500


@pytest.fixture
def client(store):
    return TestClient(Starlette(routes=download_routes(lambda: store) + view_routes(lambda: store)))


@pytest.fixture
def online(shop):
    product = shop.product(kind=DeliveryKind.FILES)
    version = shop.version(product)
    book_bytes = numbered_pdf(2)
    book = shop.file(product, version, book_bytes, filename="Guide.pdf")
    song = shop.file(product, version, SONG, filename="song.mp3", content_type="audio/mpeg")
    downloads.set_delivery_settings(shop.s, shop.seller, product.id, download_limit=None, link_minutes=60)
    user, _ = shop.buyer()
    token = session_token(shop.s, user)
    identity = session_identity(shop.s, token)
    assert identity is not None
    actor = Actor(user_id=user.id, role=UserRole.BUYER, session_id=identity[1])
    order = shop.buy(actor, product)
    # Minted while the files could still be downloaded, then the seller made the product online only.
    old_link = downloads.mint_link(shop.s, actor, book.id).url
    downloads.set_delivery_settings(
        shop.s, shop.seller, product.id, download_limit=None, link_minutes=60, online_only=True
    )
    shop.s.flush()
    fulfilment = shop.fulfilments(order)[0]
    return dict(
        order_fulfilment=fulfilment.id,
        book=book,
        book_bytes=book_bytes,
        song=song,
        token=token,
        actor=actor,
        order=order,
        old_link=old_link,
    )


def get(client, url, cookie=None, **headers):
    client.cookies.clear()
    if cookie:
        client.cookies.set(SESSION_COOKIE, cookie)
    return client.get(url, headers=headers, follow_redirects=False)


def test_the_download_route_refuses_an_online_only_file_with_a_reason(client, online):
    as_json = get(client, online["old_link"], online["token"], accept="application/json")
    assert as_json.status_code == 403
    assert as_json.json()["error"] == "online_only"
    assert "online only" in as_json.json()["detail"]
    as_page = get(client, online["old_link"], online["token"], accept="text/html")
    assert as_page.status_code == 403
    assert as_page.headers["content-type"].startswith("text/html")
    assert "View online only" in as_page.text
    assert b"%PDF" not in as_page.content


def test_the_buyer_gets_page_images_and_a_ranged_stream_but_never_the_pdf(shop, client, online, store):
    reader = viewing.open_reader(shop.s, online["actor"], online["book"].id, store=store)
    page = get(client, reader.first_page_url, online["token"])
    assert page.status_code == 200, page.text
    assert page.headers["content-type"] == "image/webp"
    assert page.headers["cache-control"] == "private, no-store"
    assert not page.content.startswith(b"%PDF")

    stream = viewing.open_reader(shop.s, online["actor"], online["song"].id, store=store).stream_url
    part = get(client, stream, online["token"], range="bytes=10-19")
    assert part.status_code == 206
    assert part.content == SONG[10:20]
    assert part.headers["content-disposition"] == "inline"


def test_page_links_refuse_other_browsers_tampering_expiry_and_a_refund(shop, client, online, store):
    url = viewing.page_link(shop.s, online["actor"], online["book"].id, 1)
    other, _ = shop.buyer()
    for cookie in (None, session_token(shop.s, other)):
        refused = get(client, url, cookie)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/plain")
    assert get(client, url.replace("page-1", "page-2"), online["token"]).status_code == 403
    assert get(client, url + "&sig=" + "0" * 64, online["token"]).status_code == 403
    expired = view_links.sign(
        get_settings().secret_key,
        online["order_fulfilment"],
        online["book"].id,
        view_links.page_part(1),
        session_family=online["actor"].session_id,
        lifetime=view_links.PAGE_LINK_LIFETIME,
        now=datetime.now(UTC) - timedelta(minutes=6),
    )
    assert get(client, expired, online["token"]).status_code == 410
    assert get(client, url, online["token"]).status_code == 200

    shop.refund(online["order"])
    shop.s.commit()
    gone = get(client, url, online["token"])
    assert gone.status_code == 403
    assert "refunded" in gone.text

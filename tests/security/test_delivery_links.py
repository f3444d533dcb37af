"""Buyers' download links and the license API, attacked over HTTP.

The data lives in the app's own database (the test environment's), bought
through the test gateway and delivered as the app does; requests go through the
real routes. Every refusal is checked to carry none of the file's bytes.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce.accounts.service import _start_session
from commerce.actor import Actor
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.delivery import downloads, links
from commerce.licensing import service as licensing
from commerce.models import (
    DeliveryKind,
    DownloadEvent,
    Fulfilment,
    KeySource,
    LicenseKey,
    LicensePolicy,
    UserRole,
    WebhookOutcome,
)
from commerce.orders import refunds
from commerce.orders.webhooks import handle_event
from routes import SESSION_COOKIE
from storefront.api_downloads import download_routes
from storefront.api_licenses import license_routes
from tests.fixtures.world import World

BOOK = b"%PDF-1.4\n" + b"PAID-BOOK-CONTENT-" * 4000


@pytest.fixture
def client(store):
    return TestClient(Starlette(routes=download_routes(lambda: store) + license_routes()))


@pytest.fixture
def sale(store):
    """A buyer bought a book (files) and a tool (generated keys); a stranger bought nothing."""
    with unit_of_work() as s:
        world = World(s)
        shop = world.shop()
        book = world.product(shop, 1200, title="Secret Book")
        file = world.released_file(book, store, BOOK, filename="secret book.pdf", content_type="application/pdf")
        tool = world.product(shop, 900, title="Tool")
        tool.delivery_kind = DeliveryKind.KEYS
        s.add_all([tool, LicensePolicy(product_id=tool.id, source=KeySource.GENERATED)])
        s.flush()
        buyer, stranger = world.user(), world.user()
        actor = Actor(user_id=buyer.id, role=UserRole.BUYER)
        result = world.checkout(actor, [book, tool], currency="USD")
        _, event = world.pay(result.order_reference)
        assert handle_event(s, event) == WebhookOutcome.PROCESSED
    # The payment has committed and its delivery job has run (keys issued).
    with unit_of_work() as s:
        key = s.exec(select(LicenseKey).where(LicenseKey.buyer_id == buyer.id)).one()
        sale = dict(
            gateway=world.gateway,
            shop_actor=world.seller_actor(shop),
            buyer=actor,
            order=result.order_reference,
            book=book.id,
            tool=tool.id,
            file=file.id,
            key=licensing.reveal_key(s, actor, key.id),
            buyer_cookie=_start_session(s, buyer).token,
            stranger_cookie=_start_session(s, stranger).token,
            stranger=Actor(user_id=stranger.id, role=UserRole.BUYER),
        )
    return sale


def mint(sale, actor=None) -> str:
    with unit_of_work() as s:
        return downloads.mint_link(s, actor or sale["buyer"], sale["file"]).url


def get(client, url, cookie=None, **headers):
    client.cookies.clear()
    if cookie:
        client.cookies.set(SESSION_COOKIE, cookie)
    return client.get(url, headers=headers, follow_redirects=False)


def refused(response, status, text):
    assert response.status_code == status, response.text
    assert text in response.text
    assert b"PAID-BOOK-CONTENT" not in response.content


def test_the_buyer_downloads_the_file_under_its_name_and_can_resume(client, sale):
    url = mint(sale)
    response = get(client, url, sale["buyer_cookie"])
    assert response.status_code == 200
    assert response.content == BOOK
    assert "secret%20book.pdf" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "private, no-store"
    part = get(client, url, sale["buyer_cookie"], range="bytes=100-199")
    assert part.status_code == 206
    assert part.content == BOOK[100:200]


def test_tampered_links_are_refused(client, sale):
    url = mint(sale)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    exp, sig = query["exp"][0], query["sig"][0]
    base = parts.path.rsplit("/", 2)[0]
    for bad in (
        f"{base}/{sale['file'] + 1}/x.pdf?exp={exp}&sig={sig}",  # another file
        f"{parts.path}?exp={int(exp) + 86400}&sig={sig}",  # a longer life
        f"{parts.path}?exp={exp}&sig={'0' * 64}",  # a made-up signature
        f"{parts.path}?exp={exp}&sig={sig}&sig={'0' * 64}",  # smuggled parameters
        f"{parts.path}?exp={exp}",
    ):
        refused(get(client, bad, sale["buyer_cookie"]), 403, "not valid")


def test_an_expired_link_says_so(client, sale):
    with unit_of_work() as s:
        fulfilment_id = s.exec(select(Fulfilment.id).where(Fulfilment.product_id == sale["book"])).one()
    old = links.sign(
        get_settings().secret_key,
        fulfilment_id,
        sale["file"],
        "secret book.pdf",
        lifetime=timedelta(hours=1),
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    refused(get(client, old, sale["buyer_cookie"]), 410, "expired")


def test_another_buyers_link_is_refused_even_when_it_leaks(client, sale):
    url = mint(sale)
    refused(get(client, url, sale["stranger_cookie"]), 403, "belongs to another account")
    refused(get(client, url), 403, "belongs to another account")
    with pytest.raises(Exception, match="not in your library"):
        mint(sale, sale["stranger"])


def test_the_name_in_the_path_cannot_reach_other_files(client, sale, store):
    url = urlsplit(mint(sale))
    head, _ = url.path.rsplit("/", 1)
    for name in ("..%2F..%2F..%2Fetc%2Fpasswd", "%2E%2E", "other.pdf"):
        response = get(client, f"{head}/{name}?{url.query}", sale["buyer_cookie"])
        # Either no route at all (a name with slashes), or the signed file under its real name.
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert response.content == BOOK
            assert "secret%20book.pdf" in response.headers["content-disposition"]
        else:
            assert b"PAID-BOOK-CONTENT" not in response.content

    async def raw(path: str) -> int:
        sent = []
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": url.query.encode(),
            "headers": [(b"cookie", f"{SESSION_COOKIE}={sale['buyer_cookie']}".encode())],
            "client": ("127.0.0.1", 1),
        }

        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(message):
            sent.append(message)

        await Starlette(routes=download_routes(lambda: store))(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    # Dots in the raw path change which route matches, never which file is read.
    for path in (f"{head}/../../../../etc/passwd", "/api/download/../../etc/passwd"):
        status, body = asyncio.run(raw(path))
        assert b"root:" not in body
        assert (status, body) == (200, BOOK) or b"PAID-BOOK-CONTENT" not in body


def test_a_refunded_buyers_old_links_and_key_stop_working(client, sale):
    url = mint(sale)
    assert get(client, url, sale["buyer_cookie"]).status_code == 200
    with unit_of_work() as s:
        refunds.refund(s, sale["shop_actor"], sale["gateway"], sale["order"])
    refused(get(client, url, sale["buyer_cookie"]), 403, "refunded")
    answer = client.post("/api/v1/licenses/validate", json={"product_id": sale["tool"], "key": sale["key"]})
    assert answer.json()["status"] == "revoked"


def test_the_download_limit_is_enforced_with_a_reason(client, sale):
    with unit_of_work() as s:
        downloads.set_delivery_settings(s, sale["shop_actor"], sale["book"], download_limit=1, link_minutes=60)
    url = mint(sale)
    assert get(client, url, sale["buyer_cookie"]).status_code == 200
    # Resuming the same download is not a new one.
    assert get(client, url, sale["buyer_cookie"], range="bytes=10-").status_code == 206
    refused(get(client, url, sale["buyer_cookie"]), 429, "used the one download")


def test_a_range_request_does_not_download_past_the_limit(client, sale):
    """Links minted while downloads remained: once the limit is used, a range from byte 1
    on a link that never served a counted download is refused, as often as it is tried."""
    with unit_of_work() as s:
        downloads.set_delivery_settings(s, sale["shop_actor"], sale["book"], download_limit=1, link_minutes=60)
    first = mint(sale)
    with unit_of_work() as s:  # a second link, with another expiry
        downloads.set_delivery_settings(s, sale["shop_actor"], sale["book"], download_limit=1, link_minutes=30)
    spare = mint(sale)
    assert get(client, first, sale["buyer_cookie"]).status_code == 200
    for _ in range(3):
        refused(get(client, spare, sale["buyer_cookie"], range="bytes=1-"), 429, "used the one download")
    # The counted link may still resume its own download, and every request is in the log.
    assert get(client, first, sale["buyer_cookie"], range="bytes=1-").content == BOOK[1:]
    with unit_of_work() as s:
        stats = downloads.download_stats(s, sale["shop_actor"], sale["book"])
        logged = s.exec(select(DownloadEvent.counted).where(DownloadEvent.product_id == sale["book"])).all()
    assert stats.total == 1
    assert stats.buyers[0].used == 1
    assert sorted(logged) == [False, True]


def test_a_mismatched_if_range_is_a_whole_new_download(client, sale):
    """If-Range that does not match makes the answer the whole file, so it is counted."""
    with unit_of_work() as s:
        downloads.set_delivery_settings(s, sale["shop_actor"], sale["book"], download_limit=2, link_minutes=60)
    url = mint(sale)
    whole = get(client, url, sale["buyer_cookie"], range="bytes=1-", **{"if-range": '"stale"'})
    assert whole.status_code == 200
    assert whole.content == BOOK
    assert get(client, url, sale["buyer_cookie"]).status_code == 200
    refused(get(client, url, sale["buyer_cookie"], range="bytes=1-", **{"if-range": '"stale"'}), 429, "all 2")
    etag = whole.headers["etag"]
    assert get(client, url, sale["buyer_cookie"], range="bytes=1-", **{"if-range": etag}).content == BOOK[1:]


def test_the_license_api_answers_statuses_and_refuses_bad_requests(client, sale):
    post = lambda path, body: client.post(f"/api/v1/licenses/{path}", json=body)  # noqa: E731
    valid = post("validate", {"product_id": sale["tool"], "key": sale["key"]})
    assert valid.status_code == 200
    assert valid.json()["status"] == "valid"
    assert (
        post("activate", {"product_id": sale["tool"], "key": sale["key"], "instance": "laptop"}).json()["status"]
        == "valid"
    )
    assert (
        post("deactivate", {"product_id": sale["tool"], "key": sale["key"], "instance": "laptop"}).json()["message"]
        == "Deactivated."
    )
    unknown = post("validate", {"product_id": sale["tool"], "key": "AAAAA-BBBBB"})
    assert unknown.json() == {"status": "not_found", "message": "This license key is not valid for this product."}
    assert post("validate", {"product_id": sale["book"], "key": sale["key"]}).json()["status"] == "not_found"
    assert post("activate", {"product_id": sale["tool"], "key": sale["key"]}).status_code == 422
    assert client.post("/api/v1/licenses/validate", content=b"{not json").status_code == 422
    assert client.post("/api/v1/licenses/validate", content=b"x" * 10_000).status_code == 413
    assert client.get("/api/v1/licenses/validate").status_code == 405


def test_guessing_keys_at_high_rate_is_stopped(client, sale):
    from commerce.license_keys.format import generate_key
    from commerce.licensing.api import CLIENT_MISSES_PER_WINDOW

    for _ in range(CLIENT_MISSES_PER_WINDOW):
        client.post("/api/v1/licenses/validate", json={"product_id": sale["tool"], "key": generate_key()})
    blocked = client.post("/api/v1/licenses/validate", json={"product_id": sale["tool"], "key": sale["key"]})
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "60"
    assert blocked.json()["status"] == "rate_limited"


def test_with_s3_the_route_redirects_to_a_short_presigned_url_after_its_checks(sale):
    class PresigningStore:
        def __init__(self):
            self.signed = []

        def signed_download_url(self, key, *, filename, expires_in, content_type=None):
            self.signed.append((key, filename, expires_in, content_type))
            return "https://bucket.s3.example/" + key + "?X-Amz-Signature=abc"

    store = PresigningStore()
    client = TestClient(Starlette(routes=download_routes(lambda: store)))
    url = mint(sale)
    refused(get(client, url, sale["stranger_cookie"]), 403, "another account")
    assert store.signed == []
    response = get(client, url, sale["buyer_cookie"])
    assert response.status_code == 303
    assert response.headers["location"].startswith("https://bucket.s3.example/")
    ((key, filename, lifetime, content_type),) = store.signed
    assert filename == "secret book.pdf"
    assert lifetime == timedelta(minutes=1)
    assert content_type == "application/pdf"


def test_a_copied_session_token_past_its_rotation_does_not_download(client, sale):
    from commerce.accounts.service import ROTATION_GRACE, _token_hash
    from commerce.kit.time import utcnow
    from commerce.models import AuthSession

    url = mint(sale)
    with unit_of_work() as s:
        row = s.exec(select(AuthSession).where(AuthSession.token_hash == _token_hash(sale["buyer_cookie"]))).one()
        row.replaced_at = utcnow() - ROTATION_GRACE - timedelta(seconds=1)
        s.add(row)
    refused(get(client, url, sale["buyer_cookie"]), 403, "another account")

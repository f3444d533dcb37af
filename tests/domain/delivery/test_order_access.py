"""The confirmation page delivers at once: the browser that paid (a guest holding the order's
receipt token, or the signed-in buyer) sees the order's files and keys; nobody else does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from commerce.actor import Actor
from commerce.config import get_settings
from commerce.delivery import links
from commerce.delivery.downloads import AccessRevoked, authorise
from commerce.delivery.order_access import mint_order_download, order_delivery
from commerce.errors import NotFound
from commerce.models import DeliveryKind, Order, WebhookOutcome
from commerce.orders.webhooks import handle_event
from tests.fixtures.delivery import link_parts, session_token


def guest_buys(shop, *products):
    result = shop.world.checkout(Actor.anonymous(), list(products), currency="USD", email="guest@example.com")
    _, event = shop.world.pay(result.order_reference)
    assert handle_event(shop.s, event) == WebhookOutcome.PROCESSED
    shop.s.commit()  # delivery runs after the commit
    order = shop.s.exec(select(Order).where(Order.reference == result.order_reference)).one()
    return order, result.receipt_token


def verify(url: str):
    fulfilment_id, file_id, _, exp, sig = link_parts(url)
    by = parse_qs(urlsplit(url).query).get("by", [""])[0]
    return links.verify(get_settings().secret_key, fulfilment_id, file_id, exp, sig, by=by)


@pytest.fixture
def bought(shop):
    book = shop.product(title="Field Guide")
    shop.file(book, shop.version(book), b"%PDF-1.4 the guide", "guide.pdf")
    app = shop.product(kind=DeliveryKind.KEYS, title="Sketch App")
    shop.generated_keys(app, prefix="SKT")
    order, token = guest_buys(shop, book, app)
    return dict(order=order, token=token, book=book, app=app)


def test_the_browser_that_paid_sees_the_files_and_the_keys_at_once(shop, bought):
    delivery = order_delivery(shop.s, Actor.anonymous(), bought["order"].reference, bought["token"])
    by_title = {item.title: item for item in delivery.items}
    assert [f.filename for f in by_title["Field Guide"].files] == ["guide.pdf"]
    (key,) = by_title["Sketch App"].keys
    assert key.key.startswith("SKT-")
    assert "•" not in key.key
    assert not delivery.delivering


def test_nobody_else_sees_the_orders_delivery(shop, bought):
    reference = bought["order"].reference
    with pytest.raises(NotFound):
        order_delivery(shop.s, Actor.anonymous(), reference, "")
    with pytest.raises(NotFound):
        order_delivery(shop.s, Actor.anonymous(), reference, "0" * 64)
    _, stranger = shop.buyer()
    with pytest.raises(NotFound):
        order_delivery(shop.s, stranger, reference)
    file_id = order_delivery(shop.s, Actor.anonymous(), reference, bought["token"]).items[0].files[0].id
    with pytest.raises(NotFound):
        mint_order_download(shop.s, stranger, reference, "", file_id)


def test_a_guest_downloads_without_a_session_for_minutes_only(shop, bought):
    reference, token = bought["order"].reference, bought["token"]
    file_id = order_delivery(shop.s, Actor.anonymous(), reference, token).items[0].files[0].id
    minted = mint_order_download(shop.s, Actor.anonymous(), reference, token, file_id)
    link = verify(minted.url)
    assert link.by_receipt
    assert link.expires_at <= datetime.now(UTC) + links.RECEIPT_LINK_LIFETIME + timedelta(seconds=1)
    ticket = authorise(shop.s, link, session_token=None, counts=True, ip="203.0.113.1", user_agent="test")
    assert ticket.filename == "guide.pdf"
    # Without the receipt mark the same signature proves nothing.
    fulfilment_id, file_part, _, exp, sig = link_parts(minted.url)
    with pytest.raises(links.InvalidLink):
        links.verify(get_settings().secret_key, fulfilment_id, file_part, exp, sig)


def test_the_signed_in_buyer_gets_their_usual_session_bound_link(shop):
    book = shop.product(title="Atlas")
    shop.file(book, shop.version(book), b"%PDF-1.4 atlas", "atlas.pdf")
    user, actor = shop.buyer()
    order = shop.buy(actor, book)
    file_id = order_delivery(shop.s, actor, order.reference).items[0].files[0].id
    link = verify(mint_order_download(shop.s, actor, order.reference, "", file_id).url)
    assert not link.by_receipt
    assert authorise(shop.s, link, session_token=session_token(shop.s, user), counts=True, ip=None, user_agent="")


def test_a_refund_takes_the_delivery_off_the_page_and_stops_its_links(shop, bought):
    reference, token = bought["order"].reference, bought["token"]
    file_id = order_delivery(shop.s, Actor.anonymous(), reference, token).items[0].files[0].id
    minted = mint_order_download(shop.s, Actor.anonymous(), reference, token, file_id)
    shop.refund(bought["order"])
    shop.s.commit()
    assert order_delivery(shop.s, Actor.anonymous(), reference, token).items == []
    with pytest.raises(AccessRevoked):
        authorise(shop.s, verify(minted.url), session_token=None, counts=True, ip=None, user_agent="")

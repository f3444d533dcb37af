"""The receipt's access link over HTTP: opening it does not spend it (mail scanners fetch
links), another site cannot post it, and using it sets the session and lands on the purchase."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

import routes
from commerce import accounts
from commerce.models import OrderAccessLink
from commerce.orders.access import issue_access_link
from storefront.api_access import access_routes
from tests.domain.checkout.test_access_links import guest_buys


@pytest.fixture
def client():
    return TestClient(Starlette(routes=access_routes()), base_url="http://shop.test")


@pytest.fixture
def link(world):
    product = world.product(world.shop(), 900)
    order = guest_buys(world, product)
    url = issue_access_link(world.s, order)
    world.s.commit()
    return dict(path=urlsplit(url).path, product=product)


def test_opening_the_link_shows_a_page_that_continues_and_does_not_spend_it(s, client, link):
    for _ in range(2):  # a mail scanner, then the person
        page = client.get(link["path"])
        assert page.status_code == 200
        assert 'method="post"' in page.text
        assert page.headers["referrer-policy"] == "same-origin"
        assert routes.SESSION_COOKIE not in page.cookies
    assert all(row.used_at is None for row in s.exec(select(OrderAccessLink)).all())


def test_another_site_cannot_post_the_link(s, client, link):
    refused = client.post(link["path"], headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"})
    assert refused.status_code == 403
    assert routes.SESSION_COOKIE not in refused.cookies
    assert all(row.used_at is None for row in s.exec(select(OrderAccessLink)).all())


def test_using_the_link_signs_in_and_lands_on_the_product_then_it_is_spent(s, client, link):
    used = client.post(
        link["path"], headers={"origin": "http://shop.test", "sec-fetch-site": "same-origin"}, follow_redirects=False
    )
    assert used.status_code == 303
    assert used.headers["location"] == f"/library/{link['product'].id}"
    token = used.cookies[routes.SESSION_COOKIE]
    assert accounts.resume_session(s, token) is not None
    again = client.post(link["path"], headers={"sec-fetch-site": "same-origin"}, follow_redirects=False)
    assert again.status_code == 410
    assert "already been used" in again.text
    assert 'action="' + link["path"] + '/resend"' in again.text


def test_an_unknown_link_answers_not_found(client):
    assert client.get(routes.ACCESS + "/not-a-real-token").status_code == 404

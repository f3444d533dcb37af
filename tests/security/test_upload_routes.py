"""The upload routes (storefront/api_uploads.py) over HTTP, with real sessions: only the
product's seller opens an upload, only they use it, and a refusal changes nothing."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce.accounts import resume_session
from commerce.accounts.service import _start_session
from commerce.catalog import products
from commerce.db import unit_of_work
from commerce.models import Shop, User
from routes import SESSION_COOKIE
from storefront.api_uploads import upload_routes
from tests.fixtures.world import World

PDF = b"%PDF-1.7\n" + b"route-test " * 1000


@pytest.fixture
def client(store):
    return TestClient(Starlette(routes=upload_routes(lambda: store)))


@pytest.fixture
def people():
    """A seller with a draft product, another seller and a buyer, each with a session."""
    with unit_of_work() as s:
        world = World(s)
        shop, rival_shop = world.shop(), world.shop()
        product = products.create_product(s, world.seller_actor(shop), title="Secret file", price="5.00")
        buyer = world.user()
        return {
            "product": product.id,
            "seller": _start_session(s, s.get_one(User, shop.owner_id)).token,
            "rival": _start_session(s, s.get_one(User, s.get_one(Shop, rival_shop.id).owner_id)).token,
            "buyer": _start_session(s, buyer).token,
        }


def call(client, method, url, cookie=None, **kwargs):
    client.cookies.clear()
    if cookie:
        client.cookies.set(SESSION_COOKIE, cookie)
    return client.request(method, url, **kwargs)


def base(people) -> str:
    return f"/api/uploads/products/{people['product']}/s3/multipart"


def start(client, people, cookie):
    return call(client, "POST", base(people), cookie, json={"filename": "book.pdf", "metadata": {"size": len(PDF)}})


def multipart_uploads(store):
    return list((store.root / "multipart").glob("*/meta.json"))


@pytest.mark.parametrize("who", [None, "buyer", "rival"])
def test_only_the_products_seller_opens_an_upload(client, people, store, who):
    response = start(client, people, people[who] if who else None)
    assert response.status_code == 403
    assert multipart_uploads(store) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"filename": "book.pdf", "metadata": {"size": 3 * 1024**3}}, "larger than the upload limit"),
        ({"filename": "book.pdf", "metadata": {}}, "size is missing"),
        ({"filename": "", "metadata": {"size": 10}}, "file name"),
        ({"filename": "book.pdf", "metadata": {"size": 0}}, "empty"),
    ],
)
def test_a_bad_request_is_refused_with_its_reason_and_opens_nothing(client, people, store, body, message):
    response = call(client, "POST", base(people), people["seller"], json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert multipart_uploads(store) == []


def test_a_body_that_is_not_json_is_refused(client, people, store):
    response = call(client, "POST", base(people), people["seller"], content=b"{not json")
    assert response.status_code == 400
    assert multipart_uploads(store) == []


def test_the_seller_uploads_a_file_and_nobody_else_can_touch_the_upload(client, people, store):
    opened = start(client, people, people["seller"])
    assert opened.status_code == 200
    key, upload_id = opened.json()["key"], opened.json()["uploadId"]
    upload = f"{base(people)}/{upload_id}"

    for who in (None, "buyer", "rival"):
        cookie = people[who] if who else None
        assert call(client, "GET", f"{upload}/1", cookie, params={"key": key}).status_code == 403
        assert call(client, "GET", upload, cookie, params={"key": key}).status_code == 403
        assert call(client, "POST", f"{upload}/complete", cookie, params={"key": key}, json={}).status_code == 403
        assert call(client, "DELETE", upload, cookie, params={"key": key}).status_code == 403

    signed = call(client, "GET", f"{upload}/1", people["seller"], params={"key": key})
    sent = call(client, "PUT", signed.json()["url"], content=PDF)
    assert sent.status_code == 200
    listed = call(client, "GET", upload, people["seller"], params={"key": key}).json()
    assert listed == [{"PartNumber": 1, "Size": len(PDF), "ETag": sent.headers["etag"]}]

    completed = call(
        client,
        "POST",
        f"{upload}/complete",
        people["seller"],
        params={"key": key},
        json={"parts": [{"PartNumber": 1, "ETag": sent.headers["etag"]}]},
    )
    assert completed.status_code == 200
    assert completed.json()["location"] == f"/seller/products/{people['product']}"
    with unit_of_work() as s:
        view = products.get_product_editor(s, _seller_actor(s, people), people["product"])
    assert [(file.filename, file.size_bytes) for file in view.versions[0].files] == [("book.pdf", len(PDF))]
    assert multipart_uploads(store) == []


def test_completing_before_every_part_landed_keeps_the_upload_open(client, people, store):
    opened = start(client, people, people["seller"]).json()
    response = call(
        client,
        "POST",
        f"{base(people)}/{opened['uploadId']}/complete",
        people["seller"],
        params={"key": opened["key"]},
        json={"parts": []},
    )
    assert response.status_code == 400
    assert "missing part" in response.json()["error"]
    assert len(multipart_uploads(store)) == 1


def _seller_actor(s, people):
    return resume_session(s, people["seller"]).actor

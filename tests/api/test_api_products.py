"""/api/v1/products and file uploads, as a seller's code uses them with a key."""

from __future__ import annotations

from tests.fixtures.api import new_key


def test_list_and_read_only_the_keys_shop_products(api_world):
    client, a, b = api_world.client, api_world.a, api_world.b
    answer = client.get("/api/v1/products", headers=a.headers())
    assert answer.status_code == 200
    ids = {item["id"] for item in answer.json()["data"]}
    assert {a.product_id, a.keys_product_id} <= ids
    assert not ids & {b.product_id, b.keys_product_id}
    one = client.get(f"/api/v1/products/{a.product_id}", headers=a.headers()).json()
    assert one["title"] == "Field Guide"
    assert one["price"] == {"amount": 1200, "currency": "USD"}
    assert one["live"] is True
    assert one["created_at"].endswith("Z")
    assert client.get(f"/api/v1/products/{b.product_id}", headers=a.headers()).status_code == 404


def test_create_update_and_publish_a_draft(api_world):
    client, a = api_world.client, api_world.a
    created = client.post(
        "/api/v1/products",
        headers=a.headers(),
        json={"title": "Pocket Atlas", "price": {"amount": 850, "currency": "USD"}},
    )
    assert created.status_code == 201, created.text
    product = created.json()
    assert product["status"] == "draft"
    assert product["price"]["amount"] == 850
    changed = client.patch(
        f"/api/v1/products/{product['id']}",
        headers=a.headers(),
        json={"summary": "Maps for a pocket.", "tags": ["maps", "travel"], "price": {"amount": 900}},
    ).json()
    assert changed["summary"] == "Maps for a pocket."
    assert changed["tags"] == ["maps", "travel"]
    assert changed["price"] == {"amount": 900, "currency": "USD"}
    refused = client.post(f"/api/v1/products/{product['id']}/publish", headers=a.headers())
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert "cover" in refused.json()["detail"].lower()


def test_validation_errors_list_the_fields(api_world):
    client, a = api_world.client, api_world.a
    answer = client.post("/api/v1/products", headers=a.headers(), json={"title": "", "price": {"amount": -1}})
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["status"] == 422
    assert problem["title"] == "Unprocessable Entity"
    assert {error["field"] for error in problem["errors"]} == {"body.title", "body.price.amount"}


def test_a_file_upload_lists_the_file(api_world):
    client, a = api_world.client, api_world.a
    draft = client.post(
        "/api/v1/products", headers=a.headers(), json={"title": "Upload Me", "price": {"amount": 100}}
    ).json()
    content = b"%PDF-1.4\n% uploaded through the API\n"
    upload = client.post(
        f"/api/v1/products/{draft['id']}/uploads",
        headers=a.headers(),
        json={"filename": "notes.pdf", "size": len(content)},
    )
    assert upload.status_code == 201, upload.text
    ticket = upload.json()
    assert [part["number"] for part in ticket["parts"]] == [1]
    put = client.put(ticket["parts"][0]["url"], content=content)
    assert put.status_code == 200, put.text
    done = client.post(
        f"/api/v1/products/{draft['id']}/uploads/{ticket['upload_id']}/complete",
        headers=a.headers(),
        json={"key": ticket["key"]},
    )
    assert done.status_code == 200, done.text
    listed = [f["filename"] for version in done.json()["versions"] for f in version["files"]]
    assert listed == ["notes.pdf"]


def test_a_read_key_cannot_write(api_world):
    client, a = api_world.client, api_world.a
    reader = new_key(a.seller, scopes=["products:read"])
    assert client.get("/api/v1/products", headers=a.headers(reader)).status_code == 200
    refused = client.post("/api/v1/products", headers=a.headers(reader), json={"title": "X", "price": {"amount": 1}})
    assert refused.status_code == 403
    assert "products:write" in refused.json()["detail"]
    assert client.get("/api/v1/orders", headers=a.headers(reader)).status_code == 403


def _png(width: int = 400, height: int = 300) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "#0f766e").save(out, "PNG")
    return out.getvalue()


def test_a_cover_is_set_from_the_image_bytes(api_world):
    client, a, b = api_world.client, api_world.a, api_world.b
    draft = client.post(
        "/api/v1/products", headers=a.headers(), json={"title": "Cover Story", "price": {"amount": 500}}
    ).json()
    url = f"/api/v1/products/{draft['id']}/cover"
    assert draft["cover_url"] is None

    answer = client.put(url, headers={**a.headers(), "content-type": "image/png"}, content=_png())
    assert answer.status_code == 200, answer.text
    assert answer.json()["cover_url"]
    refused = client.post(f"/api/v1/products/{draft['id']}/publish", headers=a.headers())
    assert "cover" not in refused.json()["detail"].lower()  # what publishing still needs is not the cover

    # Bad input: a clear problem, the cover unchanged.
    for body, status, words in (
        (b"%PDF-1.7 not an image", 422, "image"),
        (_png(50, 50), 422, "100"),
        (b"", 422, "image as the request body"),
    ):
        bad = client.put(url, headers={**a.headers(), "content-type": "image/png"}, content=body)
        assert bad.status_code == status, bad.text
        assert words in bad.text
    too_big = client.put(url, headers={**a.headers(), "content-type": "image/png"}, content=b"\0" * (21 * 1024 * 1024))
    assert too_big.status_code == 413
    assert (
        client.get(f"/api/v1/products/{draft['id']}", headers=a.headers()).json()["cover_url"]
        == answer.json()["cover_url"]
    )
    # Another shop's key, and a key without write access: refused.
    other = client.put(url, headers={**b.headers(), "content-type": "image/png"}, content=_png())
    assert other.status_code == 404
    reader = new_key(a.seller, scopes=["products:read"])
    assert (
        client.put(url, headers={**a.headers(reader), "content-type": "image/png"}, content=_png()).status_code == 403
    )

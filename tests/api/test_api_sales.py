"""/api/v1 orders and refunds, customers, license keys and discount codes, each seen and
changed only through the key's own shop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def test_sales_list_read_and_refund(api_world):
    client, a, b = api_world.client, api_world.a, api_world.b
    listed = client.get("/api/v1/orders", headers=a.headers()).json()
    assert [order["id"] for order in listed["data"]] == [a.order_reference]
    order = listed["data"][0]
    assert order["status"] == "paid"
    assert order["total"] == {"amount": 1200, "currency": "USD"}
    assert [line["product_id"] for line in order["lines"]] == [a.product_id]
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get("/api/v1/orders", headers=a.headers(), params={"created_after": future}).json()["data"] == []
    assert client.get("/api/v1/orders", headers=a.headers(), params={"status": "refunded"}).json()["data"] == []
    assert client.get(f"/api/v1/orders/{b.order_reference}", headers=a.headers()).status_code == 404
    assert client.post(f"/api/v1/orders/{b.order_reference}/refunds", headers=a.headers(), json={}).status_code == 404

    partial = client.post(
        f"/api/v1/orders/{a.order_reference}/refunds",
        headers=a.headers(),
        json={"lines": [{"line_id": a.line_id, "amount": 200}], "reason": "late delivery"},
    )
    assert partial.status_code == 200, partial.text
    assert partial.json()["status"] == "partially_refunded"
    assert partial.json()["lines"][0]["refundable"] == {"amount": 1000, "currency": "USD"}
    too_much = client.post(
        f"/api/v1/orders/{a.order_reference}/refunds",
        headers=a.headers(),
        json={"lines": [{"line_id": a.line_id, "amount": 5000}]},
    )
    assert too_much.status_code == 422
    other_line = client.post(
        f"/api/v1/orders/{a.order_reference}/refunds",
        headers=a.headers(),
        json={"lines": [{"line_id": b.line_id, "amount": 1}]},
    )
    assert other_line.status_code == 422
    rest = client.post(f"/api/v1/orders/{a.order_reference}/refunds", headers=a.headers(), json={})
    assert rest.json()["status"] == "refunded"
    assert client.get(f"/api/v1/orders/{b.order_reference}", headers=b.headers()).json()["status"] == "paid"


def test_customers_are_the_shops_buyers_under_a_shop_id(api_world):
    client, a, b = api_world.client, api_world.a, api_world.b
    mine = client.get("/api/v1/customers", headers=a.headers()).json()["data"]
    theirs = client.get("/api/v1/customers", headers=b.headers()).json()["data"]
    assert len(mine) == 1
    assert mine[0]["orders"] == 1
    assert mine[0]["id"] != theirs[0]["id"]
    assert client.get(f"/api/v1/customers/{mine[0]['id']}", headers=a.headers()).json() == mine[0]
    assert client.get(f"/api/v1/customers/{theirs[0]['id']}", headers=a.headers()).status_code == 404


def test_license_keys_list_import_disable_and_activations(api_world):
    client, a, b = api_world.client, api_world.a, api_world.b
    listed = client.get("/api/v1/license-keys", headers=a.headers(), params={"status": "available"}).json()["data"]
    assert {key["id"] for key in listed} == set(a.license_key_ids)
    assert all(key["masked"].startswith("•") for key in listed)
    assert "AAAA-1111-BBBB" not in str(listed)
    imported = client.post(
        "/api/v1/license-keys/imports",
        headers=a.headers(),
        json={"product_id": a.keys_product_id, "keys": ["GGGG-4444-HHHH", "AAAA-1111-BBBB"]},
    )
    assert imported.status_code == 201, imported.text
    assert imported.json() == {"added": 1, "skipped": 1, "available": 4}
    into_theirs = client.post(
        "/api/v1/license-keys/imports",
        headers=a.headers(),
        json={"product_id": b.keys_product_id, "keys": ["IIII-5555-JJJJ"]},
    )
    assert into_theirs.status_code == 404
    key_id = a.license_key_ids[0]
    # A key in stock has not been sold: nothing to disable.
    assert client.post(f"/api/v1/license-keys/{key_id}/disable", headers=a.headers(), json={}).status_code == 409
    assert client.get(f"/api/v1/license-keys/{key_id}/activations", headers=a.headers()).json() == {"data": []}
    assert client.get(f"/api/v1/license-keys/{b.license_key_ids[0]}", headers=a.headers()).status_code == 404


def test_discount_codes_crud(api_world):
    client, a, b = api_world.client, api_world.a, api_world.b
    created = client.post(
        "/api/v1/discount-codes",
        headers=a.headers(),
        json={"code": "spring-5", "kind": "fixed", "amount": 500, "usage_limit": 10},
    )
    assert created.status_code == 201, created.text
    code = created.json()
    assert code["code"] == "SPRING-5"
    assert code["amount"] == {"amount": 500, "currency": "USD"}
    assert code["active"] is True
    again = client.post("/api/v1/discount-codes", headers=a.headers(), json={"code": "SPRING-5", "kind": "percent"})
    assert again.status_code == 422  # a percent code needs its percentage
    clash = client.post(
        "/api/v1/discount-codes", headers=a.headers(), json={"code": "SPRING-5", "kind": "percent", "percent_bps": 5}
    )
    assert clash.status_code == 409
    later = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    updated = client.patch(
        f"/api/v1/discount-codes/{code['id']}", headers=a.headers(), json={"expires_at": later, "usage_limit": None}
    ).json()
    assert updated["expires_at"] == later
    assert updated["usage_limit"] is None
    ended = client.delete(f"/api/v1/discount-codes/{code['id']}", headers=a.headers()).json()
    assert ended["active"] is False
    assert client.get(f"/api/v1/discount-codes/{b.code_id}", headers=a.headers()).status_code == 404
    assert client.delete(f"/api/v1/discount-codes/{b.code_id}", headers=a.headers()).status_code == 404
    assert client.get(f"/api/v1/discount-codes/{b.code_id}", headers=b.headers()).json()["active"] is True

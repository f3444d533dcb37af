"""What every /api/v1 call shares: keys (401 for none, revoked or expired), cursors,
Idempotency-Key, per-key rate limits, problem details, the document and its reference page."""

from __future__ import annotations

import uuid

from commerce.api import keys, limits
from commerce.db import unit_of_work
from tests.fixtures.api import new_key


def test_missing_revoked_and_expired_keys_get_a_401_problem(api_world):
    client, a = api_world.client, api_world.a
    with unit_of_work() as s:
        revoked = keys.create_api_key(s, a.seller, name="gone", scopes=["products:read"])
        keys.revoke_api_key(s, a.seller, revoked.key.id)
    for headers in ({}, {"authorization": "Bearer mp_nothing"}, a.headers(revoked.secret), {"authorization": "x"}):
        answer = client.get("/api/v1/products", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.json()["status"] == 401


def test_cursor_pages_walk_the_whole_list_once(api_world):
    client, a = api_world.client, api_world.a
    for n in range(3):
        client.post("/api/v1/products", headers=a.headers(), json={"title": f"Paged {n}", "price": {"amount": 100}})
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/products", headers=a.headers(), params=params).json()
        assert len(page["data"]) <= 2
        seen += [item["id"] for item in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) >= 5
    forged = client.get("/api/v1/products", headers=a.headers(), params={"cursor": "not-a-cursor"})
    assert forged.status_code == 422
    assert forged.json()["errors"] == [{"field": "cursor", "message": "This cursor is not one the API gave out."}]


def test_the_same_idempotency_key_and_body_answer_the_first_answer(api_world):
    client, a = api_world.client, api_world.a
    key = str(uuid.uuid4())
    body = {"title": "Once Only", "price": {"amount": 300}}
    first = client.post("/api/v1/products", headers=a.headers() | {"idempotency-key": key}, json=body)
    again = client.post("/api/v1/products", headers=a.headers() | {"idempotency-key": key}, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    titles = [p["title"] for p in client.get("/api/v1/products", headers=a.headers()).json()["data"]]
    assert titles.count("Once Only") == 1
    other = client.post(
        "/api/v1/products", headers=a.headers() | {"idempotency-key": key}, json=body | {"title": "Twice"}
    )
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    # Another key of the same shop has its own idempotency keys.
    fresh = client.post("/api/v1/products", headers=a.headers(new_key(a.seller)) | {"idempotency-key": key}, json=body)
    assert fresh.status_code == 201
    assert fresh.json()["id"] != first.json()["id"]


def test_each_key_has_its_own_rate_limit(api_world, monkeypatch):
    client, a = api_world.client, api_world.a
    monkeypatch.setattr(limits, "REQUESTS_PER_WINDOW", 3)
    busy, calm = new_key(a.seller), new_key(a.seller)
    answers = [client.get("/api/v1/discount-codes", headers=a.headers(busy)) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[0].headers["ratelimit-policy"] == '"per-key";q=3;w=60'
    assert answers[0].headers["ratelimit"].startswith('"per-key";r=2;t=')
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert client.get("/api/v1/discount-codes", headers=a.headers(calm)).status_code == 200


def test_the_openapi_document_and_its_offline_reference_page(api_world):
    client = api_world.client
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert {"/products", "/orders/{reference}/refunds", "/licenses/validate"} <= set(document["paths"])
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "https://" not in page.text
    assert "<script>" not in page.text  # no inline script: the CSP allows this origin's files only
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "init.js"):
        assert client.get(f"/api/v1/docs/assets/{asset}").status_code == 200


def test_the_license_api_keeps_its_paths_and_answers(api_world):
    client = api_world.client
    answer = client.post("/api/v1/licenses/validate", json={"product_id": 1, "key": "NOPE-NOPE"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "not_found"
    assert client.post("/api/v1/licenses/validate", content=b"{").status_code == 422
    assert client.get("/api/v1/licenses/validate").status_code == 405


def test_a_license_check_of_an_impossibly_large_product_id_is_refused_not_a_crash(api_world):
    # Found by schemathesis: SQLite cannot take the number, which used to answer 500.
    answer = api_world.client.post("/api/v1/licenses/validate", json={"product_id": 2**70, "key": "ABCDE-FGHIJ"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "product_id"


def test_text_with_a_nul_character_is_refused_before_any_service(api_world):
    client, a = api_world.client, api_world.a
    answer = client.post(f"/api/v1/orders/{a.order_reference}/refunds", headers=a.headers(), json={"reason": "a\x00b"})
    assert answer.status_code == 422
    assert "NUL" in answer.json()["errors"][0]["message"]
    assert client.get("/api/v1/orders/ORD%00X", headers=a.headers()).status_code == 422

"""/api/v1/webhook-endpoints: a key with the webhooks scope manages its own shop's endpoints
(create answers the signing secret, update, turn off, rotate), never another shop's."""

from __future__ import annotations

from sqlalchemy import text

from commerce.db import unit_of_work
from tests.fixtures.api import new_key


def test_webhook_endpoints_through_the_api(api_world):
    client, a, b = api_world.client, api_world.a, api_world.b
    created = client.post(
        "/api/v1/webhook-endpoints",
        headers=a.headers(),
        json={"url": "https://hooks.example.com/a", "event_types": ["order.paid", "review.created"]},
    )
    assert created.status_code == 201, created.text
    endpoint_id, secret = created.json()["endpoint_id"], created.json()["secret"]
    assert secret.startswith("whsec_")
    [listed] = client.get("/api/v1/webhook-endpoints", headers=a.headers()).json()["data"]
    assert listed["event_types"] == ["order.paid", "review.created"]
    assert "secret" not in listed
    assert client.get("/api/v1/webhook-endpoints", headers=b.headers()).json()["data"] == []

    changed = client.patch(
        f"/api/v1/webhook-endpoints/{endpoint_id}", headers=a.headers(), json={"enabled": False, "description": "CRM"}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["enabled"], changed.json()["description"]) == (False, "CRM")
    rotated = client.post(f"/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret", headers=a.headers(), json={})
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] not in (secret, "")

    # Another shop's key: as if it did not exist.
    assert client.patch(f"/api/v1/webhook-endpoints/{endpoint_id}", headers=b.headers(), json={}).status_code == 404
    assert (
        client.post(f"/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret", headers=b.headers(), json={}).status_code
        == 404
    )
    # Bad input: a clear problem, nothing made.
    refused = client.post(
        "/api/v1/webhook-endpoints",
        headers=a.headers(),
        json={"url": "https://10.0.0.7/hook", "event_types": ["order.paid"]},
    )
    assert refused.status_code == 422
    assert (
        client.post(
            "/api/v1/webhook-endpoints", headers=a.headers(), json={"url": "https://x.example", "event_types": ["nope"]}
        ).status_code
        == 422
    )
    assert len(client.get("/api/v1/webhook-endpoints", headers=a.headers()).json()["data"]) == 1
    # Deleting: another shop's key cannot; the owner's can, once.
    assert client.delete(f"/api/v1/webhook-endpoints/{endpoint_id}", headers=b.headers()).status_code == 404
    deleted = client.delete(f"/api/v1/webhook-endpoints/{endpoint_id}", headers=a.headers())
    assert deleted.status_code == 204, deleted.text
    assert client.get("/api/v1/webhook-endpoints", headers=a.headers()).json()["data"] == []
    assert client.delete(f"/api/v1/webhook-endpoints/{endpoint_id}", headers=a.headers()).status_code == 404
    # Without the scope: refused.
    reader = new_key(a.seller, scopes=["products:read"])
    assert client.get("/api/v1/webhook-endpoints", headers=a.headers(reader)).status_code == 403


def test_a_replayed_create_gives_the_secret_again_but_the_database_keeps_it_sealed(api_world):
    client, a = api_world.client, api_world.a
    headers = a.headers() | {"idempotency-key": "create-hook-once"}
    body = {"url": "https://hooks.example.com/sealed", "event_types": ["order.paid"]}
    first = client.post("/api/v1/webhook-endpoints", headers=headers, json=body)
    again = client.post("/api/v1/webhook-endpoints", headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    secret = first.json()["secret"]
    assert again.json()["secret"] == secret
    with unit_of_work() as s:
        stored = s.connection().execute(text("SELECT body FROM api_idempotent_requests")).scalars().all()
    assert stored
    assert not any(secret.encode() in bytes(raw) for raw in stored)

"""/healthz says the process is alive without touching anything; /readyz names what is not reachable."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from starlette.testclient import TestClient

from commerce import readiness
from commerce.config import get_settings
from commerce.search import search_index
from commerce.search.meili import MeiliSearchIndex
from commerce.storage import blob_store
from commerce.storage.s3 import S3BlobStore
from storefront.api import api

# Nothing listens on port 1: a connection there is refused at once.
NOWHERE = "127.0.0.1:1"


@pytest.fixture
def client():
    readiness.migrations_current.forget()  # the schema check is cached for a few seconds
    yield TestClient(api)
    readiness.migrations_current.forget()


@pytest.fixture
def database_at(monkeypatch):
    """Point the app at another database for the test (the settings are read again)."""

    def point(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()


def test_ready_when_every_dependency_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "redis": "skipped", "blob_store": "ok", "search": "ok"},
    }


def test_healthz_stays_alive_when_the_database_is_down(client, database_at):
    database_at(f"postgresql+psycopg://nobody@{NOWHERE}/nothing")
    assert client.get("/healthz").json() == {"status": "alive"}
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["failed"] == ["database", "migrations"]
    assert body["checks"]["database"] == "unavailable (OperationalError)"
    # Only the kind of failure: the address and user stay out of the answer.
    assert "nobody" not in response.text
    assert NOWHERE not in response.text
    assert body["checks"]["blob_store"] == "ok"
    assert body["checks"]["search"] == "ok"


def test_not_ready_while_migrations_are_behind(client, database_at, tmp_path):
    empty = tmp_path / "empty.db"
    create_engine(f"sqlite:///{empty}").connect().close()  # a database that answers, with no schema
    database_at(f"sqlite:///{empty}")
    body = client.get("/readyz").json()
    assert body["failed"] == ["migrations"]
    assert "migration head" in body["checks"]["migrations"]


def test_not_ready_when_the_search_engine_is_unreachable(client):
    with search_index.replaced(MeiliSearchIndex(f"http://{NOWHERE}", None, timeout_seconds=1)):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["search"]


def test_not_ready_when_the_blob_store_is_unreachable(client):
    store = S3BlobStore("files", endpoint_url=f"http://{NOWHERE}", access_key_id="x", secret_access_key="y")
    with blob_store.replaced(store):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["blob_store"]


def test_not_ready_when_redis_is_configured_but_down(client, monkeypatch):
    monkeypatch.setenv("REDIS_URL", f"redis://{NOWHERE}/0")
    get_settings.cache_clear()
    try:
        body = client.get("/readyz").json()
    finally:
        get_settings.cache_clear()
    assert body["failed"] == ["redis"]
    assert body["checks"]["redis"] == "unavailable (ConnectionError)"

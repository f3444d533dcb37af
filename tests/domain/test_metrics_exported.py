"""/metrics: only with the bearer token, and its figures move with what happens in the shop
(requests, jobs, webhooks in and out, paid and refunded orders, searches)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from commerce.db import get_engine
from commerce.jobs import enqueue_now, job
from commerce.orders import refunds
from commerce.search.service import quick_search
from commerce.webhooks_out import service
from storefront.api import api

DOWNLOAD_ROUTE = "/api/download/{fulfilment_id}/{file_id}/{filename}"


@job(max_retries=0)
def index_the_shelves(shelves: int) -> None:
    """A job of this test module (runs on the test's eager backend)."""


@job(max_retries=0)
def drop_the_shelves() -> None:
    raise RuntimeError("the shelves fell")


def test_without_a_configured_token_metrics_does_not_exist():
    assert TestClient(api).get("/metrics", headers={"authorization": "Bearer anything"}).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", "Basic bWV0cmljczp4", "Bearer", "bearer metrics-token-for-tests-but-longer"],
)
def test_metrics_wants_the_bearer_token(metrics_token, authorization):
    headers = {"authorization": authorization} if authorization else {}
    response = TestClient(api).get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "marketplace_" not in response.text


def test_metrics_answers_prometheus_text_to_the_token(metrics_token):
    response = TestClient(api).get("/metrics", headers={"authorization": f"Bearer {metrics_token}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE marketplace_http_requests_total counter" in response.text


def test_requests_are_counted_by_route_template_and_status(scrape):
    before = scrape.value("marketplace_http_requests_total", route=DOWNLOAD_ROUTE, method="GET", status="403")
    count_before = scrape.value("marketplace_http_request_duration_seconds_count", route=DOWNLOAD_ROUTE, method="GET")
    assert TestClient(api).get("/api/download/41/42/private-name.pdf?exp=1&sig=forged").status_code == 403
    assert scrape.value("marketplace_http_requests_total", route=DOWNLOAD_ROUTE, method="GET", status="403") == (
        before + 1
    )
    assert scrape.value("marketplace_http_request_duration_seconds_count", route=DOWNLOAD_ROUTE, method="GET") == (
        count_before + 1
    )
    assert "private-name" not in scrape.text()


def test_jobs_are_counted_by_name_and_outcome(scrape, jobs):
    name = index_the_shelves.name
    ran = scrape.value("marketplace_job_runs_total", job=name, outcome="succeeded")
    enqueued = scrape.value("marketplace_jobs_enqueued_total", job=name)
    enqueue_now(index_the_shelves, shelves=3)
    assert scrape.value("marketplace_job_runs_total", job=name, outcome="succeeded") == ran + 1
    assert scrape.value("marketplace_jobs_enqueued_total", job=name) == enqueued + 1
    assert scrape.value("marketplace_job_duration_seconds_count", job=name) >= 1

    failed = scrape.value("marketplace_job_runs_total", job=drop_the_shelves.name, outcome="failed")
    enqueue_now(drop_the_shelves)
    jobs.take_failures()
    assert scrape.value("marketplace_job_runs_total", job=drop_the_shelves.name, outcome="failed") == failed + 1


def test_payment_webhooks_received_are_counted_by_outcome(scrape):
    def received(provider: str, outcome: str) -> float:
        return scrape.value("marketplace_webhooks_received_total", kind="payments", provider=provider, outcome=outcome)

    refused, unknown = received("testpay", "refused"), received("unknown", "unknown_provider")
    client = TestClient(api)
    assert client.post("/api/webhooks/testpay", content=b"{}", headers={"testpay-signature": "forged"}).status_code in (
        400,
        401,
    )
    assert client.post("/api/webhooks/paypal-or-anything", content=b"{}").status_code == 404
    assert received("testpay", "refused") == refused + 1
    # A path naming another provider is counted as "unknown": the label never takes a client's text.
    assert received("unknown", "unknown_provider") == unknown + 1


def test_paid_orders_refunds_and_seller_webhooks_count_once_committed(market, receiver, scrape):
    s = market.s
    shop = market.shop()
    product = market.product(shop, 1500)
    service.create_endpoint(s, market.seller_actor(shop), url=receiver.url, event_types=["order.paid"], description="")
    s.commit()
    paid = scrape.value("marketplace_orders_paid_total")
    refunded = scrape.value("marketplace_orders_refunded_total")
    delivered = scrape.value("marketplace_webhooks_sent_total", outcome="delivered")

    order = market.buy(market.user(), product)
    assert scrape.value("marketplace_orders_paid_total") == paid  # not before the commit
    s.commit()
    assert scrape.value("marketplace_orders_paid_total") == paid + 1
    assert scrape.value("marketplace_webhooks_sent_total", outcome="delivered") == delivered + 1

    refunds.refund(s, market.seller_actor(shop), market.gateway, order.reference)
    s.rollback()  # a refund rolled back counts nothing
    assert scrape.value("marketplace_orders_refunded_total") == refunded
    refunds.refund(s, market.seller_actor(shop), market.gateway, order.reference)
    s.commit()
    assert scrape.value("marketplace_orders_refunded_total") == refunded + 1


def test_search_latency_is_exported(s, scrape):
    searches = scrape.value("marketplace_search_duration_seconds_count", kind="quick")
    quick_search(s, "brushes")
    assert scrape.value("marketplace_search_duration_seconds_count", kind="quick") == searches + 1


def test_database_connections_in_use_are_exported(scrape):
    assert scrape.value("marketplace_db_pool_capacity") > 0
    idle = scrape.value("marketplace_db_pool_checked_out")
    with get_engine().connect():
        assert scrape.value("marketplace_db_pool_checked_out") == idle + 1
    assert scrape.value("marketplace_db_pool_checked_out") == idle

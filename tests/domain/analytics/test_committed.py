"""Against committed data, as the running app sees it: the rollup job crashing half-way and
run again, and the CSV export routes over HTTP with the session cookie."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce import accounts
from commerce.actor import Actor
from commerce.analytics import rollups
from commerce.analytics.capture import add_event
from commerce.analytics.tasks import roll_up_analytics
from commerce.db import unit_of_work
from commerce.jobs import enqueue_now
from commerce.kit.time import utcnow
from commerce.models import (
    AnalyticsEvent,
    PricingMode,
    Product,
    ProductRollup,
    ShopRollup,
    UserRole,
)
from routes import SESSION_COOKIE
from storefront.api_exports import export_routes


def _shop_with_views(views_by_days_ago: dict[int, int]) -> int:
    with unit_of_work() as s:
        grant = accounts.create_account(
            s,
            email=f"seller-{utcnow().timestamp()}@example.com",
            password="long enough pw",
            display_name="Seller",
            client_id="test",
        )
        user = accounts.create_shop(
            s, Actor(user_id=grant.user.id, role=UserRole.BUYER), name="Rollup Shop", slug=f"rollup-{grant.user.id}"
        )
        product = Product(
            shop_id=user.shop_id, slug="p", title="P", pricing=PricingMode.FIXED, price_amount=100, currency="USD"
        )
        s.add(product)
        s.flush()
        now = utcnow()
        for days_ago, count in views_by_days_ago.items():
            for _ in range(count):
                add_event(
                    s,
                    AnalyticsEvent(
                        kind="view",
                        occurred_at=now - timedelta(days=days_ago),
                        shop_id=user.shop_id,
                        product_id=product.id,
                    ),
                )
        return user.shop_id


def test_rollup_job_killed_half_way_and_run_again_counts_each_event_once(committed_engine, jobs, monkeypatch):
    shop_id = _shop_with_views({0: 3, 1: 2})
    real = rollups._add
    calls = []

    def dies_after_the_shop_rows_once(s, model, *args, **kwargs):
        calls.append(model)
        real(s, model, *args, **kwargs)
        if len(calls) == 1:
            raise RuntimeError("worker killed after adding to the shop rows, before the products")

    monkeypatch.setattr(rollups, "_add", dies_after_the_shop_rows_once)
    enqueue_now(roll_up_analytics)
    [killed] = jobs.take_failures()
    assert "worker killed" in str(killed.error)
    enqueue_now(roll_up_analytics)  # the queue's retry
    enqueue_now(roll_up_analytics)  # and a duplicate run

    with unit_of_work() as s:
        days = s.exec(
            select(ShopRollup.views)
            .where(ShopRollup.shop_id == shop_id, ShopRollup.granularity == "day")
            .order_by(ShopRollup.bucket)
        ).all()
        assert days == [2, 3]
        assert s.exec(select(ProductRollup.views).order_by(ProductRollup.day)).all() == [2, 3]
        assert s.exec(select(AnalyticsEvent).where(AnalyticsEvent.rolled_up == False)).all() == []  # noqa: E712


def _session_cookie(*, with_shop: bool) -> str:
    with unit_of_work() as s:
        grant = accounts.create_account(
            s,
            email=f"u-{utcnow().timestamp()}@example.com",
            password="long enough pw",
            display_name="Someone",
            client_id="test",
        )
        if with_shop:
            accounts.create_shop(
                s,
                Actor(user_id=grant.user.id, role=UserRole.BUYER),
                name="Export Shop",
                slug=f"export-{grant.user.id}",
            )
    return grant.token


def test_export_routes_check_the_session_and_stream_csv(committed_engine):
    client = TestClient(Starlette(routes=export_routes()))

    anonymous = client.get("/api/seller/exports/sales.csv")
    assert anonymous.status_code == 401
    client.cookies.set(SESSION_COOKIE, _session_cookie(with_shop=False))
    assert client.get("/api/seller/exports/customers.csv").status_code == 403

    client.cookies.set(SESSION_COOKIE, _session_cookie(with_shop=True))
    response = client.get("/api/seller/exports/sales.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="export-')
    assert response.text.splitlines() == [
        "order,paid_at_utc,product,status,order_currency,price,tax,total,refunded,"
        "shop_currency,revenue,buyer,billing_country"
    ]

"""The payouts' HTTP routes against committed data: the statement CSV checks the browser's
session and streams the shop's own rows; the Connect webhook refuses unsigned, forged and
other providers' events and records each event once."""

from __future__ import annotations

from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce import accounts
from commerce.actor import Actor
from commerce.db import unit_of_work
from commerce.kit.time import utcnow
from commerce.models import ConnectEvent, PayoutAccount, PayoutAccountStatus, UserRole
from commerce.payments.testpay import TestPayGateway
from commerce.payments.testpay_connect import PAYS_OUT, TestPayConnect
from commerce.payouts.accounts import start_onboarding
from routes import SESSION_COOKIE
from storefront.api_exports import export_routes
from storefront.api_webhooks import webhook_routes

GATEWAY = TestPayGateway("routes-secret", "http://shop.test", send_event=lambda _d: None)


def _seller() -> tuple[str, Actor]:
    with unit_of_work() as s:
        grant = accounts.create_account(
            s,
            email=f"p-{utcnow().timestamp()}@example.com",
            password="long enough pw",
            display_name="Payee",
            client_id="test",
        )
        shop = accounts.create_shop(
            s, Actor(user_id=grant.user.id, role=UserRole.BUYER), name="Payout Shop", slug=f"payee-{grant.user.id}"
        )
    return grant.token, Actor(user_id=grant.user.id, role=UserRole.SELLER, shop_id=shop.id)


def test_the_statement_route_checks_the_session_and_streams_csv(committed_engine):
    client = TestClient(Starlette(routes=export_routes()))
    assert client.get("/api/seller/exports/statement.csv").status_code == 401
    token, _ = _seller()
    client.cookies.set(SESSION_COOKIE, token)
    response = client.get("/api/seller/exports/statement.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="payee-' in response.headers["content-disposition"]
    assert response.text.splitlines() == ["date,order,kind,earnings,currency,available_from,payout"]


def test_the_connect_webhook_route_verifies_and_records_once(committed_engine, jobs):
    sent = []
    provider = TestPayConnect("routes-secret", "http://shop.test", send_event=sent.append)
    _, seller = _seller()
    with unit_of_work() as s:
        url = start_onboarding(s, seller, provider, base_url="http://shop.test")
    provider.complete_onboarding(url.rsplit("/", 1)[1], legal_name="Payee", bank_number=PAYS_OUT, accept_terms=True)
    [delivery] = sent
    client = TestClient(Starlette(routes=webhook_routes(lambda: GATEWAY, lambda: provider)))
    path = "/api/webhooks/testpay/connect"

    assert client.post(path, content=delivery.payload).status_code == 400
    forged = delivery.payload.replace(b'"payouts_enabled":true', b'"payouts_enabled":false')
    assert client.post(path, content=forged, headers=delivery.headers).status_code == 401
    assert (
        client.post("/api/webhooks/stripe/connect", content=delivery.payload, headers=delivery.headers).status_code
        == 404
    )
    outcomes = [
        client.post(path, content=delivery.payload, headers=delivery.headers).json()["outcome"] for _ in range(3)
    ]
    assert outcomes == ["account enabled", "duplicate", "duplicate"]
    with unit_of_work() as s:
        account = s.exec(select(PayoutAccount).where(PayoutAccount.shop_id == seller.shop_id)).one()
        assert account.status == PayoutAccountStatus.ENABLED
        assert len(s.exec(select(ConnectEvent)).all()) == 1

"""The TestPay page exists only where the test gateway does; shop addresses stay on the
browser's own host."""

import pytest

from commerce import wiring
from commerce.errors import NotFound
from commerce.payments.tasks import test_page_gateway
from commerce.payments.testpay import TestPayGateway
from state.cart import local_path


@pytest.fixture
def environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BASE_URL", "http://localhost:4000")
    for name in ("APP_ENV", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    wiring.reset()
    yield monkeypatch
    wiring.reset()


def test_the_page_pays_through_the_test_gateway_in_development(environment):
    assert isinstance(test_page_gateway(), TestPayGateway)


def test_the_page_is_refused_in_production(environment):
    environment.setenv("APP_ENV", "production")
    wiring.reset()
    with pytest.raises(NotFound, match="not available"):
        test_page_gateway()


def test_the_page_is_refused_when_stripe_takes_payments(environment):
    environment.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    environment.setenv("STRIPE_WEBHOOK_SECRET", "whsec_x")
    wiring.reset()
    with pytest.raises(NotFound, match="not available"):
        test_page_gateway()


def test_addresses_on_this_site_become_paths(environment):
    assert local_path("http://localhost:4000/testpay/abc") == "/testpay/abc"
    assert local_path("http://localhost:4000/orders/ORD-1") == "/orders/ORD-1"
    assert local_path("https://checkout.stripe.com/c/pay/cs_1") == "https://checkout.stripe.com/c/pay/cs_1"
    assert local_path("http://localhost:40001/evil") == "http://localhost:40001/evil"

"""Property-based: schemathesis generates requests from /api/v1/openapi.json for every
operation and checks each answer: never a server error, the status and content type the
document lists, a body that matches its schema, and nothing of another shop.

Shop A's key calls everything (every scope); shop B exists beside it with a product, keys,
a sale and a code. A is priced in USD and B in EUR, so any EUR, B's order reference, shop
address, code or customer id in an answer to A is B's data; ids of products, license keys
and discount codes in A's answers are checked against B's too. Examples are bounded
(`MAX_EXAMPLES` per operation) so the run fits `make test`.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from commerce.api import limits
from commerce.db import unit_of_work
from commerce.models import Shop
from storefront.api import api

MAX_EXAMPLES = 10


# Reading the document touches no database: it is generated from the app's routes.
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api)


@pytest.fixture(autouse=True)
def no_rate_limit(monkeypatch):
    """The run sends far more than a minute's requests with one key."""
    monkeypatch.setattr(limits, "REQUESTS_PER_WINDOW", 1_000_000)


@pytest.fixture(scope="module")
def b_markers(api_world) -> list[str]:
    b = api_world.b
    with unit_of_work() as s:
        slug = s.get_one(Shop, b.shop_id).slug
    listed = api_world.client.get("/api/v1/customers", headers=b.headers()).json()["data"]
    return [b.order_reference, f"/{slug}/", f"SAVE{b.shop_id}", "EUR", *(c["id"] for c in listed)]


def _ids(document, key: str = "id") -> set:
    if isinstance(document, dict):
        items = document.get("data") if isinstance(document.get("data"), list) else [document]
        return {item.get(key) for item in items if isinstance(item, dict)}
    return set()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_document_and_its_shops_apart(case, api_world, b_markers):
    a, b = api_world.a, api_world.b
    markers = b_markers
    b_products = {b.product_id, b.keys_product_id}
    b_ids = {
        "/products": b_products,
        "/license-keys": set(b.license_key_ids),
        "/discount-codes": {b.code_id},
    }

    def nothing_of_shop_b(ctx, response, case):
        if not case.path.startswith(("/licenses",)):
            text = response.text if hasattr(response, "text") else response.content.decode()
            for marker in markers:
                if marker in text:
                    raise AssertionError(f"shop A's key saw shop B's {marker!r} in {case.method} {case.path}")
            try:
                document = json.loads(text)
            except ValueError:
                return None
            for prefix, ids in b_ids.items():
                if case.path.startswith(prefix) and _ids(document) & ids:
                    raise AssertionError(f"shop A's key saw shop B's ids in {case.method} {case.path}")
            if _ids(document, "product_id") & b_products:
                raise AssertionError(f"shop A's key saw shop B's product in {case.method} {case.path}")
        return None

    case.call_and_validate(
        headers=a.headers(),
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        additional_checks=[nothing_of_shop_b],
    )

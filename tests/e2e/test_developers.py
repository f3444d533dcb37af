"""A seller creates an API key on the Developers page (shown once), uses it, revokes it
(requests with it are refused from then on), and reads the API reference, served offline."""

import uuid

import httpx
from playwright.sync_api import expect

from commerce.demo import DEMO_PASSWORD
from tests.fixtures.browser import sign_in


def test_create_use_and_revoke_an_api_key(app, page):
    name = f"Inventory sync {uuid.uuid4().hex[:6]}"
    sign_in(page, "alan@demo.market", DEMO_PASSWORD)
    page.goto("/seller/developers")
    expect(page.get_by_role("heading", name="Developers")).to_be_visible()
    page.locator("#key-name").fill(name)
    page.locator("#key-scope_products").select_option("read")
    page.locator("#key-scope_orders").select_option("write")
    page.locator("#key-expires").select_option("30")
    page.locator("#key-submit").click()
    expect(page.locator("#key-notice")).to_contain_text("not shown again")
    secret = page.locator("#new-key-secret").inner_text().strip()
    assert secret.startswith("mp_")
    row = page.locator("[data-testid=key-row]", has_text=name)
    expect(row).to_contain_text("products:read, orders:write")
    expect(row).to_contain_text("Never used")
    prefix = "_".join(secret.split("_")[:2])  # mp_<8 hex>; the secret part may hold "_" too
    expect(row).to_contain_text(prefix)

    headers = {"authorization": f"Bearer {secret}"}
    assert httpx.get(app.url("/api/v1/products"), headers=headers).status_code == 200
    assert httpx.get(app.url("/api/v1/customers"), headers=headers).status_code == 403

    # Shown once: after a reload only the prefix is left.
    page.reload()
    expect(row).to_be_visible()
    expect(page.locator("#new-key-secret")).to_have_count(0)
    assert secret not in page.content()
    expect(row).not_to_contain_text("Never used")

    row.get_by_role("button", name=f"Revoke key {name}").click()
    expect(page.locator("#key-notice")).to_contain_text("revoked")
    expect(row).to_contain_text("Revoked")
    refused = httpx.get(app.url("/api/v1/products"), headers=headers)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_the_api_reference_works_from_our_own_files(app, page):
    external = []
    page.on("request", lambda request: None if request.url.startswith(app.base_url) else external.append(request.url))
    page.goto("/api/v1/docs")
    expect(page.get_by_text("Marketplace seller API")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/licenses/validate")).to_be_visible()
    assert external == []

"""WCAG 2.2 AA on every page: axe-core runs on each page of the storefront, checkout, the
library, the seller studio (analytics included) and the admin console, at the phone and the
desktop viewport, in light and in dark mode. The suite fails on any critical or serious
violation (and on the few lesser rules listed in ALWAYS_FAILING), naming the rule, the
elements and the page.

One browser (the session's), one server (the session's `app`); each page is visited once per
viewport and colour scheme. The signed-in pages reuse one sign-in per role (its cookies).
"""

from __future__ import annotations

import contextlib
import io
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlmodel import select

from commerce.actor import Actor
from commerce.catalog import images, keys, products
from commerce.db import unit_of_work
from commerce.demo import ADMIN_EMAIL, COLLECTOR_EMAIL, DEMO_PASSWORD, DEMO_PURCHASES
from commerce.models import DeliveryKind, KeySource, Order, Product, Shop, User
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_delivery import _app_database, _app_store
from tests.fixtures.browser import add_to_cart, check_out, pay, sign_in, wait_until_paid

ROOT = Path(__file__).resolve().parents[2]
# Installed from the npm registry by `make test-deps` (the Makefile's $(AXE)).
AXE_SCRIPT = ROOT / "tools" / "node_modules" / "axe-core" / "axe.min.js"
SELLER_EMAIL = "ada@demo.market"
PRODUCT = "/p/inkwell-press/the-indie-maker-ebook"
COLOR_SCHEMES = ("light", "dark")
# WCAG 2.0/2.1/2.2 A and AA, plus axe's best practices (landmarks, headings, table headers).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = {"critical", "serious"}
# Lesser rules that still fail the suite: a name that differs from the visible label (voice
# control users say what they see), empty table headers, landmarks with the same name.
ALWAYS_FAILING = {"label-content-name-mismatch", "empty-table-header", "landmark-unique"}
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: %s},
    rules: {'label-content-name-mismatch': {enabled: true}, 'empty-table-header': {enabled: true}},
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary.replace(/\\s+/g, ' ')),
  }));
}"""

IN_SCHEME = """(dark) => document.documentElement.classList.contains('dark') === dark
  && ![...document.querySelectorAll('.radix-themes')].some((el) => el.classList.contains(dark ? 'light' : 'dark'))"""


@dataclass(frozen=True)
class Visit:
    path: str
    ready: str = "h1"  # what is on screen once the page has loaded


PUBLIC_PAGES = [
    Visit("/", "[data-testid=product-card]"),
    Visit("/search?q=ebook", "#search-results"),
    Visit(PRODUCT, "#product-title"),
    Visit("/s/inkwell-press"),
    Visit("/c/ebooks"),
    Visit("/login"),
    Visit("/register"),
    Visit("/reset"),
    Visit("/account/email/not-a-real-link", "#email-confirm"),
    Visit("/no-such-page"),
]
BUYER_PAGES = [
    Visit("/library"),
    Visit("/orders"),
    Visit("/account"),
    # The setup prompt an administrator without a second factor is sent to.
    Visit("/account?setup=second-factor", "#totp-start"),
    Visit("/notifications"),
]
SELLER_PAGES = [
    Visit("/seller"),
    Visit("/seller/analytics"),
    Visit("/seller/sales"),
    Visit("/seller/discounts"),
    Visit("/seller/bundles"),
    Visit("/seller/payouts"),
    Visit("/seller/reviews"),
    Visit("/seller/webhooks"),
    Visit("/seller/developers"),
    Visit("/seller/leaks"),
]
ADMIN_PAGES = [
    Visit("/admin"),
    Visit("/admin/users"),
    Visit("/admin/orders"),
    Visit("/admin/payouts"),
    Visit("/admin/shops", "#shops-table tbody tr"),
    Visit("/admin/settings"),
    Visit("/admin/audit"),
    Visit("/admin/leaks"),
    Visit("/admin/privacy"),
    Visit("/admin/flags", "[data-flag]"),
]


def _cover() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "#334155").save(out, "PNG")
    out.seek(0)
    return out


@pytest.fixture(scope="module")
def pages_with_ids(app) -> dict[str, list[Visit]]:
    """The pages whose address holds an id: a key product the seller is still editing (its
    key import box), one waiting in the admin's queue, the collector's order and purchases."""
    suffix = uuid.uuid4().hex[:6]
    with unit_of_work(_app_database(app)) as s:
        owner = s.exec(select(User).where(User.email == SELLER_EMAIL)).one()
        shop = s.exec(select(Shop).where(Shop.owner_id == owner.id)).one()
        seller = Actor(user_id=owner.id, role=owner.role, shop_id=shop.id)
        draft = products.create_product(
            s, seller, title=f"Keyed Tool {suffix}", price="5.00", delivery_kind=DeliveryKind.KEYS
        )
        keys.set_license_policy(s, seller, draft.id, source=KeySource.IMPORTED)
        waiting = products.create_product(
            s, seller, title=f"Queued Tool {suffix}", price="7.00", delivery_kind=DeliveryKind.KEYS
        )
        keys.set_license_policy(s, seller, waiting.id, source=KeySource.GENERATED, prefix="A11Y")
        images.set_cover(s, seller, waiting.id, _cover(), store=_app_store(app))
        products.publish_product(s, seller, waiting.id)
        ebook = s.exec(select(Product).where(Product.title == DEMO_PURCHASES[0])).one()
        collector = s.exec(select(User).where(User.email == COLLECTOR_EMAIL)).one()
        order = s.exec(select(Order).where(Order.buyer_id == collector.id)).first()
        assert order is not None, "the demo collector has a paid order"
        return {
            "buyer": [Visit(f"/orders/{order.reference}"), Visit(f"/library/{ebook.id}")],
            "seller": [
                Visit(f"/seller/products/{draft.id}", "#editor-title"),
                Visit(f"/seller/products/{ebook.id}", "#editor-title"),
                Visit(f"/seller/delivery/{draft.id}"),
                Visit(f"/seller/delivery/{ebook.id}"),
            ],
        }


@pytest.fixture(scope="module")
def signed_in(browser, app) -> dict[str, dict]:
    """Each role's cookies after one sign-in, for every context of the module."""
    states = {}
    for role, address in (("buyer", COLLECTOR_EMAIL), ("seller", SELLER_EMAIL), ("admin", ADMIN_EMAIL)):
        context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=app.base_url)
        try:
            sign_in(context.new_page(), address, DEMO_PASSWORD)
            states[role] = context.storage_state()
        finally:
            context.close()
    return states


def _inject_axe(page: Page) -> None:
    """Load axe-core into the page. The app's Content-Security-Policy allows only its own
    scripts (by origin and hash), so a <script> tag added by Playwright's add_script_tag
    would be blocked. The script is evaluated through the DevTools protocol instead
    (Runtime.evaluate, which CSP does not govern), so the pages are checked exactly as they
    run for people, policy enforced, rather than in a context with bypass_csp=True."""
    if page.evaluate("() => typeof window.axe !== 'undefined'"):
        return
    cdp = page.context.new_cdp_session(page)
    try:
        answer = cdp.send("Runtime.evaluate", {"expression": AXE_SCRIPT.read_text(), "returnByValue": False})
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
    finally:
        cdp.detach()


def _settle(page: Page, visit: Visit) -> None:
    """Wait until the page shows its content: its marker, and no spinner left."""
    expect(page.locator(visit.ready).first).to_be_visible()
    # A spinner may belong to the page (a live status): axe then checks the page as it is.
    with contextlib.suppress(AssertionError):
        expect(page.locator(".rt-Spinner")).to_have_count(0, timeout=10_000)


def _check(page: Page, where: str, found: list[str]) -> None:
    # The page follows the browser's colour scheme once it has started (the document's class
    # and every Radix theme root): checked before axe measures any contrast.
    try:
        page.wait_for_function(IN_SCHEME, arg="dark" in where, timeout=10_000)
    except PlaywrightTimeoutError:
        found.append(f"{where}: the page did not switch to the colour scheme the browser asked for")
        return
    _inject_axe(page)
    tags = "[" + ", ".join(f"'{tag}'" for tag in AXE_TAGS) + "]"
    for violation in page.evaluate(AXE_RUN % tags):
        if violation["impact"] in FAILING_IMPACTS or violation["id"] in ALWAYS_FAILING:
            targets = "\n      ".join(violation["targets"][:8])
            found.append(f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}\n      {targets}")


def _visit_all(context: BrowserContext, visits: list[Visit], label: str, found: list[str]) -> None:
    page = context.new_page()
    for visit in visits:
        page.goto(visit.path)
        try:
            _settle(page, visit)
        except (AssertionError, PlaywrightTimeoutError) as error:
            first_line = str(error).strip().splitlines()[0]
            found.append(f"{label} {visit.path}: the page did not show {visit.ready!r}: {first_line}")
            continue
        _check(page, f"{label} {visit.path}", found)
    page.close()


def _checkout(context: BrowserContext, label: str, found: list[str]) -> None:
    """The cart with a product in it, the payment page and the confirmation."""
    page = context.new_page()
    add_to_cart(page, PRODUCT)
    page.goto("/cart")
    expect(page.locator("[data-testid=cart-line]").first).to_be_visible()
    _check(page, f"{label} /cart (a product in it)", found)
    check_out(page, email=f"a11y-{uuid.uuid4().hex[:8]}@example.com")
    expect(page.get_by_label("Card number")).to_be_visible()
    _check(page, f"{label} the payment page", found)
    pay(page)
    wait_until_paid(page)
    _check(page, f"{label} the order confirmation", found)
    page.close()


def _first_screen(context: BrowserContext, label: str, found: list[str], paths: tuple[str, ...]) -> None:
    """First screens as the server paints them, before the app's scripts run (the product's,
    the search results', the library's: storefront.first_paint, search_head, library_head):
    kept on screen here by not loading them."""
    page = context.new_page()
    page.route(re.compile(r"/assets/.*\.js$"), lambda route: route.abort())
    for path in paths:
        page.goto(path)
        expect(page.locator("#first-paint h1")).to_be_visible()
        _check(page, f"{label} {path} (its first screen)", found)
    page.close()


def _second_factor_page(context: BrowserContext, label: str, found: list[str]) -> None:
    """The page that asks for the code after the password (left unanswered: it expires)."""
    page = context.new_page()
    page.goto("/login")
    page.locator("#login-email").fill(ADMIN_EMAIL)
    page.locator("#login-password").fill(DEMO_PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url("**/login/second-factor**")
    page.wait_for_load_state("load")
    _settle(page, Visit("/login/second-factor", "#second-factor-code"))
    _check(page, f"{label} the second-factor sign-in page", found)
    page.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("scheme", COLOR_SCHEMES)
def test_every_page_passes_axe(browser, app, viewport, scheme, signed_in, pages_with_ids, csp_violations):
    assert AXE_SCRIPT.exists(), f"{AXE_SCRIPT} is missing: `make test-deps` installs axe-core"
    started = time.monotonic()
    found: list[str] = []
    label = f"[{viewport}, {scheme}]"

    def context(role: str | None = None) -> BrowserContext:
        made = browser.new_context(
            viewport=VIEWPORTS[viewport],
            base_url=app.base_url,
            color_scheme=scheme,
            storage_state=signed_in[role] if role else None,
        )
        made.set_default_timeout(20_000)
        return made

    guest = context()
    try:
        _visit_all(guest, PUBLIC_PAGES, label, found)
        _first_screen(guest, label, found, (PRODUCT, "/search?q=ebook"))
        _checkout(guest, label, found)
        _second_factor_page(guest, label, found)
    finally:
        guest.close()
    for role, visits in (
        ("buyer", BUYER_PAGES + pages_with_ids["buyer"]),
        ("seller", SELLER_PAGES + pages_with_ids["seller"]),
        ("admin", ADMIN_PAGES),
    ):
        signed = context(role)
        try:
            _visit_all(signed, visits, f"{label} ({role})", found)
            if role == "buyer":
                _first_screen(signed, f"{label} ({role})", found, ("/library",))
        finally:
            signed.close()
    print(f"axe {label}: {time.monotonic() - started:.1f}s")
    assert not found, f"{len(found)} accessibility violation(s):\n" + "\n".join(found)

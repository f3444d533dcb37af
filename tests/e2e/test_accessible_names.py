"""Every control of checkout (the cart, the payment page) and of the product editor is found
by its role and accessible name, as a screen reader or voice control finds it, and none of
the controls on those pages is left without a name."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlmodel import select

from commerce.actor import Actor
from commerce.catalog import keys, products
from commerce.db import unit_of_work
from commerce.demo import DEMO_PASSWORD
from commerce.models import DeliveryKind, KeySource, Product, Shop, User
from tests.e2e.test_delivery import _app_database
from tests.fixtures.browser import TESTPAY_URL, add_to_cart, sign_in

SELLER_EMAIL = "ada@demo.market"
EBOOK = "The Indie Maker Ebook"
EBOOK_PATH = "/p/inkwell-press/the-indie-maker-ebook"
# Roles a person operates; each needs a name (the aria snapshot prints it in quotes).
CONTROL_ROLES = {
    "button",
    "checkbox",
    "combobox",
    "link",
    "listbox",
    "menuitem",
    "radio",
    "searchbox",
    "slider",
    "spinbutton",
    "switch",
    "tab",
    "textbox",
}


def nameless_controls(region: Locator) -> list[str]:
    """The lines of the region's accessibility tree that are a control with no name."""
    found = []
    for line in region.aria_snapshot().splitlines():
        match = re.match(r"\s*- (\w+)(.*)$", line)
        if match and match.group(1) in CONTROL_ROLES and not match.group(2).lstrip().startswith('"'):
            found.append(line.strip())
    return found


def assert_named(region: Locator, controls: list[tuple[str, str | re.Pattern]]) -> None:
    for role, name in controls:
        exact = isinstance(name, str)
        expect(region.get_by_role(role, name=name, exact=exact).first).to_be_attached()
        assert region.get_by_role(role, name=name, exact=exact).count() == 1, f"more than one {role} named {name!r}"
    assert nameless_controls(region) == [], "controls without a name:\n" + "\n".join(nameless_controls(region))


@pytest.mark.parametrize("viewport", ["desktop"])
def test_checkout_controls_have_their_names(page: Page):
    add_to_cart(page, EBOOK_PATH)
    page.goto("/cart")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=EBOOK, exact=True)).to_be_visible()
    assert_named(
        main,
        [
            ("heading", "Your cart"),
            ("link", EBOOK),
            ("button", f"Remove {EBOOK}"),
            ("textbox", "Discount code"),
            ("button", "Apply"),
            ("combobox", "Billing country"),
            ("combobox", "Currency"),
            ("textbox", "Email"),
            ("link", "Sign in"),
            ("button", "Checkout"),
        ],
    )
    # The page works through those names alone.
    main.get_by_role("textbox", name="Discount code").fill("WELCOME10")
    main.get_by_role("button", name="Apply").click()
    expect(main.get_by_role("button", name="Remove code")).to_be_visible()
    main.get_by_role("textbox", name="Email").fill(f"names-{uuid.uuid4().hex[:8]}@example.com")
    main.get_by_role("button", name="Checkout").click()
    expect(page).to_have_url(TESTPAY_URL)

    main = page.get_by_role("main")
    assert_named(
        main,
        [
            ("textbox", "Card number"),
            ("button", re.compile(r"^Pay .*\d")),
            ("link", "Back to your cart"),
        ],
    )


def _keys_draft(app) -> int:
    """A draft of the seller's that sells imported keys (the editor shows the key import)."""
    with unit_of_work(_app_database(app)) as s:
        owner = s.exec(select(User).where(User.email == SELLER_EMAIL)).one()
        shop = s.exec(select(Shop).where(Shop.owner_id == owner.id)).one()
        seller = Actor(user_id=owner.id, role=owner.role, shop_id=shop.id)
        draft = products.create_product(
            s, seller, title=f"Named Tool {uuid.uuid4().hex[:6]}", price="5.00", delivery_kind=DeliveryKind.BOTH
        )
        keys.set_license_policy(s, seller, draft.id, source=KeySource.IMPORTED)
        return draft.id


def _ebook_id(app) -> int:
    with unit_of_work(_app_database(app)) as s:
        return s.exec(select(Product.id).where(Product.title == EBOOK)).one()


EDITOR_CONTROLS: list[tuple[str, str | re.Pattern]] = [
    ("link", "Preview"),
    ("textbox", "Title"),
    ("textbox", "Address"),
    ("textbox", "Summary"),
    ("textbox", "Description"),
    ("combobox", "Category"),
    ("textbox", "Tags"),
    ("button", "Save details"),
    ("button", "Deutsch"),
    ("button", "日本語"),
    ("textbox", "Translated title"),
    ("textbox", "Translated summary"),
    ("textbox", "Translated description"),
    ("button", "Save translation"),
    ("combobox", "Pricing"),
    ("textbox", re.compile(r"^Price or minimum \(")),
    ("button", "Save price"),
    ("button", "Cover picture"),
    ("button", "Upload cover"),
    ("button", "Gallery pictures"),
    ("button", "Add to gallery"),
    ("combobox", "What buyers receive"),
    ("link", "Download limits, counts and sold keys"),
    ("button", "browse files"),  # the file uploader's own (Uppy's Dashboard)
]


@pytest.mark.parametrize("viewport", ["desktop"])
def test_product_editor_controls_have_their_names(app, page: Page):
    sign_in(page, SELLER_EMAIL, DEMO_PASSWORD)

    # A published e-book: its PDF can be made view-online-only.
    page.goto(f"/seller/products/{_ebook_id(app)}")
    expect(page.locator("#editor-title")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("checkbox", name=re.compile(r"^Buyers view .+ online only$"))).to_be_visible()
    assert_named(
        main,
        [
            *EDITOR_CONTROLS,
            ("button", "Unpublish"),
            ("button", "Archive"),
            ("checkbox", re.compile(r"^Buyers view .+\.pdf online only$")),
            ("textbox", "Version name"),
            ("textbox", "Release notes"),
            ("checkbox", "Start with the current version's files"),
            ("button", "Start new version"),
        ],
    )

    # A draft selling imported keys: the key import box and file have names too.
    page.goto(f"/seller/products/{_keys_draft(app)}")
    expect(page.locator("#editor-title")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("textbox", name="Add keys to your stock")).to_be_visible()
    assert_named(
        main,
        [
            *EDITOR_CONTROLS,
            ("button", "Publish"),
            ("button", "Archive"),
            ("combobox", "Keys"),
            ("textbox", "Prefix for generated keys"),
            ("textbox", "Activations per key"),
            ("textbox", "Expires after (days)"),
            ("textbox", "Validations per key"),
            ("button", "Save key settings"),
            ("textbox", "Add keys to your stock"),
            ("button", "Import pasted keys"),
            ("button", "Key file to import (CSV or text)"),
            ("button", "Import file"),
        ],
    )

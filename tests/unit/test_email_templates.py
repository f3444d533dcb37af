"""Every kind of email renders its facts in both versions, escaped where it must be."""

import re
from html.parser import HTMLParser

import pytest

from commerce.notifications.email import EmailMessage, render_email
from commerce.notifications.rendering import email_kinds

SCRIPT = "<script>alert('x')</script>"

CONTEXTS = {
    "password_reset": dict(display_name="Zoë", reset_url="https://shop.test/reset/tok123", expires_minutes=30),
    "welcome": dict(display_name="Zoë", start_url="https://shop.test/"),
    "confirm_registration": dict(display_name="Zoë", confirm_url="https://shop.test/welcome/tok9", expires_hours=24),
    "sign_in_unlock": dict(
        display_name="Zoë", unlock_url="https://shop.test/api/session/unlock?token=u1", window_minutes=15
    ),
    "new_device_sign_in": dict(
        display_name="Zoë",
        device="Firefox on Windows",
        when="03 Dec 2026 10:00 UTC",
        account_url="https://shop.test/account",
        ip="203.0.113.9",
    ),
    "registration_attempt": dict(
        display_name="Zoë", sign_in_url="https://shop.test/login", reset_url="https://shop.test/reset"
    ),
    "email_change_confirm": dict(
        display_name="Zoë", confirm_url="https://shop.test/account/email/t0k", expires_hours=24
    ),
    "email_changed": dict(display_name="Zoë", new_email_masked="z•••@example.com"),
    "email_change_taken": dict(
        display_name="Zoë", sign_in_url="https://shop.test/login", reset_url="https://shop.test/reset"
    ),
    "receipt": dict(
        display_name="Zoë",
        order_reference="ORD-7Q2K",
        lines=[{"title": "Brush Pack", "amount": 1250}, {"title": "Font Family", "amount": 500}],
        subtotal=1750,
        discount=250,
        total=1500,
        currency="EUR",
        library_url="https://shop.test/library",
    ),
    "access_link": dict(order_reference="ORD-7Q2K", access_url="https://shop.test/access/tok456", expires_minutes=60),
    "sale_alert": dict(
        seller="Ama",
        product="Brush Pack",
        amount=1250,
        currency="USD",
        dashboard_url="https://shop.test/seller/analytics",
    ),
    "product_update": dict(
        product="Brush Pack",
        version="2.1",
        release_notes="Twelve new brushes.\nFaster export.",
        library_url="https://shop.test/library",
        unsubscribe_url="https://shop.test/unsubscribe/abc",
    ),
    "refund_notice": dict(display_name="Zoë", order_reference="ORD-7Q2K", amount=990, currency="JPY"),
    "delivery_failed": dict(
        display_name="Zoë",
        product="Brush Pack",
        order_reference="ORD-7Q2K",
        amount=1250,
        currency="EUR",
        refunded=True,
        order_url="https://shop.test/orders/ORD-7Q2K",
    ),
    "product_rejected": dict(
        seller="Ama",
        product="Brush Pack",
        reason="The cover shows a trademarked logo.",
        studio_url="https://shop.test/seller/products/7",
    ),
    "webhook_endpoint_disabled": dict(
        seller="Ama",
        endpoint_url="https://hooks.example.com/marketplace",
        failing_since="1 December 2026",
        studio_url="https://shop.test/seller/webhooks",
    ),
    "payout_paid": dict(seller="Ama", amount=1842, currency="USD", payouts_url="https://shop.test/seller/payouts"),
    "payout_failed": dict(
        seller="Ama",
        amount=1842,
        currency="USD",
        reason="The bank account does not exist.",
        payouts_url="https://shop.test/seller/payouts",
    ),
}

# What the reader must learn from each kind, in the text and in the HTML alike.
FACTS = {
    "password_reset": ["Zoë", "https://shop.test/reset/tok123", "30 minutes"],
    "welcome": ["Zoë", "https://shop.test/"],
    "confirm_registration": ["Zoë", "https://shop.test/welcome/tok9", "24 hours"],
    "sign_in_unlock": ["Zoë", "https://shop.test/api/session/unlock?token=u1", "15 minutes"],
    "new_device_sign_in": ["Zoë", "Firefox on Windows", "203.0.113.9", "https://shop.test/account"],
    "registration_attempt": ["Zoë", "https://shop.test/login", "https://shop.test/reset", "already has an account"],
    "email_change_confirm": ["Zoë", "https://shop.test/account/email/t0k", "24 hours", "keeps its current address"],
    "email_changed": ["Zoë", "z•••@example.com", "change it"],
    "email_change_taken": ["Zoë", "https://shop.test/login", "nothing was changed"],
    "receipt": [
        "ORD-7Q2K",
        "Brush Pack",
        "€12.50",
        "Font Family",
        "€5.00",
        "€17.50",
        "€2.50",
        "€15.00",
        "https://shop.test/library",
    ],
    "access_link": ["ORD-7Q2K", "https://shop.test/access/tok456", "60 minutes"],
    "sale_alert": ["Ama", "Brush Pack", "$12.50", "https://shop.test/seller/analytics"],
    "product_update": [
        "Brush Pack",
        "2.1",
        "Twelve new brushes.",
        "Faster export.",
        "https://shop.test/library",
        "https://shop.test/unsubscribe/abc",
    ],
    "refund_notice": ["Zoë", "ORD-7Q2K", "¥990"],
    "delivery_failed": ["Zoë", "Brush Pack", "ORD-7Q2K", "€12.50", "refunded"],
    "product_rejected": [
        "Ama",
        "Brush Pack",
        "The cover shows a trademarked logo.",
        "https://shop.test/seller/products/7",
    ],
    "webhook_endpoint_disabled": [
        "Ama",
        "https://hooks.example.com/marketplace",
        "1 December 2026",
        "https://shop.test/seller/webhooks",
    ],
    "payout_paid": ["Ama", "$18.42", "https://shop.test/seller/payouts"],
    "payout_failed": ["Ama", "$18.42", "The bank account does not exist.", "https://shop.test/seller/payouts"],
}


class _Structure(HTMLParser):
    def __init__(self):
        super().__init__()
        self.html_lang = None
        self.images = 0
        self.scripts = 0
        self.links = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        self.images += tag == "img"
        self.scripts += tag == "script"
        if tag == "a":
            self.links.append(attrs.get("href"))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    return parser


def test_every_kind_has_a_test_context():
    assert set(email_kinds()) == set(CONTEXTS)


@pytest.mark.parametrize("kind", sorted(CONTEXTS))
def test_each_kind_says_the_same_in_text_and_html(kind):
    subject, text, html = render_email(kind, **CONTEXTS[kind])

    assert subject
    assert "\n" not in subject
    structure = parse(html)
    visible_html = " ".join("".join(structure.text).split())
    for fact in FACTS[kind]:
        assert fact in text, fact
        assert fact in visible_html or fact in structure.links, fact
    assert structure.html_lang == "en"
    assert structure.images == 0  # readable with images blocked
    assert "#1e3a8a" in html  # the brand header
    # A valid message can be built from the result (no header injection from the subject).
    EmailMessage(to="zoe@example.com", subject=subject, text=text, html=html)


@pytest.mark.parametrize("kind", ["password_reset", "welcome", "receipt", "sale_alert", "product_update"])
def test_calls_to_action_use_the_cta_colour(kind):
    _, _, html = render_email(kind, **CONTEXTS[kind])
    assert re.search(r'background-color:#ff6b6b;[^>]*>\s*<a href="https://shop\.test/', html)


def test_success_colour_marks_good_news():
    for kind in ("receipt", "sale_alert"):
        assert "#10b981" in render_email(kind, **CONTEXTS[kind])[2]


def test_markup_in_a_product_title_is_escaped_in_html():
    context = {**CONTEXTS["product_update"], "product": f"Pack {SCRIPT}", "release_notes": f"Fixed {SCRIPT}"}
    subject, text, html = render_email("product_update", **context)

    structure = parse(html)
    assert structure.scripts == 0
    assert "&lt;script&gt;" in html
    assert SCRIPT in "".join(structure.text)  # shown to the reader as the seller typed it
    assert SCRIPT in text
    assert SCRIPT in subject


def test_markup_in_receipt_lines_and_names_is_escaped():
    context = {**CONTEXTS["receipt"], "display_name": SCRIPT, "lines": [{"title": SCRIPT, "amount": 100}]}
    _, _, html = render_email("receipt", **context)
    assert parse(html).scripts == 0


def test_newlines_in_a_name_do_not_reach_the_subject():
    subject, _, _ = render_email("welcome", display_name="Zoë\r\nBcc: victim@example.com")
    assert "\n" not in subject
    assert "\r" not in subject


def test_money_is_formatted_by_currency_exponent():
    _, text, _ = render_email("refund_notice", **{**CONTEXTS["refund_notice"], "amount": 1500, "currency": "BHD"})
    assert "1.500" in text  # BHD has three decimals


def test_a_zero_discount_is_not_shown():
    _, text, html = render_email("receipt", **{**CONTEXTS["receipt"], "discount": 0})
    assert "Discount" not in text
    assert "Discount" not in html


def test_password_reset_explains_what_to_do_if_unrequested():
    _, text, _ = render_email("password_reset", **CONTEXTS["password_reset"])
    assert "did not ask" in text


def test_missing_and_misspelt_context_is_refused():
    with pytest.raises(TypeError, match="missing reset_url"):
        render_email("password_reset", display_name="Zoë", expires_minutes=30)
    with pytest.raises(TypeError, match="unexpected reset_link"):
        render_email("password_reset", **CONTEXTS["password_reset"], reset_link="x")
    with pytest.raises(ValueError, match="unknown email kind"):
        render_email("newsletter", display_name="Zoë")


def test_a_guest_checkout_welcome_says_how_to_claim_the_account():
    _, text, html = render_email("welcome", display_name="zoe", claim_url="https://shop.test/reset/tok", claim_days=7)
    assert "Choose a password" in text
    assert "https://shop.test/reset/tok" in text
    assert "7 days" in text
    assert re.search(r'<a href="https://shop\.test/reset/tok"[^>]*>\s*Choose your password', html)
    _, plain_welcome, _ = render_email("welcome", display_name="zoe")
    assert "guest" not in plain_welcome


def test_the_receipt_shows_vat_when_there_is_some():
    _, text, html = render_email("receipt", **{**CONTEXTS["receipt"], "tax": 380})
    assert re.search(r"VAT: \S*3\.80", text)
    assert "VAT</th>" in html
    _, untaxed, _ = render_email("receipt", **CONTEXTS["receipt"])
    assert "VAT" not in untaxed


def test_a_receipt_with_an_access_link_offers_one_click_access_and_says_it_works_once():
    context = {**CONTEXTS["receipt"], "access_url": "https://shop.test/access/tok789", "access_minutes": 60}
    _, text, html = render_email("receipt", **context)
    assert "Access your purchase" in text
    assert "https://shop.test/access/tok789" in text
    assert "works once, within 60 minutes" in text
    structure = parse(html)
    assert "https://shop.test/access/tok789" in structure.links
    assert "Access your purchase" in " ".join("".join(structure.text).split())
    # The call to action is the access link, in the CTA colour.
    assert re.search(r'background-color:#ff6b6b;[^>]*>\s*<a href="https://shop\.test/access/tok789', html)

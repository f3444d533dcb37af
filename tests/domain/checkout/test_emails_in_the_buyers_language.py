"""Emails speak their recipient's language: a receipt in the language the buyer checked out
in (prices formatted for it), account emails in the language the person saved."""

from __future__ import annotations

from sqlmodel import select

from commerce import accounts, i18n
from commerce.actor import Actor
from commerce.models import Order, User, WebhookOutcome
from commerce.notifications import email as email_module
from commerce.notifications import tasks as tasks_module
from commerce.notifications.rendering import render_email
from commerce.orders.webhooks import handle_event
from tests.fixtures.adapters import emails_in


def buy_in(world, language: str, email: str) -> Order:
    product = world.product(world.shop(currency="EUR"), 1250)
    with i18n.use_language(language):
        result = world.checkout(Actor.anonymous(), [product], currency="EUR", email=email)
    _, event = world.pay(result.order_reference)
    assert handle_event(world.s, event) == WebhookOutcome.PROCESSED
    world.s.commit()  # the receipt goes out after the commit
    return world.s.exec(select(Order).where(Order.reference == result.order_reference)).one()


def test_a_receipt_goes_out_in_french_when_the_buyer_checked_out_in_french(world, outbox):
    order = buy_in(world, "fr", "claire@example.fr")

    assert order.language == "fr"
    (receipt,) = [sent for sent in emails_in(outbox) if sent.to == "claire@example.fr" and "reçu" in sent.subject]
    assert receipt.subject == f"Votre reçu pour la commande {order.reference}"
    buyer = world.s.get_one(User, order.buyer_id)
    assert f"Bonjour {buyer.display_name}," in receipt.text
    assert "Merci pour votre commande" in receipt.text
    assert f"Paiement reçu pour la commande {order.reference}." in receipt.text
    # French money: a comma for decimals and the euro sign after the amount.
    assert "Total payé: 12,50\u00a0€" in receipt.text
    assert "Total paid" not in receipt.text


def test_the_sellers_sale_alert_speaks_the_language_the_seller_saved(world, outbox):
    shop = world.shop(currency="EUR")
    seller = world.s.get_one(User, shop.owner_id)
    accounts.set_language(world.s, Actor(user_id=seller.id, role=seller.role), "de")
    product = world.product(shop, 1250, title="Aquarelle")
    with i18n.use_language("fr"):
        result = world.checkout(Actor.anonymous(), [product], currency="EUR", email="claire@example.fr")
    _, event = world.pay(result.order_reference)
    assert handle_event(world.s, event) == WebhookOutcome.PROCESSED
    world.s.commit()

    (alert,) = [sent for sent in emails_in(outbox) if sent.to == seller.email]
    assert alert.subject == "Du hast etwas verkauft: Aquarelle für 12,50 €"
    (receipt,) = [sent for sent in emails_in(outbox) if sent.to == "claire@example.fr"]
    assert receipt.subject.startswith("Votre reçu")


def test_an_account_email_uses_the_language_the_person_saved(world, outbox):
    user = world.user(email="hanako@example.jp")
    accounts.set_language(world.s, Actor(user_id=user.id, role=user.role), "ja")
    world.s.commit()

    accounts.request_password_reset(world.s, email="hanako@example.jp")
    world.s.commit()

    (reset,) = [sent for sent in emails_in(outbox) if sent.to == "hanako@example.jp"]
    assert reset.subject == "Marketplace のパスワードの再設定"
    assert "パスワード再設定がリクエストされました" in reset.text
    assert world.s.get_one(User, user.id).language == "ja"


def test_arabic_emails_read_right_to_left_with_latin_digits_in_prices():
    subject, text, html = render_email(
        "refund_notice", language="ar", display_name="ليلى", order_reference="ORD-1", amount=1900, currency="USD"
    )
    assert '<html lang="ar" dir="rtl">' in html
    assert "19.00" in subject
    assert "ORD-1" in subject
    assert "استرداد" in subject


def test_a_paid_orders_emails_are_each_rendered_once(world, outbox, monkeypatch):
    """The paid order's job schedules them and the email job renders and sends them; a checking
    render in the first job as well doubled the rendering a flash sale pays per order."""
    rendered: list[str] = []

    def counting(kind, **kwargs):
        rendered.append(kind)
        return render_email(kind, **kwargs)

    monkeypatch.setattr(email_module, "render_email", counting)
    monkeypatch.setattr(tasks_module, "render_email", counting)
    order = buy_in(world, "en", "ann@example.com")

    assert sorted(rendered) == ["receipt", "sale_alert"]
    (receipt,) = [sent for sent in emails_in(outbox) if sent.to == "ann@example.com"]
    assert receipt.subject == f"Your receipt for order {order.reference}"

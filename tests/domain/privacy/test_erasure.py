"""Erasing an account: nothing in the database finds the person by their email any more,
while orders, the ledger and the seller's figures still add up, reviews stay as a former
buyer's, and a closed shop's buyers keep what they bought."""

from __future__ import annotations

import pytest
from sqlalchemy import LargeBinary, String, Text, func, select
from sqlmodel import SQLModel

from commerce import accounts
from commerce.accounts import passwords
from commerce.accounts.activity import Client
from commerce.accounts.service import record_failed_sign_in
from commerce.actor import Actor
from commerce.api.keys import authenticate, create_api_key
from commerce.api.scopes import ALL_SCOPES
from commerce.delivery import downloads, library
from commerce.errors import DomainError, NotFound, ValidationError
from commerce.ledger.service import seller_balances, trial_balance
from commerce.licensing import api as license_api
from commerce.models import (
    AuthSession,
    DeliveryKind,
    DownloadEvent,
    Order,
    PrivacyRequest,
    PrivacyRequestKind,
    Product,
    ProductStatus,
    Shop,
    User,
    UserRole,
)
from commerce.models.security import SecurityEvent
from commerce.notifications.preferences import set_sms_number
from commerce.orders.access import issue_access_link
from commerce.orders.sales import list_shop_sales
from commerce.privacy import erasure
from commerce.privacy.service import privacy_log
from commerce.reviews.service import product_reviews, report_product, submit_review
from tests.fixtures.delivery import session_token

EMAIL = "erase.me@example.com"
PASSWORD = "correct horse battery"


def places_holding(s, needle: str) -> list[str]:
    """Every table.column whose text holds `needle` (case-insensitive), scanning all tables."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, LargeBinary):
                continue  # ciphertext (sealed values, license keys)
            if not isinstance(column.type, String | Text) and "String" not in type(column.type).__name__:
                continue
            hits = s.execute(
                select(func.count()).select_from(table).where(func.lower(column).contains(needle.lower()))
            ).scalar_one()
            if hits:
                found.append(f"{table.name}.{column.name}")
    return found


@pytest.fixture
def history(shop):
    """A buyer with a password who bought a file and a key, downloaded, activated, reviewed,
    reported, set an SMS number, asked for a reset and got an access link."""
    s = shop.s
    book = shop.product(kind=DeliveryKind.FILES, title="The Book")
    version = shop.version(book)
    file = shop.file(book, version, b"%PDF-1.4\n% the book\n")
    app = shop.product(kind=DeliveryKind.KEYS, title="The App")
    shop.import_keys(app, "KEY-AAAA-BBBB-0001")
    user, buyer = shop.buyer(email=EMAIL)
    user.password_hash = passwords.hash_password(PASSWORD)
    s.add(user)
    order = shop.buy(buyer, book, app)
    s.commit()
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
    token = accounts.login(s, email=EMAIL, password=PASSWORD, client_id="203.0.113.9", user_agent=agent).token
    record_failed_sign_in(s, email=EMAIL, client=Client(ip="198.51.100.4", user_agent=agent))
    minted = downloads.mint_link(s, buyer, file.id)
    shop.download(minted.url, token=token)
    license_api.activate(s, product_id=app.id, key="KEY-AAAA-BBBB-0001", instance="erase-laptop", client_id="t")
    submit_review(s, buyer, book.id, rating=4, body="Clear and useful.")
    report_product(s, buyer, app.id, reason="misleading", details="Not as described")
    set_sms_number(s, buyer, number="+44 7700 900123")
    accounts.request_password_reset(s, email=EMAIL)
    issue_access_link(s, order)
    s.commit()
    return dict(user=user, buyer=buyer, token=token, order=order, book=book, app=app, file=file)


def test_an_erased_buyer_cannot_be_found_by_email_anywhere(shop, history):
    s = shop.s
    assert places_holding(s, EMAIL)  # the scan finds them before
    assert s.exec(select(SecurityEvent).where(SecurityEvent.user_id == history["user"].id)).scalars().all()
    erasure.erase_account(s, history["buyer"], password=PASSWORD)
    s.commit()
    assert places_holding(s, EMAIL) == []
    assert places_holding(s, "erase.me") == []
    user = s.get(User, history["user"].id)
    assert user.erased_at is not None
    assert user.sms_number is None
    assert user.display_name == erasure.FORMER_BUYER
    assert all(row.revoked_at for row in s.exec(select(AuthSession).where(AuthSession.user_id == user.id)).scalars())
    assert accounts.resume_session(s, history["token"]) is None
    with pytest.raises(ValidationError):
        accounts.login(s, email=EMAIL, password=PASSWORD, client_id="t")
    assert s.exec(select(SecurityEvent).where(SecurityEvent.user_id == user.id)).scalars().all() == []
    sessions = s.exec(select(AuthSession).where(AuthSession.user_id == user.id)).scalars().all()
    assert sessions
    assert {(row.ip, row.device) for row in sessions} == {(None, "")}
    events = s.exec(select(DownloadEvent).where(DownloadEvent.buyer_id == user.id)).scalars().all()
    assert events
    assert all(e.ip_prefix == "" and e.user_agent == "" for e in events)


def test_orders_ledger_and_seller_figures_still_reconcile(shop, history):
    s = shop.s
    balance_before = trial_balance(s)
    seller_before = seller_balances(s, shop.seller)
    sales_before = list_shop_sales(s, shop.seller)
    order_before = s.get(Order, history["order"].id)
    totals_before = (order_before.total, order_before.tax, order_before.currency, order_before.billing_country)

    erasure.erase_account(s, history["buyer"], password=PASSWORD)
    s.commit()

    assert trial_balance(s) == balance_before
    assert sum(trial_balance(s).values()) == 0
    assert seller_balances(s, shop.seller) == seller_before
    sales_after = list_shop_sales(s, shop.seller)
    assert sales_after.total == sales_before.total
    assert [sale.reference for sale in sales_after.items] == [sale.reference for sale in sales_before.items]
    order = s.get(Order, history["order"].id)
    assert (order.total, order.tax, order.currency, order.billing_country) == totals_before
    assert order.email.endswith("@" + erasure.ERASED_DOMAIN)


def test_reviews_stay_as_a_former_buyers(shop, history):
    s = shop.s
    erasure.erase_account(s, history["buyer"], password=PASSWORD)
    s.commit()
    reviews = product_reviews(s, history["book"].id).reviews
    assert [(r.author_name, r.body) for r in reviews] == [("Former buyer", "Clear and useful.")]


def test_wrong_password_or_missing_confirmation_changes_nothing(shop, history):
    s = shop.s
    with pytest.raises(ValidationError, match="password"):
        erasure.erase_account(s, history["buyer"], password="not the password")
    assert s.get(User, history["user"].id).email == EMAIL
    guest = shop.world.user(email="guest@example.com")  # made at a guest checkout: no password
    actor = Actor(user_id=guest.id, role=UserRole.BUYER)
    with pytest.raises(ValidationError, match="DELETE"):
        erasure.erase_account(s, actor, confirmation="delete it")
    erasure.erase_account(s, actor, confirmation="DELETE")
    with pytest.raises(NotFound):
        erasure.erase_account(s, actor, confirmation="DELETE")


def test_the_same_email_registers_again_as_a_new_account(shop, history, outbox):
    s = shop.s
    erasure.erase_account(s, history["buyer"], password=PASSWORD)
    s.commit()
    grant = accounts.create_account(s, email=EMAIL, password=PASSWORD, display_name="New me", client_id="t")
    assert grant.user.id != history["user"].id
    assert library.library(s, grant.actor).items == []


def test_a_closing_sellers_buyers_keep_what_they_bought(shop, history, jobs):
    s = shop.s
    seller_user = s.get(User, shop.seller.user_id)
    seller_email = seller_user.email
    seller_user.password_hash = passwords.hash_password(PASSWORD)
    s.add(seller_user)
    balance_before = trial_balance(s)
    key = create_api_key(s, shop.seller, name="accounting export", scopes=list(ALL_SCOPES[:1]))
    done = erasure.erase_account(s, shop.seller, password=PASSWORD)
    s.commit()
    assert done.shop_closed
    assert places_holding(s, seller_email) == []
    shop_row = s.get(Shop, shop.shop.id)
    assert shop_row.name == "Closed shop"
    assert shop_row.bio == ""
    products = s.exec(select(Product).where(Product.shop_id == shop_row.id)).scalars().all()
    assert {p.status for p in products} == {ProductStatus.ARCHIVED}
    with pytest.raises(DomainError):
        authenticate(s, key.secret)  # the shop's API keys stop working
    # The buyer's library, download and key all still work.
    buyer = history["buyer"]
    titles = {item.title for item in library.library(s, buyer).items}
    assert titles == {"The Book", "The App"}
    minted = downloads.mint_link(s, buyer, history["file"].id)
    assert shop.download(minted.url, token=session_token(s, history["user"])).blob_key == history["file"].blob_key
    assert trial_balance(s) == balance_before


def test_admins_see_the_erasure_in_the_privacy_log(shop, history):
    s = shop.s
    erasure.erase_account(s, history["buyer"], password=PASSWORD)
    admin = shop.world.admin_actor()
    rows = privacy_log(s, admin).items
    assert [(r.kind, r.status, r.user_id) for r in rows] == [("erasure", "done", history["user"].id)]
    assert rows[0].user_label.endswith("@erased.invalid")
    with pytest.raises(Exception, match="admin|permission|allowed"):
        privacy_log(s, history["buyer"])
    assert s.exec(select(PrivacyRequest).where(PrivacyRequest.kind == PrivacyRequestKind.ERASURE)).first()

"""A person's export: built by a job into a ZIP of JSON and CSV, downloadable by them only
until it expires; and the retention upkeep that forgets old IP addresses."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlmodel import select

from commerce import storage
from commerce.accounts.activity import Client, record
from commerce.delivery import downloads
from commerce.errors import NotFound, RateLimited
from commerce.kit.time import utcnow
from commerce.licensing import api as license_api
from commerce.models import DeliveryKind, DownloadEvent, PrivacyRequest, PrivacyRequestStatus
from commerce.models.notifications import PushSubscription
from commerce.models.security import (
    ChallengePurpose,
    Passkey,
    PendingSignIn,
    RecoveryCode,
    SecurityEvent,
    SecurityEventKind,
    WebAuthnChallenge,
)
from commerce.notifications.preferences import set_sms_number
from commerce.privacy import exports, retention, tasks
from commerce.privacy.service import privacy_log, request_export
from commerce.reviews.service import submit_review
from tests.fixtures.delivery import session_token


@pytest.fixture
def customer(shop):
    s = shop.s
    book = shop.product(kind=DeliveryKind.FILES, title="The Book")
    file = shop.file(book, shop.version(book), b"%PDF-1.4\n% the book\n")
    app = shop.product(kind=DeliveryKind.KEYS, title="The App")
    shop.import_keys(app, "KEY-EXPO-RT00-0001")
    user, buyer = shop.buyer(email="export.me@example.com")
    order = shop.buy(buyer, book, app)
    shop.download(downloads.mint_link(s, buyer, file.id).url, token=session_token(s, user))
    license_api.activate(s, product_id=app.id, key="KEY-EXPO-RT00-0001", instance="studio-pc", client_id="t")
    submit_review(s, buyer, book.id, rating=5, body="Loved it.")
    set_sms_number(s, buyer, number="+44 7700 900123")
    s.commit()
    return dict(user=user, buyer=buyer, order=order)


def read_zip(shop, view) -> dict[str, bytes]:
    file = exports.open_export(shop.s, view.id and shop.s.get(PrivacyRequest, view.id).user_id, view.id)
    with storage.blob_store().open(file.blob_key) as blob:
        archive = zipfile.ZipFile(io.BytesIO(blob.read()))
    return {name: archive.read(name) for name in archive.namelist()}


def test_an_export_is_built_by_a_job_and_holds_everything_about_the_buyer(shop, customer, jobs):
    s = shop.s
    views = request_export(s, customer["buyer"])
    assert views[0].status == "pending"
    s.commit()  # the job runs after the commit
    assert jobs.ran(tasks.build_export)
    [view] = exports.my_exports(s, customer["buyer"])
    assert view.status == "ready"
    assert view.download_path == f"/api/privacy/exports/{view.id}"
    assert view.expires_at - utcnow() > timedelta(days=6)
    files = read_zip(shop, view)
    profile = json.loads(files["profile.json"])
    assert profile["email"] == "export.me@example.com"
    assert profile["sms_number"] == "+447700900123"
    [order] = json.loads(files["orders.json"])
    assert order["reference"] == customer["order"].reference
    assert {line["product"] for line in order["lines"]} == {"The Book", "The App"}
    [key] = json.loads(files["license_keys.json"])
    assert key["key"] == "KEY-EXPO-RT00-0001"
    assert [a["instance"] for a in key["activations"]] == ["studio-pc"]
    downloads_rows = list(csv.DictReader(io.StringIO(files["downloads.csv"].decode())))
    assert [row["product"] for row in downloads_rows] == ["The Book"]
    assert downloads_rows[0]["ip_prefix"]
    library_rows = list(csv.DictReader(io.StringIO(files["library.csv"].decode())))
    assert {row["product"] for row in library_rows} == {"The Book", "The App"}
    assert json.loads(files["reviews.json"])[0]["text"] == "Loved it."
    assert "shop.json" not in files
    assert {"reports.json", "notifications.json", "README.txt"} <= set(files)


def test_an_export_lists_sign_in_methods_and_push_devices_without_their_secrets(shop, customer, jobs):
    s = shop.s
    user_id = customer["user"].id
    s.add(Passkey(user_id=user_id, credential_id="cred-1", public_key="pk-secret-ish", name="Work laptop"))
    s.add(RecoveryCode(user_id=user_id, code_hash="h" * 64))
    s.add(RecoveryCode(user_id=user_id, code_hash="u" * 64, used_at=utcnow()))
    s.add(
        PushSubscription(
            user_id=user_id,
            endpoint="https://push.example.net/send/abc",
            p256dh="browser-public-key",
            auth="browser-auth-secret",
            device="Firefox on Linux",
        )
    )
    request_export(s, customer["buyer"])
    s.commit()
    [view] = exports.my_exports(s, customer["buyer"])
    files = read_zip(shop, view)
    methods = json.loads(files["sign_in_methods.json"])
    assert methods["authenticator_app"] is None
    assert methods["recovery_codes_left"] == 1
    assert [p["name"] for p in methods["passkeys"]] == ["Work laptop"]
    [device] = list(csv.DictReader(io.StringIO(files["push_devices.csv"].decode())))
    assert device["device"] == "Firefox on Linux"
    assert device["push_service_address"] == "https://push.example.net/send/abc"
    everything = b"".join(files.values())
    assert b"browser-auth-secret" not in everything
    assert b"h" * 64 not in everything


def test_a_sellers_export_has_their_shop_products_and_sales_without_buyers(shop, customer, jobs):
    s = shop.s
    request_export(s, shop.seller)
    s.commit()
    [view] = exports.my_exports(s, shop.seller)
    files = read_zip(shop, view)
    assert json.loads(files["shop.json"])["name"] == shop.shop.name
    assert {p["title"] for p in json.loads(files["products.json"])} == {"The Book", "The App"}
    sales = list(csv.DictReader(io.StringIO(files["sales.csv"].decode())))
    assert {row["order"] for row in sales} == {customer["order"].reference}
    assert b"export.me@example.com" not in files["sales.csv"]


def test_only_the_person_who_asked_can_open_it_and_only_until_it_expires(shop, customer, jobs):
    s = shop.s
    request_export(s, customer["buyer"])
    s.commit()
    [view] = exports.my_exports(s, customer["buyer"])
    other, _ = shop.buyer()
    with pytest.raises(NotFound):
        exports.open_export(s, other.id, view.id)
    with pytest.raises(NotFound):
        exports.open_export(s, None, view.id)
    row = s.get(PrivacyRequest, view.id)
    key = row.blob_key
    row.expires_at = utcnow() - timedelta(seconds=1)
    s.add(row)
    with pytest.raises(NotFound, match="expired"):
        exports.open_export(s, customer["user"].id, view.id)
    assert exports.my_exports(s, customer["buyer"])[0].download_path == ""
    assert retention.purge_expired_exports(s) == 1
    assert not storage.blob_store().exists(key)
    assert s.get(PrivacyRequest, view.id).status == PrivacyRequestStatus.EXPIRED


def test_exports_are_limited_per_day_and_a_pending_one_is_not_doubled(shop, customer, jobs):
    s = shop.s
    for _ in range(exports.EXPORTS_PER_DAY):
        request_export(s, customer["buyer"])
        s.commit()
    with pytest.raises(RateLimited):
        request_export(s, customer["buyer"])
    admin = shop.world.admin_actor()
    log = privacy_log(s, admin).items
    assert [(row.kind, row.status) for row in log] == [("export", "ready")] * exports.EXPORTS_PER_DAY


def test_download_logs_lose_ip_addresses_after_the_retention_period(shop, customer):
    s = shop.s
    events = s.exec(select(DownloadEvent).where(DownloadEvent.buyer_id == customer["user"].id)).all()
    assert events[0].ip_prefix
    assert retention.forget_old_ip_addresses(s, retention_days=30) == 0
    events[0].created_at = utcnow() - timedelta(days=31)
    s.add(events[0])
    s.flush()
    assert retention.forget_old_ip_addresses(s, retention_days=30) == 1
    s.refresh(events[0])
    assert (events[0].ip_prefix, events[0].user_agent) == ("", "")
    assert events[0].counted  # the download still counts toward limits and figures


def test_security_activity_and_sessions_lose_ip_addresses_after_the_period(shop, customer):
    s = shop.s
    user_id = customer["user"].id
    record(s, user_id, SecurityEventKind.SIGNED_IN, Client(ip="203.0.113.9", user_agent="Firefox/120.0 (X11; Linux)"))
    old = SecurityEvent(user_id=user_id, kind=SecurityEventKind.SIGN_IN_FAILED, ip="198.51.100.4", device="Firefox")
    old.created_at = utcnow() - timedelta(days=31)
    s.add(old)
    s.flush()
    assert retention.forget_old_sign_in_addresses(s, retention_days=30) == 1
    s.expire_all()
    rows = s.exec(select(SecurityEvent).where(SecurityEvent.user_id == user_id)).all()
    assert sorted((row.ip or "", row.device) for row in rows)[0] == ("", "Firefox")
    assert "203.0.113.9" in {row.ip for row in rows}  # recent activity keeps its address
    contents = exports.export_contents(s, user_id)
    assert b"203.0.113.9" in contents["security_activity.csv"]


def test_expired_passkey_challenges_and_half_finished_sign_ins_are_deleted(shop, customer):
    s = shop.s
    user_id = customer["user"].id
    now = utcnow()
    s.add(WebAuthnChallenge(challenge="old", purpose=ChallengePurpose.SIGN_IN, expires_at=now - timedelta(minutes=1)))
    s.add(WebAuthnChallenge(challenge="live", purpose=ChallengePurpose.SIGN_IN, expires_at=now + timedelta(minutes=4)))
    s.add(PendingSignIn(token_hash="a" * 64, user_id=user_id, expires_at=now - timedelta(minutes=1)))
    s.add(PendingSignIn(token_hash="b" * 64, user_id=user_id, expires_at=now + timedelta(minutes=9)))
    s.flush()
    assert retention.forget_expired_sign_in_steps(s) == 2
    assert [row.challenge for row in s.exec(select(WebAuthnChallenge))] == ["live"]
    assert [row.token_hash for row in s.exec(select(PendingSignIn))] == ["b" * 64]

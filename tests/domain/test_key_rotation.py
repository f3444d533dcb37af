"""Rotating keys. LICENSE_ENCRYPTION_KEY: the new key is deployed with the old one as a
previous key, `rotate-keys` re-encrypts every secret at rest, and then the old key can be
dropped. SECRET_KEY: recovery codes made under the old value keep working while it is
listed in SECRET_KEY_PREVIOUS.

Secrets sealed under the old key: a sold license key (a buyer's software checks it by
what the buyer types), a seller's webhook signing secrets (current and the one still in
its overlap), an authenticator-app secret, an SMS number and an order's billing country.
"""

from __future__ import annotations

import io
import time

import pyotp
import pytest
from sqlmodel import select

from commerce import accounts, cli, storage, wiring
from commerce.accounts import factors, sign_in, two_factor
from commerce.accounts.activity import Client
from commerce.accounts.factors import CodeRefused
from commerce.config import get_settings
from commerce.kit.time import utcnow
from commerce.license_keys.vault import KeyDecryptionError
from commerce.licensing import api as license_api
from commerce.models import DeliveryKind, LicenseKey, Order, TotpFactor, User, WebhookEndpoint
from commerce.models.sealed import SealedValueError
from commerce.operations import key_rotation
from commerce.webhooks_out import signing

OLD, NEW = "0a" * 32, "1b" * 32
KEY_TEXT = "ROTA-TION-KEY1-2345"
CLIENT = Client(ip="203.0.113.7", user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36")


@pytest.fixture(autouse=True)
def pytests_logging(monkeypatch):
    """`cli.main` sets logging up for a process (handlers on the streams of the moment);
    in a test those are pytest's captures, closed after it: keep pytest's logging."""
    monkeypatch.setattr(cli, "start_observability", lambda settings: None)


@pytest.fixture
def use_keys(monkeypatch):
    def use(current: str, *previous: str) -> None:
        monkeypatch.setenv("LICENSE_ENCRYPTION_KEY", current)
        monkeypatch.setenv("LICENSE_ENCRYPTION_PREVIOUS_KEYS", ",".join(previous))
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


@pytest.fixture
def sealed_under_old_key(s, shop, use_keys):
    use_keys(OLD)
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.import_keys(product, KEY_TEXT)
    user, buyer = shop.buyer()
    order = shop.buy(buyer, product)
    user.sms_number = "+15555550123"
    order.billing_country = "DE"
    s.add(
        WebhookEndpoint(
            shop_id=shop.shop.id,
            url="https://hooks.example/in",
            event_types="order.paid",
            secret_ciphertext=signing.seal("whsec_current", shop.shop.id),
            previous_secret_ciphertext=signing.seal("whsec_before", shop.shop.id),
            previous_secret_expires_at=utcnow(),
        )
    )
    s.add(TotpFactor(user_id=user.id, secret_sealed=factors.seal_secret(user.id, "JBSWY3DPEHPK3PXP")))
    s.commit()
    return dict(product_id=product.id, user_id=user.id, order_id=order.id, shop_id=shop.shop.id)


def _everything_reads(s, sealed) -> None:
    s.expire_all()
    answer = license_api.validate(s, product_id=sealed["product_id"], key=KEY_TEXT.lower(), client_id="rotation")
    assert answer.status == "valid"
    user = s.get(User, sealed["user_id"])
    assert user.sms_number == "+15555550123"
    assert s.get(Order, sealed["order_id"]).billing_country == "DE"
    endpoint = s.exec(select(WebhookEndpoint).where(WebhookEndpoint.shop_id == sealed["shop_id"])).one()
    assert signing.unseal(endpoint.secret_ciphertext, endpoint.shop_id) == "whsec_current"
    assert signing.unseal(endpoint.previous_secret_ciphertext, endpoint.shop_id) == "whsec_before"
    assert factors.open_secret(s.get(TotpFactor, sealed["user_id"])) == "JBSWY3DPEHPK3PXP"


def test_without_the_old_key_nothing_sealed_under_it_reads(s, sealed_under_old_key, use_keys):
    use_keys(NEW)
    s.expire_all()
    with pytest.raises(SealedValueError):
        _ = s.get(User, sealed_under_old_key["user_id"]).sms_number
    s.rollback()
    row = s.exec(select(LicenseKey).where(LicenseKey.product_id == sealed_under_old_key["product_id"])).one()
    with pytest.raises(KeyDecryptionError):
        license_api.configured_vault().decrypt(row.ciphertext, b"license-key:product:%d" % row.product_id)
    answer = license_api.validate(
        s, product_id=sealed_under_old_key["product_id"], key=KEY_TEXT, client_id="rotation-missing"
    )
    assert answer.status == "not_found"


def test_the_new_key_with_the_old_one_as_previous_reads_everything(s, sealed_under_old_key, use_keys):
    use_keys(NEW, OLD)
    _everything_reads(s, sealed_under_old_key)


def test_after_rotate_keys_the_old_key_can_go(s, sealed_under_old_key, use_keys, capsys):
    use_keys(NEW, OLD)
    assert cli.main(["rotate-keys"]) == 0
    printed = capsys.readouterr().out
    assert "license_keys: 1 row(s)" in printed
    assert "webhook_endpoints: 1 row(s)" in printed

    use_keys(NEW)
    _everything_reads(s, sealed_under_old_key)
    # Running it again with nothing retired is refused with the reason, not a silent no-op.
    assert cli.main(["rotate-keys"]) == 1
    assert "LICENSE_ENCRYPTION_PREVIOUS_KEYS" in capsys.readouterr().err


def test_a_key_already_in_stock_is_not_stocked_again_during_the_rotation(s, shop, use_keys):
    use_keys(OLD)
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.import_keys(product, KEY_TEXT)
    use_keys(NEW, OLD)
    report = shop.import_keys(product, KEY_TEXT, "ANOT-HER0-KEY0-0001")
    assert report.added == 1
    assert key_rotation.rotate().rows_by_table["license_keys"] == 2


@pytest.fixture
def use_secret(monkeypatch):
    def use(current: str, *previous: str) -> None:
        monkeypatch.setenv("SECRET_KEY", current)
        monkeypatch.setenv("SECRET_KEY_PREVIOUS", ",".join(previous))
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def test_recovery_codes_made_before_a_secret_key_change_work_while_the_old_one_is_listed(s, use_secret):
    use_secret("the-secret-key-before-the-change-0000")
    grant = accounts.create_account(
        s, email="ada@example.com", password="correct horse battery", display_name="Ada", client_id="1.1.1.1"
    )
    actor = accounts.socket_session(s, grant.token).actor
    setup = two_factor.start_totp(s, actor)
    step = int(time.time() // 30)
    codes = two_factor.confirm_totp(s, actor, code=pyotp.TOTP(setup.secret).generate_otp(step), client=CLIENT)

    def recover(code: str) -> None:
        pending = accounts.login(s, email="ada@example.com", password="correct horse battery", client_id="2.2.2.2")
        sign_in.finish_with_code(s, token=pending.token, code=code, client=CLIENT)

    use_secret("the-secret-key-after-the-change-11111")
    with pytest.raises(CodeRefused):
        recover(codes[0])
    use_secret("the-secret-key-after-the-change-11111", "the-secret-key-before-the-change-0000")
    recover(codes[1])
    assert two_factor.second_factor_status(s, actor).recovery_codes_left == 9


@pytest.fixture
def use_blob_keys(monkeypatch, tmp_path):
    """The app's blob store as configured with these keys (wiring.configure, as at start),
    in a folder of its own: files other tests stored under the default key stay out of it."""
    monkeypatch.setenv("DATABASE_URL", get_settings().database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))

    def use(current: str, *previous: str) -> None:
        monkeypatch.setenv("BLOB_ENCRYPTION_KEY", current)
        monkeypatch.setenv("BLOB_ENCRYPTION_PREVIOUS_KEYS", ",".join(previous))
        get_settings.cache_clear()
        wiring.configure()

    yield use
    monkeypatch.undo()
    get_settings.cache_clear()
    wiring.configure()


def test_after_rotate_blob_key_the_old_blob_key_can_go(use_blob_keys, capsys):
    use_blob_keys(OLD)
    storage.blob_store().put(
        "files/rotation/a.bin", io.BytesIO(b"kept through the rotation"), content_type="text/plain"
    )

    use_blob_keys(NEW, OLD)
    assert cli.main(["rotate-blob-key"]) == 0
    assert "Done: 1 file(s) now use BLOB_ENCRYPTION_KEY" in capsys.readouterr().out

    use_blob_keys(NEW)
    with storage.blob_store().open("files/rotation/a.bin") as opened:
        assert opened.read() == b"kept through the rotation"
    assert cli.main(["rotate-blob-key"]) == 1
    assert "BLOB_ENCRYPTION_PREVIOUS_KEYS is empty" in capsys.readouterr().err

"""Re-encrypting the secrets at rest under the current LICENSE_ENCRYPTION_KEY.

After a new key is deployed with the old one in LICENSE_ENCRYPTION_PREVIOUS_KEYS, the app
reads both; `rotate` then rewrites every row sealed with the master key: license keys
(with their lookup hashes), sellers' webhook signing secrets, authenticator-app secrets and
the sealed personal-data columns. Each batch is a short transaction of its own, so the app
keeps serving; rows are locked while rewritten (PostgreSQL), or the database's write lock
is taken first (SQLite), so a change the app makes at the same moment is never undone.
Running it twice is harmless. Once it has finished, the retired key can be removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from commerce.accounts import factors
from commerce.db import serialise_writes, unit_of_work
from commerce.errors import DomainError
from commerce.license_keys.format import normalize_key
from commerce.license_keys.vault import KeyVault, configured_vault, product_associated_data
from commerce.models import ApiIdempotentRequest, Cart, LicenseKey, Order, TotpFactor, User, WebhookEndpoint
from commerce.webhooks_out import signing

BATCH = 500


class NothingToRotate(DomainError):
    pass


@dataclass(frozen=True)
class RotationReport:
    rows_by_table: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows_by_table.values())


def _reseal_license_key(vault: KeyVault, row: LicenseKey) -> None:
    associated = product_associated_data(row.product_id)
    plain = vault.decrypt(row.ciphertext, associated)
    row.ciphertext = vault.encrypt(plain, associated)
    row.lookup_hash = vault.lookup_hash(normalize_key(plain))


def _reseal_webhook_secrets(_vault: KeyVault, row: WebhookEndpoint) -> None:
    row.secret_ciphertext = signing.seal(signing.unseal(row.secret_ciphertext, row.shop_id), row.shop_id)
    if row.previous_secret_ciphertext is not None:
        previous = signing.unseal(row.previous_secret_ciphertext, row.shop_id)
        row.previous_secret_ciphertext = signing.seal(previous, row.shop_id)


def _reseal_totp_secret(_vault: KeyVault, row: TotpFactor) -> None:
    row.secret_sealed = factors.seal_secret(row.user_id, factors.open_secret(row))


def _resealing(attribute: str) -> Callable[[KeyVault, object], None]:
    """A `Sealed` column reads back through every key and is sealed with the current one
    when written: marking it changed makes the flush write it again."""

    def reseal(_vault: KeyVault, row: object) -> None:
        flag_modified(row, attribute)

    return reseal


# (model, its integer key, rows to rewrite, how): everything sealed with the master key.
_SEALED = (
    (LicenseKey, LicenseKey.id, None, _reseal_license_key),
    (WebhookEndpoint, WebhookEndpoint.id, None, _reseal_webhook_secrets),
    (TotpFactor, TotpFactor.user_id, None, _reseal_totp_secret),
    (User, User.id, col(User.sms_number).is_not(None), _resealing("sms_number")),
    (Cart, Cart.id, col(Cart.billing_country).is_not(None), _resealing("billing_country")),
    (Order, Order.id, col(Order.billing_country).is_not(None), _resealing("billing_country")),
    (ApiIdempotentRequest, ApiIdempotentRequest.id, None, _resealing("body")),
)


def _batches(model, key, condition) -> Iterator[tuple[Session, list]]:
    after = None
    while True:
        with unit_of_work() as s:
            serialise_writes(s)
            query = select(model).order_by(key).limit(BATCH).with_for_update()
            if condition is not None:
                query = query.where(condition)
            if after is not None:
                query = query.where(key > after)
            rows = list(s.exec(query).all())
            if not rows:
                return
            yield s, rows
            after = getattr(rows[-1], key.key)


def rotate(*, on_batch: Callable[[str, int], None] = lambda table, done: None) -> RotationReport:
    """Rewrite every secret sealed with the master key under the current key."""
    vault = configured_vault()
    if not vault.has_previous_keys:
        raise NothingToRotate(
            "LICENSE_ENCRYPTION_PREVIOUS_KEYS is empty: deploy the new LICENSE_ENCRYPTION_KEY with the old "
            "one listed there first (docs/operations.md, Rotating secrets)."
        )
    done: dict[str, int] = {}
    for model, key, condition, reseal in _SEALED:
        table = model.__tablename__
        done[table] = 0
        for _s, rows in _batches(model, key, condition):
            for row in rows:
                reseal(vault, row)
            done[table] += len(rows)
            on_batch(table, done[table])
    return RotationReport(rows_by_table=done)

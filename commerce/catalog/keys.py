"""License-key settings and the inventory of keys a product sells.

Imported keys are the seller's own strings (a list pasted or a CSV uploaded),
encrypted with the KeyVault before they reach the database; each row also keeps
the keyed lookup hash of the normalised key, so a key already in the inventory is
recognised and skipped without decrypting anything. Generated keys are made at
sale time by the licensing module from the policy's prefix; here only the setting.
A product selling imported keys with none available is sold out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from commerce import events
from commerce.actor import Actor
from commerce.catalog.access import owned_product
from commerce.catalog.changes import touch
from commerce.catalog.views import KeyCounts, ProductEditView, delivers_keys, key_counts, product_edit_view
from commerce.errors import Conflict, ValidationError
from commerce.i18n import bo_gettext, bo_N_, format_number
from commerce.kit.choices import parse_choice
from commerce.kit.time import utcnow
from commerce.license_keys.format import normalize_key, parse_imported_keys, validate_prefix
from commerce.license_keys.vault import configured_vault, product_associated_data
from commerce.models import KeySource, KeyStatus, LicenseKey, LicensePolicy, saved_id

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_KEYS_PER_IMPORT = 50_000
MAX_ACTIVATION_LIMIT = 10_000
MAX_EXPIRY_DAYS = 3650
MAX_USAGE_LIMIT = 1_000_000
_LOOKUP_BATCH = 500
_INVALID_LINES_SHOWN = 5


@dataclass(frozen=True)
class KeyImportReport:
    added: int
    # Repeated inside what was pasted, and already in the product's inventory.
    duplicates_in_import: int
    already_in_inventory: int
    blank_lines: int
    header_skipped: bool
    counts: KeyCounts

    skipped: int
    message: str  # one sentence for the seller


def _import_message(added: int, repeated: int, in_stock: int, available: int) -> str:
    text = f"Added {added} key{'' if added == 1 else 's'}"
    skipped = repeated + in_stock
    if skipped:
        parts = []
        if repeated:
            parts.append(f"{repeated} repeated in the list")
        if in_stock:
            parts.append(f"{in_stock} already in stock")
        text += f"; skipped {skipped} duplicate{'' if skipped == 1 else 's'} ({', '.join(parts)})"
    return text + f". {available} available."


def _limit(value: int | None, maximum: int, what: str, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ValidationError(
            bo_gettext(
                "{what} is a whole number from 1 to {maximum}, or empty for no limit.",
                what=bo_gettext(what),
                maximum=format_number(maximum),
            ),
            field,
        )
    return value


def set_license_policy(
    s: Session,
    actor: Actor,
    product_id: int,
    *,
    source: str,
    prefix: str | None = None,
    activation_limit: int | None = None,
    expiry_days: int | None = None,
    usage_limit: int | None = None,
) -> ProductEditView:
    """How keys are made (imported by the seller or generated at sale) and their limits.

    Changing the limits affects keys sold from now on; the licensing module
    copies them onto each key when it is sold.
    """
    product, shop = owned_product(s, actor, product_id)
    key_source = parse_choice(KeySource, source)
    if key_source is None:
        raise ValidationError(bo_gettext("Choose imported keys or generated keys."), "key_source")
    cleaned_prefix = None
    if key_source == KeySource.GENERATED and prefix and prefix.strip():
        cleaned_prefix = validate_prefix(prefix)
    activation = _limit(activation_limit, MAX_ACTIVATION_LIMIT, bo_N_("The activation limit"), "activation_limit")
    expiry = _limit(expiry_days, MAX_EXPIRY_DAYS, bo_N_("Expiry in days"), "expiry_days")
    usage = _limit(usage_limit, MAX_USAGE_LIMIT, bo_N_("The usage limit"), "usage_limit")
    policy = s.get(LicensePolicy, product.id)
    if policy is None:
        policy = LicensePolicy(product_id=saved_id(product))
        s.add(policy)
    policy.source = key_source
    policy.prefix = cleaned_prefix
    policy.activation_limit = activation
    policy.expiry_days = expiry
    policy.usage_limit = usage
    policy.updated_at = utcnow()
    touch(product, searchable=False)
    return product_edit_view(s, product, shop)


def _existing_hashes(s: Session, product_id: int, hashes: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(hashes), _LOOKUP_BATCH):
        batch = hashes[start : start + _LOOKUP_BATCH]
        found.update(
            s.exec(
                select(LicenseKey.lookup_hash).where(
                    LicenseKey.product_id == product_id, col(LicenseKey.lookup_hash).in_(batch)
                )
            ).all()
        )
    return found


def import_license_key_file(s: Session, actor: Actor, product_id: int, file: BinaryIO) -> KeyImportReport:
    """`import_license_keys` from an uploaded file (UTF-8 text or CSV), read no further than the size limit."""
    data = file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(
            bo_gettext(
                "That file is too large: import at most {size} MB of keys at a time.",
                size=MAX_IMPORT_BYTES // (1024 * 1024),
            ),
            "keys",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            bo_gettext("That file is not UTF-8 text; export the keys as a CSV or plain text file."), "keys"
        ) from None
    return import_license_keys(s, actor, product_id, text)


def import_license_keys(s: Session, actor: Actor, product_id: int, text: str) -> KeyImportReport:
    """Add the seller's keys (one per line, or the first column of a CSV) to the inventory.

    Duplicates, in the list or against keys already stored, are skipped and
    counted. A line that is not a usable key refuses the whole import, naming the
    line, so the seller fixes the list rather than losing keys silently.
    """
    product, _shop = owned_product(s, actor, product_id)
    if not delivers_keys(product.delivery_kind):
        raise ValidationError(bo_gettext("This product delivers files only; choose license keys first."), "keys")
    policy = s.get(LicensePolicy, product.id)
    if policy is not None and policy.source == KeySource.GENERATED:
        raise ValidationError(
            bo_gettext("This product generates its keys at each sale; switch to imported keys to upload your own."),
            "keys",
        )
    if len((text or "").encode("utf-8")) > MAX_IMPORT_BYTES:
        raise ValidationError(
            bo_gettext("Import at most {size} MB of keys at a time.", size=MAX_IMPORT_BYTES // (1024 * 1024)), "keys"
        )
    parsed = parse_imported_keys(text or "")
    if parsed.invalid:
        shown = "; ".join(f"line {line}: {problem}" for line, problem in parsed.invalid[:_INVALID_LINES_SHOWN])
        more = len(parsed.invalid) - _INVALID_LINES_SHOWN
        raise ValidationError(
            "Nothing was imported. Fix these lines and try again: "
            + shown
            + (f"; and {more} more." if more > 0 else "."),
            "keys",
        )
    if not parsed.keys:
        raise ValidationError(bo_gettext("Paste at least one license key, one per line."), "keys")
    if len(parsed.keys) > MAX_KEYS_PER_IMPORT:
        raise ValidationError(
            bo_gettext("Import at most {count} keys at a time.", count=format_number(MAX_KEYS_PER_IMPORT)), "keys"
        )

    keys_vault = configured_vault()
    # Every key's hash under each master key: while a key rotation runs, a row may still
    # carry the retired key's hash, and the same key must not be stocked twice.
    hashed = [(key, keys_vault.lookup_hashes(normalize_key(key))) for key in parsed.keys]
    existing = _existing_hashes(s, saved_id(product), [digest for _, digests in hashed for digest in digests])
    associated = product_associated_data(saved_id(product))
    added = 0
    for key, digests in hashed:
        if existing.intersection(digests):
            continue
        s.add(
            LicenseKey(
                product_id=saved_id(product),
                ciphertext=keys_vault.encrypt(key, associated),
                lookup_hash=digests[0],
                status=KeyStatus.AVAILABLE,
                source=KeySource.IMPORTED,
            )
        )
        added += 1
    try:
        s.flush()
    except IntegrityError:
        raise Conflict(bo_gettext("Keys were being imported into this product at the same time; try again.")) from None
    if added:
        touch(product, searchable=False)
        events.publish(s, events.KeysRestocked(product_id=saved_id(product)))
    counts = key_counts(s, saved_id(product))
    in_stock = len(hashed) - added
    return KeyImportReport(
        added=added,
        duplicates_in_import=parsed.duplicates_skipped,
        already_in_inventory=in_stock,
        blank_lines=parsed.blank_skipped,
        header_skipped=parsed.header_skipped,
        counts=counts,
        skipped=parsed.duplicates_skipped + in_stock,
        message=_import_message(added, parsed.duplicates_skipped, in_stock, counts.available),
    )

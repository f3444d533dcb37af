"""Personal data encrypted at rest, like license keys (`commerce.license_keys.vault`).

A `Sealed` column holds AES-256-GCM ciphertext of a short text (an SMS number, a billing
country): `version (1 byte) | nonce (12 bytes) | ciphertext and tag`. The key is derived
with HKDF from the same master key as license keys (LICENSE_ENCRYPTION_KEY), under its
own label, so neither use weakens the other. The associated data names the table and
column, so a ciphertext copied into another column no longer decrypts.

Values sealed with a key LICENSE_ENCRYPTION_KEY replaced (LICENSE_ENCRYPTION_PREVIOUS_KEYS)
still read back; `python -m commerce.cli rotate-keys` reseals them with the current key.

Services read and write the attribute as plain text; only the database sees ciphertext.
A sealed column cannot be filtered or grouped on in SQL (each value has a random nonce):
it holds data that is only ever shown or used row by row.
"""

from __future__ import annotations

import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

from commerce.config import get_settings

VERSION = 1
NONCE_BYTES = 12
_INFO = b"commerce.personal-data/aes-256-gcm/v1"


class SealedValueError(Exception):
    """A sealed value was altered, moved from another column, or sealed with another key."""


@lru_cache(maxsize=4)
def _aead(master_key: bytes) -> AESGCM:
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(master_key))


def seal(purpose: str, text: str, *, master_key: bytes | None = None) -> bytes:
    """`text` encrypted for the column named by `purpose` ("users.sms_number")."""
    header = bytes([VERSION])
    nonce = os.urandom(NONCE_BYTES)
    aead = _aead(master_key or get_settings().license_encryption_key)
    return header + nonce + aead.encrypt(nonce, text.encode("utf-8"), header + purpose.encode())


def unseal(purpose: str, blob: bytes, *, master_key: bytes | None = None) -> str:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != VERSION:
        raise SealedValueError(f"The stored {purpose} is not a sealed value of version {VERSION}.")
    if master_key is None:
        settings = get_settings()
        keys: tuple[bytes, ...] = (settings.license_encryption_key, *settings.license_previous_keys)
    else:
        keys = (master_key,)
    for key in keys:
        try:
            plain = _aead(key).decrypt(
                blob[1 : 1 + NONCE_BYTES], bytes(blob[1 + NONCE_BYTES :]), blob[:1] + purpose.encode()
            )
        except InvalidTag:
            continue
        return plain.decode("utf-8")
    raise SealedValueError(f"The stored {purpose} failed authentication.")


class Sealed(TypeDecorator):
    """A text column stored encrypted (BLOB / BYTEA); reads back as the text."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value, dialect):
        return None if value is None else seal(self.purpose, value)

    def process_result_value(self, value, dialect):
        return None if value is None else unseal(self.purpose, bytes(value))

"""License keys at rest: AES-256-GCM encryption and keyed lookup hashes.

One 32-byte master key (Settings.license_encryption_key) is stretched with HKDF into
two independent subkeys, one to encrypt and one to hash, so neither use weakens
the other. A stored ciphertext is

    version (1 byte) | nonce (12 bytes) | AES-GCM ciphertext and tag

The version byte is the format's. Rotation: LICENSE_ENCRYPTION_PREVIOUS_KEYS lists the
master keys LICENSE_ENCRYPTION_KEY replaced; a ciphertext is decrypted with the current
key, else with each retired one (AES-GCM's tag tells which key made it, as MultiFernet
does), and `python -m commerce.cli rotate-keys` re-encrypts every row under the current
key, after which the retired keys can go (docs/operations.md). The associated data (the product id, see
`product_associated_data`) is authenticated but not stored: a ciphertext copied
into another product's row no longer decrypts.

The lookup hash (HMAC-SHA256 of the normalised key) lets a buyer's typed key be
found by value while the database holds no plaintext; without the master key the
hashes cannot be checked against guesses. Until the rotation has rewritten them, rows
keep the retired key's hash, so lookups try every key's (`lookup_hashes`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from commerce.config import get_settings
from commerce.license_keys.format import normalize_key

MASTER_KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_ENCRYPTION_INFO = b"commerce.licensing/aes-256-gcm/v1"
_LOOKUP_INFO = b"commerce.licensing/lookup-hmac-sha256/v1"


class KeyDecryptionError(Exception):
    """A stored license key cannot be decrypted: altered, moved to another row, or another key's."""


def product_associated_data(product_id: int) -> bytes:
    """The associated data that binds a license key ciphertext to its product."""
    return f"license-key:product:{int(product_id)}".encode()


def _subkey(master_key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master_key)


class KeyVault:
    def __init__(self, master_key: bytes, *, key_version: int = 1, previous_keys: Sequence[bytes] = ()):
        for key in (master_key, *previous_keys):
            if not isinstance(key, bytes) or len(key) != MASTER_KEY_BYTES:
                raise ValueError(f"The license encryption key must be exactly {MASTER_KEY_BYTES} bytes.")
        if not 1 <= key_version <= 255:
            raise ValueError("The license key version must be between 1 and 255.")
        self.key_version = key_version
        self._header = bytes([key_version])
        self._aead = AESGCM(_subkey(master_key, _ENCRYPTION_INFO))
        self._lookup_key = _subkey(master_key, _LOOKUP_INFO)
        # Retired keys: read, never written with.
        self._previous_aeads = [AESGCM(_subkey(key, _ENCRYPTION_INFO)) for key in previous_keys]
        self._previous_lookup_keys = [_subkey(key, _LOOKUP_INFO) for key in previous_keys]

    @property
    def has_previous_keys(self) -> bool:
        return bool(self._previous_aeads)

    def __repr__(self) -> str:
        return f"KeyVault(key_version={self.key_version})"

    def encrypt(self, plaintext: str, associated_data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), self._header + associated_data)
        return self._header + nonce + sealed

    def decrypt(self, blob: bytes, associated_data: bytes) -> str:
        if len(blob) < 1 + NONCE_BYTES + TAG_BYTES:
            raise KeyDecryptionError("The stored license key is truncated.")
        if blob[:1] != self._header:
            raise KeyDecryptionError(
                f"The stored license key was encrypted with key version {blob[0]}, not {self.key_version}."
            )
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        for aead in (self._aead, *self._previous_aeads):
            try:
                return aead.decrypt(nonce, sealed, self._header + associated_data).decode("utf-8")
            except InvalidTag:
                continue
        raise KeyDecryptionError(
            "The stored license key failed authentication: it was altered, belongs "
            "to another product, or was encrypted with another master key."
        )

    def lookup_hash(self, normalized_key: str) -> str:
        """The hash a key is stored under from now on (the current master key's)."""
        return self._lookup_hashes(normalized_key)[0]

    def lookup_hashes(self, normalized_key: str) -> list[str]:
        """The key's hash under the current master key, then under each retired one: a row
        the rotation has not reached yet is still found."""
        return self._lookup_hashes(normalized_key)

    def _lookup_hashes(self, normalized_key: str) -> list[str]:
        if normalize_key(normalized_key) != normalized_key:
            # Hashing the raw text would make the same key unfindable by what a buyer types.
            raise ValueError("lookup_hash takes the output of normalize_key().")
        message = normalized_key.encode("utf-8")
        return [
            hmac.new(key, message, hashlib.sha256).hexdigest()
            for key in (self._lookup_key, *self._previous_lookup_keys)
        ]


def configured_vault() -> KeyVault:
    """The vault for this deployment's LICENSE_ENCRYPTION_KEY (and the keys it replaced)."""
    settings = get_settings()
    return KeyVault(settings.license_encryption_key, previous_keys=settings.license_previous_keys)

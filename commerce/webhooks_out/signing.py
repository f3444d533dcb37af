"""Signing secrets and the Standard Webhooks headers (signed with the `standardwebhooks` library).

A secret is `whsec_` and 32 random bytes in base64, as Standard Webhooks clients expect.
It is stored encrypted (AES-GCM, the license key vault's master key), bound to its shop.
During a rotation's overlap the message is signed with the new and the old secret:
the `webhook-signature` header carries both, space-separated, and a receiver that
still has the old one keeps verifying.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import datetime

from standardwebhooks import Webhook

from commerce.license_keys.vault import configured_vault

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _associated_data(shop_id: int) -> bytes:
    return f"webhook-secret:shop:{int(shop_id)}".encode()


def seal(secret: str, shop_id: int) -> bytes:
    return configured_vault().encrypt(secret, _associated_data(shop_id))


def unseal(blob: bytes, shop_id: int) -> str:
    return configured_vault().decrypt(bytes(blob), _associated_data(shop_id))


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def headers(message_id: str, timestamp: datetime, body: str, signing_secrets: Iterable[str]) -> dict[str, str]:
    """webhook-id, webhook-timestamp and webhook-signature (one `v1,<sig>` per secret)."""
    signatures = [Webhook(secret).sign(message_id, timestamp, body) for secret in signing_secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
    }

"""Signed download links, minted when the buyer clicks and never stored.

    /api/download/<fulfilment id>/<file id>/<file name>?exp=<unix seconds>&sig=<hex>

The signature (HMAC-SHA256 with the app's secret, under a purpose string of its
own) covers the fulfilment, the file and the expiry; the file name is there only
so browsers and download managers save the file under its real name. The link
is not enough on its own: the download route also checks, at every request, that
the fulfilment still grants access and that the signed-in browser is its buyer.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from commerce.errors import PermissionDenied

DOWNLOAD_PATH = "/api/download"
_PURPOSE = "delivery-download-v1"
# A link minted on an order's confirmation page for the browser that paid (a guest holds
# the order's receipt token, not a session): it works without a session, so it lives minutes.
_RECEIPT_PURPOSE = "delivery-download-receipt-v1"
RECEIPT_LINK_LIFETIME = timedelta(minutes=10)
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_NUMBER = re.compile(r"[0-9]{1,12}")


class InvalidLink(PermissionDenied):
    pass


class ExpiredLink(PermissionDenied):
    pass


@dataclass(frozen=True)
class SignedDownload:
    fulfilment_id: int
    file_id: int
    expires_at: datetime
    # Minted for the browser that paid, on the order's page: no session is asked for.
    by_receipt: bool = False


def _signature(secret: str, fulfilment_id: int, file_id: int, expires: int, by_receipt: bool = False) -> str:
    purpose = _RECEIPT_PURPOSE if by_receipt else _PURPOSE
    message = f"{purpose}|{fulfilment_id}|{file_id}|{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(
    secret: str,
    fulfilment_id: int,
    file_id: int,
    filename: str,
    *,
    lifetime: timedelta,
    now: datetime | None = None,
    by_receipt: bool = False,
) -> str:
    if by_receipt:
        lifetime = min(lifetime, RECEIPT_LINK_LIFETIME)
    expires = int((now or datetime.now(UTC)).timestamp() + lifetime.total_seconds())
    sig = _signature(secret, fulfilment_id, file_id, expires, by_receipt)
    url = f"{DOWNLOAD_PATH}/{int(fulfilment_id)}/{int(file_id)}/{quote(filename, safe='')}?exp={expires}&sig={sig}"
    return url + "&by=receipt" if by_receipt else url


def verify(
    secret: str, fulfilment_id: str, file_id: str, exp: str, sig: str, now: datetime | None = None, by: str = ""
) -> SignedDownload:
    """Raises InvalidLink (changed or not ours) or ExpiredLink (genuine, too old)."""
    invalid = InvalidLink("This download link is not valid. Open your library to get a new one.")
    parts = (fulfilment_id, file_id, exp)
    if not all(isinstance(p, str) and _NUMBER.fullmatch(p) for p in parts):
        raise invalid
    if not isinstance(sig, str) or not _SIGNATURE.fullmatch(sig):
        raise invalid
    if by not in ("", "receipt"):
        raise invalid
    by_receipt = by == "receipt"
    fid, file, expires = (int(p) for p in parts)
    if not hmac.compare_digest(sig, _signature(secret, fid, file, expires, by_receipt)):
        raise invalid
    expires_at = datetime.fromtimestamp(expires, UTC)
    if (now or datetime.now(UTC)) >= expires_at:
        raise ExpiredLink("This download link has expired. Open your library and click the file again.")
    return SignedDownload(fulfilment_id=fid, file_id=file, expires_at=expires_at, by_receipt=by_receipt)

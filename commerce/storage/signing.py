"""HMAC-signed, expiring download links for blobs the app serves itself.

A link carries the key, an expiry (unix seconds), the file name to save as and an
optional content type; the signature covers all of them, so changing any one of
them (or the expiry) makes the link invalid.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from commerce.errors import PermissionDenied, ValidationError
from commerce.storage.port import validate_content_type, validate_filename, validate_key

# Part of every signed message, so a signature made for another purpose with the
# same secret can never pass as a download link.
_PURPOSE = "blobstore-download-v1"
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_EXPIRY = re.compile(r"[0-9]{1,12}")


class InvalidDownloadLink(PermissionDenied):
    """The link was not made by this app or was changed after it was made."""


class ExpiredDownloadLink(PermissionDenied):
    """The link was genuine but its time is up."""


@dataclass(frozen=True)
class VerifiedDownload:
    key: str
    filename: str
    content_type: str | None
    expires_at: datetime


class DownloadLinkSigner:
    def __init__(self, secret_key: str):
        if not secret_key:
            raise ValueError("A download link signer needs a non-empty secret key.")
        self._secret = secret_key.encode()

    def signature(self, key: str, expires: int, filename: str, content_type: str | None) -> str:
        message = json.dumps([_PURPOSE, key, expires, filename, content_type or ""], separators=(",", ":")).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def verify(
        self,
        key: str,
        exp: str | int,
        fn: str,
        sig: str,
        *,
        ct: str | None = None,
        now: datetime | None = None,
    ) -> VerifiedDownload:
        """Check a link's parts; raises InvalidDownloadLink or ExpiredDownloadLink."""
        invalid = InvalidDownloadLink("This download link is not valid.")
        try:
            validate_key(key)
            validate_filename(fn)
            if ct is not None:
                validate_content_type(ct)
        except ValidationError:
            raise invalid from None
        exp_text = str(exp)
        if not _EXPIRY.fullmatch(exp_text) or not isinstance(sig, str) or not _SIGNATURE.fullmatch(sig):
            raise invalid
        expires = int(exp_text)
        if not hmac.compare_digest(sig, self.signature(key, expires, fn, ct)):
            raise invalid
        expires_at = datetime.fromtimestamp(expires, UTC)
        if (now or datetime.now(UTC)) >= expires_at:
            raise ExpiredDownloadLink("This download link has expired. Open your library to get a fresh one.")
        return VerifiedDownload(key=key, filename=fn, content_type=ct, expires_at=expires_at)

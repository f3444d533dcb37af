"""The BlobStore port: where product files and images live.

Two implementations: `local.LocalBlobStore` (a folder, HMAC-signed links served by
the app) and `s3.S3BlobStore` (boto3, presigned URLs served by S3). Both follow the
rules in this module, so callers never care which one is wired in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO, Protocol, runtime_checkable
from urllib.parse import quote

from commerce.errors import ValidationError
from commerce.kit.slot import Slot

# S3 limits a key to 1024 bytes; the same limit keeps local keys portable.
MAX_KEY_LENGTH = 1024
# SigV4 presigned URLs cannot outlive a week, so neither can local links.
MAX_LINK_LIFETIME = timedelta(days=7)
MAX_FILENAME_LENGTH = 255
# Reads are streamed in pieces of this size: big enough to keep syscalls and
# thread hops rare, small enough that a 2 GiB file never sits in memory.
CHUNK_SIZE = 256 * 1024

# Keys use only RFC 3986 "unreserved" characters, so a key is the same string in a
# URL path, an S3 key and a file name, with nothing to escape or decode. A segment
# may not start with a dot: that rules out "." and ".." and hidden names at once.
_KEY_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")
_CONTENT_TYPE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*"
    r"(?:; ?[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|\"[^\"\\\x00-\x1f\x7f]*\"))*"
)


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    sha256: str  # hex digest of the stored bytes
    content_type: str


@runtime_checkable
class BlobStore(Protocol):
    def put(self, key: str, stream: BinaryIO, *, content_type: str) -> StoredBlob:
        """Store everything `stream` yields under `key` (replacing any old blob),
        reading it in chunks; returns its size and SHA-256."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable file object over the whole blob; raises NotFound."""
        ...

    def open_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Chunks of bytes [start, end) (end exclusive, like a slice); raises
        NotFound for a missing key and ValidationError for a range outside the blob."""
        ...

    def stat(self, key: str) -> StoredBlob | None: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing key is not an error."""
        ...

    def signed_download_url(
        self,
        key: str,
        *,
        filename: str,
        expires_in: timedelta = timedelta(hours=1),
        content_type: str | None = None,
    ) -> str:
        """A URL anyone holding it can fetch until it expires; the response makes
        the browser save the bytes as `filename`."""
        ...


def validate_key(key: object) -> str:
    """Return `key` if it is a safe blob key, else raise ValidationError.

    Keys are made by the application (e.g. "files/12/9f86d0.../v1"), never typed by
    people, so anything unusual is refused rather than cleaned up.
    """
    if not isinstance(key, str) or not key:
        raise ValidationError("A file key cannot be empty.")
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError(f"A file key cannot be longer than {MAX_KEY_LENGTH} characters.")
    if not all(_KEY_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise ValidationError(
            "A file key is made of slash-separated parts using only letters, digits, "
            "'-', '_', '~' and '.', and no part may be empty or start with a dot."
        )
    return key


def validate_content_type(content_type: object) -> str:
    if not isinstance(content_type, str) or not _CONTENT_TYPE.fullmatch(content_type):
        raise ValidationError(f"{content_type!r} is not a valid content type.")
    return content_type


def validate_filename(filename: object) -> str:
    """A download file name: one path component, printable, at most 255 characters."""
    if not isinstance(filename, str) or not filename.strip():
        raise ValidationError("A download needs a file name.")
    if len(filename) > MAX_FILENAME_LENGTH:
        raise ValidationError(f"A file name cannot be longer than {MAX_FILENAME_LENGTH} characters.")
    if any(unicodedata.category(char).startswith("C") for char in filename):
        raise ValidationError("A file name cannot contain control or invisible characters.")
    if "/" in filename or "\\" in filename or filename in (".", ".."):
        raise ValidationError("A file name cannot contain slashes.")
    return filename


def validate_link_lifetime(expires_in: timedelta) -> int:
    """Seconds a signed link stays valid, between one second and a week."""
    seconds = int(expires_in.total_seconds())
    if seconds < 1 or expires_in > MAX_LINK_LIFETIME:
        raise ValidationError("A download link must last between one second and seven days.")
    return seconds


def validate_range(start: int, end: int, size: int) -> None:
    if not 0 <= start <= end <= size:
        raise ValidationError(f"The byte range {start}-{end} is outside this file of {size} bytes.")


def attachment_disposition(filename: str) -> str:
    """Content-Disposition that saves the download as `filename` (RFC 6266).

    The quoted `filename` is an ASCII stand-in for old clients; `filename*` carries
    the real name percent-encoded in UTF-8, so no character of it can break out of
    the header.
    """
    validate_filename(filename)
    fallback = "".join(char if " " <= char <= "~" and char not in '"\\%' else "_" for char in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# Plugged in by commerce.wiring: S3 when S3_BUCKET is set, else the local folder.
blob_store: Slot[BlobStore] = Slot("blob store")

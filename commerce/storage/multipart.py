"""Multipart uploads straight into a BlobStore: the browser sends the parts, the app never holds them.

The S3 multipart protocol, which both stores speak: `start_multipart` opens an upload,
the browser PUTs each part (8 MiB, numbered from 1) to the URL `part_upload_url` gives
it, `list_parts` says which parts have landed (a browser whose connection dropped asks
this and sends only the rest), and `complete_multipart` joins them into one blob under
the key once every part is there. With S3 the parts go to the bucket through presigned
URLs; with the local store they go to an app route that streams each one to its place
in a file on disk.

`complete_multipart` checks what landed before anything becomes visible: every part
from 1 to the last is there, each one except the last is exactly `part_size` bytes, the
total is the size the upload was opened with, and the MD5 ETags the browser received
for its parts are those the store holds. Then it reads the stored bytes once to work
out their SHA-256 and asks `content_type_for(first bytes)`, which may refuse the file:
a refused or mis-sized upload is dropped whole, never left half-made under the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, runtime_checkable

from commerce.errors import ValidationError
from commerce.storage.port import StoredBlob

MiB = 1024 * 1024
# Every part but the last is this size: S3's minimum is 5 MiB, and 8 MiB parts keep a
# 2 GiB file at 256 parts (S3 allows 10,000) while a retried part costs little.
PART_SIZE = 8 * MiB
MAX_PARTS = 10_000
# How long a part's upload URL stays valid; a part is sent right after it is signed.
PART_URL_LIFETIME = timedelta(hours=1)
# The first bytes handed to `content_type_for`.
HEAD_BYTES = 64 * 1024
_UPLOAD_ID = re.compile(r"[A-Za-z0-9._~=+/-]{1,1024}")


@dataclass(frozen=True)
class UploadedPart:
    number: int
    size: int
    etag: str  # the part's MD5 in hex, without quotes


class UploadIncomplete(ValidationError):
    """Not every part has landed yet (or one has the wrong size): send the missing ones
    and complete again. The upload stays open."""


ContentTypeFor = Callable[[bytes], str]


@runtime_checkable
class MultipartStore(Protocol):
    def start_multipart(self, key: str, *, size: int, part_size: int = PART_SIZE) -> str:
        """Open an upload of `size` bytes for `key`; returns its upload id."""
        ...

    def part_upload_url(self, key: str, upload_id: str, part_number: int) -> str:
        """Where the browser PUTs part `part_number` (the body is the part's bytes; the
        response's ETag header names what landed)."""
        ...

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        """The parts that have landed, by number; raises NotFound for an unknown upload."""
        ...

    def complete_multipart(
        self,
        key: str,
        upload_id: str,
        *,
        size: int,
        part_size: int = PART_SIZE,
        content_type_for: ContentTypeFor,
        client_etags: Mapping[int, str] | None = None,
    ) -> StoredBlob:
        """Join the parts into the blob at `key` (see the module's docstring)."""
        ...

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop the upload and every part of it; aborting an unknown upload is not an error."""
        ...


def part_count(size: int, part_size: int = PART_SIZE) -> int:
    return max(1, -(-size // part_size))


def expected_part_size(number: int, size: int, part_size: int = PART_SIZE) -> int:
    """How many bytes part `number` of an upload of `size` bytes carries."""
    last = part_count(size, part_size)
    if not 1 <= number <= last:
        raise ValidationError(f"Part {number} is outside this upload of {last} parts.")
    return part_size if number < last else size - part_size * (last - 1)


def validate_upload_id(upload_id: object) -> str:
    if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
        raise ValidationError("This upload id is not valid.")
    return upload_id


def validate_upload_shape(size: int, part_size: int) -> None:
    if part_size < 5 * MiB:
        raise ValidationError("Parts must be at least 5 MiB.")
    if size < 1:
        raise ValidationError("An upload needs at least one byte.")
    if part_count(size, part_size) > MAX_PARTS:
        raise ValidationError(f"An upload can have at most {MAX_PARTS:,} parts.")


def check_parts(
    parts: list[UploadedPart], *, size: int, part_size: int, client_etags: Mapping[int, str] | None
) -> None:
    """Raise UploadIncomplete unless `parts` are exactly the upload's parts, sized as agreed,
    and (when given) carry the ETags the browser was answered with."""
    expected = part_count(size, part_size)
    by_number = {part.number: part for part in parts}
    missing = [number for number in range(1, expected + 1) if number not in by_number]
    if missing:
        shown = ", ".join(str(number) for number in missing[:5]) + ("…" if len(missing) > 5 else "")
        raise UploadIncomplete(f"The upload is missing part(s) {shown} of {expected}.", "file")
    if len(by_number) != expected:
        raise UploadIncomplete(f"The upload has more parts than the {expected} of a {size}-byte file.", "file")
    for number, part in by_number.items():
        if part.size != expected_part_size(number, size, part_size):
            raise UploadIncomplete(f"Part {number} did not arrive whole: send it again.", "file")
        if client_etags is not None:
            claimed = client_etags.get(number)
            if claimed is None or claimed.strip('"').lower() != part.etag.lower():
                raise UploadIncomplete(f"Part {number} is not the one the browser sent: send it again.", "file")

"""Reading an upload safely: bounded size, refused when empty, type sniffed from its bytes.

The browser's claimed content type (and the file name's extension) is a guess by
whoever sent the file; the stored type comes from the first bytes instead, so a
script renamed to `.pdf` is stored as what it is.
"""

from __future__ import annotations

import os
import unicodedata
from typing import BinaryIO

import filetype

from commerce.catalog.views import format_size
from commerce.errors import ValidationError
from commerce.storage.port import validate_filename

# Enough for every signature filetype knows (it looks at 8 KiB) and to tell text
# from binary with confidence.
SNIFF_BYTES = 64 * 1024
OCTET_STREAM = "application/octet-stream"
_TEXT_TYPES_BY_EXTENSION = {
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".markdown": "text/markdown; charset=utf-8",
}
_PLAIN_TEXT = "text/plain; charset=utf-8"


class LimitedReader:
    """A forward-only stream over `head` then `rest` that refuses to pass `limit` bytes.

    It deliberately cannot seek, so a BlobStore reads it exactly once; going over
    the limit raises ValidationError in the middle of the store's read, and the
    store drops what it had written.
    """

    def __init__(self, head: bytes, rest: BinaryIO, limit: int):
        self._head = head
        self._rest = rest
        self._limit = limit
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                chunk, self._head = self._head, b""
            else:
                chunk, self._head = self._head[:size], self._head[size:]
        else:
            chunk = self._rest.read(size if size and size > 0 else 1024 * 1024)
        self.bytes_read += len(chunk)
        if self.bytes_read > self._limit:
            raise ValidationError(f"The file is larger than the limit of {format_size(self._limit)}.", "file")
        return chunk


def read_head(stream: BinaryIO, size: int = SNIFF_BYTES) -> bytes:
    """Up to `size` bytes from the start of the stream (reads may come back short)."""
    parts, remaining = [], size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def _looks_like_text(head: bytes, complete: bool) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut off at the end of the sample is still text.
        return not complete and error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True


def sniff_content_type(head: bytes, filename: str, *, complete: bool) -> str:
    """The content type of a file from its first bytes; `complete` when `head` is all of it."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if _looks_like_text(head, complete):
        extension = os.path.splitext(filename)[1].lower()
        return _TEXT_TYPES_BY_EXTENSION.get(extension, _PLAIN_TEXT)
    return OCTET_STREAM


def clean_filename(filename: str) -> str:
    """The last path component of a client's file name, NFC-normalised and validated."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    try:
        return validate_filename(name)
    except ValidationError as error:
        raise ValidationError(error.message, "file") from None

"""Files at rest in the local blob store: AES-256-GCM in chunks, so a byte range is read by
decrypting only the chunks it touches (ranged and resumed downloads stay cheap).

A sealed object on disk is

    header: MAGIC (8 bytes) | salt (16) | chunk size (4, big-endian)
    then one AES-GCM ciphertext (chunk + 16-byte tag) per chunk of plaintext

Each object gets its own key, derived with HKDF from the store's master key
(BLOB_ENCRYPTION_KEY) and the random salt, so chunk numbers can serve as nonces. The
associated data of a chunk is the header, its number and whether it is the last, so
chunks cannot be reordered, moved to another object, or cut off at a chunk boundary
without the read failing. The plaintext's size and SHA-256 stay in the key record.
"""

from __future__ import annotations

import hashlib
import io
import os
from typing import IO, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"MPBLOBv1"
SALT_BYTES = 16
HEADER_BYTES = len(MAGIC) + SALT_BYTES + 4
CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
_INFO = b"commerce.storage.local/aes-256-gcm-chunks/v1"


class SealedBlobError(OSError):
    """A sealed object failed authentication: altered, truncated, or another key's."""


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


def _associated(header: bytes, index: int, last: bool) -> bytes:
    return header + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


def _read_full(stream: IO[bytes], size: int) -> bytes:
    parts, wanted = [], size
    while wanted > 0:
        piece = stream.read(wanted)
        if not piece:
            break
        parts.append(piece)
        wanted -= len(piece)
    return b"".join(parts)


class ChunkCipher:
    """Seals with `master_key`; reads what it or any of `previous_keys` sealed (a key being
    retired: `LocalBlobStore.reseal_with_current_key` rewrites those objects)."""

    def __init__(self, master_key: bytes, *, previous_keys: tuple[bytes, ...] = (), chunk_bytes: int = CHUNK_BYTES):
        for key in (master_key, *previous_keys):
            if not isinstance(key, bytes) or len(key) != 32:
                raise ValueError("The blob encryption key must be exactly 32 bytes.")
        self._master = master_key
        self._previous = tuple(previous_keys)
        self.chunk_bytes = chunk_bytes

    def __repr__(self) -> str:
        return f"ChunkCipher(chunk_bytes={self.chunk_bytes})"

    def _aead(self, salt: bytes, master: bytes | None = None) -> AESGCM:
        derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO)
        return AESGCM(derive.derive(master or self._master))

    @property
    def has_previous_keys(self) -> bool:
        return bool(self._previous)

    def sealed_with_current_key(self, file: BinaryIO, size: int) -> bool:
        """Whether the current key opens the sealed `file` (its first chunk authenticates)."""
        header = _read_full(file, HEADER_BYTES)
        if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
            raise SealedBlobError("The stored file is not a sealed object.")
        return _open_first_chunk(self._aead(_salt(header)), file, header, size) is not None

    def encrypt_stream(self, source: IO[bytes], target: IO[bytes]) -> tuple[int, str]:
        """Write `source` sealed to `target`; returns the plaintext's size and SHA-256."""
        salt = os.urandom(SALT_BYTES)
        header = MAGIC + salt + self.chunk_bytes.to_bytes(4, "big")
        aead = self._aead(salt)
        target.write(header)
        digest, size, index = hashlib.sha256(), 0, 0
        pending = _read_full(source, self.chunk_bytes)
        while True:
            following = _read_full(source, self.chunk_bytes) if len(pending) == self.chunk_bytes else b""
            last = not following
            target.write(aead.encrypt(_nonce(index), pending, _associated(header, index, last)))
            digest.update(pending)
            size += len(pending)
            index += 1
            if last:
                return size, digest.hexdigest()
            pending = following

    def writer(self, target: IO[bytes]) -> SealingWriter:
        """Seal bytes pushed in pieces (an upload's part as it arrives) into `target`, in the
        same format as `encrypt_stream`; `close()` seals the last chunk."""
        return SealingWriter(self, target)

    def reader(self, file: BinaryIO, size: int) -> BinaryIO:
        """A buffered, seekable reader of the plaintext of the sealed `file` (`size` bytes)."""
        return io.BufferedReader(_DecryptingReader(self, file, size), buffer_size=self.chunk_bytes)


class SealingWriter:
    """`encrypt_stream` for bytes that are pushed rather than read: one chunk is held back
    until the next arrives or `close`, so the last chunk can be marked as the last."""

    def __init__(self, cipher: ChunkCipher, target: IO[bytes]):
        salt = os.urandom(SALT_BYTES)
        self._header = MAGIC + salt + cipher.chunk_bytes.to_bytes(4, "big")
        self._aead = cipher._aead(salt)
        self._chunk = cipher.chunk_bytes
        self._target = target
        self._pending = bytearray()
        self._index = 0
        self.size = 0
        target.write(self._header)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        self._target.write(self._aead.encrypt(_nonce(self._index), plain, _associated(self._header, self._index, last)))
        self._index += 1

    def write(self, data: bytes) -> None:
        self._pending += data
        self.size += len(data)
        # Keep at least one byte back: the chunk that ends the stream is sealed as the last.
        while len(self._pending) > self._chunk:
            self._seal(bytes(self._pending[: self._chunk]), last=False)
            del self._pending[: self._chunk]

    def close(self) -> None:
        self._seal(bytes(self._pending), last=True)
        self._pending.clear()


def _salt(header: bytes) -> bytes:
    return header[len(MAGIC) : len(MAGIC) + SALT_BYTES]


def _open_first_chunk(aead: AESGCM, file: BinaryIO, header: bytes, size: int) -> bytes | None:
    """Chunk 0's plaintext if `aead` authenticates it, else None."""
    chunk = int.from_bytes(header[-4:], "big")
    file.seek(HEADER_BYTES)
    sealed = _read_full(file, min(chunk, size) + TAG_BYTES)
    try:
        return aead.decrypt(_nonce(0), sealed, _associated(header, 0, size <= chunk))
    except InvalidTag:
        return None


def is_sealed(file: BinaryIO) -> bool:
    position = file.tell()
    try:
        return file.read(len(MAGIC)) == MAGIC
    finally:
        file.seek(position)


class _DecryptingReader(io.RawIOBase):
    def __init__(self, cipher: ChunkCipher, file: BinaryIO, size: int):
        super().__init__()
        self._file, self._size, self._pos = file, size, 0
        header = _read_full(file, HEADER_BYTES)
        if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
            file.close()
            raise SealedBlobError("The stored file is not a sealed object.")
        self._header = header
        self._chunk = int.from_bytes(header[-4:], "big")
        self._aead = cipher._aead(_salt(header))
        self._count = max(1, -(-size // self._chunk))
        self._cached: tuple[int, bytes] = (-1, b"")
        if cipher.has_previous_keys:
            # While a key is retired, find the one that sealed this object (the current first).
            for master in (cipher._master, *cipher._previous):
                aead = cipher._aead(_salt(header), master)
                first = _open_first_chunk(aead, file, header, size)
                if first is not None:
                    self._aead, self._cached = aead, (0, first)
                    break

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def _plain_chunk(self, index: int) -> bytes:
        if self._cached[0] == index:
            return self._cached[1]
        expected = min(self._chunk, self._size - index * self._chunk)
        self._file.seek(HEADER_BYTES + index * (self._chunk + TAG_BYTES))
        sealed = _read_full(self._file, expected + TAG_BYTES)
        last = index == self._count - 1
        try:
            plain = self._aead.decrypt(_nonce(index), sealed, _associated(self._header, index, last))
        except InvalidTag:
            raise SealedBlobError(f"Chunk {index} of a stored file failed authentication.") from None
        if len(plain) != expected:
            raise SealedBlobError(f"Chunk {index} of a stored file has the wrong length.")
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer) -> int:
        if self._pos >= self._size:
            return 0
        index = self._pos // self._chunk
        plain = self._plain_chunk(index)
        offset = self._pos - index * self._chunk
        count = min(len(buffer), len(plain) - offset)
        buffer[:count] = plain[offset : offset + count]
        self._pos += count
        return count

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()

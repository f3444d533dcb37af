"""BlobStore on a local folder: the embedded default.

Layout under `root`:

    objects/ab/<random id>        the bytes of one stored blob (sealed: see below)
    keys/cd/<sha256 of key>.json  {"key", "object", "size", "sha256", "content_type", "sealed"}
    incoming/                     uploads being written
    multipart/<upload id>/        a multipart upload: meta.json, data (parts written in
                                  place at their offsets), parts/<n>.json once a part landed

A blob is written to incoming/, renamed into objects/, and only then made visible
by atomically replacing its key record. Readers therefore see either the old blob
or the new one whole, with matching metadata, and a crash never leaves a half
file under a key. Files on disk are named by hashes and random ids, never by the
key itself, so no key can reach outside `root`.

With an encryption key (BLOB_ENCRYPTION_KEY; the embedded run derives one from its secret)
every object is written sealed: AES-256-GCM in 64 KiB chunks (`storage.sealing`), so a
byte range decrypts only the chunks it touches. Objects written before encryption was
turned on stay readable as they are (their record has no "sealed"), and `seal_existing`
rewrites them sealed (`python -m commerce.cli seal-files`). The parts of a multipart
upload are sealed too, each as it arrives, into multipart/<upload id>/parts/<n>.sealed
(no sparse data file then), and joined into one sealed object when it completes.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote, urlencode

from commerce.errors import NotFound, ValidationError
from commerce.storage.multipart import (
    HEAD_BYTES,
    PART_SIZE,
    PART_URL_LIFETIME,
    ContentTypeFor,
    UploadedPart,
    UploadIncomplete,
    check_parts,
    expected_part_size,
    validate_upload_shape,
)
from commerce.storage.port import (
    CHUNK_SIZE,
    StoredBlob,
    validate_content_type,
    validate_filename,
    validate_key,
    validate_link_lifetime,
    validate_range,
)
from commerce.storage.sealing import ChunkCipher, SealedBlobError
from commerce.storage.signing import DownloadLinkSigner, ExpiredDownloadLink, InvalidDownloadLink, VerifiedDownload

# An overwrite or delete can remove the object a reader just looked up; reading the
# key record again finds the blob that replaced it.
_OPEN_ATTEMPTS = 3
_LOCAL_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_PART_PURPOSE = b"blobstore-part-upload-v1"


class LocalBlobStore:
    def __init__(
        self,
        root: Path,
        secret_key: str,
        base_url_path: str = "/api/files",
        *,
        part_url_path: str = "/api/uploads/parts",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        encryption_key: bytes | None = None,
        previous_encryption_keys: tuple[bytes, ...] = (),
    ):
        self.root = Path(root)
        self._cipher = (
            ChunkCipher(encryption_key, previous_keys=previous_encryption_keys) if encryption_key is not None else None
        )
        self.base_url_path = base_url_path.rstrip("/")
        self._signer = DownloadLinkSigner(secret_key)
        self._part_secret = hmac.new(secret_key.encode(), _PART_PURPOSE, hashlib.sha256).digest()
        self.part_url_path = part_url_path.rstrip("/")
        self._clock = clock
        self._objects = self.root / "objects"
        self._keys = self.root / "keys"
        self._incoming = self.root / "incoming"
        self._multipart = self.root / "multipart"

    # -- writing -------------------------------------------------------------

    def put(self, key: str, stream: BinaryIO, *, content_type: str) -> StoredBlob:
        validate_key(key)
        validate_content_type(content_type)
        self._incoming.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with tempfile.NamedTemporaryFile(dir=self._incoming, delete=False) as upload:
            try:
                if self._cipher is not None:
                    size, sha256 = self._cipher.encrypt_stream(stream, upload)
                else:
                    while chunk := stream.read(CHUNK_SIZE):
                        digest.update(chunk)
                        size += len(chunk)
                        upload.write(chunk)
                    sha256 = digest.hexdigest()
                upload.flush()
                os.fsync(upload.fileno())
            except BaseException:
                upload.close()
                os.unlink(upload.name)
                raise
        return self._publish(
            key, upload.name, StoredBlob(key, size, sha256, content_type), sealed=self._cipher is not None
        )

    def _publish(self, key: str, path: str | Path, blob: StoredBlob, *, sealed: bool = False) -> StoredBlob:
        """Move the written file at `path` into objects/ and point `key` at it."""
        self._incoming.mkdir(parents=True, exist_ok=True)
        object_id = uuid.uuid4().hex
        object_path = self._object_path(object_id)
        object_path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, object_path)
        record = {
            "key": key,
            "object": object_id,
            "size": blob.size,
            "sha256": blob.sha256,
            "content_type": blob.content_type,
        }
        if sealed:
            record["sealed"] = True
        # Two puts racing on one key can leave the loser's object unreferenced:
        # wasted disk, never served.
        replaced = self._read_record(key)
        try:
            self._write_record(key, record)
        except BaseException:
            object_path.unlink(missing_ok=True)
            raise
        if replaced is not None and replaced["object"] != object_id:
            self._object_path(replaced["object"]).unlink(missing_ok=True)
        return blob

    def delete(self, key: str) -> None:
        validate_key(key)
        record = self._read_record(key)
        if record is None:
            return
        self._record_path(key).unlink(missing_ok=True)
        self._object_path(record["object"]).unlink(missing_ok=True)

    # -- multipart uploads (see commerce.storage.multipart) --------------------

    def start_multipart(self, key: str, *, size: int, part_size: int = PART_SIZE) -> str:
        validate_key(key)
        validate_upload_shape(size, part_size)
        upload_id = uuid.uuid4().hex
        folder = self._multipart / upload_id
        (folder / "parts").mkdir(parents=True)
        if self._cipher is None:
            # A sparse file of the final size: each part is written at its own offset, so
            # completing needs no copy. (Sealed parts are files of their own.)
            with open(folder / "data", "wb") as data:
                data.truncate(size)
        meta = {"key": key, "size": size, "part_size": part_size, "started": self._clock().isoformat()}
        (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        return upload_id

    def part_upload_url(self, key: str, upload_id: str, part_number: int) -> str:
        meta = self._upload_meta(key, upload_id)
        expected_part_size(part_number, meta["size"], meta["part_size"])
        expires = int(self._clock().timestamp() + PART_URL_LIFETIME.total_seconds())
        query = {"key": key, "exp": expires, "sig": self._part_signature(key, upload_id, part_number, expires)}
        return f"{self.part_url_path}/{upload_id}/{part_number}?{urlencode(query, quote_via=quote)}"

    def verify_part_request(self, key: str, upload_id: str, part_number: int, exp: str, sig: str) -> None:
        """Check a part URL made by `part_upload_url`; raises InvalidDownloadLink or ExpiredDownloadLink."""
        if not (isinstance(exp, str) and exp.isdigit() and len(exp) <= 12 and isinstance(sig, str)):
            raise InvalidDownloadLink("This upload link is not valid.")
        expected = self._part_signature(key, upload_id, part_number, int(exp))
        if not hmac.compare_digest(expected, sig):
            raise InvalidDownloadLink("This upload link is not valid.")
        if self._clock().timestamp() >= int(exp):
            raise ExpiredDownloadLink("This upload link has expired.")

    def part_writer(self, key: str, upload_id: str, part_number: int) -> PartWriter | SealedPartWriter:
        """A writer for one part's bytes as they arrive (the part route feeds it)."""
        meta = self._upload_meta(key, upload_id)
        size = expected_part_size(part_number, meta["size"], meta["part_size"])
        folder = self._multipart / upload_id
        # A part sent again (a retry after a dropped connection) is not listed while it is rewritten.
        (folder / "parts" / f"{part_number}.json").unlink(missing_ok=True)
        if self._cipher is not None:
            # With encryption on, a part is sealed as it arrives: no byte of an upload in
            # progress rests on disk in the clear.
            return SealedPartWriter(folder, part_number, size=size, cipher=self._cipher)
        return PartWriter(folder, part_number, offset=(part_number - 1) * meta["part_size"], size=size)

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        self._upload_meta(key, upload_id)
        parts = []
        for path in (self._multipart / upload_id / "parts").glob("*.json"):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:  # being rewritten
                continue
            parts.append(UploadedPart(number=int(path.stem), size=record["size"], etag=record["etag"]))
        return sorted(parts, key=lambda part: part.number)

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
        meta = self._upload_meta(key, upload_id)
        if (meta["size"], meta["part_size"]) != (size, part_size):
            raise ValidationError("This upload was opened for another file size.", "file")
        parts = self.list_parts(key, upload_id)
        check_parts(parts, size=size, part_size=part_size, client_etags=client_etags)
        folder = self._multipart / upload_id
        if self._cipher is not None:
            return self._complete_sealed(key, upload_id, folder, parts, size=size, content_type_for=content_type_for)
        digest = hashlib.sha256()
        damaged = []
        with open(folder / "data", "rb") as data:
            head = data.read(HEAD_BYTES)
            data.seek(0)
            # One pass: the SHA-256 of the whole file, and each part's bytes on disk checked
            # against the MD5 of what arrived (a crash between a part's answer and the disk
            # could otherwise publish holes).
            for part in parts:
                md5 = hashlib.md5(usedforsecurity=False)
                remaining = part.size
                while remaining > 0:
                    chunk = data.read(min(4 * CHUNK_SIZE, remaining))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    digest.update(chunk)
                    md5.update(chunk)
                if md5.hexdigest() != part.etag:
                    damaged.append(part.number)
            if damaged:
                for number in damaged:
                    (folder / "parts" / f"{number}.json").unlink(missing_ok=True)
                raise UploadIncomplete(f"Part {damaged[0]} was damaged on the way to the disk: send it again.", "file")
            os.fsync(data.fileno())
        try:
            content_type = validate_content_type(content_type_for(head))
        except BaseException:
            self.abort_multipart(key, upload_id)
            raise
        blob = StoredBlob(key, size, digest.hexdigest(), content_type)
        if self._cipher is None:
            published = self._publish(key, folder / "data", blob)
        else:
            published = self._publish(key, self._seal_file(folder / "data"), blob, sealed=True)
        shutil.rmtree(folder, ignore_errors=True)
        return published

    def _complete_sealed(
        self,
        key: str,
        upload_id: str,
        folder: Path,
        parts: list[UploadedPart],
        *,
        size: int,
        content_type_for: ContentTypeFor,
    ) -> StoredBlob:
        """Join sealed parts into one sealed object, checking each part's bytes (the seal's
        tags, then the MD5 of what arrived) on the way, in one pass."""
        assert self._cipher is not None
        try:
            with self._cipher.reader(open(_sealed_part_path(folder, parts[0].number), "rb"), parts[0].size) as first:
                head = first.read(HEAD_BYTES)
        except (OSError, SealedBlobError):
            (folder / "parts" / f"{parts[0].number}.json").unlink(missing_ok=True)
            raise UploadIncomplete(
                f"Part {parts[0].number} was damaged on the way to the disk: send it again.", "file"
            ) from None
        try:
            content_type = validate_content_type(content_type_for(head))
        except BaseException:
            self.abort_multipart(key, upload_id)
            raise
        joined = _JoinedParts(self._cipher, folder, parts)
        try:
            with io.BufferedReader(joined, buffer_size=self._cipher.chunk_bytes) as plain:
                staged = self._seal_file_from(plain)
        except _DamagedPart as damaged:
            (folder / "parts" / f"{damaged.number}.json").unlink(missing_ok=True)
            raise UploadIncomplete(
                f"Part {damaged.number} was damaged on the way to the disk: send it again.", "file"
            ) from None
        blob = StoredBlob(key, size, joined.sha256.hexdigest(), content_type)
        published = self._publish(key, staged, blob, sealed=True)
        shutil.rmtree(folder, ignore_errors=True)
        return published

    def _seal_file(self, plain: Path) -> str:
        """A sealed copy of the file at `plain` in incoming/, synced; returns its path."""
        with open(plain, "rb") as source:
            return self._seal_file_from(source)

    def _seal_file_from(self, source: BinaryIO) -> str:
        """A sealed copy of what `source` reads, in incoming/, synced; returns its path."""
        assert self._cipher is not None
        self._incoming.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self._incoming, delete=False) as sealed:
            try:
                self._cipher.encrypt_stream(source, sealed)
                sealed.flush()
                os.fsync(sealed.fileno())
            except BaseException:
                sealed.close()
                os.unlink(sealed.name)
                raise
        return sealed.name

    def seal_existing(self) -> int:
        """Rewrite every object stored before encryption was on as a sealed one (the key keeps
        pointing at the same bytes); returns how many. Safe to run while serving: a blob
        replaced meanwhile is left to its new writer."""
        if self._cipher is None:
            raise ValueError("This store has no encryption key.")
        return self._rewrite_objects(
            lambda record: None if record.get("sealed") else self._seal_file(self._object_path(record["object"]))
        )

    def reseal_with_current_key(self, on_progress: Callable[[int], None] = lambda done: None) -> int:
        """Rewrite every object sealed with a retired key (BLOB_ENCRYPTION_PREVIOUS_KEYS) under
        the current one; returns how many. Safe to run while serving, and to run again: a blob
        replaced meanwhile is left to its new writer, one the current key opens is skipped."""
        cipher = self._cipher
        if cipher is None or not cipher.has_previous_keys:
            raise ValueError("BLOB_ENCRYPTION_PREVIOUS_KEYS is empty: there is no retired key to move away from.")

        def resealed_copy(record: dict) -> str | None:
            if not record.get("sealed"):
                return None
            path = self._object_path(record["object"])
            try:
                with open(path, "rb") as file:
                    if cipher.sealed_with_current_key(file, record["size"]):
                        return None
                with cipher.reader(open(path, "rb"), record["size"]) as plain:  # noqa: SIM115 (closed by the reader)
                    return self._seal_file_from(plain)
            except SealedBlobError as error:  # no key opens it: the operator must know which
                raise SealedBlobError(f"{record['key']}: {error}") from None

        return self._rewrite_objects(resealed_copy, on_progress)

    def _rewrite_objects(
        self, sealed_copy: Callable[[dict], str | None], on_progress: Callable[[int], None] = lambda done: None
    ) -> int:
        """Point each stored key whose record `sealed_copy` rewrites (a sealed copy written to
        incoming/, or None to leave it) at that copy; returns how many. A blob replaced or
        deleted meanwhile is left to its new writer."""
        rewritten = 0
        for record_path in self._keys.glob("*/*.json"):
            try:
                record = json.loads(record_path.read_text(encoding="utf-8"))
                staged = sealed_copy(record)
            except (FileNotFoundError, ValueError):
                continue  # replaced or deleted meanwhile
            if staged is None:
                continue
            current = self._read_record(record["key"])
            if current is None or current["object"] != record["object"]:
                os.unlink(staged)
                continue
            blob = StoredBlob(record["key"], record["size"], record["sha256"], record["content_type"])
            self._publish(record["key"], staged, blob, sealed=True)
            rewritten += 1
            on_progress(rewritten)
        return rewritten

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            self._upload_meta(key, upload_id)
        except NotFound:
            return
        shutil.rmtree(self._multipart / upload_id, ignore_errors=True)

    def purge_stale_uploads(self, older_than: timedelta) -> int:
        """Drop multipart uploads started more than `older_than` ago (S3's lifecycle rule does
        the same for the bucket); returns how many went."""
        cutoff = self._clock() - older_than
        purged = 0
        for meta_path in self._multipart.glob("*/meta.json"):
            try:
                started = datetime.fromisoformat(json.loads(meta_path.read_text(encoding="utf-8"))["started"])
            except (FileNotFoundError, ValueError, KeyError):
                continue
            if started < cutoff:
                shutil.rmtree(meta_path.parent, ignore_errors=True)
                purged += 1
        return purged

    def _upload_meta(self, key: str, upload_id: str) -> dict:
        validate_key(key)
        if not isinstance(upload_id, str) or not _LOCAL_UPLOAD_ID.fullmatch(upload_id):
            raise NotFound("This upload does not exist.")
        try:
            meta = json.loads((self._multipart / upload_id / "meta.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFound("This upload does not exist.") from None
        if meta["key"] != key:
            raise NotFound("This upload does not exist.")
        return meta

    def _part_signature(self, key: str, upload_id: str, part_number: int, expires: int) -> str:
        message = json.dumps([key, upload_id, part_number, expires], separators=(",", ":")).encode()
        return hmac.new(self._part_secret, message, hashlib.sha256).hexdigest()

    # -- reading -------------------------------------------------------------

    def stat(self, key: str) -> StoredBlob | None:
        validate_key(key)
        record = self._read_record(key)
        return None if record is None else _blob(key, record)

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def open(self, key: str) -> BinaryIO:
        return self._open_with_record(key)[0]

    def open_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        file, record = self._open_with_record(key)
        try:
            validate_range(start, end, record["size"])
            file.seek(start)
        except BaseException:
            file.close()
            raise
        return _read_window(file, end - start)

    def locate(self, key: str) -> tuple[StoredBlob, Path | None] | None:
        """`key`'s facts (as `stat`) and the file on disk holding its bytes, for a server to
        send from the file itself (objects are written once and never changed in place); the
        file is None when the object is sealed (its bytes on disk are ciphertext: read it with
        `open_range`). None when missing. One read of the record answers both."""
        validate_key(key)
        record = self._read_record(key)
        if record is None:
            return None
        blob = _blob(key, record)
        if record.get("sealed"):
            return blob, None
        path = self._object_path(record["object"])
        return (blob, path) if path.is_file() else None

    # -- signed links --------------------------------------------------------

    def signed_download_url(
        self,
        key: str,
        *,
        filename: str,
        expires_in: timedelta = timedelta(hours=1),
        content_type: str | None = None,
    ) -> str:
        validate_key(key)
        validate_filename(filename)
        if content_type is not None:
            validate_content_type(content_type)
        seconds = validate_link_lifetime(expires_in)
        expires = int(self._clock().timestamp()) + seconds
        query = {"exp": expires, "fn": filename}
        if content_type is not None:
            query["ct"] = content_type
        query["sig"] = self._signer.signature(key, expires, filename, content_type)
        return f"{self.base_url_path}/{quote(key, safe='/')}?{urlencode(query, quote_via=quote)}"

    def verify_signed_request(
        self,
        key: str,
        exp: str | int,
        fn: str,
        sig: str,
        now: datetime | None = None,
        *,
        ct: str | None = None,
    ) -> VerifiedDownload:
        """Check the parts of a link made by `signed_download_url`.

        Raises InvalidDownloadLink when anything was changed or is malformed and
        ExpiredDownloadLink when a genuine link is past its time.
        """
        return self._signer.verify(key, exp, fn, sig, ct=ct, now=now or self._clock())

    # -- files on disk -------------------------------------------------------

    def _record_path(self, key: str) -> Path:
        name = hashlib.sha256(key.encode()).hexdigest()
        return self._keys / name[:2] / f"{name}.json"

    def _object_path(self, object_id: str) -> Path:
        return self._objects / object_id[:2] / object_id

    def _read_record(self, key: str) -> dict | None:
        try:
            with open(self._record_path(key), encoding="utf-8") as file:
                return json.load(file)
        except FileNotFoundError:
            return None

    def _write_record(self, key: str, record: dict) -> None:
        path = self._record_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self._incoming, delete=False) as staged:
            try:
                json.dump(record, staged)
                staged.flush()
                os.fsync(staged.fileno())
            except BaseException:
                staged.close()
                os.unlink(staged.name)
                raise
        os.replace(staged.name, path)

    def _open_with_record(self, key: str) -> tuple[BinaryIO, dict]:
        validate_key(key)
        for _ in range(_OPEN_ATTEMPTS):
            record = self._read_record(key)
            if record is None:
                break
            try:
                file = open(self._object_path(record["object"]), "rb")  # noqa: SIM115 (the caller closes it)
            except FileNotFoundError:
                continue
            if not record.get("sealed"):
                return file, record
            if self._cipher is None:
                file.close()
                raise SealedBlobError("This store has no key for its encrypted files: set BLOB_ENCRYPTION_KEY.")
            return self._cipher.reader(file, record["size"]), record
        raise NotFound("This file does not exist.")


def _blob(key: str, record: dict) -> StoredBlob:
    """A stored record's facts, as `stat` and `locate` give them."""
    return StoredBlob(key=key, size=record["size"], sha256=record["sha256"], content_type=record["content_type"])


def _read_window(file: BinaryIO, length: int) -> Iterator[bytes]:
    with file:
        while length > 0:
            chunk = file.read(min(CHUNK_SIZE, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def _sealed_part_path(folder: Path, number: int) -> Path:
    return folder / "parts" / f"{number}.sealed"


class _DamagedPart(Exception):
    def __init__(self, number: int):
        super().__init__(number)
        self.number = number


class _JoinedParts(io.RawIOBase):
    """The plaintext of an upload's sealed parts in order, read once: each part's seal is
    checked as it is read and its MD5 compared at its end (`_DamagedPart` names a bad one);
    `sha256` is the whole file's once read to the end."""

    def __init__(self, cipher: ChunkCipher, folder: Path, parts: list[UploadedPart]):
        super().__init__()
        self._cipher, self._folder = cipher, folder
        self._parts = iter(parts)
        self._current: tuple[UploadedPart, BinaryIO, Any] | None = None
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def _next_part(self) -> bool:
        part = next(self._parts, None)
        if part is None:
            return False
        try:
            # The reader owns the file and closes it.
            reader = self._cipher.reader(open(_sealed_part_path(self._folder, part.number), "rb"), part.size)  # noqa: SIM115
        except (OSError, SealedBlobError):
            raise _DamagedPart(part.number) from None
        self._current = (part, reader, hashlib.md5(usedforsecurity=False))
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self._current is None and not self._next_part():
                return 0
            assert self._current is not None
            part, reader, md5 = self._current
            try:
                plain = reader.read(len(buffer))
            except SealedBlobError:
                reader.close()
                raise _DamagedPart(part.number) from None
            if plain:
                buffer[: len(plain)] = plain
                md5.update(plain)
                self.sha256.update(plain)
                return len(plain)
            reader.close()
            self._current = None
            if md5.hexdigest() != part.etag:
                raise _DamagedPart(part.number)

    def close(self) -> None:
        if self._current is not None:
            self._current[1].close()
            self._current = None
        super().close()


class PartWriter:
    """Writes one part of a multipart upload at its offset as its bytes arrive, refusing
    more or fewer bytes than the part must have; `finish` records it as landed."""

    def __init__(self, folder: Path, number: int, *, offset: int, size: int):
        self._folder = folder
        self.number = number
        self._offset = offset
        self.size = size
        self._written = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._fd = os.open(folder / "data", os.O_WRONLY)

    def write(self, chunk: bytes) -> None:
        if self._written + len(chunk) > self.size:
            raise ValidationError(f"Part {self.number} is larger than the {self.size} bytes it should have.", "file")
        view = memoryview(chunk)
        while view:
            done = os.pwrite(self._fd, view, self._offset + self._written)
            self._written += done
            view = view[done:]
        self._md5.update(chunk)

    def finish(self) -> UploadedPart:
        try:
            if self._written != self.size:
                raise ValidationError(
                    f"Part {self.number} arrived with {self._written} of its {self.size} bytes: send it again.", "file"
                )
            # No fsync per part: completing checks every part's bytes against its MD5 and
            # syncs the whole file once.
        finally:
            self.close()
        return _record_part(self._folder, UploadedPart(number=self.number, size=self.size, etag=self._md5.hexdigest()))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _record_part(folder: Path, part: UploadedPart) -> UploadedPart:
    """List a part as landed (its size and the MD5 of the bytes that arrived)."""
    parts = folder / "parts"
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=parts, delete=False, suffix=".tmp") as staged:
        json.dump({"size": part.size, "etag": part.etag}, staged)
    os.replace(staged.name, parts / f"{part.number}.json")
    return part


class SealedPartWriter:
    """A part sealed as its bytes arrive (AES-256-GCM chunks, the store's object format),
    into a file of its own that replaces an earlier attempt only once it is whole; the
    same size rules and `finish` as `PartWriter`."""

    def __init__(self, folder: Path, number: int, *, size: int, cipher: ChunkCipher):
        self._folder = folder
        self.number = number
        self.size = size
        self._md5 = hashlib.md5(usedforsecurity=False)
        # Open across the part's requests; `finish` or `close` ends it.
        self._file = tempfile.NamedTemporaryFile(dir=folder / "parts", delete=False, suffix=".sealing")  # noqa: SIM115
        self._sealer = cipher.writer(self._file)

    def write(self, chunk: bytes) -> None:
        if self._sealer.size + len(chunk) > self.size:
            raise ValidationError(f"Part {self.number} is larger than the {self.size} bytes it should have.", "file")
        self._sealer.write(chunk)
        self._md5.update(chunk)

    def finish(self) -> UploadedPart:
        try:
            if self._sealer.size != self.size:
                raise ValidationError(
                    f"Part {self.number} arrived with {self._sealer.size} of its {self.size} bytes: send it again.",
                    "file",
                )
            self._sealer.close()
            self._file.close()
            os.replace(self._file.name, _sealed_part_path(self._folder, self.number))
        finally:
            self.close()
        return _record_part(self._folder, UploadedPart(number=self.number, size=self.size, etag=self._md5.hexdigest()))

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
        Path(self._file.name).unlink(missing_ok=True)

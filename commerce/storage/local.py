"""BlobStore on a local folder: the embedded default.

Layout under `root`:

    objects/ab/<random id>        the bytes of one stored blob
    keys/cd/<sha256 of key>.json  {"key", "object", "size", "sha256", "content_type"}
    incoming/                     uploads being written

A blob is written to incoming/, renamed into objects/, and only then made visible
by atomically replacing its key record. Readers therefore see either the old blob
or the new one whole, with matching metadata, and a crash never leaves a half
file under a key. Files on disk are named by hashes and random ids, never by the
key itself, so no key can reach outside `root`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from commerce.errors import NotFound
from commerce.storage.port import (
    CHUNK_SIZE,
    StoredBlob,
    validate_content_type,
    validate_filename,
    validate_key,
    validate_link_lifetime,
    validate_range,
)
from commerce.storage.signing import DownloadLinkSigner, VerifiedDownload

# An overwrite or delete can remove the object a reader just looked up; reading the
# key record again finds the blob that replaced it.
_OPEN_ATTEMPTS = 3


class LocalBlobStore:
    def __init__(
        self,
        root: Path,
        secret_key: str,
        base_url_path: str = "/api/files",
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.root = Path(root)
        self.base_url_path = base_url_path.rstrip("/")
        self._signer = DownloadLinkSigner(secret_key)
        self._clock = clock
        self._objects = self.root / "objects"
        self._keys = self.root / "keys"
        self._incoming = self.root / "incoming"

    # -- writing -------------------------------------------------------------

    def put(self, key: str, stream: BinaryIO, *, content_type: str) -> StoredBlob:
        validate_key(key)
        validate_content_type(content_type)
        self._incoming.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with tempfile.NamedTemporaryFile(dir=self._incoming, delete=False) as upload:
            try:
                while chunk := stream.read(CHUNK_SIZE):
                    digest.update(chunk)
                    size += len(chunk)
                    upload.write(chunk)
                upload.flush()
                os.fsync(upload.fileno())
            except BaseException:
                upload.close()
                os.unlink(upload.name)
                raise
        object_id = uuid.uuid4().hex
        object_path = self._object_path(object_id)
        object_path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(upload.name, object_path)

        blob = StoredBlob(key=key, size=size, sha256=digest.hexdigest(), content_type=content_type)
        record = {"key": key, "object": object_id, "size": size, "sha256": blob.sha256, "content_type": content_type}
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

    # -- reading -------------------------------------------------------------

    def stat(self, key: str) -> StoredBlob | None:
        validate_key(key)
        record = self._read_record(key)
        if record is None:
            return None
        return StoredBlob(key=key, size=record["size"], sha256=record["sha256"], content_type=record["content_type"])

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

    def file_path(self, key: str) -> Path:
        """The file on disk holding `key`'s bytes, for a server to send from the file itself
        (objects are written once and never changed in place). NotFound when missing."""
        validate_key(key)
        record = self._read_record(key)
        if record is not None:
            path = self._object_path(record["object"])
            if path.is_file():
                return path
        raise NotFound("This file does not exist.")

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
                return open(self._object_path(record["object"]), "rb"), record
            except FileNotFoundError:
                continue
        raise NotFound("This file does not exist.")


def _read_window(file: BinaryIO, length: int) -> Iterator[bytes]:
    with file:
        while length > 0:
            chunk = file.read(min(CHUNK_SIZE, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk

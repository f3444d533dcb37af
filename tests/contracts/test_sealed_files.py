"""The local blob store's files sealed at rest (AES-256-GCM in 64 KiB chunks): nothing
readable on disk, byte ranges across chunk boundaries served exactly, files stored before
encryption still served and sealed by the migration, and tampering refused."""

from __future__ import annotations

import io
import random
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce.storage.local import LocalBlobStore
from commerce.storage.sealing import CHUNK_BYTES, HEADER_BYTES, TAG_BYTES, SealedBlobError
from storefront.api_files import file_routes

SECRET = "sealed-files-secret-0123456789abcdef0123"
KEY = bytes(range(100, 132))
DATA = random.Random(11).randbytes(3 * CHUNK_BYTES + 1234)


def objects(root: Path) -> list[Path]:
    return [path for path in (root / "objects").rglob("*") if path.is_file()]


def sealed_store(root: Path, key: bytes = KEY) -> LocalBlobStore:
    return LocalBlobStore(root, SECRET, encryption_key=key)


def fetch(store: LocalBlobStore, key: str, range_header: str | None = None):
    client = TestClient(Starlette(routes=file_routes(lambda: store)))
    url = store.signed_download_url(key, filename="data.bin", expires_in=timedelta(minutes=5))
    return client.get(url, headers={"range": range_header} if range_header else {})


def test_nothing_readable_lands_on_disk(tmp_path):
    store = sealed_store(tmp_path)
    stored = store.put("files/1/secret.txt", io.BytesIO(b"the plaintext sentence" * 1000), content_type="text/plain")
    [on_disk] = objects(tmp_path)
    raw = on_disk.read_bytes()
    assert b"plaintext sentence" not in raw
    assert len(raw) == HEADER_BYTES + stored.size + TAG_BYTES  # one chunk: 22 000 bytes
    with store.open("files/1/secret.txt") as opened:
        assert opened.read() == b"the plaintext sentence" * 1000


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, CHUNK_BYTES),  # exactly the first chunk
        (CHUNK_BYTES - 10, CHUNK_BYTES + 10),  # across the first boundary
        (CHUNK_BYTES, 2 * CHUNK_BYTES),  # exactly the second chunk
        (CHUNK_BYTES - 1, 3 * CHUNK_BYTES + 1),  # over three boundaries
        (3 * CHUNK_BYTES, len(DATA)),  # the short last chunk
        (len(DATA) - 1, len(DATA)),  # the last byte
    ],
)
def test_ranges_across_chunk_boundaries_are_served_exactly(tmp_path, start, end):
    store = sealed_store(tmp_path)
    store.put("files/2/data.bin", io.BytesIO(DATA), content_type="application/octet-stream")
    response = fetch(store, "files/2/data.bin", f"bytes={start}-{end - 1}")
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{end - 1}/{len(DATA)}"
    assert response.content == DATA[start:end]
    assert b"".join(store.open_range("files/2/data.bin", start, end)) == DATA[start:end]


def test_a_resumed_download_from_a_suffix_range_and_the_whole_file(tmp_path):
    store = sealed_store(tmp_path)
    store.put("files/3/data.bin", io.BytesIO(DATA), content_type="application/octet-stream")
    assert fetch(store, "files/3/data.bin", "bytes=-100").content == DATA[-100:]
    assert fetch(store, "files/3/data.bin", f"bytes={CHUNK_BYTES + 5}-").content == DATA[CHUNK_BYTES + 5 :]
    whole = fetch(store, "files/3/data.bin")
    assert whole.status_code == 200
    assert whole.content == DATA


@pytest.mark.parametrize("size", [0, 1, CHUNK_BYTES, 2 * CHUNK_BYTES])
def test_empty_and_chunk_sized_files_round_trip(tmp_path, size):
    store = sealed_store(tmp_path)
    store.put("files/4/x", io.BytesIO(DATA[:size]), content_type="application/octet-stream")
    with store.open("files/4/x") as opened:
        assert opened.read() == DATA[:size]
    assert fetch(store, "files/4/x").content == DATA[:size]


def test_files_stored_before_encryption_are_served_then_sealed_by_the_migration(tmp_path):
    LocalBlobStore(tmp_path, SECRET).put("files/5/old.bin", io.BytesIO(DATA), content_type="application/zip")
    store = sealed_store(tmp_path)
    [plain] = objects(tmp_path)
    assert plain.read_bytes() == DATA
    # Still served, ranges included, before the migration.
    assert fetch(store, "files/5/old.bin", "bytes=70000-70099").content == DATA[70000:70100]
    store.put("files/5/new.bin", io.BytesIO(b"new"), content_type="text/plain")

    assert store.seal_existing() == 1  # the old one only
    assert store.seal_existing() == 0
    assert not plain.exists()
    assert all(DATA[:4096] not in path.read_bytes() for path in objects(tmp_path))
    assert (
        store.stat("files/5/old.bin").sha256
        == LocalBlobStore(tmp_path, SECRET, encryption_key=KEY).stat("files/5/old.bin").sha256
    )
    assert (
        fetch(store, "files/5/old.bin", f"bytes={CHUNK_BYTES - 3}-{CHUNK_BYTES + 3}").content
        == (DATA[CHUNK_BYTES - 3 : CHUNK_BYTES + 4])
    )
    with store.open("files/5/old.bin") as opened:
        assert opened.read() == DATA


def test_an_altered_or_cut_file_or_another_key_is_refused(tmp_path):
    store = sealed_store(tmp_path)
    store.put("files/6/data.bin", io.BytesIO(DATA), content_type="application/octet-stream")
    [on_disk] = objects(tmp_path)
    original = on_disk.read_bytes()

    with pytest.raises(SealedBlobError), sealed_store(tmp_path, bytes(32)).open("files/6/data.bin") as opened:
        opened.read()

    altered = bytearray(original)
    altered[HEADER_BYTES + CHUNK_BYTES + TAG_BYTES + 7] ^= 1  # a byte of the second chunk
    on_disk.write_bytes(bytes(altered))
    assert b"".join(store.open_range("files/6/data.bin", 0, 100)) == DATA[:100]  # the first chunk is intact
    with pytest.raises(SealedBlobError):
        b"".join(store.open_range("files/6/data.bin", CHUNK_BYTES, CHUNK_BYTES + 10))

    # Cut at a chunk boundary: the chunks before still read, the missing ones are refused.
    on_disk.write_bytes(original[: HEADER_BYTES + 2 * (CHUNK_BYTES + TAG_BYTES)])
    assert (
        b"".join(store.open_range("files/6/data.bin", CHUNK_BYTES, CHUNK_BYTES + 10))
        == (DATA[CHUNK_BYTES : CHUNK_BYTES + 10])
    )
    with pytest.raises(SealedBlobError):
        b"".join(store.open_range("files/6/data.bin", 2 * CHUNK_BYTES, 2 * CHUNK_BYTES + 10))


def test_a_store_without_the_key_refuses_sealed_files(tmp_path):
    sealed_store(tmp_path).put("files/7/x", io.BytesIO(b"x"), content_type="text/plain")
    with pytest.raises(SealedBlobError, match="BLOB_ENCRYPTION_KEY"):
        LocalBlobStore(tmp_path, SECRET).open("files/7/x")


NEW_KEY = bytes(range(200, 232))


@pytest.mark.parametrize("size", [0, 10, 3 * CHUNK_BYTES + 1234])
def test_a_retired_key_still_opens_its_files_until_they_are_resealed_under_the_new_one(tmp_path, size):
    payload = DATA[:size]
    sealed_store(tmp_path).put("files/8/old.bin", io.BytesIO(payload), content_type="application/octet-stream")
    rotating = LocalBlobStore(tmp_path, SECRET, encryption_key=NEW_KEY, previous_encryption_keys=(KEY,))
    rotating.put("files/8/new.bin", io.BytesIO(b"written after the new key"), content_type="text/plain")
    # During the overlap every file reads, whole and by range.
    with rotating.open("files/8/old.bin") as opened:
        assert opened.read() == payload
    if size > CHUNK_BYTES:
        assert (
            b"".join(rotating.open_range("files/8/old.bin", CHUNK_BYTES + 5, 2 * CHUNK_BYTES + 5))
            == (payload[CHUNK_BYTES + 5 : 2 * CHUNK_BYTES + 5])
        )

    assert rotating.reseal_with_current_key() == 1  # only the old file; the new one is left as it is
    assert rotating.reseal_with_current_key() == 0  # running it again is harmless

    # The retired key is gone from the configuration: everything opens with the new key alone.
    after = LocalBlobStore(tmp_path, SECRET, encryption_key=NEW_KEY)
    with after.open("files/8/old.bin") as opened:
        assert opened.read() == payload
    with after.open("files/8/new.bin") as opened:
        assert opened.read() == b"written after the new key"
    assert len(objects(tmp_path)) == 2  # the old key's object was replaced, not kept


def test_resealing_stops_at_a_file_no_listed_key_opens(tmp_path):
    LocalBlobStore(tmp_path, SECRET, encryption_key=bytes(32)).put(
        "files/9/lost.bin", io.BytesIO(b"sealed with a key nobody listed"), content_type="text/plain"
    )
    rotating = LocalBlobStore(tmp_path, SECRET, encryption_key=NEW_KEY, previous_encryption_keys=(KEY,))
    with pytest.raises(SealedBlobError, match="files/9/lost.bin"):
        rotating.reseal_with_current_key()
    with pytest.raises(SealedBlobError):
        rotating.open("files/9/lost.bin").read()

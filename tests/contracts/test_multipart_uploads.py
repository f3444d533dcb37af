"""Multipart uploads, as the browser makes them, against both stores: the local folder
(parts through the app's part route) and S3 through moto (parts to presigned URLs).

What lands is what was sent (size and SHA-256), a dropped connection resumes from the
parts that arrived, and nothing half-made is ever visible under the key.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce import storage
from commerce.catalog.tasks import purge_abandoned_uploads
from commerce.errors import NotFound, ValidationError
from commerce.storage.local import LocalBlobStore
from commerce.storage.multipart import MiB, UploadIncomplete
from commerce.storage.s3 import S3BlobStore
from storefront.api_uploads import upload_routes

PART = 5 * MiB
SECRET = "multipart-test-secret-0123456789abcdef"


def payload(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def parts_of(data: bytes) -> dict[int, bytes]:
    return {index // PART + 1: data[index : index + PART] for index in range(0, len(data), PART)}


def as_pdf(head: bytes) -> str:
    return "application/pdf"


@dataclass
class Case:
    name: str
    store: LocalBlobStore | S3BlobStore
    # PUT a part's bytes to the URL the store made: (status, ETag header)
    put: Callable[[str, bytes], tuple[int, str]]


@pytest.fixture(params=["local", "local-sealed", "s3"])
def case(request, tmp_path) -> Case:
    if request.param.startswith("local"):
        # "local-sealed": each part is sealed as it lands, and so is the completed file.
        key = bytes(range(32)) if request.param == "local-sealed" else None
        store = LocalBlobStore(tmp_path / "blobs", SECRET, encryption_key=key)
        client = TestClient(Starlette(routes=upload_routes(lambda: store)))

        def put_local(url: str, body: bytes) -> tuple[int, str]:
            response = client.put(url, content=body)
            return response.status_code, response.headers.get("etag", "")

        return Case("local", store, put_local)  # both local kinds behave alike
    moto = request.getfixturevalue("moto_endpoint")
    store_s3 = S3BlobStore(
        f"multipart-{random.randrange(10**9)}",
        endpoint_url=moto,
        region="eu-west-1",
        access_key_id="AKIAMULTIPARTTEST001",
        secret_access_key="multipart-secret",
    )
    store_s3.ensure_bucket()

    def put_s3(url: str, body: bytes) -> tuple[int, str]:
        response = httpx.put(url, content=body)
        return response.status_code, response.headers.get("etag", "")

    return Case("s3", store_s3, put_s3)


def send(case: Case, key: str, upload_id: str, number: int, body: bytes) -> str:
    status, etag = case.put(case.store.part_upload_url(key, upload_id, number), body)
    assert status == 200
    return etag


def test_parts_sent_out_of_order_land_as_one_file_with_its_size_and_sha256(case):
    data = payload(2 * PART + 123_456)
    key = "products/1/files/whole"
    upload_id = case.store.start_multipart(key, size=len(data), part_size=PART)
    etags = {number: send(case, key, upload_id, number, body) for number, body in reversed(parts_of(data).items())}

    blob = case.store.complete_multipart(
        key, upload_id, size=len(data), part_size=PART, content_type_for=as_pdf, client_etags=etags
    )

    assert (blob.size, blob.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert case.store.stat(key) == blob
    with case.store.open(key) as stored:
        assert stored.read() == data
    # At rest the file is encrypted: by S3 (SSE, set on the multipart upload), or sealed locally.
    if isinstance(case.store, S3BlobStore):
        assert case.store._client.head_object(Bucket=case.store.bucket, Key=key)["ServerSideEncryption"] == "AES256"
    elif case.store._cipher is not None:
        assert all(data[:4096] not in path.read_bytes() for path in case.store.root.rglob("objects/*/*"))


def test_an_upload_is_invisible_until_completed(case):
    data = payload(PART + 10)
    key = "products/1/files/pending"
    upload_id = case.store.start_multipart(key, size=len(data), part_size=PART)
    for number, body in parts_of(data).items():
        send(case, key, upload_id, number, body)
    assert case.store.stat(key) is None


def test_after_a_dropped_connection_the_parts_that_landed_are_listed_and_the_rest_completes_it(case):
    data = payload(3 * PART - 99, seed=3)
    parts = parts_of(data)
    key = "products/1/files/resumed"
    upload_id = case.store.start_multipart(key, size=len(data), part_size=PART)
    send(case, key, upload_id, 1, parts[1])
    send(case, key, upload_id, 3, parts[3])
    # The connection drops in the middle of part 2 (the local route is sent half of it;
    # S3 never records a part whose body did not arrive).
    if case.name == "local":
        status, _ = case.put(case.store.part_upload_url(key, upload_id, 2), parts[2][: PART // 2])
        assert status == 400

    assert [part.number for part in case.store.list_parts(key, upload_id)] == [1, 3]
    with pytest.raises(UploadIncomplete, match="missing part"):
        case.store.complete_multipart(key, upload_id, size=len(data), part_size=PART, content_type_for=as_pdf)

    send(case, key, upload_id, 2, parts[2])
    blob = case.store.complete_multipart(key, upload_id, size=len(data), part_size=PART, content_type_for=as_pdf)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()


def test_a_part_the_browser_did_not_send_is_refused_at_completion(case):
    data = payload(2 * PART, seed=5)
    key = "products/1/files/replaced"
    upload_id = case.store.start_multipart(key, size=len(data), part_size=PART)
    etags = {number: send(case, key, upload_id, number, body) for number, body in parts_of(data).items()}
    # Part 2 is replaced by other bytes after the browser got its answer.
    send(case, key, upload_id, 2, payload(PART, seed=6))

    with pytest.raises(UploadIncomplete, match="Part 2 is not the one the browser sent"):
        case.store.complete_multipart(
            key, upload_id, size=len(data), part_size=PART, content_type_for=as_pdf, client_etags=etags
        )
    assert case.store.stat(key) is None


def test_a_short_middle_part_is_refused_at_completion(case):
    key = "products/1/files/short"
    size = 2 * PART + 10
    upload_id = case.store.start_multipart(key, size=size, part_size=PART)
    if case.name == "local":
        # The part route knows each part's size and refuses a short one outright.
        status, _ = case.put(case.store.part_upload_url(key, upload_id, 1), payload(PART - 1))
        assert status == 400
    else:
        send(case, key, upload_id, 1, payload(PART - 1))
    send(case, key, upload_id, 2, payload(PART))
    send(case, key, upload_id, 3, payload(10))

    with pytest.raises(UploadIncomplete):
        case.store.complete_multipart(key, upload_id, size=size, part_size=PART, content_type_for=as_pdf)
    assert case.store.stat(key) is None


def test_a_file_its_checks_refuse_leaves_nothing_behind(case):
    data = payload(PART + 1, seed=9)
    key = "products/1/files/refused"
    upload_id = case.store.start_multipart(key, size=len(data), part_size=PART)
    for number, body in parts_of(data).items():
        send(case, key, upload_id, number, body)

    def refuse(head: bytes) -> str:
        assert head == data[: 64 * 1024]
        raise ValidationError("Not a file we sell.")

    with pytest.raises(ValidationError, match="Not a file we sell"):
        case.store.complete_multipart(key, upload_id, size=len(data), part_size=PART, content_type_for=refuse)
    assert case.store.stat(key) is None
    if case.name == "local":
        with pytest.raises(NotFound):
            case.store.list_parts(key, upload_id)


def test_a_cancelled_upload_is_gone(case):
    key = "products/1/files/cancelled"
    upload_id = case.store.start_multipart(key, size=PART + 5, part_size=PART)
    send(case, key, upload_id, 1, payload(PART))
    case.store.abort_multipart(key, upload_id)
    case.store.abort_multipart(key, upload_id)  # twice is fine

    with pytest.raises(NotFound):
        case.store.list_parts(key, upload_id)
    assert case.store.stat(key) is None


# -- the local part route's own checks ---------------------------------------------


@pytest.fixture
def local(tmp_path):
    store = LocalBlobStore(tmp_path / "blobs", SECRET)
    return store, TestClient(Starlette(routes=upload_routes(lambda: store)))


def test_a_part_url_changed_in_any_way_is_refused(local):
    store, client = local
    key = "products/1/files/signed"
    upload_id = store.start_multipart(key, size=PART + 1, part_size=PART)
    url = store.part_upload_url(key, upload_id, 2)
    for forged in (
        url.replace("/2?", "/1?"),
        url.replace("signed", "other"),
        url[:-4] + ("0000" if not url.endswith("0000") else "1111"),
    ):
        assert client.put(forged, content=b"x").status_code in (403, 404)
    assert store.list_parts(key, upload_id) == []


def test_an_expired_part_url_is_refused(tmp_path):
    signed_at = datetime(2026, 1, 1, tzinfo=UTC)
    now = {"at": signed_at}
    store = LocalBlobStore(tmp_path / "blobs", SECRET, clock=lambda: now["at"])
    client = TestClient(Starlette(routes=upload_routes(lambda: store)))
    key = "products/1/files/late"
    upload_id = store.start_multipart(key, size=PART + 1, part_size=PART)
    url = store.part_upload_url(key, upload_id, 2)
    now["at"] = signed_at + timedelta(hours=2)

    assert client.put(url, content=b"x").status_code == 410


def test_a_part_larger_than_its_place_is_refused_without_writing_past_it(local):
    store, client = local
    key = "products/1/files/long"
    upload_id = store.start_multipart(key, size=PART + 10, part_size=PART)
    response = client.put(store.part_upload_url(key, upload_id, 2), content=payload(11))
    assert response.status_code == 400
    assert store.list_parts(key, upload_id) == []


def test_stale_local_uploads_are_purged(tmp_path):
    now = {"at": datetime(2026, 1, 1, tzinfo=UTC)}
    store = LocalBlobStore(tmp_path / "blobs", SECRET, clock=lambda: now["at"])
    key = "products/1/files/stale"
    upload_id = store.start_multipart(key, size=PART, part_size=PART)
    now["at"] += timedelta(days=2)

    assert store.purge_stale_uploads(timedelta(days=1)) == 1
    with pytest.raises(NotFound):
        store.list_parts(key, upload_id)


def test_the_hourly_job_drops_uploads_abandoned_for_a_day(tmp_path):
    now = {"at": datetime(2026, 1, 1, tzinfo=UTC)}
    store = LocalBlobStore(tmp_path / "blobs", SECRET, clock=lambda: now["at"])
    abandoned = store.start_multipart("products/1/files/abandoned", size=PART, part_size=PART)
    now["at"] += timedelta(hours=23)
    recent = store.start_multipart("products/1/files/recent", size=PART, part_size=PART)
    now["at"] += timedelta(hours=2)

    with storage.blob_store.replaced(store):
        purge_abandoned_uploads()

    with pytest.raises(NotFound):
        store.list_parts("products/1/files/abandoned", abandoned)
    assert store.list_parts("products/1/files/recent", recent) == []


def test_a_part_damaged_on_disk_is_caught_at_completion_and_sent_again(local):
    store, client = local
    data = payload(2 * PART, seed=11)
    key = "products/1/files/damaged"
    upload_id = store.start_multipart(key, size=len(data), part_size=PART)
    for number, body in parts_of(data).items():
        assert client.put(store.part_upload_url(key, upload_id, number), content=body).status_code == 200
    # What a crash between a part's answer and the disk could leave: the bytes of part 2 lost.
    with open(store.root / "multipart" / upload_id / "data", "r+b") as file:
        file.seek(PART + 100)
        file.write(b"\0" * 1000)

    with pytest.raises(UploadIncomplete, match="Part 2 was damaged"):
        store.complete_multipart(key, upload_id, size=len(data), part_size=PART, content_type_for=as_pdf)
    assert [part.number for part in store.list_parts(key, upload_id)] == [1]
    assert store.stat(key) is None

    client.put(store.part_upload_url(key, upload_id, 2), content=parts_of(data)[2])
    blob = store.complete_multipart(key, upload_id, size=len(data), part_size=PART, content_type_for=as_pdf)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()


@pytest.fixture
def sealed(tmp_path):
    store = LocalBlobStore(tmp_path / "blobs", SECRET, encryption_key=bytes(range(32)))
    return store, TestClient(Starlette(routes=upload_routes(lambda: store)))


def test_with_encryption_no_byte_of_an_upload_in_progress_rests_in_the_clear(sealed):
    store, client = sealed
    # Recognisable text, so any plain copy on disk would be found.
    data = (b"CONFIDENTIAL MANUSCRIPT LINE " * (2 * PART // 29 + 1))[: 2 * PART + 999]
    key = "products/1/files/secret"
    upload_id = store.start_multipart(key, size=len(data), part_size=PART)
    for number, body in parts_of(data).items():
        assert client.put(store.part_upload_url(key, upload_id, number), content=body).status_code == 200
    # The parts have all landed; nothing under the store's folder holds their text.
    for path in store.root.rglob("*"):
        if path.is_file():
            assert b"CONFIDENTIAL MANUSCRIPT" not in path.read_bytes(), path

    blob = store.complete_multipart(key, upload_id, size=len(data), part_size=PART, content_type_for=as_pdf)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    with store.open(key) as stored:
        assert stored.read() == data
    assert not any(b"CONFIDENTIAL MANUSCRIPT" in p.read_bytes() for p in store.root.rglob("*") if p.is_file())


def test_a_sealed_part_damaged_on_disk_is_caught_at_completion_and_sent_again(sealed):
    store, client = sealed
    data = payload(2 * PART + 10, seed=13)
    key = "products/1/files/sealed-damaged"
    upload_id = store.start_multipart(key, size=len(data), part_size=PART)
    for number, body in parts_of(data).items():
        assert client.put(store.part_upload_url(key, upload_id, number), content=body).status_code == 200
    # One byte of part 2's ciphertext flipped on disk: its seal no longer holds.
    sealed_part = store.root / "multipart" / upload_id / "parts" / "2.sealed"
    damaged = bytearray(sealed_part.read_bytes())
    damaged[PART // 2] ^= 0x01
    sealed_part.write_bytes(bytes(damaged))

    with pytest.raises(UploadIncomplete, match="Part 2 was damaged"):
        store.complete_multipart(key, upload_id, size=len(data), part_size=PART, content_type_for=as_pdf)
    assert [part.number for part in store.list_parts(key, upload_id)] == [1, 3]
    assert store.stat(key) is None

    client.put(store.part_upload_url(key, upload_id, 2), content=parts_of(data)[2])
    blob = store.complete_multipart(key, upload_id, size=len(data), part_size=PART, content_type_for=as_pdf)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    with store.open(key) as stored:
        assert stored.read() == data


def test_a_bucket_lets_the_shops_pages_put_parts_and_read_their_etag(moto_endpoint):
    bucket = S3BlobStore(
        f"multipart-cors-{random.randrange(10**9)}",
        endpoint_url=moto_endpoint,
        region="eu-west-1",
        access_key_id="AKIAMULTIPARTTEST001",
        secret_access_key="multipart-secret",
    )
    bucket.ensure_bucket()
    key = "products/1/files/cors"
    url = bucket.part_upload_url(key, bucket.start_multipart(key, size=PART + 1, part_size=PART), 1)
    origin = "https://shop.example"

    preflight = httpx.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "PUT"})
    sent = httpx.put(url, content=b"part", headers={"Origin": origin})

    assert preflight.headers["access-control-allow-methods"] == "PUT"
    assert sent.headers["access-control-allow-origin"] in (origin, "*")
    assert sent.headers["access-control-expose-headers"] == "ETag"

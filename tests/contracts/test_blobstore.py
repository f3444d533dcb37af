"""The BlobStore contract, run against every implementation this machine can run:
LocalBlobStore on a temporary folder, and S3BlobStore against a moto S3 server
started for the session.

moto serves presigned URLs but checks neither their signature nor their expiry,
so for S3 those two refusals are judged by `s3_link_verdict`, a separate
implementation of the SigV4 query-string check that S3 performs.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import boto3
import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce.errors import NotFound, ValidationError
from commerce.storage.local import LocalBlobStore
from commerce.storage.port import BlobStore
from commerce.storage.s3 import S3BlobStore
from storefront.api_files import file_routes

MiB = 1024 * 1024
SECRET = "contract-test-secret-key-0123456789abcdef"
S3_ACCESS_KEY = "AKIACONTRACTTEST0001"
S3_SECRET_KEY = "contract-test-s3-secret"
S3_REGION = "eu-west-1"

BAD_KEYS = [
    "",
    "../outside",
    "files/../../outside",
    "files/./x",
    "/etc/passwd",
    "files//x",
    "files/",
    "files\\..\\x",
    "files/a\x00b",
    "%2e%2e/outside",
    ".hidden",
    "C:/windows",
    "files/x y",
    "x" * 1025,
]


def payload(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


class ChunkedReader(io.RawIOBase):
    """A stream that cannot seek and hands out `data` in pieces, remembering the
    largest read asked of it (a store that asks for everything at once fails)."""

    def __init__(self, data: bytes, fail_after: int | None = None):
        self._data = memoryview(data)
        self._position = 0
        self._fail_after = fail_after
        self.largest_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.largest_read = max(self.largest_read, size if size >= 0 else len(self._data))
        if self._fail_after is not None and self._position >= self._fail_after:
            raise OSError("connection lost mid-upload")
        end = len(self._data) if size < 0 else self._position + size
        chunk = bytes(self._data[self._position : end])
        self._position += len(chunk)
        return chunk


def download_filename(content_disposition: str) -> str:
    match = re.search(r"filename\*=UTF-8''([^;\s]+)", content_disposition)
    assert match, content_disposition
    return unquote(match.group(1), errors="strict")


# -- S3 through moto -------------------------------------------------------------


# `moto_endpoint` (tests/fixtures/s3.py) is the session's moto server.


_bucket_counter = iter(range(1, 1_000_000))


def new_s3_store(endpoint: str) -> S3BlobStore:
    store = S3BlobStore(
        f"contract-{next(_bucket_counter)}",
        endpoint_url=endpoint,
        region=S3_REGION,
        access_key_id=S3_ACCESS_KEY,
        secret_access_key=S3_SECRET_KEY,
        multipart_threshold=5 * MiB,
        multipart_chunksize=5 * MiB,
    )
    store.ensure_bucket()
    return store


def s3_link_verdict(url: str, at: datetime) -> str:
    """ "accepted", "expired" or "forged": what S3 decides for a presigned GET at
    time `at`, following AWS's SigV4 query-string authentication rules."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = params.pop("X-Amz-Signature", "")
    credential = params["X-Amz-Credential"].split("/")
    access_key, scope = credential[0], credential[1:]
    if access_key != S3_ACCESS_KEY or params["X-Amz-SignedHeaders"] != "host":
        return "forged"

    def encode(text: str) -> str:
        return quote(text, safe="-_.~")

    canonical_query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()))
    canonical_request = "\n".join(
        ["GET", parts.path, canonical_query, f"host:{parts.netloc}", "", "host", "UNSIGNED-PAYLOAD"]
    )
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            params["X-Amz-Date"],
            "/".join(scope),
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    signing_key = ("AWS4" + S3_SECRET_KEY).encode()
    for part in scope:
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "forged"
    signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    if at >= signed_at + timedelta(seconds=int(params["X-Amz-Expires"])):
        return "expired"
    return "accepted"


# -- one fixture per implementation ----------------------------------------------


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class StoreCase:
    name: str
    store: BlobStore
    fetch: Callable[[str], Fetched]
    # "accepted", "expired" or "forged" for a signed URL presented at a given time
    link_verdict: Callable[[str, datetime], str]


BLOB_KEY = bytes(range(32, 64))


def local_case(root: Path, encryption_key: bytes | None = None) -> StoreCase:
    store = LocalBlobStore(root, SECRET, encryption_key=encryption_key)
    client = TestClient(Starlette(routes=file_routes(lambda: store)))

    def fetch(url: str) -> Fetched:
        response = client.get(url)
        return Fetched(response.status_code, dict(response.headers), response.content)

    def verdict(url: str, at: datetime) -> str:
        # The same files and secret, served by an app whose clock reads `at`.
        store_at = LocalBlobStore(root, SECRET, clock=lambda: at, encryption_key=encryption_key)
        response = TestClient(Starlette(routes=file_routes(lambda: store_at))).get(url)
        return {200: "accepted", 410: "expired", 403: "forged"}[response.status_code]

    return StoreCase("local-sealed" if encryption_key else "local", store, fetch, verdict)


@pytest.fixture(scope="session")
def shared_s3_store(moto_endpoint) -> S3BlobStore:
    # One bucket for the parametrised tests (each test uses keys of its own):
    # making a bucket per test would double the suite's time.
    return new_s3_store(moto_endpoint)


def s3_case(store: S3BlobStore) -> StoreCase:
    def fetch(url: str) -> Fetched:
        response = httpx.get(url)
        return Fetched(response.status_code, dict(response.headers), response.content)

    return StoreCase("s3", store, fetch, s3_link_verdict)


@pytest.fixture(params=["local", "local-sealed", "s3"])
def case(request, tmp_path) -> StoreCase:
    if request.param == "local":
        return local_case(tmp_path / "blobs")
    if request.param == "local-sealed":
        return local_case(tmp_path / "blobs", BLOB_KEY)
    return s3_case(request.getfixturevalue("shared_s3_store"))


# -- writing and reading -----------------------------------------------------------


def test_put_returns_and_stat_reports_size_checksum_and_type(case):
    data = payload(70_000)
    stored = case.store.put("files/1/report", io.BytesIO(data), content_type="application/pdf")

    assert stored.key == "files/1/report"
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.content_type == "application/pdf"
    assert case.store.stat("files/1/report") == stored
    assert case.store.exists("files/1/report")
    with case.store.open("files/1/report") as stream:
        assert stream.read() == data


def test_multi_megabyte_upload_is_read_in_chunks_and_stored_whole(case):
    data = payload(12 * MiB, seed=2)
    source = ChunkedReader(data)

    stored = case.store.put("files/2/big.zip", source, content_type="application/zip")

    assert source.largest_read <= MiB, "the store asked for the whole stream at once"
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    received = hashlib.sha256()
    for chunk in case.store.open_range("files/2/big.zip", 0, len(data)):
        assert len(chunk) <= MiB
        received.update(chunk)
    assert received.hexdigest() == stored.sha256


def test_seekable_stream_is_stored_from_its_current_position(case):
    stream = io.BytesIO(b"HEADER" + b"body bytes")
    stream.seek(6)

    stored = case.store.put("files/3/body", stream, content_type="text/plain")

    assert stored.size == len(b"body bytes")
    with case.store.open("files/3/body") as opened:
        assert opened.read() == b"body bytes"


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 1), (0, 100_000), (99_999, 100_000), (12_345, 54_321), (50_000, 50_000), (100_000, 100_000)],
)
def test_range_read_returns_exactly_the_requested_bytes(case, start, end):
    data = payload(100_000, seed=3)
    case.store.put("files/4/data", io.BytesIO(data), content_type="application/octet-stream")

    assert b"".join(case.store.open_range("files/4/data", start, end)) == data[start:end]


@pytest.mark.parametrize(("start", "end"), [(0, 100_001), (100_001, 100_002), (-1, 10), (10, 5)])
def test_range_outside_the_blob_is_refused(case, start, end):
    case.store.put("files/5/data", io.BytesIO(payload(100_000)), content_type="application/octet-stream")

    with pytest.raises(ValidationError):
        b"".join(case.store.open_range("files/5/data", start, end))


def test_overwrite_replaces_bytes_and_metadata(case):
    case.store.put("files/6/v", io.BytesIO(b"first version, longer"), content_type="text/plain")
    second = case.store.put("files/6/v", io.BytesIO(b"second"), content_type="application/json")

    assert case.store.stat("files/6/v") == second
    assert second.size == 6
    assert second.content_type == "application/json"
    with case.store.open("files/6/v") as stream:
        assert stream.read() == b"second"


def test_failed_upload_leaves_the_previous_blob_untouched(case):
    original = case.store.put("files/7/v", io.BytesIO(b"the good copy"), content_type="text/plain")

    with pytest.raises(OSError, match="connection lost mid-upload"):
        case.store.put("files/7/v", ChunkedReader(payload(3 * MiB), fail_after=MiB), content_type="text/plain")

    assert case.store.stat("files/7/v") == original
    with case.store.open("files/7/v") as stream:
        assert stream.read() == b"the good copy"


def test_failed_first_upload_stores_nothing(case):
    with pytest.raises(OSError, match="connection lost mid-upload"):
        case.store.put("files/8/v", ChunkedReader(payload(2 * MiB), fail_after=MiB), content_type="text/plain")

    assert case.store.stat("files/8/v") is None


def test_delete_removes_the_blob_and_repeating_it_is_harmless(case):
    case.store.put("files/9/gone", io.BytesIO(b"bytes"), content_type="text/plain")
    case.store.put("files/9/kept", io.BytesIO(b"other"), content_type="text/plain")

    case.store.delete("files/9/gone")
    case.store.delete("files/9/gone")

    assert case.store.stat("files/9/gone") is None
    assert not case.store.exists("files/9/gone")
    with pytest.raises(NotFound):
        case.store.open("files/9/gone")
    with case.store.open("files/9/kept") as stream:
        assert stream.read() == b"other"


def test_missing_key_reads_as_absent(case):
    assert case.store.stat("files/missing") is None
    assert not case.store.exists("files/missing")
    with pytest.raises(NotFound):
        case.store.open("files/missing")
    with pytest.raises(NotFound):
        case.store.open_range("files/missing", 0, 10)
    with pytest.raises(NotFound):
        case.store.open_range("files/missing", 0, 0)


def test_keys_that_are_not_plain_relative_names_are_refused(case):
    for key in BAD_KEYS:
        with pytest.raises(ValidationError):
            case.store.put(key, io.BytesIO(b"x"), content_type="text/plain")
        with pytest.raises(ValidationError):
            case.store.stat(key)
        with pytest.raises(ValidationError):
            case.store.open(key)
        with pytest.raises(ValidationError):
            case.store.delete(key)
        with pytest.raises(ValidationError):
            case.store.signed_download_url(key, filename="x.txt")


def test_invalid_content_type_is_refused(case):
    with pytest.raises(ValidationError):
        case.store.put("files/10/x", io.BytesIO(b"x"), content_type="text/html\r\nSet-Cookie: a=b")
    assert case.store.stat("files/10/x") is None


# -- signed download links -----------------------------------------------------------


def test_signed_url_downloads_the_bytes_under_the_given_file_name(case):
    data = payload(300_000, seed=4)
    case.store.put("files/11/guide", io.BytesIO(data), content_type="application/pdf")
    filename = "Guide d’été 2026 (final).pdf"

    fetched = case.fetch(case.store.signed_download_url("files/11/guide", filename=filename))

    assert fetched.status == 200
    assert fetched.body == data
    assert fetched.headers["content-disposition"].startswith("attachment;")
    assert download_filename(fetched.headers["content-disposition"]) == filename
    assert fetched.headers["content-type"] == "application/pdf"


def test_signed_url_can_set_the_content_type_of_the_download(case):
    case.store.put("files/12/data", io.BytesIO(b"%PDF-1.7"), content_type="application/octet-stream")

    url = case.store.signed_download_url("files/12/data", filename="book.pdf", content_type="application/pdf")
    fetched = case.fetch(url)

    assert fetched.status == 200
    assert fetched.headers["content-type"] == "application/pdf"


def test_signed_url_lasts_as_long_as_asked_and_no_longer(case):
    case.store.put("files/13/x", io.BytesIO(b"x"), content_type="text/plain")
    before = datetime.now(UTC)
    url = case.store.signed_download_url("files/13/x", filename="x.txt", expires_in=timedelta(minutes=10))

    assert case.link_verdict(url, before + timedelta(minutes=9)) == "accepted"
    assert case.link_verdict(url, before + timedelta(minutes=11)) == "expired"


def test_link_lifetime_must_be_between_a_second_and_a_week(case):
    case.store.put("files/14/x", io.BytesIO(b"x"), content_type="text/plain")
    for lifetime in (timedelta(0), timedelta(seconds=-5), timedelta(days=8)):
        with pytest.raises(ValidationError):
            case.store.signed_download_url("files/14/x", filename="x.txt", expires_in=lifetime)


def _with_query(url: str, changes: dict[str, str]) -> str:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True)) | changes
    return urlunsplit(parts._replace(query=urlencode(params, quote_via=quote)))


def tampered_versions(case: StoreCase, url: str, key: str, other_key: str) -> dict[str, str]:
    parts = urlsplit(url)
    assert parts.path.endswith("/" + key)
    versions = {"key": urlunsplit(parts._replace(path=parts.path[: -len(key)] + other_key))}
    if case.name.startswith("local"):
        expiry = int(dict(parse_qsl(parts.query))["exp"])
        versions["signature"] = _with_query(url, {"sig": "0" * 64})
        versions["filename"] = _with_query(url, {"fn": "other.exe"})
        versions["expiry"] = _with_query(url, {"exp": str(expiry + 86_400)})
    else:
        versions["signature"] = _with_query(url, {"X-Amz-Signature": "0" * 64})
        versions["filename"] = _with_query(url, {"response-content-disposition": 'attachment; filename="other.exe"'})
        versions["expiry"] = _with_query(url, {"X-Amz-Expires": "604800"})
    return versions


def test_changing_any_part_of_a_signed_url_makes_it_refused(case):
    case.store.put("files/15/mine", io.BytesIO(b"mine"), content_type="text/plain")
    case.store.put("files/15/theirs", io.BytesIO(b"theirs"), content_type="text/plain")
    url = case.store.signed_download_url("files/15/mine", filename="mine.txt", expires_in=timedelta(minutes=5))
    now = datetime.now(UTC)
    assert case.link_verdict(url, now) == "accepted"

    for change, tampered in tampered_versions(case, url, "files/15/mine", "files/15/theirs").items():
        assert tampered != url
        assert case.link_verdict(tampered, now) == "forged", change


def test_signed_url_file_name_is_checked(case):
    case.store.put("files/16/x", io.BytesIO(b"x"), content_type="text/plain")
    for filename in ("", "   ", "a/b.txt", "..\\x", "x\r\nSet-Cookie: a=b", "x\x00.txt", "a" * 256):
        with pytest.raises(ValidationError):
            case.store.signed_download_url("files/16/x", filename=filename)


# -- S3 specifics ---------------------------------------------------------------------


def test_s3_large_upload_goes_in_parts_and_is_encrypted_at_rest(moto_endpoint):
    store = new_s3_store(moto_endpoint)
    data = payload(12 * MiB, seed=5)

    store.put("files/big", io.BytesIO(data), content_type="application/zip")

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
    )
    head = s3.head_object(Bucket=store.bucket, Key="files/big")
    assert head["ETag"].strip('"').endswith("-3"), "12 MiB in 5 MiB parts is three parts"
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest()
    body = s3.get_object(Bucket=store.bucket, Key="files/big")["Body"].read()
    assert body == data


def test_s3_bucket_made_for_dev_is_private_and_encrypted(moto_endpoint):
    store = new_s3_store(moto_endpoint)
    store.ensure_bucket()  # a second call leaves the bucket as it is

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
    )
    block = s3.get_public_access_block(Bucket=store.bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    rules = s3.get_bucket_encryption(Bucket=store.bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

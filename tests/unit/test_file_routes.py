"""What a browser or download manager sees from the file routes: resumable ranges,
HEAD, caching of public images, and the Content-Disposition header."""

from __future__ import annotations

import hashlib
import io
import random

import anyio
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce.links import media_url
from commerce.storage.local import LocalBlobStore
from commerce.storage.port import attachment_disposition, validate_key
from commerce.storage.s3 import S3BlobStore
from storefront.api_files import file_routes

DATA = random.Random(7).randbytes(1_000_000)
SIZE = len(DATA)
KEY = "files/9/course.zip"


@pytest.fixture
def stocked_store(tmp_path) -> LocalBlobStore:
    """A local store already holding this module's files (not the wired one)."""
    stocked_store = LocalBlobStore(tmp_path, "unit-test-secret-0123456789abcdef0123456")
    stocked_store.put(KEY, io.BytesIO(DATA), content_type="application/zip")
    return stocked_store


@pytest.fixture
def client(stocked_store) -> TestClient:
    return TestClient(Starlette(routes=file_routes(lambda: stocked_store)))


@pytest.fixture
def url(stocked_store) -> str:
    return stocked_store.signed_download_url(KEY, filename="course.zip")


def test_full_download_headers(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-length"] == str(SIZE)
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == f'"{hashlib.sha256(DATA).hexdigest()}"'
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"course.zip\"; filename*=UTF-8''course.zip"
    )


@pytest.mark.parametrize(
    ("range_header", "start", "end"),
    [
        ("bytes=10-19", 10, 20),
        ("bytes=0-0", 0, 1),
        (f"bytes={SIZE - 5}-", SIZE - 5, SIZE),
        ("bytes=-5", SIZE - 5, SIZE),
        (f"bytes=-{SIZE * 2}", 0, SIZE),
        ("bytes=500000-99999999", 500_000, SIZE),
    ],
)
def test_a_byte_range_is_sent_as_partial_content(client, url, range_header, start, end):
    response = client.get(url, headers={"range": range_header})

    assert response.status_code == 206
    assert response.content == DATA[start:end]
    assert response.headers["content-range"] == f"bytes {start}-{end - 1}/{SIZE}"
    assert response.headers["content-length"] == str(end - start)


@pytest.mark.parametrize("range_header", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}", "bytes=-0"])
def test_a_range_past_the_end_is_unsatisfiable(client, url, range_header):
    response = client.get(url, headers={"range": range_header})

    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{SIZE}"
    assert response.content == b""


@pytest.mark.parametrize("range_header", ["bytes=abc", "bytes=0-1,5-6", "bytes=9-3", "items=0-1", "bytes=-"])
def test_a_range_that_cannot_be_honoured_gets_the_whole_file(client, url, range_header):
    response = client.get(url, headers={"range": range_header})

    assert response.status_code == 200
    assert response.content == DATA


def test_resuming_checks_that_the_file_is_still_the_same(client, url):
    etag = client.head(url).headers["etag"]

    same = client.get(url, headers={"range": "bytes=100-199", "if-range": etag})
    changed = client.get(url, headers={"range": "bytes=100-199", "if-range": '"an-older-file"'})

    assert same.status_code == 206
    assert same.content == DATA[100:200]
    assert changed.status_code == 200
    assert changed.content == DATA


def test_head_describes_the_download_without_sending_it(client, url):
    response = client.head(url)

    assert response.status_code == 200
    assert response.headers["content-length"] == str(SIZE)
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content == b""


def test_a_file_deleted_after_the_link_was_made_is_gone(stocked_store, client, url):
    stocked_store.delete(KEY)

    response = client.get(url)

    assert response.status_code == 404
    assert "no longer available" in response.text


def test_signed_file_route_is_closed_when_files_live_on_s3(stocked_store, url):
    s3 = S3BlobStore("bucket", region="us-east-1", access_key_id="x", secret_access_key="y")
    client = TestClient(Starlette(routes=file_routes(lambda: s3)))

    assert client.get(url).status_code == 404


def test_media_images_are_cached_for_a_year_and_revalidated_by_etag(stocked_store, client):
    image = b"\x89PNG\r\n\x1a\n" + bytes(2000)
    stocked_store.put("media/covers/ab12.png", io.BytesIO(image), content_type="image/png")
    address = media_url("media/covers/ab12.png")

    first = client.get(address)
    again = client.get(address, headers={"if-none-match": first.headers["etag"]})
    other = client.get(address, headers={"if-none-match": '"something-else"'})

    assert address == "/api/media/covers/ab12.png"
    assert first.status_code == 200
    assert first.content == image
    assert first.headers["content-type"] == "image/png"
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert first.headers["etag"] == f'"{hashlib.sha256(image).hexdigest()}"'
    assert again.status_code == 304
    assert again.content == b""
    assert other.status_code == 200
    assert other.content == image


def test_missing_media_is_not_found(client):
    assert client.get("/api/media/covers/none.png").status_code == 404


def test_ascii_stand_in_replaces_what_old_clients_cannot_read():
    assert attachment_disposition("Ünïcode 100%.pdf") == (
        "attachment; filename=\"_n_code 100_.pdf\"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20100%25.pdf"
    )


@pytest.mark.parametrize("key", ["files/12/9f86d081/v1", "media/ab/cd.webp", "a", "x~y_z-1.tar.gz"])
def test_ordinary_keys_are_accepted(key):
    assert validate_key(key) == key


def _asgi_get(app, path: str, headers: dict[str, str], extensions: dict) -> list[dict]:
    """One GET through the ASGI app as a server offering `extensions` would make it; the messages sent."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "extensions": extensions,
    }
    sent: list[dict] = []

    async def receive():
        await anyio.sleep(10)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    anyio.run(app, scope, receive, send)
    return sent


def test_a_whole_file_is_handed_to_the_server_to_send_from_disk(stocked_store, url):
    app = Starlette(routes=file_routes(lambda: stocked_store))
    sent = _asgi_get(app, url, {}, {"http.response.pathsend": {}})
    start, body = sent
    assert start["status"] == 200
    assert dict(start["headers"])[b"content-length"] == str(SIZE).encode()
    assert body["type"] == "http.response.pathsend"
    with open(body["path"], "rb") as file:
        assert file.read() == DATA


def test_a_range_is_read_from_disk_in_large_chunks_even_where_the_server_sends_files(stocked_store, url):
    app = Starlette(routes=file_routes(lambda: stocked_store))
    sent = _asgi_get(app, url, {"range": "bytes=1000-"}, {"http.response.pathsend": {}})
    assert sent[0]["status"] == 206
    bodies = [m for m in sent[1:] if m["type"] == "http.response.body"]
    assert b"".join(m["body"] for m in bodies) == DATA[1000:]
    assert len(bodies) == 1  # under a MiB: one read, one message
    assert bodies[-1]["more_body"] is False

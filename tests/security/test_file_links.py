"""Signed download links and the public media route, attacked over HTTP.

Every refusal is also checked to leak none of the file's bytes. Paths with a
literal "../" are sent as raw ASGI requests, because HTTP clients (and so the
test client) tidy them away before sending, while a hostile client does not.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce.errors import ValidationError
from commerce.links import media_url
from commerce.storage.local import LocalBlobStore
from commerce.storage.signing import DownloadLinkSigner
from storefront.api_files import file_routes

SECRET = "security-test-secret-0123456789abcdef0123"
PAID = b"PAID-CONTENT-" * 5000
OTHER = b"SOMEONE-ELSES-FILE-" * 100
OUTSIDE = b"TOP-SECRET-OUTSIDE-THE-STORE"
KEY = "files/42/ebook"


@pytest.fixture
def stocked_store(tmp_path) -> LocalBlobStore:
    """A local store already holding this module's files (not the wired one)."""
    (tmp_path / "outside.txt").write_bytes(OUTSIDE)
    stocked_store = LocalBlobStore(tmp_path / "store", SECRET)
    stocked_store.put(KEY, io.BytesIO(PAID), content_type="application/epub+zip")
    stocked_store.put("files/43/other", io.BytesIO(OTHER), content_type="application/zip")
    stocked_store.put("media/cover-abc.png", io.BytesIO(b"\x89PNG fake image"), content_type="image/png")
    return stocked_store


@pytest.fixture
def app(stocked_store) -> Starlette:
    return Starlette(routes=file_routes(lambda: stocked_store))


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app)


def assert_leaks_nothing(body: bytes) -> None:
    for secret in (PAID[:13], OTHER[:19], OUTSIDE):
        assert secret not in body


def change_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return urlunsplit(parts._replace(query=urlencode(params, quote_via=quote)))


def hand_signed_url(key: str, filename: str, *, secret: str = SECRET, path: str | None = None) -> str:
    """A link signed with the store's own secret for parts the store would never
    sign itself: the route must not rely on the signature alone."""
    expires = int(datetime.now(UTC).timestamp()) + 600
    signature = DownloadLinkSigner(secret).signature(key, expires, filename, None)
    path = quote(key, safe="/") if path is None else path
    return f"/api/files/{path}?" + urlencode({"exp": expires, "fn": filename, "sig": signature}, quote_via=quote)


def raw_request(app, target: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Send `target` exactly as written, the way a hostile client can."""
    path, _, query = target.partition("?")

    async def run():
        messages = []
        requested = False

        async def receive():
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()

        async def send(message):
            messages.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "root_path": "",
            "path": unquote(path),
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": [(b"host", b"testserver")],
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 50000),
        }
        await app(scope, receive, send)
        return messages

    messages = asyncio.run(run())
    start = next(m for m in messages if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode("latin-1") for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], headers, body


def test_a_genuine_link_downloads_the_file(stocked_store, client):
    response = client.get(stocked_store.signed_download_url(KEY, filename="ebook.epub"))

    assert response.status_code == 200
    assert response.content == PAID


@pytest.mark.parametrize(
    "forge",
    [
        lambda sig: "0" * 64,
        lambda sig: sig[:-1] + ("0" if sig[-1] != "0" else "1"),
        lambda sig: sig.upper(),
        lambda sig: sig[:32],
        lambda sig: "",
        lambda sig: None,
    ],
    ids=["zeros", "one-char-changed", "uppercase", "truncated", "empty", "missing"],
)
def test_a_forged_signature_is_refused(stocked_store, client, forge):
    url = stocked_store.signed_download_url(KEY, filename="ebook.epub")
    sig = dict(parse_qsl(urlsplit(url).query))["sig"]

    response = client.get(change_query(url, sig=forge(sig)))

    assert response.status_code == 403
    assert "not valid" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert_leaks_nothing(response.content)


@pytest.mark.parametrize(
    "changes",
    [
        {"fn": "ebook.exe"},
        {"fn": None},
        {"ct": "text/html"},
        {"exp": None},
        {"exp": "99999999999"},
        {"exp": "-1"},
        {"exp": "1e10"},
    ],
    ids=[
        "filename",
        "no-filename",
        "added-content-type",
        "no-expiry",
        "later-expiry",
        "negative-expiry",
        "float-expiry",
    ],
)
def test_changing_a_link_parameter_is_refused(stocked_store, client, changes):
    url = change_query(stocked_store.signed_download_url(KEY, filename="ebook.epub"), **changes)

    response = client.get(url)

    assert response.status_code == 403
    assert_leaks_nothing(response.content)


def test_changing_the_content_type_of_a_typed_link_is_refused(stocked_store, client):
    url = stocked_store.signed_download_url(KEY, filename="ebook.epub", content_type="application/epub+zip")

    response = client.get(change_query(url, ct="text/html"))

    assert response.status_code == 403
    assert_leaks_nothing(response.content)


def test_a_link_cannot_be_moved_to_another_file(stocked_store, client):
    url = stocked_store.signed_download_url(KEY, filename="ebook.epub")

    response = client.get(url.replace(KEY, "files/43/other"))

    assert response.status_code == 403
    assert_leaks_nothing(response.content)


def test_repeating_a_parameter_is_refused(stocked_store, client):
    url = stocked_store.signed_download_url(KEY, filename="ebook.epub")
    sig = dict(parse_qsl(urlsplit(url).query))["sig"]

    response = client.get(url + "&sig=" + sig)

    assert response.status_code == 403
    assert_leaks_nothing(response.content)


def test_a_link_signed_with_another_secret_is_refused(client):
    response = client.get(hand_signed_url(KEY, "ebook.epub", secret="some-other-secret-key"))

    assert response.status_code == 403
    assert_leaks_nothing(response.content)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_an_expired_link_is_refused_without_the_file(tmp_path, stocked_store, client, method):
    yesterday = datetime.now(UTC) - timedelta(days=1)
    signing_yesterday = LocalBlobStore(tmp_path / "store", SECRET, clock=lambda: yesterday)
    url = signing_yesterday.signed_download_url(KEY, filename="ebook.epub")

    response = client.request(method, url)

    assert response.status_code == 410
    assert response.headers.get("content-disposition") is None
    assert_leaks_nothing(response.content)
    if method == "GET":
        assert "expired" in response.text


@pytest.mark.parametrize(
    "key_in_path",
    [
        "../outside.txt",
        "../../outside.txt",
        "%2e%2e/outside.txt",
        "%2E%2E%2Foutside.txt",
        "files/42/../../../outside.txt",
        "files/42/..%2F..%2F..%2Foutside.txt",
        "..%5Coutside.txt",
        "/" + "outside.txt",
        "%2Fetc%2Fpasswd",
        "files/42/ebook%00.txt",
        "./files/42/ebook",
    ],
)
def test_path_traversal_keys_are_refused_even_when_signed(tmp_path, app, key_in_path):
    # Signed over the decoded key, as if the secret had leaked: the key check
    # must hold on its own.
    target = hand_signed_url(unquote(key_in_path), "x.txt", path=key_in_path)

    status, headers, body = raw_request(app, target)

    assert status == 403
    assert "content-disposition" not in headers
    assert_leaks_nothing(body)


def test_a_key_naming_a_file_inside_the_store_folder_does_not_serve_that_file(stocked_store, client):
    # Blobs are found through a record named by the key's hash, never by opening
    # the key as a path, so even a key equal to a real internal path finds nothing.
    internal = next(p for p in (stocked_store.root / "objects").rglob("*") if p.is_file())
    key = internal.relative_to(stocked_store.root).as_posix()

    response = client.get(stocked_store.signed_download_url(key, filename="x.bin"))

    assert response.status_code == 404
    assert_leaks_nothing(response.content)


@pytest.mark.parametrize(
    "filename",
    ["x\r\nSet-Cookie: session=attacker", "x\nLocation: http://evil", "x\x00.txt", "cod\u202egpj.exe", "a/../../b.txt"],
    ids=["crlf", "lf", "nul", "right-to-left-override", "path"],
)
def test_dangerous_file_names_are_never_signed_nor_served(stocked_store, client, filename):
    with pytest.raises(ValidationError):
        stocked_store.signed_download_url(KEY, filename=filename)

    response = client.get(hand_signed_url(KEY, filename))

    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert "location" not in response.headers
    assert_leaks_nothing(response.content)


def test_quotes_and_semicolons_in_a_file_name_stay_inside_the_header(stocked_store, client):
    filename = 'report"; filename="malware.exe; x=.pdf'

    response = client.get(stocked_store.signed_download_url(KEY, filename=filename))

    assert response.status_code == 200
    disposition = response.headers.get_list("content-disposition")
    assert len(disposition) == 1
    fallback = disposition[0].split('filename="', 1)[1].split('"', 1)[0]
    assert '"' not in fallback
    assert "\\" not in fallback
    encoded = disposition[0].split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == filename
    assert all(char.isalnum() or char in "%-_.~" for char in encoded)


def test_private_files_are_not_reachable_through_the_public_media_route(stocked_store, app, client):
    assert client.get(media_url("media/cover-abc.png")).status_code == 200

    for target in [
        "/api/media/../files/42/ebook",
        "/api/media/%2e%2e/files/42/ebook",
        "/api/media/..%2Ffiles%2F42%2Febook",
        "/api/media//files/42/ebook",
    ]:
        status, _, body = raw_request(app, target)
        assert status == 404, target
        assert_leaks_nothing(body)
    with pytest.raises(ValueError, match="Only keys under 'media/' are public"):
        media_url(KEY)


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "application/javascript"])
def test_media_route_serves_only_raster_images(stocked_store, client, content_type):
    stocked_store.put("media/page", io.BytesIO(b"<script>alert(1)</script>"), content_type=content_type)

    response = client.get(media_url("media/page"))

    assert response.status_code == 404
    assert b"<script>" not in response.content

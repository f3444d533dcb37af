"""Product files sent by the browser in parts (commerce.catalog.direct_uploads), on both
databases, through the local store's part route: who may upload, the size limit, and
that a refused or cancelled upload leaves no file, row or bytes behind."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce.actor import Actor
from commerce.catalog import direct_uploads, files
from commerce.errors import NotFound, PermissionDenied, ValidationError
from commerce.models import ProductFile, UserRole
from commerce.storage.multipart import PART_SIZE
from commerce.storage.port import StoredBlob
from commerce.storage.s3 import S3BlobStore
from storefront.api_uploads import upload_routes
from tests.fixtures.catalog import make_seller, new_product

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def pdf_of(size: int) -> bytes:
    return PDF + bytes(range(256)) * ((size - len(PDF)) // 256) + b"\n" * ((size - len(PDF)) % 256)


@pytest.fixture
def part_client(store):
    return TestClient(Starlette(routes=upload_routes(lambda: store)))


def send_parts(client, actor, ticket, data: bytes, numbers=None) -> dict[int, str]:
    etags = {}
    count = -(-len(data) // PART_SIZE)
    for number in numbers or range(1, count + 1):
        url = direct_uploads.file_upload_part_url(actor, ticket.key, ticket.upload_id, number)
        response = client.put(url, content=data[(number - 1) * PART_SIZE : number * PART_SIZE])
        assert response.status_code == 200
        etags[number] = response.headers["etag"]
    return etags


def rows(s, product_id):
    return s.exec(select(ProductFile).where(ProductFile.product_id == product_id)).all()


def test_a_file_sent_in_parts_is_listed_with_its_size_checksum_and_sniffed_type(s, store, part_client):
    seller = make_seller(s)
    product = new_product(s, seller)
    data = pdf_of(PART_SIZE + 70_000)
    ticket = direct_uploads.start_file_upload(s, seller, product.id, filename="Guide.bin", size=len(data))
    etags = send_parts(part_client, seller, ticket, data)

    view = direct_uploads.complete_file_upload(s, seller, ticket.key, ticket.upload_id, client_etags=etags)

    (file,) = view.versions[0].files
    assert (file.filename, file.size_bytes, file.content_type) == ("Guide.bin", len(data), "application/pdf")
    assert file.sha256 == hashlib.sha256(data).hexdigest()
    (row,) = rows(s, product.id)
    assert store.open(row.blob_key).read() == data


def test_a_resumed_upload_sends_only_the_missing_parts(s, part_client):
    seller = make_seller(s)
    product = new_product(s, seller)
    data = pdf_of(2 * PART_SIZE + 5)
    ticket = direct_uploads.start_file_upload(s, seller, product.id, filename="Big.pdf", size=len(data))
    send_parts(part_client, seller, ticket, data, numbers=[1])

    landed = direct_uploads.file_upload_parts(s, seller, ticket.key, ticket.upload_id)
    assert [part.number for part in landed] == [1]
    with pytest.raises(ValidationError, match="missing part"):
        direct_uploads.complete_file_upload(s, seller, ticket.key, ticket.upload_id)
    assert rows(s, product.id) == []

    send_parts(part_client, seller, ticket, data, numbers=[2, 3])
    view = direct_uploads.complete_file_upload(s, seller, ticket.key, ticket.upload_id)
    assert view.versions[0].files[0].size_bytes == len(data)


@pytest.mark.parametrize("size", [0, -1, "12x", None, True])
def test_an_upload_of_no_or_a_nonsense_size_is_refused(s, size):
    seller = make_seller(s)
    product = new_product(s, seller)
    with pytest.raises(ValidationError):
        direct_uploads.start_file_upload(s, seller, product.id, filename="a.pdf", size=size)


def test_an_upload_over_the_limit_is_refused_before_anything_is_stored(s, store, upload_limit):
    upload_limit(10 * 1024 * 1024)
    seller = make_seller(s)
    product = new_product(s, seller)
    with pytest.raises(ValidationError, match="larger than the upload limit"):
        direct_uploads.start_file_upload(s, seller, product.id, filename="a.pdf", size=10 * 1024 * 1024 + 1)
    assert not (store.root / "multipart").exists()


def test_only_the_products_seller_may_open_an_upload(s):
    seller = make_seller(s)
    other = make_seller(s, "rival")
    product = new_product(s, seller)
    with pytest.raises(PermissionDenied):
        direct_uploads.start_file_upload(s, other, product.id, filename="a.pdf", size=100)
    with pytest.raises(PermissionDenied):
        direct_uploads.start_file_upload(
            s, Actor(user_id=other.user_id, role=UserRole.BUYER), product.id, filename="a.pdf", size=100
        )
    with pytest.raises(PermissionDenied):
        direct_uploads.start_file_upload(s, Actor.anonymous(), product.id, filename="a.pdf", size=100)


def test_another_seller_cannot_use_a_sellers_upload(s, part_client):
    seller = make_seller(s)
    other = make_seller(s, "rival")
    product = new_product(s, seller)
    data = pdf_of(1000)
    ticket = direct_uploads.start_file_upload(s, seller, product.id, filename="a.pdf", size=len(data))
    send_parts(part_client, seller, ticket, data)

    for attempt in (
        lambda: direct_uploads.file_upload_part_url(other, ticket.key, ticket.upload_id, 1),
        lambda: direct_uploads.file_upload_parts(s, other, ticket.key, ticket.upload_id),
        lambda: direct_uploads.complete_file_upload(s, other, ticket.key, ticket.upload_id),
        lambda: direct_uploads.abort_file_upload(other, ticket.key, ticket.upload_id),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert rows(s, product.id) == []


def test_a_ticket_changed_in_any_way_is_refused(s):
    seller = make_seller(s)
    mine = new_product(s, seller)
    data = pdf_of(1000)
    ticket = direct_uploads.start_file_upload(s, seller, mine.id, filename="a.pdf", size=len(data))
    body, signature = ticket.key.split(".")
    fields = json.loads(base64.urlsafe_b64decode(body))
    fields[4] = 10  # a smaller size
    forged = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode() + "." + signature
    for key in (forged, ticket.key + "0", "", "x.y"):
        with pytest.raises(PermissionDenied):
            direct_uploads.file_upload_parts(s, seller, key, ticket.upload_id)
    other = direct_uploads.start_file_upload(s, seller, mine.id, filename="b.pdf", size=len(data))
    with pytest.raises(PermissionDenied):
        direct_uploads.file_upload_parts(s, seller, ticket.key, other.upload_id)


def test_a_part_number_outside_the_file_is_refused(s):
    seller = make_seller(s)
    product = new_product(s, seller)
    ticket = direct_uploads.start_file_upload(s, seller, product.id, filename="a.pdf", size=PART_SIZE + 1)
    for number in (0, 3, "1; drop", -1):
        with pytest.raises(ValidationError):
            direct_uploads.file_upload_part_url(seller, ticket.key, ticket.upload_id, number)


def test_a_cancelled_upload_leaves_no_bytes_and_no_file(s, store, part_client):
    seller = make_seller(s)
    product = new_product(s, seller)
    data = pdf_of(PART_SIZE + 10)
    ticket = direct_uploads.start_file_upload(s, seller, product.id, filename="a.pdf", size=len(data))
    send_parts(part_client, seller, ticket, data, numbers=[1])

    direct_uploads.abort_file_upload(seller, ticket.key, ticket.upload_id)

    with pytest.raises(NotFound):
        direct_uploads.file_upload_parts(s, seller, ticket.key, ticket.upload_id)
    assert list((store.root / "multipart").iterdir()) == []
    assert rows(s, product.id) == []


def test_a_file_that_finds_its_version_full_is_not_kept(s, store, part_client, monkeypatch):
    seller = make_seller(s)
    product = new_product(s, seller)
    data = pdf_of(1000)
    ticket = direct_uploads.start_file_upload(s, seller, product.id, filename="late.pdf", size=len(data))
    send_parts(part_client, seller, ticket, data)
    files.upload_file(s, seller, product.id, io.BytesIO(PDF), filename="first.pdf")
    monkeypatch.setattr(files, "MAX_FILES_PER_VERSION", 1)

    with pytest.raises(ValidationError, match="at most 1 files"):
        direct_uploads.complete_file_upload(s, seller, ticket.key, ticket.upload_id)

    assert [row.filename for row in rows(s, product.id)] == ["first.pdf"]
    assert len(list((store.root / "keys").rglob("*.json"))) == 1


def test_with_s3_the_parts_go_straight_to_the_bucket_and_the_file_is_listed(s, moto_endpoint):
    bucket = S3BlobStore(
        f"direct-{uuid.uuid4().hex[:12]}",
        endpoint_url=moto_endpoint,
        region="eu-west-1",
        access_key_id="AKIADIRECTUPLOAD0001",
        secret_access_key="direct-upload-secret",
    )
    bucket.ensure_bucket()
    seller = make_seller(s)
    product = new_product(s, seller)
    data = pdf_of(PART_SIZE + 4096)
    ticket = direct_uploads.start_file_upload(s, seller, product.id, filename="Atlas.pdf", size=len(data), store=bucket)
    etags = {}
    for number in (1, 2):
        url = direct_uploads.file_upload_part_url(seller, ticket.key, ticket.upload_id, number, store=bucket)
        assert url.startswith(moto_endpoint + "/")  # the bucket, not the app
        response = httpx.put(url, content=data[(number - 1) * PART_SIZE : number * PART_SIZE])
        etags[number] = response.headers["etag"]

    view = direct_uploads.complete_file_upload(
        s, seller, ticket.key, ticket.upload_id, client_etags=etags, store=bucket
    )

    (file,) = view.versions[0].files
    assert (file.size_bytes, file.content_type) == (len(data), "application/pdf")
    assert file.sha256 == hashlib.sha256(data).hexdigest()
    (row,) = rows(s, product.id)
    assert bucket.stat(row.blob_key) == StoredBlob(row.blob_key, len(data), file.sha256, "application/pdf")


def test_completing_again_after_a_lost_answer_gives_the_same_file_once(s, part_client):
    seller = make_seller(s)
    product = new_product(s, seller)
    data = pdf_of(PART_SIZE + 10)
    ticket = direct_uploads.start_file_upload(s, seller, product.id, filename="Twice.pdf", size=len(data))
    send_parts(part_client, seller, ticket, data)
    first = direct_uploads.complete_file_upload(s, seller, ticket.key, ticket.upload_id)

    # The browser never got that answer: its retry lists the parts, then completes again.
    listed = direct_uploads.file_upload_parts(s, seller, ticket.key, ticket.upload_id)
    again = direct_uploads.complete_file_upload(s, seller, ticket.key, ticket.upload_id)

    assert [(part.number, part.size) for part in listed] == [(1, PART_SIZE), (2, 10)]
    assert again.versions == first.versions
    assert [row.filename for row in rows(s, product.id)] == ["Twice.pdf"]

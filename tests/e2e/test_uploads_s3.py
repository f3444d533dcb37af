"""With S3 configured, a seller's product file goes from the browser straight to the bucket
(presigned multipart through Uppy's AWS S3 uploader), never through the app, and is listed
only once what landed was checked: every part, the size, and its SHA-256 read back.

The browser computes no checksum of its own: Uppy's AWS S3 uploader (v6) signs parts
without their bodies and sends no `x-amz-checksum-*` or Content-MD5 header
(transloadit/uppy#3885). What is verified is listed in docs/architecture.md, "Uploading
product files". This module runs a second app, with its own frontend folder, on a moto
S3 server.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import boto3
import pytest
from playwright.sync_api import expect
from sqlmodel import select

from commerce.db import unit_of_work
from commerce.demo import DEMO_PASSWORD
from commerce.models import ProductFile
from commerce.storage.multipart import PART_SIZE
from commerce.storage.s3 import S3BlobStore
from tests.e2e.conftest import RunningApp, running_app
from tests.e2e.test_delivery import _app_database
from tests.e2e.test_uploads import open_file_product_editor
from tests.fixtures.browser import sign_in, upload_files

BUCKET = "e2e-product-files"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIAE2EUPLOADS00001", "AWS_SECRET_ACCESS_KEY": "e2e-uploads-secret"}


@pytest.fixture(scope="module")
def app(tmp_path_factory, moto_endpoint) -> Iterator[RunningApp]:
    """The app with its files in a moto bucket (made private, encrypted and with the CORS
    rule browsers need, as `ensure_bucket` does for development)."""
    S3BlobStore(
        BUCKET,
        endpoint_url=moto_endpoint,
        region="us-east-1",
        access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    ).ensure_bucket()
    data_dir = tmp_path_factory.mktemp("e2e-s3")
    yield from running_app(
        data_dir,
        S3_BUCKET=BUCKET,
        S3_ENDPOINT_URL=moto_endpoint,
        S3_REGION="us-east-1",
        # Its own frontend build: the session app's has that app's port in it.
        REFLEX_WEB_WORKDIR=str(data_dir / "web"),
        **CREDENTIALS,
    )


@pytest.mark.parametrize("viewport", ["desktop"])
def test_a_product_file_goes_straight_to_the_bucket_and_is_checked_when_it_lands(page, app, moto_endpoint, tmp_path):
    upload = tmp_path / "templates-pack.zip"
    upload.write_bytes(b"PK\x03\x04" + hashlib.sha256(b"seed").digest() * ((PART_SIZE + 3 * 1024 * 1024) // 32))
    expected_sha256 = hashlib.sha256(upload.read_bytes()).hexdigest()
    sent: list[tuple[str, str]] = []
    page.on("request", lambda request: sent.append((request.method, request.url)))
    sign_in(page, "ada@demo.market", DEMO_PASSWORD)
    open_file_product_editor(page, app)

    upload_files(page, upload)

    # Two parts (8 MiB and the rest), each PUT by the browser to the bucket, none to the app.
    puts = [url for method, url in sent if method == "PUT"]
    assert len(puts) == 2, puts
    assert all(url.startswith(f"{moto_endpoint}/{BUCKET}/") for url in puts), puts
    assert "partNumber=1" in puts[0]
    assert not [url for method, url in sent if url.startswith(app.base_url + "/api/uploads/parts")]
    listed = page.locator("[data-testid=product-file]", has_text=upload.name)
    expect(listed).to_contain_text("MB")

    # Listed with the size and SHA-256 of what is in the bucket, which is the file sent.
    with unit_of_work(_app_database(app)) as s:
        row = s.exec(select(ProductFile).where(ProductFile.filename == upload.name)).one()
        key, size, sha256 = row.blob_key, row.size_bytes, row.sha256
    bucket = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    landed = bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert (size, sha256) == (upload.stat().st_size, expected_sha256)
    assert hashlib.sha256(landed).hexdigest() == expected_sha256
    # No part or upload was left behind in the bucket.
    assert bucket.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []

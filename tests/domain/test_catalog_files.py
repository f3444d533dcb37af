"""Product files and versions on both databases: uploads through the BlobStore,
limits, content sniffing, versions that buyers keep."""

import io

import pytest
from sqlmodel import select

from commerce.catalog import files, products
from commerce.errors import PermissionDenied, ValidationError
from commerce.models import ProductFile, ProductVersion
from tests.fixtures.catalog import live_product, make_admin, make_seller, new_product, png_bytes

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


class OneChunkAtATime(io.RawIOBase):
    """A stream that refuses to be read whole and counts what was read, like an upload."""

    def __init__(self, data: bytes, chunk: int = 4096):
        self._data = io.BytesIO(data)
        self._chunk = chunk
        self.largest_read = 0

    def readable(self):
        return True

    def read(self, size=-1):
        if size is None or size < 0:
            raise AssertionError("the whole upload was read into memory")
        data = self._data.read(min(size, self._chunk))
        self.largest_read = max(self.largest_read, len(data))
        return data


def file_rows(s, product_id):
    return s.exec(select(ProductFile).where(ProductFile.product_id == product_id)).all()


def test_upload_stores_the_file_privately_with_its_checksum_and_size(s, store):
    seller = make_seller(s)
    product = new_product(s, seller)
    data = PDF + b"x" * 300_000
    stream = OneChunkAtATime(data)
    view = files.upload_file(s, seller, product.id, stream, filename="C:\\fakepath\\Book.pdf")
    (version,) = view.versions
    assert (version.number, version.label) == (1, "1")
    (file,) = version.files
    assert (file.filename, file.size_bytes, file.content_type) == ("Book.pdf", len(data), "application/pdf")
    row = file_rows(s, product.id)[0]
    assert row.blob_key.startswith(f"products/{product.id}/files/")
    stored = store.stat(row.blob_key)
    assert (stored.size, stored.sha256) == (len(data), file.sha256)
    assert store.open(row.blob_key).read() == data
    assert stream.largest_read <= 256 * 1024


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (PDF, "script.sh", "application/pdf"),  # the bytes win over the name
        (b"#!/bin/sh\nrm -rf /\n", "innocent.pdf", "text/plain; charset=utf-8"),
        (b"name,price\nA,1\n", "list.csv", "text/csv; charset=utf-8"),
        (png_bytes(200, 200), "photo.jpg", "image/png"),
        (bytes(range(256)) * 10, "blob.bin", "application/octet-stream"),
    ],
)
def test_content_type_is_sniffed_from_the_bytes_not_the_name(s, data, filename, content_type):
    seller = make_seller(s)
    product = new_product(s, seller)
    view = files.upload_file(s, seller, product.id, io.BytesIO(data), filename=filename)
    assert view.versions[0].files[0].content_type == content_type


def test_empty_files_are_refused_and_nothing_is_stored(s, store):
    seller = make_seller(s)
    product = new_product(s, seller)
    with pytest.raises(ValidationError, match="empty") as error:
        files.upload_file(s, seller, product.id, io.BytesIO(b""), filename="empty.pdf")
    assert error.value.field == "file"
    assert file_rows(s, product.id) == []
    assert s.exec(select(ProductVersion)).all() == []
    assert not (store.root / "objects").exists()


def test_oversize_files_are_refused_midstream_and_leave_nothing_behind(s, store, upload_limit):
    upload_limit(100_000)
    seller = make_seller(s)
    product = new_product(s, seller)
    with pytest.raises(ValidationError, match="larger than the limit of 100 kB"):
        files.upload_file(s, seller, product.id, OneChunkAtATime(b"a" * 100_001), filename="big.txt")
    assert file_rows(s, product.id) == []
    leftovers = [p for p in store.root.rglob("*") if p.is_file()]
    assert leftovers == []
    # Exactly at the limit is fine.
    files.upload_file(s, seller, product.id, OneChunkAtATime(b"a" * 100_000), filename="fits.txt")
    assert len(file_rows(s, product.id)) == 1


@pytest.mark.parametrize("filename", ["", "   ", "a" * 256, "bad\x07name.txt"])
def test_bad_file_names_are_refused(s, filename):
    seller = make_seller(s)
    product = new_product(s, seller)
    with pytest.raises(ValidationError):
        files.upload_file(s, seller, product.id, io.BytesIO(b"data"), filename=filename)
    assert file_rows(s, product.id) == []


def test_only_files_a_browser_shows_can_be_viewed_online_only(s):
    seller = make_seller(s)
    product = new_product(s, seller)
    text = files.upload_file(s, seller, product.id, io.BytesIO(b"text"), filename="a.txt").versions[0].files[0]
    assert text.view_kind == ""
    with pytest.raises(ValidationError, match="Only PDFs, audio and video"):
        files.set_file_online_only(s, seller, text.id, True)
    view = files.upload_file(s, seller, product.id, io.BytesIO(PDF), filename="a.pdf")
    pdf = next(f for f in view.versions[0].files if f.filename == "a.pdf")
    assert (pdf.view_kind, pdf.online_only) == ("pdf", False)
    changed = files.set_file_online_only(s, seller, pdf.id, True)
    assert next(f for f in changed.versions[0].files if f.id == pdf.id).online_only is True


def test_a_new_version_keeps_every_old_file_and_carries_files_over(s, store):
    seller, admin = make_seller(s), make_admin(s)
    product = live_product(s, seller, admin)
    first_file = product.versions[0].files[0]
    view = files.create_version(s, seller, product.id, label="2.0", release_notes="New chapter on typing.")
    assert [v.number for v in view.versions] == [2, 1]
    new, old = view.versions
    assert (new.label, new.release_notes) == ("2.0", "New chapter on typing.")
    assert [f.sha256 for f in new.files] == [first_file.sha256]
    view = files.upload_file(s, seller, product.id, io.BytesIO(b"chapter 9"), filename="chapter9.txt")
    assert [f.filename for f in view.versions[0].files] == ["book.pdf", "chapter9.txt"]
    assert [f.filename for f in view.versions[1].files] == ["book.pdf"]
    # Files of a published product are never removed: buyers may own them.
    with pytest.raises(PermissionDenied, match="new version"):
        files.remove_file(s, seller, first_file.id)
    assert len(file_rows(s, product.id)) == 3


def test_a_version_needs_a_label_and_files_before_it(s):
    seller = make_seller(s)
    product = new_product(s, seller)
    with pytest.raises(ValidationError, match="Upload files"):
        files.create_version(s, seller, product.id, label="2.0")
    files.upload_file(s, seller, product.id, io.BytesIO(b"v1"), filename="a.txt")
    with pytest.raises(ValidationError, match="Name the version"):
        files.create_version(s, seller, product.id, label="  ")
    with pytest.raises(ValidationError, match="Release notes"):
        files.create_version(s, seller, product.id, label="2", release_notes="x" * 10_001)
    assert len(s.exec(select(ProductVersion)).all()) == 1


def test_a_draft_file_can_be_removed_and_its_blob_goes_after_commit(s, store):
    seller = make_seller(s)
    product = new_product(s, seller)
    view = files.upload_file(s, seller, product.id, io.BytesIO(b"oops"), filename="wrong.txt")
    key = file_rows(s, product.id)[0].blob_key
    files.remove_file(s, seller, view.versions[0].files[0].id)
    assert file_rows(s, product.id) == []
    assert store.exists(key)  # not before the transaction commits
    s.commit()
    assert not store.exists(key)


def test_another_seller_cannot_touch_files(s):
    owner, intruder = make_seller(s, "owner"), make_seller(s, "intruder")
    product = new_product(s, owner)
    view = files.upload_file(s, owner, product.id, io.BytesIO(PDF), filename="a.pdf")
    file_id = view.versions[0].files[0].id
    with pytest.raises(PermissionDenied):
        files.remove_file(s, intruder, file_id)
    with pytest.raises(PermissionDenied):
        files.set_file_online_only(s, intruder, file_id, True)
    with pytest.raises(PermissionDenied):
        files.create_version(s, intruder, product.id, label="2")
    assert len(file_rows(s, product.id)) == 1
    assert file_rows(s, product.id)[0].online_only is False


def test_files_over_two_gibibytes_fit_the_size_column(s):
    seller = make_seller(s)
    product = new_product(s, seller)
    view = files.upload_file(s, seller, product.id, io.BytesIO(b"x"), filename="a.bin")
    row = file_rows(s, product.id)[0]
    row.size_bytes = 5 * 1024**3
    s.flush()
    s.expire_all()
    assert s.get(ProductFile, row.id).size_bytes == 5 * 1024**3
    assert products.get_product_editor(s, seller, view.id).versions[0].files[0].size_label == "5.4 GB"

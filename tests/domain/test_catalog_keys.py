"""License-key settings and inventory on both databases: import, duplicates, encryption, sold out."""

import io

import pytest
from sqlmodel import select

from commerce.catalog import images, keys, products
from commerce.catalog.queries import product_page
from commerce.catalog.views import is_sold_out
from commerce.errors import PermissionDenied, ValidationError
from commerce.license_keys.format import normalize_key
from commerce.license_keys.vault import configured_vault, product_associated_data
from commerce.models import DeliveryKind, KeySource, KeyStatus, LicenseKey, Product
from tests.fixtures.catalog import make_admin, make_seller, new_product, png_bytes


def key_product(s, seller, kind=DeliveryKind.KEYS):
    return new_product(s, seller, delivery_kind=kind)


def stored_keys(s, product_id):
    return s.exec(select(LicenseKey).where(LicenseKey.product_id == product_id)).all()


def test_import_encrypts_keys_and_counts_them(s):
    seller = make_seller(s)
    product = key_product(s, seller)
    report = keys.import_license_keys(s, seller, product.id, "AAAA-1111\nBBBB-2222\n\nCCCC-3333\n")
    assert (report.added, report.skipped, report.blank_lines, report.counts.available) == (3, 0, 1, 3)
    assert report.message == "Added 3 keys. 3 available."
    rows = stored_keys(s, product.id)
    vault = configured_vault()
    assert sorted(vault.decrypt(r.ciphertext, product_associated_data(product.id)) for r in rows) == [
        "AAAA-1111",
        "BBBB-2222",
        "CCCC-3333",
    ]
    assert all(
        b"AAAA" not in r.ciphertext and r.status == KeyStatus.AVAILABLE and r.source == KeySource.IMPORTED for r in rows
    )
    assert {r.lookup_hash for r in rows} == {
        vault.lookup_hash(normalize_key(k)) for k in ("AAAA-1111", "BBBB-2222", "CCCC-3333")
    }


def test_duplicates_are_skipped_and_counted_in_the_list_and_against_stock(s):
    seller = make_seller(s)
    product = key_product(s, seller)
    keys.import_license_keys(s, seller, product.id, "AAAA-1111\nBBBB-2222")
    report = keys.import_license_keys(
        s, seller, product.id, "license key\naaaa 1111\nDDDD-4444\ndddd-4444\nBBBB-2222\nEEEE-5555"
    )
    assert report.header_skipped
    assert (report.added, report.duplicates_in_import, report.already_in_inventory, report.skipped) == (2, 1, 2, 3)
    assert report.message == (
        "Added 2 keys; skipped 3 duplicates (1 repeated in the list, 2 already in stock). 4 available."
    )
    assert len(stored_keys(s, product.id)) == 4


def test_csv_uses_the_first_column(s):
    seller = make_seller(s)
    product = key_product(s, seller)
    report = keys.import_license_keys(s, seller, product.id, "key,note\nK1-AAA,first\nK2-BBB,second\n")
    assert report.added == 2


def test_a_key_file_is_read_as_utf8_text_up_to_the_size_limit(s):
    seller = make_seller(s)
    product = key_product(s, seller)
    report = keys.import_license_key_file(s, seller, product.id, io.BytesIO("\ufeffK1-AAA\nK2-BBB\n".encode()))
    assert report.added == 2
    with pytest.raises(ValidationError, match="too large: import at most 2 MB"):
        keys.import_license_key_file(s, seller, product.id, io.BytesIO(b"K" * (keys.MAX_IMPORT_BYTES + 1)))
    with pytest.raises(ValidationError, match="not UTF-8 text"):
        keys.import_license_key_file(s, seller, product.id, io.BytesIO(b"\xff\xfe\x00K"))
    assert len(stored_keys(s, product.id)) == 2


def test_an_invalid_line_refuses_the_whole_import(s):
    seller = make_seller(s)
    product = key_product(s, seller)
    with pytest.raises(ValidationError, match="Nothing was imported.*line 2") as error:
        keys.import_license_keys(s, seller, product.id, "GOOD-KEY-1\n" + "X" * 201 + "\nGOOD-KEY-2")
    assert error.value.field == "keys"
    assert stored_keys(s, product.id) == []


@pytest.mark.parametrize(("text", "message"), [("", "at least one"), ("\n\n  \n", "at least one")])
def test_an_empty_import_is_refused(s, text, message):
    seller = make_seller(s)
    product = key_product(s, seller)
    with pytest.raises(ValidationError, match=message):
        keys.import_license_keys(s, seller, product.id, text)


def test_keys_cannot_be_imported_into_a_files_only_or_generated_product(s):
    seller = make_seller(s)
    files_only = key_product(s, seller, kind=DeliveryKind.FILES)
    with pytest.raises(ValidationError, match="files only"):
        keys.import_license_keys(s, seller, files_only.id, "AAAA")
    generated = key_product(s, seller)
    keys.set_license_policy(s, seller, generated.id, source=KeySource.GENERATED, prefix="pp")
    with pytest.raises(ValidationError, match="generates its keys"):
        keys.import_license_keys(s, seller, generated.id, "AAAA")
    assert s.exec(select(LicenseKey)).all() == []


def test_license_policy_is_saved_and_validated(s):
    seller = make_seller(s)
    product = key_product(s, seller)
    view = keys.set_license_policy(
        s,
        seller,
        product.id,
        source=KeySource.GENERATED,
        prefix="pp2",
        activation_limit=3,
        expiry_days=365,
        usage_limit=None,
    )
    lic = view.license
    assert (lic.source, lic.prefix, lic.activation_limit, lic.expiry_days, lic.usage_limit) == (
        KeySource.GENERATED,
        "PP2",
        3,
        365,
        None,
    )
    for kwargs, field in [
        ({"source": "stolen"}, "key_source"),
        ({"source": KeySource.GENERATED, "prefix": "TOO-LONG-PREFIX"}, "key_prefix"),
        ({"source": KeySource.IMPORTED, "activation_limit": 0}, "activation_limit"),
        ({"source": KeySource.IMPORTED, "expiry_days": 99_999}, "expiry_days"),
        ({"source": KeySource.IMPORTED, "usage_limit": -1}, "usage_limit"),
    ]:
        with pytest.raises(ValidationError) as error:
            keys.set_license_policy(s, seller, product.id, **kwargs)
        assert error.value.field == field
    assert products.get_product_editor(s, seller, product.id).license == lic


def test_sold_out_when_imported_keys_run_out(s, store):
    seller, admin = make_seller(s), make_admin(s)
    product = key_product(s, seller)
    row = s.get(Product, product.id)
    assert is_sold_out(s, row)
    images.set_cover(s, seller, product.id, io.BytesIO(png_bytes()))
    with pytest.raises(ValidationError, match="Import license keys"):
        products.publish_product(s, seller, product.id)
    keys.import_license_keys(s, seller, product.id, "ONLY-ONE")
    assert not is_sold_out(s, row)
    products.publish_product(s, seller, product.id)
    products.approve_product(s, admin, product.id)
    assert product_page(s, "inkwell", product.slug).sold_out is False
    # The orders issue marks keys sold; here the row changes directly.
    stored_keys(s, product.id)[0].status = KeyStatus.SOLD
    s.flush()
    assert is_sold_out(s, row)
    page = product_page(s, "inkwell", product.slug)
    assert page.sold_out
    assert page.delivers_keys
    assert not page.delivers_files
    counts = products.get_product_editor(s, seller, product.id).license.counts
    assert (counts.available, counts.sold) == (0, 1)


def test_generated_keys_never_sell_out(s):
    seller = make_seller(s)
    product = key_product(s, seller)
    keys.set_license_policy(s, seller, product.id, source=KeySource.GENERATED)
    assert not is_sold_out(s, s.get(Product, product.id))


def test_another_seller_cannot_import_or_change_settings(s):
    owner, intruder = make_seller(s, "owner"), make_seller(s, "intruder")
    product = key_product(s, owner)
    with pytest.raises(PermissionDenied):
        keys.import_license_keys(s, intruder, product.id, "STOLEN-KEY")
    with pytest.raises(PermissionDenied):
        keys.set_license_policy(s, intruder, product.id, source=KeySource.GENERATED)
    assert stored_keys(s, product.id) == []
    assert products.get_product_editor(s, owner, product.id).license.source == KeySource.IMPORTED

import pytest

from commerce.license_keys.format import generate_key, normalize_key
from commerce.license_keys.vault import NONCE_BYTES, TAG_BYTES, KeyDecryptionError, KeyVault, product_associated_data

MASTER_KEY = bytes(range(32))
PRODUCT_7 = product_associated_data(7)


@pytest.fixture
def vault():
    return KeyVault(MASTER_KEY)


@pytest.mark.parametrize(
    "plaintext", [generate_key("GAME"), "seller's key: ünïcødé 🔑", "x" * 200], ids=["generated", "unicode", "long"]
)
def test_round_trip(vault, plaintext):
    blob = vault.encrypt(plaintext, PRODUCT_7)
    assert vault.decrypt(blob, PRODUCT_7) == plaintext


def test_blob_layout_is_version_nonce_ciphertext_tag(vault):
    plaintext = "ABC-123"
    blob = vault.encrypt(plaintext, PRODUCT_7)
    assert blob[0] == 1
    assert len(blob) == 1 + NONCE_BYTES + len(plaintext.encode()) + TAG_BYTES


def test_another_vault_with_the_same_master_key_decrypts(vault):
    blob = vault.encrypt("ABC-123", PRODUCT_7)
    assert KeyVault(MASTER_KEY).decrypt(blob, PRODUCT_7) == "ABC-123"


def test_ciphertext_moved_to_another_product_does_not_decrypt(vault):
    blob = vault.encrypt("ABC-123", PRODUCT_7)
    with pytest.raises(KeyDecryptionError, match="another product"):
        vault.decrypt(blob, product_associated_data(8))


def test_product_associated_data_names_the_product():
    assert product_associated_data(7) != product_associated_data(70)
    assert product_associated_data(7) == product_associated_data(7)


def test_blob_from_another_key_version_is_refused_clearly():
    blob = KeyVault(MASTER_KEY, key_version=1).encrypt("ABC-123", PRODUCT_7)
    newer = KeyVault(MASTER_KEY, key_version=2)
    with pytest.raises(KeyDecryptionError, match="key version 1, not 2"):
        newer.decrypt(blob, PRODUCT_7)
    assert newer.encrypt("ABC-123", PRODUCT_7)[0] == 2


def test_truncated_blob_is_refused(vault):
    blob = vault.encrypt("ABC-123", PRODUCT_7)
    for length in (0, 1, 1 + NONCE_BYTES + TAG_BYTES - 1):
        with pytest.raises(KeyDecryptionError):
            vault.decrypt(blob[:length], PRODUCT_7)


@pytest.mark.parametrize("master_key", [b"", b"short", bytes(31), bytes(33), "x" * 32])
def test_master_key_must_be_32_bytes(master_key):
    with pytest.raises(ValueError, match="32 bytes"):
        KeyVault(master_key)


@pytest.mark.parametrize("version", [0, 256, -1])
def test_key_version_fits_one_byte(version):
    with pytest.raises(ValueError, match="version must be between 1 and 255"):
        KeyVault(MASTER_KEY, key_version=version)


def test_lookup_hash_finds_a_key_by_what_the_buyer_types(vault):
    key = generate_key("GAME")
    stored = vault.lookup_hash(normalize_key(key))
    typed = "  " + key.lower().replace("-", " ").replace("0", "o") + " "
    assert vault.lookup_hash(normalize_key(typed)) == stored
    assert len(stored) == 64
    assert int(stored, 16) >= 0
    assert vault.lookup_hash(normalize_key(generate_key("GAME"))) != stored


def test_lookup_hash_refuses_text_that_was_not_normalised(vault):
    with pytest.raises(ValueError, match="normalize_key"):
        vault.lookup_hash("abc-def")


def test_repr_shows_no_key_material(vault):
    assert repr(vault) == "KeyVault(key_version=1)"

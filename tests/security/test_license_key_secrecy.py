"""License keys stay secret at rest and cannot be guessed."""

import hashlib
import math
from collections import Counter

import pytest

from commerce.license_keys.format import (
    BITS_PER_SYMBOL,
    KEY_ALPHABET,
    KEY_ENTROPY_BITS,
    RANDOM_SYMBOLS,
    generate_key,
    normalize_key,
)
from commerce.license_keys.vault import KeyDecryptionError, KeyVault, product_associated_data

MASTER_KEY = bytes.fromhex("8f" * 32)
OTHER_MASTER_KEY = bytes.fromhex("a1" * 32)
PRODUCT = product_associated_data(41)


@pytest.fixture
def vault():
    return KeyVault(MASTER_KEY)


def test_ciphertext_never_contains_the_plaintext(vault):
    for plaintext in (generate_key("GAME"), "AAAAAAAAAAAAAAAAAAAAAAAA", "seller-key-0001"):
        blob = vault.encrypt(plaintext, PRODUCT)
        for encoding in (plaintext.encode(), plaintext.lower().encode(), normalize_key(plaintext).encode()):
            for start in range(len(encoding) - 5):
                assert encoding[start : start + 6] not in blob


def test_same_key_encrypts_differently_every_time(vault):
    plaintext = generate_key()
    blobs = {vault.encrypt(plaintext, PRODUCT) for _ in range(50)}
    assert len(blobs) == 50
    nonces = {blob[1:13] for blob in blobs}
    assert len(nonces) == 50


def test_changing_any_byte_of_a_ciphertext_is_detected(vault):
    blob = vault.encrypt("ABC-123-XYZ", PRODUCT)
    for position in range(len(blob)):
        for flip in (0x01, 0x80, 0xFF):
            tampered = bytearray(blob)
            tampered[position] ^= flip
            with pytest.raises(KeyDecryptionError):
                vault.decrypt(bytes(tampered), PRODUCT)
    with pytest.raises(KeyDecryptionError):
        vault.decrypt(blob + b"\x00", PRODUCT)
    with pytest.raises(KeyDecryptionError):
        vault.decrypt(blob[:-1], PRODUCT)


def test_wrong_associated_data_is_detected(vault):
    blob = vault.encrypt("ABC-123-XYZ", PRODUCT)
    for associated_data in (b"", product_associated_data(42), product_associated_data(4), PRODUCT + b"\x00"):
        with pytest.raises(KeyDecryptionError):
            vault.decrypt(blob, associated_data)


def test_another_master_key_can_neither_decrypt_nor_match_hashes(vault):
    other = KeyVault(OTHER_MASTER_KEY)
    blob = vault.encrypt("ABC-123-XYZ", PRODUCT)
    with pytest.raises(KeyDecryptionError):
        other.decrypt(blob, PRODUCT)
    normalized = normalize_key(generate_key())
    assert vault.lookup_hash(normalized) != other.lookup_hash(normalized)


def test_lookup_hash_is_keyed_not_a_plain_digest(vault):
    normalized = normalize_key(generate_key())
    lookup = vault.lookup_hash(normalized)
    assert lookup != hashlib.sha256(normalized.encode()).hexdigest()
    assert normalized.lower() not in lookup


def test_generated_keys_never_collide_over_100k_draws():
    draws = [generate_key() for _ in range(100_000)]
    assert len(set(draws)) == len(draws)
    assert len({normalize_key(key) for key in draws}) == len(draws)


def test_claimed_entropy_matches_the_alphabet_and_length():
    assert len(KEY_ALPHABET) == len(set(KEY_ALPHABET)) == 2**BITS_PER_SYMBOL
    assert not set(KEY_ALPHABET) & set("ILOU")
    assert KEY_ENTROPY_BITS == RANDOM_SYMBOLS * math.log2(len(KEY_ALPHABET)) >= 128
    assert len(normalize_key(generate_key())) == RANDOM_SYMBOLS + 1


def test_every_random_position_uses_the_whole_alphabet_evenly():
    # A generator drawing from fewer symbols, or favouring some, has less entropy
    # than claimed. Chi-square with 31 degrees of freedom: the mean is 31 and 120 is
    # beyond p = 1e-11, so a fair generator does not fail this by chance.
    draws = 20_000
    columns = [Counter() for _ in range(RANDOM_SYMBOLS)]
    for _ in range(draws):
        for column, symbol in zip(columns, normalize_key(generate_key())[:RANDOM_SYMBOLS], strict=False):
            column[symbol] += 1
    expected = draws / len(KEY_ALPHABET)
    for position, column in enumerate(columns):
        assert set(column) == set(KEY_ALPHABET), position
        chi_square = sum((column[s] - expected) ** 2 / expected for s in KEY_ALPHABET)
        assert chi_square < 120, (position, chi_square)

"""License key text: generating our own keys, normalising typed keys, importing seller lists.

Our keys look like ``PREFIX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXC``: an optional product
prefix, then six groups of five Crockford base32 symbols (no I, L, O or U, so nothing
reads as something else). The first 29 symbols are random (145 bits from `secrets`);
the last one is a check symbol, so a typed key with one wrong character or two
swapped characters is refused before any lookup.

`normalize_key` gives the form used for comparison and lookup hashing (never for
display): upper case, no spaces or dashes, O read as 0 and I/L read as 1. It applies
to imported seller keys too, so two keys that a person would read the same way are
the same key.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass

from commerce.errors import ValidationError

KEY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
BITS_PER_SYMBOL = 5
RANDOM_SYMBOLS = 29
KEY_ENTROPY_BITS = RANDOM_SYMBOLS * BITS_PER_SYMBOL
GROUP_SIZE = 5
BODY_LENGTH = RANDOM_SYMBOLS + 1  # random symbols plus the check symbol
MAX_PREFIX_LENGTH = 8
MAX_IMPORTED_KEY_LENGTH = 200

_PREFIX = re.compile(rf"[A-Z0-9]{{1,{MAX_PREFIX_LENGTH}}}")
_NORMALIZED_PREFIX = re.compile(rf"[A-Z0-9]{{0,{MAX_PREFIX_LENGTH}}}")
_SYMBOL_VALUE = {symbol: value for value, symbol in enumerate(KEY_ALPHABET)}
_FROM_RFC4648_BASE32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", KEY_ALPHABET)
_RANDOM_BYTES = -(-KEY_ENTROPY_BITS // 8)
# Whitespace and every dash a word processor or chat app may substitute for "-".
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]+")
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})

# The check symbol is a weighted sum in GF(32) with the distinct weights alpha^1..alpha^29
# (the check symbol itself weighs alpha^0 = 1). Distinct non-zero weights make every
# single-symbol change and every swap of two different symbols change the sum.
_GF32_MODULUS = 0b100101  # x^5 + x^2 + 1, primitive: alpha = x has order 31


def _gf32_multiply(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _GF32_MODULUS
    return product


def _weighted_value_tables() -> tuple[dict[str, int], ...]:
    """For each random position, symbol -> symbol value times that position's weight."""
    tables, weight = [], 1
    for _ in range(RANDOM_SYMBOLS):
        weight = _gf32_multiply(weight, 0b10)
        tables.append({symbol: _gf32_multiply(value, weight) for symbol, value in _SYMBOL_VALUE.items()})
    return tuple(tables)


_WEIGHTED_VALUES = _weighted_value_tables()


def _check_symbol(random_part: str) -> str:
    """The check symbol for the 29 random symbols of a key."""
    total = 0
    for symbol, table in zip(random_part, _WEIGHTED_VALUES, strict=True):
        total ^= table[symbol]
    return KEY_ALPHABET[total]


def validate_prefix(prefix: str) -> str:
    """A seller's key prefix, upper-cased; 1 to 8 letters or digits."""
    cleaned = prefix.strip().upper()
    if not _PREFIX.fullmatch(cleaned):
        raise ValidationError(f"A key prefix is 1 to {MAX_PREFIX_LENGTH} letters (A–Z) or digits.", "key_prefix")
    return cleaned


def generate_key(prefix: str | None = None) -> str:
    """A new random license key, grouped for reading, with an optional product prefix."""
    # Base32 spends exactly 5 random bits on each symbol; 19 bytes cover the 29 we keep.
    encoded = base64.b32encode(secrets.token_bytes(_RANDOM_BYTES)).decode("ascii")
    random_part = encoded[:RANDOM_SYMBOLS].translate(_FROM_RFC4648_BASE32)
    body = random_part + _check_symbol(random_part)
    groups = [body[start : start + GROUP_SIZE] for start in range(0, BODY_LENGTH, GROUP_SIZE)]
    if prefix is not None:
        groups.insert(0, validate_prefix(prefix))
    return "-".join(groups)


def normalize_key(text: str) -> str:
    """The comparison form of any key: the form to hash for lookups, not to show."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return _SEPARATORS.sub("", folded).translate(_CONFUSABLES)


def is_well_formed(text: str) -> bool:
    """Whether text, as typed or pasted, is one of our keys with a correct check symbol."""
    key = normalize_key(text)
    prefix, body = key[:-BODY_LENGTH], key[-BODY_LENGTH:]
    if len(body) != BODY_LENGTH or not _NORMALIZED_PREFIX.fullmatch(prefix):
        return False
    if any(symbol not in _SYMBOL_VALUE for symbol in body):
        return False
    return _check_symbol(body[:-1]) == body[-1]


@dataclass(frozen=True)
class ImportResult:
    keys: list[str]
    duplicates_skipped: int
    blank_skipped: int
    invalid: list[tuple[int, str]]
    header_skipped: bool = False


# First cells that name the column rather than hold a key (compared without case,
# spaces, dashes or underscores).
_HEADER_NAMES = frozenset(
    {
        "key",
        "keys",
        "licensekey",
        "licensekeys",
        "licencekey",
        "licencekeys",
        "license",
        "licenses",
        "licence",
        "licences",
        "licensecode",
        "code",
        "codes",
        "serial",
        "serials",
        "serialkey",
        "serialnumber",
        "activationkey",
        "activationcode",
        "productkey",
    }
)


def _is_header(cell: str) -> bool:
    return re.sub(r"[\s_\-]", "", cell).lower() in _HEADER_NAMES


def _problem(key: str) -> str | None:
    if len(key) > MAX_IMPORTED_KEY_LENGTH:
        return f"the key is longer than {MAX_IMPORTED_KEY_LENGTH} characters"
    if any(unicodedata.category(char).startswith("C") for char in key):
        return "the key contains control or invisible characters"
    if not normalize_key(key):
        return "the key has no letters or digits"
    return None


def parse_imported_keys(text: str) -> ImportResult:
    """Keys a seller pasted or uploaded: one per line, or the first column of a CSV.

    Keys are the seller's own strings, kept as given apart from surrounding
    whitespace. A first row naming the column is skipped; keys that normalise to
    the same value are kept once. Line numbers count from 1.
    """
    text = text.removeprefix("\ufeff")
    # Cells copied from a spreadsheet arrive tab-separated; CSV files use commas.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if "\t" in text else ",")
    keys: list[str] = []
    seen: set[str] = set()
    invalid: list[tuple[int, str]] = []
    duplicates = blanks = 0
    header_skipped = False
    first_row = True
    line_no = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise ValidationError(f"Line {line_no} cannot be read as CSV ({error}).", "keys") from error
        row_line, line_no = line_no, reader.line_num + 1
        cells = [cell.strip() for cell in row]
        if not any(cells):
            blanks += 1
            continue
        key = cells[0]
        if first_row:
            first_row = False
            if _is_header(key):
                header_skipped = True
                continue
        if not key:
            invalid.append((row_line, "the first column is empty"))
            continue
        problem = _problem(key)
        if problem:
            invalid.append((row_line, problem))
            continue
        normalized = normalize_key(key)
        if normalized in seen:
            duplicates += 1
            continue
        seen.add(normalized)
        keys.append(key)
    return ImportResult(keys, duplicates, blanks, invalid, header_skipped)

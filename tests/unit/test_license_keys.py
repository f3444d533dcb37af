import re

import pytest

from commerce.errors import ValidationError
from commerce.license_keys.format import (
    BODY_LENGTH,
    KEY_ALPHABET,
    MAX_IMPORTED_KEY_LENGTH,
    generate_key,
    is_well_formed,
    normalize_key,
    parse_imported_keys,
    validate_prefix,
)

GROUPED_BODY = r"[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){5}"


def body_of(key: str) -> str:
    return normalize_key(key)[-BODY_LENGTH:]


# --- generating ------------------------------------------------------------------------


def test_generated_key_is_six_groups_of_five_readable_symbols():
    key = generate_key()
    assert re.fullmatch(GROUPED_BODY, key), key
    assert not set(key) & set("ILOU")


def test_prefix_leads_the_key_and_is_upper_cased():
    key = generate_key("acme42")
    assert re.fullmatch("ACME42-" + GROUPED_BODY, key), key


@pytest.mark.parametrize("prefix", ["", " ", "TOOLONG99", "AB-C", "AB C", "ÄBC", "A_B"])
def test_bad_prefix_is_refused(prefix):
    with pytest.raises(ValidationError) as caught:
        generate_key(prefix)
    assert "prefix" in caught.value.message
    with pytest.raises(ValidationError):
        validate_prefix(prefix)


def test_validate_prefix_trims_and_upper_cases():
    assert validate_prefix("  game1 ") == "GAME1"


def test_generated_keys_are_well_formed_with_and_without_prefix():
    for prefix in (None, "X", "GAME", "SOLO", "ILOVEU12"):
        key = generate_key(prefix)
        assert is_well_formed(key), key


# --- what buyers type ----------------------------------------------------------------


def test_typed_variants_normalise_to_the_same_key():
    key = generate_key("GAME")
    compact = key.replace("-", "")
    variants = [
        key.lower(),
        compact,
        f"  {key}  ",
        key.replace("-", " "),
        key.replace("-", "\u2013"),  # an en dash from a word processor
        key.replace("0", "O").replace("1", "l"),
        key.replace("1", "I"),
        "".join(chr(ord(char) + 0xFEE0) if char != "-" else char for char in key),  # full width
    ]
    for variant in variants:
        assert normalize_key(variant) == normalize_key(key), variant
        assert is_well_formed(variant), variant


def test_normalize_key_is_idempotent_and_has_no_separators():
    normalized = normalize_key(" ab-cd ef\tOIL ")
    assert normalized == "ABCDEF011"
    assert normalize_key(normalized) == normalized


def test_prefix_with_confusable_letters_is_found_however_it_is_read():
    key = generate_key("SOLO")
    assert normalize_key(key) == normalize_key("S0L0" + key[4:])
    assert is_well_formed("s0l0" + key[4:])


def test_every_single_wrong_symbol_is_caught():
    key = generate_key()
    body = body_of(key)
    for position in range(BODY_LENGTH):
        for symbol in KEY_ALPHABET:
            if symbol != body[position]:
                typo = body[:position] + symbol + body[position + 1 :]
                assert not is_well_formed(typo), (position, symbol)


def test_every_swap_of_two_different_symbols_is_caught():
    body = body_of(generate_key())
    for first in range(BODY_LENGTH):
        for second in range(first + 1, BODY_LENGTH):
            if body[first] != body[second]:
                swapped = list(body)
                swapped[first], swapped[second] = swapped[second], swapped[first]
                assert not is_well_formed("".join(swapped)), (first, second)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ABC",
        "not a key at all",
        "ABCDEFGHJ-" + "0" * BODY_LENGTH,  # nine-character prefix
    ],
)
def test_text_that_is_not_a_key_is_not_well_formed(text):
    assert not is_well_formed(text)


def test_symbols_outside_the_alphabet_are_not_well_formed():
    body = body_of(generate_key())
    assert not is_well_formed("U" + body[1:])
    assert not is_well_formed(body[:-1])


# --- importing seller keys -----------------------------------------------------------


def test_one_key_per_line_kept_as_given_but_trimmed():
    result = parse_imported_keys("  abc-123  \r\nXyZ 789\n\n   \nlast\n")
    assert result.keys == ["abc-123", "XyZ 789", "last"]
    assert result.blank_skipped == 2
    assert result.duplicates_skipped == 0
    assert result.invalid == []
    assert result.header_skipped is False


def test_duplicates_are_matched_the_way_lookups_match_them():
    result = parse_imported_keys("KEY-ONE\nkeyone\nKEY ONE\nOTHER\nK3Y-0NE\nk3y-one\n")
    assert result.keys == ["KEY-ONE", "OTHER", "K3Y-0NE"]
    assert result.duplicates_skipped == 3


def test_csv_first_column_with_header_and_quoting():
    text = 'License Key,Note\n"AAA-111","first batch"\n"BBB,222",second\nCCC-333\n'
    result = parse_imported_keys(text)
    assert result.header_skipped is True
    assert result.keys == ["AAA-111", "BBB,222", "CCC-333"]


def test_header_is_only_recognised_on_the_first_row():
    result = parse_imported_keys("AAA-111\nkey\n")
    assert result.header_skipped is False
    assert result.keys == ["AAA-111", "key"]


def test_cells_pasted_from_a_spreadsheet_are_tab_separated():
    result = parse_imported_keys("serial_number\tbuyer\nAAA, 1\tx\nBBB 2\ty\n")
    assert result.header_skipped is True
    assert result.keys == ["AAA, 1", "BBB 2"]


def test_bad_lines_are_reported_with_their_line_numbers_and_others_kept():
    too_long = "X" * (MAX_IMPORTED_KEY_LENGTH + 1)
    just_fits = "Y" * MAX_IMPORTED_KEY_LENGTH
    text = f"GOOD-1\n\n{too_long}\nBAD\x00KEY\n----\n,orphan note\n{just_fits}\nGOOD-2\n"
    result = parse_imported_keys(text)
    assert result.keys == ["GOOD-1", just_fits, "GOOD-2"]
    assert [line for line, _ in result.invalid] == [3, 4, 5, 6]
    reasons = dict(result.invalid)
    assert str(MAX_IMPORTED_KEY_LENGTH) in reasons[3]
    assert "control" in reasons[4]
    assert "no letters or digits" in reasons[5]
    assert "first column is empty" in reasons[6]
    assert result.blank_skipped == 1


def test_byte_order_mark_and_empty_input():
    assert parse_imported_keys("\ufeffkey\nAAA\n").keys == ["AAA"]
    empty = parse_imported_keys("")
    assert (empty.keys, empty.duplicates_skipped, empty.blank_skipped, empty.invalid) == ([], 0, 0, [])


def test_line_numbers_follow_a_quoted_key_that_spans_lines():
    result = parse_imported_keys('"ONE\nTWO"\nTHREE\n\x07\n')
    assert result.keys == ["THREE"]
    assert [line for line, _ in result.invalid] == [1, 4]

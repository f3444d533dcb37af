import random
from decimal import Decimal

import pytest

from commerce.errors import ValidationError
from commerce.money import (
    CurrencyMismatch,
    Money,
    allocate,
    apply_percent,
    convert,
    currency_exponent,
    format_money,
    parse_major,
    tax_for_line,
    tax_in_gross,
)

# -- the value itself ---------------------------------------------------------


@pytest.mark.parametrize(("currency", "exponent"), [("JPY", 0), ("USD", 2), ("EUR", 2), ("BHD", 3), ("KWD", 3)])
def test_exponent_comes_from_the_currency(currency, exponent):
    assert currency_exponent(currency) == exponent
    assert Money(1, currency).exponent == exponent


@pytest.mark.parametrize(
    ("money", "major"),
    [
        (Money(1250, "USD"), Decimal("12.50")),
        (Money(1250, "JPY"), Decimal("1250")),
        (Money(1250, "BHD"), Decimal("1.250")),
        (Money(-5, "EUR"), Decimal("-0.05")),
    ],
)
def test_to_decimal_is_exact_major_units(money, major):
    assert money.to_decimal() == major


@pytest.mark.parametrize("amount", [12.5, Decimal("12"), "12", True])
def test_amount_must_be_integer_minor_units(amount):
    with pytest.raises(TypeError):
        Money(amount, "USD")


@pytest.mark.parametrize("currency", ["usd", "ZZZ", "US", "DOLLAR", ""])
def test_currency_must_be_a_known_upper_case_code(currency):
    with pytest.raises(ValidationError):
        Money(100, currency)


def test_of_accepts_any_case_and_normalises():
    assert Money.of(100, " usd ") == Money(100, "USD")
    assert Money.zero("jpy") == Money(0, "JPY")


def test_arithmetic_within_one_currency():
    a, b = Money(1250, "USD"), Money(99, "USD")
    assert a + b == Money(1349, "USD")
    assert a - b == Money(1151, "USD")
    assert -a == Money(-1250, "USD")
    assert a * 3 == Money(3750, "USD") == 3 * a
    assert b < a
    assert a > b
    assert a >= a
    assert b <= b
    assert sum([a, b, b], Money.zero("USD")) == Money(1448, "USD")


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a >= b,
    ],
)
def test_mixing_currencies_is_refused(operation):
    with pytest.raises(CurrencyMismatch):
        operation(Money(100, "USD"), Money(100, "EUR"))


def test_equal_amounts_in_different_currencies_are_not_equal():
    assert Money(100, "USD") != Money(100, "EUR")


def test_money_cannot_be_multiplied_by_a_fraction():
    with pytest.raises(TypeError):
        Money(100, "USD") * 1.5


# -- parsing what people type --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "amount"),
    [
        ("12.50", "USD", 1250),
        ("12,50", "EUR", 1250),
        ("12", "USD", 1200),
        ("12.5", "usd", 1250),
        ("12.5000", "USD", 1250),
        (" 0.99 ", "USD", 99),
        (".5", "USD", 50),
        ("0,500", "USD", 50),
        ("1,234.56", "USD", 123456),
        ("1.234,56", "EUR", 123456),
        ("1 234,56", "EUR", 123456),
        ("1\u00a0234,56", "EUR", 123456),
        ("1,000.00", "USD", 100000),
        ("1.000,00", "EUR", 100000),
        ("1,000,000", "USD", 100000000),
        ("1000", "JPY", 1000),
        ("1,000", "JPY", 1000),
        ("1.250", "BHD", 1250),
        ("1,250", "BHD", 1250),
        ("0", "USD", 0),
        ("+5", "USD", 500),
    ],
)
def test_parse_major_reads_common_ways_of_writing_prices(text, currency, amount):
    assert parse_major(text, currency) == Money(amount, currency.upper())


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("", "USD", "Enter an amount."),
        ("   ", "USD", "Enter an amount."),
        ("-5", "USD", "The amount cannot be negative."),
        ("-0.01", "USD", "The amount cannot be negative."),
        ("12.3456", "USD", "USD amounts have at most 2 decimals."),
        ("0.001", "EUR", "EUR amounts have at most 2 decimals."),
        ("12.5", "JPY", "JPY amounts have no decimals."),
        ("1.2345", "BHD", "BHD amounts have at most 3 decimals."),
        ("1000000.01", "USD", "The amount cannot be more than $1,000,000.00."),
        ("99999999999999999999999999999999999", "USD", "The amount cannot be more than $1,000,000.00."),
    ],
)
def test_parse_major_explains_what_is_wrong(text, currency, message):
    with pytest.raises(ValidationError) as caught:
        parse_major(text, currency)
    assert caught.value.message == message
    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    "text",
    ["abc", "NaN", "nan", "Infinity", "inf", "1e3", "12.50.1", "1,00,000", "12,5,0", "0x10", "١٢", "1_000", "$12"],
)
def test_parse_major_rejects_what_is_not_a_number(text):
    with pytest.raises(ValidationError) as caught:
        parse_major(text, "USD")
    assert "is not an amount" in caught.value.message


@pytest.mark.parametrize(
    ("text", "currency"), [("1,000", "USD"), ("1.000", "EUR"), ("12.500", "USD"), ("12,345", "GBP")]
)
def test_parse_major_refuses_to_guess_a_lone_three_digit_group(text, currency):
    # "1,000" is a thousand to some and one to others; a 1000x mistake is worse than asking.
    with pytest.raises(ValidationError) as caught:
        parse_major(text, currency)
    assert "ambiguous" in caught.value.message


def test_parse_major_accepts_the_cap_itself_and_a_custom_cap():
    assert parse_major("1000000", "USD") == Money(100_000_000, "USD")
    with pytest.raises(ValidationError):
        parse_major("501", "USD", max_major=Decimal(500))


def test_parse_major_rejects_unknown_currency():
    with pytest.raises(ValidationError) as caught:
        parse_major("12.50", "ABC")
    assert caught.value.field == "currency"


# -- display -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "locale", "text"),
    [
        (Money(1250, "USD"), "en_US", "$12.50"),
        (Money(1250, "JPY"), "en_US", "¥1,250"),
        (Money(1250, "EUR"), "de_DE", "12,50\u00a0€"),
        (Money(1250, "BHD"), "en_US", "BHD1.250"),
        (Money(-500, "USD"), "en_US", "-$5.00"),
    ],
)
def test_format_money_uses_the_currency_digits_and_locale(money, locale, text):
    assert format_money(money, locale) == text


def test_format_money_defaults_to_en_us():
    assert format_money(Money(100_000_000, "USD")) == "$1,000,000.00"


# -- conversion ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "target", "rate", "expected"),
    [
        (Money(1250, "USD"), "JPY", "151.235", Money(1890, "JPY")),  # 1890.4375
        (Money(100, "USD"), "JPY", "100.5", Money(100, "JPY")),  # half to even: down
        (Money(100, "USD"), "JPY", "101.5", Money(102, "JPY")),  # half to even: up
        (Money(5, "USD"), "EUR", "0.5", Money(2, "EUR")),  # 0.025 -> 0.02, not 0.03
        (Money(1000, "JPY"), "BHD", "0.0025", Money(2500, "BHD")),
        (Money(1250, "BHD"), "USD", Decimal("2.65"), Money(331, "USD")),  # 3.3125
        (Money(1250, "usd".upper()), "usd", "1", Money(1250, "USD")),
    ],
)
def test_convert_rounds_half_even_at_the_target_exponent(money, target, rate, expected):
    assert convert(money, target, rate) == expected


@pytest.mark.parametrize(
    ("rate", "error"),
    [(1.1, TypeError), ("0", ValueError), ("-1", ValueError), ("NaN", ValueError), ("abc", ValueError)],
)
def test_convert_refuses_bad_rates(rate, error):
    with pytest.raises(error):
        convert(Money(100, "USD"), "EUR", rate)


def test_convert_to_the_same_currency_needs_rate_one():
    with pytest.raises(ValueError, match="converting USD to itself needs a rate of 1, got 1.1"):
        convert(Money(100, "USD"), "USD", "1.1")


# -- percentages and tax -------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "bps", "expected"),
    [
        (1999, 1250, 250),  # 249.875
        (10, 500, 1),  # 0.5 rounds half up
        (10, 499, 0),
        (10000, 10000, 10000),
        (0, 2000, 0),
        (-10, 500, -1),  # half up rounds away from zero
    ],
)
def test_apply_percent(amount, bps, expected):
    assert apply_percent(Money(amount, "USD"), bps) == Money(expected, "USD")


def test_apply_percent_refuses_negative_basis_points():
    with pytest.raises(ValueError, match="basis points cannot be negative, got -1"):
        apply_percent(Money(100, "USD"), -1)


def test_tax_is_rounded_per_line():
    lines = [Money(10, "EUR")] * 3
    per_line = sum((tax_for_line(line, 500) for line in lines), Money.zero("EUR"))
    # Each 0.5 cent rounds up on its own line, where the order total would give 2 cents.
    assert per_line == Money(3, "EUR")
    assert tax_for_line(Money(30, "EUR"), 500) == Money(2, "EUR")


@pytest.mark.parametrize(
    ("net", "bps", "tax"),
    [(1999, 2000, 400), (1000, 1900, 190), (1, 2000, 0), (3, 2000, 1), (1250, 0, 0)],
)
def test_tax_for_line(net, bps, tax):
    assert tax_for_line(Money(net, "EUR"), bps) == Money(tax, "EUR")


def test_tax_for_line_in_a_zero_decimal_currency():
    assert tax_for_line(Money(1005, "JPY"), 1000) == Money(101, "JPY")  # 100.5 -> 101


@pytest.mark.parametrize(("gross", "bps", "tax"), [(1190, 1900, 190), (1000, 2000, 167), (999, 700, 65), (0, 2000, 0)])
def test_tax_in_gross_is_the_tax_part_of_an_inclusive_price(gross, bps, tax):
    result = tax_in_gross(Money(gross, "EUR"), bps)
    assert result == Money(tax, "EUR")
    assert tax_for_line(Money(gross, "EUR") - result, bps).amount in (tax - 1, tax, tax + 1)


# -- allocation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "weights", "parts"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (5, [3, 3, 3, 1], [2, 2, 1, 0]),
        (1000, [1500, 2500, 999], [300, 500, 200]),
        (7, [0, 1, 0], [0, 7, 0]),
        (0, [1, 2], [0, 0]),
        (1, [1, 1], [1, 0]),  # ties go to the earlier part
    ],
)
def test_allocate_examples(amount, weights, parts):
    assert allocate(Money(amount, "JPY"), weights) == [Money(p, "JPY") for p in parts]


def test_allocate_always_sums_exactly_and_stays_near_proportional():
    rng = random.Random(20240501)
    for _ in range(500):
        amount = rng.randint(-100_000, 100_000)
        weights = [rng.randint(0, 10_000) for _ in range(rng.randint(1, 8))]
        if sum(weights) == 0:
            weights[0] = 1
        parts = allocate(Money(amount, "USD"), weights)
        assert sum(p.amount for p in parts) == amount
        for part, weight in zip(parts, weights, strict=False):
            exact = Decimal(amount) * weight / sum(weights)
            assert abs(part.amount - exact) < 1


@pytest.mark.parametrize(
    ("weights", "refusal"),
    [
        ([], "allocate needs at least one weight"),
        ([0, 0], "at least one weight must be positive"),
        ([1, -1], "weights must be non-negative integers"),
        ([1.5, 1], "weights must be non-negative integers"),
    ],
)
def test_allocate_refuses_weights_it_cannot_split_by(weights, refusal):
    with pytest.raises(ValueError, match=refusal):
        allocate(Money(100, "USD"), weights)

"""One formatter per quantity: prices at their digits, lots as MT5 writes them, money with its currency."""

from __future__ import annotations

import pytest

from app.core.number_format import (
    NO_PRICE,
    format_lots,
    format_money,
    format_pips,
    format_price,
    format_volume,
    masked_login,
    trimmed,
)


@pytest.mark.parametrize(
    ("price", "digits", "shown"),
    [
        (57451.94, 2, "57451.94"),  # no thousands separator in a quote, as MT5 writes it
        (1.085, 5, "1.08500"),  # the symbol's digits, trailing zeros kept
        (150.5, 3, "150.500"),
        (2396.78, 2, "2396.78"),
        (1.234565, 5, "1.23456"),  # its binary value lies just below the half
        (0.0, 5, "0.00000"),
    ],
)
def test_a_price_reads_at_its_symbols_digits(price: float, digits: int, shown: str) -> None:
    assert format_price(price, digits) == shown


def test_no_price_reads_as_a_dash_wherever_it_is_shown() -> None:
    assert format_price(None, 5) == NO_PRICE == "—"
    assert format_price(None, None) == "—"


@pytest.mark.parametrize(("price", "shown"), [(1.085, "1.085"), (57451.94, "57451.94"), (2.0, "2")])
def test_a_price_of_unknown_digits_shows_the_decimals_it_has(price: float, shown: str) -> None:
    assert format_price(price, None) == shown


def test_trimmed_cuts_at_eight_decimals_and_never_shows_minus_zero() -> None:
    assert trimmed(0.123456789123) == "0.12345679"
    assert trimmed(-1e-12) == "0"


@pytest.mark.parametrize(
    ("lots", "shown"),
    [(1, "1.00"), (1.3, "1.30"), (0.1, "0.10"), (0.015, "0.015"), (0.1 + 0.2, "0.30"), (1000.0, "1000.00")],
)
def test_lots_read_as_mt5_writes_them(lots: float, shown: str) -> None:
    assert format_volume(lots) == shown


def test_lots_with_their_unit() -> None:
    assert format_lots(1.3) == "1.30 lots"


@pytest.mark.parametrize(
    ("amount", "currency", "signed", "shown"),
    [
        (-23.0, "USD", False, "-23.00 USD"),
        (1234.5, "", False, "1,234.50"),
        (1234.5, "EUR", True, "+1,234.50 EUR"),
        (-1234567.891, "", True, "-1,234,567.89"),
        (0.0, "USD", True, "0.00 USD"),  # zero takes no sign
        (-0.004, "", True, "0.00"),  # a loss that rounds away shows no "-0.00"
        (-0.0, "", False, "0.00"),
    ],
)
def test_money_has_thousands_separators_a_sign_when_asked_and_its_currency(
    amount: float, currency: str, signed: bool, shown: str
) -> None:
    assert format_money(amount, currency, signed=signed) == shown


def test_money_of_a_currency_without_cents_shows_no_decimals() -> None:
    assert format_money(-12345.6, "JPY", digits=0) == "-12,346 JPY"


@pytest.mark.parametrize(("pips", "shown"), [(12.34, "+12.3 pips"), (-3.0, "-3.0 pips"), (0.01, "0.0 pips")])
def test_pips_have_one_decimal_and_a_sign(pips: float, shown: str) -> None:
    assert format_pips(pips) == shown


def test_a_masked_login_keeps_its_last_four_digits() -> None:
    assert masked_login(123456789) == "••••6789"

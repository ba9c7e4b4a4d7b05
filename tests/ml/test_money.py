"""Backtest money: the symbol's pips, and the account currency the terminal itself would book."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.core.enums import Backend, Side, Timeframe
from app.ml.money import (
    BacktestMoney,
    ContractTerms,
    Conversion,
    PipFigures,
    TermsSource,
    backtest_money_of,
    settings_from_backtest,
)
from app.terminal.adapter import Terminal
from app.terminal.simulator import ManualClock, SimulatedTerminal

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def simulator(currency: str) -> Iterator[Terminal]:
    terminal = Terminal(SimulatedTerminal(clock=ManualClock(WEDNESDAY), currency=currency), Backend.SIM)
    terminal.connect()
    yield terminal
    terminal.disconnect()


@pytest.fixture
def usd_account() -> Iterator[Terminal]:
    yield from simulator("USD")


@pytest.fixture
def eur_account() -> Iterator[Terminal]:
    yield from simulator("EUR")


def booked(terminal: Terminal, symbol: str, lots: float, move: float) -> tuple[float, float]:
    """(what the terminal books for a BUY of `lots` from bid − move to bid, our money for the same move)."""
    bid = terminal.tick(symbol).bid
    expected = terminal.calc_profit(Side.BUY, symbol, lots, bid - move, bid)
    terms = ContractTerms.from_spec(terminal.symbol(symbol), terminal.account().currency)
    return expected, terms.money(move, bid, lots)


@pytest.mark.parametrize(
    ("symbol", "conversion"),
    [("EURUSD", Conversion.SAME), ("XAUUSD", Conversion.SAME), ("USDJPY", Conversion.BY_EXIT_PRICE)],
)
def test_money_on_a_usd_account_is_what_the_terminal_books(
    usd_account: Terminal, symbol: str, conversion: Conversion
) -> None:
    terms = ContractTerms.from_spec(usd_account.symbol(symbol), "USD")
    assert terms.conversion is conversion and terms.currency == "USD"
    expected, money = booked(usd_account, symbol, 0.3, 25 * terms.pip)
    assert money == pytest.approx(expected, abs=0.005)  # the terminal rounds to cents


def test_a_cross_currency_is_converted_at_the_terminals_rate_and_says_so(eur_account: Terminal) -> None:
    terms = ContractTerms.from_spec(eur_account.symbol("GBPUSD"), "EUR")
    assert terms.conversion is Conversion.FIXED_RATE and terms.currency == "EUR"
    expected, money = booked(eur_account, "GBPUSD", 1.0, 0.0040)
    assert money == pytest.approx(expected, abs=0.005)
    (said,) = terms.assumptions()
    assert "USD converted to EUR" in said and "for the whole history" in said


def test_a_pip_is_ten_points_on_five_and_three_digit_quotes(usd_account: Terminal) -> None:
    eurusd = ContractTerms.from_spec(usd_account.symbol("EURUSD"), "USD")
    usdjpy = ContractTerms.from_spec(usd_account.symbol("USDJPY"), "USD")
    gold = ContractTerms.from_spec(usd_account.symbol("XAUUSD"), "USD")
    assert eurusd.pips(0.0012) == pytest.approx(12.0)
    assert usdjpy.pips(0.35) == pytest.approx(35.0)
    assert gold.pips(1.5) == pytest.approx(150.0)  # 2 digits: a pip is a point, 0.01


def test_a_csv_without_a_terminal_states_what_it_assumes() -> None:
    terms = ContractTerms.assumed("EURUSD", 0.00001)
    assert (terms.source, terms.contract_size, terms.digits, terms.currency) == (
        TermsSource.ASSUMED, 100_000.0, 5, "USD",
    )  # fmt: skip
    assert terms.money(0.0010, 1.1, 0.1) == pytest.approx(10.0)  # 10 pips on 0.1 lots: 10 USD
    (said,) = terms.assumptions()
    assert "No terminal described EURUSD" in said and "100,000 units a lot" in said and "USD" in said


def test_an_unknown_symbol_from_a_csv_counts_one_unit_a_lot_in_price_units() -> None:
    terms = ContractTerms.assumed("US500", 0.01)
    assert (terms.contract_size, terms.currency) == (1.0, "price units")
    assert terms.money(12.5, 5000.0, 2.0) == pytest.approx(25.0)


def test_pip_figures_follow_the_trades_in_close_order() -> None:
    figures = PipFigures.of([10.0, -4.0, -8.0, 5.0])
    assert (figures.net, figures.per_trade, figures.max_drawdown) == (3.0, 0.75, 12.0)
    assert PipFigures.of([]) == PipFigures(0.0, None, 0.0)


def test_backtest_money_travels_through_a_manifest_and_sets_the_new_models_lots_and_threshold() -> None:
    money = BacktestMoney(ContractTerms.assumed("GBPUSD", 0.00001), 0.25, 5_000.0, 0.65, PipFigures(1, 2, 3))
    assert backtest_money_of({"backtest_money": money.to_dict()}) == money
    assert backtest_money_of({}) is None  # a model trained before backtests were in money
    settings = settings_from_backtest("GBPUSD", Timeframe.H2, money)
    assert (settings.lot_size, settings.confidence_threshold) == (0.25, 0.65)
    assert settings.timeframe is Timeframe.H2
    assert money.sizing_text() == (
        "0.25 lots of GBPUSD from a 5,000.00 USD deposit, trading at confidence ≥ 0.65"
    )

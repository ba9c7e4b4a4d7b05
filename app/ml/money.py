"""What a backtest's price moves are worth: the symbol's pips, and money in the account currency.

The terms come from the terminal's SymbolSpec when the symbol is known there, else from stated
assumptions (a CSV file trained without a terminal). The money of a move m (price units, signed for the
trade's side) on `lots` lots is:
- profit currency = account currency (EURUSD on a USD account): m × contract size × lots, exactly what
  the terminal books;
- base currency = account currency (USDJPY on a USD account): m × contract size × lots / exit price, the
  rate the position's own price gives when it closes, as the terminal converts it;
- any other pair of currencies: m × contract size × lots × the profit-to-account rate the terminal's tick
  value gave when training (one rate for the whole history, said in the results);
- assumed terms: money stays in the symbol's profit currency, as an account in that currency would see it.
Scikit-learn is not imported here: the dashboard reads these figures from a manifest without it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.core.enums import Timeframe
from app.core.models import ModelSettings, SymbolSpec, pip_size
from app.core.number_format import format_lots, format_money

DEFAULT_DEPOSIT = 10_000.0  # MetaTrader 5's strategy tester starts from this deposit too
FX_CONTRACT_SIZE = 100_000.0
_CURRENCY_PAIR = re.compile(r"^([A-Z]{3})([A-Z]{3})(?:[^A-Z].*)?$")  # EURUSD, EURUSD.m, EURUSD#


class Conversion(StrEnum):
    """How the profit currency becomes the money's currency."""

    SAME = "same"  # the money is in the profit currency
    BY_EXIT_PRICE = "by_exit_price"  # the symbol's base is the account currency: divide by the exit price
    FIXED_RATE = "fixed_rate"  # at the rate the terminal's tick value gave when training
    UNCONVERTED = "unconverted"  # no rate to the account currency was known: left in the profit currency


class TermsSource(StrEnum):
    """Where the contract terms came from."""

    TERMINAL = "terminal"
    ASSUMED = "assumed"


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """A symbol's contract as the backtest prices it; `currency` is the currency its money is in."""

    symbol: str
    digits: int
    point: float
    contract_size: float
    profit_currency: str
    currency: str
    conversion: Conversion = Conversion.SAME
    rate: float = 1.0  # FIXED_RATE: units of `currency` per unit of `profit_currency`
    source: TermsSource = TermsSource.TERMINAL

    @property
    def pip(self) -> float:
        return pip_size(self.point, self.digits)

    def pips(self, move: float) -> float:
        """A price move in pips."""
        return move / self.pip

    def money(self, move: float, exit_price: float, lots: float) -> float:
        """What a price move is worth on `lots` lots, in `currency` (see the module's docstring)."""
        amount = move * self.contract_size * lots
        if self.conversion is Conversion.BY_EXIT_PRICE:
            return amount / exit_price
        if self.conversion is Conversion.FIXED_RATE:
            return amount * self.rate
        return amount

    def assumptions(self) -> tuple[str, ...]:
        """Sentences saying what the money figures assume beyond the terminal's own booking."""
        said: list[str] = []
        if self.source is TermsSource.ASSUMED:
            said.append(
                f"No terminal described {self.symbol}: assumed {self.contract_size:,.0f} units a lot, "
                f"{self.digits} digits (a pip is {self.pip:.{self.digits}f}) and money in {self.currency}, "
                f"its profit currency"
            )
        elif self.conversion is Conversion.FIXED_RATE:
            said.append(
                f"{self.profit_currency} converted to {self.currency} at {self.rate:.6g}, the terminal's "
                "rate when trained, for the whole history"
            )
        elif self.conversion is Conversion.UNCONVERTED:
            said.append(
                f"money in {self.currency}, {self.symbol}'s profit currency: the terminal gave no rate to "
                "the account currency"
            )
        return tuple(said)

    @classmethod
    def from_spec(cls, spec: SymbolSpec, account_currency: str) -> ContractTerms:
        """Terms of a symbol the terminal described, for an account in `account_currency` ("" unknown)."""

        def terms(currency: str, conversion: Conversion, rate: float = 1.0) -> ContractTerms:
            return cls(
                spec.name, spec.digits, spec.point, spec.contract_size, spec.currency_profit, currency,
                conversion, rate,
            )  # fmt: skip

        account = account_currency or spec.currency_profit
        if account == spec.currency_profit:
            return terms(account, Conversion.SAME)
        if account == spec.currency_base:
            return terms(account, Conversion.BY_EXIT_PRICE)
        if spec.tick_value > 0 and spec.tick_size > 0 and spec.contract_size > 0:
            rate = spec.tick_value / (spec.tick_size * spec.contract_size)
            return terms(account, Conversion.FIXED_RATE, rate)
        return terms(spec.currency_profit, Conversion.UNCONVERTED)

    @classmethod
    def assumed(cls, symbol: str, point: float, contract_size: float | None = None) -> ContractTerms:
        """Terms guessed from the symbol's name and the price step of its bars (a CSV file)."""
        if not point > 0:
            raise ValueError(f"the price step must be positive, got {point!r}")
        digits = max(0, round(-math.log10(point)))
        pair = _CURRENCY_PAIR.match(symbol.upper())
        currency = pair.group(2) if pair else "price units"
        size = contract_size if contract_size is not None else (FX_CONTRACT_SIZE if pair else 1.0)
        if not size > 0:
            raise ValueError(f"the contract size must be positive, got {size!r}")
        return cls(symbol, digits, point, size, currency, currency, source=TermsSource.ASSUMED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "digits": self.digits,
            "point": self.point,
            "contract_size": self.contract_size,
            "profit_currency": self.profit_currency,
            "currency": self.currency,
            "conversion": self.conversion.value,
            "rate": self.rate,
            "source": self.source.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContractTerms:
        return cls(
            symbol=str(data["symbol"]),
            digits=int(data["digits"]),
            point=float(data["point"]),
            contract_size=float(data["contract_size"]),
            profit_currency=str(data["profit_currency"]),
            currency=str(data["currency"]),
            conversion=Conversion(data["conversion"]),
            rate=float(data["rate"]),
            source=TermsSource(data["source"]),
        )


@dataclass(frozen=True, slots=True)
class PipFigures:
    """The backtest in pips: net, mean per trade, and the deepest fall below a peak."""

    net: float
    per_trade: float | None
    max_drawdown: float

    @classmethod
    def of(cls, pips: Iterable[float]) -> PipFigures:
        """From each trade's pips in the order the trades closed."""
        total = peak = deepest = 0.0
        count = 0
        for value in pips:
            total += value
            count += 1
            peak = max(peak, total)
            deepest = max(deepest, peak - total)
        return cls(total, total / count if count else None, deepest)


@dataclass(frozen=True, slots=True)
class BacktestMoney:
    """How the backtest was sized and priced, and its pips; saved in the model's manifest."""

    terms: ContractTerms
    lots: float
    deposit: float
    threshold: float
    pips: PipFigures

    @property
    def currency(self) -> str:
        return self.terms.currency

    def sizing_text(self) -> str:
        """E.g. "0.10 lots of EURUSD from a 10,000.00 USD deposit, trading at confidence ≥ 0.60"."""
        deposit = format_money(self.deposit, self.currency)
        return (
            f"{format_lots(self.lots)} of {self.terms.symbol} from a {deposit} deposit, "
            f"trading at confidence ≥ {self.threshold:.2f}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "terms": self.terms.to_dict(),
            "lots": self.lots,
            "deposit": self.deposit,
            "threshold": self.threshold,
            "net_pips": self.pips.net,
            "pips_per_trade": self.pips.per_trade,
            "max_drawdown_pips": self.pips.max_drawdown,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BacktestMoney:
        """Inverse of `to_dict`; KeyError, TypeError or ValueError when the data is not one."""
        per_trade = data["pips_per_trade"]
        return cls(
            terms=ContractTerms.from_dict(data["terms"]),
            lots=float(data["lots"]),
            deposit=float(data["deposit"]),
            threshold=float(data["threshold"]),
            pips=PipFigures(
                float(data["net_pips"]),
                None if per_trade is None else float(per_trade),
                float(data["max_drawdown_pips"]),
            ),
        )


def backtest_money_of(manifest: Mapping[str, Any]) -> BacktestMoney | None:
    """A manifest's backtest sizing; None for a model trained before backtests were in money."""
    data = manifest.get("backtest_money")
    if not isinstance(data, Mapping):
        return None
    try:
        return BacktestMoney.from_dict(data)
    except (KeyError, TypeError, ValueError):
        return None


def settings_from_backtest(symbol: str, timeframe: Timeframe, money: BacktestMoney | None) -> ModelSettings:
    """A newly saved model's live settings: the lot size and threshold its backtest was run with."""
    if money is None:
        return ModelSettings(symbol=symbol, timeframe=timeframe)
    return ModelSettings(
        symbol=symbol, timeframe=timeframe, lot_size=money.lots, confidence_threshold=money.threshold
    )

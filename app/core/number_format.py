"""One formatter per quantity, wherever the desk writes it: tables, the Event log, toasts, phone alerts.

The browser viewer (resources/viewer/format.js) ports these rules line for line, and a test runs both on
the same numbers, so a figure reads the same on the desk and in the browser:

- a price at its symbol's `digits` (SymbolSpec.digits, carried on Position, OrderResult and
  AUTO_TRADE_EXECUTED), without thousands separators, as MetaTrader 5 writes quotes; when the digits are
  not known, as many decimals as the number has, up to 8; no price (an empty S/L) is "—";
- lots with two decimals, or as many as a finer volume step needs: 0.10, 1.30, 0.015;
- money with thousands separators at the currency's digits (2 unless the account says otherwise), with
  "+" on gains when asked and the currency after it when given: "-23.00 USD", "+1,234.50";
- pips with one decimal and a sign: "+12.3 pips".

Every rounding is Python's (round half to even on the binary value), which format.js matches with
Intl.NumberFormat's `roundingMode: "halfEven"`.
"""

from __future__ import annotations

NO_PRICE = "—"
FALLBACK_DECIMALS = 8
MASK = "••••"


def format_price(price: float | None, digits: int | None) -> str:
    """A price at the symbol's `digits`; None (no SL/TP set) is "—"."""
    if price is None:
        return NO_PRICE
    if digits is None:
        return trimmed(price)
    return f"{price:.{digits}f}"


def trimmed(number: float, decimals: int = FALLBACK_DECIMALS) -> str:
    """At most `decimals` decimals, trailing zeros dropped: 1.085, 57451.94, 2."""
    text = f"{number:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_volume(volume: float) -> str:
    """Lots as MT5 shows them: two decimals, or as many as a finer volume step needs (up to 8)."""
    volume = round(volume, 8)  # a sum of lots carries float noise: 0.1 + 0.2 is 0.30000000000000004
    if round(volume, 2) == volume:
        return f"{volume:.2f}"
    return f"{volume:.8f}".rstrip("0")


def format_lots(volume: float) -> str:
    """Lots with their unit: "1.30 lots"."""
    return f"{format_volume(volume)} lots"


def format_money(amount: float, currency: str = "", *, signed: bool = False, digits: int = 2) -> str:
    """Money with thousands separators at `digits` decimals; `signed` adds "+" to gains (zero stays
    unsigned, and a loss that rounds away shows no "-"); the currency follows when given."""
    rounded = round(amount, digits)
    if rounded == 0:
        text = f"{0:.{digits}f}"  # no "-0.00" for a loss that rounds away, nor for IEEE negative zero
    else:
        text = f"{rounded:+,.{digits}f}" if signed else f"{rounded:,.{digits}f}"
    return f"{text} {currency}" if currency else text


def format_pips(pips: float) -> str:
    """Pips with one decimal and a sign: "+12.3 pips"."""
    rounded = round(pips, 1)
    return "0.0 pips" if rounded == 0 else f"{rounded:+,.1f} pips"


def masked_login(login: int) -> str:
    """The last four digits only, for screenshots, screen sharing and messages that leave the desk."""
    return MASK + str(login)[-4:]

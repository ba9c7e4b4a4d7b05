"""How prices and volumes read wherever the desk writes them: table cells, toasts and phone alerts."""

from __future__ import annotations


def price_digits(symbol: str, price: float) -> int:
    """Decimals a price is shown with; events carry no SymbolSpec, so use the symbol's usual precision.

    JPY pairs and silver quote 3 decimals, gold and crypto 2, other FX 5; anything quoted in thousands
    (indices, unknown CFDs) 2, because five decimals there would only be noise.
    """
    name = symbol.upper()
    if "JPY" in name or name.startswith("XAG"):
        return 3
    if name.startswith(("XAU", "BTC", "ETH")) or abs(price) >= 1000:
        return 2
    return 5


def format_price(symbol: str, price: float | None) -> str:
    """A price at the symbol's precision; an unset price (no SL/TP) is blank, as in the terminal."""
    if price is None:
        return ""
    return f"{price:.{price_digits(symbol, price)}f}"


def format_volume(volume: float) -> str:
    """Lots with two decimals, or as many as a finer volume step needs (up to 8)."""
    volume = round(volume, 8)  # a sum of lots carries float noise: 0.1 + 0.2 is 0.30000000000000004
    if round(volume, 2) == volume:
        return f"{volume:.2f}"
    return f"{volume:.8f}".rstrip("0")


MASK = "••••"


def masked_login(login: int) -> str:
    """The last four digits only, for screenshots, screen sharing and messages that leave the desk."""
    return MASK + str(login)[-4:]

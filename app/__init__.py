"""MT5 Desk: a desktop trading desk for MetaTrader 5."""

__version__ = "0.1.0"

"""A MetaTrader5-shaped simulated terminal: same functions, records, constants and errors."""

"""SQLite journal of trades, equity samples and events."""

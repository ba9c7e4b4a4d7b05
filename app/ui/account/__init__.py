"""The account panel and the connection status indicator."""

"""The open positions table: its model and view."""

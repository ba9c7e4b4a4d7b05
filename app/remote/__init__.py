"""Read-only remote viewing: WebSocket server and viewer client."""

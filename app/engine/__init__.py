"""Event hub, terminal host and its supervisor, trading service, auto-trader and risk guard."""

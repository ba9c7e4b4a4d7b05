"""Event hub, terminal worker, trading service, auto-trader and risk guard."""

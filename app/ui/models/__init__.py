"""Models and auto-trading: the model dock, models table, settings, kill switch, training dialog."""

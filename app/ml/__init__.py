"""Features, labels, training, backtests, metrics and the model store."""

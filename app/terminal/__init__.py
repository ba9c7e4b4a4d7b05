"""Adapter over any MetaTrader5-shaped API, backend selection and the simulator."""

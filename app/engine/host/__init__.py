"""The terminal host: the child process that alone calls the MetaTrader5-shaped API, and its pipe protocol.

Nothing here imports Qt: the host process starts fast and runs single-threaded (the official module
holds the GIL during every call anyway). The desk side (supervisor, engine thread) lives in app.engine.
"""

"""The stand-in MetaTrader5 package a test bridge server finds on its path (see tests/bridge/standin.py)."""

from tests.bridge.standin import install_from_environment

install_from_environment(__name__)

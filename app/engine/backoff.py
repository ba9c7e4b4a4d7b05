"""Reconnect delays; the class lives in app.core.backoff so the remote viewer can use it too."""

from __future__ import annotations

from app.core.backoff import Backoff

__all__ = ["Backoff"]

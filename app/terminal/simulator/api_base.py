"""What every simulated API call shares: the lock, the last-error reset, the connection check, latency."""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app.terminal.simulator.errors import NO_IPC_CONNECTION, ApiError, LastError

if TYPE_CHECKING:
    from app.terminal.simulator.accounting import Accounting
    from app.terminal.simulator.broker import Broker
    from app.terminal.simulator.clock import Clock
    from app.terminal.simulator.conditions import Conditions
    from app.terminal.simulator.market import Market
    from app.terminal.simulator.persistence import StateFile

F = TypeVar("F", bound=Callable[..., Any])


class TerminalState:
    """The fields the API mixins share; SimulatedTerminal.__init__ fills them in."""

    clock: Clock
    market: Market
    _accounting: Accounting
    _broker: Broker
    _state: StateFile
    _state_path: Path | None
    _lock: threading.RLock
    _last_error: LastError
    _login: int
    _password: str
    _server: str
    _connected: bool
    _terminal_up: bool
    _conditions: Conditions
    _sent_orders: deque[tuple[float, str]]
    _algo_trading: bool
    _api_trading: bool
    _forced_retcodes: list[int]
    _selected: set[str]
    _books: set[str]
    _request_id: int

    def _catch_up(self) -> float:
        """Process the server's timed events (SL/TP, swaps, stop out) up to now, and return now."""
        now = self.clock.now()
        self._broker.process(now)
        return now


def api_call(
    failure: Any = None, *, needs_connection: bool = True, latency: bool = True, offline: Any = None
) -> Callable[[F], F]:
    """Wrap an API function: latency, lock, last_error reset, connection check, ApiError -> `failure`.

    An ApiError raised inside sets last_error and makes the call return `failure` (None or False), which
    is how the C module reports argument and terminal errors. Without a connection every data call,
    even one that answers True/False, returns `offline` (None).
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def call(self: TerminalState, *args: Any, **kwargs: Any) -> Any:
            if latency:
                # The real module blocks the whole process (it keeps the GIL) for the IPC round trip.
                self._conditions.before_call()
            with self._lock:
                self._last_error.reset()
                if needs_connection and not self._connected:
                    self._last_error.set(NO_IPC_CONNECTION)
                    return offline
                try:
                    if needs_connection:
                        self._catch_up()
                    return fn(self, *args, **kwargs)
                except ApiError as exc:
                    self._last_error.set(exc.error)
                    return failure

        return call  # type: ignore[return-value]  # wraps keeps fn's signature; mypy sees only `call`

    return decorate

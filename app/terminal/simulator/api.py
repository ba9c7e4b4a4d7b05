"""SimulatedTerminal: a MetaTrader5-shaped object over a seeded market and a simulated demo broker."""

from __future__ import annotations

import logging
import threading
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from app.terminal.simulator import constants
from app.terminal.simulator.accounting import Accounting
from app.terminal.simulator.api_market import MarketApi
from app.terminal.simulator.api_session import SessionApi
from app.terminal.simulator.api_trade import TradeApi
from app.terminal.simulator.broker import Broker
from app.terminal.simulator.clock import Clock, WallClock
from app.terminal.simulator.conditions import Conditions
from app.terminal.simulator.controls import Controls
from app.terminal.simulator.errors import LastError
from app.terminal.simulator.ledger import Ledger
from app.terminal.simulator.market import Market
from app.terminal.simulator.persistence import StateFile

log = logging.getLogger(__name__)

INITIAL_DEPOSIT_COMMENT = "Initial deposit"
DEFAULT_LOGIN = 5_012_345
SENT_ORDERS_KEPT = 10_000


class SimulatedTerminal(SessionApi, MarketApi, TradeApi, Controls):
    """Every function, record, constant and error of the MetaTrader5 module, over a simulated demo account.

    The account persists in `state_path` (JSON) across restarts; without a path it lives in memory.
    `currency` and `balance` are a new account's: a saved account keeps the currency it was opened in, as
    a broker's account does. `conditions` (latency, hang) may be shared with another process that drives
    them.
    """

    if TYPE_CHECKING:
        # The module's constants (ORDER_TYPE_BUY...) are set on the class below from constants.py, all ints.
        def __getattr__(self, name: str) -> int: ...

    def __init__(
        self,
        clock: Clock | None = None,
        seed: int = 5,
        state_path: Path | None = None,
        login: int = DEFAULT_LOGIN,
        password: str = "demo",
        server: str = "MT5Desk-Demo",
        balance: float = 10_000.0,
        leverage: int = 100,
        currency: str = "USD",
        margin_mode: int = constants.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING,
        conditions: Conditions | None = None,
    ) -> None:
        self.clock = clock if clock is not None else WallClock()
        self.market = Market(self.clock, seed)
        self._state_path = Path(state_path) if state_path is not None else None
        self._state = StateFile(self._state_path)
        ledger = self._load_ledger(login)
        self._accounting = Accounting(self.market, ledger.currency if ledger else currency, leverage)
        self._accounting.check_convertible()
        self._lock = threading.RLock()
        self._last_error = LastError()
        self._login, self._password, self._server = login, password, server
        self._connected = False
        self._terminal_up = True
        self._conditions = conditions if conditions is not None else Conditions()
        self._sent_orders = deque(maxlen=SENT_ORDERS_KEPT)
        self._algo_trading = True
        self._api_trading = True
        self._forced_retcodes = []
        self._selected = {name for name, sym in self.market.symbols.items() if sym.selected_by_default}
        self._books = set()
        self._request_id = 0
        fresh = ledger is None
        if ledger is None:
            ledger = Ledger(
                login=login, balance=0.0, processed_until=self.clock.now(), currency=self._accounting.currency
            )
        self._broker = Broker(self.market, self._accounting, ledger, self._state, margin_mode=margin_mode)
        if fresh:
            self._broker.deposit(balance, self.clock.now(), INITIAL_DEPOSIT_COMMENT)
        for position in ledger.positions.values():
            self._selected.add(position.symbol)

    def _load_ledger(self, login: int) -> Ledger | None:
        ledger = self._state.load()
        if ledger is not None and ledger.login != login:
            backup = self._state.set_aside(f"login-{ledger.login}")
            log.warning(
                "Simulated account file %s belongs to login %s, not %s; it was renamed to %s and a fresh "
                "demo account was started.",
                self._state_path,
                ledger.login,
                login,
                backup,
            )
            return None
        return ledger

    def __repr__(self) -> str:
        state = "connected" if self._connected else "not connected"
        return f"<SimulatedTerminal login={self._login} server={self._server!r} {state}>"


for _name, _value in vars(constants).items():
    if _name.isupper():
        setattr(SimulatedTerminal, _name, _value)
del _name, _value

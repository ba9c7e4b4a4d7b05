"""AutoTraderRunner: one account's AutoTrader in its own thread of the desk process.

The AutoTrader needs the journal (registry, duplicate guard) and the terminal's bars, so it runs in the
desk, which owns the journal, and reads bars from its account's terminal host by query. Those reads wait,
so each account's auto-trader gets a thread of its own: the GUI never waits for it, a model waiting for
bars never holds up a manual order, and a hung terminal never delays another account's models. It ticks
every P&L interval while its account's MetaTrader 5 is connected, with the positions the hub announced
for that account, and its orders go through the desk engine like every other order. Of the other
accounts it keeps only what the desk-wide daily loss limit needs (currency and floating P&L).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PyQt6.QtCore import QObject, QThread, QTimer, pyqtSignal, pyqtSlot

from app.core.enums import ConnectionState, NoticeLevel
from app.core.events import AccountsUpdate, AccountUpdate, Event, Notice, PnlUpdate, StatusUpdate
from app.core.settings import FIRST_ACCOUNT_ID, RiskSettings
from app.core.state import DeskState
from app.engine.autotrader import AutoTrader
from app.engine.commands import AutoCommand
from app.engine.desk_loss import AccountLoss
from app.engine.hub import EventHub
from app.engine.ports import OrderPort, TerminalReads
from app.storage.journal import Journal
from app.terminal.errors import TerminalError

log = logging.getLogger(__name__)


class AutoTraderRunner(QObject):
    """Owns the AutoTrader and its thread; commands arrive queued, ticks come from its own timer."""

    _command = pyqtSignal(object)
    _stop = pyqtSignal()

    def __init__(
        self,
        journal: Journal,
        hub: EventHub,
        terminal: TerminalReads,
        orders: OrderPort,
        now: Callable[[], datetime],
        *,
        tick_s: float,
        models_dir: Path | None = None,
        risk: RiskSettings | None = None,
        account_id: str = FIRST_ACCOUNT_ID,
        announce_master: bool = True,
    ) -> None:
        super().__init__()
        self._hub = hub
        self._journal = journal
        self._terminal = terminal
        self._orders = orders
        self._account_id = account_id
        self._tick_ms = max(1, int(tick_s * 1000))
        self._trader = AutoTrader(
            journal,
            self._publish,
            now,
            models_dir=models_dir,
            limits=risk,
            account_id=account_id,
            announce_master=announce_master,
            desk_accounts=self,
        )
        self._known = DeskState()
        # Every account's (currency, floating P&L, label), in the desk's order: for the desk-wide loss.
        self._desk: dict[str, tuple[str, float, str]] = {}
        self._connected = False
        self._problem = ""
        self._timer: QTimer | None = None
        self._thread = QThread()
        self._thread.setObjectName("AutoTrader")
        self.moveToThread(self._thread)
        self._thread.started.connect(self._on_started)
        self._command.connect(self._on_command)
        self._stop.connect(self._on_stop)
        hub.stream.connect(self._on_event)

    @property
    def account_id(self) -> str:
        return self._account_id

    @property
    def trader(self) -> AutoTrader:
        """The auto-trader; touch it only from its thread (or with the runner stopped)."""
        return self._trader

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> bool:
        if not self._thread.isRunning():
            return True
        self._stop.emit()
        return self._thread.wait(int(timeout_s * 1000))

    def submit(self, command: AutoCommand) -> None:
        """Queue a models / auto-trading / kill switch command; it answers with events."""
        self._command.emit(command)

    @pyqtSlot()
    def _on_started(self) -> None:
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._timer.start(self._tick_ms)

    @pyqtSlot()
    def _on_stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._thread.quit()

    @pyqtSlot(object)
    def _on_command(self, command: AutoCommand) -> None:
        try:
            self._trader.handle(command)
        except TerminalError as error:  # a kill switch that could not reach the terminal says so itself
            log.warning("auto-trading command %r: %s", command, error)
        except Exception as error:  # an exception escaping a slot would abort the whole process
            log.exception("auto-trading command %r failed", command)
            self._say(f"MT5 Desk hit an internal error handling a request ({type(error).__name__}: {error}).")

    def losses(self, day_start: datetime) -> tuple[str, list[AccountLoss]]:
        """Every account's P&L today (the AutoTrader's thread): closed from the journal, floating as the
        hub last said; the first account's currency."""
        parts = [
            AccountLoss(
                account_id, label, currency, self._journal.closed_profit(day_start, account_id), floating
            )
            for account_id, (currency, floating, label) in self._desk.items()
            if currency
        ]
        first = next(iter(self._desk.values()), ("", 0.0, ""))[0]
        return first, parts

    def _publish(self, event: Event) -> None:
        self._hub.publish(event if event.account_id else replace(event, account_id=self._account_id))

    def _follow_desk(self, event: Event) -> None:
        if isinstance(event, AccountsUpdate):
            known = self._desk
            self._desk = {}
            for entry in event.accounts:
                currency, floating, _label = known.get(entry.account_id, ("", 0.0, ""))
                self._desk[entry.account_id] = (currency, floating, entry.label)
        elif isinstance(event, AccountUpdate):
            _currency, _floating, label = self._desk.get(event.account_id, ("", 0.0, event.account_id))
            self._desk[event.account_id] = (event.account.currency, event.account.profit, label)
        elif isinstance(event, PnlUpdate) and event.account_id in self._desk:
            currency, _floating, label = self._desk[event.account_id]
            self._desk[event.account_id] = (currency, event.floating_total, label)

    @pyqtSlot(object)
    def _on_event(self, event: Event) -> None:
        self._follow_desk(event)
        if event.account_id != self._account_id:
            return
        self._known.apply(event)
        if not isinstance(event, StatusUpdate):
            return
        connected = event.status.state is ConnectionState.CONNECTED
        if connected and not self._connected:
            # After the terminal's own snapshot: what it holds comes first, then the models that trade on it.
            self._connected = True
            own = self._known.of(self._account_id)
            self._guarded(lambda: self._trader.attach(self._terminal, self._orders, own.positions))
        elif not connected:
            self._connected = False

    @pyqtSlot()
    def _tick(self) -> None:
        if self._connected:
            own = self._known.of(self._account_id)
            self._guarded(lambda: self._trader.on_tick(own.positions))
        if self._timer is not None:
            self._timer.start(self._tick_ms)

    def _guarded(self, step: Callable[[], object]) -> None:
        try:
            step()
        except TerminalError as error:
            log.info("auto-trader paused this turn: %s", error.message)  # the host reports the link itself
        except Exception as error:  # one failing turn is reported and the next one runs
            log.exception("auto-trader turn failed")
            self._say(f"{type(error).__name__}: {error}")
        else:
            self._problem = ""

    def _say(self, text: str) -> None:
        if text == self._problem:
            return
        self._problem = text
        self._publish(Notice(level=NoticeLevel.ERROR, title="Auto-trading", text=text))

"""TerminalWorker: the one thread that talks to MetaTrader 5, its sync loops and its reconnects.

Every loop is a single-shot QTimer re-armed when the loop finishes, so a slow terminal call delays the
next run instead of piling runs up, and loops never overlap (they share one thread). Orders arrive as
queued commands and run between loops. Everything learnt leaves as an immutable event on the hub.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PyQt6.QtCore import QObject, QThread, QTimer, pyqtSignal, pyqtSlot

from app.core.enums import ConnectionState, NoticeLevel
from app.core.events import AccountUpdate, Event, Notice, StatusUpdate, utc_now
from app.core.models import DISCONNECTED_ON_REQUEST, Account, Position, TerminalStatus
from app.core.settings import RiskSettings
from app.engine.autotrader import AutoTrader
from app.engine.backoff import Backoff
from app.engine.commands import (
    AUTO_COMMANDS,
    LinkCommand,
    QueryCommand,
    RefreshCommand,
    TradeCommand,
    WorkerCommand,
)
from app.engine.hub import EventHub
from app.engine.journal_sink import JournalSink
from app.engine.reconcile import reconcile_pending
from app.engine.tracker import PositionTracker
from app.engine.trading import TradingService, is_link_error
from app.storage.journal import Journal
from app.terminal.adapter import Terminal, TerminalInfoView
from app.terminal.backend import BackendSelection
from app.terminal.errors import TerminalError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Intervals:
    """Loop periods in seconds (settings `intervals.*`)."""

    pnl_s: float = 1.0
    positions_s: float = 3.0
    account_s: float = 5.0
    heartbeat_s: float = 30.0

    @property
    def stale_after_s(self) -> float:
        """No successful call for this long means the link is stale."""
        return 2 * self.positions_s


LOOPS = ("pnl", "positions", "account", "heartbeat")


class TerminalWorker(QObject):
    """Owns the Terminal in its own QThread; nothing else may call it while the worker runs."""

    alive = pyqtSignal()
    finished = pyqtSignal()
    query_done = pyqtSignal(int, object, str)  # request id, result, error text ("" when it worked)
    trade_finished = pyqtSignal(str)  # trade id of a TradeCommand now done with, whatever its outcome
    _command = pyqtSignal(object)
    _stop = pyqtSignal()

    def __init__(
        self,
        opener: Callable[[], BackendSelection],
        reconnect: Callable[[Terminal], None],
        hub: EventHub,
        journal: Journal | None,
        intervals: Intervals = Intervals(),
        *,
        now: Callable[[], datetime] = utc_now,
        backoff: Backoff | None = None,
        models_dir: Path | None = None,
        risk: RiskSettings | None = None,
    ) -> None:
        super().__init__()
        self._opener = opener
        self._reconnect = reconnect
        self._terminal: Terminal | None = None
        self._hub = hub
        self._journal = journal
        self._sink = (
            JournalSink(journal, on_failure=self._journal_failed, on_recovered=self._journal_recovered)
            if journal is not None
            else None
        )
        self._intervals = intervals
        self._now = now
        self._backoff = backoff or Backoff()
        self._tracker = PositionTracker()
        self._trading: TradingService | None = None
        # Lives in this thread like everything else here; needs the journal (registry, duplicate guard).
        self._autotrader = (
            AutoTrader(journal, self._publish, now, models_dir=models_dir, limits=risk)
            if journal is not None
            else None
        )
        self._state = ConnectionState.DISCONNECTED
        self._account: Account | None = None
        self._info: TerminalInfoView | None = None
        self._last_ok = time.monotonic()
        self._positions_read_at = 0.0
        self._last_heartbeat: datetime | None = None
        self._problems: dict[str, str] = {}
        self._timers: dict[str, QTimer] = {}
        self._reconnect_timer: QTimer | None = None
        self._thread = QThread()
        self._thread.setObjectName("TerminalWorker")
        self.moveToThread(self._thread)
        self._thread.started.connect(self._on_started)
        self._command.connect(self._on_command)
        self._stop.connect(self._on_stop)

    # ---- public, callable from any thread -------------------------------------------------------
    def start(self) -> None:
        """Start the worker thread; it connects and begins its loops."""
        self._thread.start()

    def submit(self, command: WorkerCommand) -> None:
        """Queue a command; its result comes back as events."""
        self._command.emit(command)

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Stop loops, close the link and end the thread; False if it did not end in time."""
        if not self._thread.isRunning():
            return True
        self._stop.emit()
        return self._thread.wait(int(timeout_s * 1000))

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def autotrader(self) -> AutoTrader | None:
        """The auto-trader; touch it only from the worker thread (or with the worker stopped)."""
        return self._autotrader

    @property
    def _term(self) -> Terminal:
        if self._terminal is None:
            raise TerminalError(-10004, "MetaTrader 5 is not connected yet", "", "", True)
        return self._terminal

    # ---- worker thread ----------------------------------------------------------------------------
    @pyqtSlot()
    def _on_started(self) -> None:
        for name in LOOPS:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda n=name: self._run_loop(n))
            self._timers[name] = timer
        self._reconnect_timer = QTimer(self)
        self._reconnect_timer.setSingleShot(True)
        self._reconnect_timer.timeout.connect(self._attempt_connect)
        self._attempt_connect()

    @pyqtSlot()
    def _on_stop(self) -> None:
        for timer in self._timers.values():
            timer.stop()
        if self._reconnect_timer is not None:
            self._reconnect_timer.stop()
        try:
            if self._terminal is not None:
                self._terminal.disconnect()
        except TerminalError as error:
            log.warning("disconnect on stop: %s", error)
        self.finished.emit()
        self._thread.quit()

    @pyqtSlot(object)
    def _on_command(self, command: object) -> None:
        try:
            self._dispatch(command)
        except Exception as error:  # an exception escaping a slot would abort the whole process
            log.exception("command %r failed", command)
            text = f"MT5 Desk hit an internal error handling a request ({type(error).__name__}: {error})."
            self._publish(Notice(level=NoticeLevel.ERROR, title="Internal error", text=text))

    def _dispatch(self, command: object) -> None:
        if isinstance(command, RefreshCommand):
            if self._state in (ConnectionState.CONNECTED, ConnectionState.STALE):
                for name in LOOPS:
                    self._run_loop(name)
            else:
                self._publish_status()
            return
        if isinstance(command, TradeCommand):
            self._execute(command)
        elif isinstance(command, QueryCommand):
            self._answer(command)
        elif isinstance(command, LinkCommand):
            self._switch_link(command.connect)
        elif isinstance(command, AUTO_COMMANDS):
            if self._autotrader is None:
                text = "Auto-trading needs the trade journal, which is not open; nothing was changed."
                self._publish(Notice(level=NoticeLevel.ERROR, title="Auto-trading unavailable", text=text))
            else:
                self._autotrader.handle(command)

    def _switch_link(self, connect: bool) -> None:
        if connect:
            if self._state is ConnectionState.DISCONNECTED:
                self._backoff.reset()
                self._attempt_connect()
            return
        for timer in self._timers.values():
            timer.stop()
        if self._reconnect_timer is not None:
            self._reconnect_timer.stop()
        if self._terminal is not None:
            self._terminal.disconnect()
        self._set_state(ConnectionState.DISCONNECTED, message=DISCONNECTED_ON_REQUEST)

    def _answer(self, query: QueryCommand) -> None:
        try:
            result = query.call(self._term)
        except TerminalError as error:
            self.query_done.emit(query.request_id, None, _sentence(error))
            if is_link_error(error) and self._state in (ConnectionState.CONNECTED, ConnectionState.STALE):
                self._link_lost(error)
            return
        except Exception as error:  # a failing query must not take the worker down
            log.exception("query %s failed", query.request_id)
            self.query_done.emit(query.request_id, None, f"{type(error).__name__}: {error}")
            return
        self.query_done.emit(query.request_id, result, "")

    def _execute(self, command: TradeCommand) -> None:
        try:
            self._execute_trade(command)
        finally:
            # After the loops above published the fill's effect, so a freed position shows its new state.
            self.trade_finished.emit(command.trade_id)

    def _execute_trade(self, command: TradeCommand) -> None:
        if self._trading is None:
            log.error("trade command without a journal: refused")
            return
        if self._state not in (ConnectionState.CONNECTED, ConnectionState.STALE):
            self._trading.refuse(command, "MetaTrader 5 is not connected, so the order was not sent.")
            return
        outcome = self._trading.execute(command)
        if outcome.link_lost:
            self._link_lost(TerminalError(-10004, "MetaTrader 5 stopped answering", "", "", True))
            return
        self._note_success()
        self._run_loop("pnl")  # the 1 s loop always reads: the fill shows at once
        self._run_loop("account")

    def _attempt_connect(self) -> None:
        try:
            self._open_or_reconnect()
            self._after_connect()
        except TerminalError as error:
            self._connect_failed(error)
            return
        except Exception as error:  # a bug must not kill the worker: report it and retry later
            log.exception("connect failed")
            self._connect_failed(
                TerminalError(-1, f"Unexpected error while connecting: {error}", "", "", True)
            )
            return
        self._backoff.reset()
        self._note_success()
        self._set_state(ConnectionState.CONNECTED)
        if self._autotrader is not None and self._trading is not None:
            # After the status: what the terminal holds comes first, then the models that trade on it.
            self._autotrader.attach(self._term, self._trading, self._tracker.known)
        for name in LOOPS:
            self._arm(name)

    def _open_or_reconnect(self) -> None:
        if self._terminal is not None:
            self._reconnect(self._terminal)
            return
        # Backend selection happens here, in the worker thread, because probing for a real terminal
        # can block for the whole initialize() timeout.
        selection = self._opener()
        self._terminal = selection.terminal
        if self._journal is not None:
            self._trading = TradingService(self._terminal, self._journal, self._publish, self._now)
        if selection.reason:
            level = NoticeLevel.WARNING if selection.fell_back else NoticeLevel.INFO
            self._publish(Notice(level=level, title="Terminal backend", text=selection.reason))

    def _after_connect(self) -> None:
        """Reconcile pending trades, then take the terminal's snapshot as the truth and publish the diff."""
        if self._journal is not None:
            report = reconcile_pending(self._term, self._journal, self._now)
            if not report.empty:
                self._publish(
                    Notice(level=NoticeLevel.WARNING, title="Pending orders checked", text=report.summary())
                )
        self._info = self._term.terminal_info()
        self._poll_account(force=True)
        self._poll_positions()
        if self._sink is not None:
            self._sink.sync_deals(self._term, self._now())

    def _connect_failed(self, error: TerminalError) -> None:
        if self._state is ConnectionState.DISCONNECTED:
            # Say once why the desk is not connected; later failed attempts stay quiet in RECONNECTING.
            self._publish_status(message=_sentence(error))
            self._set_state(ConnectionState.RECONNECTING, message=error.message)
        self._schedule_reconnect()

    def _schedule_reconnect(self) -> None:
        delay = self._backoff.next_delay()
        log.info("next connection attempt in %.1f s", delay)
        assert self._reconnect_timer is not None
        self._reconnect_timer.start(int(delay * 1000))

    def _link_lost(self, error: TerminalError) -> None:
        for timer in self._timers.values():
            timer.stop()
        self._set_state(ConnectionState.DISCONNECTED, message=_sentence(error))
        self._publish(
            Notice(level=NoticeLevel.ERROR, title="Connection to MetaTrader 5 lost", text=_sentence(error))
        )
        self._set_state(ConnectionState.RECONNECTING, message=error.message)
        self._schedule_reconnect()

    def _arm(self, name: str) -> None:
        seconds = {
            "pnl": self._intervals.pnl_s,
            "positions": self._intervals.positions_s,
            "account": self._intervals.account_s,
            "heartbeat": self._intervals.heartbeat_s,
        }[name]
        self._timers[name].start(max(1, int(seconds * 1000)))

    def _run_loop(self, name: str) -> None:
        if self._state not in (ConnectionState.CONNECTED, ConnectionState.STALE):
            return
        try:
            if name == "pnl":
                current = self._poll_positions()
                if self._autotrader is not None and self._autotrader.on_tick(current):
                    self._poll_positions()  # publish the model's new or closed positions now
            elif name == "positions":
                if self._positions_due():
                    self._poll_positions()
            elif name == "account":
                self._poll_account(force=False)
            else:
                self._heartbeat()
            self._note_success()
            self._problems.pop(name, None)
        except TerminalError as error:
            if is_link_error(error):
                self._link_lost(error)
                return
            self._report_problem(name, error.message)
        except Exception as error:  # one failing loop is reported and the loop goes on
            log.exception("%s loop failed", name)
            self._report_problem(name, f"{type(error).__name__}: {error}")
        self._check_stale()
        self._arm(name)
        self.alive.emit()

    def _positions_due(self) -> bool:
        """The 3 s loop is the guaranteed full pass: it reads only when the 1 s loop has not lately."""
        return time.monotonic() - self._positions_read_at >= self._intervals.positions_s

    def _poll_positions(self) -> dict[int, Position]:
        current = self._term.positions()
        self._positions_read_at = time.monotonic()
        change = self._tracker.update(current, self._account)
        if change.positions is not None:
            self._publish(change.positions)
        if change.pnl is not None:
            self._publish(change.pnl)
        if self._sink is not None:
            self._sink.positions_changed(self._term, change, current, self._now())
        return current

    def _poll_account(self, *, force: bool) -> None:
        account = self._read_account(force=force)
        if self._sink is not None:
            self._sink.equity_sample(account, self._now())

    def _read_account(self, *, force: bool = False) -> Account:
        """Read the account and publish it when it changed; the one place `_account` is replaced."""
        account = self._term.account()
        if force or account != self._account:
            self._account = account
            self._publish(AccountUpdate(account=account))
        return account

    def _heartbeat(self) -> None:
        started = time.monotonic()
        self._info = self._term.terminal_info()
        self._read_account()
        self._last_heartbeat = self._now()
        if self._sink is not None:
            self._sink.sync_deals(self._term, self._last_heartbeat)
        ping = self._info.ping_ms if self._info.ping_ms else (time.monotonic() - started) * 1000
        self._publish_status(ping_ms=ping)

    def _note_success(self) -> None:
        self._last_ok = time.monotonic()
        if self._state is ConnectionState.STALE:
            self._set_state(ConnectionState.CONNECTED)

    def _check_stale(self) -> None:
        silent = time.monotonic() - self._last_ok
        if self._state is ConnectionState.CONNECTED and silent > self._intervals.stale_after_s:
            self._set_state(ConnectionState.STALE, message=f"No answer from MetaTrader 5 for {silent:.0f} s")

    def _report_problem(self, loop: str, message: str) -> None:
        if self._problems.get(loop) == message:
            return  # said once; repeating it every second would bury everything else
        self._problems[loop] = message
        self._publish(
            Notice(level=NoticeLevel.WARNING, title=f"{loop.capitalize()} update failed", text=message)
        )

    def _set_state(self, state: ConnectionState, *, message: str = "") -> None:
        if state is self._state:
            return
        self._state = state
        self._publish_status(message=message)

    def _publish_status(self, *, message: str = "", ping_ms: float | None = None) -> None:
        info, account = self._info, self._account
        status = TerminalStatus(
            state=self._state,
            # Only a working link counts: stale, reconnecting or disconnected, the last answer is old news.
            mt5_connected=bool(info and info.connected) and self._state is ConnectionState.CONNECTED,
            account_number=account.login if account else None,
            account_balance=account.balance if account else None,
            positions_count=len(self._tracker.known) if self._tracker.initialised else None,
            ping_ms=ping_ms if ping_ms is not None else (info.ping_ms if info else None),
            trade_allowed=bool(info and info.trade_allowed and (account is None or account.trade_expert)),
            last_heartbeat=self._last_heartbeat,
            server=account.server if account else "",
            build=info.build if info else None,
            path=info.path if info else "",
            simulated=bool(self._terminal and self._terminal.simulated),
            message=message,
        )
        self._publish(StatusUpdate(status=status))

    def _journal_failed(self, text: str) -> None:
        # Straight to the hub: going through _publish would try the failing journal again.
        self._hub.publish(Notice(level=NoticeLevel.ERROR, title="Journal write failed", text=text))

    def _journal_recovered(self, text: str) -> None:
        self._hub.publish(Notice(level=NoticeLevel.INFO, title="Journal writable again", text=text))

    def _publish(self, event: Event) -> None:
        self._hub.publish(event)
        if self._sink is not None:
            self._sink.event(event)


def _sentence(error: TerminalError) -> str:
    return f"{error.message}. {error.hint}" if error.hint else error.message

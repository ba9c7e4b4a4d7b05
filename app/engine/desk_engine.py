"""DeskEngine: the desk's side of trading and journaling, in its own thread.

It owns everything the journal learns while the desk runs: orders are journaled `pending` (and `sent`)
here before they cross the pipe to the terminal host, and their outcomes are written when the host
answers; the host's deals and account reads, and every event on the hub, are written here too. It also
decides which orders may leave at all: none while MetaTrader 5 is stale, reconnecting or disconnected,
none once too many wait for an answer, and none twice. After every (re)connect it asks the host for the
terminal's records and resolves the rows a dead host left pending, never re-sending anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime

from PyQt6.QtCore import QObject, QThread, pyqtSignal, pyqtSlot

from app.core.enums import ConnectionState, NoticeLevel
from app.core.events import Event, Notice, PositionsUpdate, StatusUpdate, utc_now
from app.engine.commands import LinkCommand, RefreshCommand, TradeCommand
from app.engine.host.messages import (
    AccountRead,
    Answer,
    DealsFound,
    Link,
    Linked,
    OrderCommand,
    OrderOutcome,
    Outcome,
    QueryFailed,
    ReconcileFacts,
    Refresh,
)
from app.engine.hub import EventHub
from app.engine.journal_sink import JournalSink
from app.engine.reconcile import ReconcileReport, facts_query, resolve_pending, resolved_meanwhile
from app.engine.supervisor import HostSupervisor, next_request_id
from app.engine.trading import DEFAULT_DEADLINE_S, TradeOutcome, TradingService
from app.storage.errors import JournalError
from app.storage.journal import Journal

log = logging.getLogger(__name__)

MAX_ORDERS_WAITING = 32
NOT_HANDED_OVER = (
    "Not sent: MetaTrader 5's host process stopped before the order reached it. "
    "Place it again once MetaTrader 5 answers if you still want it."
)
HOST_DIED_UNCONFIRMED = (
    "MetaTrader 5's host process stopped while this order was on its way; it may or may not have been "
    "executed. MT5 Desk checks with MetaTrader 5 once it answers again and will not send it twice."
)


@dataclass(slots=True)
class _Waiting:
    """An order handed to a host and not answered yet."""

    command: TradeCommand
    order: OrderCommand
    incarnation: int
    done: Future[TradeOutcome] | None


class DeskEngine(QObject):
    """Orders, outcomes, reconciles and journal writes; every slot runs in the engine's own thread."""

    trade_finished = pyqtSignal(str)  # trade id, once its outcome (or refusal) is recorded
    _command = pyqtSignal(object)
    _blocking = pyqtSignal(object, object)  # TradeCommand, Future[TradeOutcome]
    _facts = pyqtSignal(object)
    _stop = pyqtSignal()

    def __init__(
        self,
        journal: Journal,
        hub: EventHub,
        host: HostSupervisor,
        *,
        deadline_s: float = DEFAULT_DEADLINE_S,
        max_orders_waiting: int = MAX_ORDERS_WAITING,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__()
        self._journal = journal
        self._hub = hub
        self._host = host
        self._now = now
        self._max_waiting = max_orders_waiting
        self._trading = TradingService(journal, hub.publish, now, deadline_s=deadline_s)
        self._sink = JournalSink(
            journal, on_failure=self._journal_failed, on_recovered=self._journal_recovered
        )
        self._state = ConnectionState.DISCONNECTED
        self._waiting: dict[str, _Waiting] = {}
        self._symbols: dict[int, str] = {}
        self._unconfirmed: set[str] = set()  # the trader was told "may or may not have executed"
        self._reconcile: tuple[int, frozenset[str]] | None = None
        self._thread = QThread()
        self._thread.setObjectName("DeskEngine")
        self.moveToThread(self._thread)
        self._command.connect(self._on_command)
        self._blocking.connect(self._on_blocking)
        self._facts.connect(self._on_facts)
        self._stop.connect(self._on_stop)
        hub.event.connect(self._on_event)
        host.host_message.connect(self._on_host_message)
        host.host_lost.connect(self._on_host_lost)

    # ---- any thread --------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Write what is queued, then end the thread; False if it did not end in time."""
        if not self._thread.isRunning():
            return True
        self._stop.emit()
        return self._thread.wait(int(timeout_s * 1000))

    def submit(self, command: TradeCommand | RefreshCommand | LinkCommand) -> None:
        """Queue an order (or a refresh / link request); what became of it comes back as events."""
        self._command.emit(command)

    def execute(self, command: TradeCommand, timeout_s: float = 120.0) -> TradeOutcome:
        """Place an order and wait for its outcome (the auto-trader's thread; never the engine's)."""
        if QThread.currentThread() is self._thread:
            raise RuntimeError("DeskEngine.execute would wait on its own thread")
        done: Future[TradeOutcome] = Future()
        self._blocking.emit(command, done)
        try:
            return done.result(timeout_s)
        except FutureTimeout:
            text = f"No answer from MetaTrader 5 within {timeout_s:.0f} s; the order is checked later."
            return TradeOutcome(command.trade_id, Outcome.UNCONFIRMED, message=text, link_lost=True)

    # ---- the engine thread -------------------------------------------------------------------------
    @pyqtSlot(object)
    def _on_command(self, command: object) -> None:
        if isinstance(command, TradeCommand):
            self._place(command, None)
        elif isinstance(command, RefreshCommand):
            self._host.post(Refresh())
        elif isinstance(command, LinkCommand):
            self._host.post(Link(connect=command.connect))

    @pyqtSlot(object, object)
    def _on_blocking(self, command: TradeCommand, done: Future[TradeOutcome]) -> None:
        self._place(command, done)

    def _place(self, command: TradeCommand, done: Future[TradeOutcome] | None) -> None:
        symbol = self._symbols.get(command.request.ticket or 0, "")
        if self._state is not ConnectionState.CONNECTED:
            self._finished(command, self._trading.refuse(command, _refusal(self._state), symbol=symbol), done)
            return
        if len(self._waiting) >= self._max_waiting:
            text = (
                f"Not sent: {len(self._waiting)} orders are already waiting for MetaTrader 5 to answer. "
                "Try again when they are done."
            )
            self._finished(command, self._trading.refuse(command, text, symbol=symbol), done)
            return
        begun = self._trading.begin(command, symbol=symbol)
        if isinstance(begun, TradeOutcome):
            self._finished(command, begun, done)
            return
        incarnation = self._host.post(begun)
        if incarnation is None:
            self._finished(command, self._trading.not_sent(command, begun, NOT_HANDED_OVER), done)
            return
        self._waiting[command.trade_id] = _Waiting(command, begun, incarnation, done)

    def _finished(
        self, command: TradeCommand, outcome: TradeOutcome, done: Future[TradeOutcome] | None
    ) -> None:
        if outcome.outcome is Outcome.UNCONFIRMED:
            self._unconfirmed.add(command.trade_id)
        if done is not None and not done.done():
            done.set_result(outcome)
        self.trade_finished.emit(command.trade_id)

    @pyqtSlot(object)
    def _on_host_message(self, message: object) -> None:
        if isinstance(message, OrderOutcome):
            waiting = self._waiting.pop(message.trade_id, None)
            if waiting is None:
                log.error("an outcome for trade %s, which no order waits for", message.trade_id)
                return
            self._finished(
                waiting.command, self._trading.finish(waiting.command, waiting.order, message), waiting.done
            )
        elif isinstance(message, DealsFound):
            self._sink.deals(message.deals)
        elif isinstance(message, AccountRead):
            self._sink.equity_sample(message.account, message.at)
        elif isinstance(message, Linked):
            self._start_reconcile()

    @pyqtSlot(int, object)
    def _on_host_lost(self, incarnation: int, never_sent: frozenset[str]) -> None:
        self._reconcile = None
        for trade_id, waiting in list(self._waiting.items()):
            if waiting.incarnation != incarnation:
                continue
            del self._waiting[trade_id]
            if trade_id in never_sent:
                outcome = self._trading.not_sent(waiting.command, waiting.order, NOT_HANDED_OVER)
            else:
                outcome = self._trading.unconfirmed(
                    waiting.command, waiting.order.request, HOST_DIED_UNCONFIRMED
                )
            self._finished(waiting.command, outcome, waiting.done)

    def _start_reconcile(self) -> None:
        try:
            pending = [t for t in self._journal.pending_trades() if t.trade_id not in self._waiting]
        except JournalError as error:
            log.error("cannot read pending trades to reconcile: %s", error)
            return
        self._reconcile = None
        if not pending:
            self._announce(ReconcileReport())
            return
        request_id = next_request_id()
        self._reconcile = (request_id, frozenset(t.trade_id for t in pending))
        self._host.expect(request_id, self._facts.emit)
        if self._host.post(facts_query(request_id, pending, self._now())) is None:
            self._reconcile = None  # the next connect tries again

    @pyqtSlot(object)
    def _on_facts(self, answer: Answer) -> None:
        if self._reconcile is None or self._reconcile[0] != answer.request_id:
            return
        _, ids = self._reconcile
        self._reconcile = None
        if isinstance(answer, QueryFailed):
            log.warning("reconcile postponed: %s", answer.message)
            return
        if not isinstance(answer, ReconcileFacts):
            return
        try:
            report = resolve_pending(answer, self._journal, self._now, ids - set(self._waiting))
        except JournalError as error:
            self._hub.publish(
                Notice(
                    level=NoticeLevel.ERROR,
                    title="Pending orders not checked",
                    text=f"The journal could not be updated while checking pending orders ({error}).",
                )
            )
            return
        self._announce(report)

    def _announce(self, report: ReconcileReport) -> None:
        """Say how the reconciled rows ended, and the unconfirmed orders the terminal's snapshot settled."""
        decided = {*report.opened, *report.done, *report.failed}
        try:
            meanwhile = resolved_meanwhile(self._journal, self._unconfirmed - decided - set(self._waiting))
        except JournalError as error:
            log.error("cannot read how unconfirmed orders ended: %s", error)
            meanwhile = ReconcileReport()
        self._unconfirmed -= decided | {*meanwhile.opened, *meanwhile.done, *meanwhile.failed}
        report = report.joined(meanwhile)
        if not report.empty:
            self._hub.publish(
                Notice(level=NoticeLevel.WARNING, title="Pending orders checked", text=report.summary())
            )

    @pyqtSlot(object)
    def _on_event(self, event: Event) -> None:
        self._sink.event(event)
        if isinstance(event, StatusUpdate):
            self._state = event.status.state
        elif isinstance(event, PositionsUpdate):
            for ticket in event.removed:
                self._symbols.pop(ticket, None)
            for position in event.positions:
                self._symbols[position.ticket] = position.symbol
            self._sink.positions_changed(event, self._now())

    @pyqtSlot()
    def _on_stop(self) -> None:
        self._thread.quit()

    def _journal_failed(self, text: str) -> None:
        # Straight to the hub: the sink says it once, so its own write of this notice cannot loop.
        self._hub.publish(Notice(level=NoticeLevel.ERROR, title="Journal write failed", text=text))

    def _journal_recovered(self, text: str) -> None:
        self._hub.publish(Notice(level=NoticeLevel.INFO, title="Journal writable again", text=text))


def _refusal(state: ConnectionState) -> str:
    if state is ConnectionState.STALE:
        return "Not sent: MetaTrader 5 is not answering (busy or frozen), so the order was not sent."
    return "MetaTrader 5 is not connected, so the order was not sent."

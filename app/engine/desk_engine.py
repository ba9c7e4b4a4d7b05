"""DeskEngine: the desk's side of trading and journaling, for every account, in its own thread.

It owns everything the journal learns while the desk runs: orders are journaled `pending` (and `sent`)
here before they cross the pipe to their account's terminal host, and their outcomes are written when the
host answers; each host's deals and account reads, and every event on the hub, are written here too,
filed under their account. It also decides which orders may leave at all: none for an account the desk
does not run (never to another account instead), none while that account's MetaTrader 5 is stale,
reconnecting or disconnected, none once too many wait for that account's answer, and none twice. After
every (re)connect of an account it asks that host for the terminal's records and resolves the rows a dead
host left pending, never re-sending anything. One account's trouble never holds up another's orders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime

from PyQt6.QtCore import QObject, QThread, pyqtSignal, pyqtSlot

from app.core.enums import ConnectionState, NoticeLevel
from app.core.events import Event, Notice, PositionsUpdate, StatusUpdate, utc_now
from app.core.state import PositionKey
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

MAX_ORDERS_WAITING = 32  # per account
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


@dataclass(slots=True)
class _Account:
    """What the engine keeps of one account it runs: its host, link state and the orders it waits for."""

    host: HostSupervisor
    deadline_s: float
    state: ConnectionState = ConnectionState.DISCONNECTED
    waiting: dict[str, _Waiting] = field(default_factory=dict)
    unconfirmed: set[str] = field(default_factory=set)  # told "may or may not have executed"
    reconcile: tuple[int, frozenset[str]] | None = None


class DeskEngine(QObject):
    """Orders, outcomes, reconciles and journal writes; every slot runs in the engine's own thread."""

    trade_finished = pyqtSignal(str)  # trade id, once its outcome (or refusal) is recorded
    _command = pyqtSignal(object)
    _blocking = pyqtSignal(object, object)  # TradeCommand, Future[TradeOutcome]
    _facts = pyqtSignal(str, object)  # account id, Answer
    _attach = pyqtSignal(str, object, float)  # account id, HostSupervisor, order deadline (s)
    _detach = pyqtSignal(str, str)  # account id, why its orders are refused from now on
    _stop = pyqtSignal()

    def __init__(
        self,
        journal: Journal,
        hub: EventHub,
        *,
        deadline_s: float = DEFAULT_DEADLINE_S,
        max_orders_waiting: int = MAX_ORDERS_WAITING,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__()
        self._journal = journal
        self._hub = hub
        self._now = now
        self._max_waiting = max_orders_waiting
        self._trading = TradingService(journal, hub.publish, now, deadline_s=deadline_s)
        self._sink = JournalSink(
            journal, on_failure=self._journal_failed, on_recovered=self._journal_recovered
        )
        self._accounts: dict[str, _Account] = {}
        self._refused: dict[str, str] = {}  # account id -> why its orders are not sent (switched off...)
        self._symbols: dict[PositionKey, str] = {}
        self._wired: set[HostSupervisor] = set()  # the caller's side: hosts whose signals reach us
        self._thread = QThread()
        self._thread.setObjectName("DeskEngine")
        self.moveToThread(self._thread)
        self._command.connect(self._on_command)
        self._blocking.connect(self._on_blocking)
        self._facts.connect(self._on_facts)
        self._attach.connect(self._on_attach)
        self._detach.connect(self._on_detach)
        self._stop.connect(self._on_stop)
        hub.stream.connect(self._on_event)

    # ---- any thread --------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Write what is queued, then end the thread; False if it did not end in time."""
        if not self._thread.isRunning():
            return True
        self._stop.emit()
        return self._thread.wait(int(timeout_s * 1000))

    def attach(self, account_id: str, host: HostSupervisor, deadline_s: float = DEFAULT_DEADLINE_S) -> None:
        """Run `account_id`'s orders through `host` from now on (orders queued before this are refused).

        Called from the desk's thread only, like `detach`."""
        if host not in self._wired:
            self._wired.add(host)
            host.host_message.connect(self._on_host_message)
            host.host_lost.connect(self._on_host_lost)
        self._attach.emit(account_id, host, deadline_s)

    def detach(self, account_id: str, why: str) -> None:
        """Refuse `account_id`'s orders from now on, saying `why`; its host's last answers still count."""
        self._detach.emit(account_id, why)

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
    @pyqtSlot(str, object, float)
    def _on_attach(self, account_id: str, host: HostSupervisor, deadline_s: float) -> None:
        known = self._accounts.get(account_id)
        if known is not None and known.host is host:
            known.deadline_s = deadline_s
        else:
            self._accounts[account_id] = _Account(host, deadline_s)
        self._refused.pop(account_id, None)

    @pyqtSlot(str, str)
    def _on_detach(self, account_id: str, why: str) -> None:
        self._refused[account_id] = why
        account = self._accounts.get(account_id)
        if account is not None and not account.waiting:
            del self._accounts[account_id]  # else kept until its host's answers (or its death) arrive

    @pyqtSlot(object)
    def _on_command(self, command: object) -> None:
        if isinstance(command, TradeCommand):
            self._place(command, None)
        elif isinstance(command, RefreshCommand | LinkCommand):
            message = Refresh() if isinstance(command, RefreshCommand) else Link(connect=command.connect)
            for account_id, account in self._accounts.items():
                if command.account_id in (None, account_id) and account_id not in self._refused:
                    account.host.post(message)

    @pyqtSlot(object, object)
    def _on_blocking(self, command: TradeCommand, done: Future[TradeOutcome]) -> None:
        self._place(command, done)

    def _place(self, command: TradeCommand, done: Future[TradeOutcome] | None) -> None:
        account_id = command.account_id
        symbol = self._symbols.get((account_id, command.request.ticket or 0), "")
        account = self._accounts.get(account_id)
        if account is None or account_id in self._refused:
            why = self._refused.get(account_id) or (
                f"Not sent: {account_id!r} is not an account of this desk; the order went nowhere."
            )
            self._finished(command, self._trading.refuse(command, why, symbol=symbol), done)
            return
        if account.state is not ConnectionState.CONNECTED:
            self._finished(
                command, self._trading.refuse(command, _refusal(account.state), symbol=symbol), done
            )
            return
        if len(account.waiting) >= self._max_waiting:
            text = (
                f"Not sent: {len(account.waiting)} orders are already waiting for MetaTrader 5 to answer. "
                "Try again when they are done."
            )
            self._finished(command, self._trading.refuse(command, text, symbol=symbol), done)
            return
        begun = self._trading.begin(command, symbol=symbol, deadline_s=account.deadline_s)
        if isinstance(begun, TradeOutcome):
            self._finished(command, begun, done)
            return
        incarnation = account.host.post(begun)
        if incarnation is None:
            self._finished(command, self._trading.not_sent(command, begun, NOT_HANDED_OVER), done)
            return
        account.waiting[command.trade_id] = _Waiting(command, begun, incarnation, done)

    def _finished(
        self, command: TradeCommand, outcome: TradeOutcome, done: Future[TradeOutcome] | None
    ) -> None:
        account = self._accounts.get(command.account_id)
        if outcome.outcome is Outcome.UNCONFIRMED and account is not None:
            account.unconfirmed.add(command.trade_id)
        if done is not None and not done.done():
            done.set_result(outcome)
        self.trade_finished.emit(command.trade_id)

    @pyqtSlot(str, object)
    def _on_host_message(self, account_id: str, message: object) -> None:
        account = self._accounts.get(account_id)
        if isinstance(message, OrderOutcome):
            waiting = account.waiting.pop(message.trade_id, None) if account is not None else None
            if waiting is None:
                log.error(
                    "an outcome for trade %s of %r, which no order waits for", message.trade_id, account_id
                )
                return
            self._finished(
                waiting.command, self._trading.finish(waiting.command, waiting.order, message), waiting.done
            )
            self._forget_if_detached(account_id)
        elif isinstance(message, DealsFound):
            self._sink.deals(account_id, message.deals)
        elif isinstance(message, AccountRead):
            self._sink.equity_sample(account_id, message.account, message.at)
        elif isinstance(message, Linked) and account is not None and account_id not in self._refused:
            self._start_reconcile(account_id, account)

    @pyqtSlot(str, int, object)
    def _on_host_lost(self, account_id: str, incarnation: int, never_sent: frozenset[str]) -> None:
        account = self._accounts.get(account_id)
        if account is None:
            return
        account.reconcile = None
        for trade_id, waiting in list(account.waiting.items()):
            if waiting.incarnation != incarnation:
                continue
            del account.waiting[trade_id]
            if trade_id in never_sent:
                outcome = self._trading.not_sent(waiting.command, waiting.order, NOT_HANDED_OVER)
            else:
                outcome = self._trading.unconfirmed(
                    waiting.command, waiting.order.request, HOST_DIED_UNCONFIRMED
                )
            self._finished(waiting.command, outcome, waiting.done)
        self._forget_if_detached(account_id)

    def _forget_if_detached(self, account_id: str) -> None:
        account = self._accounts.get(account_id)
        if account is not None and account_id in self._refused and not account.waiting:
            del self._accounts[account_id]

    def _start_reconcile(self, account_id: str, account: _Account) -> None:
        try:
            pending = [
                t for t in self._journal.pending_trades(account_id) if t.trade_id not in account.waiting
            ]
        except JournalError as error:
            log.error("cannot read pending trades of %r to reconcile: %s", account_id, error)
            return
        account.reconcile = None
        if not pending:
            self._announce(account_id, account, ReconcileReport())
            return
        request_id = next_request_id()
        account.reconcile = (request_id, frozenset(t.trade_id for t in pending))
        account.host.expect(request_id, lambda answer: self._facts.emit(account_id, answer))
        if account.host.post(facts_query(request_id, pending, self._now())) is None:
            account.reconcile = None  # the next connect tries again

    @pyqtSlot(str, object)
    def _on_facts(self, account_id: str, answer: Answer) -> None:
        account = self._accounts.get(account_id)
        if account is None or account.reconcile is None or account.reconcile[0] != answer.request_id:
            return
        _, ids = account.reconcile
        account.reconcile = None
        if isinstance(answer, QueryFailed):
            log.warning("reconcile of %r postponed: %s", account_id, answer.message)
            return
        if not isinstance(answer, ReconcileFacts):
            return
        try:
            report = resolve_pending(
                answer, self._journal, self._now, ids - set(account.waiting), account_id=account_id
            )
        except JournalError as error:
            self._hub.publish(
                Notice(
                    level=NoticeLevel.ERROR,
                    title="Pending orders not checked",
                    text=f"The journal could not be updated while checking pending orders ({error}).",
                    account_id=account_id,
                )
            )
            return
        self._announce(account_id, account, report)

    def _announce(self, account_id: str, account: _Account, report: ReconcileReport) -> None:
        """Say how the reconciled rows ended, and the unconfirmed orders the terminal's snapshot settled."""
        decided = {*report.opened, *report.done, *report.failed}
        try:
            meanwhile = resolved_meanwhile(
                self._journal, account.unconfirmed - decided - set(account.waiting)
            )
        except JournalError as error:
            log.error("cannot read how unconfirmed orders of %r ended: %s", account_id, error)
            meanwhile = ReconcileReport()
        account.unconfirmed -= decided | {*meanwhile.opened, *meanwhile.done, *meanwhile.failed}
        report = report.joined(meanwhile)
        if not report.empty:
            self._hub.publish(
                Notice(
                    level=NoticeLevel.WARNING,
                    title="Pending orders checked",
                    text=report.summary(),
                    account_id=account_id,
                )
            )

    @pyqtSlot(object)
    def _on_event(self, event: Event) -> None:
        self._sink.event(event)
        if isinstance(event, StatusUpdate):
            account = self._accounts.get(event.account_id)
            if account is not None:
                account.state = event.status.state
        elif isinstance(event, PositionsUpdate):
            account_id = event.account_id
            for ticket in event.removed:
                self._symbols.pop((account_id, ticket), None)
            for position in event.positions:
                self._symbols[(account_id, position.ticket)] = position.symbol
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

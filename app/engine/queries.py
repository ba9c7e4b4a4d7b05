"""Read paths for widgets: terminal reads answered by the terminal host, journal reads off the GUI thread.

Widgets never call the terminal or the database. They ask here and get the answer as a Qt signal in
their own thread, so a slow terminal or a large journal never freezes the window.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, QTimer, pyqtBoundSignal, pyqtSignal, pyqtSlot

from app.core.enums import Side, Timeframe, TradeSource
from app.core.events import AutoTradeExecuted, ProtocolError, decode
from app.core.settings import FIRST_ACCOUNT_ID
from app.engine.host.queries import MarginQuery, Query, RatesQuery, SpecQuery, SymbolsQuery, TickQuery
from app.engine.supervisor import HostSupervisor, next_request_id
from app.storage.journal import Journal
from app.storage.model_registry import ModelRegistry
from app.storage.records import TradeRecord

log = logging.getLogger(__name__)

_ids = itertools.count(1)
NOT_REACHABLE = "MetaTrader 5 cannot be asked right now (its host is restarting or too busy); try again."


class _Answers:
    """Which answer signal each outstanding request id goes to; an error goes to `failed` instead."""

    def __init__(self, failed: pyqtBoundSignal) -> None:
        self._failed = failed
        self._pending: dict[int, pyqtBoundSignal] = {}

    def expect(self, answer: pyqtBoundSignal, request_id: int | None = None) -> int:
        request_id = next(_ids) if request_id is None else request_id
        self._pending[request_id] = answer
        return request_id

    def deliver(self, request_id: int, result: object, error: str) -> None:
        answer = self._pending.pop(request_id, None)
        if answer is None:
            return  # not ours (another asker on the same host)
        if error:
            self._failed.emit(request_id, error)
        else:
            answer.emit(request_id, result)


class TerminalQueries(QObject):
    """Asks the terminal host for symbols, specs, quotes, margins and bars; answers arrive as signals.

    Every `request_*` returns the request id that the answer signal carries, so a dialog can ignore
    answers to questions it no longer asks (e.g. the quote of a symbol the trader just left).
    """

    symbols_ready = pyqtSignal(int, object)  # request id, list[str]
    spec_ready = pyqtSignal(int, object)  # request id, SymbolSpec
    quote_ready = pyqtSignal(int, object)  # request id, Tick
    margin_ready = pyqtSignal(int, float)  # request id, margin in account currency
    rates_ready = pyqtSignal(int, object)  # request id, the copy_rates_from_pos structured ndarray
    failed = pyqtSignal(int, str)  # request id, what went wrong (for a person)

    def __init__(self, host: HostSupervisor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._answers = _Answers(self.failed)
        host.query_done.connect(self._on_done)  # a slot of this QObject: runs in the owner's thread

    def follow(self, host: HostSupervisor) -> None:
        """Ask this host from now on (its account got a new terminal host); questions to the old one that
        are still open get no answer."""
        if host is self._host:
            return
        self._host.query_done.disconnect(self._on_done)
        self._host = host
        host.query_done.connect(self._on_done)

    def request_symbols(self) -> int:
        return self._ask(SymbolsQuery(next_request_id()), self.symbols_ready)

    def request_spec(self, symbol: str) -> int:
        return self._ask(SpecQuery(next_request_id(), symbol), self.spec_ready)

    def request_quote(self, symbol: str) -> int:
        return self._ask(TickQuery(next_request_id(), symbol), self.quote_ready)

    def request_margin(self, side: Side, symbol: str, volume: float, price: float) -> int:
        return self._ask(
            MarginQuery(next_request_id(), side, symbol, float(volume), float(price)), self.margin_ready
        )

    def request_rates(self, symbol: str, timeframe: Timeframe, count: int, start_pos: int = 1) -> int:
        """`count` bars in time order; `start_pos=1` leaves out the bar still forming (closed bars only)."""
        return self._ask(
            RatesQuery(next_request_id(), symbol, timeframe, int(count), int(start_pos)), self.rates_ready
        )

    def _ask(self, query: Query, answer: pyqtBoundSignal) -> int:
        request_id = self._answers.expect(answer, query.request_id)
        if self._host.post(query) is None:
            # Said from the event loop, once the asker holds the request id this returns.
            QTimer.singleShot(0, partial(self._answers.deliver, request_id, None, NOT_REACHABLE))
        return request_id

    @pyqtSlot(int, object, str)
    def _on_done(self, request_id: int, result: object, error: str) -> None:
        self._answers.deliver(request_id, result, error)


class _Job(QRunnable):
    def __init__(self, run: Callable[[], object], done: Callable[[object, str], None]) -> None:
        super().__init__()
        self._run = run
        self._done = done

    def run(self) -> None:
        try:
            result = self._run()
        except Exception as error:  # reported to the asker; a pool thread must never die silently
            log.exception("journal query failed")
            self._done(None, f"Could not read the journal: {error}")
            return
        self._done(result, "")


class JournalQueries(QObject):
    """Journal reads on a thread pool; results come back as signals in the owner's thread."""

    equity_loaded = pyqtSignal(int, object)  # request id, list[EquitySample]
    trades_loaded = pyqtSignal(int, object)  # request id, list[TradeRecord]
    events_loaded = pyqtSignal(int, object)  # request id, list[EventRecord]
    closed_profit_loaded = pyqtSignal(int, float)  # request id, realised P&L since the asked time
    history_loaded = pyqtSignal(int, object)  # request id, ClosedHistory (every closing deal)
    deals_loaded = pyqtSignal(int, object)  # request id, list[DealRecord]
    models_loaded = pyqtSignal(int, object)  # request id, list[RegisteredModel]
    confidences_loaded = pyqtSignal(int, object)  # request id, dict[trade_id, model confidence]
    failed = pyqtSignal(int, str)
    _finished = pyqtSignal(int, object, str)

    def __init__(
        self, journal: Journal, parent: QObject | None = None, pool: QThreadPool | None = None
    ) -> None:
        super().__init__(parent)
        self._journal = journal
        if pool is None:
            pool = QThreadPool.globalInstance()
            assert pool is not None  # the stub allows None; Qt makes the global pool on first use
        self._pool = pool
        self._answers = _Answers(self.failed)
        self._finished.connect(self._on_finished)  # queued from the pool thread into the owner's thread

    def load_equity(
        self, since: datetime | None = None, until: datetime | None = None, account_id: str | None = None
    ) -> int:
        """One account's equity samples (every account's with None) in [since, until)."""
        return self._start(
            lambda: self._journal.equity_samples(since=since, until=until, account_id=account_id),
            self.equity_loaded,
        )

    def load_closed_history(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        symbol: str | None = None,
        source: TradeSource | None = None,
        account_id: str | None = None,
    ) -> int:
        """Every deal that closed (part of) a position in [since, until), and the period's entry charges,
        of one account or (None) every account."""
        return self._start(
            lambda: self._journal.closed_history(
                since=since, until=until, symbol=symbol, source=source, account_id=account_id
            ),
            self.history_loaded,
        )

    def load_deals(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        symbol: str | None = None,
        account_id: str | None = None,
    ) -> int:
        """Every deal of the terminal's history in [since, until), balance operations included, of one
        account or (None) every account."""
        return self._start(
            lambda: self._journal.deals(since=since, until=until, symbol=symbol, account_id=account_id),
            self.deals_loaded,
        )

    def load_model_trades(self, model_id: str | None = None) -> int:
        """Closed automatic trades in close order: one model's, or every model's with None."""
        return self._start(lambda: self._model_trades(model_id), self.trades_loaded)

    def load_models(self) -> int:
        """Every registered model with its settings and manifest, oldest first."""
        return self._start(lambda: ModelRegistry(self._journal.database).all(), self.models_loaded)

    def load_trade_confidences(self, limit: int = 100_000) -> int:
        """Each automatic fill's model confidence by trade id, from the journaled AUTO_TRADE_EXECUTED."""
        return self._start(lambda: self._confidences(limit), self.confidences_loaded)

    def load_events(
        self, limit: int = 500, search: str | None = None, types: Sequence[str] | None = None
    ) -> int:
        return self._start(
            lambda: self._journal.events(limit=limit, search=search, types=types), self.events_loaded
        )

    def load_closed_profit(self, since: datetime, account_id: str = FIRST_ACCOUNT_ID) -> int:
        """One account's realised P&L since `since`, in its currency."""
        return self._start(lambda: self._journal.closed_profit(since, account_id), self.closed_profit_loaded)

    def _model_trades(self, model_id: str | None) -> list[TradeRecord]:
        trades = self._journal.closed_trades(source=TradeSource.AUTO)
        if model_id is None:
            return trades
        return [trade for trade in trades if trade.model_id == model_id]

    def _confidences(self, limit: int) -> dict[str, float]:
        confidences: dict[str, float] = {}
        for record in self._journal.events(limit=limit, types=[AutoTradeExecuted.type]):
            try:
                event = decode(record.payload_json)
            except ProtocolError:
                log.warning("journal event %s is unreadable; its confidence is left out", record.id)
                continue
            if isinstance(event, AutoTradeExecuted):
                confidences.setdefault(event.trade_id, event.confidence)  # newest first: keep the last fill
        return confidences

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Wait for running reads (tests and shutdown)."""
        return self._pool.waitForDone(timeout_ms)

    def _start(self, run: Callable[[], object], answer: pyqtBoundSignal) -> int:
        request_id = self._answers.expect(answer)
        self._pool.start(_Job(run, lambda result, error: self._finished.emit(request_id, result, error)))
        return request_id

    @pyqtSlot(int, object, str)
    def _on_finished(self, request_id: int, result: object, error: str) -> None:
        self._answers.deliver(request_id, result, error)

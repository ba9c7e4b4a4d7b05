"""HostLoop: the terminal host's one thread. It connects, runs the sync loops, executes orders, answers
queries and applies simulator controls, and says everything it learns as messages on its channel.

Each loop is re-armed when it finishes, so a slow terminal call delays the next run instead of piling
runs up, and loops never overlap. Messages from the desk are handled one at a time between loops. The
host keeps no journal: deals, account reads and order outcomes go to the desk, which writes them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.core.backoff import Backoff
from app.core.codec import ProtocolError
from app.core.enums import ConnectionState, NoticeLevel
from app.core.events import AccountUpdate, Event, Notice, StatusUpdate, utc_now
from app.core.models import DISCONNECTED_ON_REQUEST, Account, Position, TerminalStatus
from app.engine.host.channel import Channel
from app.engine.host.controls import Control, apply_settings
from app.engine.host.facts import reconcile_facts
from app.engine.host.messages import (
    AccountRead,
    ControlDone,
    DealsFound,
    Link,
    Linked,
    OrderCommand,
    Outcome,
    QueryFailed,
    ReconcileQuery,
    Refresh,
    SimSettings,
    Start,
    Stop,
)
from app.engine.host.orders import execute_order, not_connected
from app.engine.host.protocol import Message
from app.engine.host.queries import Query
from app.engine.intervals import Intervals
from app.engine.tracker import PositionTracker
from app.terminal.adapter import Terminal, TerminalInfoView
from app.terminal.backend import BackendSelection
from app.terminal.board import CallBoard
from app.terminal.errors import CODE_NO_CONNECTION, TerminalError

if TYPE_CHECKING:
    from app.terminal.simulator import SimulatedTerminal

log = logging.getLogger(__name__)

LOOPS = ("count", "pnl", "positions", "account", "heartbeat")
IDLE_BEAT_S = 0.25  # while waiting, the board is stamped alive at least this often
DEAL_SYNC_LOOKBACK = timedelta(days=7)
DEAL_WINDOW_SLACK = timedelta(hours=24)  # server and local clocks differ

Opener = Callable[[str | None], BackendSelection]
Reconnector = Callable[[Terminal, str | None], None]


class HostLoop:
    """Owns the Terminal; nothing else calls it. `run()` serves until Stop or until the desk is gone."""

    def __init__(
        self,
        channel: Channel,
        opener: Opener,
        reconnect: Reconnector,
        intervals: Intervals | None = None,
        *,
        simulator: SimulatedTerminal | None = None,
        board: CallBoard | None = None,
        now: Callable[[], datetime] = utc_now,
        clock: Callable[[], float] = time.monotonic,
        backoff: Backoff | None = None,
        desk_alive: Callable[[], bool] = lambda: True,
        account_id: str = "",
    ) -> None:
        self._channel = channel
        self._account_id = account_id
        self._opener = opener
        self._reconnect = reconnect
        self._intervals = intervals or Intervals()
        self._sim = simulator
        self._board = board if board is not None else CallBoard()
        self._now = now
        self._clock = clock
        self._backoff = backoff or Backoff()
        self._desk_alive = desk_alive
        self._password: str | None = None
        self._terminal: Terminal | None = None
        self._reported_backend = False
        self._state = ConnectionState.DISCONNECTED
        self._tracker = PositionTracker(account_id)
        self._account: Account | None = None
        self._info: TerminalInfoView | None = None
        self._last_ok = clock()
        self._positions_read_at = 0.0
        self._last_heartbeat: datetime | None = None
        self._deals_synced_until: datetime | None = None
        self._problems: dict[str, str] = {}
        self._due: dict[str, float | None] = dict.fromkeys(LOOPS)
        self._reconnect_at: float | None = None
        self._running = True

    # ---- serving ----------------------------------------------------------------------------------
    def run(self) -> None:
        """Wait for Start, connect, then serve messages and loops until Stop or the desk is gone."""
        self._board.reset()
        try:
            start = self._channel.receive()
        except (EOFError, OSError):
            return
        if not isinstance(start, Start):
            log.error("the terminal host expected Start first, got %s", type(start).__name__)
            return
        self._password = start.password
        if start.positions:
            self._tracker.seed(start.positions)
        if self._sim is not None:
            apply_settings(self._sim, start.sim)
        if start.connect:
            self._attempt_connect()
        else:
            self._publish_status(message=DISCONNECTED_ON_REQUEST)
        while self._running:
            self._board.alive()
            try:
                if self._channel.poll(self._wait_s()):
                    self._handle(self._channel.receive())
            except (EOFError, OSError):
                break  # the desk is gone
            except ProtocolError as error:
                log.error("unreadable message from the desk: %s", error)
            self._run_due()
        self._shutdown()

    def _wait_s(self) -> float:
        pending = [due for due in (*self._due.values(), self._reconnect_at) if due is not None]
        if not pending:
            return IDLE_BEAT_S
        return min(IDLE_BEAT_S, max(0.0, min(pending) - self._clock()))

    def _run_due(self) -> None:
        now = self._clock()
        if self._reconnect_at is not None and self._reconnect_at <= now:
            self._reconnect_at = None
            self._attempt_connect()
        for name in LOOPS:
            due = self._due[name]
            if due is not None and due <= now:
                self._due[name] = None
                self._run_loop(name)

    def _handle(self, message: Message) -> None:
        try:
            self._dispatch(message)
        except Exception as error:  # one bad request must not take the host down
            log.exception("handling %s failed", type(message).__name__)
            text = f"MT5 Desk hit an internal error handling a request ({type(error).__name__}: {error})."
            self._publish(Notice(level=NoticeLevel.ERROR, title="Internal error", text=text))

    def _dispatch(self, message: Message) -> None:
        if isinstance(message, OrderCommand):
            self._execute(message)
        elif isinstance(message, Query):
            self._answer(message)
        elif isinstance(message, ReconcileQuery):
            self._facts(message)
        elif isinstance(message, Control):
            self._control(message)
        elif isinstance(message, Refresh):
            if self._state in (ConnectionState.CONNECTED, ConnectionState.STALE):
                for name in LOOPS:
                    self._run_loop(name)
            else:
                self._publish_status()
        elif isinstance(message, Link):
            self._switch_link(message.connect)
        elif isinstance(message, Stop):
            self._running = False
        else:
            log.error("the terminal host cannot handle %s", type(message).__name__)

    def _shutdown(self) -> None:
        self._disarm()
        if self._terminal is not None:
            self._terminal.disconnect()
        self._channel.close()

    def _send(self, message: Message) -> None:
        try:
            self._channel.send(message)
        except (OSError, EOFError, ValueError) as error:
            log.info("the desk stopped listening (%s); the host stops", error)
            self._running = False

    def _publish(self, event: Event) -> None:
        if event.account_id != self._account_id:
            event = replace(event, account_id=self._account_id)  # the hot path comes stamped (tracker)
        self._send(event)

    # ---- requests from the desk -------------------------------------------------------------------
    def _execute(self, order: OrderCommand) -> None:
        if not self._desk_alive():
            log.warning("the desk is gone: order %s is not sent and the host stops", order.trade_id)
            self._running = False
            return
        if self._state is not ConnectionState.CONNECTED:
            text = (
                "MetaTrader 5 is not answering (stale), so the order was not sent."
                if self._state is ConnectionState.STALE
                else "MetaTrader 5 is not connected, so the order was not sent."
            )
            self._send(not_connected(order, text))
            return
        outcome = execute_order(self._term, order, clock=self._clock)
        self._send(outcome)
        if outcome.link_lost:
            self._link_lost(TerminalError(CODE_NO_CONNECTION, "MetaTrader 5 stopped answering", "", "", True))
            return
        if outcome.outcome is Outcome.FAILED:
            return  # nothing reached the terminal (expired or refused): nothing new to read
        self._note_success()
        self._run_loop("pnl")  # the fill shows at once
        self._run_loop("account")

    def _answer(self, query: Query) -> None:
        try:
            answer = query.answer(self._term)
        except TerminalError as error:
            self._send(_failed(query.request_id, error))
            if error.link_lost and self._state in (ConnectionState.CONNECTED, ConnectionState.STALE):
                self._link_lost(error)
            return
        except Exception as error:  # a failing query must not take the host down
            log.exception("query %s failed", type(query).__name__)
            self._send(QueryFailed(query.request_id, -1, f"{type(error).__name__}: {error}"))
            return
        self._send(answer)

    def _facts(self, query: ReconcileQuery) -> None:
        try:
            facts = reconcile_facts(self._term, query)
        except TerminalError as error:
            self._send(_failed(query.request_id, error))
            if error.link_lost and self._state in (ConnectionState.CONNECTED, ConnectionState.STALE):
                self._link_lost(error)
            return
        self._send(facts)

    def _control(self, control: Control) -> None:
        sim = self._sim
        if sim is None or (self._terminal is not None and not self._terminal.simulated):
            self._send(ControlDone(control.request_id, error="MT5 Desk is not running on the simulator"))
            return
        try:
            answer = control.apply(sim)
        except (ValueError, TypeError) as error:
            self._send(ControlDone(control.request_id, error=str(error)))
            return
        self._send(answer)

    def _switch_link(self, connect: bool) -> None:
        if connect:
            if self._state is ConnectionState.DISCONNECTED:
                self._backoff.reset()
                self._reconnect_at = None
                self._attempt_connect()
            return
        self._disarm()
        self._reconnect_at = None
        if self._terminal is not None:
            self._terminal.disconnect()
        self._set_state(ConnectionState.DISCONNECTED, message=DISCONNECTED_ON_REQUEST)

    @property
    def _term(self) -> Terminal:
        if self._terminal is None:
            raise TerminalError(CODE_NO_CONNECTION, "MetaTrader 5 is not connected yet", "", "", True)
        return self._terminal

    # ---- connecting -------------------------------------------------------------------------------
    def _attempt_connect(self) -> None:
        try:
            self._open_or_reconnect()
            self._after_connect()
        except TerminalError as error:
            self._connect_failed(error)
            return
        except Exception as error:  # a bug must not kill the host: report it and retry later
            log.exception("connect failed")
            self._connect_failed(
                TerminalError(-1, f"Unexpected error while connecting: {error}", "", "", True)
            )
            return
        self._backoff.reset()
        self._note_success()
        terminal = self._term
        self._send(Linked(backend=terminal.kind, simulated=terminal.simulated))
        self._set_state(ConnectionState.CONNECTED)
        for name in LOOPS:
            self._arm(name)

    def _open_or_reconnect(self) -> None:
        if self._terminal is not None:
            self._reconnect(self._terminal, self._password)
            return
        selection = self._opener(self._password)
        self._terminal = selection.terminal
        if selection.simulated and self._sim is None:
            self._sim = selection.terminal.api  # `auto` fell back to a simulator of its own
        if selection.reason and not self._reported_backend:
            self._reported_backend = True
            level = NoticeLevel.WARNING if selection.fell_back else NoticeLevel.INFO
            self._publish(Notice(level=level, title="Terminal backend", text=selection.reason))

    def _after_connect(self) -> None:
        """Take the terminal's snapshot as the truth and publish what differs from what the desk shows."""
        self._info = self._term.terminal_info()
        self._poll_account(force=True)
        self._poll_positions()
        self._sync_deals(self._now())

    def _connect_failed(self, error: TerminalError) -> None:
        if self._state is ConnectionState.DISCONNECTED:
            # Say once why the desk is not connected; later failed attempts stay quiet in RECONNECTING.
            self._publish_status(message=error.sentence())
            self._set_state(ConnectionState.RECONNECTING, message=error.message)
        self._schedule_reconnect()

    def _schedule_reconnect(self) -> None:
        delay = self._backoff.next_delay()
        log.info("next connection attempt in %.1f s", delay)
        self._reconnect_at = self._clock() + delay

    def _link_lost(self, error: TerminalError) -> None:
        self._disarm()
        self._set_state(ConnectionState.DISCONNECTED, message=error.sentence())
        self._publish(
            Notice(level=NoticeLevel.ERROR, title="Connection to MetaTrader 5 lost", text=error.sentence())
        )
        self._set_state(ConnectionState.RECONNECTING, message=error.message)
        self._schedule_reconnect()

    # ---- the loops --------------------------------------------------------------------------------
    def _arm(self, name: str) -> None:
        if name == "count" and self._intervals.count_probe_s >= self._intervals.pnl_s:
            return  # the P&L loop itself reads as often
        seconds = {
            "count": self._intervals.count_probe_s,
            "pnl": self._intervals.pnl_s,
            "positions": self._intervals.positions_s,
            "account": self._intervals.account_s,
            "heartbeat": self._intervals.heartbeat_s,
        }[name]
        self._due[name] = self._clock() + max(0.001, seconds)

    def _disarm(self) -> None:
        self._due = dict.fromkeys(LOOPS)

    def _run_loop(self, name: str) -> None:
        if self._state not in (ConnectionState.CONNECTED, ConnectionState.STALE):
            return
        try:
            if name == "count":
                if self._term.positions_count() != len(self._tracker.known):
                    self._poll_positions()  # opened or closed at the terminal: show it now
            elif name == "pnl":
                self._poll_positions()
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
            if error.link_lost:
                self._link_lost(error)
                return
            self._report_problem(name, error.message)
        except Exception as error:  # one failing loop is reported and the loop goes on
            log.exception("%s loop failed", name)
            self._report_problem(name, f"{type(error).__name__}: {error}")
        self._check_stale()
        self._arm(name)

    def _positions_due(self) -> bool:
        """The 3 s loop is the guaranteed full pass: it reads only when the 1 s loop has not lately."""
        return self._clock() - self._positions_read_at >= self._intervals.positions_s

    def _poll_positions(self) -> dict[int, Position]:
        current = self._term.positions()
        self._positions_read_at = self._clock()
        change = self._tracker.update(current, self._account)
        if change.positions is not None:
            self._publish(change.positions)
        if change.pnl is not None:
            self._publish(change.pnl)
        gone = (*change.closed, *change.reduced)
        if gone:
            deals = []
            for position in gone:
                deals.extend(self._term.deals_for_position(position.identifier or position.ticket))
            self._send(DealsFound(tuple(deals)))
        return current

    def _poll_account(self, *, force: bool) -> None:
        account = self._read_account(force=force)
        self._send(AccountRead(account=account, at=self._now()))

    def _read_account(self, *, force: bool = False) -> Account:
        """Read the account and publish it when it changed; the one place `_account` is replaced."""
        account = self._term.account()
        if force or account != self._account:
            self._account = account
            self._publish(AccountUpdate(account=account))
        return account

    def _heartbeat(self) -> None:
        started = self._clock()
        self._info = self._term.terminal_info()
        self._read_account()
        self._last_heartbeat = self._now()
        self._sync_deals(self._last_heartbeat)
        ping = self._info.ping_ms if self._info.ping_ms else (self._clock() - started) * 1000
        self._publish_status(ping_ms=ping)

    def _sync_deals(self, now: datetime) -> None:
        """Recent history deals, so trades closed while nobody watched reach the journal (idempotent)."""
        since = self._deals_synced_until or (now - DEAL_SYNC_LOOKBACK)
        deals = self._term.deals(since - DEAL_WINDOW_SLACK, now + DEAL_WINDOW_SLACK)
        if deals:
            self._send(DealsFound(tuple(deals)))
        self._deals_synced_until = now

    def _note_success(self) -> None:
        self._last_ok = self._clock()
        if self._state is ConnectionState.STALE:
            self._set_state(ConnectionState.CONNECTED)

    def _check_stale(self) -> None:
        silent = self._clock() - self._last_ok
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


def _failed(request_id: int, error: TerminalError) -> QueryFailed:
    return QueryFailed(request_id, error.code, error.message, error.hint, error.retryable)


__all__ = ["HostLoop", "SimSettings"]

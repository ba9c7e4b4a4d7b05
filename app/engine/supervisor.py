"""HostSupervisor: starts the terminal host, watches it from outside, restarts it when it hangs or dies.

Lives in the GUI thread but never waits there: the host's messages arrive on a reader thread (events go
straight to the thread-safe hub), commands leave through a sender thread, and the watch is a timer that
reads the host's CallBoard from shared memory. What the trader sees:

- a terminal call running past `stale_call_s` → STALE at once, saying what MetaTrader 5 is doing
  ("MetaTrader 5 is busy: order_send for 12 s"); when the call returns the host re-announces its state;
- a host silent past `silent_limit_s` (a call that never returns, or a frozen host) → killed;
- a host that died (killed, crashed, exited) → RECONNECTING with the reason, a NOTICE for the Event log,
  the connection toast, and a new host on the same terminal, which the desk then reconciles.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from enum import StrEnum
from multiprocessing.process import BaseProcess

from PyQt6.QtCore import QObject, QTimer, pyqtSignal, pyqtSlot

from app.core.enums import Backend, ConnectionState, NoticeLevel
from app.core.events import Event, Notice, StatusUpdate
from app.core.models import Position, TerminalStatus
from app.engine.host.channel import PipeChannel, QueueChannel
from app.engine.host.messages import (
    Answer,
    ControlDone,
    HostLog,
    Link,
    Linked,
    OrderCommand,
    QueryFailed,
    Refresh,
    Request,
    SimSettings,
    Start,
    Stop,
)
from app.engine.host.process import HostSpec, host_process_main, serve
from app.engine.host.protocol import Message
from app.engine.host_link import HostLink
from app.engine.hub import EventHub
from app.terminal.board import CallBoard
from app.terminal.errors import CODE_NO_CONNECTION, TerminalError
from app.terminal.simulator.clock import ClockSpec
from app.terminal.simulator.conditions import Conditions

log = logging.getLogger(__name__)

WATCH_MS = 200
CONNECT_GRACE_S = 5.0  # initialize/login may take their whole timeout, and a little more
STOP_GRACE_S = 5.0  # an orderly stop waits this long for the host before killing it
# Waits before a restart: none after a host that had connected, longer and longer while hosts keep
# dying before they connect (a broken installation must not become a hot restart loop).
RESTART_DELAYS_S = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
HOST_GONE = "MetaTrader 5's host process stopped before it answered; ask again in a moment."

_request_ids = itertools.count(1)


def next_request_id() -> int:
    """A request id unique in this desk process (queries, controls and reconciles share them)."""
    return next(_request_ids)


class HostMode(StrEnum):
    """Where the terminal host runs: its own process (always, for the product) or a thread of the desk
    (the old in-thread design, kept to measure the difference in benchmarks)."""

    PROCESS = "process"
    THREAD = "thread"


@dataclass(frozen=True, slots=True)
class HostLimits:
    """When a busy call makes the link STALE, and when a silent host is killed."""

    stale_call_s: float = 6.0
    silent_limit_s: float = 30.0
    connect_timeout_s: float = 10.0


class HostSupervisor(QObject):
    """One terminal host at a time for one account, restarted as often as it dies; the desk's only way to
    that account's terminal. Every event it passes on, or publishes itself, names its account."""

    query_done = pyqtSignal(int, object, str)  # request id, result, error text ("" when it worked)
    host_message = pyqtSignal(str, object)  # account id, the host's own message (outcome, deals, ...)
    host_lost = pyqtSignal(str, int, object)  # account id, incarnation, frozenset of trade ids never sent
    _closed = pyqtSignal(int, str)  # from the reader thread: incarnation, why
    _bad_message = pyqtSignal(str)

    def __init__(
        self,
        spec: HostSpec,
        hub: EventHub,
        *,
        password: Callable[[], str | None] = lambda: None,
        positions: Callable[[], tuple[Position, ...]] = tuple,
        limits: HostLimits = HostLimits(),
        mode: HostMode = HostMode.PROCESS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._spec = spec
        self.account_id = spec.account_id
        self._hub = hub
        self._password = password
        self._positions = positions
        self._limits = limits
        self._mode = mode
        self.board = CallBoard.shared()
        self.conditions = Conditions.shared()
        self._clock_spec = spec.sim_clock
        self._sim_settings = SimSettings()
        self.simulated = spec.target.backend is Backend.SIM
        self._incarnation = 0
        self._process: BaseProcess | None = None
        self._thread: threading.Thread | None = None
        self._link: HostLink | None = None
        self._dead = True
        self._linked = False
        self._deaths = 0
        self._stopping = False
        self._kill_reason = ""
        self._host_status: TerminalStatus | None = None
        self._stale_shown: int | None = None
        self._lock = threading.Lock()
        self._waiters: dict[int, Callable[[Answer], None]] = {}
        self._open_queries: set[int] = set()
        self._told_bad_message = False
        self._connect_wanted = True  # the trader's last Link request, kept for a restarted host
        self._closed.connect(self._host_died)
        self._bad_message.connect(self._report_bad_message)
        self._restart_timer = QTimer(self)
        self._restart_timer.setSingleShot(True)
        self._restart_timer.timeout.connect(self._spawn)
        self._watch_timer = QTimer(self)
        self._watch_timer.setInterval(WATCH_MS)
        self._watch_timer.timeout.connect(self._watch)

    # ---- lifecycle --------------------------------------------------------------------------------
    @property
    def incarnation(self) -> int:
        """Which host this is (1 for the first, +1 for every restart)."""
        return self._incarnation

    @property
    def pid(self) -> int | None:
        """The host process's id (None in thread mode or before it started)."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._link is not None

    def start(self) -> None:
        """Start the first host; it connects by itself."""
        self._stopping = False
        self._spawn()
        self._watch_timer.start()

    def stop_later(
        self, grace_s: float = STOP_GRACE_S, on_stopped: Callable[[], object] | None = None
    ) -> None:
        """Ask the host to disconnect and end without waiting here (the GUI thread's way): a host still
        running after `grace_s` (stuck in a call, it cannot read the request) is killed. `on_stopped` is
        called in this thread once it is gone; `start()` may then run a new host."""
        self._stopping = True
        self._watch_timer.stop()
        self._restart_timer.stop()
        link = self._link
        if link is None:
            if on_stopped is not None:
                on_stopped()
            return
        link.send(Stop())
        deadline = time.monotonic() + grace_s
        poll = QTimer(self)
        poll.setInterval(WATCH_MS // 4)

        def check() -> None:
            process, thread = self._process, self._thread
            alive = process.is_alive() if process is not None else thread is not None and thread.is_alive()
            if alive and time.monotonic() < deadline:
                return
            if alive and process is not None:
                log.error(
                    "the terminal host of %r did not stop within %.0f s: killed", self.account_id, grace_s
                )
                process.kill()
                process.join(1.0)
            poll.stop()
            poll.deleteLater()
            self._finish(self._incarnation)
            if on_stopped is not None:
                on_stopped()

        poll.timeout.connect(check)
        poll.start()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Ask the host to disconnect and end; kill it if it does not within the time. True if it ended."""
        self._stopping = True
        self._watch_timer.stop()
        self._restart_timer.stop()
        link = self._link
        if link is None:
            return True
        link.send(Stop())
        grace = min(timeout_s, STOP_GRACE_S)
        ended = True
        if self._process is not None:
            self._process.join(grace)
            if self._process.is_alive():
                log.error("the terminal host did not stop within %.0f s: killed", grace)
                self._process.kill()
                self._process.join(grace)
            ended = not self._process.is_alive()
        elif self._thread is not None:
            self._thread.join(grace)
            ended = not self._thread.is_alive()
        self._finish(self._incarnation)
        return ended

    def _spawn(self) -> None:
        if self._stopping:
            return
        self._incarnation += 1
        incarnation = self._incarnation
        self.board.reset()
        self._dead, self._kill_reason, self._stale_shown, self._host_status = False, "", None, None
        self._linked = False
        spec = replace(self._spec, sim_clock=self._clock_spec)
        if self._mode is HostMode.PROCESS:
            context = multiprocessing.get_context("spawn")
            commands_in, commands_out = context.Pipe(duplex=False)
            events_in, events_out = context.Pipe(duplex=False)
            process = context.Process(
                target=host_process_main,
                args=(commands_in, events_out, spec, self.board, self.conditions),
                name=f"mt5desk-host-{self.account_id or 'main'}-{incarnation}",
                daemon=True,
            )
            process.start()
            commands_in.close()  # the child's ends: closing ours makes its death show as end-of-file
            events_out.close()
            self._process = process
            channel: PipeChannel | QueueChannel = PipeChannel(events_in, commands_out)
        else:
            channel, host_end = QueueChannel.pair()
            self._thread = threading.Thread(
                target=serve, args=(host_end, spec, self.board, self.conditions), name="host", daemon=True
            )
            self._thread.start()
        link = HostLink(
            channel,
            on_message=self._on_message,
            on_closed=lambda why: self._closed.emit(incarnation, why),
            on_bad_message=self._bad_message.emit,
            name=f"host-{self.account_id}-{incarnation}",
        )
        self._link = link
        link.start()
        start = Start(self._password(), self._positions(), self._sim_settings, connect=self._connect_wanted)
        link.send(start)
        log.info("terminal host %d of account %r started (pid %s)", incarnation, self.account_id, self.pid)

    # ---- sending and asking -----------------------------------------------------------------------
    def post(self, message: Message) -> int | None:
        """Queue a message for the host; the incarnation it went to, or None when it cannot be sent now."""
        if isinstance(message, Link):
            self._connect_wanted = message.connect
        link = self._link
        incarnation = self._incarnation
        if link is None or self._dead:
            return None
        if isinstance(message, Request):
            with self._lock:
                if message.request_id not in self._waiters:
                    self._open_queries.add(message.request_id)
        if not link.send(message):
            with self._lock:
                self._open_queries.discard(getattr(message, "request_id", -1))
            return None
        return incarnation

    def expect(self, request_id: int, deliver: Callable[[Answer], None]) -> None:
        """Hand the answer to `request_id` to `deliver` (called in the reader thread) instead of a signal."""
        with self._lock:
            self._waiters[request_id] = deliver

    def ask(self, request: Request, timeout_s: float) -> Answer:
        """Send a request and wait for its answer (not from the GUI thread, except for test controls).

        TerminalError (a link error) when the host does not answer in time or dies first.
        """
        answered: Future[Answer] = Future()
        self.expect(request.request_id, answered.set_result)
        if self.post(request) is None:
            self._forget(request.request_id)
            raise TerminalError(CODE_NO_CONNECTION, "MetaTrader 5's host is not running", "", "", True)
        try:
            return answered.result(timeout_s)
        except FutureTimeout:
            self._forget(request.request_id)
            raise TerminalError(
                -10005, f"MetaTrader 5 did not answer within {timeout_s:.0f} s", "", "", True
            ) from None

    def _forget(self, request_id: int) -> None:
        with self._lock:
            self._waiters.pop(request_id, None)

    # ---- what the simulator in the host is told --------------------------------------------------
    @property
    def sim_settings(self) -> SimSettings:
        return self._sim_settings

    def keep_sim_settings(self, settings: SimSettings) -> None:
        """Remember the simulator's switches, replayed into every restarted host."""
        self._sim_settings = settings

    @property
    def clock_spec(self) -> ClockSpec:
        return self._clock_spec

    def keep_clock(self, spec: ClockSpec) -> None:
        """Where the simulator's manual clock stands, so a restarted host goes on from there."""
        self._clock_spec = spec

    # ---- the reader thread ------------------------------------------------------------------------
    def _on_message(self, message: Message) -> None:
        if isinstance(message, Event):
            if message.account_id != self.account_id:
                # A host speaks for its own account only, whatever it wrote.
                message = replace(message, account_id=self.account_id)
            if isinstance(message, StatusUpdate):
                self._host_status = message.status
            self._hub.publish(message)
            return
        if isinstance(message, Answer):
            self._deliver(message)
            return
        if isinstance(message, HostLog):
            logging.getLogger(f"host.{message.logger}").log(message.level, "%s", message.text)
            return
        if isinstance(message, Linked):
            self.simulated = message.simulated
            self._linked = True
        self.host_message.emit(self.account_id, message)

    def _deliver(self, answer: Answer) -> None:
        with self._lock:
            waiter = self._waiters.pop(answer.request_id, None)
            asked = answer.request_id in self._open_queries
            self._open_queries.discard(answer.request_id)
        if waiter is not None:
            waiter(answer)
            return
        if not asked:
            return  # an answer nobody waits for any more
        if isinstance(answer, QueryFailed):
            self.query_done.emit(answer.request_id, None, _sentence(answer))
            return
        if isinstance(answer, ControlDone) and answer.error:
            self.query_done.emit(answer.request_id, None, answer.error)
            return
        try:
            result = answer.result()
        except ValueError as error:
            self.query_done.emit(answer.request_id, None, str(error))
            return
        self.query_done.emit(answer.request_id, result, "")

    # ---- watching ---------------------------------------------------------------------------------
    @pyqtSlot()
    def _watch(self) -> None:
        if self._stopping or self._dead or self._link is None:
            return
        process = self._process
        if process is not None and not process.is_alive():
            self._host_died(self._incarnation, "the process ended")
            return
        now = time.monotonic()
        reading = self.board.read()
        limit = self._limits.silent_limit_s
        if reading.call in ("initialize", "login"):
            limit = max(limit, self._limits.connect_timeout_s + CONNECT_GRACE_S)
        silent = reading.silent_for(now)
        if process is not None and silent > limit and not self._kill_reason:
            doing = f"{reading.call} did not return" if reading.call else "the host did not answer"
            self._kill_reason = f"MetaTrader 5 {doing} for {silent:.0f} s"
            log.error("%s: killing terminal host %d (pid %s)", self._kill_reason, self._incarnation, self.pid)
            process.kill()
            return
        busy = reading.busy_for(now)
        status = self._host_status
        if (
            busy >= self._limits.stale_call_s
            and status is not None
            and status.state is ConnectionState.CONNECTED
        ):
            shown = int(busy)
            if shown != self._stale_shown:
                self._stale_shown = shown
                text = f"MetaTrader 5 is busy: {reading.call} for {shown} s"
                self._hub.publish(
                    StatusUpdate(
                        status=replace(status, state=ConnectionState.STALE, message=text),
                        account_id=self.account_id,
                    )
                )
        elif self._stale_shown is not None and busy < self._limits.stale_call_s:
            self._stale_shown = None
            self.post(Refresh())  # the host announces its real state again

    @pyqtSlot(int, str)
    def _host_died(self, incarnation: int, why: str) -> None:
        if incarnation != self._incarnation or self._dead:
            return
        self._finish(incarnation)
        if self._stopping:
            return
        exitcode = self._process.exitcode if self._process is not None else None
        reason = self._kill_reason or _exit_reason(exitcode, why)
        log.error("terminal host %d of account %r is gone: %s", incarnation, self.account_id, reason)
        if self._linked:
            self._deaths = 0
        delay = RESTART_DELAYS_S[min(self._deaths, len(RESTART_DELAYS_S) - 1)]
        self._deaths += 1
        base = self._host_status or TerminalStatus(state=ConnectionState.RECONNECTING, mt5_connected=False)
        text = f"{reason}. MT5 Desk restarts its link to MetaTrader 5"
        self._hub.publish(
            StatusUpdate(
                status=replace(base, state=ConnectionState.RECONNECTING, mt5_connected=False, message=text),
                account_id=self.account_id,
            )
        )
        self._hub.publish(
            Notice(
                level=NoticeLevel.WARNING,
                title="Terminal host restarted",
                text=(
                    f"{reason}, so MT5 Desk stopped the process that talks to it and starts a new one. "
                    "Orders that were on their way are checked against MetaTrader 5's own records once it "
                    "answers again; none is sent twice."
                ),
                account_id=self.account_id,
            )
        )
        self._restart_timer.start(int(delay * 1000))

    def _finish(self, incarnation: int) -> None:
        """The host `incarnation` is over: collect what it never received and release everyone waiting."""
        if incarnation != self._incarnation or self._dead:
            return
        self._dead = True
        link, self._link = self._link, None
        unsent = link.close() if link is not None else ()
        if self._process is not None:
            self._process.join(1.0)
        with self._lock:
            waiters, self._waiters = self._waiters, {}
            open_queries, self._open_queries = self._open_queries, set()
        for request_id, waiter in waiters.items():
            waiter(QueryFailed(request_id, CODE_NO_CONNECTION, HOST_GONE, retryable=True))
        for request_id in open_queries:
            self.query_done.emit(request_id, None, HOST_GONE)
        never_sent = frozenset(m.trade_id for m in unsent if isinstance(m, OrderCommand))
        self.host_lost.emit(self.account_id, incarnation, never_sent)

    @pyqtSlot(str)
    def _report_bad_message(self, problem: str) -> None:
        if self._told_bad_message:
            return
        self._told_bad_message = True
        self._hub.publish(
            Notice(
                level=NoticeLevel.ERROR,
                title="Internal error",
                text=f"MT5 Desk could not read a message from its terminal host ({problem}); it was skipped.",
                account_id=self.account_id,
            )
        )


def _sentence(failed: QueryFailed) -> str:
    return f"{failed.message}. {failed.hint}".replace("..", ".") if failed.hint else failed.message


def _exit_reason(exitcode: int | None, why: str) -> str:
    if exitcode is None:
        return f"The link to MetaTrader 5's host broke ({why})"
    if exitcode < 0:
        return f"MetaTrader 5's host process was stopped by signal {-exitcode}"
    return f"MetaTrader 5's host process ended unexpectedly (exit code {exitcode})"

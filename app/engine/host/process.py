"""Starting a terminal host: the spec it is given, and its entry points (child process or thread).

The child process is started with multiprocessing's spawn method (the only one on Windows and macOS,
and the safe one beside Qt's threads on Linux); the frozen bundle calls `multiprocessing.freeze_support()`
first thing so its executable can serve as the child too. The spec is plain picklable data; the
password comes later, in the Start message, so it never sits in the process arguments.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import sys
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from app.core.backoff import Backoff
from app.core.enums import Backend
from app.core.target import TerminalTarget
from app.engine.host.channel import Channel, PipeChannel
from app.engine.host.loop import HostLoop
from app.engine.host.messages import HostLog
from app.engine.intervals import Intervals
from app.terminal.backend import BackendSelection, open_terminal, reconnect_terminal
from app.terminal.backends.sim import simulator_for
from app.terminal.board import CallBoard, watch_calls
from app.terminal.simulator.clock import ClockSpec
from app.terminal.simulator.conditions import Conditions

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class HostSpec:
    """Everything a host needs to open its terminal and run its loops: what to open, loop periods, and
    the simulator's clock (a description, rebuilt in the host). No password, no live objects.
    `account_id` is the desk account the host serves: every event it publishes names it."""

    target: TerminalTarget
    intervals: Intervals = field(default_factory=Intervals)
    sim_clock: ClockSpec = field(default_factory=ClockSpec)
    reconnect_backoff_s: tuple[float, float] = (1.0, 60.0)  # first and longest wait between attempts
    account_id: str = ""


def serve(channel: Channel, spec: HostSpec, board: CallBoard, conditions: Conditions) -> None:
    """Run a terminal host on `channel` until the desk stops it or goes away."""
    target = spec.target
    clock = spec.sim_clock.build()
    # Every Terminal this process opens writes its calls on the board, whichever backend builds it: the
    # MetaTrader5 module attaches one terminal per process, so what it does is what this process does.
    watch_calls(board)
    simulator = None
    if target.backend in (Backend.SIM, Backend.AUTO):
        # Built before connecting, so its controls (and the desk's latency and hang, in shared memory)
        # work while the simulated terminal is away; `auto` connects it only if it falls back to it.
        simulator = simulator_for(target, clock, conditions)

    def opener(password: str | None) -> BackendSelection:
        return open_terminal(target, password=password, sim_clock=clock, simulator=simulator)

    loop = HostLoop(
        channel,
        opener,
        lambda terminal, password: reconnect_terminal(terminal, target, password),
        spec.intervals,
        simulator=simulator,
        board=board,
        backoff=Backoff(initial=spec.reconnect_backoff_s[0], maximum=spec.reconnect_backoff_s[1]),
        desk_alive=_desk_alive,
        account_id=spec.account_id,
    )
    try:
        loop.run()
    finally:
        watch_calls(None)


class ToDesk(logging.Handler):
    """The host's warnings and errors go to the desk, which writes its one log file (tracebacks included)."""

    def __init__(self, channel: Channel) -> None:
        super().__init__(logging.WARNING)
        self._channel = channel
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(OSError, EOFError, ValueError):  # the desk is gone: nobody reads it
            self._channel.send(HostLog(record.levelno, record.name, self.format(record)))


def host_process_main(
    commands: Connection, events: Connection, spec: HostSpec, board: CallBoard, conditions: Conditions
) -> None:
    """The child process's entry point (a module-level function, so spawn can find it by name)."""
    _die_with_desk()
    channel = PipeChannel(commands, events)
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    root.addHandler(ToDesk(channel))
    # Ctrl+C in a terminal reaches the whole process group; the desk decides when its host ends.
    with contextlib.suppress(KeyboardInterrupt):
        serve(channel, spec, board, conditions)


def _desk_alive() -> bool:
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


def _die_with_desk() -> None:
    """On Linux, the kernel kills the host the moment the desk dies, even inside a hung terminal call.

    Elsewhere the host notices the closed pipe at its next turn, and checks the desk before every order.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, 9)  # SIGKILL
    except (OSError, AttributeError) as error:
        log.info("cannot ask to die with the desk: %s", error)
        return
    if not _desk_alive():  # the desk died before prctl took effect
        os._exit(1)

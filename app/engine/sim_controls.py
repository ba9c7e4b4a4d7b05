"""SimulatorControls: the simulated terminal's test controls, driven from the desk wherever it runs.

Tests, demos and screenshots drive the simulator through `Desk.simulator` only. The simulator lives in
the terminal host, so each control crosses the pipe and waits for the host to apply it (between its
loops); latency and hang live in shared memory and apply at once, even while the host is stuck in a
call. Lasting switches (Algo Trading, the terminal being away, ...) and the manual clock are remembered
here and carried into a restarted host, as a real terminal keeps them while its client restarts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from app.core.models import Account, Deal, Position, Tick
from app.engine.host.controls import (
    ApplySimSettings,
    CloseExternal,
    Control,
    Deposit,
    ForceRetcode,
    ModifyExternal,
    MoveClock,
    OpenExternal,
    SentOrders,
)
from app.engine.host.messages import Answer, ControlDone, QueryFailed, Request
from app.engine.host.queries import AccountQuery, DealsQuery, PositionsQuery, TickQuery
from app.engine.supervisor import HostSupervisor, next_request_id
from app.terminal.errors import TerminalError
from app.terminal.simulator.clock import ClockKind, ClockSpec, to_epoch

CONTROL_TIMEOUT_S = 30.0
T = TypeVar("T")


class SimulatorClock:
    """The simulator's manual clock, seen from the desk: read, advanced or set like a ManualClock."""

    def __init__(self, host: HostSupervisor, controls: SimulatorControls) -> None:
        self._host = host
        self._controls = controls

    def now(self) -> float:
        """Epoch seconds of the simulated market (the host's clock; the same in every process)."""
        spec = self._host.clock_spec
        if spec.kind is ClockKind.MANUAL:
            return spec.start
        return spec.build().now()

    def advance(self, seconds: float) -> None:
        """Move the manual clock forward by `seconds` (>= 0)."""
        if seconds < 0:
            raise ValueError(f"ManualClock cannot go backwards: advance({seconds}) needs seconds >= 0")
        self._move(MoveClock(next_request_id(), seconds=float(seconds)), self.now() + float(seconds))

    def set(self, moment: float | datetime) -> None:
        """Jump the manual clock to `moment`, which may not be earlier than now."""
        target = to_epoch(moment)
        if target < self.now():
            raise ValueError(
                f"ManualClock cannot go backwards: {target} is before the current time {self.now()}"
            )
        self._move(MoveClock(next_request_id(), until=datetime.fromtimestamp(target, UTC)), target)

    def _move(self, control: MoveClock, target: float) -> None:
        spec = self._host.clock_spec
        if spec.kind is not ClockKind.MANUAL:
            raise ValueError("the simulator runs on the wall clock here; only a manual clock can be moved")
        self._controls.apply(control)
        self._host.keep_clock(ClockSpec.manual(target))


class SimulatorControls:
    """What a trader at the terminal, the broker and the network do to the simulated terminal."""

    def __init__(self, host: HostSupervisor) -> None:
        self._host = host
        self.clock = SimulatorClock(host, self)

    # ---- the world's conditions, in shared memory --------------------------------------------------
    def set_latency(self, seconds: float) -> None:
        """Every call blocks this long, holding the GIL like the real module (0 for none)."""
        self._host.conditions.set_latency(seconds)

    def set_reply_latency(self, seconds: float) -> None:
        """An executed order's answer comes back this much later."""
        self._host.conditions.set_reply_latency(seconds)

    def hang(self) -> None:
        """The terminal stops answering: every call blocks until `release()`."""
        self._host.conditions.hang()

    def release(self) -> None:
        """The hung terminal answers again."""
        self._host.conditions.release()

    # ---- trades and money, applied by the host ----------------------------------------------------
    def open_external(
        self,
        symbol: str,
        side: str,
        volume: float,
        *,
        sl: float = 0.0,
        tp: float = 0.0,
        comment: str = "",
        magic: int = 0,
    ) -> int:
        """Open a position as a trader at the terminal would; returns its ticket."""
        done = self.apply(
            OpenExternal(next_request_id(), symbol, side, float(volume), sl, tp, comment, magic)
        )
        assert isinstance(done, ControlDone) and done.ticket is not None
        return done.ticket

    def close_external(self, ticket: int, volume: float | None = None) -> None:
        """Close a position, fully or `volume` of it, as a trader at the terminal would."""
        self.apply(CloseExternal(next_request_id(), ticket, None if volume is None else float(volume)))

    def modify_external(self, ticket: int, *, sl: float | None = None, tp: float | None = None) -> None:
        """Change a position's SL and/or TP (None keeps the current one; 0.0 removes it)."""
        self.apply(ModifyExternal(next_request_id(), ticket, sl, tp))

    def force_next_retcode(self, retcode: int, count: int = 1) -> None:
        """The next `count` order_send calls answer `retcode` and execute nothing."""
        self.apply(ForceRetcode(next_request_id(), retcode, count))

    def deposit(self, amount: float, comment: str = "Deposit") -> None:
        """A balance operation: positive deposits, negative withdraws."""
        self.apply(Deposit(next_request_id(), float(amount), comment))

    def sent_orders(self) -> tuple[tuple[float, str], ...]:
        """What the trade server received: (time.monotonic() of order_send, comment) pairs."""
        answer = self.apply(SentOrders(next_request_id()))
        result = answer.result()
        assert isinstance(result, tuple)
        return result

    # ---- lasting switches, remembered across host restarts ---------------------------------------
    def disconnect(self) -> None:
        """The terminal goes away: calls fail with IPC errors until restore() (and a reconnect)."""
        self._switch(terminal_up=False)

    def restore(self) -> None:
        """The terminal is back; the desk reconnects by itself."""
        self._switch(terminal_up=True)

    def set_algo_trading(self, enabled: bool) -> None:
        """The Algo Trading button: off makes order_send answer 10027."""
        self._switch(algo_trading=bool(enabled))

    def set_api_trading(self, enabled: bool) -> None:
        """The terminal option for trading through the Python API."""
        self._switch(api_trading=bool(enabled))

    def set_position_limit(self, n: int | None) -> None:
        """The broker's cap on open positions (None for no cap)."""
        self._switch(position_limit=n)

    def set_symbol_trade_mode(self, symbol: str, mode: int) -> None:
        """The broker's trade mode for a symbol (SYMBOL_TRADE_MODE_*)."""
        modes = {**self._host.sim_settings.trade_modes, symbol: int(mode)}
        self._switch(trade_modes=modes)

    def _switch(self, **changes: object) -> None:
        before = self._host.sim_settings
        settings = replace(before, **changes)  # type: ignore[arg-type]
        if self._host.running:
            self.apply(ApplySimSettings(next_request_id(), settings))
        self._host.keep_sim_settings(settings)

    # ---- what the terminal holds (converted records, as the desk's adapter reads them) ------------
    def tick(self, symbol: str) -> Tick:
        return self._read(TickQuery(next_request_id(), symbol), Tick)

    def positions(self) -> dict[int, Position]:
        return self._read(PositionsQuery(next_request_id()), dict)

    def account(self) -> Account:
        return self._read(AccountQuery(next_request_id()), Account)

    def deals(self, since: datetime, until: datetime) -> list[Deal]:
        return self._read(DealsQuery(next_request_id(), since, until), list)

    # ---- plumbing ---------------------------------------------------------------------------------
    def apply(self, control: Control) -> Answer:
        """Send one control and wait for the host to apply it; ValueError if the simulator refused it."""
        answer = self._ask(control)
        if isinstance(answer, ControlDone) and answer.error:
            raise ValueError(answer.error)
        return answer

    def _read(self, request: Request, kind: type[T]) -> T:
        result = self._ask(request).result()
        assert isinstance(result, kind)
        return result

    def _ask(self, request: Request) -> Answer:
        if not self._host.running:
            raise ValueError("the simulated terminal is not running (start the desk first)")
        answer = self._host.ask(request, CONTROL_TIMEOUT_S)
        if isinstance(answer, QueryFailed):
            raise TerminalError(answer.code, answer.message, answer.hint, retryable=answer.retryable)
        return answer

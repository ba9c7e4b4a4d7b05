"""Test controls of the simulated terminal: what a trader at the terminal, the broker or the network do.

Plain thread-safe methods that work whether or not a client is connected. A control that cannot do what
it is asked raises ValueError saying why, since a test that sets up the wrong world must fail loudly.
"""

from __future__ import annotations

from typing import Any

from app.terminal.simulator import constants as c
from app.terminal.simulator.api_base import TerminalState
from app.terminal.simulator.errors import retcode_comment
from app.terminal.simulator.records import TradeRequest, make
from app.terminal.simulator.validation import SYMBOL_FILLING_FOK

_TRADE_MODES = (
    c.SYMBOL_TRADE_MODE_DISABLED,
    c.SYMBOL_TRADE_MODE_LONGONLY,
    c.SYMBOL_TRADE_MODE_SHORTONLY,
    c.SYMBOL_TRADE_MODE_CLOSEONLY,
    c.SYMBOL_TRADE_MODE_FULL,
)


class Controls(TerminalState):
    """External trades, disconnects, latency, forced retcodes, Algo Trading, symbol modes, caps."""

    def _manual_request(self, **fields: Any) -> Any:
        base: dict[str, Any] = {
            "action": c.TRADE_ACTION_DEAL,
            "magic": 0,
            "order": 0,
            "symbol": "",
            "volume": 0.0,
            "price": 0.0,
            "stoplimit": 0.0,
            "sl": 0.0,
            "tp": 0.0,
            "deviation": 0,
            "type": 0,
            "type_filling": c.ORDER_FILLING_FOK,
            "type_time": c.ORDER_TIME_GTC,
            "expiration": 0,
            "comment": "",
            "position": 0,
            "position_by": 0,
        }
        base.update(fields)
        symbol = self.market.symbols.get(base["symbol"])
        if symbol is not None and not symbol.filling_mode & SYMBOL_FILLING_FOK:
            base["type_filling"] = c.ORDER_FILLING_IOC
        return make(TradeRequest, **base)

    def _execute_manual(self, what: str, **fields: Any) -> Any:
        request = self._manual_request(**fields)
        outcome = self._broker.send(request, self.clock.now(), c.ORDER_REASON_CLIENT)
        if outcome.retcode != c.TRADE_RETCODE_DONE:
            raise ValueError(
                f"{what} refused by the simulated server: {outcome.retcode} "
                f"{retcode_comment(outcome.retcode)}"
            )
        return outcome

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
        """Open a position as a trader at the terminal would (reason CLIENT); returns its ticket."""
        if side not in ("buy", "sell"):
            raise ValueError(f'side must be "buy" or "sell", got {side!r}')
        with self._lock:
            self._catch_up()
            order_type = c.ORDER_TYPE_BUY if side == "buy" else c.ORDER_TYPE_SELL
            outcome = self._execute_manual(
                f"open_external({symbol!r}, {side!r}, {volume})",
                symbol=symbol,
                type=order_type,
                volume=float(volume),
                sl=float(sl),
                tp=float(tp),
                comment=comment,
                magic=magic,
            )
            self._selected.add(symbol)
            return int(outcome.order)

    def close_external(self, ticket: int, volume: float | None = None) -> None:
        """Close a position, fully or `volume` of it, as a trader at the terminal would."""
        with self._lock:
            self._catch_up()
            position = self._open_position(ticket)
            closing = c.ORDER_TYPE_SELL if position.type == c.POSITION_TYPE_BUY else c.ORDER_TYPE_BUY
            self._execute_manual(
                f"close_external({ticket}, {volume})",
                symbol=position.symbol,
                type=closing,
                volume=float(position.volume if volume is None else volume),
                position=ticket,
            )

    def modify_external(self, ticket: int, *, sl: float | None = None, tp: float | None = None) -> None:
        """Change a position's SL and/or TP (None keeps the current one; 0.0 removes it)."""
        with self._lock:
            self._catch_up()
            position = self._open_position(ticket)
            request = self._manual_request(
                action=c.TRADE_ACTION_SLTP,
                symbol=position.symbol,
                position=ticket,
                sl=float(position.sl if sl is None else sl),
                tp=float(position.tp if tp is None else tp),
            )
            outcome = self._broker.send(request, self.clock.now(), c.ORDER_REASON_CLIENT)
            if outcome.retcode not in (c.TRADE_RETCODE_DONE, c.TRADE_RETCODE_NO_CHANGES):
                raise ValueError(
                    f"modify_external({ticket}, sl={sl}, tp={tp}) refused: {outcome.retcode} "
                    f"{retcode_comment(outcome.retcode)}"
                )

    def _open_position(self, ticket: int) -> Any:
        position = self._broker.ledger.positions.get(ticket)
        if position is None:
            raise ValueError(f"no open position with ticket {ticket}")
        return position

    def disconnect(self) -> None:
        """The terminal goes away: calls fail with IPC errors until restore() and a new initialize()."""
        with self._lock:
            self._terminal_up = False
            self._connected = False

    def restore(self) -> None:
        """The terminal is back; a client still has to initialize() again."""
        with self._lock:
            self._terminal_up = True

    def set_latency(self, seconds: float) -> None:
        """Every API call blocks this long, like a slow IPC round trip (0 for none).

        The wait holds the GIL, as the MetaTrader5 module's waits do: no other thread of the process runs.
        """
        self._conditions.set_latency(seconds)

    def set_reply_latency(self, seconds: float) -> None:
        """An executed order's answer comes back this much later (the order stands meanwhile)."""
        self._conditions.set_reply_latency(seconds)

    def hang(self) -> None:
        """The terminal stops answering: every call blocks (holding the GIL) until `release()`.

        initialize() gives up after its timeout with an IPC timeout, as it does with a hung terminal.
        """
        self._conditions.hang()

    def release(self) -> None:
        """The hung terminal answers again; blocked calls go on."""
        self._conditions.release()

    def sent_orders(self) -> tuple[tuple[float, str], ...]:
        """(time.monotonic() when order_send reached the server, request comment) of recent orders."""
        with self._lock:
            return tuple(self._sent_orders)

    def force_next_retcode(self, retcode: int, count: int = 1) -> None:
        """The next `count` order_send calls return `retcode` and execute nothing."""
        if count < 1:
            raise ValueError(f"count must be >= 1, got {count}")
        with self._lock:
            self._forced_retcodes.extend([int(retcode)] * count)

    def set_algo_trading(self, enabled: bool) -> None:
        """The Algo Trading button: when off, order_send answers 10027 and trade_allowed is False."""
        with self._lock:
            self._algo_trading = bool(enabled)

    def set_api_trading(self, enabled: bool) -> None:
        """The terminal option for trading through the Python API: off makes order_send None with -8."""
        with self._lock:
            self._api_trading = bool(enabled)

    def set_symbol_trade_mode(self, symbol: str, mode: int) -> None:
        """The broker's trade mode for a symbol (SYMBOL_TRADE_MODE_DISABLED, _CLOSEONLY, _FULL, ...)."""
        if symbol not in self.market.symbols:
            raise ValueError(
                f"unknown symbol {symbol!r}; the simulated broker offers {', '.join(self.market.symbols)}"
            )
        if mode not in _TRADE_MODES:
            raise ValueError(f"trade mode must be one of {_TRADE_MODES}, got {mode}")
        with self._lock:
            self._broker.trade_modes[symbol] = mode

    def set_position_limit(self, n: int | None) -> None:
        """The broker's cap on open positions (None for no cap); opening beyond it answers 10040."""
        if n is not None and n < 0:
            raise ValueError(f"position limit must be >= 0 or None, got {n}")
        with self._lock:
            self._broker.position_limit = n

    def deposit(self, amount: float, comment: str = "Deposit") -> None:
        """A balance operation (DEAL_TYPE_BALANCE): positive deposits, negative withdraws."""
        with self._lock:
            self._catch_up()
            self._broker.deposit(float(amount), self.clock.now(), comment)

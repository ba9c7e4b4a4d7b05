"""What the trade server does while nobody is asking: SL/TP hits, daily swaps, stop out.

The simulator has no background thread. Before anything reads or changes the account, the broker
catches up from the last processed moment to now: it looks at the lowest and highest price between the
two moments, and if a stop was crossed it narrows down when, so the deal carries the right time.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.terminal.simulator import constants as c

if TYPE_CHECKING:
    from app.terminal.simulator.accounting import Accounting
    from app.terminal.simulator.broker import Figures
    from app.terminal.simulator.execution import Outcome
    from app.terminal.simulator.ledger import Ledger, OpenPosition
    from app.terminal.simulator.market import Market

DAY = 86_400
HIT_RESOLUTION = 1.0  # seconds: how exactly the time of a SL/TP hit is pinned down
STOP_OUT_LEVEL = 30.0  # percent (margin_so_mode 0)
MARGIN_CALL_LEVEL = 50.0
# Wednesday as datetime.weekday() counts; SymbolInfo.swap_rollover3days says 3, MQL's Wednesday.
TRIPLE_SWAP_WEEKDAY = 2


class Housekeeping:
    """Mixin of Broker: catches the account up with the passage of time."""

    market: Market
    accounting: Accounting
    ledger: Ledger

    if TYPE_CHECKING:  # Broker's methods, declared for the checker only: at run time Broker's own are used

        def save(self) -> None: ...
        def figures(self, t: float) -> Figures: ...
        def position_profit(self, position: OpenPosition, t: float) -> float: ...
        def close(
            self,
            position: OpenPosition,
            volume: float,
            price: float,
            t: float,
            reason: int,
            *,
            comment: str | None = None,
        ) -> Outcome: ...

    def process(self, until: float) -> None:
        """Apply every SL/TP hit, rollover swap and stop out between the last processing and `until`."""
        start = self.ledger.processed_until
        if until < start:
            return
        # Even with no time passed, a price moved by a test control may already be beyond a stop.
        changed = False
        t0 = start
        for day in range(math.floor(start / DAY) + 1, math.floor(until / DAY) + 1):
            midnight = float(day * DAY)
            changed |= self._stops_between(t0, midnight)
            changed |= self._charge_swaps(midnight)
            changed |= self._stop_out(midnight)
            t0 = midnight
        changed |= self._stops_between(t0, until)
        # The margin check costs a pass over every position: once per simulated second is enough
        # (a broker's stop out is not instant either), and the daily checks above still run.
        if math.floor(until) != math.floor(start) or until == start:
            changed |= self._stop_out(until)
        self.ledger.processed_until = until
        if changed:
            self.save()

    # --- SL / TP ------------------------------------------------------------------------------

    def _stops_between(self, t0: float, t1: float) -> bool:
        hits: list[tuple[float, int, int, float]] = []
        for position in self.ledger.positions.values():
            if position.sl or position.tp:
                hit = self._first_hit(position, t0, t1)
                if hit is not None:
                    hits.append((hit[0], position.ticket, hit[1], hit[2]))
        for when, ticket, reason, price in sorted(hits):
            position = self.ledger.positions[ticket]
            digits = self.market.symbols[position.symbol].digits
            tag = "sl" if reason == c.DEAL_REASON_SL else "tp"
            self.close(position, position.volume, price, when, reason, comment=f"[{tag} {price:.{digits}f}]")
        return bool(hits)

    def _first_hit(self, position: OpenPosition, t0: float, t1: float) -> tuple[float, int, float] | None:
        """(time, DEAL_REASON_SL or _TP, price) of the first stop crossed in (t0, t1], or None."""
        if self._crossed(position, t0, t1) == (False, False):
            return None
        lo, hi = t0, t1
        while hi - lo > HIT_RESOLUTION:
            mid = (lo + hi) / 2
            if any(self._crossed(position, t0, mid)):
                hi = mid
            else:
                lo = mid
        sl_hit, _ = self._crossed(position, lo, hi)
        # Prices change once a second: the crossing happened at the start of the second holding `hi`.
        when = max(float(math.floor(hi)), t0)
        # Both inside one second: assume the worse outcome, the stop loss.
        if sl_hit:
            return when, c.DEAL_REASON_SL, position.sl
        return when, c.DEAL_REASON_TP, position.tp

    def _crossed(self, position: OpenPosition, t0: float, t1: float) -> tuple[bool, bool]:
        """Whether the closing price touched (SL, TP) in (t0, t1]: the bid for a buy, the ask for a sell."""
        buy = position.type == c.POSITION_TYPE_BUY
        span = (self.market.bid_range if buy else self.market.ask_range)(position.symbol, t0, t1)
        if span is None:
            return False, False
        low, high = span
        if buy:
            return bool(position.sl) and low <= position.sl, bool(position.tp) and high >= position.tp
        return bool(position.sl) and high >= position.sl, bool(position.tp) and low <= position.tp

    # --- swaps and stop out -----------------------------------------------------------------------

    def _charge_swaps(self, midnight: float) -> bool:
        """Rollover: each open position pays or earns one night's swap (three on Wednesday nights)."""
        ended = datetime.fromtimestamp(midnight - 1, tz=UTC).weekday()
        changed = False
        for position in self.ledger.positions.values():
            sym = self.market.symbols[position.symbol]
            if sym.weekend_closed:
                if ended >= 5:  # no rollover for the nights of Saturday and Sunday
                    continue
                nights = 3 if ended == TRIPLE_SWAP_WEEKDAY else 1
            else:
                nights = 1
            charge = self.accounting.daily_swap(sym, position.type, position.volume, midnight) * nights
            if charge:
                position.swap = self.accounting.money(position.swap + charge)
                changed = True
        return changed

    def _stop_out(self, t: float) -> bool:
        """Close the worst position while the margin level is below the stop-out level."""
        changed = False
        while self.ledger.positions:
            figures = self.figures(t)
            if figures.margin <= 0 or figures.margin_level >= STOP_OUT_LEVEL:
                break
            tradable = [p for p in self.ledger.positions.values() if self.market.is_open(p.symbol, t)]
            if not tradable:
                break
            worst = min(tradable, key=lambda p: self.position_profit(p, t))
            quote = self.market.quote(worst.symbol, t)
            price = quote.bid if worst.type == c.POSITION_TYPE_BUY else quote.ask
            self.close(
                worst, worst.volume, price, t, c.DEAL_REASON_SO, comment=f"[so {figures.margin_level:.2f}%]"
            )
            changed = True
        return changed

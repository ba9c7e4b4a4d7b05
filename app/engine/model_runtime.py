"""One registered model as the auto-trader runs it: its loaded predictor, what it last said, its status line,
and the small pure pieces of the per-bar decision (freshness, stop prices, holding time).

Bar times are the terminal's (broker server time, tagged UTC without shifting, like every terminal time),
so they are compared with the terminal's own tick time and position times, never with the PC's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.core.enums import Side, Timeframe
from app.core.models import ModelSettings, ModelSummary, Position, SymbolSpec, Tick
from app.storage.model_registry import RegisteredModel

if TYPE_CHECKING:
    from app.ml.model import Model

# A closed bar is traded only while the next bar is young: a bar found late (after a reconnect, or at
# start-up) is skipped rather than traded at a price the model never saw.
FRESH_SHARE = 0.25
MIN_FRESH_S = 10.0


@dataclass(slots=True)
class ModelRuntime:
    """A registry row plus the live state the auto-trader keeps for it in its thread."""

    record: RegisteredModel
    model: Model | None = None
    last_bar: datetime | None = None
    last_signal: Side | None = None
    last_confidence: float | None = None
    last_signal_at: datetime | None = None
    status: str = ""
    blocked_rule: str | None = None  # the risk rule last announced, so a lasting block is said once
    problem: str | None = None  # the error last announced, likewise

    @property
    def model_id(self) -> str:
        return self.record.model_id

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def magic(self) -> int:
        return self.record.magic

    @property
    def settings(self) -> ModelSettings:
        return self.record.settings

    @property
    def enabled(self) -> bool:
        return self.record.enabled

    def positions(self, positions: Mapping[int, Position]) -> list[Position]:
        """This model's open positions (by magic number), oldest first."""
        own = [p for p in positions.values() if p.magic == self.magic]
        return sorted(own, key=lambda p: (p.time, p.ticket))

    def summary(self, positions: Mapping[int, Position], closed_today: float) -> ModelSummary:
        """The dock's row: today's P&L is the closed profit plus the floating P&L of its open positions."""
        own = self.positions(positions)
        floating = sum(p.profit + p.swap for p in own)
        return ModelSummary(
            model_id=self.model_id,
            account_id=self.record.account_id,
            name=self.name,
            symbol=self.settings.symbol,
            timeframe=Timeframe(self.settings.timeframe).value,
            enabled=self.enabled,
            open_positions=len(own),
            today_profit=round(closed_today + floating, 2),
            algorithm=self.record.algorithm,
            lot_size=self.settings.lot_size,
            last_signal=self.last_signal,
            last_confidence=self.last_confidence,
            last_signal_at=self.last_signal_at,
            status=self.status if self.enabled else (self.status or "disabled"),
        )


def bar_moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(int(epoch), UTC)


def bar_age_s(bar_time: datetime, timeframe: Timeframe, server_now: datetime) -> float:
    """Seconds since the bar closed, by the terminal's clock."""
    closed_at = Timeframe(timeframe).next_open(int(bar_time.timestamp()))
    return server_now.timestamp() - closed_at


def is_fresh(bar_time: datetime, timeframe: Timeframe, server_now: datetime) -> bool:
    """Whether a closed bar is young enough to trade on."""
    grace = max(Timeframe(timeframe).seconds * FRESH_SHARE, MIN_FRESH_S)
    return bar_age_s(bar_time, timeframe, server_now) <= grace


def stop_prices(
    side: Side, settings: ModelSettings, spec: SymbolSpec, tick: Tick
) -> tuple[float | None, float | None]:
    """(sl, tp) at the model's distances in pips from the price the order will fill at."""
    entry = tick.ask if side is Side.BUY else tick.bid
    direction = 1.0 if side is Side.BUY else -1.0
    sl = tp = None
    if settings.sl_pips:
        sl = round(entry - direction * settings.sl_pips * spec.pip, spec.digits)
    if settings.tp_pips:
        tp = round(entry + direction * settings.tp_pips * spec.pip, spec.digits)
    return sl, tp


def bars_held(position: Position, timeframe: Timeframe, last_closed_bar: datetime) -> int:
    """Bars closed since the position opened, its opening bar included."""
    frame = Timeframe(timeframe)
    bar, last = frame.bar_open(int(position.time.timestamp())), int(last_closed_bar.timestamp())
    if frame is not Timeframe.MN1:
        return max(0, (last - bar) // frame.seconds + 1)
    count = 0  # months differ in length: count them
    while bar <= last:
        bar, count = frame.next_open(bar), count + 1
    return count


def percent(value: float) -> str:
    return f"{value:.0%}"

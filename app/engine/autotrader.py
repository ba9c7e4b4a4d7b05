"""AutoTrader: runs the enabled models on each newly closed bar, in its own thread of the desk process.

Driven every P&L interval (`on_tick`, see auto_runner.py): one cheap `rates(symbol, tf, 1, start_pos=1)`
per distinct (symbol, timeframe) of the enabled models tells whether a bar closed. On a new bar each of
its models predicts from closed bars only, the prediction is logged, and when the master switch is on:
exits first (max holding bars, then an opposite signal closes the model's positions on that symbol),
then, if the confidence reaches the threshold inside the trading hours, the RiskGuard is asked and the
order goes through the order port (journal first, then the terminal host) with the model's magic number
and the id `auto_trade_id(model, bar)`. The journal's duplicate guard makes a bar tradable once, across
restarts too.

The master switch is OFF at every start, whatever it was before: after a restart nothing trades until
the trader switches it on again.

One AutoTrader serves one account of the desk (`account_id`): it loads that account's models, trades on
that account's terminal and checks that account's risk limits, plus the desk-wide daily loss over every
account (`desk_accounts`). The desk runs one per account, each in a thread of its own, so a hung terminal
never delays another account's models.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Protocol

from app.core.enums import NoticeLevel, OrderAction, Side, Timeframe, TradeSource
from app.core.events import Event, ModelsUpdate, Notice
from app.core.models import ModelSummary, OrderRequest, Position, SymbolSpec, Tick
from app.core.number_format import format_price, format_volume
from app.core.settings import FIRST_ACCOUNT_ID, RiskSettings
from app.engine.commands import AutoContext, TradeCommand, auto_trade_id, new_trade_id
from app.engine.desk_loss import AccountLoss, DeskLoss, desk_loss
from app.engine.model_commands import ModelCommands
from app.engine.model_runtime import (
    ModelRuntime,
    bar_age_s,
    bar_moment,
    bars_held,
    is_fresh,
    percent,
    stop_prices,
)
from app.engine.ports import OrderPort, TerminalReads
from app.engine.risk import Refusal, RiskContext, RiskGuard, Rule
from app.engine.trading import Outcome, is_link_error
from app.ml.bars import BarFrame
from app.ml.errors import DataError
from app.storage.errors import JournalError
from app.storage.journal import Journal
from app.storage.model_registry import ModelRegistry
from app.terminal.errors import TerminalError

log = logging.getLogger(__name__)

SUMMARY_REFRESH_S = 5.0  # today's P&L and position counts move every tick; republished at most this often


class DeskAccounts(Protocol):
    """Every account of the desk as the desk-wide loss limit needs them."""

    def losses(self, day_start: datetime) -> tuple[str, list[AccountLoss]]:
        """The first account's currency (the desk's, unless set) and each account's P&L today."""
        ...


class AutoTrader(ModelCommands):
    """Models, master switch and kill switch; every call comes from one thread (the auto-trader's)."""

    def __init__(
        self,
        journal: Journal,
        publish: Callable[[Event], None],
        now: Callable[[], datetime],
        *,
        models_dir: Path | None = None,
        limits: RiskSettings | None = None,
        account_id: str = FIRST_ACCOUNT_ID,
        announce_master: bool = True,
        desk_accounts: DeskAccounts | None = None,
    ) -> None:
        self._journal = journal
        self._account_id = account_id
        self._announce_master = announce_master
        self._desk_accounts = desk_accounts
        self._registry = ModelRegistry(journal.database)
        self._publish = publish
        self._now = now
        self._models_dir = Path(models_dir) if models_dir else journal.database.path.parent / "models"
        self._guard = RiskGuard(limits or RiskSettings())
        self._terminal: TerminalReads | None = None
        self._trading: OrderPort | None = None
        self._runtimes: dict[str, ModelRuntime] = {}
        self._master = False
        self._positions: Mapping[int, Position] = {}
        self._loaded = False
        self._published: tuple[ModelSummary, ...] | None = None
        self._summaries_due = 0.0
        self._summaries_failing = False
        self._sent = False

    @property
    def master_on(self) -> bool:
        return self._master

    @property
    def registry(self) -> ModelRegistry:
        return self._registry

    def summaries(self) -> tuple[ModelSummary, ...]:
        """Every model's row for the dock, as MODELS_UPDATE carries them."""
        closed = self._registry.closed_profit_by_model(_day_start(self._now()))
        return tuple(
            runtime.summary(self._positions, closed.get(runtime.model_id, 0.0))
            for runtime in self._runtimes.values()
        )

    def attach(self, terminal: TerminalReads, trading: OrderPort, positions: Mapping[int, Position]) -> None:
        """Called on every (re)connect: loads the models the first time, then announces them."""
        self._terminal, self._trading, self._positions = terminal, trading, positions
        if not self._loaded:
            self._loaded = True
            try:
                self._load_models()
            except JournalError as error:
                text = f"The model registry could not be read or updated: {error}. No model will trade."
                self._publish(
                    Notice(
                        level=NoticeLevel.ERROR,
                        title="Models not loaded",
                        text=text,
                        account_id=self._account_id,
                    )
                )
        self._publish_models(force=True)

    def on_tick(self, positions: Mapping[int, Position]) -> bool:
        """Check for newly closed bars and act on them; True when an order was sent (positions changed).

        Raises TerminalError only for a lost link (the terminal host reconnects); any other problem is
        reported per model and the other models go on.
        """
        self._positions = positions
        if self._terminal is None:
            return False
        enabled = [r for r in self._runtimes.values() if r.enabled and r.model is not None]
        changed = False
        for symbol, timeframe in dict.fromkeys((r.settings.symbol, r.settings.timeframe) for r in enabled):
            group = [r for r in enabled if (r.settings.symbol, r.settings.timeframe) == (symbol, timeframe)]
            closed = self._last_closed_bar(symbol, timeframe, group)
            if closed is None:
                continue
            for runtime in group:
                if runtime.last_bar == closed:
                    continue
                if not changed:
                    self._read_positions()  # decide on what the terminal holds now, not a loop ago
                runtime.last_bar, changed = closed, True
                try:
                    self._on_bar(runtime, closed)
                except JournalError as error:
                    # Without the journal there is no duplicate guard: nothing more is sent on this bar.
                    self._problem(runtime, f"the journal could not be used, no order on this bar ({error})")
        self._publish_models(force=changed)
        sent, self._sent = self._sent, False
        return sent

    # ---- one bar ----------------------------------------------------------------------------------
    def _last_closed_bar(
        self, symbol: str, timeframe: Timeframe, group: list[ModelRuntime]
    ) -> datetime | None:
        assert self._terminal is not None
        try:
            rates = self._terminal.rates(symbol, timeframe, 1, start_pos=1)
        except TerminalError as error:
            if is_link_error(error):
                raise
            for runtime in group:
                self._problem(runtime, f"cannot read {symbol} {timeframe.value} bars: {error.message}")
            return None
        return bar_moment(int(rates["time"][-1])) if len(rates) else None

    def _on_bar(self, runtime: ModelRuntime, bar_time: datetime) -> None:
        assert self._terminal is not None and runtime.model is not None
        settings = runtime.settings
        try:
            tick = self._terminal.tick(settings.symbol)
            if not is_fresh(bar_time, settings.timeframe, tick.time):
                age = bar_age_s(bar_time, settings.timeframe, tick.time)
                ago = f"{age:.0f} s" if age < 90 else f"{age / 60:.0f} min"
                runtime.status = f"waiting for next bar (the {bar_time:%H:%M} bar closed {ago} ago, too late)"
                return
            spec = self._terminal.symbol(settings.symbol)
            rates = self._terminal.rates(settings.symbol, settings.timeframe, runtime.model.bars_needed, 1)
            frame = BarFrame.from_rates(rates, spec.point)
            bar_time = runtime.last_bar = frame.moment(len(frame) - 1)  # a bar may have closed meanwhile
            side, confidence = runtime.model.predict_proba_last(frame, threshold=0.0)
        except TerminalError as error:
            if is_link_error(error):
                raise
            self._problem(runtime, f"cannot predict: {error.message}")
            return
        except DataError as error:
            self._problem(runtime, f"cannot predict: {error}")
            return
        now = self._now()
        runtime.last_signal, runtime.last_confidence, runtime.last_signal_at = side, confidence, now
        runtime.problem = None
        self._log(runtime, bar_time, side, confidence, False, "predicted")
        acted, reason = self._decide(runtime, bar_time, side, confidence, spec, tick)
        self._log(runtime, bar_time, side, confidence, acted, reason)

    def _decide(
        self,
        runtime: ModelRuntime,
        bar_time: datetime,
        side: Side | None,
        confidence: float,
        spec: SymbolSpec,
        tick: Tick,
    ) -> tuple[bool, str]:
        settings = runtime.settings
        if not self._master:
            runtime.status = "auto-trading is off (master switch): predicting only"
            return False, "auto-trading is off (master switch)"
        signal = side if side is not None and confidence >= settings.confidence_threshold else None
        closed = self._exits(runtime, bar_time, signal, confidence)
        if signal is None:
            said = f"{side.value} {percent(confidence)}" if side else f"no direction {percent(confidence)}"
            runtime.status = f"waiting for next bar (last: {said} < {percent(settings.confidence_threshold)})"
            return False, _joined(
                closed, f"confidence {confidence:.3f} below {settings.confidence_threshold:.3f}"
            )
        if not settings.within_hours(self._now().hour):
            start, end = settings.trading_hours or (0, 24)
            runtime.status = f"outside trading hours {start:02d}-{end:02d} UTC"
            return False, _joined(closed, runtime.status)
        sl, tp = stop_prices(signal, settings, spec, tick)
        request = OrderRequest(
            OrderAction.OPEN,
            settings.symbol,
            signal,
            volume=settings.lot_size,
            sl=sl,
            tp=tp,
            magic=runtime.magic,
            comment=runtime.name,
        )
        refusal = self._guard.check(runtime.record, settings, request, self._risk_context(runtime))
        if refusal is not None and refusal.rule == Rule.MAX_OPEN_MODEL and self._holds(runtime, signal):
            # Its own positions, all on the signal's side, fill the model's limit: it holds them, the state
            # the trader chose with that limit, not a refusal to warn of (nor red in Last refusal).
            runtime.status = f"holding {signal.value}: {refusal.summary} (max open positions per model)"
            return False, _joined(closed, f"holding: {refusal.text}")
        if refusal is not None:
            self._refused(runtime, refusal)
            return False, _joined(closed, f"Risk limit: {refusal.rule}: {refusal.text}")
        runtime.blocked_rule = None
        return self._open(runtime, request, bar_time, confidence, closed)

    def _holds(self, runtime: ModelRuntime, signal: Side) -> bool:
        """Whether every open position of this model is on the signal's side."""
        own = [p for p in self._positions.values() if p.magic == runtime.magic]
        return bool(own) and all(p.side is signal for p in own)

    def _open(
        self, runtime: ModelRuntime, request: OrderRequest, bar_time: datetime, confidence: float, closed: str
    ) -> tuple[bool, str]:
        assert self._trading is not None
        trade_id = auto_trade_id(runtime.model_id, bar_time)
        context = AutoContext(runtime.model_id, runtime.name, confidence, bar_time)
        outcome = self._trading.execute(
            TradeCommand(
                request=request,
                trade_id=trade_id,
                account_id=self._account_id,
                source=TradeSource.AUTO,
                auto=context,
            )
        )
        self._refresh_positions()
        if outcome.link_lost:
            raise TerminalError(
                -10004, "MetaTrader 5 stopped answering while a model's order was sent", "", "", True
            )
        if outcome.outcome is Outcome.FILLED and outcome.result is not None:
            side = request.side.value if request.side else ""
            filled = outcome.result
            runtime.status = (
                f"opened {side} {format_volume(filled.volume)} at {format_price(filled.price, filled.digits)}"
            )
            return True, _joined(closed, f"{runtime.status} (trade {trade_id})")
        if outcome.outcome is Outcome.DUPLICATE:
            runtime.status = "waiting for next bar (this bar was already traded)"
            return False, _joined(closed, f"already traded: trade {trade_id} is in the journal")
        runtime.status = f"order failed: {outcome.message}"
        return False, _joined(closed, f"order failed (trade {trade_id}): {outcome.message}")

    def _exits(
        self, runtime: ModelRuntime, bar_time: datetime, signal: Side | None, confidence: float
    ) -> str:
        """Close what the model should no longer hold; returns what was closed, for the log."""
        settings, done = runtime.settings, []
        for position in runtime.positions(self._positions):
            why = ""
            limit = settings.max_holding_bars
            if limit is not None and bars_held(position, settings.timeframe, bar_time) >= limit:
                why = f"held {limit} bar(s)"
            elif signal is not None and position.symbol == settings.symbol and position.side is not signal:
                why = f"opposite signal {signal.value} {percent(confidence)}"
            if why and self._close(runtime, position, bar_time, confidence):
                done.append(f"closed #{position.ticket} ({why})")
        if done:
            runtime.status = "; ".join(done)
        return "; ".join(done)

    def _close(
        self, runtime: ModelRuntime, position: Position, bar_time: datetime, confidence: float
    ) -> bool:
        assert self._trading is not None
        request = OrderRequest(
            OrderAction.CLOSE,
            position.symbol,
            ticket=position.ticket,
            magic=runtime.magic,
            comment=runtime.name,
        )
        context = AutoContext(runtime.model_id, runtime.name, confidence, bar_time)
        outcome = self._trading.execute(
            TradeCommand(
                request=request,
                trade_id=new_trade_id(),
                account_id=self._account_id,
                source=TradeSource.AUTO,
                auto=context,
            )
        )
        self._refresh_positions()
        if outcome.link_lost:
            raise TerminalError(
                -10004, "MetaTrader 5 stopped answering while a model's position was closed", "", "", True
            )
        return outcome.outcome is Outcome.FILLED

    # ---- facts, refusals, announcements ----------------------------------------------------------
    def _risk_context(self, runtime: ModelRuntime) -> RiskContext:
        assert self._terminal is not None
        now = self._now()
        day = _day_start(now)
        limits = self._guard.limits
        recent = self._registry.recent_auto_results(max(limits.cooldown_after_losses, 1), self._account_id)
        losses = 0
        for profit, _closed_at in recent:
            if profit >= 0:
                break
            losses += 1
        account = self._terminal.account()
        return RiskContext(
            now=now,
            account=account,
            positions=self._positions,
            closed_today=self._journal.closed_profit(day, self._account_id),
            trades_today={runtime.model_id: self._registry.auto_trades_since(runtime.model_id, day)},
            consecutive_losses=losses,
            last_loss_at=recent[0][1] if losses else None,
            terminal_trade_allowed=self._terminal.terminal_info().trade_allowed,
            model_magics=frozenset(r.magic for r in self._runtimes.values()),
            desk_loss=self._desk_loss(day, account.currency),
        )

    def _desk_loss(self, day: datetime, own_currency: str) -> DeskLoss | None:
        """Every account's loss today in the desk currency, when a desk-wide limit is set."""
        limits = self._guard.limits
        if limits.desk_daily_loss_limit <= 0 or self._desk_accounts is None:
            return None
        first_currency, parts = self._desk_accounts.losses(day)
        currency = limits.desk_currency or first_currency or own_currency
        return desk_loss(parts, limits.desk_daily_loss_limit, currency, self._rate)

    def _rate(self, base: str, quote: str) -> float | None:
        """One `base` in `quote` at this terminal's mid price now (its BASEQUOTE, or 1/QUOTEBASE)."""
        assert self._terminal is not None
        for symbol, inverted in ((f"{base}{quote}", False), (f"{quote}{base}", True)):
            try:
                tick = self._terminal.tick(symbol)
            except TerminalError as error:
                if is_link_error(error):
                    raise
                continue
            mid = (tick.bid + tick.ask) / 2
            if mid > 0:
                return 1 / mid if inverted else mid
        return None

    def _refused(self, runtime: ModelRuntime, refusal: Refusal) -> None:
        runtime.status = f"blocked: {refusal.rule.lower()}" + (
            f" ({refusal.summary})" if refusal.summary else ""
        )
        if runtime.blocked_rule == refusal.rule:
            return  # said once; the status line keeps showing it while the rule keeps blocking
        runtime.blocked_rule = refusal.rule
        self._publish(
            Notice(
                level=NoticeLevel.WARNING,
                title=f"Risk limit: {refusal.rule}",
                text=f"{runtime.name}: {refusal.text}",
                account_id=self._account_id,
            )
        )

    def _problem(self, runtime: ModelRuntime, text: str) -> None:
        runtime.status = f"error: {text}"
        if runtime.problem == text:
            return
        runtime.problem = text
        self._publish(
            Notice(
                level=NoticeLevel.ERROR,
                title=f"Model {runtime.name}",
                text=f"{text[:1].upper()}{text[1:]}.",
                account_id=self._account_id,
            )
        )

    def _log(
        self,
        runtime: ModelRuntime,
        bar_time: datetime,
        side: Side | None,
        confidence: float,
        acted: bool,
        reason: str,
    ) -> None:
        self._registry.record_prediction(
            runtime.model_id, bar_time, side, confidence, acted=acted, reason=reason, at=self._now()
        )

    def _read_positions(self) -> None:
        """The terminal's positions now (risk checks and exits must not miss a position just opened)."""
        assert self._terminal is not None
        try:
            self._positions = self._terminal.positions()
        except TerminalError as error:
            if is_link_error(error):
                raise
            log.warning("positions before a model's decision: %s", error)

    def _refresh_positions(self) -> None:
        assert self._terminal is not None
        self._sent = True
        try:
            self._positions = self._terminal.positions()
        except TerminalError as error:
            if is_link_error(error):
                raise
            log.warning("positions after an automatic order: %s", error)

    def _publish_models(self, *, force: bool = False) -> None:
        if not force and time.monotonic() < self._summaries_due:
            return
        self._summaries_due = time.monotonic() + SUMMARY_REFRESH_S
        try:
            summaries = self.summaries()
        except JournalError as error:
            log.error("model summaries: %s", error)
            if not self._summaries_failing:  # said once until it works again, not every second
                self._summaries_failing = True
                self._say(
                    NoticeLevel.ERROR,
                    "Model figures not updated",
                    f"The journal could not be read ({error}); the Models dock shows the last known state.",
                )
            return
        self._summaries_failing = False
        if force or summaries != self._published:
            self._published = summaries
            self._publish(
                ModelsUpdate(models=summaries, auto_trading=self._master, account_id=self._account_id)
            )


def _day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _joined(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second

"""The demo desk the README's screenshots show: eight journaled hours of trading on the simulator (trades,
partial closes, equity samples) and, for the models picture, models trading them bar by bar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.core.comments import tagged_comment
from app.core.enums import Backend, OrderAction, Timeframe, TradeSource
from app.core.event_text import describe
from app.core.events import AutoTradeExecuted, encode
from app.core.models import OrderRequest, OrderResult
from app.engine.commands import auto_trade_id, new_trade_id
from app.ml.algorithms import Algorithm
from app.ml.bars import BarFrame
from app.ml.money import ContractTerms, settings_from_backtest
from app.ml.options import TrainingOptions
from app.storage.database import open_database
from app.storage.journal import Journal
from app.storage.model_registry import ModelRegistry
from app.terminal.adapter import Terminal
from app.terminal.simulator import ManualClock, SimulatedTerminal

END = datetime.now(UTC).replace(second=0, microsecond=0)
TRADES = [  # (hours before END it opens, symbol, side, volume, hours it stays open or None, comment)
    (7.5, "EURUSD", "buy", 0.50, 2.0, "london breakout"),
    (7.0, "XAUUSD", "sell", 0.10, 3.5, "fade the spike"),
    (6.0, "GBPUSD", "sell", 0.30, None, ""),
    (5.0, "USDJPY", "buy", 1.00, 1.5, "carry"),
    (4.0, "EURUSD", "sell", 0.20, None, "hedge"),
    (3.0, "BTCUSD", "buy", 0.05, None, ""),
    (2.0, "XAUUSD", "buy", 0.20, None, "dip buy"),
    (1.0, "AUDUSD", "buy", 0.40, None, "my scalp trade"),
]
PARTIALS = {"EURUSD": (1.0, 0.20), "XAUUSD": (2.0, 0.04)}  # symbol -> (hours after opening, lots closed)


@dataclass(frozen=True)
class ModelPlan:
    """A model trained on the simulator's bars before the session, then traded through it bar by bar."""

    name: str
    symbol: str
    timeframe: Timeframe
    algorithm: Algorithm
    threshold: float  # its backtest's, and so its live confidence threshold
    hold_bars: int  # max_holding_bars
    stopped: float | None  # hours before END the trader switched it off; None: still on


MODELS = (
    ModelPlan("EURUSD momentum", "EURUSD", Timeframe.M1, Algorithm.HGB, 0.6, 10, None),
    ModelPlan("Gold swing", "XAUUSD", Timeframe.M15, Algorithm.FOREST, 0.52, 3, 3.0),
)


class Replay:
    """One model trading as the auto-trader does: orders journaled before they are sent, AUTO_TRADE_EXECUTED
    journaled with its confidence, positions closed after `hold_bars` bars."""

    def __init__(self, plan: ModelPlan, terminal: Terminal, journal: Journal, models_dir: Path) -> None:
        from app.ml.store import open_model, save_model
        from app.ml.training import train_model

        self.plan, self.terminal, self.journal = plan, terminal, journal
        self.spec = terminal.symbol(plan.symbol)
        rates = terminal.rates(plan.symbol, plan.timeframe, 6000, start_pos=1)
        trained = train_model(
            BarFrame.from_rates(rates, self.spec.point), symbol=plan.symbol, timeframe=plan.timeframe,
            algorithm=plan.algorithm, options=TrainingOptions(threshold=plan.threshold, lots=0.1),
            terms=ContractTerms.from_spec(self.spec, terminal.account().currency),
        )  # fmt: skip
        start = END - timedelta(hours=8)
        self.manifest = save_model(trained, models_dir, name=plan.name, created_at=start)
        self.settings = replace(
            settings_from_backtest(plan.symbol, plan.timeframe, trained.money),
            max_holding_bars=plan.hold_bars,
        )
        registry = ModelRegistry(journal.database)
        self.magic = registry.add(self.manifest, self.manifest.file_name, self.settings).magic
        registry.set_enabled(self.manifest.model_id, plan.stopped is None)
        self.model = open_model(self.manifest, models_dir)
        self.until = END - timedelta(hours=plan.stopped or 0.0)
        self.ticket: int | None = None
        self.opened = start

    def step(self, now: datetime) -> None:
        """At each new bar: close what was held long enough (or all once switched off), then maybe open."""
        bar = self.plan.timeframe.seconds
        if int(now.timestamp()) % bar:
            return
        if self.ticket is not None and (
            now - self.opened >= timedelta(seconds=bar * self.plan.hold_bars) or now >= self.until
        ):
            close = OrderRequest(
                OrderAction.CLOSE,
                self.plan.symbol,
                ticket=self.ticket,
                magic=self.magic,
                comment=self.plan.name,
            )
            self._send(close, new_trade_id(), now)
            self.journal.record_deals(self.terminal.deals_for_position(self.ticket))
            self.ticket = None
        if self.ticket is not None or now >= self.until:
            return
        rates = self.terminal.rates(
            self.plan.symbol, self.plan.timeframe, self.model.bars_needed, start_pos=1
        )
        frame = BarFrame.from_rates(rates, self.spec.point)
        side, confidence = self.model.predict_proba_last(frame, threshold=self.settings.confidence_threshold)
        if side is None:
            return
        trade_id = auto_trade_id(self.manifest.model_id, frame.moment(len(frame) - 1))
        request = OrderRequest(
            OrderAction.OPEN,
            self.plan.symbol,
            side,
            volume=self.settings.lot_size,
            magic=self.magic,
            comment=self.plan.name,
        )
        filled = self._send(request, trade_id, now)
        self.ticket, self.opened = filled.position_ticket, now
        self.journal.record_fill(
            trade_id, position_ticket=filled.position_ticket, order=filled.order, deal=filled.deal,
            price=filled.price, volume=filled.volume, at=now, retcode=filled.retcode,
        )  # fmt: skip
        self.journal.record_deals(self.terminal.deals_for_position(filled.position_ticket))
        event = AutoTradeExecuted(
            model_id=self.manifest.model_id, model_name=self.plan.name, trade_id=trade_id, direction=side,
            symbol=self.plan.symbol, confidence=confidence, entry_price=filled.price, stop_loss=None,
            take_profit=None, lot_size=filled.volume, digits=self.spec.digits, timestamp=now,
        )  # fmt: skip
        said = describe(event)
        assert said is not None
        self.journal.add_event(
            time=now, type=event.type, level=said.level, title=said.title, text=said.text,
            payload_json=encode(event),
        )  # fmt: skip

    def _send(self, request: OrderRequest, trade_id: str, now: datetime) -> OrderResult:
        request = replace(request, comment=tagged_comment(trade_id, request.comment))
        self.journal.record_pending(
            trade_id=trade_id, source=TradeSource.AUTO, action=request.action, symbol=request.symbol,
            side=request.side, volume=request.volume, sl=None, tp=None, magic=self.magic,
            comment=request.comment, model_id=self.manifest.model_id, position_ticket=request.ticket,
            requested_at=now,
        )  # fmt: skip
        self.journal.mark_sent(trade_id, now)
        result = self.terminal.send(request)
        assert result.retcode == 10009, result  # TRADE_RETCODE_DONE
        if request.action is OrderAction.CLOSE:
            self.journal.mark_done(trade_id, retcode=result.retcode, at=now)
        return result


def build_history(home: Path, models: Sequence[ModelPlan] = ()) -> None:
    """Trade on the simulator through eight hours and journal what the engine would have seen; `models` are
    trained, registered and traded through the same hours.

    Two positions are closed in two parts, so History shows partial closes ("0.20 of 0.50").
    """
    clock = ManualClock(END - timedelta(hours=8))
    sim = SimulatedTerminal(clock=clock, state_path=home / "sim.json")
    sim.initialize()
    sim.symbol_select("BTCUSD", True)
    terminal = Terminal(sim, Backend.SIM)
    terminal.connect()
    database = open_database(home / "journal.sqlite3")
    journal = Journal(database)
    replays = [Replay(plan, terminal, journal, home / "models") for plan in models]
    opens = {END - timedelta(hours=h): (s, side, v, hold, note) for h, s, side, v, hold, note in TRADES}
    closes: list[tuple[datetime, int]] = []  # a list: two positions may close at the same minute
    partials: list[tuple[datetime, int, float]] = []
    partial_symbols: list[str] = []
    t = clock.now()
    while t < END.timestamp():
        now = datetime.fromtimestamp(t, UTC)
        for at in [a for a in opens if a <= now]:
            symbol, side, volume, hold, note = opens.pop(at)
            ticket = sim.open_external(symbol, side, volume, comment=note)
            position = terminal.position(ticket)
            assert position is not None
            journal.record_external_open(position, now)
            if hold is not None:
                closes.append((now + timedelta(hours=hold), ticket))
                if symbol in PARTIALS and not any(symbol == s for s in partial_symbols):
                    after, lots = PARTIALS[symbol]
                    partials.append((now + timedelta(hours=after), ticket, lots))
                    partial_symbols.append(symbol)
        for entry in [p for p in partials if p[0] <= now]:
            partials.remove(entry)
            sim.close_external(entry[1], entry[2])
            journal.record_deals(terminal.deals_for_position(entry[1]))
        for close in [c for c in closes if c[0] <= now]:
            closes.remove(close)
            sim.close_external(close[1])
            journal.record_deals(terminal.deals_for_position(close[1]))
        for replay in replays:
            replay.step(now)
        account = terminal.account()
        journal.add_equity_sample(
            time=now,
            balance=account.balance,
            equity=account.equity,
            margin=account.margin,
            floating=account.profit,
        )
        t += 30
        clock.set(t)
    database.close()
    sim.shutdown()

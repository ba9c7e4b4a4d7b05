"""Models for the UI tests: manifests as training writes them, registered in a journal, and their trades."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.enums import NoticeLevel, Side, Timeframe, TradeSource
from app.core.events import AutoTradeExecuted, encode
from app.core.models import ModelSettings, ModelSummary
from app.ml.features import FEATURE_NAMES
from app.ml.manifest import ModelManifest
from app.ml.metrics import PerformanceMetrics
from app.ml.pipelines import Algorithm
from app.storage.journal import Journal
from app.storage.model_registry import ModelRegistry
from tests.ui.history.test_history_view import close_trade

BACKTEST = PerformanceMetrics(
    trades=40, wins=22, losses=18, win_rate=0.55, profit_factor=1.31, expectancy=0.00002,
    net_profit=0.0008, gross_profit=0.0034, gross_loss=0.0026, max_drawdown=0.0005,
    max_drawdown_pct=0.04, sharpe=1.8, sortino=2.4, average_confidence=0.62, days=9,
    starting_balance=1.1, final_balance=1.1008,
)  # fmt: skip


def make_manifest(model_id: str, name: str, symbol: str = "EURUSD") -> ModelManifest:
    """A manifest with plausible training figures (no model file behind it)."""
    created = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    return ModelManifest(
        model_id=model_id,
        name=name,
        symbol=symbol,
        timeframe=Timeframe.M1,
        algorithm=Algorithm.LOGREG,
        feature_names=FEATURE_NAMES,
        parameters={"seed": 0},
        sklearn_version="1.6.1",
        created_at=created,
        sha256="0" * 64,
        file_name=f"{model_id}.skops",
        seed=0,
        bars=20_000,
        samples=12_000,
        data_from=created - timedelta(days=14),
        data_until=created,
        oos_accuracy=0.523,
        baseline_accuracy=0.507,
        backtest=BACKTEST,
    )


def register(journal: Journal, manifest: ModelManifest, **settings: object) -> None:
    values: dict[str, Any] = {"symbol": manifest.symbol, "timeframe": manifest.timeframe, **settings}
    ModelRegistry(journal.database).add(manifest, manifest.file_name, ModelSettings(**values))


def summary(model_id: str, name: str, **fields: Any) -> ModelSummary:
    values: dict[str, Any] = {"symbol": "EURUSD", "timeframe": "M1", "enabled": False, **fields}
    return ModelSummary(model_id=model_id, name=name, **values)


def close_auto_trade(
    journal: Journal,
    ticket: int,
    model_id: str,
    profit: float,
    closed_at: datetime,
    *,
    confidence: float | None = None,
    held: timedelta = timedelta(minutes=5),
) -> None:
    """An automatic trade through the journal's lifecycle; with `confidence`, its AUTO_TRADE_EXECUTED too."""
    close_trade(
        journal, ticket, source=TradeSource.AUTO, profit=profit, closed_at=closed_at, held=held,
        model_id=model_id,
    )  # fmt: skip
    if confidence is None:
        return
    event = AutoTradeExecuted(
        model_id=model_id, model_name=model_id, trade_id=f"t{ticket}", direction=Side.BUY,
        symbol="EURUSD", confidence=confidence, entry_price=1.1, stop_loss=None, take_profit=None,
        lot_size=0.1, timestamp=closed_at - held,
    )  # fmt: skip
    journal.add_event(
        time=event.timestamp, type=event.type, level=NoticeLevel.INFO.value, title="Auto-trade",
        text="", payload_json=encode(event),
    )  # fmt: skip

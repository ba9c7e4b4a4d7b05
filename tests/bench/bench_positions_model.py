"""Benchmark: 10 changed rows into a 1,000-row positions model, incrementally vs by a full model reset.

Both scenarios drive a shown QTableView and let it repaint (`processEvents`), so the view's reaction is
part of the cost. Run `python -m tests.bench.bench_positions_model` for the ratio (target: the
incremental update at least 20x cheaper); `test_bench_positions_model.py` runs the same steps under
pytest-benchmark.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6 import sip
from PyQt6.QtCore import QMessageLogContext, QModelIndex, Qt, QtMsgType, qInstallMessageHandler
from PyQt6.QtWidgets import QApplication, QTableView, QWidget

from app.core.enums import Side
from app.core.events import PositionsUpdate
from app.core.models import Position
from app.ui.positions.positions_model import PositionsTableModel
from app.ui.positions.positions_view import PositionsView
from app.ui.widgets.columns import COLUMN_INDEX, PositionRow

ROWS = 1_000
CHANGED = 10
TARGET_RATIO = 20.0
_SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "EURGBP", "AUDUSD", "BTCUSD")
_OPENED = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)


_DIGITS = {"USDJPY": 3, "XAUUSD": 2, "BTCUSD": 2}


def make_positions(count: int = ROWS, generation: int = 0) -> list[Position]:
    """`count` varied positions; another `generation` gives the same tickets with other prices and profits."""
    positions = []
    for i in range(count):
        symbol = _SYMBOLS[i % len(_SYMBOLS)]
        base = {"USDJPY": 151.2, "XAUUSD": 2650.0, "BTCUSD": 65_000.0}.get(symbol, 1.1)
        drift = 1 + ((i * 7 + generation * 13) % 200 - 100) / 10_000
        positions.append(
            Position(
                ticket=100_000 + i,
                symbol=symbol,
                side=Side.BUY if i % 2 else Side.SELL,
                volume=0.01 * (1 + i % 20),
                price_open=base,
                price_current=base * drift,
                sl=None if i % 3 else base * 0.99,
                tp=None if i % 4 else base * 1.01,
                swap=-0.1 * (i % 5),
                profit=round((drift - 1) * 1_000 * (1 if i % 2 else -1), 2),
                time=_OPENED + timedelta(minutes=i),
                magic=0 if i % 6 else 240_001,
                comment="" if i % 6 else "mt5desk:rf-eurusd",
                digits=_DIGITS.get(symbol, 5),  # as the adapter fills it from the symbol's spec
            )
        )
    return positions


class ResetPositionsModel(PositionsTableModel):
    """The naive way (and VeighNa's cost model): throw every row away and reload on each update."""

    def reset(self, positions: Sequence[Position]) -> None:
        self.set_records(PositionRow(position) for position in positions)
        self._recount()


@dataclass
class Scenario:
    """One benchmark step and the model and widget it drives."""

    step: Callable[[], None]
    model: PositionsTableModel
    widget: QWidget

    def close(self) -> None:
        # Delete the view now, while its model is still alive (Python would free the model first).
        self.widget.close()
        sip.delete(self.widget)


def _changed_rows() -> list[int]:
    # Spread over the table, first one on screen, the way live modifications land.
    return [row * (ROWS // CHANGED) for row in range(CHANGED)]


def _modification_events(base: Sequence[Position], variants: int = 8) -> list[PositionsUpdate]:
    events = []
    for variant in range(variants):
        changed = [
            replace(
                base[row],
                sl=round(base[row].price_open * (0.98 - variant / 1_000), 5),
                price_current=base[row].price_current * (1 + variant / 10_000),
                profit=base[row].profit + variant + 1,
            )
            for row in _changed_rows()
        ]
        tickets = tuple(p.ticket for p in changed)
        events.append(PositionsUpdate(positions=tuple(changed), added=(), removed=(), modified=tickets))
    return events


def _show(widget: QWidget, app: QApplication) -> None:
    widget.resize(1_400, 800)
    widget.show()
    app.processEvents()


def incremental_scenario(app: QApplication, view: str = "table") -> Scenario:
    """Apply a PositionsUpdate with 10 modified rows, flush, let the view repaint."""
    model = PositionsTableModel()
    base = make_positions()
    model.apply(
        PositionsUpdate(positions=tuple(base), added=tuple(p.ticket for p in base), removed=(), modified=())
    )
    model.flush()
    widget = _attach_view(model, view)
    _show(widget, app)
    events = _modification_events(base)
    counter = iter(range(sys.maxsize))

    def step() -> None:
        model.apply(events[next(counter) % len(events)])
        model.flush()
        app.processEvents()

    return Scenario(step, model, widget)


def reset_scenario(app: QApplication, view: str = "table") -> Scenario:
    """Reload all 1,000 rows through beginResetModel/endResetModel, let the view repaint."""
    model = ResetPositionsModel()
    generations = [make_positions(generation=g) for g in range(2)]
    model.reset(generations[0])
    widget = _attach_view(model, view)
    _show(widget, app)
    counter = iter(range(sys.maxsize))

    def step() -> None:
        model.reset(generations[next(counter) % 2])
        app.processEvents()

    return Scenario(step, model, widget)


VIEWS = {
    "table": "QTableView on the model",
    "desk": "PositionsView (bottom line), arrival order",
    "desk-sorted": "PositionsView sorted by profit (every update re-sorts)",
}


def _attach_view(model: PositionsTableModel, view: str) -> QWidget:
    if view != "table":
        desk = PositionsView(model)
        if view == "desk-sorted":
            desk.table.sortByColumn(COLUMN_INDEX["profit"], Qt.SortOrder.DescendingOrder)
        return desk
    table = QTableView()
    table.setModel(model)
    table.setCurrentIndex(model.index(0, 0, QModelIndex()))
    return table


def seconds_per_step(step: Callable[[], None], *, steps: int = 50, repeats: int = 5) -> float:
    """Median over `repeats` of the mean time of `steps` calls, after one warm-up call."""
    step()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(steps):
            step()
        samples.append((time.perf_counter() - started) / steps)
    return statistics.median(samples)


def compare(app: QApplication, view: str = "table") -> tuple[float, float]:
    """(incremental, reset) seconds per update, measured in this process."""
    scenarios = incremental_scenario(app, view), reset_scenario(app, view)
    try:
        return seconds_per_step(scenarios[0].step), seconds_per_step(scenarios[1].step, steps=10, repeats=3)
    finally:
        for scenario in scenarios:
            scenario.close()


def _quiet_offscreen(mode: QtMsgType, context: QMessageLogContext, message: str | None) -> None:
    # The offscreen plugin warns on every top-level size-hint change; that is noise here.
    if message and "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def main() -> int:
    """Print incremental vs reset for each view; exit 1 when the QTableView ratio misses the target."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    qInstallMessageHandler(_quiet_offscreen)
    ratios = {}
    for view, label in VIEWS.items():
        incremental, reset = compare(app, view)
        ratios[view] = reset / incremental
        print(
            f"{label}: {CHANGED} changed rows of {ROWS}: incremental {incremental * 1e3:.2f} ms, "
            f"full reset {reset * 1e3:.2f} ms, ratio {ratios[view]:.1f}x"
        )
    print(f"target: incremental >= {TARGET_RATIO:.0f}x cheaper on the QTableView: {ratios['table']:.1f}x")
    return 0 if ratios["table"] >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())

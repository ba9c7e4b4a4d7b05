"""Benchmark: the Trade tab at 10,000 positions, against VeighNa's way measured in the same run.

Three figures, each the GUI thread's CPU time (`time.thread_time`) per step, view shown and repainted:
- a 1 Hz P&L update moving every position, the table sorted by Profit (target ≤ 16 ms at 10,000);
- 10 changed on-screen rows, against VeighNa's BaseMonitor (a QTableWidget, `setText` on each cell of a
  changed row, copied from vnpy/trader/ui/widget.py `update_old_row` / `BaseCell.set_content` /
  `PnlCell`, without its sorting, the cheapest way it runs) (target: no costlier). Like for like, a
  table against a table: the Trade tab's own table (PositionsTable on PositionsTableModel) alone, the
  same size, the same 10 rows on top, repainted by the same processEvents. The whole Trade tab (its
  total row repainted too, which VeighNa's monitor does not have) is reported beside it;
  Both are also measured with their events delivered as each design delivers them to the GUI thread,
  a queued signal per event: the hub's one PnlUpdate per tick, VeighNa's event engine one EVENT_POSITION
  per changed position (BaseMonitor.register_event: `signal.emit` → `process_event`);
- the first load of 5,000 positions (target ≤ 100 ms), beside VeighNa's `insert_new_row` for each.
Run `python -m tests.bench.bench_trade_tab [--rows N]`; `test_bench_trade_tab.py` runs it small.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6 import sip
from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem, QWidget

from app.core.enums import ConnectionState
from app.core.events import PnlUpdate
from app.core.models import Position, TerminalStatus
from app.ui.positions.positions_model import PositionsTableModel
from app.ui.positions.positions_view import PositionsTable, PositionsView
from app.ui.widgets.columns import COLUMN_INDEX, POSITION_COLUMNS, PositionRow
from tests.bench.bench_positions_model import make_positions
from tests.one_account import single_snapshot

SORTED_ROWS = 10_000
LOAD_ROWS = 5_000
CHANGED = 10
FRAME_MS = 16.0
LOAD_MS = 100.0
_STATUS = TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True)


def gui_seconds(step: Callable[[], None], *, steps: int = 10, repeats: int = 3) -> float:
    """Median over `repeats` of the GUI thread's mean CPU time per `step`, after one warm-up call."""
    step()
    samples = []
    for _ in range(repeats):
        started = time.thread_time()
        for _ in range(steps):
            step()
        samples.append((time.thread_time() - started) / steps)
    return statistics.median(samples)


def turns(steps: Sequence[Callable[[], None]], *, each: int, repeats: int) -> list[list[float]]:
    """Several steps taken in turns, so a busy spell on a shared machine weighs on each alike: per step,
    its mean CPU time over `each` calls in each of `repeats` turns."""
    for step in steps:
        step()
    samples: list[list[float]] = [[] for _ in steps]
    for _ in range(repeats):
        for step, taken in zip(steps, samples, strict=True):
            started = time.thread_time()
            for _ in range(each):
                step()
            taken.append((time.thread_time() - started) / each)
    return samples


def gui_seconds_side_by_side(
    steps: Sequence[Callable[[], None]], *, each: int = 50, repeats: int = 7
) -> list[float]:
    """`gui_seconds` of several steps taken in turns: the median over the turns of each step's mean."""
    return [statistics.median(taken) for taken in turns(steps, each=each, repeats=repeats)]


def paired_ratio(ours: Sequence[float], baseline: Sequence[float]) -> float:
    """The median of turn-by-turn ratios: each turn's two figures were taken moments apart, so a busy
    spell of the machine cancels out of each ratio instead of weighing on one side's median."""
    return statistics.median(a / b for a, b in zip(ours, baseline, strict=True))


def _show(widget: QWidget, app: QApplication) -> None:
    widget.resize(1_366, 700)
    widget.show()
    app.processEvents()


def _ticks(positions: Sequence[Position], generation: int) -> dict[int, tuple[float, float]]:
    """Every position moved; profits reshuffle from one generation to the next (the sort must move)."""
    return {
        p.ticket: (
            p.price_current * (1 + generation / 100_000),
            round(p.profit + ((i * 37 + generation * 101) % 97) - 48, 2),
        )
        for i, p in enumerate(positions)
    }


@dataclass
class Desk:
    """A shown widget holding `positions` in `model`: the whole Trade tab (PositionsView) or its table
    alone; `update_hook` is what the window's repaint timer calls."""

    widget: QWidget
    model: PositionsTableModel
    update_hook: Callable[[], None]
    positions: list[Position]

    def close(self) -> None:
        self.widget.close()
        sip.delete(self.widget)


def loaded_desk(app: QApplication, count: int, *, sort_by_profit: bool) -> Desk:
    """The Trade tab (filter, table, total row) holding `count` positions."""
    positions = make_positions(count)
    view = PositionsView()
    _show(view, app)
    view.model.apply(single_snapshot(None, tuple(positions), _STATUS))
    view.update_hook()
    if sort_by_profit:
        view.table.sortByColumn(COLUMN_INDEX["profit"], Qt.SortOrder.DescendingOrder)
    app.processEvents()
    return Desk(view, view.model, view.update_hook, positions)


def loaded_table(app: QApplication, count: int) -> Desk:
    """The Trade tab's table alone, in arrival order, as VeighNa's monitor is a table alone."""
    positions = make_positions(count)
    model = PositionsTableModel()
    table = PositionsTable(model, ())
    model.setParent(table)
    _show(table, app)
    model.apply(single_snapshot(None, tuple(positions), _STATUS))
    model.flush()
    app.processEvents()
    return Desk(table, model, model.flush, positions)


def every_position_moves(app: QApplication, desk: Desk) -> Callable[[], None]:
    """One P&L update moving every position, as the 1 s loop sends it, then the repaint."""
    events = [PnlUpdate(pnl=_ticks(desk.positions, g), floating_total=0.0, equity=0.0) for g in range(4)]
    counter = iter(range(sys.maxsize))

    def step() -> None:
        desk.model.apply(events[next(counter) % len(events)])
        desk.update_hook()
        app.processEvents()

    return step


def ten_rows_move(app: QApplication, desk: Desk) -> Callable[[], None]:
    """A P&L update moving the first 10 rows on screen, then the repaint."""
    shown = desk.model.tickets()[:CHANGED]
    by_ticket = {p.ticket: p for p in desk.positions}
    chosen = [by_ticket[t] for t in shown]
    events = [PnlUpdate(pnl=_ticks(chosen, g), floating_total=0.0, equity=0.0) for g in range(4)]
    counter = iter(range(sys.maxsize))

    def step() -> None:
        desk.model.apply(events[next(counter) % len(events)])
        desk.update_hook()
        app.processEvents()

    return step


class Delivery(QObject):
    """A queued signal, as events reach the GUI thread from the engine's thread (the desk's EventHub,
    VeighNa's EventEngine → BaseMonitor.signal): each emit is one posted event, handled by processEvents."""

    delivered = pyqtSignal(object)

    def to(self, receiver: Callable[[object], None]) -> Delivery:
        # PyQt6 takes the connection type; its stubs do not list it.
        self.delivered.connect(receiver, type=Qt.ConnectionType.QueuedConnection)  # type: ignore[call-arg]
        return self


def ten_rows_delivered(app: QApplication, desk: Desk) -> Callable[[], None]:
    """`ten_rows_move`, the P&L update delivered by a queued signal as the hub delivers it."""
    shown = desk.model.tickets()[:CHANGED]
    by_ticket = {p.ticket: p for p in desk.positions}
    chosen = [by_ticket[t] for t in shown]
    events = [PnlUpdate(pnl=_ticks(chosen, g), floating_total=0.0, equity=0.0) for g in range(4)]
    delivery = Delivery(desk.widget).to(desk.model.apply)  # type: ignore[arg-type]  # PnlUpdate in
    counter = iter(range(sys.maxsize))

    def step() -> None:
        delivery.delivered.emit(events[next(counter) % len(events)])
        app.processEvents()  # the delivery; then the window's repaint timer
        desk.update_hook()
        app.processEvents()

    return step


# --- VeighNa's BaseMonitor, copied: a QTableWidget of cells, `setText` per cell of a changed row --------

_LONG, _SHORT = QColor("red"), QColor("green")  # vnpy's COLOR_LONG / COLOR_SHORT (China's convention)
_UPDATED = ("volume", "price_open", "sl", "tp", "price_current", "swap", "profit", "comment", "magic")


class BaseCell(QTableWidgetItem):
    """vnpy BaseCell: text set from the content, data kept beside it."""

    def __init__(self, content: str, data: object) -> None:
        super().__init__()
        self._text = ""
        self._data: object = None
        self.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        self.set_content(content, data)

    def set_content(self, content: str, data: object) -> None:
        self._text = str(content)
        self._data = data
        self.setText(self._text)


class PnlCell(BaseCell):
    """vnpy PnlCell: coloured by the sign of its text."""

    def set_content(self, content: str, data: object) -> None:
        super().set_content(content, data)
        self.setForeground(_SHORT if str(content).startswith("-") else _LONG)


class VeighNaMonitor(QTableWidget):
    """vnpy BaseMonitor's insert_new_row / update_old_row, with this desk's column texts."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[int, dict[str, BaseCell]] = {}
        self.setColumnCount(len(POSITION_COLUMNS))
        self.setHorizontalHeaderLabels([column.header for column in POSITION_COLUMNS])
        vertical = self.verticalHeader()
        assert vertical is not None
        vertical.setVisible(False)
        self.setEditTriggers(self.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)

    def process_event(self, position: Position) -> None:
        if position.ticket in self.cells:
            self.update_old_row(position)
        else:
            self.insert_new_row(position)

    def insert_new_row(self, position: Position) -> None:
        self.insertRow(0)
        row = PositionRow(position)
        row_cells: dict[str, BaseCell] = {}
        for column, spec in enumerate(POSITION_COLUMNS):
            kind = PnlCell if spec.key == "profit" else BaseCell
            cell = kind(spec.text(row), position)
            self.setItem(0, column, cell)
            if spec.key in _UPDATED:
                row_cells[spec.key] = cell
        self.cells[position.ticket] = row_cells

    def update_old_row(self, position: Position) -> None:
        row = PositionRow(position)
        for key, cell in self.cells[position.ticket].items():
            cell.set_content(POSITION_COLUMNS[COLUMN_INDEX[key]].text(row), position)


def veighna_loaded(app: QApplication, positions: Sequence[Position]) -> VeighNaMonitor:
    monitor = VeighNaMonitor()
    _show(monitor, app)
    for position in positions:
        monitor.process_event(position)
    app.processEvents()
    return monitor


def _moved_generations(moving: Sequence[Position]) -> list[list[Position]]:
    """Four generations of these positions moved by `_ticks`, as VeighNa receives each position's event."""
    return [
        [
            p.moved(price, profit)
            for p, (price, profit) in zip(moving, _ticks(moving, g).values(), strict=True)
        ]
        for g in range(4)
    ]


def veighna_moves(
    app: QApplication, monitor: VeighNaMonitor, moving: Sequence[Position]
) -> Callable[[], None]:
    """These positions moved, each through process_event (VeighNa unsorted: no re-sort), then the repaint."""
    moved = _moved_generations(moving)
    counter = iter(range(sys.maxsize))

    def step() -> None:
        for position in moved[next(counter) % len(moved)]:
            monitor.process_event(position)
        app.processEvents()

    return step


def veighna_delivered(
    app: QApplication, monitor: VeighNaMonitor, moving: Sequence[Position]
) -> Callable[[], None]:
    """`veighna_moves`, each position's event delivered by a queued signal as BaseMonitor receives it."""
    moved = _moved_generations(moving)
    delivery = Delivery(monitor).to(monitor.process_event)  # type: ignore[arg-type]  # Position in
    counter = iter(range(sys.maxsize))

    def step() -> None:
        for position in moved[next(counter) % len(moved)]:
            delivery.delivered.emit(position)
        app.processEvents()
        app.processEvents()  # as many turns as the desk's step

    return step


# --- the figures ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    """Seconds of GUI-thread CPU per step."""

    rows: int
    sorted_update: float
    every_row_veighna: float
    ten_rows: float  # the Trade tab's table alone, like VeighNa's monitor
    ten_rows_tab: float  # the whole Trade tab: the table and its total row
    ten_rows_sorted: float
    ten_rows_veighna: float
    ten_rows_delivered: float  # the table alone, its P&L update delivered as the hub delivers it
    ten_rows_veighna_delivered: float  # VeighNa, each position's event delivered as its engine does
    ten_rows_ratio: float  # ten_rows against VeighNa, turn by turn (`paired_ratio`)
    ten_rows_delivered_ratio: float  # ten_rows_delivered against VeighNa's delivered, turn by turn
    load: float
    load_veighna: float
    load_rows: int


def measure(
    app: QApplication, rows: int = SORTED_ROWS, load_rows: int = LOAD_ROWS, steps: int = 10
) -> Figures:
    desk = loaded_desk(app, rows, sort_by_profit=True)
    try:
        sorted_update = gui_seconds(every_position_moves(app, desk), steps=steps)
        ten_sorted = gui_seconds(ten_rows_move(app, desk), steps=steps * 5)
    finally:
        desk.close()
    # Like for like with VeighNa, which does not sort: arrival order, the same 10 rows on top of the
    # screen, all three shown at once and measured in turns.
    table = loaded_table(app, rows)
    tab = loaded_desk(app, rows, sort_by_profit=False)
    positions = tab.positions
    monitor = veighna_loaded(app, positions)
    try:
        newest = positions[-CHANGED:]  # insert_new_row puts the newest on top
        # Many short turns (each step 10 calls at a time), each ratio taken within a turn.
        samples = turns(
            [
                ten_rows_move(app, table),
                ten_rows_move(app, tab),
                veighna_moves(app, monitor, newest),
                ten_rows_delivered(app, table),
                veighna_delivered(app, monitor, newest),
            ],
            each=10,
            repeats=steps * 4,
        )
        ten, ten_tab, ten_veighna, ten_delivered, ten_veighna_delivered = (
            statistics.median(taken) for taken in samples
        )
        ten_ratio = paired_ratio(samples[0], samples[2])
        delivered_ratio = paired_ratio(samples[3], samples[4])
        every_veighna = gui_seconds(veighna_moves(app, monitor, positions), steps=max(steps // 5, 1))
    finally:
        table.close()
        tab.close()
        monitor.close()
        sip.delete(monitor)
    load = first_load(app, load_rows)
    load_veighna = first_load_veighna(app, load_rows)
    return Figures(
        rows,
        sorted_update,
        every_veighna,
        ten,
        ten_tab,
        ten_sorted,
        ten_veighna,
        ten_delivered,
        ten_veighna_delivered,
        ten_ratio,
        delivered_ratio,
        load,
        load_veighna,
        load_rows,
    )


def first_load(app: QApplication, count: int) -> float:
    """GUI CPU seconds from a SNAPSHOT of `count` positions to the shown, fitted, painted table."""
    positions = tuple(make_positions(count))
    samples = []
    for _ in range(3):
        view = PositionsView()
        _show(view, app)
        started = time.thread_time()
        view.model.apply(single_snapshot(None, positions, _STATUS))
        view.update_hook()
        app.processEvents()
        samples.append(time.thread_time() - started)
        view.close()
        sip.delete(view)
    return statistics.median(samples)


def first_load_veighna(app: QApplication, count: int) -> float:
    positions = make_positions(count)
    monitor = VeighNaMonitor()
    _show(monitor, app)
    started = time.thread_time()
    for position in positions:
        monitor.process_event(position)
    app.processEvents()
    spent = time.thread_time() - started
    monitor.close()
    sip.delete(monitor)
    return spent


def report(figures: Figures) -> list[str]:
    ms = 1e3
    return [
        f"1 Hz update moving all {figures.rows:,} positions, sorted by Profit: "
        f"{figures.sorted_update * ms:.1f} ms (target <= {FRAME_MS:.0f} ms); VeighNa setText on every "
        f"row, unsorted: {figures.every_row_veighna * ms:.1f} ms",
        f"10 changed on-screen rows, table against table: {figures.ten_rows * ms:.2f} ms vs VeighNa "
        f"setText {figures.ten_rows_veighna * ms:.2f} ms "
        f"(ratio {figures.ten_rows_ratio:.2f} turn by turn, target <= 1)",
        f"10 changed on-screen rows, table against table, each delivered its events as it is in use "
        f"(the hub: one queued signal per tick; VeighNa: one per changed position): "
        f"{figures.ten_rows_delivered * ms:.2f} ms vs {figures.ten_rows_veighna_delivered * ms:.2f} ms "
        f"(ratio {figures.ten_rows_delivered_ratio:.2f} turn by turn, target <= 1)",
        f"10 changed on-screen rows, the whole Trade tab (table and total row): "
        f"{figures.ten_rows_tab * ms:.2f} ms (ratio {figures.ten_rows_tab / figures.ten_rows_veighna:.2f})",
        f"10 changed on-screen rows, sorted by Profit (rows move): {figures.ten_rows_sorted * ms:.2f} ms",
        f"first load of {figures.load_rows:,} positions: {figures.load * ms:.1f} ms "
        f"(target <= {LOAD_MS:.0f} ms) vs VeighNa insert_new_row {figures.load_veighna * ms:.1f} ms",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=SORTED_ROWS)
    parser.add_argument("--load-rows", type=int, default=LOAD_ROWS)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    figures = measure(app, args.rows, args.load_rows)
    for line in report(figures):
        print(line)
    met = (
        figures.sorted_update * 1e3 <= FRAME_MS
        and figures.ten_rows_ratio <= 1
        and figures.load * 1e3 <= LOAD_MS
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

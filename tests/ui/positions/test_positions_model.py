"""PositionsTableModel: rows keyed by ticket, targeted dataChanged ranges, coalesced flushes, totals."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PyQt6.QtCore import QModelIndex, Qt
from PyQt6.QtGui import QColor, QGuiApplication, QPalette
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.number_format import format_money
from app.engine.hub import EventHub
from app.ui.positions.positions_model import (
    KEY_ROLE,
    SORT_ROLE,
    PositionsTableModel,
    Totals,
    merge_cell_ranges,
)
from app.ui.widgets.columns import COLUMN_INDEX, money_colour, trade_colours
from app.ui.widgets.window_timer import REPAINT_INTERVAL_MS, WindowTimer
from tests.ui.positions_events import closed, make_position, modified, opened, pnl, snapshot

PRICE = COLUMN_INDEX["price_current"]
PROFIT = COLUMN_INDEX["profit"]
SL = COLUMN_INDEX["sl"]
TP = COLUMN_INDEX["tp"]


class ChangeLog:
    """Records dataChanged as (top, left, bottom, right) with the roles, in emission order."""

    def __init__(self, model: PositionsTableModel) -> None:
        self.ranges: list[tuple[int, int, int, int]] = []
        self.roles: list[list[int]] = []
        model.dataChanged.connect(self._record)

    def _record(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int]) -> None:
        self.ranges.append((top_left.row(), top_left.column(), bottom_right.row(), bottom_right.column()))
        self.roles.append(list(roles))


@pytest.fixture
def model(qapp: QApplication) -> PositionsTableModel:
    return PositionsTableModel()


@pytest.fixture
def three(model: PositionsTableModel) -> PositionsTableModel:
    model.apply(opened(make_position(11), make_position(12, "USDJPY", price_open=151.2, price_current=151.2)))
    model.apply(opened(make_position(13, "XAUUSD", price_open=2650.5, price_current=2650.5)))
    model.flush()
    return model


def test_positions_update_appends_rows_in_arrival_order(model: PositionsTableModel) -> None:
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))

    model.apply(opened(make_position(7), make_position(3)))
    model.apply(opened(make_position(5)))

    assert model.tickets() == [7, 3, 5]
    assert inserted == [(0, 1), (2, 2)]
    assert [model.row_of(("", t)) for t in (7, 3, 5)] == [0, 1, 2]


def test_pnl_update_reports_only_the_price_and_profit_cells_of_that_row(three: PositionsTableModel) -> None:
    log = ChangeLog(three)

    three.apply(pnl({12: (151.35, 9.91)}))
    three.flush()

    assert log.ranges == [(1, PRICE, 1, PRICE), (1, PROFIT, 1, PROFIT)]
    assert all(roles == [] for roles in log.roles)  # no role list: text, colour and sort key all changed
    assert three.position(("", 12)) == make_position(
        12, "USDJPY", price_open=151.2, price_current=151.35, profit=9.91
    )


def test_a_few_changed_rows_are_reported_cell_by_cell(three: PositionsTableModel) -> None:
    log = ChangeLog(three)

    three.apply(pnl({11: (1.0852, 2.0), 12: (151.3, 6.6)}))
    three.apply(
        modified(make_position(13, "XAUUSD", price_open=2650.5, price_current=2650.5, sl=2600.0, tp=2700.0))
    )
    three.flush()

    assert sorted(log.ranges) == [
        (0, PRICE, 0, PRICE),
        (0, PROFIT, 0, PROFIT),
        (1, PRICE, 1, PRICE),
        (1, PROFIT, 1, PROFIT),
        (2, SL, 2, SL),
        (2, TP, 2, TP),
    ]


def test_changes_of_many_adjacent_rows_merge_into_one_range_per_column_run(
    model: PositionsTableModel,
) -> None:
    model.apply(opened(*(make_position(ticket) for ticket in range(1, 101))))
    model.flush()
    log = ChangeLog(model)

    model.apply(pnl({ticket: (1.0852, 2.0) for ticket in range(1, 61)}))
    model.apply(modified(*(make_position(ticket, sl=1.08, tp=1.09) for ticket in range(61, 101))))
    model.flush()

    assert log.ranges == [(0, PRICE, 59, PRICE), (0, PROFIT, 59, PROFIT), (60, SL, 99, TP)]


def test_value_changes_wait_for_flush(three: PositionsTableModel) -> None:
    log = ChangeLog(three)

    three.apply(pnl({11: (1.0851, 1.0)}))

    assert log.ranges == []
    assert three.dirty
    three.flush()
    assert len(log.ranges) == 2
    assert not three.dirty


def test_a_burst_of_ticks_is_repainted_once_by_the_windows_timer(
    qtbot: QtBot, three: PositionsTableModel
) -> None:
    log = ChangeLog(three)
    timer = WindowTimer(three)
    timer.add(three.flush)

    for step in range(50):
        three.apply(pnl({11: (1.0850 + step / 100_000, float(step))}))
    qtbot.waitUntil(lambda: not three.dirty, timeout=10 * REPAINT_INTERVAL_MS)

    assert log.ranges == [(0, PRICE, 0, PRICE), (0, PROFIT, 0, PROFIT)]
    assert three.position(("", 11)).profit == 49.0


def test_an_unchanged_tick_reports_nothing(three: PositionsTableModel) -> None:
    log = ChangeLog(three)

    three.apply(pnl({11: (1.08500, 0.0)}))
    three.flush()

    assert log.ranges == []


def test_ticks_for_unknown_tickets_are_ignored(three: PositionsTableModel) -> None:
    three.apply(pnl({999: (1.2, 5.0)}))
    three.flush()

    assert three.tickets() == [11, 12, 13]


def test_closed_positions_disappear(three: PositionsTableModel) -> None:
    removed: list[tuple[int, int]] = []
    three.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))

    three.apply(closed(12))

    assert three.tickets() == [11, 13]
    assert removed == [(1, 1)]
    assert three.row_of(("", 12)) is None
    assert three.row_of(("", 13)) == 1


def test_pending_change_lands_on_the_row_that_moved_up_after_a_removal(model: PositionsTableModel) -> None:
    model.apply(opened(*(make_position(t) for t in (1, 2, 3, 4, 5))))
    model.flush()
    log = ChangeLog(model)

    model.apply(pnl({5: (1.09, 3.0), 2: (1.09, 3.0)}))
    model.apply(closed(2, 4))
    model.flush()

    assert model.tickets() == [1, 3, 5]
    assert log.ranges == [(2, PRICE, 2, PRICE), (2, PROFIT, 2, PROFIT)]


def test_snapshot_replaces_everything_without_a_reset(three: PositionsTableModel) -> None:
    resets: list[bool] = []
    three.modelReset.connect(lambda: resets.append(True))
    moved = make_position(13, "XAUUSD", price_open=2650.5, price_current=2661.0, profit=105.0)

    three.apply(snapshot(moved, make_position(20, "GBPUSD")))

    assert three.tickets() == [13, 20]
    assert three.position(("", 13)) == moved
    assert resets == []


def test_snapshot_into_an_empty_model_inserts_all_rows_at_once(model: PositionsTableModel) -> None:
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))

    model.apply(snapshot(*(make_position(t) for t in range(1, 101))))

    assert inserted == [(0, 99)]


def test_totals_sum_count_volume_profit_and_swap(model: PositionsTableModel) -> None:
    model.apply(opened(make_position(1, volume=0.1, profit=12.5, swap=-1.0), make_position(2, volume=0.3)))
    model.apply(pnl({2: (1.08, -20.0)}))

    approx_volume: Any = pytest.approx(0.4)  # equal to any float near 0.4, as the summed volume is
    assert model.totals() == Totals(count=2, volume=approx_volume, profit=-7.5, swap=-1.0)
    assert model.totals().floating == -8.5


def test_totals_changed_is_emitted_by_flush_only_when_they_moved(three: PositionsTableModel) -> None:
    seen: list[Totals] = []
    three.totals_changed.connect(seen.append)

    three.apply(pnl({11: (1.086, 4.0)}))
    three.flush()
    three.apply(modified(make_position(11, price_current=1.086, profit=4.0, comment="note")))
    three.flush()

    approx_volume: Any = pytest.approx(0.3)  # equal to any float near 0.3, as the summed volume is
    assert seen == [Totals(count=3, volume=approx_volume, profit=4.0, swap=0.0)]


def test_subscribed_model_follows_the_hub(model: PositionsTableModel) -> None:
    hub = EventHub()
    model.subscribe(hub)

    hub.publish(opened(make_position(1), make_position(2)))
    hub.publish(pnl({1: (1.09, 2.5)}))
    hub.publish(closed(2))

    assert model.tickets() == [1]
    assert model.position(("", 1)).profit == 2.5


def test_cells_show_formatted_text_and_answer_key_and_sort_roles(three: PositionsTableModel) -> None:
    three.apply(pnl({11: (1.08612, 11.2), 12: (150.95, -16.55)}))

    def cell(row: int, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return three.data(three.index(row, column), role)

    assert [cell(row, PRICE) for row in range(3)] == ["1.08612", "150.950", "2650.50"]
    assert [cell(row, PROFIT) for row in range(3)] == ["+11.20", "-16.55", "0.00"]
    assert cell(1, PROFIT, SORT_ROLE) == -16.55
    assert cell(1, 0, KEY_ROLE) == ("", 12)  # (account, ticket)
    assert cell(0, SL) == "—"
    assert cell(0, COLUMN_INDEX["type"]) == "BUY"
    alignment = cell(0, PRICE, Qt.ItemDataRole.TextAlignmentRole)
    assert isinstance(alignment, Qt.AlignmentFlag) and alignment & Qt.AlignmentFlag.AlignRight


def test_profit_is_green_for_a_gain_red_for_a_loss_and_plain_for_zero(three: PositionsTableModel) -> None:
    three.apply(pnl({11: (1.0862, 11.2), 12: (150.9, -16.5)}))
    colours = trade_colours()

    foreground = [three.data(three.index(row, PROFIT), Qt.ItemDataRole.ForegroundRole) for row in range(3)]

    assert foreground == [colours.gain, colours.loss, None]


def test_gain_and_loss_colours_follow_a_dark_palette(qapp: QApplication) -> None:
    original = QGuiApplication.palette()
    light_gain = money_colour(1.0)
    dark = QPalette(original)
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    try:
        QGuiApplication.setPalette(dark)
        dark_gain = money_colour(1.0)
    finally:
        QGuiApplication.setPalette(original)

    assert dark_gain != light_gain
    assert dark_gain is not None and dark_gain.lightness() > light_gain.lightness()


@pytest.mark.parametrize(
    ("symbol", "price", "shown"),
    [
        ("EURUSD", 1.085123, "1.08512"),
        ("USDJPY", 151.2345, "151.234"),
        ("XAUUSD", 2650.456, "2650.46"),
        ("BTCUSD", 57451.94, "57451.94"),
    ],
)
def test_prices_show_at_the_digits_the_position_carries(
    model: PositionsTableModel, symbol: str, price: float, shown: str
) -> None:
    model.apply(opened(make_position(1, symbol, price_open=price, price_current=price)))

    assert model.index(0, PRICE).data() == shown


def test_a_price_of_unknown_digits_shows_its_decimals_and_an_empty_stop_a_dash(
    model: PositionsTableModel,
) -> None:
    model.apply(opened(make_position(1, "US30", price_open=39000.5, price_current=39000.5, digits=None)))

    assert (model.index(0, PRICE).data(), model.index(0, SL).data()) == ("39000.5", "—")


def test_money_has_two_decimals_and_a_sign_only_when_asked() -> None:
    assert format_money(1234.5, signed=True) == "+1,234.50"
    assert format_money(-0.004, signed=True) == "0.00"
    assert format_money(-0.0, signed=True) == "0.00"
    assert format_money(-3.1) == "-3.10"


@given(st.dictionaries(st.integers(0, 12), st.sets(st.integers(0, 12), min_size=1), max_size=10))
def test_merged_ranges_cover_exactly_the_changed_cells_once(cells: dict[int, set[int]]) -> None:
    ranges = merge_cell_ranges(cells)

    covered = [
        (r, c)
        for top, left, bottom, right in ranges
        for r in range(top, bottom + 1)
        for c in range(left, right + 1)
    ]
    assert sorted(covered) == sorted((r, c) for r, columns in cells.items() for c in columns)

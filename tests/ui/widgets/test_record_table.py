"""The one record table: keyed rows, sorting in the model, held order, filter, header menu, CSV; the window's
repaint timer."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import QApplication, QStyledItemDelegate, QStyleOptionViewItem, QTableView
from pytestqt.qtbot import QtBot

from app.ui.positions.positions_view import PositionsView
from app.ui.widgets.columns import COLUMN_INDEX
from app.ui.widgets.record_table import LEFT, RecordColumn, RecordTableModel
from app.ui.widgets.record_view import RecordTableView
from app.ui.widgets.window_timer import WindowTimer
from tests.ui.positions_events import make_position, opened, pnl


@dataclass(frozen=True, slots=True)
class Item:
    key: int
    name: str
    price: float | None


COLUMNS: tuple[RecordColumn[Item], ...] = (
    RecordColumn("name", "Name", lambda i: i.name, lambda i: i.name, LEFT),
    RecordColumn("price", "Price", lambda i: "" if i.price is None else f"{i.price:.2f}", lambda i: i.price),
)
NAME, PRICE = 0, 1


@pytest.fixture
def model(qapp: QApplication) -> RecordTableModel[int, Item]:
    table: RecordTableModel[int, Item] = RecordTableModel(COLUMNS, lambda item: item.key)
    table.set_records([Item(1, "b", 3.0), Item(2, "a", None), Item(3, "c", 1.0)])
    return table


def test_rows_keep_arrival_order_until_a_column_is_sorted(model: RecordTableModel[int, Item]) -> None:
    assert model.keys() == [1, 2, 3]


@pytest.mark.parametrize(
    ("order", "expected"),
    [(Qt.SortOrder.AscendingOrder, [3, 1, 2]), (Qt.SortOrder.DescendingOrder, [1, 3, 2])],
    ids=["ascending", "descending"],
)
def test_a_sort_orders_by_the_columns_keys_with_blanks_last_either_way(
    model: RecordTableModel[int, Item], order: Qt.SortOrder, expected: list[int]
) -> None:
    model.sort(PRICE, order)

    assert model.keys() == expected


def test_a_changed_sort_key_moves_its_row_at_the_flush(model: RecordTableModel[int, Item]) -> None:
    model.sort(PRICE, Qt.SortOrder.AscendingOrder)

    model.upsert([Item(3, "c", 9.0)])
    assert model.keys() == [3, 1, 2]
    model.flush()

    assert model.keys() == [1, 3, 2]


def test_a_held_order_waits_until_the_last_hold_is_released(model: RecordTableModel[int, Item]) -> None:
    model.sort(PRICE, Qt.SortOrder.AscendingOrder)
    model.hold("pointer")
    model.hold("menu")

    model.upsert([Item(3, "c", 9.0)])
    model.flush()
    assert model.keys() == [3, 1, 2]
    assert model.record(3) == Item(3, "c", 9.0)  # the value changed; only the place waits
    model.hold("menu", False)
    model.flush()
    assert model.keys() == [3, 1, 2]
    model.hold("pointer", False)
    model.flush()

    assert model.keys() == [1, 3, 2]


def test_a_header_click_sorts_at_once_even_while_held(model: RecordTableModel[int, Item]) -> None:
    model.hold("pointer")

    model.sort(NAME, Qt.SortOrder.AscendingOrder)

    assert model.keys() == [2, 1, 3]


def test_the_filter_shows_only_what_it_accepts_new_records_included(
    model: RecordTableModel[int, Item],
) -> None:
    model.set_filter(lambda item: item.name != "a")
    model.upsert([Item(4, "a", 2.0), Item(5, "d", 2.0)])

    assert model.keys() == [1, 3, 5]
    model.set_filter(None)
    assert model.keys() == [1, 2, 3, 4, 5]


def test_newest_first_puts_each_new_record_on_top(qapp: QApplication) -> None:
    log: RecordTableModel[int, Item] = RecordTableModel(COLUMNS, lambda item: item.key, newest_first=True)
    log.upsert([Item(1, "first", 1.0)])
    log.upsert([Item(2, "second", 1.0)])

    assert log.keys() == [2, 1]


def test_removed_records_leave_and_the_rest_keep_their_rows(model: RecordTableModel[int, Item]) -> None:
    model.remove([2, 99])

    assert model.keys() == [1, 3]
    assert model.row_of(3) == 1 and model.row_of(2) is None


def test_the_header_menu_hides_and_shows_columns_and_magic_starts_hidden(qtbot: QtBot) -> None:
    view = PositionsView()
    qtbot.addWidget(view)
    header = view.table.header()
    magic, comment = COLUMN_INDEX["magic"], COLUMN_INDEX["comment"]
    assert header.isSectionHidden(magic) and not header.isSectionHidden(comment)

    menu = view.table.column_menu()
    actions = {action.text(): action for action in menu.actions()}
    actions["Magic / model"].trigger()
    actions["Comment"].trigger()

    assert not header.isSectionHidden(magic) and header.isSectionHidden(comment)


def test_a_saved_header_restores_hidden_columns_and_the_sort(qtbot: QtBot) -> None:
    first = PositionsView()
    qtbot.addWidget(first)
    first.table.show_column(COLUMN_INDEX["magic"], True)
    first.table.sortByColumn(COLUMN_INDEX["profit"], Qt.SortOrder.DescendingOrder)
    state = first.header_state()

    second = PositionsView()
    qtbot.addWidget(second)
    assert second.restore_header_state(state)

    assert not second.table.header().isSectionHidden(COLUMN_INDEX["magic"])
    assert second.model.sort_column == COLUMN_INDEX["profit"]


def test_csv_holds_the_rows_and_columns_shown_as_shown(qtbot: QtBot, tmp_path: Path) -> None:
    view = PositionsView()
    qtbot.addWidget(view)
    view.model.apply(opened(make_position(1, "EURUSD", profit=5.0), make_position(2, "USDJPY", profit=-1.0)))
    view.model.flush()
    view.table.sortByColumn(COLUMN_INDEX["profit"], Qt.SortOrder.AscendingOrder)
    view.table.show_column(COLUMN_INDEX["comment"], False)
    target = tmp_path / "positions.csv"

    assert view.table.write_csv(target) == 2

    with target.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    # Hidden: Comment (just now), Magic (by default), Account (a desk of one account).
    assert rows[0] == [c.header for c in view.model.columns if c.key not in ("comment", "magic", "account")]
    assert [(row[0], row[1], row[10]) for row in rows[1:]] == [
        ("USDJPY", "2", "-1.00"),
        ("EURUSD", "1", "+5.00"),
    ]


def test_a_csv_to_a_folder_that_does_not_exist_fails_and_writes_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    view: RecordTableView[int, Item] = RecordTableView(RecordTableModel(COLUMNS, lambda item: item.key))
    qtbot.addWidget(view)
    missing = tmp_path / "no such folder" / "out.csv"

    with pytest.raises(OSError):
        view.write_csv(missing)

    assert not missing.parent.exists()


def test_the_window_timer_runs_every_hook_even_after_one_fails(qtbot: QtBot) -> None:
    timer = WindowTimer(interval_ms=10)
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("a broken view")

    timer.add(broken)
    timer.add(lambda: ran.append("next"))
    qtbot.waitUntil(lambda: len(ran) >= 2, timeout=1000)
    timer.stop()


# --- the row storage behind index() and rowCount(), and the delegate's reused role slots -------------


class Listener:
    """Reads every row's Name when the model says rows came or went, as a view does then."""

    def __init__(self, model: RecordTableModel[int, Item]) -> None:
        self.model = model
        self.seen: list[list[str]] = []
        model.rowsInserted.connect(self._read)
        model.rowsRemoved.connect(self._read)

    def _read(self, *_signal: object) -> None:
        model = self.model
        self.seen.append([str(model.index(row, NAME).data()) for row in range(model.rowCount())])


def test_a_listener_told_of_new_rows_reads_them_already_in_place(model: RecordTableModel[int, Item]) -> None:
    listener = Listener(model)

    model.upsert([Item(4, "d", 2.0)])

    assert listener.seen == [["b", "a", "c", "d"]]


def test_a_listener_told_of_removed_rows_reads_the_rest_in_their_new_places(
    model: RecordTableModel[int, Item],
) -> None:
    listener = Listener(model)

    model.remove([1, 3])

    assert listener.seen[-1] == ["a"]
    assert model.rowCount() == 1


def test_the_row_count_follows_a_reload_and_a_filter(model: RecordTableModel[int, Item]) -> None:
    model.set_records([Item(7, "x", 1.0), Item(8, "y", 2.0)])
    assert model.rowCount() == 2 and model.index(1, NAME).data() == "y"

    model.set_filter(lambda item: item.name == "y")

    assert model.rowCount() == 1 and model.index(0, NAME).data() == "y"
    assert not model.index(1, NAME).isValid()


class ItalicFirstRow(RecordTableModel[int, Item]):
    """Writes the first row in italics while `italic` is set, as the Trade tab writes a closing row."""

    def __init__(self) -> None:
        super().__init__(COLUMNS, lambda item: item.key)
        self.italic_font = QFont()
        self.italic_font.setItalic(True)

    def make_first_row_italic(self, italic: bool) -> None:
        self._special_cells = italic

    def special_data(self, row: int, column: int, role: int) -> object:
        if row == 0 and role == Qt.ItemDataRole.FontRole:
            return self.italic_font
        return super().special_data(row, column, role)


def painted_font(view: QTableView, row: int, column: int) -> QFont:
    """The font the view's delegate paints a cell in: its own role slots filled by the model."""
    option = QStyleOptionViewItem()
    delegate = view.itemDelegate()
    assert isinstance(delegate, QStyledItemDelegate)
    model = view.model()
    assert model is not None
    delegate.initStyleOption(option, model.index(row, column))
    return option.font


def test_a_cell_painted_after_an_italic_row_is_not_italic_once_the_row_is_plain_again(qtbot: QtBot) -> None:
    model = ItalicFirstRow()
    model.set_records([Item(1, "b", 3.0), Item(2, "a", 1.0)])
    view: RecordTableView[int, Item] = RecordTableView(model)
    qtbot.addWidget(view)
    view.setItemDelegate(QStyledItemDelegate(view))  # made here: its initStyleOption may be called
    model.make_first_row_italic(True)
    assert painted_font(view, 0, NAME).italic()

    model.make_first_row_italic(False)

    assert not painted_font(view, 1, PRICE).italic()
    assert not painted_font(view, 0, NAME).italic()


def test_a_profit_grown_past_its_column_widens_the_column_instead_of_being_cut(qtbot: QtBot) -> None:
    view = PositionsView()
    qtbot.addWidget(view)
    view.resize(1366, 400)
    view.show()
    qtbot.waitExposed(view)
    view.model.apply(opened(make_position(1, "EURUSD", profit=5.0)))
    view.update_hook()
    profit = COLUMN_INDEX["profit"]
    qtbot.waitUntil(lambda: view.table.header().sectionSize(profit) > 0)
    narrow = view.table.header().sectionSize(profit)

    view.model.apply(pnl({1: (1.2, -123_456.78)}))
    view.update_hook()

    qtbot.waitUntil(lambda: view.table.header().sectionSize(profit) > narrow, timeout=2000)
    assert view.table.sizeHintForColumn(profit) <= view.table.header().sectionSize(profit)
    assert view.model.cell_text(0, profit) == "-123,456.78"


def test_a_column_with_a_minimum_width_is_fitted_no_narrower_than_it(qtbot: QtBot) -> None:
    columns = (*COLUMNS, RecordColumn("note", "Note", lambda i: "", lambda i: "", LEFT, min_width=240))
    model: RecordTableModel[int, Item] = RecordTableModel(columns, lambda item: item.key)
    view: RecordTableView[int, Item] = RecordTableView(model)
    qtbot.addWidget(view)

    model.set_records([Item(1, "b", 3.0)])

    assert view.header().sectionSize(2) >= 240
    assert view.header().sectionSize(NAME) < 240

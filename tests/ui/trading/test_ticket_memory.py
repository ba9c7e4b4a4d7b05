"""The ticket's memory in window.ini: kept whole, and an unreadable value ignored with a log line."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtCore import QSettings

from app.ui.trading.ticket_memory import TicketMemory, load_ticket_memory, save_ticket_memory
from app.ui.widgets.order_fields import StopUnit


def window_ini(path: Path) -> QSettings:
    return QSettings(str(path / "window.ini"), QSettings.Format.IniFormat)


def test_what_the_ticket_remembers_reads_back_after_a_restart(tmp_path: Path) -> None:
    save_ticket_memory(window_ini(tmp_path), TicketMemory("XAUUSD", 0.015, StopUnit.PIPS))

    assert load_ticket_memory(window_ini(tmp_path)) == TicketMemory("XAUUSD", 0.015, StopUnit.PIPS)


def test_a_first_start_remembers_nothing(tmp_path: Path) -> None:
    assert load_ticket_memory(window_ini(tmp_path)) == TicketMemory("", None, StopUnit.PRICE)
    assert load_ticket_memory(None) == TicketMemory()


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("ticket/volume", "-3", "is not a volume in lots"),
        ("ticket/volume", "lots", "is not a volume in lots"),
        ("ticket/volume", "nan", "is not a volume in lots"),
        ("ticket/stop_unit", "points", "is neither 'price' nor 'pips'"),
        ("ticket/symbol", "X" * 200, "is not a symbol name"),
    ],
)
def test_an_unreadable_value_is_ignored_and_logged_and_the_rest_is_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, key: str, value: str, said: str
) -> None:
    store = window_ini(tmp_path)
    save_ticket_memory(store, TicketMemory("GBPUSD", 0.3, StopUnit.PIPS))
    store.setValue(key, value)

    loaded = load_ticket_memory(store)

    assert said in caplog.text
    kept = {"ticket/symbol": loaded.symbol, "ticket/volume": loaded.volume, "ticket/stop_unit": loaded.unit}
    defaults = {"ticket/symbol": "", "ticket/volume": None, "ticket/stop_unit": StopUnit.PRICE}
    remembered = {"ticket/symbol": "GBPUSD", "ticket/volume": 0.3, "ticket/stop_unit": StopUnit.PIPS}
    assert kept == {**remembered, key: defaults[key]}

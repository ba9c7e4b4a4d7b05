"""One order in flight per position, enforced at the desk's entry point (Desk.submit)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState, DealEntry, NoticeLevel, OrderAction, Side
from app.core.events import Event, Notice
from app.core.models import OrderRequest
from app.core.target import TerminalTarget
from app.engine.commands import TradeCommand
from app.engine.desk import Desk, DeskConfig
from app.engine.inflight import InFlightOrders
from app.engine.intervals import Intervals
from app.terminal.simulator import ClockSpec
from tests.engine.conftest import WEDNESDAY
from tests.one_account import MAIN


@pytest.fixture
def desk(qapp: object, qtbot: QtBot, tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(
        DeskConfig(
            target=TerminalTarget(Backend.SIM, sim_state_file=str(tmp_path / "sim.json")),
            database_file=tmp_path / "journal.sqlite3",
            intervals=Intervals(pnl_s=0.1, positions_s=0.5, account_s=0.3, heartbeat_s=1.0),
            sim_clock=ClockSpec.manual(WEDNESDAY),
        )
    )
    desk.start()
    qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=10_000)
    yield desk
    assert desk.stop(10)


def close(ticket: int, volume: float | None = None) -> TradeCommand:
    return TradeCommand.manual(OrderRequest(OrderAction.CLOSE, "EURUSD", ticket=ticket, volume=volume), MAIN)


def closing_volumes(desk: Desk, ticket: int) -> list[float]:
    deals = desk.simulator.deals(datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    return [round(d.volume, 2) for d in deals if d.position_id == ticket and d.entry is DealEntry.OUT]


def test_a_second_partial_close_while_the_first_is_on_its_way_is_never_sent(qtbot: QtBot, desk: Desk) -> None:
    ticket = desk.simulator.open_external("EURUSD", "buy", 0.10)
    notices: list[Event] = []
    desk.hub.notice.connect(notices.append)
    desk.simulator.set_latency(0.2)

    first, second = close(ticket, 0.06), close(ticket, 0.06)
    assert desk.submit(first) is True
    assert desk.submit(second) is False

    qtbot.waitUntil(lambda: desk.inflight.holder((MAIN, ticket)) is None, timeout=10_000)
    desk.simulator.set_latency(0.0)
    assert closing_volumes(desk, ticket) == [0.06]
    assert desk.journal.find_trade(second.trade_id) is None  # not even journaled: it never left the desk
    refused = [n for n in notices if isinstance(n, Notice) and n.title == "Order not sent"]
    assert len(refused) == 1 and refused[0].level is NoticeLevel.WARNING
    assert f"#{ticket}" in refused[0].text and "still waiting for MetaTrader 5's answer" in refused[0].text


def test_the_position_is_free_again_once_its_order_finished(qtbot: QtBot, desk: Desk) -> None:
    ticket = desk.simulator.open_external("EURUSD", "buy", 0.10)
    finished: list[str] = []
    desk.engine.trade_finished.connect(finished.append)
    first = close(ticket, 0.04)
    assert desk.submit(first)
    qtbot.waitUntil(lambda: finished == [first.trade_id], timeout=10_000)

    assert desk.submit(close(ticket, 0.04)) is True
    qtbot.waitUntil(lambda: closing_volumes(desk, ticket) == [0.04, 0.04], timeout=10_000)


def test_a_refused_order_frees_its_position_too(qtbot: QtBot, desk: Desk) -> None:
    ticket = desk.simulator.open_external("EURUSD", "buy", 0.10)
    desk.simulator.force_next_retcode(10006)  # the broker rejects the first close
    assert desk.submit(close(ticket))
    qtbot.waitUntil(lambda: desk.inflight.holder((MAIN, ticket)) is None, timeout=10_000)
    assert desk.submit(close(ticket))
    qtbot.waitUntil(lambda: closing_volumes(desk, ticket) == [0.1], timeout=10_000)


def test_orders_for_different_positions_and_new_orders_are_not_held_back(qtbot: QtBot, desk: Desk) -> None:
    one = desk.simulator.open_external("EURUSD", "buy", 0.10)
    two = desk.simulator.open_external("EURUSD", "sell", 0.10)
    desk.simulator.set_latency(0.1)
    buy = TradeCommand.manual(OrderRequest(OrderAction.OPEN, "EURUSD", Side.BUY, volume=0.01), MAIN)
    assert [
        desk.submit(c) for c in (close(one), close(two), buy, TradeCommand.manual(buy.request, MAIN))
    ] == [True] * 4
    qtbot.waitUntil(
        lambda: desk.inflight.holder((MAIN, one)) is None and desk.inflight.holder((MAIN, two)) is None,
        timeout=10_000,
    )
    desk.simulator.set_latency(0.0)


def test_the_registry_labels_what_is_in_flight_and_forgets_unknown_trades() -> None:
    published: list[Event] = []
    registry = InFlightOrders(published.append)
    changes: list[tuple[str, int, str]] = []
    registry.changed.connect(lambda account, ticket, label: changes.append((account, ticket, label)))
    partial, modify = (
        close(7, 0.05),
        TradeCommand.manual(OrderRequest(OrderAction.MODIFY, "EURUSD", ticket=8), MAIN),
    )

    assert registry.claim(partial) and registry.claim(modify) and registry.claim(close(9))
    registry.finished("not-a-trade-of-ours")
    registry.finished(partial.trade_id)

    assert changes == [
        (MAIN, 7, "closing 0.05…"),
        (MAIN, 8, "modifying…"),
        (MAIN, 9, "closing…"),
        (MAIN, 7, ""),
    ]
    assert registry.holder((MAIN, 7)) is None and registry.holder((MAIN, 8)) is not None and published == []

"""Orders go to their own account's terminal only: an order for an account the desk does not have, or has
switched off, is refused with a message that says so and is never sent to another account."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState, OrderAction, Side, TradeStatus
from app.core.events import TradeError
from app.core.models import OrderRequest
from app.core.target import TerminalTarget
from app.engine.commands import TradeCommand
from app.engine.desk import AccountConfig, Desk, DeskConfig
from app.engine.sim_controls import SimulatorControls
from app.terminal.simulator import ClockSpec
from tests.engine.conftest import FAST, QUICK_RECONNECT, WEDNESDAY

FIRST, SECOND = "first", "second"


@pytest.fixture
def desk(qapp: QApplication, tmp_path: Path) -> Iterator[Desk]:
    accounts = tuple(
        AccountConfig(
            account_id,
            TerminalTarget(Backend.SIM, login=login, sim_state_file=str(tmp_path / f"{account_id}.json")),
        )
        for account_id, login in ((FIRST, 6_000_001), (SECOND, 6_000_002))
    )
    desk = Desk(
        DeskConfig(
            database_file=tmp_path / "journal.sqlite3",
            accounts=accounts,
            intervals=FAST,
            sim_clock=ClockSpec.manual(WEDNESDAY),
            reconnect_backoff_s=QUICK_RECONNECT,
            models_dir=tmp_path / "models",
        )
    )
    yield desk
    assert desk.stop(15)


def connected(desk: Desk, account_id: str) -> bool:
    return desk.state.of(account_id).status.state is ConnectionState.CONNECTED


def sim(desk: Desk, account_id: str) -> SimulatorControls:
    controls = desk.simulator_of(account_id)
    assert controls is not None
    return controls


def buy(account_id: str) -> TradeCommand:
    request = OrderRequest(action=OrderAction.OPEN, symbol="EURUSD", side=Side.BUY, volume=0.1)
    return TradeCommand.manual(request, account_id)


def started(desk: Desk, qtbot: QtBot) -> list[TradeError]:
    errors: list[TradeError] = []
    desk.hub.trade_error.connect(errors.append)
    desk.start()
    for account_id in (FIRST, SECOND):
        qtbot.waitUntil(partial(connected, desk, account_id), timeout=15_000)
    return errors


def test_an_order_for_an_account_the_desk_does_not_have_is_refused_and_sent_nowhere(
    desk: Desk, qtbot: QtBot
) -> None:
    errors = started(desk, qtbot)

    command = buy("nope")
    desk.submit(command)

    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert "'nope' is not an account of this desk" in errors[0].error
    row = desk.journal.find_trade(command.trade_id)
    assert row is not None and row.status is TradeStatus.FAILED
    assert sim(desk, FIRST).positions() == {} and sim(desk, SECOND).positions() == {}


def test_an_order_for_a_switched_off_account_is_refused_while_the_other_account_trades(
    desk: Desk, qtbot: QtBot
) -> None:
    errors = started(desk, qtbot)
    desk.disable_account(SECOND)

    desk.submit(buy(SECOND))
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert "switched off" in errors[0].error
    assert sim(desk, FIRST).positions() == {}

    filled = buy(FIRST)
    desk.submit(filled)
    qtbot.waitUntil(lambda: len(desk.state.of(FIRST).positions) == 1, timeout=10_000)
    [position] = sim(desk, FIRST).positions().values()
    assert position.volume == pytest.approx(0.1)
    assert desk.state.of(SECOND).positions == {}


def test_the_same_ticket_in_two_accounts_is_two_positions(desk: Desk, qtbot: QtBot) -> None:
    started(desk, qtbot)
    first_ticket = sim(desk, FIRST).open_external("EURUSD", "buy", 0.1)
    second_ticket = sim(desk, SECOND).open_external("GBPUSD", "sell", 0.2)
    assert first_ticket == second_ticket  # two brokers' demo accounts number their positions alike

    qtbot.waitUntil(lambda: desk.state.position_count == 2, timeout=10_000)
    first = desk.state.position((FIRST, first_ticket))
    second = desk.state.position((SECOND, second_ticket))
    assert first is not None and second is not None
    assert (first.symbol, second.symbol) == ("EURUSD", "GBPUSD")

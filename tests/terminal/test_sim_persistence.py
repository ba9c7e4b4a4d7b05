"""The simulated account lives in a JSON file: written atomically, reloaded whole, and never lost when bad."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.terminal.simulator import ManualClock, SimulatedTerminal
from app.terminal.simulator.ledger import DealRow, Ledger, OpenPosition, OrderRow
from app.terminal.simulator.persistence import StateFile

MONDAY_10_UTC = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
TUESDAY_10_UTC = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
THURSDAY_10_UTC = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
DEAL_TYPE_BALANCE = 2
DEAL_REASON_SL = 4


def _terminal(clock: ManualClock, path: Path, **options: Any) -> SimulatedTerminal:
    terminal = SimulatedTerminal(clock=clock, state_path=path, **options)
    assert terminal.initialize() is True, terminal.last_error()
    return terminal


def _buy(terminal: SimulatedTerminal, symbol: str, volume: float, **fields: Any) -> int:
    request = {"action": 1, "symbol": symbol, "volume": volume, "type": 0, "type_filling": 1, **fields}
    result = terminal.order_send(request)
    assert result is not None and result.retcode == 10009, (result, terminal.last_error())
    return int(result.order)


def _ledger() -> Ledger:
    ledger = Ledger(login=7, balance=1234.5, processed_until=1_800_000_000.25)
    position = OpenPosition(
        ticket=ledger.new_ticket(),
        symbol="EURUSD",
        type=0,
        volume=0.3,
        price_open=1.08512,
        sl=1.08,
        tp=0.0,
        time_msc=1_800_000_000_123,
        time_update_msc=1_800_000_000_123,
        magic=9,
        reason=3,
        swap=-1.5,
        comment="x",
    )
    ledger.positions[position.ticket] = position
    ledger.deals.append(
        DealRow(
            ticket=ledger.new_ticket(),
            order=position.ticket,
            time_msc=1,
            type=0,
            entry=0,
            magic=9,
            position_id=position.ticket,
            reason=3,
            volume=0.3,
            price=1.08512,
            commission=0.0,
            swap=0.0,
            profit=0.0,
            fee=0.0,
            symbol="EURUSD",
            comment="x",
        )
    )
    ledger.orders.append(
        OrderRow(
            ticket=position.ticket,
            time_setup_msc=1,
            time_done_msc=1,
            type=0,
            type_time=0,
            type_filling=1,
            state=4,
            magic=9,
            position_id=position.ticket,
            position_by_id=0,
            reason=3,
            volume_initial=0.3,
            volume_current=0.0,
            price_open=1.08512,
            sl=1.08,
            tp=0.0,
            price_current=1.08512,
            price_stoplimit=0.0,
            symbol="EURUSD",
            comment="x",
        )
    )
    return ledger


# --- the file format ------------------------------------------------------------------------------


def test_a_ledger_survives_a_json_round_trip_unchanged() -> None:
    ledger = _ledger()
    assert Ledger.from_json(json.loads(json.dumps(ledger.to_json()))) == ledger


def test_state_file_save_then_load_gives_the_same_ledger(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "account.json")
    state.save(_ledger())
    assert state.load() == _ledger()


def test_saving_leaves_no_temporary_files_behind(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "account.json")
    state.save(_ledger())
    state.save(_ledger())
    assert [p.name for p in tmp_path.iterdir()] == ["account.json"]


def test_saving_creates_the_folder_it_needs(tmp_path: Path) -> None:
    StateFile(tmp_path / "deep" / "er" / "account.json").save(_ledger())
    assert (tmp_path / "deep" / "er" / "account.json").is_file()


def test_a_ticket_counter_behind_the_tickets_in_use_is_refused() -> None:
    data = _ledger().to_json()
    data["next_ticket"] = 1
    with pytest.raises(ValueError, match="ticket counter"):
        Ledger.from_json(data)


def test_a_state_of_an_unknown_version_is_refused() -> None:
    data = _ledger().to_json() | {"version": 99}
    with pytest.raises(ValueError, match="version"):
        Ledger.from_json(data)


def test_without_a_path_nothing_is_written_and_nothing_loads(tmp_path: Path) -> None:
    state = StateFile(None)
    state.save(_ledger())
    assert state.load() is None
    assert list(tmp_path.iterdir()) == []


# --- the simulated terminal and its file ------------------------------------------------------------


def test_a_fresh_account_is_written_at_once_with_its_deposit(tmp_path: Path) -> None:
    path = tmp_path / "account.json"
    SimulatedTerminal(clock=ManualClock(MONDAY_10_UTC), state_path=path, balance=2500.0)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["balance"] == 2500.0
    assert [(d["type"], d["profit"]) for d in saved["deals"]] == [(DEAL_TYPE_BALANCE, 2500.0)]


def test_a_restart_restores_balance_positions_history_and_tickets(tmp_path: Path) -> None:
    clock, path = ManualClock(MONDAY_10_UTC), tmp_path / "account.json"
    first = _terminal(clock, path)
    ticket = _buy(first, "EURUSD", 0.2, comment="kept")
    before = (first.account_info().balance, first.positions_get(), first.history_deals_get(0, 2**31))
    second = _terminal(clock, path)
    after = (second.account_info().balance, second.positions_get(), second.history_deals_get(0, 2**31))
    assert after == before
    assert _buy(second, "EURUSD", 0.1) > ticket


def test_a_restart_keeps_the_saved_account_over_a_different_opening_balance(tmp_path: Path) -> None:
    clock, path = ManualClock(MONDAY_10_UTC), tmp_path / "account.json"
    _terminal(clock, path, balance=10_000.0)
    assert _terminal(clock, path, balance=50.0).account_info().balance == 10_000.0


def test_a_stop_loss_crossed_while_the_terminal_was_closed_is_applied_on_restart(tmp_path: Path) -> None:
    clock, path = ManualClock(MONDAY_10_UTC), tmp_path / "account.json"
    first = _terminal(clock, path)
    sl = round(first.symbol_info_tick("EURUSD").bid - 0.0002, 5)
    ticket = _buy(first, "EURUSD", 0.1, sl=sl)
    opened_at = clock.now()
    clock.advance(4 * 3600)
    bids = first.market.bid_range("EURUSD", opened_at, clock.now())  # a peek that processes nothing
    assert bids is not None
    low, _ = bids
    assert low <= sl, "the seeded price path no longer crosses the stop; pick a nearer one"
    second = _terminal(clock, path)
    assert second.positions_get(ticket=ticket) == ()
    deal = second.history_deals_get(position=ticket)[-1]
    assert (deal.reason, deal.price) == (DEAL_REASON_SL, sl)
    assert opened_at < deal.time <= clock.now()


def test_swap_of_the_nights_spent_closed_is_charged_on_restart(tmp_path: Path) -> None:
    clock, path = ManualClock(MONDAY_10_UTC), tmp_path / "account.json"
    first = _terminal(clock, path)
    ticket = _buy(first, "EURUSD", 1.0)
    clock.set(TUESDAY_10_UTC)
    one_night = first.positions_get(ticket=ticket)[0].swap
    clock.set(THURSDAY_10_UTC)  # Tuesday night once, Wednesday night three times
    second = _terminal(clock, path)
    assert one_night < 0
    assert second.positions_get(ticket=ticket)[0].swap == pytest.approx(5 * one_night, abs=0.05)


# --- bad files ------------------------------------------------------------------------------------


def _corrupt_backups(folder: Path) -> list[Path]:
    return sorted(folder.glob("account.json.corrupt-*"))


@pytest.mark.parametrize(
    "content",
    ["{not json", "[1, 2, 3]", '{"version": 1, "login": 5012345}', ""],
    ids=["syntax error", "not an object", "missing keys", "empty"],
)
def test_an_unreadable_file_is_set_aside_and_a_fresh_account_starts(tmp_path: Path, content: str) -> None:
    path = tmp_path / "account.json"
    path.write_text(content, encoding="utf-8")
    terminal = _terminal(ManualClock(MONDAY_10_UTC), path)
    assert terminal.account_info().balance == 10_000.0
    [backup] = _corrupt_backups(tmp_path)
    assert backup.read_text(encoding="utf-8") == content


def test_setting_a_corrupt_file_aside_logs_a_warning_naming_both_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "account.json"
    path.write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="app.terminal.simulator"):
        SimulatedTerminal(clock=ManualClock(MONDAY_10_UTC), state_path=path)
    [backup] = _corrupt_backups(tmp_path)
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert str(path) in record.getMessage() and str(backup) in record.getMessage()


def test_the_fresh_account_after_a_corrupt_file_is_saved_in_its_place(tmp_path: Path) -> None:
    path = tmp_path / "account.json"
    path.write_text("{not json", encoding="utf-8")
    SimulatedTerminal(clock=ManualClock(MONDAY_10_UTC), state_path=path)
    assert json.loads(path.read_text(encoding="utf-8"))["balance"] == 10_000.0


def test_two_corrupt_files_in_the_same_second_keep_both_backups(tmp_path: Path) -> None:
    path = tmp_path / "account.json"
    for _ in range(2):
        path.write_text("{not json", encoding="utf-8")
        SimulatedTerminal(clock=ManualClock(MONDAY_10_UTC), state_path=path)
    assert len(_corrupt_backups(tmp_path)) == 2


def test_a_file_of_another_login_is_set_aside_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock, path = ManualClock(MONDAY_10_UTC), tmp_path / "account.json"
    _buy(_terminal(clock, path, login=111), "EURUSD", 0.1)
    with caplog.at_level(logging.WARNING, logger="app.terminal.simulator"):
        other = _terminal(clock, path, login=222, balance=500.0)
    assert (other.account_info().balance, other.positions_get()) == (500.0, ())
    assert len(list(tmp_path.glob("account.json.login-111-*"))) == 1
    assert any("login 111" in r.getMessage() for r in caplog.records)

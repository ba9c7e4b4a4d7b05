"""Backend selection: which MetaTrader5-shaped API `--terminal auto|mt5|sim|bridge` ends up with, and why."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.enums import Backend
from app.core.target import TerminalTarget, settings_of
from app.terminal.backend import open_terminal
from app.terminal.errors import TerminalError
from app.terminal.simulator import ManualClock, SimulatedTerminal
from tests.bridge.servers import free_port

WEDNESDAY_10H = datetime(2026, 11, 18, 10, tzinfo=UTC)


@pytest.fixture
def no_metatrader5(monkeypatch: pytest.MonkeyPatch) -> None:
    """The MetaTrader5 module cannot be imported (as on Linux and macOS)."""
    monkeypatch.setitem(sys.modules, "MetaTrader5", None)


@pytest.fixture
def no_rpyc(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bridge's client library is not installed."""
    monkeypatch.setitem(sys.modules, "rpyc", None)


def installed_metatrader5(monkeypatch: pytest.MonkeyPatch, api: SimulatedTerminal) -> None:
    """Make `import MetaTrader5` find this MetaTrader5-shaped object, as on Windows."""
    monkeypatch.setitem(sys.modules, "MetaTrader5", api)


@pytest.fixture
def other_sim(tmp_path: Path) -> SimulatedTerminal:
    """A second simulator standing in for a real terminal reached through the module or the bridge."""
    return SimulatedTerminal(clock=ManualClock(WEDNESDAY_10H), state_path=tmp_path / "real.json", login=777)


def test_auto_without_the_metatrader5_module_uses_the_simulator_and_says_why(
    no_metatrader5: None, tmp_path: Path
) -> None:
    selection = open_terminal(
        TerminalTarget(Backend.AUTO, sim_state_file=str(tmp_path / "sim.json")),
        sim_clock=ManualClock(WEDNESDAY_10H),
    )

    assert selection.kind is Backend.SIM
    assert selection.simulated and selection.terminal.simulated
    assert selection.reason == (
        "MetaTrader5 module not installed (it exists for Windows only): using the simulated demo terminal."
    )
    assert selection.terminal.account().login == 5_012_345


def test_auto_with_a_terminal_that_does_not_answer_falls_back_and_says_why(
    monkeypatch: pytest.MonkeyPatch, other_sim: SimulatedTerminal, tmp_path: Path
) -> None:
    other_sim.disconnect()
    installed_metatrader5(monkeypatch, other_sim)

    selection = open_terminal(
        TerminalTarget(Backend.AUTO, sim_state_file=str(tmp_path / "sim.json"), timeout_ms=50),
        sim_clock=ManualClock(WEDNESDAY_10H),
    )

    assert selection.kind is Backend.SIM
    assert selection.reason.startswith("MetaTrader 5 did not answer: MetaTrader 5 is not running")
    assert selection.reason.endswith("; using the simulated demo terminal.")


def test_auto_with_a_terminal_that_answers_uses_it(
    monkeypatch: pytest.MonkeyPatch, other_sim: SimulatedTerminal, tmp_path: Path
) -> None:
    installed_metatrader5(monkeypatch, other_sim)

    selection = open_terminal(TerminalTarget(Backend.AUTO, sim_state_file=str(tmp_path / "sim.json")))

    assert selection.kind is Backend.MT5
    assert not selection.simulated and not selection.terminal.simulated
    assert selection.terminal.api is other_sim
    assert selection.terminal.account().login == 777


def test_sim_connects_the_simulator_with_its_state_file(tmp_path: Path) -> None:
    state = tmp_path / "sim.json"

    selection = open_terminal(
        TerminalTarget(Backend.SIM, sim_state_file=str(state)), sim_clock=ManualClock(WEDNESDAY_10H)
    )

    assert (selection.kind, selection.simulated) == (Backend.SIM, True)
    assert selection.terminal.connected
    assert selection.terminal.tick("EURUSD").time == WEDNESDAY_10H
    assert "simulated" in selection.reason.lower()


def test_mt5_without_the_module_raises_with_a_hint_and_no_fallback(
    no_metatrader5: None, tmp_path: Path
) -> None:
    with pytest.raises(TerminalError) as caught:
        open_terminal(TerminalTarget(Backend.MT5))

    assert caught.value.message == "The MetaTrader5 Python module is not installed"
    assert "pip install MetaTrader5" in caught.value.hint
    assert "--terminal bridge" in caught.value.hint


def test_mt5_with_a_terminal_that_does_not_answer_raises(
    monkeypatch: pytest.MonkeyPatch, other_sim: SimulatedTerminal, tmp_path: Path
) -> None:
    other_sim.disconnect()
    installed_metatrader5(monkeypatch, other_sim)

    with pytest.raises(TerminalError, match="not running") as caught:
        open_terminal(TerminalTarget(Backend.MT5, timeout_ms=50))

    assert caught.value.hint == "Start MetaTrader 5 and log in, then reconnect"


def test_mt5_passes_the_credentials_to_the_terminal(
    monkeypatch: pytest.MonkeyPatch, other_sim: SimulatedTerminal, tmp_path: Path
) -> None:
    installed_metatrader5(monkeypatch, other_sim)

    with pytest.raises(TerminalError) as caught:
        open_terminal(TerminalTarget(Backend.MT5, login=777, server="MT5Desk-Demo"), password="not it")

    assert caught.value.code == -6


def test_bridge_without_rpyc_raises_with_the_install_hint(no_rpyc: None) -> None:
    with pytest.raises(TerminalError) as caught:
        open_terminal(TerminalTarget(Backend.BRIDGE))

    assert caught.value.message == "The bridge's client library (rpyc) is not installed"
    assert "pip install -e '.[bridge]'" in caught.value.hint
    assert not caught.value.retryable


def test_bridge_whose_server_is_not_running_raises_retryable_naming_the_address() -> None:
    port = free_port()

    with pytest.raises(TerminalError) as caught:
        open_terminal(TerminalTarget(Backend.BRIDGE, bridge_port=port, timeout_ms=1_000))

    assert caught.value.message == f"No mt5linux bridge server is listening at 127.0.0.1:{port}"
    assert "wine mt5server.exe" in caught.value.hint
    assert caught.value.retryable


def test_every_backend_declares_the_settings_it_reads() -> None:
    assert settings_of(Backend.SIM) == ()
    assert "bridge_host" not in settings_of(Backend.MT5)
    assert {"bridge_host", "bridge_port"} <= set(settings_of(Backend.BRIDGE))
    assert settings_of(Backend.AUTO) == settings_of(Backend.MT5)

"""Backend selection: which MetaTrader5-shaped API `--terminal auto|mt5|sim|bridge` ends up with, and why."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.enums import Backend
from app.terminal.backend import open_terminal
from app.terminal.errors import TerminalError
from app.terminal.simulator import ManualClock, SimulatedTerminal

WEDNESDAY_10H = datetime(2026, 11, 18, 10, tzinfo=UTC)


@pytest.fixture
def no_metatrader5(monkeypatch: pytest.MonkeyPatch) -> None:
    """The MetaTrader5 module cannot be imported (as on Linux and macOS)."""
    monkeypatch.setitem(sys.modules, "MetaTrader5", None)


@pytest.fixture
def no_mt5linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mt5linux", None)


def installed_metatrader5(monkeypatch: pytest.MonkeyPatch, api: SimulatedTerminal) -> None:
    """Make `import MetaTrader5` find this MetaTrader5-shaped object, as on Windows."""
    monkeypatch.setitem(sys.modules, "MetaTrader5", api)


def installed_mt5linux(
    monkeypatch: pytest.MonkeyPatch, factory: Callable[[], object]
) -> list[tuple[str, int]]:
    """Make `from mt5linux import MetaTrader5` find `factory`; returns the (host, port) it was called with."""
    calls: list[tuple[str, int]] = []
    module = types.ModuleType("mt5linux")

    def MetaTrader5(host: str, port: int) -> object:  # spelled as mt5linux spells its class
        calls.append((host, port))
        return factory()

    module.MetaTrader5 = MetaTrader5  # type: ignore[attr-defined]  # a module made here, attribute by attribute
    monkeypatch.setitem(sys.modules, "mt5linux", module)
    return calls


@pytest.fixture
def other_sim(tmp_path: Path) -> SimulatedTerminal:
    """A second simulator standing in for a real terminal reached through the module or the bridge."""
    return SimulatedTerminal(clock=ManualClock(WEDNESDAY_10H), state_path=tmp_path / "real.json", login=777)


def test_auto_without_the_metatrader5_module_uses_the_simulator_and_says_why(
    no_metatrader5: None, tmp_path: Path
) -> None:
    selection = open_terminal(
        Backend.AUTO, sim_state_path=tmp_path / "sim.json", sim_clock=ManualClock(WEDNESDAY_10H)
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
        Backend.AUTO,
        sim_state_path=tmp_path / "sim.json",
        sim_clock=ManualClock(WEDNESDAY_10H),
        timeout_ms=50,
    )

    assert selection.kind is Backend.SIM
    assert selection.reason.startswith("MetaTrader 5 did not answer: MetaTrader 5 is not running")
    assert selection.reason.endswith("; using the simulated demo terminal.")


def test_auto_with_a_terminal_that_answers_uses_it(
    monkeypatch: pytest.MonkeyPatch, other_sim: SimulatedTerminal, tmp_path: Path
) -> None:
    installed_metatrader5(monkeypatch, other_sim)

    selection = open_terminal(Backend.AUTO, sim_state_path=tmp_path / "sim.json")

    assert selection.kind is Backend.MT5
    assert not selection.simulated and not selection.terminal.simulated
    assert selection.terminal.api is other_sim
    assert selection.terminal.account().login == 777


def test_sim_connects_the_simulator_with_its_state_file(tmp_path: Path) -> None:
    state = tmp_path / "sim.json"

    selection = open_terminal(Backend.SIM, sim_state_path=state, sim_clock=ManualClock(WEDNESDAY_10H))

    assert (selection.kind, selection.simulated) == (Backend.SIM, True)
    assert selection.terminal.connected
    assert selection.terminal.tick("EURUSD").time == WEDNESDAY_10H
    assert "simulated" in selection.reason.lower()


def test_mt5_without_the_module_raises_with_a_hint_and_no_fallback(
    no_metatrader5: None, tmp_path: Path
) -> None:
    with pytest.raises(TerminalError) as caught:
        open_terminal(Backend.MT5, sim_state_path=tmp_path / "sim.json")

    assert caught.value.message == "The MetaTrader5 Python module is not installed"
    assert "pip install MetaTrader5" in caught.value.hint
    assert "--terminal bridge" in caught.value.hint


def test_mt5_with_a_terminal_that_does_not_answer_raises(
    monkeypatch: pytest.MonkeyPatch, other_sim: SimulatedTerminal, tmp_path: Path
) -> None:
    other_sim.disconnect()
    installed_metatrader5(monkeypatch, other_sim)

    with pytest.raises(TerminalError, match="not running") as caught:
        open_terminal(Backend.MT5, sim_state_path=tmp_path / "sim.json", timeout_ms=50)

    assert caught.value.hint == "Start MetaTrader 5 and log in, then reconnect"


def test_mt5_passes_the_credentials_to_the_terminal(
    monkeypatch: pytest.MonkeyPatch, other_sim: SimulatedTerminal, tmp_path: Path
) -> None:
    installed_metatrader5(monkeypatch, other_sim)

    with pytest.raises(TerminalError) as caught:
        open_terminal(Backend.MT5, sim_state_path=None, login=777, password="not it", server="MT5Desk-Demo")

    assert caught.value.code == -6


def test_bridge_without_mt5linux_raises_with_the_install_hint(no_mt5linux: None, tmp_path: Path) -> None:
    with pytest.raises(TerminalError) as caught:
        open_terminal(Backend.BRIDGE, sim_state_path=tmp_path / "sim.json")

    assert (
        caught.value.hint
        == "pip install mt5linux, then run its server under Wine's Python next to the terminal"
    )


def test_bridge_connects_through_mt5linux_at_host_and_port(
    monkeypatch: pytest.MonkeyPatch, other_sim: SimulatedTerminal, tmp_path: Path
) -> None:
    calls = installed_mt5linux(monkeypatch, lambda: other_sim)

    selection = open_terminal(
        Backend.BRIDGE, sim_state_path=tmp_path / "sim.json", bridge_host="10.0.0.5", bridge_port=18813
    )

    assert calls == [("10.0.0.5", 18813)]
    assert (selection.kind, selection.simulated) == (Backend.BRIDGE, False)
    assert selection.terminal.account().login == 777
    assert "10.0.0.5:18813" in selection.reason


def test_bridge_whose_server_is_not_running_raises_retryable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse() -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    installed_mt5linux(monkeypatch, refuse)

    with pytest.raises(TerminalError) as caught:
        open_terminal(Backend.BRIDGE, sim_state_path=tmp_path / "sim.json")

    assert "127.0.0.1:18812 did not answer" in caught.value.message
    assert caught.value.retryable

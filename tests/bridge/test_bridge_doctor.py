"""`mt5desk doctor` on the bridge: it asks MetaTrader 5 for its terminal and account records through the
bridge, and each way the bridge can fail is told in words with what to do."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.core.enums import Backend
from app.core.target import TerminalTarget
from app.startup.doctor import check_terminal
from tests.bridge.servers import free_port, in_process_bridge
from tests.bridge.test_bridge_client import _Listener


def test_a_working_bridge_is_ok_with_the_terminal_the_account_and_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with in_process_bridge(monkeypatch) as bridge:
        result = check_terminal(bridge.target())
    assert result.ok
    python = ".".join(map(str, sys.version_info[:3]))
    assert result.detail == (
        f"the mt5linux bridge at 127.0.0.1:{bridge.port} answered: MetaTrader 5 build 5430, account 5012345 "
        f"on MT5Desk-Demo (demo); bridge server Python {python}, rpyc 6.0.2, MetaTrader5 5.0.6231"
    )


def test_no_server_at_the_address_says_to_start_it() -> None:
    port = free_port()
    result = check_terminal(TerminalTarget(Backend.BRIDGE, bridge_port=port))
    assert not result.ok
    assert result.detail == f"No mt5linux bridge server is listening at 127.0.0.1:{port}"
    assert "wine mt5server.exe" in result.advice and "Settings → Terminal" in result.advice


def test_without_rpyc_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rpyc", None)
    result = check_terminal(TerminalTarget(Backend.BRIDGE))
    assert (result.ok, result.detail) == (False, "The bridge's client library (rpyc) is not installed")
    assert "pip install -e '.[bridge]'" in result.advice


def test_a_server_without_metatrader5_says_to_install_it_in_wine(monkeypatch: pytest.MonkeyPatch) -> None:
    with in_process_bridge(monkeypatch, module=False) as bridge:
        result = check_terminal(bridge.target())
    assert not result.ok and "has no working MetaTrader5 module" in result.detail
    assert result.advice.startswith("Install it in Wine's Python: wine python.exe -m pip install MetaTrader5")


def test_a_bridge_whose_terminal_is_not_running_says_to_start_metatrader5_under_wine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with in_process_bridge(monkeypatch) as bridge:
        bridge.sim.disconnect()
        result = check_terminal(bridge.target(timeout_ms=1_000))
    assert not result.ok
    assert result.detail == (
        f"the mt5linux bridge at 127.0.0.1:{bridge.port} runs, but MetaTrader 5 under Wine did not answer "
        "it: MetaTrader 5 is not running or not responding"
    )
    assert result.advice.startswith("start MetaTrader 5 under Wine (wine terminal64.exe)")


def test_another_program_on_the_bridge_port_is_named() -> None:
    listener = _Listener(b"SSH-2.0-OpenSSH_9.6\r\n")
    try:
        result = check_terminal(TerminalTarget(Backend.BRIDGE, bridge_port=listener.port, timeout_ms=2_000))
    finally:
        listener.close()
    assert not result.ok
    assert (
        result.detail == f"Something answers at 127.0.0.1:{listener.port}, but not the mt5linux bridge server"
    )
    assert "another program uses it" in result.advice


def test_the_doctor_command_checks_the_bridge_given_on_its_command_line(
    qapp: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MT5DESK_HOME", str(tmp_path))
    with in_process_bridge(monkeypatch) as bridge:
        main(["doctor", "--data-dir", str(tmp_path), "--bridge", f"127.0.0.1:{bridge.port}"])
    lines = capsys.readouterr().out.splitlines()
    (terminal,) = [line for line in lines if line.startswith(("OK terminal:", "!! terminal:"))]
    assert terminal.startswith(f"OK terminal: the mt5linux bridge at 127.0.0.1:{bridge.port} answered")

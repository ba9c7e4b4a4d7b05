"""TerminalTarget: plain values from the settings file and this run's options, fit to cross a process."""

from __future__ import annotations

import json
import pickle

import pytest

from app.core.codec import codec_for
from app.core.enums import Backend
from app.core.settings import TerminalSettings, settings_from_dict
from app.core.target import TerminalTarget, target_from_settings

SAVED = TerminalSettings(
    backend=Backend.BRIDGE,
    path="C:/MT5/terminal64.exe",
    login=777,
    server="Demo-2",
    timeout_ms=20_000,
    bridge_host="192.168.1.20",
    bridge_port=18813,
)


def test_the_target_carries_every_terminal_setting() -> None:
    target = target_from_settings(SAVED, sim_state_file="/data/sim.json")
    assert target == TerminalTarget(
        Backend.BRIDGE,
        "C:/MT5/terminal64.exe",
        777,
        "Demo-2",
        20_000,
        "192.168.1.20",
        18813,
        "/data/sim.json",
    )


def test_the_command_line_wins_over_the_file_for_this_run() -> None:
    target = target_from_settings(SAVED, backend=Backend.SIM, bridge=("::1", 9000))
    assert (target.backend, target.bridge_host, target.bridge_port) == (Backend.SIM, "::1", 9000)
    assert target.bridge_address == "[::1]:9000"


def test_a_probe_keeps_the_terminal_but_not_the_account_or_the_demo_file() -> None:
    probe = target_from_settings(SAVED, sim_state_file="/data/sim.json").probe()
    assert (probe.login, probe.server, probe.sim_state_file) == (None, "", "")
    assert (probe.backend, probe.bridge_port, probe.path) == (Backend.BRIDGE, 18813, "C:/MT5/terminal64.exe")


def test_the_target_crosses_a_process_by_pickle_and_by_the_wire_codec() -> None:
    target = target_from_settings(SAVED)
    assert pickle.loads(pickle.dumps(target)) == target
    codec = codec_for(TerminalTarget)
    assert codec.decode(json.loads(json.dumps(codec.encode(target)))) == target


def test_the_bridge_address_is_a_setting_with_its_default() -> None:
    settings, problems = settings_from_dict({"terminal": {"bridge_host": "10.0.0.7", "bridge_port": 18900}})
    assert problems == []
    assert (settings.primary.terminal.bridge_host, settings.primary.terminal.bridge_port) == (
        "10.0.0.7",
        18900,
    )
    assert (TerminalSettings().bridge_host, TerminalSettings().bridge_port) == ("127.0.0.1", 18812)


HOST_RULE = "must be a host name or IP address such as 127.0.0.1"


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        (
            "bridge_host",
            "my host",
            f"accounts.wine.bridge_host: {HOST_RULE}, got 'my host'; using '127.0.0.1'",
        ),
        ("bridge_host", "", f"accounts.wine.bridge_host: {HOST_RULE}, got ''; using '127.0.0.1'"),
        (
            "bridge_port",
            0,
            "accounts.wine.bridge_port: must be a whole number between 1 and 65535, got 0; using 18812",
        ),
    ],
)
def test_a_bad_bridge_address_falls_back_to_the_default_and_says_so(
    key: str, value: object, problem: str
) -> None:
    _settings, problems = settings_from_dict({"accounts": [{"id": "wine", "backend": "bridge", key: value}]})
    assert problems == [problem]

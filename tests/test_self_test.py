"""`mt5desk --self-test`: the whole desk on the simulator, in a fresh process with no display, exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.startup.self_test import WeekdayClock, needs_offscreen

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_self_test_passes_without_a_display_and_leaves_the_data_folder_alone(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env.pop("QT_QPA_PLATFORM", None)  # the command must switch to offscreen by itself
    env.update(PYTHONPATH=str(REPO_ROOT), MT5DESK_HOME=str(tmp_path / "home"))
    result = subprocess.run(
        [sys.executable, "-m", "app", "--self-test"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("mt5desk self-test: passed in ")
    assert all(line.startswith("OK ") for line in lines[:-1])
    assert any("closed trade" in line for line in lines)
    assert not (tmp_path / "home").exists()  # its own temporary folder, never the trader's


@pytest.mark.parametrize("day", range(7))
def test_the_demo_clock_lands_on_a_midweek_day_whatever_today_is(day: int) -> None:
    now = 1_700_000_000 + day * 86_400.0  # 2023-11-14 (a Tuesday) and the six days after it
    moved = now - WeekdayClock.for_now(now).offset_s
    weekday = (int(moved // 86_400) + 3) % 7  # 0 = Monday
    assert weekday in (1, 2, 3)
    assert 0 <= now - moved < 7 * 86_400


def test_offscreen_is_chosen_only_on_linux_without_a_display_or_a_chosen_platform() -> None:
    assert needs_offscreen({}) is sys.platform.startswith("linux")
    assert not needs_offscreen({"DISPLAY": ":0"})
    assert not needs_offscreen({"QT_QPA_PLATFORM": "xcb"})

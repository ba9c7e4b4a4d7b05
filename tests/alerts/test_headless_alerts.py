"""Headless mode sends the same alerts: a real `--headless` process with `--alerts-file`, killed and
started again, tells the loopback server that it had stopped unexpectedly; a clean stop tells nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.alerts.inbox import Inbox
from tests.engine.test_headless import read_until_connected


def start(home: Path, alerts_file: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["MT5DESK_HOME"] = str(home)
    command = [sys.executable, "-m", "app", "--headless", "--terminal", "sim", "--events-jsonl", "-"]
    return subprocess.Popen(
        [*command, "--alerts-file", str(alerts_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def private_file(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def stop(process: subprocess.Popen[str], how: signal.Signals) -> None:
    process.send_signal(how)
    process.wait(timeout=20)


def test_a_killed_headless_desk_says_at_its_next_start_that_it_stopped_unexpectedly(
    tmp_path: Path, inbox: Inbox
) -> None:
    alerts = private_file(tmp_path / "alerts.txt", f"# my phone\n{inbox.ntfy_url('vps-desk')}\n")
    first = start(tmp_path / "home", alerts)
    read_until_connected(first)
    time.sleep(0.5)
    stop(first, signal.SIGKILL)
    second = start(tmp_path / "home", alerts)
    try:
        read_until_connected(second)
        [message] = inbox.wait_for(1, timeout_s=15)
    finally:
        stop(second, signal.SIGTERM)
    assert second.returncode == 0
    assert (message.topic, message.title) == ("vps-desk", "MT5 Desk stopped unexpectedly")
    assert message.message.startswith("The desk stopped at ")
    assert "with no positions open, without shutting down cleanly" in message.message
    assert message.message.endswith("(simulated demo terminal)")


def test_after_a_clean_stop_the_next_start_sends_nothing(tmp_path: Path, inbox: Inbox) -> None:
    alerts = private_file(tmp_path / "alerts.txt", inbox.json_url() + "\n")
    for _ in range(2):
        process = start(tmp_path / "home", alerts)
        read_until_connected(process)
        stop(process, signal.SIGTERM)
        assert process.returncode == 0
    time.sleep(1.0)
    assert inbox.received == []


def test_an_alerts_file_others_can_read_is_refused_with_what_to_do(tmp_path: Path, inbox: Inbox) -> None:
    alerts = tmp_path / "alerts.txt"
    alerts.write_text(inbox.json_url() + "\n", encoding="utf-8")
    alerts.chmod(0o644)
    process = start(tmp_path / "home", alerts)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert f"can be read by other users (mode 644); make it private with: chmod 600 {alerts}" in err


def test_a_line_that_is_no_channel_url_is_refused_naming_the_line(tmp_path: Path) -> None:
    alerts = private_file(tmp_path / "alerts.txt", "\n# phone\nmy phone number\n")
    process = start(tmp_path / "home", alerts)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert f"{alerts}, line 3: A channel URL has no spaces" in err

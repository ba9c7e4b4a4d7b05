"""Headless mode attacked as the issue did: hostile files, a full disk; every line a message, no traceback."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.terminal.simulator import SimulatedTerminal
from tests.full_disk import fill_disk, mount_tmpfs
from tests.hostile_files import newer_schema_journal

GOOD_TOKEN = "a-good-viewer-token-0123456789"
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes, FIFOs and umask")


def start(home: Path, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["MT5DESK_HOME"] = str(home)
    return subprocess.Popen(
        [sys.executable, "-m", "app", "--headless", "--terminal", "sim", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        preexec_fn=lambda: os.umask(0o022),  # the common umask, under which files used to come out 0644
    )


def wait_for_line(path: Path, needle: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text(encoding="utf-8", errors="replace"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never appeared in {path}")


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=30)
    return process.returncode, err


def token_file(folder: Path, kind: str) -> Path:
    path = folder / "viewer.token"
    if kind == "mode 644":
        path.write_text(GOOD_TOKEN)
        path.chmod(0o644)
    elif kind == "too short":
        path.write_text("short")
        path.chmod(0o600)
    elif kind == "symlink":
        real = folder / "real.token"
        real.write_text(GOOD_TOKEN)
        real.chmod(0o600)
        path.symlink_to(real)
    else:
        os.mkfifo(path, 0o600)
    return path


@posix_only
@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("mode 644", "can be read by other users (mode 644); make it private with: chmod 600"),
        ("too short", "is too short: a viewer token needs at least 16 characters"),
        ("symlink", "is a symbolic link; give the real file's path to --token-file"),
        ("fifo", "is not a regular file (a named pipe)"),
    ],
)
def test_a_refused_token_file_is_a_message_and_exit_2_not_a_traceback(
    tmp_path: Path, kind: str, said: str
) -> None:
    path = token_file(tmp_path, kind)
    process = start(tmp_path / "home", "--serve", "127.0.0.1:0", "--token-file", str(path))
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "Remote viewing not started: " in err and f"{path} {said}" in err
    assert "Traceback" not in err


def test_a_settings_file_nested_50000_deep_is_set_aside_and_the_desk_runs(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text("x = " + "[" * 50_000, encoding="utf-8")
    process = start(tmp_path, "--events-jsonl", str(tmp_path / "events.jsonl"))
    wait_for_line(tmp_path / "events.jsonl", '"state":"connected"')
    code, err = stop(process)
    assert code == 0 and "Traceback" not in err
    assert "is nested more than 16 levels deep (line 1); it is not a settings file; using default" in err
    [kept] = config.glob("settings.toml.corrupt-*")
    assert kept.read_text(encoding="utf-8") == "x = " + "[" * 50_000


def test_a_journal_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    journal = tmp_path / "data" / "journal.sqlite3"
    before = newer_schema_journal(journal)
    process = start(tmp_path)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 1 and "Traceback" not in err
    assert "was written by a newer version of MT5 Desk (schema '9999'" in err and "It was not changed" in err
    assert journal.read_bytes() == before
    assert not journal.with_name("journal.sqlite3-wal").exists()


@posix_only
def test_a_run_under_umask_022_leaves_only_private_files_and_no_leftover_temp_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)  # as an earlier version left it (mkdir's mode alone would follow this process's umask)
    leftover = data / ".sim_account.json.q1w2e3r4.tmp"  # what a kill -9 during a save leaves
    leftover.write_text("{")
    process = start(tmp_path, "--events-jsonl", str(tmp_path / "events.jsonl"))
    wait_for_line(tmp_path / "events.jsonl", '"state":"connected"')
    code, err = stop(process)
    assert code == 0, err
    assert not leftover.exists()
    loose = {
        str(path.relative_to(tmp_path)): oct(stat.S_IMODE(path.stat().st_mode))
        for path in tmp_path.rglob("*")
        if stat.S_IMODE(path.stat().st_mode) & 0o077
    }
    assert loose == {}
    assert f"made {data} private (was mode 755)" in err


@posix_only
@pytest.mark.slow
def test_on_a_full_disk_it_says_so_once_per_cause_and_sigterm_exits_0(tmp_path: Path) -> None:
    home = tmp_path / "disk"
    if not mount_tmpfs(home):
        pytest.skip("mounting a small tmpfs needs root")
    try:
        sim = SimulatedTerminal(state_path=home / "data" / "sim_account.json")
        sim.initialize()
        for number in range(20):  # moving prices: an event line every second
            sim.open_external("EURUSD" if number % 2 else "GBPUSD", "buy" if number % 3 else "sell", 0.1)
        sim.shutdown()
        events = home / "events.jsonl"
        process = start(home, "--events-jsonl", str(events))
        wait_for_line(events, '"state":"connected"')
        fill_disk(home / "filler")
        time.sleep(12)  # two account loops and a dozen P&L seconds on a full disk
        code, err = stop(process)
        lines = err.splitlines()
        assert code == 0 and "Traceback" not in err, err
        assert sum("cannot write event lines" in line for line in lines) == 1
        assert sum("cannot be written" in line for line in lines) <= 1
        assert len(lines) <= 6, lines
        json.loads(events.read_text(encoding="utf-8").splitlines()[-1])  # the file ends on a whole line
    finally:
        subprocess.run(["umount", "-l", str(home)], capture_output=True, check=False)

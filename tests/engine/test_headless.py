"""Headless mode as a service runs it: a real subprocess, JSON lines out, clean stop, one per data folder."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.events import StatusUpdate, decode


def start(home: Path, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["MT5DESK_HOME"] = str(home)
    return subprocess.Popen(
        [sys.executable, "-m", "app", "--headless", "--terminal", "sim", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def read_until_connected(process: subprocess.Popen[str], timeout_s: float = 30) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        event = decode(line)
        if isinstance(event, StatusUpdate) and event.status.state.value == "connected":
            return lines
    raise AssertionError(f"no connected status; got {lines!r}")


Running = tuple[subprocess.Popen[str], list[str]]
"""A headless desk started with --events-jsonl -, and the lines it printed up to CONNECTED."""


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    process = start(tmp_path, "--events-jsonl", "-")
    lines = read_until_connected(process)
    yield process, lines
    if process.poll() is None:
        process.kill()
        process.wait()


def test_every_event_is_one_json_line_with_type_seq_and_utc_timestamp(running: Running) -> None:
    _, lines = running
    messages = [json.loads(line) for line in lines]
    assert [m["seq"] for m in messages] == list(range(1, len(messages) + 1))
    assert all(m["timestamp"].endswith("Z") and m["type"] for m in messages)


def test_sigterm_stops_cleanly_with_exit_code_zero(running: Running) -> None:
    process, _ = running
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0


def test_after_sigterm_the_journal_file_alone_holds_what_was_journaled(
    running: Running, tmp_path: Path
) -> None:
    process, _ = running
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    [journal] = tmp_path.rglob("journal.sqlite3")
    assert not journal.with_name("journal.sqlite3-wal").exists()
    copy = tmp_path / "backup" / "journal.sqlite3"
    copy.parent.mkdir()
    shutil.copyfile(journal, copy)  # what a trader backing up "the journal file" copies
    with sqlite3.connect(copy) as connection:
        types = {row[0] for row in connection.execute("SELECT type FROM events")}
    connection.close()
    assert "STATUS_UPDATE" in types


def test_sigint_stops_cleanly_with_exit_code_zero(running: Running) -> None:
    process, _ = running
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0


def test_a_second_instance_on_the_same_data_folder_is_refused_naming_the_holder(
    running: Running, tmp_path: Path
) -> None:
    first, _ = running
    second = start(tmp_path)
    _, err = second.communicate(timeout=30)
    assert second.returncode == 3
    assert "already running" in err and f"process {first.pid}" in err


def test_a_lock_left_by_a_killed_process_does_not_block_the_next_start(
    running: Running, tmp_path: Path
) -> None:
    first, _ = running
    first.kill()
    first.wait()
    second = start(tmp_path, "--events-jsonl", "-")
    try:
        read_until_connected(second)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)


def test_serve_prints_the_viewer_url_once_and_serves_hello_then_snapshot(tmp_path: Path) -> None:
    import asyncio
    import re

    from websockets.asyncio.client import connect

    process = start(tmp_path, "--serve", "127.0.0.1:0")
    try:
        assert process.stderr is not None
        url = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not url:
            line = process.stderr.readline()
            found = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=(\S+)", line)
            url = found.group(0) if found else ""
        assert url, "no viewer URL printed"
        port, token = found.group(1), found.group(2)

        async def first_two() -> list[str]:
            # The very first upgrade right after start-up must be answered (it once was not, when the
            # event loop was stopped and restarted between start-up steps).
            async with connect(f"ws://127.0.0.1:{port}/?token={token}", open_timeout=5) as socket:
                return [json.loads(await socket.recv())["type"] for _ in range(2)]

        assert asyncio.run(first_two()) == ["HELLO", "SNAPSHOT"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0

"""EventLinesWriter: one JSON line per event, whole lines only, a full disk or a closed reader said once."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import NoticeLevel
from app.core.events import Notice
from app.startup.event_lines import EventLinesWriter
from tests.full_disk import fill_disk, mount_tmpfs


def notice(number: int) -> Notice:
    return Notice(level=NoticeLevel.INFO, title=f"n{number}", text="x" * 200)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "disk"
    if not mount_tmpfs(root):
        pytest.skip("mounting a small tmpfs needs root")
    yield root
    subprocess.run(["umount", "-l", str(root)], capture_output=True, check=False)


def test_the_file_is_created_private_and_holds_one_line_per_event(tmp_path: Path, qapp: Any) -> None:
    target = tmp_path / "events.jsonl"
    writer = EventLinesWriter(str(target))
    for number in range(3):
        writer.write(notice(number))
    writer.close()
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3]
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o600


def test_a_full_disk_is_said_once_and_every_line_is_written_once_space_returns(
    tmpfs: Path,
    qapp: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    target = tmpfs / "events.jsonl"
    writer = EventLinesWriter(str(target))
    filler = fill_disk(tmpfs / "filler")
    with caplog.at_level(logging.WARNING, logger="app.startup.event_lines"):
        for number in range(200):
            writer.write(notice(number))
        assert writer.held_lines > 0
        text = target.read_text(encoding="utf-8")
        assert text == "" or text.endswith("\n"), "a half-written line was left in the file"
        filler.unlink()
        writer.write(notice(200))
        writer.close()
    seqs = [json.loads(line)["seq"] for line in target.read_text(encoding="utf-8").splitlines()]
    assert seqs == list(range(1, 202))
    messages = [record.getMessage() for record in caplog.records]
    assert sum("cannot write event lines" in message for message in messages) == 1
    assert sum("written to" in message and "again" in message for message in messages) == 1


def test_a_reader_that_went_away_ends_the_writing_with_one_message(
    qapp: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # standard output is a pipe whose reader is gone
    saved = os.dup(1)
    os.dup2(write_end, 1)
    try:
        writer = EventLinesWriter("-")
        with caplog.at_level(logging.ERROR, logger="app.startup.event_lines"):
            for number in range(50):
                writer.write(notice(number))
            writer.close()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(write_end)
    assert sum("was closed" in record.getMessage() for record in caplog.records) == 1

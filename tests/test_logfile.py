"""The log file: warnings, errors and tracebacks in a rotating file in the log folder."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.startup.logfile import BACKUP_COUNT, LOG_FILE_NAME, MAX_BYTES, start_log_file, stop_log_file

log = logging.getLogger("app.test")


@pytest.fixture(autouse=True)
def closed_afterwards() -> Iterator[None]:
    yield
    stop_log_file()


def test_warnings_errors_and_tracebacks_reach_the_file_and_info_does_not(tmp_path: Path) -> None:
    path = start_log_file(tmp_path / "logs", console=False)
    log.info("routine")
    log.warning("quote feed slow")
    try:
        raise KeyError("ticket 7")
    except KeyError:
        log.exception("close failed")

    text = path.read_text(encoding="utf-8")
    assert path == tmp_path / "logs" / LOG_FILE_NAME
    assert "routine" not in text
    assert "WARNING app.test [MainThread] quote feed slow" in text
    assert "ERROR app.test [MainThread] close failed" in text
    assert "Traceback (most recent call last)" in text and "KeyError: 'ticket 7'" in text


def test_python_warnings_go_to_the_file_too(tmp_path: Path) -> None:
    path = start_log_file(tmp_path, console=False)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("old model format", DeprecationWarning, stacklevel=1)
    assert "DeprecationWarning: old model format" in path.read_text(encoding="utf-8")


def test_the_file_rotates_so_the_log_never_holds_more_than_five_files(tmp_path: Path) -> None:
    start_log_file(tmp_path, console=False)
    line = "x" * 1000
    for _ in range(7 * MAX_BYTES // 1000):
        log.warning(line)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [LOG_FILE_NAME] + [f"{LOG_FILE_NAME}.{n}" for n in range(1, BACKUP_COUNT + 1)]
    assert all((tmp_path / name).stat().st_size <= MAX_BYTES for name in files)


def test_starting_again_writes_each_line_once(tmp_path: Path) -> None:
    start_log_file(tmp_path, console=False)
    path = start_log_file(tmp_path, console=False)
    log.error("once")
    assert path.read_text(encoding="utf-8").count("once") == 1


def test_a_log_folder_that_cannot_be_made_raises_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "logs"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(OSError, match="logs"):
        start_log_file(blocker, console=False)


def test_a_log_file_that_cannot_take_a_line_says_so_once_not_per_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = start_log_file(tmp_path, console=False)
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "baseFilename", "") == str(path))
    assert isinstance(handler, logging.StreamHandler)
    real = handler.stream

    class FullDisk:  # a file on a full disk: it can say where it is, not take a byte
        def seek(self, offset: int, whence: int = 0) -> int:
            return 0

        def tell(self) -> int:
            return 0

        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

        def flush(self) -> None:
            raise OSError(28, "No space left on device")

    handler.stream = FullDisk()
    for _ in range(5):
        log.error("journal write failed")
    handler.stream = real
    log.error("disk freed")

    err = capsys.readouterr().err
    assert err.count("takes no more lines (No space left on device)") == 1
    assert "Logging error" not in err and "Traceback" not in err
    assert "disk freed" in path.read_text(encoding="utf-8")

"""Errors nobody caught: logged with their traceback, and shown once per kind as a NOTICE."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PyQt6.QtCore import QTimer, qWarning
from pytestqt.qtbot import QtBot

from app.core.enums import NoticeLevel
from app.core.events import Event, Notice
from app.engine.error_report import ErrorReporter, settings_problem_notices
from app.startup.logfile import start_log_file, stop_log_file


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    yield start_log_file(tmp_path, console=False)
    stop_log_file()


@pytest.fixture
def published(log_file: Path) -> Iterator[list[Event]]:
    events: list[Event] = []
    reporter = ErrorReporter(events.append, log_file)
    reporter.install()
    yield events
    reporter.uninstall()


def fail_in_a_slot(qtbot: QtBot, error: Exception, times: int = 1) -> None:
    def slot() -> None:
        raise error

    for _ in range(times):
        QTimer.singleShot(0, slot)
    qtbot.wait(100)


@pytest.mark.qt_no_exception_capture
def test_an_exception_escaping_a_slot_is_logged_with_its_traceback(
    qtbot: QtBot, log_file: Path, published: list[Event]
) -> None:
    fail_in_a_slot(qtbot, ValueError("bad tick"))
    text = log_file.read_text(encoding="utf-8")
    assert "ERROR app.unhandled [MainThread] Unhandled ValueError" in text
    assert "Traceback (most recent call last)" in text and "ValueError: bad tick" in text


@pytest.mark.qt_no_exception_capture
def test_the_same_error_repeating_is_shown_once_naming_the_log_file(
    qtbot: QtBot, log_file: Path, published: list[Event]
) -> None:
    fail_in_a_slot(qtbot, ValueError("bad tick"), times=3)
    assert log_file.read_text(encoding="utf-8").count("ValueError: bad tick") == 3
    (notice,) = published
    assert isinstance(notice, Notice) and notice.level is NoticeLevel.ERROR
    assert notice.title == "Internal error"
    assert "ValueError: bad tick" in notice.text and str(log_file) in notice.text


@pytest.mark.qt_no_exception_capture
def test_a_different_error_gets_its_own_notice(qtbot: QtBot, published: list[Event]) -> None:
    fail_in_a_slot(qtbot, ValueError("one"))
    fail_in_a_slot(qtbot, KeyError("two"))
    assert [n.text.split(" (")[1].split(")")[0] for n in published if isinstance(n, Notice)] == [
        "ValueError: one",
        "KeyError: 'two'",
    ]


@pytest.mark.qt_no_exception_capture
def test_an_exception_ending_a_thread_is_reported_too(log_file: Path, published: list[Event]) -> None:
    def work() -> None:
        raise RuntimeError("reader died")

    thread = threading.Thread(target=work, name="reader")
    thread.start()
    thread.join()
    assert "ERROR app.unhandled [reader] Unhandled RuntimeError" in log_file.read_text(encoding="utf-8")
    assert len(published) == 1


def test_qt_warnings_go_to_the_log(log_file: Path, published: list[Event]) -> None:
    qWarning("QWindowsWindow::setGeometry: Unable to set geometry")
    assert "WARNING app.qt" in log_file.read_text(encoding="utf-8")
    assert "Unable to set geometry" in log_file.read_text(encoding="utf-8")
    assert published == []  # logged, not shown: Qt's chatter is for whoever reads the log


def test_uninstalling_puts_the_previous_hooks_back(log_file: Path) -> None:
    before, thread_before = sys.excepthook, threading.excepthook
    reporter = ErrorReporter(lambda event: None, log_file)
    reporter.install()
    assert sys.excepthook == reporter.report
    reporter.uninstall()
    assert (sys.excepthook, threading.excepthook) == (before, thread_before)


def test_a_bad_settings_value_becomes_a_warning_that_says_where_to_fix_it(tmp_path: Path) -> None:
    problem = "intervals.pnl_s: must be a number between 0.2 and 60, got 'fast'; using 1.0"
    (notice,) = settings_problem_notices([problem], tmp_path / "settings.toml")
    assert (notice.level, notice.title) == (NoticeLevel.WARNING, "Settings file")
    assert notice.text == f"{problem}. Correct it in Desk → Settings… or in {tmp_path / 'settings.toml'}."

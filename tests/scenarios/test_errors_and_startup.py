"""What the trader learns when something goes wrong that no order reports: Event log and log file."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.settings import Theme
from app.storage.paths import AppPaths
from app.storage.settings_store import load_settings
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import choose


@pytest.fixture
def settings_problems(paths: AppPaths) -> list[str]:
    """The app starts with a settings file holding a value it cannot use (as the command line loads it)."""
    paths.settings_file.write_text('[intervals]\npnl_s = "fast"\n', encoding="utf-8")
    return list(load_settings(paths.settings_file).problems)


def test_a_bad_value_in_the_settings_file_is_explained_in_the_event_log(desktop: Desktop) -> None:
    row = desktop.wait_for_log("Settings file")
    assert row["Level"] == "Warning"
    assert row["Text"] == (
        "intervals.pnl_s: must be a number between 0.2 and 60, got 'fast'; using 1.0. "
        f"Correct it in Desk → Settings… or in {desktop.paths.settings_file}."
    )


@pytest.mark.qt_no_exception_capture
def test_an_error_escaping_a_click_is_logged_and_shown_once_naming_the_log_file(desktop: Desktop) -> None:
    def faulty_listener(theme: object) -> None:  # a handler with a bug, somewhere behind a menu item
        raise RuntimeError("theme listener broke")

    desktop.window.theme_chosen.connect(faulty_listener)

    choose(desktop.qtbot, desktop.window, "View", "Theme", "Dark")
    row = desktop.wait_for_log("Internal error")
    choose(desktop.qtbot, desktop.window, "View", "Theme", "Light")
    desktop.qtbot.wait(200)

    assert row["Level"] == "Error"
    assert "RuntimeError: theme listener broke" in row["Text"] and str(desktop.log_file) in row["Text"]
    assert [r["Title"] for r in desktop.event_log()].count("Internal error") == 1
    logged = Path(desktop.log_file).read_text(encoding="utf-8")
    assert logged.count("Traceback (most recent call last)") == 2
    assert logged.count("RuntimeError: theme listener broke") == 2
    assert desktop.window.theme_actions[Theme.LIGHT].isChecked()  # the desk carried on

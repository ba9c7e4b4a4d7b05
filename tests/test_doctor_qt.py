"""The doctor's Qt checks: Qt is started in a child, so a broken platform plugin is reported, not fatal."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.startup.doctor_qt import ask_child, broken_platform, install_advice, missing_libraries, qt_words
from tests.test_cli import REPO_ROOT


def child_environ(**values: str) -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if key not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    environ.pop("QT_QPA_PLATFORM", None)
    return {**environ, **values}


# An X11 platform with a display nobody serves: Qt aborts (qFatal) whether or not the xcb libraries are
# installed, exactly as it does on a desktop missing libxcb-cursor0.
UNSERVED_X11 = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":987"}


def test_a_child_that_starts_qt_reports_its_platform() -> None:
    answer = ask_child(environ=child_environ(QT_QPA_PLATFORM="offscreen"))
    assert (answer.error, answer.platform) == ("", "offscreen")


def test_a_platform_plugin_that_aborts_qt_is_an_answer_in_words() -> None:
    answer = ask_child(environ=child_environ(**UNSERVED_X11))
    assert answer.platform == "" and answer.status not in (0, None)
    assert "xcb" in answer.error
    line = broken_platform(answer, []).line()
    assert line.startswith("!! Qt platform plugin: Qt aborted while starting, so the window cannot open (")
    assert "QT_DEBUG_PLUGINS=1" in line


def test_doctor_reports_a_broken_platform_plugin_and_exits_1_instead_of_aborting(tmp_path: Path) -> None:
    environ = child_environ(**UNSERVED_X11, PYTHONPATH=str(REPO_ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "app", "doctor", "--terminal", "sim", "--data-dir", str(tmp_path)],
        env=environ,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result.stderr  # not 134: Qt aborted in the doctor's child only
    assert "!! Qt platform plugin: Qt aborted while starting" in result.stdout
    assert result.stdout.rstrip().endswith("problem(s) found")


def test_qt_words_keep_why_it_stopped_without_the_reinstall_hint() -> None:
    stderr = (
        "qt.qpa.xcb: could not connect to display :9\n"
        'qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in "" even though it was found.\n'
        "This application failed to start because no Qt platform plugin could be initialized. Reinstalling "
        "the application may fix this problem.\n\nAvailable platform plugins are: offscreen, xcb.\n"
    )
    words = qt_words(stderr)
    assert "could not connect to display :9" in words and 'platform plugin "xcb"' in words
    assert "Reinstalling" not in words and "Available platform plugins" not in words


def test_missing_libraries_are_named_with_the_debian_packages_to_install() -> None:
    advice = install_advice(["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    apt = "on Debian/Ubuntu: sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"
    assert advice.startswith(apt)
    assert advice.endswith("(elsewhere: the packages of these libraries)")
    assert install_advice(["libweird.so.3"]) == "install the packages that provide libweird.so.3"


@pytest.mark.skipif(shutil.which("cc") is None or shutil.which("ldd") is None, reason="needs cc and ldd")
def test_a_qt_library_linked_to_an_absent_system_library_is_found_by_ldd(tmp_path: Path) -> None:
    # A real shared object needing a library (of a name no system has) from a folder that no longer has it.
    build = tmp_path / "build"
    build.mkdir()
    (build / "lib.c").write_text("int stub(void) { return 0; }\n")
    (build / "plugin.c").write_text("int stub(void);\nint use(void) { return stub(); }\n")
    cc = ["cc", "-shared", "-fPIC"]
    library = build / "libmt5desk-absent.so.1"
    subprocess.run([*cc, "-Wl,-soname,libmt5desk-absent.so.1", "-o", library, build / "lib.c"], check=True)
    plugin = tmp_path / "Qt6" / "plugins" / "platforms" / "libqxcb.so"
    plugin.parent.mkdir(parents=True)
    subprocess.run([*cc, "-o", plugin, build / "plugin.c", library], check=True)
    library.unlink()
    assert missing_libraries(tmp_path / "Qt6") == ["libmt5desk-absent.so.1"]

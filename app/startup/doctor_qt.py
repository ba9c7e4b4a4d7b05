"""The doctor's Qt checks, run in a child process: a broken platform plugin aborts the process that loads
it (Qt's qFatal, exit status 134), so the doctor asks a child to start Qt and reports what happened.

On Linux the system libraries Qt's xcb plugin links to are also listed with `ldd`, and a missing one is
named with the Debian/Ubuntu package that provides it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.startup.doctor import CheckResult, check_display, check_qt_platform, check_qt_versions, check_tray

PROBE_FLAG = "--qt-probe"
PROBE_TIMEOUT_S = 30.0

# The shared libraries PyQt6's wheels load for a window on X11 that a desktop may lack, and the
# Debian/Ubuntu package of each (checked on a fresh Debian 12 by starting the window under Xvfb).
DEBIAN_PACKAGES: dict[str, str] = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libGL.so.1": "libgl1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
}
# Qt's own libraries and plugin for a window on X11 (relative to PyQt6/Qt6).
_XCB_FILES = (
    "lib/libQt6Core.so.6",
    "lib/libQt6Gui.so.6",
    "lib/libQt6Widgets.so.6",
    "lib/libQt6DBus.so.6",
    "lib/libQt6XcbQpa.so.6",
    "plugins/platforms/libqxcb.so",
)


@dataclass(frozen=True, slots=True)
class ProbeAnswer:
    """What the child saw: the platform plugin and tray, or how it failed (`error`, Qt's own words)."""

    platform: str = ""
    tray: bool = False
    error: str = ""
    status: int | None = 0


def run_probe() -> int:
    """The child's side (`mt5desk --qt-probe`): start Qt, print the platform and tray as one JSON line."""
    from PyQt6.QtWidgets import QApplication, QSystemTrayIcon

    app = QApplication(sys.argv[:1])
    print(json.dumps({"platform": app.platformName(), "tray": QSystemTrayIcon.isSystemTrayAvailable()}))
    return 0


def probe_command() -> list[str]:
    """How to start this program's probe: the frozen executable itself, or this Python with `-m app`."""
    if getattr(sys, "frozen", False):
        return [sys.executable, PROBE_FLAG]
    return [sys.executable, "-m", "app", PROBE_FLAG]


def ask_child(
    command: Sequence[str] | None = None,
    environ: Mapping[str, str] = os.environ,
    timeout_s: float = PROBE_TIMEOUT_S,
) -> ProbeAnswer:
    """Run the probe in a child process and read its answer; never raises."""
    try:
        done = subprocess.run(
            list(command or probe_command()),
            env=dict(environ),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return ProbeAnswer(error=f"Qt did not start within {timeout_s:g} s", status=None)
    except OSError as error:
        return ProbeAnswer(error=f"the probe could not run ({error})", status=None)
    lines = done.stdout.strip().splitlines()
    if done.returncode == 0 and lines:
        try:
            answer = json.loads(lines[-1])
            return ProbeAnswer(str(answer["platform"]), bool(answer["tray"]))
        except (ValueError, KeyError, TypeError):
            pass
    return ProbeAnswer(error=qt_words(done.stderr), status=done.returncode)


def qt_words(stderr: str) -> str:
    """Qt's sentence that says why it stopped (its plugin messages), without the list of plugins."""
    wanted = ("could not load", "is needed", "cannot open shared object", "could not connect", "failed to")
    said = [line.strip() for line in stderr.splitlines() if any(w in line.lower() for w in wanted)]
    # Qt's own hint to reinstall is wrong for a wheel: the missing part is a system library.
    said = [line.split(" Reinstalling the application")[0] for line in said]
    if said:
        return " ".join(dict.fromkeys(said))
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "Qt stopped without saying why"


def qt_folder() -> Path | None:
    """PyQt6's Qt6 folder (libraries and plugins), found without importing PyQt6."""
    spec = importlib.util.find_spec("PyQt6")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "Qt6"
        if folder.is_dir():
            return folder
    return None


def missing_libraries(folder: Path | None = None, ldd: str | None = None) -> list[str]:
    """Shared libraries Qt's X11 window needs that this system lacks, by `ldd`; [] when unknown."""
    folder = folder if folder is not None else qt_folder()
    ldd = ldd if ldd is not None else shutil.which("ldd")
    if folder is None or ldd is None:
        return []
    missing: dict[str, None] = {}
    for name in _XCB_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            out = subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        for line in out.splitlines():
            if "not found" in line:
                missing[line.split()[0]] = None
    return list(missing)


def install_advice(libraries: Sequence[str]) -> str:
    """What to install for these libraries: the Debian/Ubuntu apt line, and names for other systems."""
    packages = sorted({DEBIAN_PACKAGES[lib] for lib in libraries if lib in DEBIAN_PACKAGES})
    unknown = [lib for lib in libraries if lib not in DEBIAN_PACKAGES]
    if not packages:
        return f"install the packages that provide {', '.join(unknown)}"
    apt = " ".join(packages)
    return f"on Debian/Ubuntu: sudo apt install {apt} (elsewhere: the packages of these libraries)"


def qt_checks(
    close_to_tray: bool, environ: Mapping[str, str] = os.environ, platform: str = sys.platform
) -> Iterator[CheckResult]:
    """Versions, display, the system libraries (Linux), then the platform plugin and tray seen by a child."""
    missing = missing_libraries() if platform.startswith("linux") else []
    versions, display = check_qt_versions(), check_display(environ, platform)
    if not versions.ok and "shared object" in versions.detail:
        libraries = missing or [versions.detail.split("(", 1)[-1].split(":", 1)[0]]
        versions = CheckResult(versions.name, False, versions.detail, install_advice(libraries))
    yield versions
    yield display
    if platform.startswith("linux"):
        yield check_libraries(missing)
    if not (versions.ok and display.ok):
        return
    answer = ask_child(environ=environ)
    if answer.error:
        yield broken_platform(answer, missing)
        return
    yield check_qt_platform(answer.platform)
    yield check_tray(answer.tray, close_to_tray)


def check_libraries(missing: Sequence[str]) -> CheckResult:
    """The system libraries Qt's X11 window links to (`missing_libraries`)."""
    if missing:
        return CheckResult(
            "Qt system libraries",
            False,
            f"missing {', '.join(missing)}, so the window cannot open on X11",
            install_advice(missing),
        )
    return CheckResult("Qt system libraries", True, "every library the X11 window needs is installed")


def broken_platform(answer: ProbeAnswer, missing: Sequence[str]) -> CheckResult:
    """The finding for a Qt that could not start, with the libraries to install when they are known."""
    how = "aborted" if answer.status not in (0, 1, None) else "stopped"
    detail = f"Qt {how} while starting, so the window cannot open ({answer.error})"
    if missing:
        return CheckResult("Qt platform plugin", False, detail, install_advice(missing))
    advice = (
        "run mt5desk with QT_DEBUG_PLUGINS=1 to see what Qt lacks; on Linux, check that the display "
        "(DISPLAY or WAYLAND_DISPLAY) is reachable"
    )
    return CheckResult("Qt platform plugin", False, detail, advice)

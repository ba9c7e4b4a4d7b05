"""The layering of ARCHITECTURE.md, enforced: import-linter's contracts from pyproject.toml, plus the Qt
sub-module rules import-linter cannot express (it sees an external package such as PyQt6 only whole)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# package folder -> Qt modules no file in it may import (directly; the contracts cover the indirect routes)
QT_SUBMODULE_RULES = {
    "engine": ("PyQt6.QtWidgets", "PyQt6.QtGui"),
    "remote": ("PyQt6.QtWidgets",),
    "alerts": ("PyQt6.QtWidgets", "PyQt6.QtGui"),
}


def run_lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the `app` package and pyproject.toml found in `project`."""
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: install the test extras (pip install -e '.[test]')")
    env = dict(os.environ, PYTHONPATH=str(project))
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(project / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_the_import_contracts_in_pyproject_are_kept() -> None:
    result = run_lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " broken" in result.stdout and "0 broken" in result.stdout


def test_a_forbidden_import_breaks_the_contracts(tmp_path: Path) -> None:
    # The check above is only worth something if it can fail: plant a Qt import in core in a copy of the app.
    shutil.copytree(REPO_ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "app" / "core" / "contract_probe.py").write_text("import PyQt6\n", encoding="utf-8")
    result = run_lint_imports(tmp_path)
    assert result.returncode != 0
    assert "app.core.contract_probe -> PyQt6" in result.stdout


@pytest.mark.parametrize(
    ("probe", "line", "broken"),
    [
        # one feature reaching into another's internals (the shell composes them; widgets are shared)
        (
            "ui/positions/probe.py",
            "import app.ui.trading.order_ticket\n",
            "app.ui.positions.probe -> app.ui.trading",
        ),
        # shared widgets importing a feature
        (
            "ui/widgets/probe.py",
            "import app.ui.history.records_tab\n",
            "app.ui.widgets.probe -> app.ui.history",
        ),
        # a ui package no contract places (exhaustive layers)
        ("ui/unplaced/probe.py", "import app.ui.widgets.columns\n", "app.ui.unplaced"),
        # anything but the entry point importing the composition root
        ("ui/shell/probe.py", "import app.startup.gui\n", "app.ui.shell.probe -> app.startup.gui"),
        ("engine/probe.py", "import app.startup.doctor\n", "app.engine.probe -> app.startup.doctor"),
        # a widget opening the database or the terminal itself
        (
            "ui/history/probe.py",
            "import app.storage.database\n",
            "app.ui.history.probe -> app.storage.database",
        ),
        (
            "ui/trading/probe.py",
            "import app.terminal.backend\n",
            "app.ui.trading.probe -> app.terminal.backend",
        ),
    ],
)
def test_the_ui_and_startup_contracts_catch_a_wrong_import(
    tmp_path: Path, probe: str, line: str, broken: str
) -> None:
    shutil.copytree(REPO_ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "app" / probe
    if not target.parent.exists():
        target.parent.mkdir()
        (target.parent / "__init__.py").write_text("", encoding="utf-8")
    target.write_text(line, encoding="utf-8")
    result = run_lint_imports(tmp_path)
    assert result.returncode != 0
    assert broken in result.stdout, result.stdout


def imported_names(source: str) -> set[str]:
    """Every module a file imports by absolute name, counting `from PyQt6 import QtGui` as PyQt6.QtGui."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def qt_submodule_violations(app_root: Path) -> list[str]:
    """One line per file and forbidden Qt module it imports, under `app_root`'s engine, remote, alerts."""
    violations = []
    for package, forbidden in QT_SUBMODULE_RULES.items():
        for path in sorted((app_root / package).rglob("*.py")):
            names = imported_names(path.read_text(encoding="utf-8"))
            for module in forbidden:
                if any(name == module or name.startswith(module + ".") for name in names):
                    violations.append(f"{path.relative_to(app_root.parent)} imports {module}")
    return violations


def test_engine_uses_no_widgets_or_gui_and_remote_no_widgets() -> None:
    assert qt_submodule_violations(REPO_ROOT / "app") == []


@pytest.mark.parametrize(
    ("package", "line", "module"),
    [
        ("engine", "from PyQt6.QtWidgets import QWidget\n", "PyQt6.QtWidgets"),
        ("engine", "from PyQt6 import QtCore, QtGui\n", "PyQt6.QtGui"),
        ("engine", "import PyQt6.QtGui as gui\n", "PyQt6.QtGui"),
        ("remote", "def f():\n    from PyQt6.QtWidgets import QApplication\n", "PyQt6.QtWidgets"),
    ],
)
def test_the_qt_submodule_check_catches_every_import_spelling(
    tmp_path: Path, package: str, line: str, module: str
) -> None:
    (tmp_path / "app" / package / "inner").mkdir(parents=True)
    (tmp_path / "app" / package / "inner" / "probe.py").write_text(line, encoding="utf-8")
    assert qt_submodule_violations(tmp_path / "app") == [f"app/{package}/inner/probe.py imports {module}"]


def test_the_qt_submodule_check_allows_qtcore_in_the_engine(tmp_path: Path) -> None:
    (tmp_path / "app" / "engine").mkdir(parents=True)
    (tmp_path / "app" / "engine" / "probe.py").write_text(
        "from PyQt6.QtCore import QObject\n", encoding="utf-8"
    )
    assert qt_submodule_violations(tmp_path / "app") == []

"""Lint as part of the suite: `ruff check` over app/ and tests/ with the rules in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def find_ruff() -> str | None:
    """The ruff next to this Python (the project's venv) first, then one on PATH."""
    beside = Path(sys.executable).with_name("ruff")
    return str(beside) if beside.exists() else shutil.which("ruff")


def test_ruff_finds_nothing_in_app_and_tests() -> None:
    ruff = find_ruff()
    if ruff is None:
        pytest.skip("ruff is not installed; install the test extras: pip install -e '.[test]'")
    result = subprocess.run(
        [ruff, "check", "--no-cache", "app", "tests"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr

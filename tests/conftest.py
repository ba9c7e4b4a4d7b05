"""Session-wide test setup: Qt renders offscreen and the app's folders live in a throwaway directory.

Both are set at import time, before any test module is collected, so nothing can import Qt with a real
platform plugin or compute the trader's real settings folder first.
"""

from __future__ import annotations

import os
import shutil
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Set unconditionally: a developer's own MT5DESK_HOME must not receive test data either.
_TEST_HOME = tempfile.mkdtemp(prefix="mt5desk-test-home-")
os.environ["MT5DESK_HOME"] = _TEST_HOME


def pytest_unconfigure() -> None:
    shutil.rmtree(_TEST_HOME, ignore_errors=True)


# A disk that fills up on demand (tests/full_disk.py), for every test module that asks for `small_disk`.
pytest_plugins = ["tests.full_disk"]

"""A disk that fills up on demand: a real small tmpfs where this machine lets us mount one (root), else a
journal whose file SQLite may not grow (`PRAGMA max_page_count`), the same SQLITE_FULL reaching the code.

`fill()` takes the last free byte, `free()` gives the space back.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from app.storage.database import Database

TMPFS_BYTES = 2 * 1024 * 1024


class TmpfsDisk:
    """A 2 MiB tmpfs mounted at `root`; `fill()` writes a filler file until the disk refuses."""

    kind = "tmpfs"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._filler = root / "filler"

    def fill(self, database: Database | None = None) -> None:
        fill_disk(self._filler)

    def free(self, database: Database | None = None) -> None:
        self._filler.unlink(missing_ok=True)


class PageLimitedDisk:
    """A journal that may not grow past its current pages: SQLite answers SQLITE_FULL as on a full disk."""

    kind = "page-limit"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._limited: list[Any] = []

    def fill(self, database: Database | None = None) -> None:
        assert database is not None, "the page limit is set on a journal"
        engine = database._engine  # the fault goes where SQLite opens its connections

        def limit(dbapi_connection: Any, _record: Any) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        event.listen(engine, "connect", limit)
        self._limited.append((engine, limit))
        engine.dispose()  # every connection from now on is opened with the limit

    def free(self, database: Database | None = None) -> None:
        for engine, limit in self._limited:
            event.remove(engine, "connect", limit)
            engine.dispose()
        self._limited.clear()


def fill_disk(filler: Path) -> Path:
    """Write `filler` until its disk refuses another byte; returns it (unlink it to free the space)."""
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        with contextlib.suppress(OSError):
            while os.write(descriptor, b"\0" * 4096):
                pass
    finally:
        os.close(descriptor)
    return filler


def mount_tmpfs(root: Path) -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    root.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(root)],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


@pytest.fixture(params=["tmpfs", "page-limit"])
def small_disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TmpfsDisk | PageLimitedDisk]:
    """Each test runs on a real small tmpfs (where one can be mounted) and with the fault injected."""
    root = tmp_path / "disk"
    if request.param == "page-limit":
        root.mkdir()
        disk = PageLimitedDisk(root)
        yield disk
        disk.free()
        return
    if not mount_tmpfs(root):
        pytest.skip("mounting a small tmpfs needs root; the injected fault covers this test")
    try:
        yield TmpfsDisk(root)
    finally:
        subprocess.run(["umount", "-l", str(root)], capture_output=True, check=False)

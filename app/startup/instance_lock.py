"""One running desk per data folder: a second start is refused and told who holds the folder."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QLockFile


class InstanceLockedError(RuntimeError):
    """Another MT5 Desk process already uses this data folder."""


class InstanceLock:
    """A QLockFile in the data folder; a lock left by a killed process is detected and taken over."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = QLockFile(str(path))
        self._path = path

    def acquire(self) -> None:
        """Take the lock or raise InstanceLockedError naming the holder."""
        if self._lock.tryLock(200):
            return
        ok, pid, host, _app = self._lock.getLockInfo()
        holder = f"process {pid} on {host or 'this computer'}" if ok else "another process"
        raise InstanceLockedError(
            f"MT5 Desk is already running with this data folder ({holder}). "
            f"Close it first, or start with --data-dir to use another folder. Lock file: {self._path}"
        )

    def release(self) -> None:
        self._lock.unlock()

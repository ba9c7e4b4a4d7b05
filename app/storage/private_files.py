"""The app's files are the trader's alone: folders 0700 and files 0600 on POSIX, whatever the umask.

The journal holds the whole trade history, the settings name the account and the server: no other local
user should read them. New folders and files are made private when they are created; files left looser
by earlier versions (which followed the umask) are tightened at start, and `mt5desk doctor` reports any
that are looser again. Windows has no mode bits to speak of (its folders under the user's profile are
private by their ACLs), so everything here is a no-op there.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.storage.leftovers import TEMPORARY_FILE

if TYPE_CHECKING:
    from app.storage.paths import AppPaths

__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "LooseEntry",
    "create_private_file",
    "find_loose",
    "make_private_dir",
    "restrict_umask",
    "tighten",
]

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_OTHERS = 0o077
POSIX = os.name == "posix"


@dataclass(frozen=True, slots=True)
class LooseEntry:
    """A folder or file of the app that group or other users may read, write or enter."""

    path: Path
    mode: int
    is_dir: bool

    @property
    def fix(self) -> str:
        """The shell command that makes it private."""
        return f"chmod {PRIVATE_DIR_MODE if self.is_dir else PRIVATE_FILE_MODE:o} '{self.path}'"


def restrict_umask() -> None:
    """From now on this process creates files 0600 and folders 0700, whichever library creates them."""
    if POSIX:
        os.umask(_OTHERS)


def make_private_dir(folder: Path) -> None:
    """Create `folder` (and missing parents) if needed; a folder made here is 0700 whatever the umask.

    An existing folder is left as it is: `tighten` changes those, and says so.
    """
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    if POSIX:
        folder.chmod(PRIVATE_DIR_MODE)  # mkdir's mode is cut by the umask, never widened: be sure


def create_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist (SQLite then gives its -wal/-shm the same)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)
    if POSIX:
        os.chmod(path, PRIVATE_FILE_MODE)  # O_CREAT's mode is cut by the umask, never widened: be sure


def find_loose(paths: AppPaths) -> list[LooseEntry]:
    """The app's folders, and the files directly in them, that are not private (empty on Windows)."""
    if not POSIX:
        return []
    return [entry for entry in _entries(paths) if entry.mode & _OTHERS]


def tighten(paths: AppPaths) -> list[LooseEntry]:
    """Make the app's own folders 0700 and its files 0600 (owner bits kept); returns what was changed.

    Only regular files and folders owned by this user are touched, never a symbolic link.
    """
    changed = []
    for entry in find_loose(paths):
        try:
            entry.path.chmod(entry.mode & ~_OTHERS)  # a regular file or folder: lstat said so
        except OSError:
            continue  # not ours to change; the doctor still reports it
        changed.append(entry)
    return changed


def _folders(paths: AppPaths) -> Iterator[Path]:
    seen: set[Path] = set()
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir, paths.models_dir):
        if folder not in seen:
            seen.add(folder)
            yield folder


def _entries(paths: AppPaths) -> Iterable[LooseEntry]:
    uid = os.getuid() if hasattr(os, "getuid") else None
    for folder in _folders(paths):
        info = _lstat(folder)
        if info is None or not stat.S_ISDIR(info.st_mode):
            continue
        if uid is None or info.st_uid == uid:
            yield LooseEntry(folder, stat.S_IMODE(info.st_mode), True)
        try:
            children = list(folder.iterdir())
        except OSError:
            continue
        for child in children:
            if TEMPORARY_FILE.fullmatch(child.name):
                continue  # an interrupted save's leftover, removed at start
            child_info = _lstat(child)
            if child_info is None or not stat.S_ISREG(child_info.st_mode):
                continue
            if uid is None or child_info.st_uid == uid:
                yield LooseEntry(child, stat.S_IMODE(child_info.st_mode), False)


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except OSError:
        return None

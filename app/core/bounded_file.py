"""Reading a small file the trader controls (a token, a settings file) without being stalled or flooded.

The file is opened without blocking (a FIFO with no writer would otherwise hang the start forever),
optionally without following a final symbolic link, and judged by what was opened (fstat), so it cannot
be swapped between the check and the read. At most `max_bytes` are read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

__all__ = ["FileRefusal", "RefusedFile", "read_bounded"]

# Where the platform has them: do not follow a final symlink, do not wait on a FIFO with no writer.
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NON_BLOCKING = getattr(os, "O_NONBLOCK", 0)


class FileRefusal(StrEnum):
    """Why a file was not read."""

    MISSING = "missing"
    SYMLINK = "symlink"
    NOT_REGULAR = "not a regular file"
    TOO_BIG = "too big"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class RefusedFile(Exception):
    """A file that was not read; `detail` completes "PATH ..." for a person."""

    reason: FileRefusal
    detail: str

    def __str__(self) -> str:
        return self.detail


def read_bounded(path: Path, max_bytes: int, *, follow_symlinks: bool = True) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file `path` and its fstat; RefusedFile when it cannot or must not be read."""
    try:
        if not follow_symlinks and path.is_symlink():
            raise RefusedFile(FileRefusal.SYMLINK, "is a symbolic link")
        flags = os.O_RDONLY | _NON_BLOCKING | (0 if follow_symlinks else _NO_FOLLOW)
        descriptor = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise RefusedFile(FileRefusal.MISSING, "does not exist") from None
    except OSError as error:
        raise RefusedFile(FileRefusal.UNREADABLE, f"cannot be read ({error.strerror or error})") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFile(FileRefusal.NOT_REGULAR, f"is not a regular file ({file_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise RefusedFile(
                FileRefusal.TOO_BIG, f"is {info.st_size:,} bytes, more than the {max_bytes:,} read at most"
            )
        chunks: list[bytes] = []
        left = max_bytes + 1  # one more: a file that grew after fstat is still caught
        while left > 0:
            chunk = os.read(descriptor, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        raise RefusedFile(FileRefusal.UNREADABLE, f"cannot be read ({error.strerror or error})") from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise RefusedFile(FileRefusal.TOO_BIG, f"is more than the {max_bytes:,} bytes read at most")
    return data, info


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a plain file"

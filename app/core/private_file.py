"""Reading a file that holds secrets the trader keeps outside the keyring: refused if others can read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class PrivateFileError(Exception):
    """The file cannot be used (missing, not a file, readable by others, not text); says what to do."""


def read_private_text(path: Path, what: str, *, max_bytes: int = 64 * 1024) -> str:
    """The text of `path` (a `what`, e.g. "alerts file"); PrivateFileError when unsafe or unreadable."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise PrivateFileError(f"{what} {path} does not exist") from None
    except OSError as error:
        raise PrivateFileError(f"cannot read {what} {path}: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise PrivateFileError(f"{what} {path} is not a regular file")
    # Windows has no POSIX mode bits to speak of (its ACLs are not checked here).
    if os.name == "posix" and info.st_mode & 0o077:
        raise PrivateFileError(
            f"{what} {path} can be read by other users (mode {stat.S_IMODE(info.st_mode):03o}); "
            f"make it private with: chmod 600 {path}"
        )
    if info.st_size > max_bytes:
        raise PrivateFileError(f"{what} {path} is larger than {max_bytes // 1024} KB; is it the right file?")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PrivateFileError(f"cannot read {what} {path}: {error}") from None

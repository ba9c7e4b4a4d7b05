"""`mt5desk doctor`'s privacy check: the app's folders and files that other local users can reach."""

from __future__ import annotations

from pathlib import Path

from app.remote.tokens import TokenError, read_token_file
from app.startup.doctor import CheckResult
from app.storage.paths import AppPaths
from app.storage.private_files import POSIX, find_loose

NAME = "private files"
_SHOWN = 5


def check_private_files(paths: AppPaths) -> CheckResult:
    """Folders should be 0700 and files 0600: the journal is the trade history, settings name the account."""
    if not POSIX:
        return CheckResult(NAME, True, "not checked on Windows (the user's profile folders are private)")
    loose = find_loose(paths)
    if not loose:
        return CheckResult(NAME, True, "folders 0700 and files 0600: only you can read them")
    shown = ", ".join(f"{entry.path} ({entry.mode:03o})" for entry in loose[:_SHOWN])
    more = f" and {len(loose) - _SHOWN} more" if len(loose) > _SHOWN else ""
    commands = "; ".join(entry.fix for entry in loose[:_SHOWN])
    return CheckResult(
        NAME,
        False,
        f"other users of this computer can read or enter {shown}{more}",
        f"run: {commands}"
        + (" (and the same for the rest)" if more else "")
        + "; or start MT5 Desk once, which makes its own files private",
    )


def check_token_file(path: Path) -> CheckResult:
    """The viewer token file given with --token-file: a private plain file holding a usable token."""
    name = "viewer token file"
    try:
        read_token_file(path)
    except TokenError as error:
        return CheckResult(name, False, str(error), "fix the file as said, then start the desk again")
    return CheckResult(name, True, f"{path}: private, one usable token")

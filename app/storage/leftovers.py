"""Temporary files that a killed process left behind, removed at the next start.

Every atomic save here (settings, the simulator's account, model files) writes `.NAME.XXXXXXXX.tmp`
beside its target and renames it over the target; a kill -9 between the two leaves the temporary file.
It holds nothing the target lacks (the rename never happened, so the target is the last good save), so
it is removed once this process holds the instance lock and no other save can be in progress.
"""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Iterable
from pathlib import Path

__all__ = ["TEMPORARY_FILE", "remove_leftover_temp_files"]

log = logging.getLogger(__name__)

# tempfile.mkstemp(prefix=".NAME.", suffix=".tmp"): eight characters from [a-z0-9_] in between.
TEMPORARY_FILE = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def remove_leftover_temp_files(folders: Iterable[Path | None]) -> list[Path]:
    """Delete leftover temporary files in the app's `folders`; returns those removed.

    Call it with the instance lock held, so that no save of another instance is in progress.
    """
    removed = []
    for folder in dict.fromkeys(folder for folder in folders if folder is not None):
        try:
            candidates = [child for child in folder.iterdir() if TEMPORARY_FILE.fullmatch(child.name)]
        except OSError:
            continue
        for candidate in candidates:
            try:
                if not stat.S_ISREG(candidate.lstat().st_mode):
                    continue
                candidate.unlink()
            except OSError as error:
                log.warning("cannot remove the leftover temporary file %s: %s", candidate, error)
                continue
            removed.append(candidate)
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted save", len(removed))
    return removed

"""The simulated account's state file: atomic JSON writes, and a corrupt file set aside, never lost."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path

from app.terminal.simulator.ledger import Ledger

log = logging.getLogger(__name__)


class StateFile:
    """Loads and saves one Ledger at `path`; with no path the account lives in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def load(self) -> Ledger | None:
        """The saved ledger, or None if there is none (or it was unreadable and has been set aside)."""
        if self.path is None or not self.path.exists():
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("top level is not an object")
            return Ledger.from_json(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            backup = self.set_aside("corrupt")
            log.warning(
                "Simulated account file %s could not be read (%s); it was renamed to %s and a fresh demo "
                "account was started. Inspect or delete the renamed file.",
                self.path,
                exc,
                backup,
            )
            return None

    def set_aside(self, why: str) -> Path:
        """Rename the current file to `<name>.<why>-<timestamp>` so a fresh one can take its place."""
        assert self.path is not None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = self.path.with_name(f"{self.path.name}.{why}-{stamp}")
        n = 1
        while backup.exists():
            backup = self.path.with_name(f"{self.path.name}.{why}-{stamp}-{n}")
            n += 1
        os.replace(self.path, backup)
        return backup

    def save(self, ledger: Ledger) -> None:
        """Write the ledger atomically: a temporary file in the same folder, then os.replace."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(ledger.to_json(), indent=1, allow_nan=False)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

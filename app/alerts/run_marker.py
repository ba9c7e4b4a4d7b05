"""The run marker: a small file in the data folder that says "a desk is running" until it stops cleanly.

Written at start, kept current (the open position count as it changes, the time every half minute) and
removed by a clean stop. Found at the next start, it means the last run ended some other way (crash,
kill, power cut), and it says when and with how many positions open.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MARKER_NAME = "running.json"


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What the marker says of a run: when it started and was last seen running, and what was open."""

    started_at: datetime
    last_seen: datetime
    open_positions: int | None = None
    login: int | None = None
    server: str = ""
    simulated: bool = False
    pid: int = 0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RunMarker:
    """Reads the previous run's marker and keeps this run's; never raises on a disk problem (logs it)."""

    def __init__(self, path: Path, now: Callable[[], datetime] = _utc_now) -> None:
        self.path = path
        self._now = now
        self._record: RunRecord | None = None
        self._failing = False

    def begin(self) -> RunRecord | None:
        """Start this run's marker; returns the previous run's record when it did not stop cleanly."""
        previous = self._read() if self.path.exists() else None
        moment = self._now()
        self._record = RunRecord(started_at=moment, last_seen=moment, pid=os.getpid())
        self._write()
        return previous

    def update(self, **changes: Any) -> None:
        """Change what this run's marker says (open_positions, login, server, simulated), if it differs."""
        if self._record is None:
            return
        changed = replace(self._record, **changes)
        if changed != self._record:
            self._record = replace(changed, last_seen=self._now())
            self._write()

    def touch(self) -> None:
        """Still running now."""
        if self._record is not None:
            self._record = replace(self._record, last_seen=self._now())
            self._write()

    def end(self) -> None:
        """A clean stop: remove the marker."""
        self._record = None
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            log.error("the run marker %s could not be removed (%s)", self.path, error)

    def _read(self) -> RunRecord:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return RunRecord(
                started_at=datetime.fromisoformat(data["started_at"]),
                last_seen=datetime.fromisoformat(data["last_seen"]),
                open_positions=_optional_int(data.get("open_positions")),
                login=_optional_int(data.get("login")),
                server=str(data.get("server", "")),
                simulated=data.get("simulated") is True,
                pid=_optional_int(data.get("pid")) or 0,
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            # A marker cut short by the crash itself still says the run did not end cleanly.
            log.warning("the run marker %s could not be read (%s)", self.path, error)
            try:
                when = datetime.fromtimestamp(self.path.stat().st_mtime, UTC)
            except OSError:
                when = self._now()
            return RunRecord(started_at=when, last_seen=when)

    def _write(self) -> None:
        if self._record is None:
            return
        data = {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in asdict(self._record).items()
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # mkstemp makes the file private (0600); replace makes the write all-or-nothing.
            descriptor, temporary = tempfile.mkstemp(prefix=".running.", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    json.dump(data, handle)
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as error:
            if not self._failing:
                log.error("the run marker %s could not be written (%s)", self.path, error)
            self._failing = True
            return
        self._failing = False


def _optional_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None

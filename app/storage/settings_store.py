"""settings.toml on disk: a load that never crashes (a corrupt file is kept aside), an atomic save, and the
one-time move of an older file's `[terminal]` section into the first of `[[accounts]]` (the file as it was
is kept beside it)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import tomli_w

from app.core.accounts import migrated_terminal_section
from app.core.settings import Settings, settings_from_dict, settings_to_dict
from app.storage.private_files import make_private_dir
from app.storage.toml_file import TomlProblem, read_toml


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    """The settings in effect, the problems found on the way, where a corrupt file was moved to, and notes
    for the trader that are no problem (the file was brought up to date, and where the old one is)."""

    settings: Settings
    problems: list[str] = field(default_factory=list)
    backup_path: Path | None = None
    notes: list[str] = field(default_factory=list)


def load_settings(path: Path, *, now: Callable[[], datetime] = datetime.now) -> LoadedSettings:
    """Read `path`; a missing file gives defaults, an unusable one (not TOML, too big, nested too deep) is
    renamed aside and defaults used, one that cannot be read is left alone and defaults used."""
    try:
        data = read_toml(path)
    except TomlProblem as problem:
        if problem.missing:
            return LoadedSettings(Settings())
        if problem.damaged:
            return _set_aside_corrupt(path, problem, now())
        return LoadedSettings(
            Settings(),
            [f"{path} {problem}; using default settings for this run. Fix or remove that file."],
        )
    notes: list[str] = []
    migrated = migrated_terminal_section(data)
    if migrated is not None:
        notes.append(_rewrite_with_accounts(path, migrated))
        data = migrated
    settings, problems = settings_from_dict(data)
    return LoadedSettings(settings, problems, notes=notes)


def _rewrite_with_accounts(path: Path, migrated: dict[str, object]) -> str:
    """Keep the older file beside it and write the moved one in its place; the note that says so."""
    # A copy first, then the atomic replace: whenever this stops, a complete settings file is in place.
    backup = _free_name(path, f"{path.name}.before-accounts")
    try:
        shutil.copy2(path, backup)
        _write_atomically(path, tomli_w.dumps(migrated))
    except (OSError, ValueError) as error:
        return (
            f"{path}: its [terminal] section is read as the first account ('main') of [[accounts]]; the file "
            f"could not be brought up to date ({error}), so this happens at every start"
        )
    return (
        f"{path}: the [terminal] section became the first account ('main') of [[accounts]], where more "
        f"accounts can now be added; the file as it was is kept as {backup}"
    )


def _set_aside_corrupt(path: Path, error: TomlProblem, moment: datetime) -> LoadedSettings:
    # Keep the trader's file rather than overwrite it on the next save: it may hold values worth copying back.
    backup = _free_backup_name(path, moment)
    try:
        path.replace(backup)
    except OSError as move_error:
        return LoadedSettings(
            Settings(),
            [
                f"{path} {error}; using default settings. It could not be moved aside "
                f"({move_error.strerror or move_error}): fix or delete it before changing settings."
            ],
        )
    return LoadedSettings(
        Settings(),
        [f"{path} {error}; using default settings. The old file was kept as {backup}"],
        backup_path=backup,
    )


def _free_backup_name(path: Path, moment: datetime) -> Path:
    return _free_name(path, f"{path.name}.corrupt-{moment:%Y%m%d-%H%M%S}")


def _free_name(path: Path, base: str) -> Path:
    candidate = path.with_name(base)
    counter = 1
    while candidate.exists():
        candidate = path.with_name(f"{base}-{counter}")
        counter += 1
    return candidate


def save_settings(path: Path, settings: Settings) -> None:
    """Write `settings` as TOML to `path` atomically: readers see the old file or the new one, never half."""
    make_private_dir(path.parent)
    _write_atomically(path, tomli_w.dumps(settings_to_dict(settings)))


def _write_atomically(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise

"""Where the files under resources/ are: the repository's folder, or the unpacked bundle when frozen."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    """The resources/ folder: inside PyInstaller's bundle (sys._MEIPASS) when frozen, else the repo's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """A path under resources/, e.g. resource_path("icons", "app.svg"); it may not exist (callers check)."""
    return resources_root().joinpath(*parts)

"""The icons made by resources/icons/make_icons.py from app.svg (PNG sizes, a multi-size ICO, an ICNS), and
finding resources/ in the repository or inside the frozen bundle."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from app.resources import resource_path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("size", [16, 24, 32, 48, 64, 128, 256, 512])
def test_each_png_size_is_there_at_its_size(size: int) -> None:
    assert png_size((ICONS / f"app-{size}.png").read_bytes()) == (size, size)


def test_the_ico_holds_every_windows_size_as_png_entries() -> None:
    data = (ICONS / "app.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        width, height, _colours, _reserved, planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 22 + 16 * index]
        )
        entry = data[offset : offset + length]
        assert png_size(entry) == (width or 256, height or 256)
        assert (planes, bits) == (1, 32)
        sizes.append(width or 256)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_the_icns_entries_add_up_and_hold_pngs_up_to_1024() -> None:
    data = (ICONS / "app.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    entries, position = {}, 8
    while position < len(data):
        kind, length = (
            data[position : position + 4],
            struct.unpack(">I", data[position + 4 : position + 8])[0],
        )
        entries[kind] = png_size(data[position + 8 : position + length])
        position += length
    assert position == len(data)
    assert entries[b"ic07"] == (128, 128) and entries[b"ic10"] == (1024, 1024)
    assert entries[b"icp4"] == (16, 16) and entries[b"ic14"] == (512, 512)


def test_the_svg_source_is_kept() -> None:
    assert (ICONS / "app.svg").read_text(encoding="utf-8").lstrip().startswith("<svg")


def test_resources_are_found_in_the_repository_when_not_frozen() -> None:
    assert resource_path("icons", "app.svg") == ICONS / "app.svg"


def test_resources_are_found_inside_the_bundle_when_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/opt/mt5desk/_internal", raising=False)
    assert resource_path("viewer") == Path("/opt/mt5desk/_internal/resources/viewer")

"""Render app.svg into the PNG sizes, the Windows .ico and the macOS .icns the builds and installers use.

Run from the repository: `.venv/bin/python resources/icons/make_icons.py`. Qt renders the PNGs (QtSvg
comes with PyQt6); ICO and ICNS are written by hand because both formats accept PNG entries as they are,
so no imaging library is needed. Commit the files it writes.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "app.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# The ICO directory stores width and height in one byte each (0 means 256), so 256 is its largest entry.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS entry types holding PNG data, and the pixel size each one expects (the "@2x" types included).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn into a transparent size x size square, as PNG bytes."""
    from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PyQt6.QtGui import QImage, QPainter
    from PyQt6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {svg} is not an SVG file Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
    finally:
        painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit(f"make_icons: Qt could not encode the {size}px PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows icon file with one PNG entry per size (PNG entries are valid since Windows Vista)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, entry count
    offset = len(header) + 16 * len(sizes)
    directory, payload = b"", b""
    for size in sizes:
        png = pngs[size]
        edge = 0 if size >= 256 else size
        # width, height, palette colours, reserved, colour planes, bits per pixel, data size, data offset
        directory += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(png), offset + len(payload))
        payload += png
    return header + directory + payload


def icns_bytes(entries: list[tuple[bytes, bytes]]) -> bytes:
    """A macOS icon file: 'icns' and the total length, then (type, length incl. 8-byte header, PNG)."""
    body = b"".join(kind + struct.pack(">I", len(png) + 8) + png for kind, png in entries)
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    sizes = sorted({*PNG_SIZES, *(size for _kind, size in ICNS_TYPES)})
    rendered = {size: render_png(SOURCE, size) for size in sizes}
    for size in PNG_SIZES:
        (HERE / f"app-{size}.png").write_bytes(rendered[size])
    (HERE / "app.ico").write_bytes(ico_bytes({size: rendered[size] for size in ICO_SIZES}))
    (HERE / "app.icns").write_bytes(icns_bytes([(kind, rendered[size]) for kind, size in ICNS_TYPES]))
    print(f"make_icons: wrote {len(PNG_SIZES)} PNGs, app.ico and app.icns in {HERE}")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

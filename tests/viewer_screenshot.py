"""The browser viewer's screenshot for the README (`python -m tests.viewer_screenshot`, offscreen Qt).

A demo desk on the simulator with a few positions (one with its stops) and an auto-trade in the feed,
served by the RemoteServer as `--serve` runs it, watched by Debian's headless Chromium at a laptop's size;
the picture is the page's own, taken over Chromium's DevTools protocol.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import qasync
from PyQt6.QtWidgets import QApplication

from app.core.enums import Backend, ConnectionState, Side
from app.core.events import AutoTradeExecuted
from app.core.target import TerminalTarget
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.terminal.simulator import ClockSpec
from tests.make_screenshots import OUT
from tests.one_account import MAIN
from tests.remote.test_browser_viewer import CHROMIUM, CHROMIUM_FLAGS, LIVE, TOKEN, Tab, remote_server

WIDTH, HEIGHT = 1280, 800


def start_chromium(profile: Path) -> tuple[subprocess.Popen[bytes], int]:
    browser = subprocess.Popen(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    active_port = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 20
    while not active_port.exists() or not active_port.read_text().strip():
        if browser.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"chromium did not start (exit code {browser.poll()})")
        time.sleep(0.05)
    return browser, int(active_port.read_text().split()[0])


async def shoot(desk: Desk, devtools_port: int) -> None:
    server = remote_server(desk, port=0)
    _, port = await server.start()
    desk.start()
    try:
        while desk.state.of(MAIN).status.state is not ConnectionState.CONNECTED:
            await asyncio.sleep(0.05)
        sim = desk.simulator
        sim.open_external("EURUSD", "buy", 0.5, sl=1.08, tp=1.095)
        sim.open_external("XAUUSD", "sell", 0.1)
        sim.open_external("USDJPY", "buy", 1.3)
        sim.open_external("BTCUSD", "buy", 0.05)
        async with Tab.opened(devtools_port, f"http://127.0.0.1:{port}/?token={TOKEN}") as tab:
            await tab.call(
                "Emulation.setDeviceMetricsOverride",
                width=WIDTH,
                height=HEIGHT,
                deviceScaleFactor=1,
                mobile=False,
            )
            await tab.wait_for(LIVE)
            await tab.wait_for("document.querySelectorAll('#positions-body tr').length === 4")
            desk.hub.publish(
                AutoTradeExecuted(
                    "m1", "Trend EURUSD M1", "3f2a9c1b7e", Side.BUY, "EURUSD", 0.72, 1.08512, 1.08312,
                    1.08912, 0.1, digits=5,
                )
            )  # fmt: skip
            await tab.wait_for("document.querySelector('#feed li') !== null")
            await asyncio.sleep(1.5)  # a few P&L ticks
            shot = await tab.call("Page.captureScreenshot", format="png")
            (OUT / "browser_viewer.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        await server.stop()
        desk.stop()


def main() -> int:
    if not CHROMIUM.exists():
        print(f"needs Debian's chromium at {CHROMIUM}", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        browser, devtools_port = start_chromium(home / "profile")
        try:
            desk = Desk(
                DeskConfig(
                    target=TerminalTarget(Backend.SIM, sim_state_file=str(home / "sim.json")),
                    database_file=home / "journal.sqlite3",
                    intervals=Intervals(0.5, 1.0, 1.0, 2.0),
                    sim_clock=ClockSpec(),
                )
            )
            loop = qasync.QEventLoop(app)
            asyncio.set_event_loop(loop)
            with loop:
                loop.run_until_complete(asyncio.wait_for(shoot(desk, devtools_port), 60))
        finally:
            browser.kill()
            browser.wait()
            shutil.rmtree(home / "profile", ignore_errors=True)
    print(f"screenshot written to {OUT / 'browser_viewer.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

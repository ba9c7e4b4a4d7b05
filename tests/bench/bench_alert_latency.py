"""Benchmark: order latency with alert channels that are down, hanging or working, as a ratio to the same
orders with no alerts configured, measured in the same run.

A real Desk (terminal host process, engine threads, hub, journal) and AlertService on the simulator. Each
order is refused by the terminal (forced retcode 10019), so each one raises a TRADE_ERROR and a
trade-error alert: the heaviest alert traffic an order can cause. The latency is from `submit` in the
main thread to the TRADE_ERROR arriving back there, which is what the trader waits for. Scenarios run in
interleaved rounds so a busy machine slows them alike. Run
`python -m tests.bench.bench_alert_latency [--short]`; nothing fails on time here, the figures are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import keyring
from PyQt6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, pyqtSlot

from app.alerts.channel_secrets import ChannelSecrets
from app.alerts.service import AlertService
from app.core.enums import Backend, OrderAction, Side
from app.core.events import Event, TradeError
from app.core.models import OrderRequest
from app.core.settings import AlertChannel, AlertSettings
from app.core.target import TerminalTarget
from app.engine.commands import TradeCommand
from app.engine.desk import Desk, DeskConfig
from app.engine.hub import EventHub
from app.engine.intervals import Intervals
from app.engine.sim_controls import SimulatorControls
from app.terminal.simulator import ClockSpec
from tests.alerts.inbox import Inbox, refused_url
from tests.one_account import MAIN
from tests.ui.settings.test_settings_dialog import MemoryKeyring

SCENARIOS = ("no alerts", "channel down (refused)", "channel hanging", "channel working")
START = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AlertRun:
    rounds: int = 4
    orders: int = 60


FULL = AlertRun()
SHORT = AlertRun(rounds=2, orders=25)


@dataclass
class AlertFigures:
    """Latencies in milliseconds per scenario, all rounds together."""

    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in SCENARIOS})
    alerts_sent: dict[str, int] = field(default_factory=dict)

    def median(self, scenario: str) -> float:
        return statistics.median(self.latencies_ms[scenario])

    def p95(self, scenario: str) -> float:
        values = sorted(self.latencies_ms[scenario])
        return values[int(0.95 * (len(values) - 1))]

    def ratio(self, scenario: str) -> float:
        """Median latency against the no-alerts baseline of the same run."""
        return self.median(scenario) / self.median(SCENARIOS[0])

    def lines(self) -> list[str]:
        rows = [f"{'scenario':26} {'median ms':>10} {'p95 ms':>8} {'ratio':>6}  orders"]
        for name in SCENARIOS:
            rows.append(
                f"{name:26} {self.median(name):10.2f} {self.p95(name):8.2f} {self.ratio(name):6.2f}  "
                f"{len(self.latencies_ms[name])}"
            )
        return rows


class _Arrivals(QObject):
    """Counts TRADE_ERRORs in the main thread and ends the wait loop on each."""

    def __init__(self, hub: EventHub) -> None:
        super().__init__()
        self.count = 0
        self.arrived_at = 0.0
        self.loop: QEventLoop | None = None
        hub.stream.connect(self.on_event)

    @pyqtSlot(object)
    def on_event(self, event: Event) -> None:
        if isinstance(event, TradeError):
            self.count += 1
            self.arrived_at = time.perf_counter()
            if self.loop is not None:
                self.loop.quit()


@contextmanager
def _desk(folder: Path, url: str | None) -> Iterator[tuple[SimulatorControls, Desk, _Arrivals]]:
    desk = Desk(
        DeskConfig(
            target=TerminalTarget(Backend.SIM),  # the simulated account in memory
            database_file=folder / f"journal-{time.monotonic_ns()}.sqlite3",
            intervals=Intervals(pnl_s=1.0, positions_s=3.0, account_s=5.0, heartbeat_s=30.0),
            sim_clock=ClockSpec.manual(START),
        )
    )
    arrivals = _Arrivals(desk.hub)
    service: AlertService | None = None
    if url is not None:
        secrets = ChannelSecrets()
        secrets.put("phone1", url)
        service = AlertService(desk.hub, AlertSettings(channels=(AlertChannel("phone1", "Phone"),)), secrets)
        service.start()
    desk.start()
    try:
        _wait(lambda: desk.state.of(MAIN).status.state.value == "connected", 30.0)
        sim = desk.simulator
        assert sim is not None
        yield sim, desk, arrivals
    finally:
        desk.stop(10)
        if service is not None:
            service.stop()


def _wait(condition: object, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError("the benchmark's desk did not get ready")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def _orders(sim: SimulatorControls, desk: Desk, arrivals: _Arrivals, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        sim.force_next_retcode(10019)
        expected = arrivals.count + 1
        loop = QEventLoop()
        arrivals.loop = loop
        QTimer.singleShot(10_000, loop.quit)
        started = time.perf_counter()
        desk.submit(
            TradeCommand.manual(OrderRequest(OrderAction.OPEN, "EURUSD", Side.BUY, volume=0.01), MAIN)
        )
        if arrivals.count < expected:
            loop.exec()
        if arrivals.count < expected:
            raise RuntimeError("an order's TRADE_ERROR did not come back within 10 s")
        latencies.append((arrivals.arrived_at - started) * 1000)
        time.sleep(0.01)  # a trader's pace, not a tight loop: the channel threads get their turn
    return latencies


def measure(run: AlertRun) -> AlertFigures:
    """Every scenario, `run.rounds` times interleaved, `run.orders` orders each."""
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    assert app is not None
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    inbox, hanging = Inbox(), Inbox()
    hanging.mode = "hang"
    urls = {
        SCENARIOS[0]: None,
        SCENARIOS[1]: refused_url(),
        SCENARIOS[2]: hanging.json_url(),
        SCENARIOS[3]: inbox.json_url(),
    }
    figures = AlertFigures()
    try:
        with tempfile.TemporaryDirectory() as folder:
            for _round in range(run.rounds):
                for name in SCENARIOS:
                    with _desk(Path(folder), urls[name]) as (sim, desk, arrivals):
                        figures.latencies_ms[name] += _orders(sim, desk, arrivals, run.orders)
        figures.alerts_sent[SCENARIOS[3]] = len(inbox.received)
    finally:
        inbox.close()
        hanging.close()
        keyring.set_keyring(previous)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="fewer rounds and orders (about 20 s)")
    args = parser.parse_args()
    figures = measure(SHORT if args.short else FULL)
    print("\n".join(figures.lines()))
    print(f"messages the working channel received: {figures.alerts_sent.get(SCENARIOS[3], 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

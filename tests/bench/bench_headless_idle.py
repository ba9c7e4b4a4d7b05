"""Benchmark: CPU of an idle headless demo (`python -m app --headless --terminal sim`) over 60 s.

A real subprocess on a fresh MT5DESK_HOME (a demo account with no positions), measured from the moment it
reports CONNECTED, against an idle `python -c "import time; time.sleep(...)"` measured the same way over
the same window. CPU comes from /proc/<pid>/stat (utime + stime, all threads), or psutil elsewhere; the
demo's figure includes its terminal host process (its child).
Run `python -m tests.bench.bench_headless_idle [--short]`; target: under 2 % of one core. Nothing here
fails on time: the figures are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TARGET_PERCENT = 2.0
CONNECT_TIMEOUT_S = 30.0
DEMO_COMMAND = (sys.executable, "-m", "app", "--headless", "--terminal", "sim")


@dataclass(frozen=True, slots=True)
class IdleRun:
    """How long to let the demo settle after connecting, and how long to measure."""

    settle_s: float = 3.0
    measure_s: float = 60.0


FULL = IdleRun()
SHORT = IdleRun(settle_s=2.0, measure_s=15.0)


@dataclass(frozen=True, slots=True)
class IdleFigures:
    """CPU seconds of each process over the same window, and what the demo wrote meanwhile."""

    window_s: float
    demo_cpu_s: float
    baseline_cpu_s: float
    events: int
    startup_s: float

    @property
    def demo_percent(self) -> float:
        return 100 * self.demo_cpu_s / self.window_s

    @property
    def baseline_percent(self) -> float:
        return 100 * self.baseline_cpu_s / self.window_s

    @property
    def net_percent(self) -> float:
        """The demo's CPU above what a sleeping Python process costs, as a percentage of one core."""
        return self.demo_percent - self.baseline_percent


def process_cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU seconds of a process (or one of its threads) so far."""
    stat = Path(f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat")
    if stat.exists():
        # The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if thread is not None:
        raise RuntimeError("per-thread CPU needs Linux /proc")
    try:
        import psutil
    except ImportError as error:
        raise RuntimeError("process CPU needs Linux /proc or the psutil package") from error
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (Linux /proc; none elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended while listed
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def family_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its children (the desk and its terminal host)."""
    total = process_cpu_seconds(pid)
    for child in children(pid):
        try:
            total += process_cpu_seconds(child)
        except (OSError, IndexError, ValueError):
            continue
    return total


def _demo_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["MT5DESK_HOME"] = str(home)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _connected(events_file: Path) -> bool:
    if not events_file.exists():
        return False
    for line in events_file.read_text(encoding="utf-8").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue  # a line still being written
        if message.get("type") == "STATUS_UPDATE" and message.get("state") == "connected":
            return True
    return False


def _event_count(events_file: Path) -> int:
    return len(events_file.read_text(encoding="utf-8").splitlines()) if events_file.exists() else 0


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure(run: IdleRun = FULL) -> IdleFigures:
    """Start the demo and the sleeping baseline, wait for CONNECTED, then measure both over one window."""
    with tempfile.TemporaryDirectory(prefix="mt5desk-bench-headless-") as folder:
        home = Path(folder)
        events_file = home / "events.jsonl"
        sleep_s = run.settle_s + run.measure_s + CONNECT_TIMEOUT_S + 10
        with open(home / "demo.log", "wb") as log:
            started = time.monotonic()
            demo = subprocess.Popen(
                [*DEMO_COMMAND, "--events-jsonl", str(events_file)],
                stdout=log,
                stderr=log,
                env=_demo_env(home),
            )
            baseline = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({sleep_s:.0f})"])
            try:
                while not _connected(events_file):
                    if demo.poll() is not None:
                        raise RuntimeError(
                            f"the headless demo exited with {demo.returncode}: "
                            + (home / "demo.log").read_text(errors="replace")[-2000:]
                        )
                    if time.monotonic() - started > CONNECT_TIMEOUT_S:
                        raise RuntimeError(f"the headless demo did not connect within {CONNECT_TIMEOUT_S} s")
                    time.sleep(0.1)
                startup_s = time.monotonic() - started
                time.sleep(run.settle_s)
                events_before = _event_count(events_file)
                wall0 = time.monotonic()
                demo0, base0 = family_cpu_seconds(demo.pid), process_cpu_seconds(baseline.pid)
                time.sleep(run.measure_s)
                demo1, base1 = family_cpu_seconds(demo.pid), process_cpu_seconds(baseline.pid)
                window = time.monotonic() - wall0
                if demo.poll() is not None:
                    raise RuntimeError(f"the headless demo exited with {demo.returncode} while measured")
                events = _event_count(events_file) - events_before
            finally:
                _stop(demo)
                _stop(baseline)
    return IdleFigures(window, demo1 - demo0, base1 - base0, events, startup_s)


def report(figures: IdleFigures) -> str:
    """The printed table."""
    return "\n".join(
        [
            f"Idle headless demo (--terminal sim, no positions), {figures.window_s:.0f} s window "
            f"(connected after {figures.startup_s:.1f} s)",
            f"  headless demo + its terminal host  {figures.demo_percent:6.2f} % of one core "
            f"({figures.demo_cpu_s:.2f} s CPU, {figures.events} events written)",
            f"  baseline: python sleeping          {figures.baseline_percent:6.2f} %",
            f"  net (demo - baseline)              {figures.net_percent:6.2f} %   "
            f"target < {TARGET_PERCENT:g} %  -> {figures.net_percent / TARGET_PERCENT:.2f} of the target",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--short", action="store_true", help="a 15 s window instead of 60 s")
    args = parser.parse_args(argv)
    print(report(measure(SHORT if args.short else FULL)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

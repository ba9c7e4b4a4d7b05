"""pytest-benchmark: the CPU benchmarks of the engine and the window, each once in its short mode.

Skipped by the normal run (`--benchmark-skip` in the project's addopts); run with
`pytest tests/bench/test_bench_engine_cpu.py -o addopts="" -p no:randomly`. Each run takes 15-50 s. The
figures land in the benchmark's `extra_info` (saved with `--benchmark-save`); nothing asserts on time.
The full-length figures come from `python -m tests.bench.bench_worker_cpu`, `bench_headless_idle` and
`bench_gui_thread`.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtWidgets import QApplication

from tests.bench import bench_gui_thread, bench_headless_idle, bench_worker_cpu


def test_worker_cpu_with_1000_positions_at_default_intervals(benchmark: Any, qapp: QApplication) -> None:
    benchmark.group = "engine CPU"
    figures = benchmark.pedantic(bench_worker_cpu.measure, args=(bench_worker_cpu.SHORT,), rounds=1)
    print("\n" + bench_worker_cpu.report(figures))
    benchmark.extra_info.update(
        net_percent=figures.net_percent,
        simulator_percent=figures.simulator_percent,
        target_percent=bench_worker_cpu.TARGET_PERCENT,
    )

    assert figures.events.get("PNL_UPDATE", 0) >= 1, "the worker published no P&L while prices moved"


def test_idle_headless_demo_cpu(benchmark: Any) -> None:
    benchmark.group = "engine CPU"
    run = bench_headless_idle.SHORT
    figures = benchmark.pedantic(bench_headless_idle.measure, args=(run,), rounds=1)
    print("\n" + bench_headless_idle.report(figures))
    benchmark.extra_info.update(
        net_percent=figures.net_percent, target_percent=bench_headless_idle.TARGET_PERCENT
    )

    # An idle demo has nothing new to say between heartbeats (one every 30 s).
    assert figures.events <= run.measure_s // 30 + 1, f"{figures.events} events while idle"


def test_gui_thread_time_at_1000_positions_with_1hz_pnl(benchmark: Any, qapp: QApplication) -> None:
    benchmark.group = "engine CPU"
    figures = benchmark.pedantic(bench_gui_thread.measure, args=(bench_gui_thread.SHORT,), rounds=1)
    print("\n" + bench_gui_thread.report(figures))
    benchmark.extra_info.update(
        net_percent=figures.net_percent, target_percent=bench_gui_thread.TARGET_PERCENT
    )

    assert figures.pnl_updates >= 1, "no P&L update reached the window"

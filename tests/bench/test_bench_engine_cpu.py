"""pytest-benchmark: the CPU benchmarks of the engine and the window, each once in its short mode.

Skipped by the normal run (`--benchmark-skip` in the project's addopts); run with
`pytest tests/bench/test_bench_engine_cpu.py -o addopts="" -p no:randomly`. Each run takes 15-50 s. The
figures land in the benchmark's `extra_info` (saved with `--benchmark-save`); nothing asserts on time.
The full-length figures come from `python -m tests.bench.bench_host_cpu`, `bench_headless_idle`,
`bench_gui_thread`, `bench_gui_stall` and `bench_row_latency`.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtWidgets import QApplication

from tests.bench import (
    bench_gui_stall,
    bench_gui_thread,
    bench_headless_idle,
    bench_host_cpu,
    bench_row_latency,
)


def test_host_and_desk_cpu_with_1000_positions_against_the_in_thread_design(
    benchmark: Any, qapp: QApplication
) -> None:
    benchmark.group = "engine CPU"
    figures = benchmark.pedantic(bench_host_cpu.measure, args=(bench_host_cpu.SHORT,), rounds=1)
    print("\n" + bench_host_cpu.report(figures))
    benchmark.extra_info.update(
        host_percent=figures.process.percent,
        thread_percent=figures.thread.percent,
        ratio=figures.ratio,
        target_ratio=bench_host_cpu.TARGET_RATIO,
    )

    assert figures.process.events.get("PNL_UPDATE", 0) >= 1, "the host published no P&L while prices moved"


def test_gui_thread_stall_with_a_terminal_blocking_2_s_per_call(benchmark: Any, qapp: QApplication) -> None:
    benchmark.group = "terminal host"
    figures = benchmark.pedantic(bench_gui_stall.measure, args=(bench_gui_stall.SHORT,), rounds=1)
    print("\n" + bench_gui_stall.report(figures))
    benchmark.extra_info.update(
        host_ms=figures.process_ms, thread_ms=figures.thread_ms, target_ms=bench_gui_stall.TARGET_MS
    )

    assert figures.thread_ms > 1000, "the in-thread design did not stall: the simulator is kinder than MT5"


def test_position_opened_at_the_terminal_to_row_in_the_table(benchmark: Any, qapp: QApplication) -> None:
    benchmark.group = "terminal host"
    figures = benchmark.pedantic(bench_row_latency.measure, args=(bench_row_latency.SHORT,), rounds=1)
    print("\n" + bench_row_latency.report(figures))
    benchmark.extra_info.update(
        host_p95_s=figures.process.p95,
        thread_p95_s=figures.thread.p95,
        target_s=bench_row_latency.TARGET_P95_S,
    )


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

"""pytest-benchmark: five accounts of 200 positions against one of 1,000, once in its short mode.

Skipped by the normal run (`--benchmark-skip` in the project's addopts); run with
`pytest tests/bench/test_bench_accounts.py -o addopts="" -p no:randomly` (about 60 s). The figures land in
the benchmark's `extra_info`; nothing asserts on time. Full length: `python -m tests.bench.bench_accounts`.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtWidgets import QApplication

from tests.bench import bench_accounts


def test_five_accounts_of_200_positions_against_one_of_1000(benchmark: Any, qapp: QApplication) -> None:
    benchmark.group = "accounts"
    figures = benchmark.pedantic(bench_accounts.measure, args=(bench_accounts.SHORT,), rounds=1)
    print("\n" + bench_accounts.report(figures))
    benchmark.extra_info.update(
        one_gui_percent=figures.one.gui_percent,
        five_gui_percent=figures.five.gui_percent,
        one_total_percent=figures.one.total_percent,
        five_total_percent=figures.five.total_percent,
        gui_ratio=figures.gui_ratio,
        total_ratio=figures.total_ratio,
    )

    assert figures.one.gui_s > 0 and figures.five.gui_s > 0, "the GUI thread did nothing: nothing was shown"

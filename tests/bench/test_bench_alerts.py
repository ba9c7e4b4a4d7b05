"""Order latency with alert channels down, hanging or working, as ratios to no alerts (full run:
`pytest tests/bench/test_bench_alerts.py -o addopts="" -p no:randomly`; skipped in the normal suite).

`python -m tests.bench.bench_alert_latency` prints the same figures; nothing asserts on time.
"""

from __future__ import annotations

from typing import Any

from tests.bench import bench_alert_latency
from tests.bench.bench_alert_latency import SCENARIOS


def test_bench_order_latency_with_alert_channels_down_hanging_and_working(benchmark: Any, qapp: Any) -> None:
    benchmark.group = "alerts"
    figures = benchmark.pedantic(bench_alert_latency.measure, args=(bench_alert_latency.FULL,), rounds=1)
    print("\n" + "\n".join(figures.lines()))
    benchmark.extra_info.update({name: round(figures.ratio(name), 3) for name in SCENARIOS})
    run = bench_alert_latency.FULL
    assert all(len(figures.latencies_ms[name]) == run.rounds * run.orders for name in SCENARIOS)
    # Every order raised an alert; the working channel got them collapsed, a message per few seconds.
    assert 1 <= figures.alerts_sent[SCENARIOS[3]] < run.rounds * run.orders

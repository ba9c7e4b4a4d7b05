"""The Trade tab's benchmark run small in the suite: only ratios against VeighNa's way, measured in the same
run and asserted generously (a loaded machine is noisy). `python -m tests.bench.bench_trade_tab` gives the
figures at 10,000 positions.
"""

from __future__ import annotations

import pytest
from PyQt6.QtWidgets import QApplication

from tests.bench.bench_trade_tab import Figures, measure, report


@pytest.fixture(scope="module")
def figures(qapp: QApplication) -> Figures:
    measured = measure(qapp, rows=2_000, load_rows=1_000, steps=5)
    print("\n".join(report(measured)))
    return measured


def test_ten_changed_rows_cost_about_what_veighnas_settext_costs(figures: Figures) -> None:
    # Target: no costlier; allowed 3x here for a shared, noisy machine.
    assert figures.ten_rows <= 3 * figures.ten_rows_veighna, report(figures)


def test_a_tick_moving_every_row_sorted_by_profit_costs_less_than_veighnas_unsorted_settext(
    figures: Figures,
) -> None:
    assert figures.sorted_update <= figures.every_row_veighna, report(figures)


def test_the_first_load_costs_less_than_veighnas_row_by_row_insert(figures: Figures) -> None:
    assert figures.load <= figures.load_veighna, report(figures)

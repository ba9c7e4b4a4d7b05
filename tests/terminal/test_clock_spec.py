"""ClockSpec: a simulator clock as plain data, rebuilt as the same clock in a terminal host process."""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime

import pytest

from app.terminal.simulator import ClockSpec, ManualClock, WallClock

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def test_a_manual_spec_builds_a_manual_clock_at_its_start() -> None:
    clock = ClockSpec.manual(WEDNESDAY).build()
    assert isinstance(clock, ManualClock) and clock.now() == WEDNESDAY.timestamp()


def test_a_spec_behind_wall_time_runs_that_far_behind() -> None:
    now = ClockSpec.behind(86_400).build().now()
    assert time.time() - now == pytest.approx(86_400, abs=5)


def test_the_default_spec_is_the_wall_clock() -> None:
    assert isinstance(ClockSpec().build(), WallClock)


def test_a_spec_crosses_to_another_process_where_a_clock_could_not() -> None:
    spec = ClockSpec.manual(WEDNESDAY)
    assert pickle.loads(pickle.dumps(spec)) == spec


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        ClockSpec.manual(datetime(2026, 11, 18, 10, 0))

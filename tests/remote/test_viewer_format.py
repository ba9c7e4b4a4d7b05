"""The browser viewer writes figures exactly as the desk does: format.js against app/core/number_format.py
on the same numbers, and the page's cells and feed against the desk's own texts, in headless Chromium."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from app.core.enums import Side
from app.core.event_text import describe
from app.core.events import AutoTradeExecuted, encode
from app.core.number_format import format_money, format_pips, format_price, format_volume, trimmed
from app.ui.widgets.columns import COLUMN_INDEX, POSITION_COLUMNS, PositionRow
from tests.remote.conftest import position, run
from tests.remote.test_browser_viewer import (
    LIVE,
    ROW,
    Tab,
    devtools_port,
    pytestmark,
    scripted_page,
    snapshot_of,
)

__all__ = ["devtools_port", "pytestmark"]  # the module-scoped Chromium and the skip when it is missing

AT = datetime(2026, 11, 18, 10, tzinfo=UTC)
EDGES = [
    0.0,
    -0.0,
    0.125,
    -0.125,
    0.005,
    1.005,
    2.675,
    -2.675,
    0.5,
    1.5,
    2.5,
    1e-9,
    -1e-9,
    999.995,
    1234567.891,
]


def numbers(seed: int, count: int) -> list[float]:
    """Edge cases (exact halves, values just below a half, tiny, huge) and random figures of each size."""
    rng = random.Random(seed)
    drawn = [round(rng.uniform(-1e6, 1e6), rng.randint(0, 9)) for _ in range(count)]
    drawn += [rng.uniform(-5, 5) for _ in range(count)]
    return EDGES + drawn


def python_side(values: list[float]) -> dict[str, list[str]]:
    return {
        "price2": [format_price(v, 2) for v in values],
        "price5": [format_price(v, 5) for v in values],
        "price0": [format_price(v, 0) for v in values],
        "trimmed": [trimmed(v) for v in values],
        "volume": [format_volume(abs(v)) for v in values],
        "money": [format_money(v, "USD") for v in values],
        "pnl": [format_money(v, signed=True) for v in values],
        "yen": [format_money(v, digits=0) for v in values],
        "pips": [format_pips(v) for v in values],
    }


JS_SIDE = """
import('./format.js').then((f) => {
  const values = %s;
  return JSON.stringify({
    price2: values.map((v) => f.price(v, 2)),
    price5: values.map((v) => f.price(v, 5)),
    price0: values.map((v) => f.price(v, 0)),
    trimmed: values.map((v) => f.trimmed(v)),
    volume: values.map((v) => f.volume(Math.abs(v))),
    money: values.map((v) => f.money(v, 2, "USD")),
    pnl: values.map((v) => f.pnl(v, 2)),
    yen: values.map((v) => f.money(v, 0)),
    pips: values.map((v) => f.pips(v)),
  });
})
"""


async def js_evaluate(tab: Tab, expression: str) -> Any:
    answer = await tab.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
    if "exceptionDetails" in answer:
        raise RuntimeError(answer["exceptionDetails"])
    return answer["result"]["value"]


def test_format_js_writes_every_quantity_exactly_as_the_desk(devtools_port: int) -> None:
    values = numbers(13, 400)
    expected = python_side(values)

    async def scenario() -> dict[str, list[str]]:
        async with scripted_page(devtools_port) as (tab, _connection):
            shown: dict[str, list[str]] = json.loads(await js_evaluate(tab, JS_SIDE % json.dumps(values)))
            return shown

    shown = run(scenario(), timeout=30)
    for quantity, texts in expected.items():
        differ = [
            (v, want, got) for v, want, got in zip(values, texts, shown[quantity], strict=True) if want != got
        ]
        assert differ == [], f"{quantity}: (value, desk, browser) {differ[:5]}"


CELLS = {"Volume": "volume", "Open": "price_open", "Current": "price_current", "S/L": "sl", "T/P": "tp"}


def test_a_positions_cells_and_an_auto_trade_read_the_same_in_the_browser_as_on_the_desk(
    devtools_port: int,
) -> None:
    held = replace(
        position(501, volume=1.3, sl=151.0), symbol="USDJPY", price_open=151.2, price_current=151.25, digits=3
    )
    auto = AutoTradeExecuted(
        "m1",
        "Trend M1",
        "ab12",
        Side.BUY,
        "BTCUSD",
        0.72,
        57451.9,
        None,
        58000.0,
        1.0,
        digits=2,
        timestamp=AT,
    )

    async def scenario() -> tuple[list[str], list[str], str]:
        async with scripted_page(devtools_port) as (tab, connection):
            await connection.send(encode(snapshot_of(held), seq=2))
            await connection.send(encode(auto, seq=3))
            await tab.wait_for(LIVE)
            row = ROW.format(ticket=501)
            cells = await tab.wait_for(f"{row} && [...{row}.cells].map(c => c.textContent)")
            labels = await tab.evaluate(
                "[...document.querySelectorAll('#positions-head th')].map(t => t.textContent)"
            )
            feed = await tab.wait_for(
                "document.querySelector('#feed li') && document.querySelector('#feed li').innerText"
            )
            return cells, labels, feed

    cells, labels, feed = run(scenario(), timeout=30)
    for label, key in CELLS.items():
        assert cells[labels.index(label)] == POSITION_COLUMNS[COLUMN_INDEX[key]].text(PositionRow(held)), (
            label
        )
    assert cells[labels.index("Volume")] == "1.30" and cells[labels.index("T/P")] == "—"
    described = describe(auto)
    assert described is not None
    assert described.title in feed and described.text in feed
    assert "BUY 1.00 BTCUSD" in feed and "57451.90" in feed

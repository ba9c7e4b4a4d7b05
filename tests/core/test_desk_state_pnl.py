"""DeskState after a P&L tick: equity, floating profit, free margin and margin level move together, as the
desk's account panel shows them, so a viewer that connects between two account reads sees the same figures."""

from __future__ import annotations

from dataclasses import replace

from app.core.events import AccountUpdate, PnlUpdate
from app.core.models import Account
from app.core.state import DeskState

READ = Account(
    login=1, name="Trader", server="Demo", company="Broker", currency="USD", leverage=100,
    balance=10_000.0, equity=10_000.0, margin=500.0, margin_free=9_500.0, margin_level=2_000.0, profit=0.0,
)  # fmt: skip


def test_a_pnl_tick_moves_free_margin_and_margin_level_with_equity() -> None:
    state = DeskState()
    state.apply(AccountUpdate(account=READ))

    state.apply(PnlUpdate(pnl={}, floating_total=-250.0, equity=9_750.0))

    account = state.of("").account
    assert account is not None
    assert (account.equity, account.profit) == (9_750.0, -250.0)
    assert (account.margin, account.margin_free, account.margin_level) == (500.0, 9_250.0, 1_950.0)


def test_without_margin_in_use_the_margin_level_is_zero_as_mt5_reports_it() -> None:
    flat = replace(READ, margin=0.0, margin_level=0.0)

    moved = flat.moved(9_000.0, -1_000.0)

    assert (moved.margin_free, moved.margin_level) == (9_000.0, 0.0)

"""Hypothesis strategies for the domain: models, events, and pairs of position maps one poll apart.

Numbers are realistic by default; pass `number=WIRE_FLOATS` to exercise every float the wire must carry
(infinities, huge and tiny values, negative zero).
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any

from hypothesis import strategies as st

from app.core.enums import AccountTradeMode, ConnectionState, MarginMode, NoticeLevel, Side
from app.core.events import (
    AccountsUpdate,
    AccountUpdate,
    AutoTradeExecuted,
    ErrorMessage,
    Event,
    Hello,
    ModelsUpdate,
    Notice,
    Ping,
    PnlUpdate,
    PositionsUpdate,
    Resync,
    Snapshot,
    StatusUpdate,
    TradeError,
)
from app.core.models import Account, AccountView, DeskAccount, ModelSummary, Position, TerminalStatus

Floats = st.SearchStrategy[float]

WIRE_FLOATS: Floats = st.floats(allow_nan=False)
MONEY: Floats = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
PRICES: Floats = st.floats(min_value=1e-5, max_value=1e6, allow_nan=False)
VOLUMES: Floats = st.floats(min_value=0.01, max_value=1000.0, allow_nan=False)
DIGITS: st.SearchStrategy[int | None] = st.none() | st.integers(min_value=0, max_value=8)

tickets = st.integers(min_value=1, max_value=2**63 - 1)
texts = st.text(max_size=24)
symbols = st.sampled_from(["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30.cash", "BTCUSD"])


@cache
def utc_datetimes() -> st.SearchStrategy[datetime]:
    """Aware UTC datetimes with microseconds, between 1971 and 2100."""
    return st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )


@cache
def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Aware datetimes in fixed offsets other than UTC (the codec must convert them)."""
    offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
    return st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=offsets)


@cache
def positions(
    ticket: st.SearchStrategy[int] = tickets, number: Floats = MONEY
) -> st.SearchStrategy[Position]:
    """Any open position."""
    price = PRICES if number is MONEY else number
    return st.builds(
        Position,
        ticket=ticket,
        symbol=symbols,
        side=st.sampled_from(Side),
        volume=VOLUMES if number is MONEY else number,
        price_open=price,
        price_current=price,
        sl=st.none() | price,
        tp=st.none() | price,
        swap=number,
        profit=number,
        time=utc_datetimes(),
        magic=st.integers(min_value=0, max_value=2**63 - 1),
        comment=texts,
        identifier=st.integers(min_value=0, max_value=2**63 - 1),
        time_update=st.none() | utc_datetimes(),
        digits=DIGITS,
    )


@cache
def position_maps(max_size: int = 12, number: Floats = MONEY) -> st.SearchStrategy[dict[int, Position]]:
    """ticket -> Position, each keyed by its own ticket."""
    return st.lists(positions(number=number), max_size=max_size, unique_by=lambda p: p.ticket).map(
        lambda items: {p.ticket: p for p in items}
    )


@cache
def accounts(number: Floats = MONEY) -> st.SearchStrategy[Account]:
    """Any trading account."""
    return st.builds(
        Account,
        login=st.integers(min_value=1, max_value=2**63 - 1),
        name=texts,
        server=texts,
        company=texts,
        currency=st.sampled_from(["USD", "EUR", "JPY", "GBP"]),
        leverage=st.integers(min_value=1, max_value=3000),
        balance=number,
        equity=number,
        margin=number,
        margin_free=number,
        margin_level=number,
        profit=number,
        credit=number,
        trade_mode=st.sampled_from(AccountTradeMode),
        margin_mode=st.sampled_from(MarginMode),
        trade_allowed=st.booleans(),
        trade_expert=st.booleans(),
        currency_digits=st.integers(min_value=0, max_value=8),
    )


@cache
def terminal_statuses(number: Floats = MONEY) -> st.SearchStrategy[TerminalStatus]:
    """Any heartbeat result."""
    return st.builds(
        TerminalStatus,
        state=st.sampled_from(ConnectionState),
        mt5_connected=st.booleans(),
        account_number=st.none() | st.integers(min_value=1, max_value=2**63 - 1),
        account_balance=st.none() | number,
        positions_count=st.none() | st.integers(min_value=0, max_value=100_000),
        ping_ms=st.none() | number,
        trade_allowed=st.booleans(),
        last_heartbeat=st.none() | utc_datetimes(),
        server=texts,
        build=st.none() | st.integers(min_value=0, max_value=99_999),
        path=texts,
        simulated=st.booleans(),
        message=texts,
    )


@cache
def model_summaries(number: Floats = MONEY) -> st.SearchStrategy[ModelSummary]:
    """Any model as the desk lists it."""
    return st.builds(
        ModelSummary,
        model_id=texts,
        name=texts,
        symbol=symbols,
        timeframe=st.sampled_from(["M1", "M5", "M15", "H1", "D1"]),
        enabled=st.booleans(),
        open_positions=st.integers(min_value=0, max_value=1000),
        today_profit=number,
        algorithm=st.sampled_from(["", "logreg", "forest", "hgb"]),
        lot_size=st.floats(min_value=0, max_value=100, allow_nan=False),
        last_signal=st.none() | st.sampled_from(Side),
        last_confidence=st.none() | st.floats(min_value=0, max_value=1),
        last_signal_at=st.none() | utc_datetimes(),
        status=texts,
        account_id=account_ids,
    )


@cache
def hellos() -> st.SearchStrategy[Hello]:
    return st.builds(
        Hello,
        protocol_version=st.integers(0, 10),
        server_version=texts,
        read_only=st.booleans(),
        timestamp=utc_datetimes(),
    )


account_ids = st.sampled_from(["", "main", "ftmo-1", "demo-eur"])


@cache
def account_views(number: Floats = MONEY) -> st.SearchStrategy[AccountView]:
    """One account's part of a snapshot."""
    return st.builds(
        AccountView,
        account_id=account_ids,
        name=texts,
        account=st.none() | accounts(number),
        positions=position_maps(number=number).map(lambda m: tuple(m.values())),
        status=terminal_statuses(number),
        enabled=st.booleans(),
    )


@cache
def snapshots(number: Floats = MONEY) -> st.SearchStrategy[Snapshot]:
    """A whole desk: up to three accounts (distinct ids, tickets that may repeat across them)."""
    return st.builds(
        Snapshot,
        accounts=st.lists(account_views(number), max_size=3, unique_by=lambda v: v.account_id).map(tuple),
        models=st.lists(model_summaries(number), max_size=4).map(tuple),
        timestamp=utc_datetimes(),
    )


@cache
def accounts_updates() -> st.SearchStrategy[AccountsUpdate]:
    entries = st.builds(DeskAccount, account_id=account_ids, name=texts, enabled=st.booleans())
    return st.builds(
        AccountsUpdate,
        accounts=st.lists(entries, max_size=4, unique_by=lambda a: a.account_id).map(tuple),
        timestamp=utc_datetimes(),
    )


@cache
@st.composite
def positions_updates(draw: st.DrawFn, number: Floats = MONEY) -> PositionsUpdate:
    """A consistent update: one record per added and modified ticket, removed tickets distinct."""
    records = tuple(draw(position_maps(number=number)).values())
    split = draw(st.integers(min_value=0, max_value=len(records)))
    taken = {p.ticket for p in records}
    removed = draw(st.lists(tickets.filter(lambda t: t not in taken), max_size=4, unique=True))
    return PositionsUpdate(
        positions=records,
        added=tuple(p.ticket for p in records[:split]),
        removed=tuple(removed),
        modified=tuple(p.ticket for p in records[split:]),
        timestamp=draw(utc_datetimes()),
        account_id=draw(account_ids),
    )


@cache
def pnl_updates(number: Floats = MONEY) -> st.SearchStrategy[PnlUpdate]:
    return st.builds(
        PnlUpdate,
        pnl=st.dictionaries(tickets, st.tuples(number, number), max_size=8),
        floating_total=number,
        equity=number,
        timestamp=utc_datetimes(),
        account_id=account_ids,
    )


@cache
def auto_trades(number: Floats = MONEY) -> st.SearchStrategy[AutoTradeExecuted]:
    return st.builds(
        AutoTradeExecuted,
        model_id=texts,
        model_name=texts,
        trade_id=texts,
        direction=st.sampled_from(Side),
        symbol=symbols,
        confidence=st.floats(min_value=0.0, max_value=1.0) if number is MONEY else number,
        entry_price=number,
        stop_loss=st.none() | number,
        take_profit=st.none() | number,
        lot_size=number,
        digits=DIGITS,
        timestamp=utc_datetimes(),
    )


@cache
def trade_errors() -> st.SearchStrategy[TradeError]:
    return st.builds(
        TradeError,
        trade_id=texts,
        symbol=symbols,
        order_type=st.sampled_from(["BUY", "SELL", "close", "modify"]),
        error=texts,
        code=st.none() | st.integers(min_value=-(2**31), max_value=2**31),
        timestamp=utc_datetimes(),
    )


@cache
def events(number: Floats = MONEY) -> st.SearchStrategy[Event]:
    """Any event of any type."""
    return st.one_of(
        hellos(),
        snapshots(number),
        positions_updates(number),
        pnl_updates(number),
        st.builds(AccountUpdate, account=accounts(number), timestamp=utc_datetimes(), account_id=account_ids),
        st.builds(
            StatusUpdate, status=terminal_statuses(number), timestamp=utc_datetimes(), account_id=account_ids
        ),
        accounts_updates(),
        auto_trades(number),
        trade_errors(),
        st.builds(
            Notice, level=st.sampled_from(NoticeLevel), title=texts, text=texts, timestamp=utc_datetimes()
        ),
        st.builds(
            ModelsUpdate,
            models=st.lists(model_summaries(number), max_size=3).map(tuple),
            auto_trading=st.booleans(),
            timestamp=utc_datetimes(),
        ),
        st.builds(Ping, timestamp=utc_datetimes()),
        st.builds(Resync, timestamp=utc_datetimes()),
        st.builds(ErrorMessage, code=texts, text=texts, timestamp=utc_datetimes()),
    )


# Replacement values for every Position field but the ticket, drawn one field at a time (cheap).
_FIELD_VALUES: dict[str, st.SearchStrategy[object]] = {
    "symbol": symbols,
    "side": st.sampled_from(Side),
    "volume": VOLUMES,
    "price_open": PRICES,
    "price_current": PRICES,
    "sl": st.none() | PRICES,
    "tp": st.none() | PRICES,
    "swap": MONEY,
    "profit": MONEY,
    "time": utc_datetimes(),
    "magic": st.integers(min_value=0, max_value=2**63 - 1),
    "comment": texts,
    "identifier": st.integers(min_value=0, max_value=2**63 - 1),
    "time_update": st.none() | utc_datetimes(),
    "digits": DIGITS,
}
if set(_FIELD_VALUES) != {f.name for f in fields(Position)} - {"ticket"}:
    raise RuntimeError("tests/strategies.py: _FIELD_VALUES must list every Position field but ticket")
_NON_PNL_FIELDS = tuple(name for name in _FIELD_VALUES if name not in {"price_current", "profit"})


def changed_position(draw: st.DrawFn, old: Position) -> Position:
    """`old` as the next poll might return it: same object, an equal copy, moved P&L and/or edited fields."""
    kind = draw(st.sampled_from(["same", "copy", "pnl", "fields", "both"]))
    if kind == "same":
        return old
    changes: dict[str, Any] = {}
    if kind in ("pnl", "both"):
        changes.update(price_current=draw(PRICES), profit=draw(MONEY))
    if kind in ("fields", "both"):
        for name in draw(st.lists(st.sampled_from(_NON_PNL_FIELDS), min_size=1, max_size=4, unique=True)):
            changes[name] = draw(_FIELD_VALUES[name])
    return replace(old, **changes)  # "copy" with no changes still builds a distinct object


@st.composite
def position_map_pairs(draw: st.DrawFn, max_size: int = 8) -> tuple[dict[int, Position], dict[int, Position]]:
    """Two polls of the open positions: some kept, some closed, some changed, some newly opened."""
    previous = draw(position_maps(max_size=max_size))
    current = {}
    for ticket, old in previous.items():
        if draw(st.booleans()) and draw(st.booleans()):
            continue  # closed
        current[ticket] = changed_position(draw, old)
    for opened in draw(st.lists(positions(), max_size=4, unique_by=lambda p: p.ticket)):
        if opened.ticket not in previous:
            current[opened.ticket] = opened
    return previous, current

"""RemoteTerminal: the Terminal's reads, asked of the terminal host and waited for in the calling thread.

For the auto-trader's own thread only (never the GUI thread): each call is one query across the pipe,
answered between the host's loops. A host that does not answer in time, or dies first, raises the same
kind of TerminalError a lost link raises in-process, so the caller's handling stays the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import numpy as np

from app.core.enums import Timeframe
from app.core.models import Account, Position, SymbolSpec, Tick
from app.engine.host.messages import Answer, QueryFailed
from app.engine.host.queries import (
    AccountQuery,
    PositionsQuery,
    Query,
    RatesQuery,
    SpecQuery,
    TerminalInfoQuery,
    TickQuery,
)
from app.engine.supervisor import HostSupervisor, next_request_id
from app.terminal.adapter import TerminalInfoView
from app.terminal.convert import bad_record
from app.terminal.errors import TerminalError

T = TypeVar("T")


class RemoteTerminal:
    """Blocking reads through a HostSupervisor; `timeout_s` bounds each one."""

    def __init__(self, host: HostSupervisor, timeout_s: float) -> None:
        self._host = host
        self._timeout_s = timeout_s

    def positions(self) -> Mapping[int, Position]:
        return self._ask(PositionsQuery(next_request_id()), dict)

    def account(self) -> Account:
        return self._ask(AccountQuery(next_request_id()), Account)

    def terminal_info(self) -> TerminalInfoView:
        return self._ask(TerminalInfoQuery(next_request_id()), TerminalInfoView)

    def tick(self, symbol: str) -> Tick:
        return self._ask(TickQuery(next_request_id(), symbol), Tick)

    def symbol(self, name: str) -> SymbolSpec:
        return self._ask(SpecQuery(next_request_id(), name), SymbolSpec)

    def rates(self, symbol: str, timeframe: Timeframe, count: int, start_pos: int = 0) -> np.ndarray:
        return self._ask(RatesQuery(next_request_id(), symbol, timeframe, count, start_pos), np.ndarray)

    def _ask(self, query: Query, kind: type[T]) -> T:
        answer: Answer = self._host.ask(query, self._timeout_s)
        if isinstance(answer, QueryFailed):
            raise TerminalError(answer.code, answer.message, answer.hint, retryable=answer.retryable)
        try:
            result = answer.result()
        except ValueError as error:
            raise bad_record("answer", str(error)) from None
        if not isinstance(result, kind):
            raise bad_record("answer", f"to {type(query).__name__} is a {type(result).__name__}")
        return result

"""Connection, login and the terminal/account records of the simulated terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.terminal.simulator import constants as c
from app.terminal.simulator.api_base import TerminalState, api_call
from app.terminal.simulator.arguments import check_keyword
from app.terminal.simulator.errors import AUTH_FAILED, IPC_TIMEOUT, ApiError, invalid_argument
from app.terminal.simulator.housekeeping import MARGIN_CALL_LEVEL, STOP_OUT_LEVEL
from app.terminal.simulator.records import AccountInfo, TerminalInfo, make

BUILD = 5430
BUILD_DATE = "14 Nov 2025"
COMPANY = "MT5 Desk Simulator"
ACCOUNT_NAME = "MT5 Desk Demo"
LIMIT_ORDERS = 200
BASE_PING_US = 28_417  # a plausible round trip to a nearby trade server, in microseconds


class SessionApi(TerminalState):
    """initialize, login, shutdown, version, last_error, terminal_info, account_info."""

    @api_call(False, needs_connection=False, latency=False)
    def initialize(
        self,
        path: str | None = None,
        *,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout: int = 60000,
        portable: bool = False,
    ) -> bool:
        """Connect to the terminal, optionally logging in to an account; closes any previous link."""
        self._connected = False
        check_keyword("path", path, str)
        _check_login(login)
        check_keyword("password", password, str)
        check_keyword("server", server, str)
        if isinstance(timeout, bool) or not isinstance(timeout, int):
            raise ApiError(invalid_argument("timeout"))
        if not self._terminal_up:
            raise ApiError(IPC_TIMEOUT)
        if not self._conditions.before_connect(max(timeout, 0) / 1000.0):
            raise ApiError(IPC_TIMEOUT)
        self._authorize(login, password, server)
        self._connected = True
        return True

    @api_call(False, offline=False)
    def login(
        self, login: int, password: str | None = None, server: str | None = None, timeout: int = 60000
    ) -> bool:
        """Log in to an account on the connected terminal."""
        _check_login(login)
        check_keyword("password", password, str)
        check_keyword("server", server, str)
        check_keyword("timeout", timeout, int)
        self._authorize(login, password, server)
        return True

    def _authorize(self, login: int | None, password: str | None, server: str | None) -> None:
        # The simulated terminal knows one account; None means "the one it is logged in to / saved".
        if login is not None and login != self._login:
            raise ApiError(AUTH_FAILED)
        if password is not None and password != self._password:
            raise ApiError(AUTH_FAILED)
        if server is not None and server != self._server:
            raise ApiError(AUTH_FAILED)

    @api_call(True, needs_connection=False, latency=False)
    def shutdown(self) -> bool:
        """Close the link to the terminal; always True."""
        self._connected = False
        return True

    @api_call()
    def version(self) -> tuple[int, int, str]:
        """(500, build, 'DD Mon YYYY') of the terminal."""
        return (500, BUILD, BUILD_DATE)

    def last_error(self) -> tuple[int, str]:
        """(code, description) of the last call; reading it does not reset it."""
        return self._last_error.get()

    @api_call()
    def terminal_info(self) -> Any:
        """TerminalInfo: connection, Algo Trading button, ping, paths."""
        here = str(Path(__file__).resolve().parent)
        data = str(self._state_path.parent.resolve()) if self._state_path is not None else here
        return make(
            TerminalInfo,
            community_account=False,
            community_connection=False,
            connected=True,
            dlls_allowed=False,
            trade_allowed=self._algo_trading,
            tradeapi_disabled=not self._api_trading,
            email_enabled=False,
            ftp_enabled=False,
            notifications_enabled=False,
            mqid=False,
            build=BUILD,
            maxbars=100_000,
            codepage=0,
            ping_last=BASE_PING_US + int(self._conditions.latency * 1_000_000),
            community_balance=0.0,
            retransmission=0.0,
            company=COMPANY,
            name="MetaTrader 5",
            language="English",
            path=here,
            data_path=data,
            commondata_path=data,
        )

    @api_call()
    def account_info(self) -> Any:
        """AccountInfo with balance, equity, margin, free margin and margin level as of now."""
        figures = self._broker.figures(self.clock.now())
        return make(
            AccountInfo,
            login=self._login,
            trade_mode=c.ACCOUNT_TRADE_MODE_DEMO,
            leverage=self._accounting.leverage,
            limit_orders=LIMIT_ORDERS,
            margin_so_mode=c.ACCOUNT_STOPOUT_MODE_PERCENT,
            trade_allowed=True,
            trade_expert=True,
            margin_mode=self._broker.margin_mode,
            currency_digits=self._accounting.digits,
            fifo_close=False,
            balance=figures.balance,
            credit=0.0,
            profit=figures.profit,
            equity=figures.equity,
            margin=figures.margin,
            margin_free=figures.margin_free,
            margin_level=figures.margin_level,
            margin_so_call=MARGIN_CALL_LEVEL,
            margin_so_so=STOP_OUT_LEVEL,
            margin_initial=0.0,
            margin_maintenance=0.0,
            assets=0.0,
            liabilities=0.0,
            commission_blocked=0.0,
            name=ACCOUNT_NAME,
            server=self._server,
            currency=self._accounting.currency,
            company=COMPANY,
        )


def _check_login(login: Any) -> None:
    if login is not None and (isinstance(login, bool) or not isinstance(login, int)):
        raise ApiError(invalid_argument("login"))

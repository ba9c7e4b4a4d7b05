"""BridgeApi: a MetaTrader5-shaped object that reaches MetaTrader 5 under Wine through mt5linux's server.

It speaks rpyc to the same rpyc classic server every mt5linux version runs under Wine (mt5server.exe,
`python -m mt5linux`, or rpyc's own `rpyc_classic`), instead of importing the mt5linux client: 1.1.x does not
import on Python 3.11 and insists on a container runtime, 1.0.x returns every record as a remote reference
(a round trip per field read), and both copy answers through pickle, which the module's records refuse.

- `initialize()` opens a fresh connection every time (a server that restarted is reached again) and
  `shutdown()` closes it; nothing is reused across a reconnect.
- Every connect and call is bounded by the target's timeout; a call that runs out closes the connection.
- One call is one round trip: the helper in `bridge_wire.SERVER_SOURCE` returns the answer and its
  `last_error()` together, and `last_error()` here reads that copy.
- A lost or missing server is a TerminalError that names the bridge and says what to do.
- Nothing is printed: rpyc logs nothing unless given a logger.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.terminal import bridge_wire
from app.terminal.errors import CODE_BAD_RECORD, CODE_NO_CONNECTION, CODE_NOT_INSTALLED, TerminalError

if TYPE_CHECKING:
    from rpyc.core.protocol import Connection

log = logging.getLogger(__name__)

CODE_SEND_FAILED = -10001  # RES_E_INTERNAL_FAIL_SEND: nothing reached the terminal
CODE_RECEIVE_FAILED = -10002  # RES_E_INTERNAL_FAIL_RECEIVE: sent, answer lost (outcome unknown)
CODE_TIMEOUT = -10005  # RES_E_INTERNAL_FAIL_TIMEOUT
INITIALIZE_GRACE_S = 2.0  # initialize() may itself wait its whole timeout inside the terminal
INSTALL_HINT = "Install the bridge's client: pip install -e '.[bridge]' (or pip install 'rpyc>=6,<7')"
SERVER_HINT = (
    "Start the bridge server under Wine next to MetaTrader 5 (wine mt5server.exe, or "
    "wine python.exe -m mt5linux --host 127.0.0.1 -p 18812), and check the bridge host and port in "
    "Settings → Accounts"
)


class BridgeFailure(TerminalError):
    """A TerminalError of the bridge itself; `stage` says how far the bridge got (for `doctor`)."""

    def __init__(
        self, stage: str, code: int, message: str, hint: str, detail: str = "", retryable: bool = True
    ) -> None:
        super().__init__(code, message, hint, detail, retryable)
        self.stage = stage


# Stages, in the order a connection goes through them.
STAGE_CLIENT = "client"  # rpyc is not installed here
STAGE_REACH = "reach"  # nothing accepts a TCP connection at host:port
STAGE_HANDSHAKE = "handshake"  # something answers, but not an rpyc classic server
STAGE_MODULE = "module"  # the server's Python has no MetaTrader5 module
STAGE_CALL = "call"  # a call failed or ran out of time on an established connection


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """Who answered at the bridge's address."""

    python: str
    rpyc: str
    metatrader5: str


class CountingStream:
    """Counts the messages this side sends, so one call can be shown to cost one round trip."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.writes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def write(self, data: bytes) -> None:
        self.writes += 1
        self._stream.write(data)


class BridgeApi:
    """The MetaTrader5 module's functions and constants, called in the Python under Wine over rpyc."""

    def __init__(self, host: str, port: int, timeout_ms: int = 10_000) -> None:
        self.host = host
        self.port = int(port)
        self.timeout_s = max(0.1, timeout_ms / 1000)
        self.server: ServerInfo | None = None
        self._connection: Connection | None = None
        self._stream: CountingStream | None = None
        self._call: Any = None
        self._constants: dict[str, int] = {}
        self._last_error: tuple[int, str] = (CODE_NO_CONNECTION, "No IPC connection")
        self._sent_before = 0

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def messages_sent(self) -> int:
        """Messages sent to the server over every connection so far (one per round trip)."""
        return self._sent_before + (self._stream.writes if self._stream is not None else 0)

    def __getattr__(self, name: str) -> Any:
        # Only the module's constants (TIMEFRAME_H1, ORDER_TYPE_BUY...) live here; read at connect.
        if name.isupper():
            try:
                return self._constants[name]
            except KeyError:
                pass
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    # -- the connection ---------------------------------------------------------------------------------

    def connect(self) -> ServerInfo:
        """Open a fresh connection and install the helper; raises BridgeFailure saying how far it got."""
        self.close()
        rpyc = _import_rpyc()
        from rpyc.core.service import ClassicClient  # exposes nothing to the server
        from rpyc.core.stream import SocketStream

        try:
            raw = SocketStream(
                SocketStream._connect(self.host, self.port, timeout=self.timeout_s, attempts=1)
            )
        except (OSError, socket.gaierror) as exc:
            raise self._unreachable(exc) from exc
        stream = CountingStream(raw)
        config = {"sync_request_timeout": self.timeout_s, "allow_pickle": False}
        try:
            connection = rpyc.connect_stream(stream, ClassicClient, config)
        except TimeoutError as exc:
            raw.close()
            raise BridgeFailure(
                STAGE_HANDSHAKE,
                CODE_TIMEOUT,
                f"{self.address} accepted the connection but did not answer within {self.timeout_s:g} s",
                "Check that this is the bridge server's port; if it is, the server under Wine is hung: "
                "restart it",
                repr(exc),
            ) from exc
        except ValueError as exc:
            raw.close()
            if "message type" not in str(exc):
                raise self._not_the_bridge(exc) from exc
            # A well-framed rpyc message this rpyc does not know: an rpyc of another major version.
            raise BridgeFailure(
                STAGE_HANDSHAKE,
                CODE_NO_CONNECTION,
                f"The bridge server at {self.address} runs another rpyc version than MT5 Desk (6.x)",
                'Update it in Wine\'s Python: wine python.exe -m pip install "rpyc>=6,<7", then restart the '
                "server (mt5server.exe of mt5linux 1.x already has rpyc 6)",
                repr(exc),
            ) from exc
        except Exception as exc:  # whatever speaks at that port, it is not an rpyc server
            raw.close()
            raise self._not_the_bridge(exc) from exc
        self._connection, self._stream = connection, stream
        try:
            connection.execute(bridge_wire.SERVER_SOURCE)
            hello = connection.eval(f"{bridge_wire.HELPER_HELLO}()")
            self._call = connection.eval(bridge_wire.HELPER_CALL)
            python, rpyc_version, mt5_version, import_error, constants = hello
        except (OSError, EOFError) as exc:
            self.close()
            raise self._lost("connect", exc, sent=False) from exc
        except Exception as exc:
            self.close()
            raise BridgeFailure(
                STAGE_HANDSHAKE,
                CODE_NO_CONNECTION,
                f"The server at {self.address} refused to run MT5 Desk's helper",
                "Run mt5linux's own server (an rpyc classic server); a restricted rpyc service cannot work",
                repr(exc),
            ) from exc
        if import_error:
            self.close()
            raise BridgeFailure(
                STAGE_MODULE,
                CODE_NO_CONNECTION,
                f"The bridge server at {self.address} runs, but its Python has no working MetaTrader5 module",
                "Install it in Wine's Python: wine python.exe -m pip install MetaTrader5, then restart the "
                "bridge server",
                import_error,
            )
        self._constants = bridge_wire.constants_of(constants)
        self.server = ServerInfo(str(python), str(rpyc_version), str(mt5_version))
        log.info("bridge at %s: Python %s, rpyc %s, MetaTrader5 %s", self.address, *self._server_fields())
        return self.server

    def close(self) -> None:
        """Close the connection, if any; never raises."""
        connection, self._connection, self._call = self._connection, None, None
        if self._stream is not None:
            self._sent_before += self._stream.writes
            self._stream = None
        if connection is not None:
            with contextlib.suppress(Exception):  # a connection whose server is gone is closed enough
                connection.close()

    # -- the MetaTrader5 functions ---------------------------------------------------------------------

    def initialize(self, *args: Any, **kwargs: Any) -> Any:
        """Connect afresh, then initialize() in the server, bounded by its own timeout plus a grace."""
        self.connect()
        assert self._connection is not None
        module_timeout_s = float(kwargs.get("timeout", 60_000)) / 1000
        self._connection._config["sync_request_timeout"] = max(self.timeout_s, module_timeout_s) + (
            INITIALIZE_GRACE_S
        )
        try:
            result = self._invoke("initialize", args, kwargs)
        finally:
            if self._connection is not None:
                self._connection._config["sync_request_timeout"] = self.timeout_s
        if not result:
            self.close()  # as the module: a failed initialize() leaves no connection (last_error() stays)
        return result

    def shutdown(self) -> bool:
        """shutdown() in the server, then close the connection."""
        try:
            if self._connection is not None:
                self._invoke("shutdown", (), {})
        except TerminalError as exc:
            log.info("bridge shutdown: %s", exc)
        finally:
            self.close()
        self._last_error = (CODE_NO_CONNECTION, "No IPC connection")
        return True

    def last_error(self) -> tuple[int, str]:
        """The last_error() the server read right after the last call (no round trip)."""
        return self._last_error

    def _server_fields(self) -> tuple[str, str, str]:
        info = self.server
        return (info.python, info.rpyc, info.metatrader5) if info else ("?", "?", "?")

    def _invoke(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        call = self._call
        if call is None:
            self._last_error = (CODE_NO_CONNECTION, "No IPC connection")
            raise BridgeFailure(
                STAGE_CALL,
                CODE_NO_CONNECTION,
                f"MT5 Desk is not connected to the mt5linux bridge at {self.address}",
                "Reconnect; if it fails, start the bridge server under Wine next to MetaTrader 5",
                f"{name} while disconnected",
            )
        try:
            answer, error = call(name, bridge_wire.encode(args), bridge_wire.encode_kwargs(kwargs))
        except TimeoutError as exc:  # rpyc's AsyncResultTimeout is TimeoutError, an OSError: first
            self.close()
            raise BridgeFailure(
                STAGE_CALL,
                CODE_TIMEOUT,
                f"The mt5linux bridge at {self.address} did not answer {name} within {self.timeout_s:g} s",
                "MetaTrader 5 or the bridge server under Wine is busy or hung; MT5 Desk reconnects by itself",
                repr(exc),
            ) from exc
        except (OSError, EOFError) as exc:
            self.close()
            raise self._lost(name, exc, sent=True) from exc
        except Exception as exc:  # the server raised outside the helper's own guard (rpyc re-raises it)
            raise BridgeFailure(
                STAGE_CALL,
                CODE_BAD_RECORD,
                f"The mt5linux bridge server failed running {name}",
                "Restart the bridge server under Wine; if it persists, update MetaTrader5 in Wine's Python",
                repr(exc)[:500],
                retryable=False,
            ) from exc
        try:
            self._last_error = (int(error[0]), str(error[1]))
            return bridge_wire.decode(answer)
        except (bridge_wire.WireError, TypeError, ValueError, IndexError) as exc:
            raise BridgeFailure(
                STAGE_CALL,
                CODE_BAD_RECORD,
                f"The mt5linux bridge sent an answer to {name} MT5 Desk cannot read",
                "Update the bridge server (mt5linux) and MetaTrader5 in Wine's Python",
                repr(exc),
                retryable=False,
            ) from exc

    def _unreachable(self, exc: BaseException) -> BridgeFailure:
        if isinstance(exc, ConnectionRefusedError):
            message = f"No mt5linux bridge server is listening at {self.address}"
        elif isinstance(exc, TimeoutError):
            message = f"{self.address} did not accept a connection within {self.timeout_s:g} s"
        elif isinstance(exc, socket.gaierror):
            message = f"The bridge host {self.host!r} is not a known host name"
        else:
            message = f"The mt5linux bridge at {self.address} cannot be reached"
        return BridgeFailure(STAGE_REACH, CODE_NO_CONNECTION, message, SERVER_HINT, repr(exc))

    def _not_the_bridge(self, exc: BaseException) -> BridgeFailure:
        return BridgeFailure(
            STAGE_HANDSHAKE,
            CODE_NO_CONNECTION,
            f"Something answers at {self.address}, but not the mt5linux bridge server",
            "Check the bridge port in Settings → Accounts: another program uses it",
            repr(exc),
        )

    def _lost(self, name: str, exc: BaseException, *, sent: bool) -> BridgeFailure:
        # Once the request may have left, an order may have been placed: say "receive failed", which the
        # trading service treats as "outcome unknown" (reconciled after reconnecting, never re-sent).
        return BridgeFailure(
            STAGE_CALL,
            CODE_RECEIVE_FAILED if sent else CODE_SEND_FAILED,
            f"The connection to the mt5linux bridge at {self.address} was lost",
            "MT5 Desk reconnects by itself once the bridge server under Wine runs again",
            f"{name}: {exc!r}",
        )

    def __repr__(self) -> str:
        state = "connected" if self._call is not None else "not connected"
        return f"<BridgeApi {self.address} {state}>"


def _make_function(name: str) -> Any:
    def function(self: BridgeApi, *args: Any, **kwargs: Any) -> Any:
        return self._invoke(name, args, kwargs)

    function.__name__ = name
    function.__doc__ = f"MetaTrader5.{name}, called in the bridge server."
    return function


# The module's functions (everything but initialize, shutdown and last_error, which are above).
MODULE_FUNCTIONS = (
    "login",
    "version",
    "account_info",
    "terminal_info",
    "symbols_total",
    "symbols_get",
    "symbol_info",
    "symbol_info_tick",
    "symbol_select",
    "market_book_add",
    "market_book_get",
    "market_book_release",
    "copy_rates_from",
    "copy_rates_from_pos",
    "copy_rates_range",
    "copy_ticks_from",
    "copy_ticks_range",
    "orders_total",
    "orders_get",
    "order_calc_margin",
    "order_calc_profit",
    "order_check",
    "order_send",
    "positions_total",
    "positions_get",
    "history_orders_total",
    "history_orders_get",
    "history_deals_total",
    "history_deals_get",
)
for _name in MODULE_FUNCTIONS:
    setattr(BridgeApi, _name, _make_function(_name))
del _name


def _import_rpyc() -> Any:
    try:
        import rpyc
    except ImportError as exc:
        raise BridgeFailure(
            STAGE_CLIENT,
            CODE_NOT_INSTALLED,
            "The bridge's client library (rpyc) is not installed",
            INSTALL_HINT,
            repr(exc),
            retryable=False,
        ) from exc
    return rpyc

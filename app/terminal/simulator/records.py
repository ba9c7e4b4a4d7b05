"""Record types shaped like the MetaTrader5 module's struct sequences (TradePosition, SymbolInfo, ...).

The C module builds them with PyStructSequence: tuples with read-only named fields, a `Name(f=v, ...)`
repr, `_asdict()`, and none of namedtuple's `_fields`/`_replace`/`_make`. Its types are named without a
module, so `pickle` cannot find their class and refuses them (multiprocessing queues, rpyc's `obtain`);
these types claim the same module-less name. Code that leans on namedtuple extras or on pickling records
works here only if it would also work against the real terminal, which is the point.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import Any


class _StructSequence(tuple[Any, ...]):
    """Base of every record: a tuple whose items are also read-only attributes."""

    __slots__ = ()
    _names: tuple[str, ...] = ()
    n_fields = 0
    n_sequence_fields = 0
    n_unnamed_fields = 0

    def __new__(cls, sequence: Iterable[Any], dict: Any = None) -> Any:
        items = tuple(sequence)
        if len(items) != len(cls._names):
            raise TypeError(
                f"{cls.__name__}() takes a {len(cls._names)}-sequence ({len(items)}-sequence given)"
            )
        return super().__new__(cls, items)

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={value!r}" for name, value in zip(self._names, self, strict=True))
        return f"{type(self).__name__}({body})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (tuple(self),))

    def _asdict(self) -> dict[str, Any]:
        """Convert named tuple object to dictionary"""
        return dict(zip(self._names, self, strict=True))


def _record_type(name: str, fields: str, doc: str) -> type[Any]:
    names = tuple(fields.split())
    namespace: dict[str, Any] = {
        "__slots__": (),
        "__doc__": doc,
        # Like PyStructSequence types named without a dot: pickle looks for them in builtins and fails.
        "__module__": "builtins",
        "__match_args__": names,
        "_names": names,
        "n_fields": len(names),
        "n_sequence_fields": len(names),
        "n_unnamed_fields": 0,
    }
    for index, field in enumerate(names):
        namespace[field] = property(itemgetter(index))
    return type(name, (_StructSequence,), namespace)


def make(record_type: type[Any], **values: Any) -> Any:
    """Build a record from keyword values; every field must be given, none may be unknown."""
    names = record_type._names
    missing = [name for name in names if name not in values]
    unknown = [key for key in values if key not in names]
    if missing or unknown:
        raise TypeError(f"{record_type.__name__}: missing {missing}, unknown {unknown}")
    return record_type(values[name] for name in names)


def field_names(record_type: type[Any]) -> tuple[str, ...]:
    """The field names of a record type, in order (the real module offers no such attribute)."""
    names: tuple[str, ...] = record_type._names
    return names


TradePosition = _record_type(
    "TradePosition",
    "ticket time time_msc time_update time_update_msc type magic identifier reason volume price_open sl tp "
    "price_current swap profit symbol comment external_id",
    "Trade position structure",
)
TradeOrder = _record_type(
    "TradeOrder",
    "ticket time_setup time_setup_msc time_done time_done_msc time_expiration type type_time type_filling "
    "state magic position_id position_by_id reason volume_initial volume_current price_open sl tp "
    "price_current price_stoplimit symbol comment external_id",
    "Trade order structure",
)
TradeDeal = _record_type(
    "TradeDeal",
    "ticket order time time_msc type entry magic position_id reason volume price commission swap profit fee "
    "symbol comment external_id",
    "Trade deal structure",
)
TradeRequest = _record_type(
    "TradeRequest",
    "action magic order symbol volume price stoplimit sl tp deviation type type_filling type_time expiration "
    "comment position position_by",
    "Trade request structure",
)
OrderSendResult = _record_type(
    "OrderSendResult",
    "retcode deal order volume price bid ask comment request_id retcode_external request",
    "order_send result structure",
)
OrderCheckResult = _record_type(
    "OrderCheckResult",
    "retcode balance equity profit margin margin_free margin_level comment request",
    "order_check result structure",
)
Tick = _record_type(
    "Tick",
    "time bid ask last volume time_msc flags volume_real",
    "This is a structure for storing latest symbol prices",
)
AccountInfo = _record_type(
    "AccountInfo",
    "login trade_mode leverage limit_orders margin_so_mode trade_allowed trade_expert margin_mode "
    "currency_digits fifo_close balance credit profit equity margin margin_free margin_level margin_so_call "
    "margin_so_so margin_initial margin_maintenance assets liabilities commission_blocked name server "
    "currency company",
    "This is a structure for storing account information",
)
TerminalInfo = _record_type(
    "TerminalInfo",
    "community_account community_connection connected dlls_allowed trade_allowed tradeapi_disabled "
    "email_enabled ftp_enabled notifications_enabled mqid build maxbars codepage ping_last community_balance "
    "retransmission company name language path data_path commondata_path",
    "This is a structure for storing terminal information",
)
SymbolInfo = _record_type(
    "SymbolInfo",
    "custom chart_mode select visible session_deals session_buy_orders session_sell_orders volume volumehigh "
    "volumelow time digits spread spread_float ticks_bookdepth trade_calc_mode trade_mode start_time "
    "expiration_time trade_stops_level trade_freeze_level trade_exemode swap_mode swap_rollover3days "
    "margin_hedged_use_leg expiration_mode filling_mode order_mode order_gtc_mode option_mode option_right "
    "bid bidhigh bidlow ask askhigh asklow last lasthigh lastlow volume_real volumehigh_real volumelow_real "
    "option_strike point trade_tick_value trade_tick_value_profit trade_tick_value_loss trade_tick_size "
    "trade_contract_size trade_accrued_interest trade_face_value trade_liquidity_rate volume_min volume_max "
    "volume_step volume_limit swap_long swap_short margin_initial margin_maintenance session_volume "
    "session_turnover session_interest session_buy_orders_volume session_sell_orders_volume session_open "
    "session_close session_aw session_price_settlement session_price_limit_min session_price_limit_max "
    "margin_hedged price_change price_volatility price_theoretical price_greeks_delta price_greeks_theta "
    "price_greeks_gamma price_greeks_vega price_greeks_rho price_greeks_omega price_sensitivity basis "
    "category currency_base currency_profit currency_margin bank description exchange formula isin name "
    "page path",
    "This is a structure for storing symbol information",
)
BookInfo = _record_type(
    "BookInfo",
    "type price volume volume_dbl",
    "This is a structure for storing Depth of Market information",
)

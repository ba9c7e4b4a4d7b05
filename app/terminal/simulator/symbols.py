"""The simulated broker's symbol list: contract specifications and price-path parameters."""

from __future__ import annotations

from dataclasses import dataclass

# MetaTrader5 constant values (from the 5.0.6231 wheel), repeated here so this module stands alone.
FILLING_FOK = 1
FILLING_IOC = 2
FILLING_BOC = 4
CALC_MODE_FOREX = 0
CALC_MODE_CFDLEVERAGE = 4
TRADE_MODE_FULL = 4


@dataclass(frozen=True, slots=True)
class SymbolDef:
    """One tradable symbol as the simulated broker defines it; prices in the profit currency."""

    name: str
    description: str
    path: str
    digits: int
    point: float
    spread: int
    contract_size: float
    volume_min: float
    volume_max: float
    volume_step: float
    stops_level: int
    filling_mode: int
    calc_mode: int
    trade_mode: int
    currency_base: str
    currency_profit: str
    currency_margin: str
    start_price: float
    daily_volatility: float
    weekend_closed: bool
    swap_long: float
    swap_short: float
    selected_by_default: bool


def _forex(
    name: str,
    description: str,
    *,
    digits: int,
    spread: int,
    start_price: float,
    daily_volatility: float,
    swap_long: float,
    swap_short: float,
    filling_mode: int = FILLING_FOK | FILLING_IOC,
    group: str = "Majors",
    selected: bool = True,
) -> SymbolDef:
    return SymbolDef(
        name=name,
        description=description,
        path=f"Forex\\{group}\\{name}",
        digits=digits,
        point=round(10.0**-digits, digits),
        spread=spread,
        contract_size=100_000.0,
        volume_min=0.01,
        volume_max=100.0,
        volume_step=0.01,
        stops_level=10,
        filling_mode=filling_mode,
        calc_mode=CALC_MODE_FOREX,
        trade_mode=TRADE_MODE_FULL,
        currency_base=name[:3],
        currency_profit=name[3:],
        currency_margin=name[:3],
        start_price=start_price,
        daily_volatility=daily_volatility,
        weekend_closed=True,
        swap_long=swap_long,
        swap_short=swap_short,
        selected_by_default=selected,
    )


_ALL = (
    _forex(
        "EURUSD",
        "Euro vs US Dollar",
        digits=5,
        spread=12,
        start_price=1.08500,
        daily_volatility=0.005,
        swap_long=-7.2,
        swap_short=2.1,
    ),
    _forex(
        "GBPUSD",
        "Great Britain Pound vs US Dollar",
        digits=5,
        spread=15,
        start_price=1.27000,
        daily_volatility=0.006,
        swap_long=-4.5,
        swap_short=-1.3,
    ),
    _forex(
        "USDJPY",
        "US Dollar vs Japanese Yen",
        digits=3,
        spread=14,
        start_price=150.500,
        daily_volatility=0.0065,
        swap_long=12.5,
        swap_short=-25.3,
    ),
    # Some brokers accept only Fill-or-Kill on a symbol; this one makes the adapter's fill choice matter.
    _forex(
        "USDCHF",
        "US Dollar vs Swiss Franc",
        digits=5,
        spread=16,
        start_price=0.88500,
        daily_volatility=0.005,
        swap_long=3.4,
        swap_short=-9.8,
        filling_mode=FILLING_FOK,
    ),
    _forex(
        "AUDUSD",
        "Australian Dollar vs US Dollar",
        digits=5,
        spread=13,
        start_price=0.66000,
        daily_volatility=0.006,
        swap_long=-3.1,
        swap_short=-0.9,
    ),
    _forex(
        "USDCAD",
        "US Dollar vs Canadian Dollar",
        digits=5,
        spread=18,
        start_price=1.36000,
        daily_volatility=0.005,
        swap_long=0.8,
        swap_short=-6.4,
        selected=False,
    ),
    SymbolDef(
        name="XAUUSD",
        description="Gold vs US Dollar",
        path="Metals\\XAUUSD",
        digits=2,
        point=0.01,
        spread=25,
        contract_size=100.0,
        volume_min=0.01,
        volume_max=50.0,
        volume_step=0.01,
        stops_level=50,
        filling_mode=FILLING_FOK | FILLING_IOC,
        calc_mode=CALC_MODE_CFDLEVERAGE,
        trade_mode=TRADE_MODE_FULL,
        currency_base="XAU",
        currency_profit="USD",
        currency_margin="USD",
        start_price=2350.00,
        daily_volatility=0.010,
        weekend_closed=True,
        swap_long=-35.5,
        swap_short=15.2,
        selected_by_default=True,
    ),
    SymbolDef(
        name="BTCUSD",
        description="Bitcoin vs US Dollar",
        path="Crypto\\BTCUSD",
        digits=2,
        point=0.01,
        spread=2000,
        contract_size=1.0,
        volume_min=0.01,
        volume_max=10.0,
        volume_step=0.01,
        stops_level=500,
        filling_mode=FILLING_IOC,
        calc_mode=CALC_MODE_CFDLEVERAGE,
        trade_mode=TRADE_MODE_FULL,
        currency_base="BTC",
        currency_profit="USD",
        currency_margin="USD",
        start_price=65000.00,
        daily_volatility=0.030,
        weekend_closed=False,
        swap_long=0.0,
        swap_short=0.0,
        selected_by_default=False,
    ),
)

SYMBOLS: dict[str, SymbolDef] = {s.name: s for s in _ALL}

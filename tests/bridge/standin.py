"""A stand-in `MetaTrader5` module for the bridge's tests: the simulator behind the official module's face.

Module-level functions and constants like the official module, records of types named without a module
(as the official struct sequences are), so pickle cannot find them by name: anything that copies them by
pickling fails here exactly as it does against a real terminal. `_sim` is the simulator itself, for the
tests' controls (external trades, disconnect, latency) through their own rpyc connection.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import time
import types
from operator import itemgetter
from pathlib import Path
from typing import Any

from app.terminal.bridge_client import MODULE_FUNCTIONS
from app.terminal.simulator import SimulatedTerminal

STATE_VARIABLE = "MT5DESK_STANDIN_STATE"
OFFSET_VARIABLE = "MT5DESK_STANDIN_CLOCK_OFFSET_S"
FUNCTIONS = (*MODULE_FUNCTIONS, "initialize", "shutdown", "last_error")


class _OfficialRecord(tuple[Any, ...]):
    """Like a PyStructSequence of the C module: its class lives in no importable module."""

    __slots__ = ()
    _names: tuple[str, ...] = ()

    def __repr__(self) -> str:
        body = ", ".join(f"{n}={v!r}" for n, v in zip(self._names, self, strict=True))
        return f"{type(self).__name__}({body})"

    def __reduce__(self) -> Any:
        return (type(self), (tuple(self),))  # pickle then looks for builtins.<Name>, and fails

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._names, self, strict=True))


_types: dict[str, type[_OfficialRecord]] = {}


def _official_type(name: str, names: tuple[str, ...]) -> type[_OfficialRecord]:
    kind = _types.get(name)
    if kind is None:
        namespace: dict[str, Any] = {"__slots__": (), "_names": names, "__module__": "builtins"}
        for index, field in enumerate(names):
            namespace[field] = property(itemgetter(index))
        kind = _types[name] = type(name, (_OfficialRecord,), namespace)
    return kind


def official(value: Any) -> Any:
    """The simulator's answer with its records turned into official-like ones."""
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        names = tuple(value._asdict())
        return _official_type(type(value).__name__, names)(tuple(official(item) for item in value))
    if type(value) is tuple:
        return tuple(official(item) for item in value)
    return value


def fill_module(module: types.ModuleType, sim: SimulatedTerminal) -> types.ModuleType:
    """Give `module` the official module's functions and constants, all delegating to `sim`."""

    def delegate(name: str) -> Any:
        method = getattr(sim, name)

        def function(*args: Any, **kwargs: Any) -> Any:
            return official(method(*args, **kwargs))

        function.__name__ = name
        return function

    for name in FUNCTIONS:
        setattr(module, name, delegate(name))
    for name in dir(sim):
        if name.isupper():
            setattr(module, name, getattr(sim, name))
    module.__dict__.update(__version__="5.0.6231", _sim=sim)
    return module


def standin_module(sim: SimulatedTerminal) -> types.ModuleType:
    """A fresh module object to put in sys.modules as MetaTrader5 (in-process bridge servers)."""
    module = types.ModuleType("MetaTrader5")
    module.__spec__ = importlib.machinery.ModuleSpec("MetaTrader5", None)
    return fill_module(module, sim)


class ShiftedClock:
    """Wall time moved back by a whole number of days, so the simulated market is open."""

    def __init__(self, offset_s: float) -> None:
        self.offset_s = offset_s

    def now(self) -> float:
        return time.time() - self.offset_s


def install_from_environment(module_name: str) -> None:
    """What the stand-in package runs on import inside the bridge server process."""
    state = os.environ.get(STATE_VARIABLE, "")
    offset = float(os.environ.get(OFFSET_VARIABLE, "0"))
    sim = SimulatedTerminal(clock=ShiftedClock(offset), state_path=Path(state) if state else None)
    fill_module(sys.modules[module_name], sim)

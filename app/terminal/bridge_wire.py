"""What crosses the mt5linux bridge: a helper run inside the bridge server, and the client's side of it.

The server is mt5linux's rpyc classic server under Wine's Python (mt5server.exe is Python 3.8), so
`SERVER_SOURCE` is plain Python 3.8 and imports only the standard library and MetaTrader5. It answers a
call with the result and `last_error()` together, as values rpyc sends whole, so one call is one round
trip and nothing is pickled (the official records are struct sequences that pickle cannot find by name).
Records travel as their type name, field names and values, as one JSON text (rpyc's own encoding walks
every field and is ~20 times slower for 1,000 positions), and are rebuilt here as records of the same
shape; numpy arrays travel as their dtype, shape and bytes. Only JSON and rpyc's plain values are read
here: nothing the server sends is unpickled or evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from operator import itemgetter
from typing import Any

import numpy as np

# Markers of encoded values that are not plain; "\0" never starts a field value MetaTrader 5 sends.
RECORD = "\0R"
RECORDS = "\0T"
ARRAY = "\0A"
JSON = "\0J"
MAPPING = "\0D"
UNKNOWN = "\0?"

HELPER_CALL = "_mt5desk_call"
HELPER_HELLO = "_mt5desk_hello"

SERVER_SOURCE = r'''
import json as _mt5desk_json
import sys as _mt5desk_sys

try:
    import MetaTrader5 as _mt5desk_mt5
    _mt5desk_import_error = ""
except Exception as _mt5desk_exc:  # ImportError, or the module failing inside Wine
    _mt5desk_mt5 = None
    _mt5desk_import_error = "%s: %s" % (type(_mt5desk_exc).__name__, _mt5desk_exc)

_mt5desk_plain = (type(None), bool, int, float, str, bytes)
_mt5desk_names = {}


def _mt5desk_fields(record):
    kind = type(record)
    names = _mt5desk_names.get(kind)
    if names is None:
        names = _mt5desk_names[kind] = tuple(str(name) for name in record._asdict())
    return kind.__name__, names


def _mt5desk_enc(value):
    kind = type(value)
    if kind in _mt5desk_plain:
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if hasattr(value, "_asdict"):
        name, names = _mt5desk_fields(value)
        return ("\0R", name, names, tuple(_mt5desk_enc(item) for item in value))
    if hasattr(value, "dtype") and hasattr(value, "tobytes"):
        dtype = value.dtype
        spec = tuple(tuple(part) for part in dtype.descr) if dtype.names else dtype.str
        return ("\0A", spec, tuple(int(n) for n in value.shape), value.tobytes())
    if hasattr(value, "item") and not hasattr(value, "__len__"):
        return _mt5desk_enc(value.item())  # a numpy scalar
    if isinstance(value, dict):
        return ("\0D", tuple((str(k), _mt5desk_enc(v)) for k, v in value.items()))
    if isinstance(value, (tuple, list)):
        items = tuple(value)
        if items and all(hasattr(item, "_asdict") for item in items):
            name, names = _mt5desk_fields(items[0])
            if all(type(item) is type(items[0]) for item in items):
                return ("\0T", name, names, tuple(
                    tuple(_mt5desk_enc(field) for field in item) for item in items
                ))
        return tuple(_mt5desk_enc(item) for item in items)
    return ("\0?", type(value).__name__, repr(value)[:200])


def _mt5desk_dec(value):
    if type(value) is tuple:
        if len(value) == 2 and value[0] == "\0D":
            return dict((key, _mt5desk_dec(item)) for key, item in value[1])
        return tuple(_mt5desk_dec(item) for item in value)
    return value


def _mt5desk_call(name, args, kwargs):
    """One MetaTrader5 call and its last_error(), as values that travel whole."""
    try:
        function = getattr(_mt5desk_mt5, name)
        result = function(*_mt5desk_dec(args), **dict((k, _mt5desk_dec(v)) for k, v in kwargs))
    except TypeError as exc:
        return None, (-2, "%s: %s" % (type(exc).__name__, exc))
    except Exception as exc:
        return None, (-1, "%s: %s" % (type(exc).__name__, exc))
    error = _mt5desk_mt5.last_error()
    answer = _mt5desk_enc(result)
    if type(answer) is tuple and answer and answer[0] in ("\0T", "\0R"):
        try:  # one JSON text crosses much faster than rpyc's brine walking every field
            answer = ("\0J", _mt5desk_json.dumps(answer, separators=(",", ":")))
        except (TypeError, ValueError):
            pass  # e.g. bytes in a field: sent as it is
    return answer, (int(error[0]), str(error[1]))


def _mt5desk_hello():
    """Who answers: the server's Python, rpyc and MetaTrader5 versions and the module's constants."""
    try:
        import rpyc
        rpyc_version = str(rpyc.__version__)
    except Exception:
        rpyc_version = "?"
    python = "%d.%d.%d" % tuple(_mt5desk_sys.version_info[:3])
    if _mt5desk_mt5 is None:
        return python, rpyc_version, "", _mt5desk_import_error, ()
    constants = tuple(
        (key, int(value)) for key, value in vars(_mt5desk_mt5).items()
        if key.isupper() and type(value) is int
    )
    version = str(getattr(_mt5desk_mt5, "__version__", "?"))
    return python, rpyc_version, version, "", constants
'''


class BridgeRecord(tuple):  # type: ignore[type-arg]
    """A record rebuilt from the bridge: a tuple with read-only named fields, like the module's records."""

    __slots__ = ()
    _names: tuple[str, ...] = ()

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={value!r}" for name, value in zip(self._names, self, strict=True))
        return f"{type(self).__name__}({body})"

    def _asdict(self) -> dict[str, Any]:
        """The fields as a dict, as the module's records offer."""
        return dict(zip(self._names, self, strict=True))


_record_types: dict[tuple[str, tuple[str, ...]], type[BridgeRecord]] = {}


def record_type(name: str, names: tuple[str, ...]) -> type[BridgeRecord]:
    """The local record class for a remote record type (one class per name and field list)."""
    key = (name, names)
    kind = _record_types.get(key)
    if kind is None:
        namespace: dict[str, Any] = {"__slots__": (), "_names": names, "__match_args__": names}
        for index, field in enumerate(names):
            namespace[field] = property(itemgetter(index))
        kind = _record_types[key] = type(name, (BridgeRecord,), namespace)
    return kind


class WireError(ValueError):
    """The bridge server answered with something that is not what the helper sends."""


def decode(value: Any) -> Any:
    """An answer of the helper rebuilt: records, tuples of records, numpy arrays, plain values."""
    kind = type(value)
    if kind is list:  # a JSON array
        value = tuple(value)
    elif kind is not tuple:
        return value
    if not value:
        return value
    marker = value[0]
    if marker == JSON:
        return decode(json.loads(value[1]))
    if marker == RECORDS:
        _marker, name, names, rows = value
        record = record_type(name, tuple(names))
        return tuple(record(_fields(row)) for row in rows)
    if marker == RECORD:
        _marker, name, names, row = value
        return record_type(name, tuple(names))(_fields(row))
    if marker == ARRAY:
        _marker, spec, shape, data = value
        dtype = np.dtype([tuple(part) for part in spec]) if isinstance(spec, tuple) else np.dtype(spec)
        return np.frombuffer(bytearray(data), dtype=dtype).reshape(shape)
    if marker == MAPPING:
        return {key: decode(item) for key, item in value[1]}
    if marker == UNKNOWN:
        raise WireError(f"the server sent a {value[1]} it could not encode: {value[2]}")
    return tuple(decode(item) for item in value)


def _fields(row: Any) -> tuple[Any, ...]:
    # Most records hold only numbers and text; only a nested record (OrderSendResult.request) needs work.
    if any(type(item) in (tuple, list) for item in row):
        return tuple(decode(item) for item in row)
    return tuple(row)


def encode(value: Any) -> Any:
    """An argument as values rpyc sends whole (never a reference back into this process)."""
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, datetime):
        return int(value.timestamp())  # the module takes epoch seconds as well as datetimes
    if isinstance(value, np.generic):
        return encode(value.item())
    if isinstance(value, dict):
        return (MAPPING, tuple((str(key), encode(item)) for key, item in value.items()))
    if isinstance(value, (tuple, list)):
        return tuple(encode(item) for item in value)
    raise TypeError(f"cannot send a {type(value).__name__} over the bridge: {value!r}")


def encode_kwargs(kwargs: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Keyword arguments as (name, value) pairs: a dict would travel as a reference, one round trip a key."""
    return tuple((key, encode(value)) for key, value in kwargs.items())


def constants_of(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """The module's integer constants from the hello answer."""
    return {str(name): int(value) for name, value in pairs}

"""Typed conversion between the core dataclasses and JSON values, driven by their type hints.

`codec_for(tp)` compiles an encoder and a strict decoder once per type, so a new model field needs no
codec change. Supported: int, float, str, bool, datetime, enums, `X | None`, `tuple[X, ...]`, fixed
tuples, `dict[int | str, X]` and nested dataclasses. Wire rules:

- datetimes are ISO-8601 UTC with a trailing `Z` and milliseconds (microseconds when present); naive
  datetimes are refused both ways, other offsets are converted to UTC;
- floats are JSON numbers; +/-infinity travel as the strings "Infinity" / "-Infinity" so the JSON stays
  standard; NaN is refused both ways (no price or profit a trader can act on is NaN);
- a JSON integer is accepted for a float, but never a float for an int, nor a boolean for a number;
- a field with a default may be absent (adding a defaulted field stays compatible); unknown keys are
  ignored (forward compatibility).
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_Convert = Callable[[Any], Any]

_INFINITIES = {"Infinity": float("inf"), "-Infinity": float("-inf")}
_MAX_SHOWN = 40


class ProtocolError(Exception):
    """A message that cannot be encoded or decoded; the text names the message type and the field."""

    def __init__(self, message: str, *, message_type: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message_type = message_type
        self.field = field


class FieldProblem(Exception):
    """What is wrong with one value; `path` collects the field names while the error travels up."""

    def __init__(self, problem: str, path: list[str] | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: list[str] = path if path is not None else []

    def at(self, segment: str) -> FieldProblem:
        """Prefix the path with the enclosing field name or `[index]`."""
        self.path.insert(0, segment)
        return self


@dataclasses.dataclass(frozen=True, slots=True)
class ValueCodec:
    """The encoder (Python value -> JSON value) and decoder (JSON value -> Python value) of one type."""

    encode: _Convert
    decode: _Convert


def format_path(path: list[str]) -> str:
    """`["positions", "[3]", "volume"]` -> `positions[3].volume`."""
    text = ""
    for segment in path:
        text += segment if segment.startswith("[") or not text else "." + segment
    return text


def shown(value: Any) -> str:
    """A short, safe rendering of a JSON value for an error message (never echoes a huge payload)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int):
        return f"the integer {value}" if len(str(value)) <= _MAX_SHOWN else "a huge integer"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {quoted(value)}"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def quoted(text: str) -> str:
    """`repr` of a string, cut to a few dozen characters."""
    shown_text = repr(text)
    return shown_text if len(shown_text) <= _MAX_SHOWN else shown_text[: _MAX_SHOWN - 3] + "..."


_CACHE: dict[Any, ValueCodec] = {}


def codec_for(tp: Any) -> ValueCodec:
    """The codec of a type hint; raises TypeError at import time for a type the wire cannot carry."""
    codec = _CACHE.get(tp)
    if codec is None:
        codec = _compile(tp)
        _CACHE[tp] = codec
    return codec


def _compile(tp: Any) -> ValueCodec:
    if tp is int:
        return ValueCodec(_encode_int, _decode_int)
    if tp is float:
        return ValueCodec(_encode_float, _decode_float)
    if tp is str:
        return ValueCodec(_encode_str, _decode_str)
    if tp is bool:
        return ValueCodec(_encode_bool, _decode_bool)
    if tp is datetime:
        return ValueCodec(encode_datetime, decode_datetime)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_codec(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_codec(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        return _optional_codec(codec_for(args[0] if args[1] is type(None) else args[1]))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple_codec(codec_for(args[0]))
    if origin is tuple and args and Ellipsis not in args:
        return _fixed_tuple_codec(tuple(codec_for(arg) for arg in args))
    if origin is dict and args[0] in (int, str):
        return _dict_codec(args[0] is int, codec_for(args[1]))
    raise TypeError(f"the wire codec cannot carry values of type {tp!r}")


def _encode_int(value: Any) -> int:
    if type(value) is not int:
        raise FieldProblem(f"expected an integer, got {shown(value)}")
    return value


def _decode_int(value: Any) -> int:
    if type(value) is not int:
        raise FieldProblem(f"expected an integer, got {shown(value)}")
    return value


def _encode_float(value: Any) -> float | str:
    if type(value) is float:
        if value - value == 0.0:  # finite; inf - inf and NaN - NaN are NaN
            return value
        if value != value:
            raise FieldProblem("NaN is not a number this program sends; fix the source of the value")
        return "Infinity" if value > 0 else "-Infinity"
    if type(value) is int:
        return float(value)
    raise FieldProblem(f"expected a number, got {shown(value)}")


def _decode_float(value: Any) -> float:
    kind = type(value)
    if kind is float:
        if value != value:
            raise FieldProblem("NaN is not allowed here")
        number: float = value  # `kind is float` does not narrow `value` for mypy
        return number
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            raise FieldProblem("the integer is too large for a number") from None
    if kind is str and value in _INFINITIES:
        return _INFINITIES[value]
    raise FieldProblem(f"expected a number, got {shown(value)}")


def _encode_str(value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, str):  # a StrEnum member in a str field travels as its value
        return str(value)
    raise FieldProblem(f"expected a string, got {shown(value)}")


def _decode_str(value: Any) -> str:
    if type(value) is not str:
        raise FieldProblem(f"expected a string, got {shown(value)}")
    return value


def _encode_bool(value: Any) -> bool:
    if type(value) is not bool:
        raise FieldProblem(f"expected true or false, got {shown(value)}")
    return value


_decode_bool = _encode_bool


def encode_datetime(value: Any) -> str:
    """An aware datetime as `2026-11-23T10:00:00.123Z` (microseconds only when it has them)."""
    if not isinstance(value, datetime):
        raise FieldProblem(f"expected a datetime, got {shown(value)}")
    if value.tzinfo is not UTC:
        if value.utcoffset() is None:
            raise FieldProblem("naive datetime: events carry timezone-aware UTC times")
        try:
            value = value.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise FieldProblem(f"time out of range: {exc}") from None
    assert isinstance(value, datetime)  # narrowed above; reassigning the Any parameter widened it again
    spec = "milliseconds" if value.microsecond % 1000 == 0 else "microseconds"
    return value.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def decode_datetime(value: Any) -> datetime:
    """Parse an ISO-8601 time that carries `Z` or an offset; the result is in UTC."""
    if type(value) is not str:
        raise FieldProblem(f"expected an ISO-8601 UTC time string, got {shown(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FieldProblem(
            f"malformed time {quoted(value)}: expected ISO-8601 like 2026-11-23T10:00:00.123Z"
        ) from None
    if parsed.utcoffset() is None:
        raise FieldProblem(f"time {quoted(value)} has no UTC offset: expected a trailing Z")
    if parsed.tzinfo is UTC:
        return parsed
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise FieldProblem(f"time out of range: {exc}") from None


def _enum_codec(enum_type: type[enum.Enum]) -> ValueCodec:
    allowed = ", ".join(repr(member.value) for member in enum_type)

    def encode(value: Any) -> Any:
        if isinstance(value, enum_type):
            return value.value
        raise FieldProblem(f"expected a {enum_type.__name__} member, got {shown(value)}")

    def decode(value: Any) -> Any:
        if type(value) is str:
            try:
                return enum_type(value)
            except ValueError:
                pass
        raise FieldProblem(f"expected one of {allowed}, got {shown(value)}")

    return ValueCodec(encode, decode)


def _optional_codec(inner: ValueCodec) -> ValueCodec:
    encode_inner, decode_inner = inner.encode, inner.decode

    def encode(value: Any) -> Any:
        return None if value is None else encode_inner(value)

    def decode(value: Any) -> Any:
        return None if value is None else decode_inner(value)

    return ValueCodec(encode, decode)


def _tuple_codec(item: ValueCodec) -> ValueCodec:
    encode_item, decode_item = item.encode, item.decode

    def encode(value: Any) -> list[Any]:
        if not isinstance(value, tuple | list):
            raise FieldProblem(f"expected a tuple, got {shown(value)}")
        out = []
        for index, element in enumerate(value):
            try:
                out.append(encode_item(element))
            except FieldProblem as problem:
                raise problem.at(f"[{index}]") from None
        return out

    def decode(value: Any) -> tuple[Any, ...]:
        if type(value) is not list:
            raise FieldProblem(f"expected an array, got {shown(value)}")
        out = []
        for index, element in enumerate(value):
            try:
                out.append(decode_item(element))
            except FieldProblem as problem:
                raise problem.at(f"[{index}]") from None
        return tuple(out)

    return ValueCodec(encode, decode)


def _fixed_tuple_codec(items: tuple[ValueCodec, ...]) -> ValueCodec:
    size = len(items)

    def convert(value: Any, to_wire: bool) -> list[Any] | tuple[Any, ...]:
        if len(value) != size:
            raise FieldProblem(f"expected {size} elements, got {len(value)}")
        out = []
        for index, (codec, element) in enumerate(zip(items, value, strict=True)):
            try:
                out.append(codec.encode(element) if to_wire else codec.decode(element))
            except FieldProblem as problem:
                raise problem.at(f"[{index}]") from None
        return out if to_wire else tuple(out)

    def encode(value: Any) -> Any:
        if not isinstance(value, tuple | list):
            raise FieldProblem(f"expected a tuple, got {shown(value)}")
        return convert(value, True)

    def decode(value: Any) -> Any:
        if type(value) is not list:
            raise FieldProblem(f"expected an array of {size}, got {shown(value)}")
        return convert(value, False)

    return ValueCodec(encode, decode)


def _dict_codec(int_keys: bool, item: ValueCodec) -> ValueCodec:
    encode_item, decode_item = item.encode, item.decode

    def encode(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise FieldProblem(f"expected a dict, got {shown(value)}")
        out = {}
        for key, element in value.items():
            if type(key) is not (int if int_keys else str):
                raise FieldProblem(f"expected {'integer' if int_keys else 'string'} keys, got {shown(key)}")
            try:
                out[str(key)] = encode_item(element)
            except FieldProblem as problem:
                raise problem.at(f"[{key!r}]") from None
        return out

    def decode(value: Any) -> dict[Any, Any]:
        if type(value) is not dict:
            raise FieldProblem(f"expected an object, got {shown(value)}")
        out = {}
        for key, element in value.items():
            wanted = _int_key(key) if int_keys else key
            if wanted is None:
                raise FieldProblem(f'expected integer keys like "123", got {shown(key)}')
            try:
                out[wanted] = decode_item(element)
            except FieldProblem as problem:
                raise problem.at(f"[{key!r}]") from None
        return out

    return ValueCodec(encode, decode)


def _int_key(key: str) -> int | None:
    """`"123"` -> 123; anything but a canonical decimal integer (" 1", "01", "1_0", "١") -> None."""
    if len(key) > 30:
        return None
    try:
        number = int(key)
    except ValueError:
        return None
    return number if str(number) == key else None


def _dataclass_codec(cls: type) -> ValueCodec:
    hints = typing.get_type_hints(cls)
    specs = [
        (
            f.name,
            codec_for(hints[f.name]),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(cls)
    ]
    encoders = [(name, codec.encode) for name, codec, _ in specs]
    decoders = [(name, codec.decode, required) for name, codec, required in specs]

    def encode(value: Any) -> dict[str, Any]:
        if not isinstance(value, cls):
            raise FieldProblem(f"expected a {cls.__name__}, got {shown(value)}")
        out = {}
        for name, encode_field in encoders:
            try:
                out[name] = encode_field(getattr(value, name))
            except FieldProblem as problem:
                raise problem.at(name) from None
        return out

    def decode(value: Any) -> Any:
        if type(value) is not dict:
            raise FieldProblem(f"expected an object, got {shown(value)}")
        kwargs = {}
        for name, decode_field, required in decoders:
            if name in value:
                try:
                    kwargs[name] = decode_field(value[name])
                except FieldProblem as problem:
                    raise problem.at(name) from None
            elif required:
                raise FieldProblem("missing", [name])
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:  # a __post_init__ check refused the values
            raise FieldProblem(str(exc)) from None

    return ValueCodec(encode, decode)

"""Reading a TOML file with its size and nesting bounded, so a hostile file gets a message, not a crash.

tomllib parses arrays and inline tables recursively: `x = [[[[…` fifty thousand deep raises
RecursionError (or worse, on a smaller stack). The nesting is therefore measured before parsing, by a
scan that skips strings and comments, and the parsed value is measured again (dotted keys nest tables
without any bracket).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from app.core.bounded_file import FileRefusal, RefusedFile, read_bounded

__all__ = ["MAX_TOML_BYTES", "MAX_TOML_DEPTH", "TomlProblem", "parse_toml", "read_toml"]

MAX_TOML_BYTES = 256 * 1024  # a settings file is a few kilobytes
MAX_TOML_DEPTH = 16  # settings use 3 levels (section, key, list)


class TomlProblem(Exception):
    """The file is missing, unreadable, too big, too deep or not TOML; the text completes "PATH ...".

    `missing`: there is no file at all. `damaged`: the file is there but its content cannot be used
    (too big, too deep, not UTF-8, not TOML), so it is worth setting aside rather than overwriting.
    """

    def __init__(self, text: str, *, missing: bool = False, damaged: bool = True) -> None:
        super().__init__(text)
        self.missing = missing
        self.damaged = damaged and not missing


def read_toml(
    path: Path, *, max_bytes: int = MAX_TOML_BYTES, max_depth: int = MAX_TOML_DEPTH
) -> dict[str, Any]:
    """The table in `path`; TomlProblem (never another exception) when it cannot be used."""
    try:
        raw, _info = read_bounded(path, max_bytes)
    except RefusedFile as refused:
        too_big = refused.reason is FileRefusal.TOO_BIG
        advice = "; a settings file is a few kilobytes" if too_big else ""
        raise TomlProblem(
            f"{refused}{advice}", missing=refused.reason is FileRefusal.MISSING, damaged=too_big
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TomlProblem(f"is not UTF-8 text ({error})") from None
    return parse_toml(text, max_depth=max_depth)


def parse_toml(text: str, *, max_depth: int = MAX_TOML_DEPTH) -> dict[str, Any]:
    """`text` parsed, refused with TomlProblem when nested deeper than `max_depth` or not valid TOML."""
    line = _too_deep_at(text, max_depth)
    if line is not None:
        raise TomlProblem(
            f"is nested more than {max_depth} levels deep (line {line}); it is not a settings file"
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TomlProblem(f"is not valid TOML ({error})") from None
    except RecursionError:  # only if the scan above missed a form of nesting
        raise TomlProblem(f"is nested more than {max_depth} levels deep; it is not a settings file") from None
    if _depth(data) > max_depth:
        raise TomlProblem(
            f"is nested more than {max_depth} levels deep (dotted keys); it is not a settings file"
        )
    return data


def _too_deep_at(text: str, limit: int) -> int | None:
    """The line where nesting passes `limit`, else None.

    Nesting is brackets and braces outside strings and comments, plus the dots of a dotted key (each
    opens one more table; tomllib also takes quadratic time over a long one).
    """
    open_brackets: list[str] = []
    line, index, size = 1, 0, len(text)
    in_key, key_dots = True, 0
    while index < size:
        char = text[index]
        if char == "\n":
            line += 1
            if not open_brackets or open_brackets == ["["]:  # a value may go on in an array, not a key
                in_key, key_dots = not open_brackets, 0
        elif char == "#":
            end = text.find("\n", index)
            index = size if end < 0 else end
            continue
        elif char in "\"'":
            end = _string_end(text, index)
            line += text.count("\n", index, end)
            index = end
            continue
        elif char in "[{":
            open_brackets.append(char)
            in_key, key_dots = char == "{" or (char == "[" and in_key and len(open_brackets) <= 2), 0
            if len(open_brackets) > limit:
                return line
        elif char in "]}":
            if open_brackets:
                open_brackets.pop()
        elif char == "=":
            in_key, key_dots = False, 0
        elif char == "," and open_brackets[-1:] == ["{"]:
            in_key, key_dots = True, 0
        elif char == "." and in_key:
            key_dots += 1
            if len(open_brackets) + key_dots > limit:
                return line
        index += 1
    return None


def _string_end(text: str, start: int) -> int:
    """The index just past the string that opens at `start` (the end of the text if it never closes)."""
    quote = text[start]
    delimiter = quote * 3 if text.startswith(quote * 3, start) else quote
    index = start + len(delimiter)
    while index < len(text):
        char = text[index]
        if char == "\\" and quote == '"':
            index += 2
            continue
        if len(delimiter) == 1 and char == "\n":
            return index  # a one-line string cannot span lines; tomllib reports it
        if text.startswith(delimiter, index):
            index += len(delimiter)
            while len(delimiter) == 3 and index < len(text) and text[index] == quote:
                index += 1  # up to two quotes may end a multi-line string's content
            return index
        index += 1
    return index


def _depth(value: Any) -> int:
    """How deep tables and arrays nest in a parsed value, measured without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in children)
    return deepest

"""The rules a setting's value must meet, and the checking of one table of values against its rules.

Shared by the settings sections (`app.core.settings`) and the accounts list (`app.core.accounts`), so a
value refused in one place is refused, and worded, the same way everywhere: the problem names the key,
says what was expected, what was found and what is used instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from app.core.number_format import trimmed

Report = Callable[[str], None]
SECRET_WORDS = ("password", "passwd", "token", "secret")


class Rejected(Exception):
    """A value that does not meet its rule; the caller words the problem."""


@dataclass(frozen=True, slots=True)
class Rule:
    """What a setting must be (`expect` completes "must be ...") and how to convert an accepted value."""

    expect: str
    convert: Callable[[Any, Report], Any]


def number(low: float, high: float) -> Rule:
    def convert(value: Any, report: Report) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Rejected
        if not math.isfinite(value) or not low <= value <= high:
            raise Rejected
        return float(value)

    return Rule(f"a number between {plain(low)} and {plain(high)}", convert)


def plain(value: float) -> str:
    return trimmed(value)  # not `:g`, which writes a million as 1e+06


def whole(low: int, high: int) -> Rule:
    def convert(value: Any, report: Report) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Rejected
        return value

    return Rule(f"a whole number between {low} and {high}", convert)


def account_login() -> Rule:
    def convert(value: Any, report: Report) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise Rejected
        return value

    return Rule("a positive whole number (the account number)", convert)


def flag() -> Rule:
    def convert(value: Any, report: Report) -> bool:
        if not isinstance(value, bool):
            raise Rejected
        return value

    return Rule("true or false", convert)


def text(max_length: int, *, allow_empty: bool = True) -> Rule:
    def convert(value: Any, report: Report) -> str:
        if not isinstance(value, str) or len(value) > max_length:
            raise Rejected
        if not allow_empty and not value.strip():
            raise Rejected
        if any(ch in value for ch in "\r\n\0"):
            raise Rejected
        return value

    expect = f"text of at most {max_length} characters"
    return Rule(expect if allow_empty else f"non-empty {expect}", convert)


def host() -> Rule:
    def convert(value: Any, report: Report) -> str:
        text = value.strip().removeprefix("[").removesuffix("]") if isinstance(value, str) else None
        if not text or len(text) > 253 or any(ch.isspace() or ch in "/?#@" for ch in text):
            raise Rejected
        return text

    return Rule("a host name or IP address such as 127.0.0.1", convert)


def choice(kind: type[StrEnum]) -> Rule:
    def convert(value: Any, report: Report) -> StrEnum:
        if not isinstance(value, str):
            raise Rejected
        try:
            return kind(value.strip().lower())
        except ValueError:
            raise Rejected from None

    return Rule("one of " + ", ".join(repr(member.value) for member in kind), convert)


def prefixed(report: Report, prefix: str) -> Report:
    """`report` with `prefix` before every line (the key path of a nested value)."""

    def prefixed(text: str) -> None:
        report(prefix + text)

    return prefixed


def show(value: Any) -> str:
    """A value as the trader would write it in the TOML file."""
    if value is None:
        return "none (not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return repr(value.value)
    if isinstance(value, tuple):
        return repr(list(value))
    return repr(value)


def unknown_key_problem(qualified: str) -> str:
    """The problem line of a key no rule knows."""
    # A secret typed into the file is worth a sharper warning than a typo: it sits there in plain text.
    if any(word in qualified.lower() for word in SECRET_WORDS):
        return (
            f"{qualified}: secrets are never read from the settings file (the app keeps them in the system "
            "keyring); remove this line from the file"
        )
    return f"{qualified}: unknown setting, ignored"


def checked_values(
    where: str,
    defaults: Mapping[str, Any],
    rules: Mapping[str, Rule],
    raw: Mapping[str, Any],
    problems: list[str],
    *,
    ignore: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The values of `raw` their rules accept; one problem line per refused or unknown key, naming
    `where.key` and the default used instead. `ignore` maps keys to pass over to the problem to report
    for them ("" for none)."""
    ignored = ignore or {}
    for key in raw:
        if key in ignored:
            if ignored[key]:
                problems.append(f"{where}.{key}: {ignored[key]}")
        elif key not in rules:
            problems.append(unknown_key_problem(f"{where}.{key}"))
    values: dict[str, Any] = {}
    for key, rule in rules.items():
        if key not in raw:
            continue
        qualified = f"{where}.{key}"

        def report(text: str, q: str = qualified) -> None:
            problems.append(q + text)

        try:
            values[key] = rule.convert(raw[key], report)
        except Rejected:
            problems.append(
                f"{qualified}: must be {rule.expect}, got {show(raw[key])}; using {show(defaults[key])}"
            )
    return values

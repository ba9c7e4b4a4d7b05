"""The app's settings as frozen dataclasses, and their validation from plain dicts (what TOML loads).

Every value is checked on load; a bad one never stops the app: the default is used instead and a problem
line names the key, says what was expected and what was found, so the trader can fix the file. The MT5
password is deliberately not a setting: it lives in the OS keyring only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from enum import Enum, StrEnum
from typing import Any

from app.core.enums import Backend
from app.core.number_format import trimmed
from app.core.risk_limits import RISK_LIMITS, RiskLimit

DEFAULT_BRIDGE_HOST = "127.0.0.1"
DEFAULT_BRIDGE_PORT = 18812  # rpyc's classic port, which every mt5linux server listens on by default


class Theme(StrEnum):
    """Colour theme of the desktop UI; `system` follows the OS."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True, slots=True)
class TerminalSettings:
    """How to reach the MetaTrader 5 terminal (login and server only; never the password)."""

    backend: Backend = Backend.AUTO
    path: str = ""
    login: int | None = None
    server: str = ""
    # Bounded because the MetaTrader5 module holds the GIL while it waits: a long wait freezes the
    # terminal host, which the desk then cannot tell from a hung one.
    timeout_ms: int = 10_000
    # Where the mt5linux bridge server (rpyc classic, under Wine's Python) listens; backend "bridge" only.
    bridge_host: str = DEFAULT_BRIDGE_HOST
    bridge_port: int = DEFAULT_BRIDGE_PORT
    # A manual order still waiting for a busy terminal after this long is dropped, never sent late.
    order_deadline_s: float = 5.0
    # A terminal host silent this long (a call that never returns) is killed and started again.
    host_silent_limit_s: float = 30.0


@dataclass(frozen=True, slots=True)
class IntervalSettings:
    """Seconds between the terminal host's sync loops."""

    pnl_s: float = 1.0
    positions_s: float = 3.0
    account_s: float = 5.0
    heartbeat_s: float = 30.0


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    """Which events raise a desktop notification."""

    auto_trade: bool = True
    trade_error: bool = True
    connection: bool = True


@dataclass(frozen=True, slots=True)
class UiSettings:
    """Look and window behaviour of the desktop UI."""

    theme: Theme = Theme.SYSTEM
    close_to_tray: bool = False


@dataclass(frozen=True, slots=True)
class RemoteSettings:
    """The read-only remote viewing server: off and bound to loopback unless the trader says otherwise."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8765
    tls_cert: str = ""
    tls_key: str = ""
    allowed_origins: tuple[str, ...] = ()
    mask_account: bool = True
    max_clients: int = 20


@dataclass(frozen=True, slots=True)
class RiskSettings:
    """Hard limits on automatic trading, and safety switches that must be turned on deliberately.

    `daily_loss_limit` is in the account currency: the account's closed plus floating P&L of the current
    UTC day; `cooldown_after_losses` 0 turns the cooldown off. Bounds and meanings: app.core.risk_limits.
    """

    allow_real_account: bool = False
    max_lot_per_trade: float = 1.0
    max_open_positions_total: int = 10
    daily_loss_limit: float = 500.0
    max_trades_per_day: int = 50
    cooldown_after_losses: int = 3
    cooldown_minutes: int = 60


@dataclass(frozen=True, slots=True)
class AlertChannel:
    """One place alerts go (Telegram, ntfy, e-mail...). Its Apprise URL holds secrets, so the file keeps
    only `id`, the name of its keyring entry ("alert-channel:<id>"); the URL itself lives in the keyring."""

    id: str
    name: str = ""
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """Alerts away from the desk: which events are sent, and to which channels (none until added)."""

    auto_trade: bool = True
    trade_error: bool = True
    model_blocked: bool = True
    daily_loss: bool = True
    kill_switch: bool = True
    connection: bool = True
    # A blip shorter than this is not worth waking a phone for.
    connection_after_s: int = 120
    unclean_stop: bool = True
    show_account: bool = False
    channels: tuple[AlertChannel, ...] = ()


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings, one section per concern, as stored in settings.toml."""

    terminal: TerminalSettings = field(default_factory=TerminalSettings)
    intervals: IntervalSettings = field(default_factory=IntervalSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    remote: RemoteSettings = field(default_factory=RemoteSettings)
    risk: RiskSettings = field(default_factory=RiskSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)


class _Rejected(Exception):
    """A value that does not meet its rule; the caller words the problem."""


Report = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class _Rule:
    """What a setting must be (`expect` completes "must be ...") and how to convert an accepted value."""

    expect: str
    convert: Callable[[Any, Report], Any]


def _number(low: float, high: float) -> _Rule:
    def convert(value: Any, report: Report) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Rejected
        if not math.isfinite(value) or not low <= value <= high:
            raise _Rejected
        return float(value)

    return _Rule(f"a number between {_plain(low)} and {_plain(high)}", convert)


def _plain(value: float) -> str:
    return trimmed(value)  # not `:g`, which writes a million as 1e+06


def _whole(low: int, high: int) -> _Rule:
    def convert(value: Any, report: Report) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Rejected
        return value

    return _Rule(f"a whole number between {low} and {high}", convert)


def _limit_rule(limit: RiskLimit) -> _Rule:
    return _whole(int(limit.low), int(limit.high)) if limit.whole else _number(limit.low, limit.high)


def _account_login() -> _Rule:
    def convert(value: Any, report: Report) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise _Rejected
        return value

    return _Rule("a positive whole number (the account number)", convert)


def _flag() -> _Rule:
    def convert(value: Any, report: Report) -> bool:
        if not isinstance(value, bool):
            raise _Rejected
        return value

    return _Rule("true or false", convert)


def _text(max_length: int, *, allow_empty: bool = True) -> _Rule:
    def convert(value: Any, report: Report) -> str:
        if not isinstance(value, str) or len(value) > max_length:
            raise _Rejected
        if not allow_empty and not value.strip():
            raise _Rejected
        if any(ch in value for ch in "\r\n\0"):
            raise _Rejected
        return value

    expect = f"text of at most {max_length} characters"
    return _Rule(expect if allow_empty else f"non-empty {expect}", convert)


def _host() -> _Rule:
    def convert(value: Any, report: Report) -> str:
        text = value.strip().removeprefix("[").removesuffix("]") if isinstance(value, str) else None
        if not text or len(text) > 253 or any(ch.isspace() or ch in "/?#@" for ch in text):
            raise _Rejected
        return text

    return _Rule("a host name or IP address such as 127.0.0.1", convert)


def _choice(kind: type[StrEnum]) -> _Rule:
    def convert(value: Any, report: Report) -> StrEnum:
        if not isinstance(value, str):
            raise _Rejected
        try:
            return kind(value.strip().lower())
        except ValueError:
            raise _Rejected from None

    return _Rule("one of " + ", ".join(repr(member.value) for member in kind), convert)


def _origins() -> _Rule:
    # One bad entry should not throw away the good ones, so entries are checked one by one.
    def convert(value: Any, report: Report) -> tuple[str, ...]:
        if not isinstance(value, list | tuple):
            raise _Rejected
        kept: list[str] = []
        for index, item in enumerate(value):
            if _is_origin(item):
                kept.append(item)
            else:
                report(
                    f"[{index}]: must be a web origin like 'https://desk.example.com', got {item!r}; ignored"
                )
        return tuple(kept)

    return _Rule("a list of web origins like ['https://desk.example.com']", convert)


def _is_origin(item: Any) -> bool:
    if not isinstance(item, str) or len(item) > 255 or any(ch.isspace() for ch in item):
        return False
    scheme, sep, rest = item.partition("://")
    return bool(sep) and scheme in ("http", "https") and bool(rest) and "/" not in rest


MAX_ALERT_CHANNELS = 20
_CHANNEL_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _alert_channels() -> _Rule:
    # As with origins, one bad entry is dropped with its reason and the good ones are kept.
    def convert(value: Any, report: Report) -> tuple[AlertChannel, ...]:
        if not isinstance(value, list | tuple):
            raise _Rejected
        kept: list[AlertChannel] = []
        for index, item in enumerate(value):
            channel = _alert_channel(item, _prefixed(report, f"[{index}]"))
            if channel is None:
                continue
            if any(channel.id == other.id for other in kept):
                report(f"[{index}]: the id {channel.id!r} is used twice; ignored")
            elif len(kept) == MAX_ALERT_CHANNELS:
                report(f"[{index}]: at most {MAX_ALERT_CHANNELS} alert channels; ignored")
            else:
                kept.append(channel)
        return tuple(kept)

    return _Rule("a list of channels like [{id = 'k3x9q2', name = 'Phone'}]", convert)


def _prefixed(report: Report, prefix: str) -> Report:
    def prefixed(text: str) -> None:
        report(prefix + text)

    return prefixed


def _alert_channel(item: Any, report: Report) -> AlertChannel | None:
    if not isinstance(item, Mapping):
        report(f": must be a table like {{id = 'k3x9q2', name = 'Phone'}}, got {_show(item)}; ignored")
        return None
    for key in item:
        if key not in ("id", "name", "enabled"):
            report(
                f".{key}: alert channel URLs and their secrets are never read from the settings file (the "
                "app keeps them in the system keyring); add the channel in Settings > Alerts, or give the "
                "URLs in a private file with --alerts-file PATH. Remove this line from the file"
                if key in ("url", "urls", *_SECRET_WORDS)
                else f".{key}: unknown setting, ignored"
            )
    ident, name, enabled = item.get("id"), item.get("name", ""), item.get("enabled", True)
    if not (isinstance(ident, str) and 4 <= len(ident) <= 32 and set(ident) <= _CHANNEL_ID_CHARS):
        report(f".id: must be 4 to 32 lowercase letters or digits, got {_show(ident)}; channel ignored")
        return None
    if not isinstance(name, str) or len(name) > 80 or any(ch in name for ch in "\r\n\0"):
        report(f".name: must be text of at most 80 characters, got {_show(name)}; using ''")
        name = ""
    if not isinstance(enabled, bool):
        report(f".enabled: must be true or false, got {_show(enabled)}; using true")
        enabled = True
    return AlertChannel(ident, name, enabled)


_SECTIONS: dict[str, tuple[type, dict[str, _Rule]]] = {
    "terminal": (
        TerminalSettings,
        {
            "backend": _choice(Backend),
            "path": _text(4096),
            "login": _account_login(),
            "server": _text(128),
            "timeout_ms": _whole(1_000, 120_000),
            "bridge_host": _host(),
            "bridge_port": _whole(1, 65_535),
            "order_deadline_s": _number(1, 120),
            "host_silent_limit_s": _number(5, 600),
        },
    ),
    "intervals": (
        IntervalSettings,
        {
            "pnl_s": _number(0.2, 60),
            "positions_s": _number(0.5, 300),
            "account_s": _number(0.5, 300),
            "heartbeat_s": _number(5, 600),
        },
    ),
    "notifications": (
        NotificationSettings,
        {"auto_trade": _flag(), "trade_error": _flag(), "connection": _flag()},
    ),
    "ui": (UiSettings, {"theme": _choice(Theme), "close_to_tray": _flag()}),
    "remote": (
        RemoteSettings,
        {
            "enabled": _flag(),
            "host": _text(253, allow_empty=False),
            "port": _whole(1, 65_535),
            "tls_cert": _text(4096),
            "tls_key": _text(4096),
            "allowed_origins": _origins(),
            "mask_account": _flag(),
            "max_clients": _whole(1, 200),
        },
    ),
    "risk": (
        RiskSettings,
        {
            "allow_real_account": _flag(),
            # Bounds from the limits' one declaration, which the Risk page shows.
            **{
                limit.key: _whole(int(limit.low), int(limit.high))
                if limit.whole
                else _number(limit.low, limit.high)
                for limit in RISK_LIMITS
            },
        },
    ),
    "alerts": (
        AlertSettings,
        {
            "auto_trade": _flag(),
            "trade_error": _flag(),
            "model_blocked": _flag(),
            "daily_loss": _flag(),
            "kill_switch": _flag(),
            "connection": _flag(),
            "connection_after_s": _whole(0, 86_400),
            "unclean_stop": _flag(),
            "show_account": _flag(),
            "channels": _alert_channels(),
        },
    ),
}


def settings_from_dict(data: object) -> tuple[Settings, list[str]]:
    """Settings from a TOML-shaped dict; each bad or unknown value gives a problem line naming its key."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        problems.append(f"settings: must be a table of sections, got {data!r}; using defaults")
        return Settings(), problems
    for key in data:
        if key not in _SECTIONS:
            problems.append(_unknown_key_problem(str(key)))
    sections = {
        name: _section_from_dict(name, kind, rules, data.get(name, {}), problems)
        for name, (kind, rules) in _SECTIONS.items()
    }
    settings = Settings(**sections)
    return _check_tls_pair(settings, problems), problems


def _section_from_dict(name: str, kind: type, rules: dict[str, _Rule], raw: Any, problems: list[str]) -> Any:
    defaults = kind()
    if not isinstance(raw, Mapping):
        problems.append(f"{name}: must be a table of settings, got {raw!r}; using defaults for the section")
        return defaults
    for key in raw:
        if key not in rules:
            problems.append(_unknown_key_problem(f"{name}.{key}"))
    values: dict[str, Any] = {}
    for key, rule in rules.items():
        if key not in raw:
            continue
        qualified = f"{name}.{key}"

        def report(text: str, q: str = qualified) -> None:
            problems.append(q + text)

        try:
            values[key] = rule.convert(raw[key], report)
        except _Rejected:
            default = getattr(defaults, key)
            problems.append(
                f"{qualified}: must be {rule.expect}, got {_show(raw[key])}; using {_show(default)}"
            )
    return replace(defaults, **values)


def _unknown_key_problem(qualified: str) -> str:
    # A secret typed into the file is worth a sharper warning than a typo: it sits there in plain text.
    if any(word in qualified.lower() for word in _SECRET_WORDS):
        return (
            f"{qualified}: secrets are never read from the settings file (the app keeps them in the system "
            "keyring); remove this line from the file"
        )
    return f"{qualified}: unknown setting, ignored"


_SECRET_WORDS = ("password", "passwd", "token", "secret")


def _check_tls_pair(settings: Settings, problems: list[str]) -> Settings:
    # Half a TLS configuration would either fail at start or silently serve plain text: refuse both halves.
    remote = settings.remote
    if bool(remote.tls_cert) == bool(remote.tls_key):
        return settings
    missing = "remote.tls_key" if remote.tls_cert else "remote.tls_cert"
    problems.append(
        f"{missing}: must be set together with "
        f"{'remote.tls_cert' if remote.tls_cert else 'remote.tls_key'}; TLS is off until both are set"
    )
    return replace(settings, remote=replace(remote, tls_cert="", tls_key=""))


def _show(value: Any) -> str:
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


def settings_to_dict(settings: Settings) -> dict[str, dict[str, Any]]:
    """A TOML-writable dict of `settings`: enums as their values, tuples as lists, unset values left out."""
    result: dict[str, dict[str, Any]] = {}
    for name in _SECTIONS:
        section = getattr(settings, name)
        values: dict[str, Any] = {}
        for item in fields(section):
            value = getattr(section, item.name)
            if value is None:
                continue  # TOML has no null: an absent key reads back as None
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, tuple):
                value = [
                    asdict(item) if is_dataclass(item) and not isinstance(item, type) else item
                    for item in value
                ]
            values[item.name] = value
        result[name] = values
    return result

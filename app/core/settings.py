"""The app's settings as frozen dataclasses, and their validation from plain dicts (what TOML loads).

Every value is checked on load; a bad one never stops the app: the default is used instead and a problem
line names the key, says what was expected and what was found, so the trader can fix the file. The MT5
password is deliberately not a setting: it lives in the OS keyring only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from enum import Enum, StrEnum
from typing import Any

from app.core.enums import Backend
from app.core.risk_limits import RISK_LIMITS, RiskLimit
from app.core.setting_rules import (
    SECRET_WORDS,
    Rejected,
    Report,
    Rule,
    account_login,
    checked_values,
    choice,
    flag,
    host,
    number,
    prefixed,
    show,
    text,
    unknown_key_problem,
    whole,
)

DEFAULT_BRIDGE_HOST = "127.0.0.1"
DEFAULT_BRIDGE_PORT = 18812  # rpyc's classic port, which every mt5linux server listens on by default
# The id of the account an older file's single [terminal] section became (and of the default account).
FIRST_ACCOUNT_ID = "main"
# Currencies a simulated demo account can be kept in: the simulator's symbols convert each of them.
DEMO_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD")


class Theme(StrEnum):
    """Colour theme of the desktop UI; `system` follows the OS."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True, slots=True)
class TerminalSettings:
    """How to reach one account's MetaTrader 5 terminal (login and server only; never the password).

    `demo_currency` and `demo_balance` are the simulated terminal's: what a new demo account starts with.
    """

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
    demo_currency: str = "USD"
    demo_balance: float = 10_000.0


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
    # Ids of the accounts viewers see; None: every account of the desk.
    accounts: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class RiskSettings:
    """Hard limits on automatic trading, and safety switches that must be turned on deliberately.

    `daily_loss_limit` is in the account currency: the account's closed plus floating P&L of the current
    UTC day; `cooldown_after_losses` 0 turns the cooldown off. Bounds and meanings: app.core.risk_limits.
    An account may have limits of its own (`[accounts.risk]`); the two `desk_*` limits are desk-wide only:
    the loss of every account today, in `desk_currency` ("" for the first account's currency), 0 for no
    desk-wide limit.
    """

    allow_real_account: bool = False
    max_lot_per_trade: float = 1.0
    max_open_positions_total: int = 10
    daily_loss_limit: float = 500.0
    max_trades_per_day: int = 50
    cooldown_after_losses: int = 3
    cooldown_minutes: int = 60
    desk_daily_loss_limit: float = 0.0
    desk_currency: str = ""


DESK_RISK_KEYS = ("desk_daily_loss_limit", "desk_currency")


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """One account of the desk: its terminal and, when it has them, risk limits of its own (None: the
    desk's `[risk]`). A switched-off account keeps its settings and gets no terminal host."""

    id: str
    name: str = ""
    enabled: bool = True
    terminal: TerminalSettings = field(default_factory=TerminalSettings)
    risk: RiskSettings | None = None

    @property
    def label(self) -> str:
        """What the trader calls it: its name, else its id."""
        return self.name or self.id

    def limits(self, desk: RiskSettings) -> RiskSettings:
        """The risk limits in force for this account (the desk-wide ones always the desk's)."""
        if self.risk is None:
            return desk
        return replace(self.risk, **{key: getattr(desk, key) for key in DESK_RISK_KEYS})


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
    """All settings, one section per concern, as stored in settings.toml; `accounts` in the order the
    trader listed them (the first is the one a single-account screen shows)."""

    accounts: tuple[AccountSettings, ...] = (AccountSettings(FIRST_ACCOUNT_ID, "MetaTrader 5"),)

    @property
    def primary(self) -> AccountSettings:
        """The first switched-on account (else the first; else a default one): the terminal the commands
        made for one terminal (train, doctor) and the welcome dialog use."""
        enabled = [account for account in self.accounts if account.enabled]
        return (enabled or list(self.accounts) or [AccountSettings(FIRST_ACCOUNT_ID, "MetaTrader 5")])[0]

    def with_primary(self, account: AccountSettings) -> Settings:
        """These settings with the primary account replaced by `account` (added when there is none)."""
        current = self.primary
        if current not in self.accounts:
            return replace(self, accounts=(account, *self.accounts))
        return replace(self, accounts=tuple(account if a is current else a for a in self.accounts))

    intervals: IntervalSettings = field(default_factory=IntervalSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    remote: RemoteSettings = field(default_factory=RemoteSettings)
    risk: RiskSettings = field(default_factory=RiskSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)


def _origins() -> Rule:
    # One bad entry should not throw away the good ones, so entries are checked one by one.
    def convert(value: Any, report: Report) -> tuple[str, ...]:
        if not isinstance(value, list | tuple):
            raise Rejected
        kept: list[str] = []
        for index, item in enumerate(value):
            if _is_origin(item):
                kept.append(item)
            else:
                report(
                    f"[{index}]: must be a web origin like 'https://desk.example.com', got {item!r}; ignored"
                )
        return tuple(kept)

    return Rule("a list of web origins like ['https://desk.example.com']", convert)


def _is_origin(item: Any) -> bool:
    if not isinstance(item, str) or len(item) > 255 or any(ch.isspace() for ch in item):
        return False
    scheme, sep, rest = item.partition("://")
    return bool(sep) and scheme in ("http", "https") and bool(rest) and "/" not in rest


MAX_ALERT_CHANNELS = 20
_CHANNEL_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _alert_channels() -> Rule:
    # As with origins, one bad entry is dropped with its reason and the good ones are kept.
    def convert(value: Any, report: Report) -> tuple[AlertChannel, ...]:
        if not isinstance(value, list | tuple):
            raise Rejected
        kept: list[AlertChannel] = []
        for index, item in enumerate(value):
            channel = _alert_channel(item, prefixed(report, f"[{index}]"))
            if channel is None:
                continue
            if any(channel.id == other.id for other in kept):
                report(f"[{index}]: the id {channel.id!r} is used twice; ignored")
            elif len(kept) == MAX_ALERT_CHANNELS:
                report(f"[{index}]: at most {MAX_ALERT_CHANNELS} alert channels; ignored")
            else:
                kept.append(channel)
        return tuple(kept)

    return Rule("a list of channels like [{id = 'k3x9q2', name = 'Phone'}]", convert)


def _alert_channel(item: Any, report: Report) -> AlertChannel | None:
    if not isinstance(item, Mapping):
        report(f": must be a table like {{id = 'k3x9q2', name = 'Phone'}}, got {show(item)}; ignored")
        return None
    for key in item:
        if key not in ("id", "name", "enabled"):
            report(
                f".{key}: alert channel URLs and their secrets are never read from the settings file (the "
                "app keeps them in the system keyring); add the channel in Settings > Alerts, or give the "
                "URLs in a private file with --alerts-file PATH. Remove this line from the file"
                if key in ("url", "urls", *SECRET_WORDS)
                else f".{key}: unknown setting, ignored"
            )
    ident, name, enabled = item.get("id"), item.get("name", ""), item.get("enabled", True)
    if not (isinstance(ident, str) and 4 <= len(ident) <= 32 and set(ident) <= _CHANNEL_ID_CHARS):
        report(f".id: must be 4 to 32 lowercase letters or digits, got {show(ident)}; channel ignored")
        return None
    if not isinstance(name, str) or len(name) > 80 or any(ch in name for ch in "\r\n\0"):
        report(f".name: must be text of at most 80 characters, got {show(name)}; using ''")
        name = ""
    if not isinstance(enabled, bool):
        report(f".enabled: must be true or false, got {show(enabled)}; using true")
        enabled = True
    return AlertChannel(ident, name, enabled)


def _demo_currency() -> Rule:
    def convert(value: Any, report: Report) -> str:
        if not isinstance(value, str) or value.strip().upper() not in DEMO_CURRENCIES:
            raise Rejected
        return value.strip().upper()

    return Rule("one of " + ", ".join(repr(code) for code in DEMO_CURRENCIES), convert)


def _currency() -> Rule:
    def convert(value: Any, report: Report) -> str:
        code = value.strip().upper() if isinstance(value, str) else None
        if code is None or (code and not (len(code) == 3 and code.isalpha() and code.isascii())):
            raise Rejected
        return code

    return Rule("a three-letter currency code such as 'USD', or '' for the first account's", convert)


def _account_ids() -> Rule:
    # Checked against the accounts once they are read (settings_from_dict), so only the shape here.
    def convert(value: Any, report: Report) -> tuple[str, ...]:
        if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
            raise Rejected
        return tuple(dict.fromkeys(value))

    return Rule("a list of account ids like ['main', 'ftmo'] (leave it out for every account)", convert)


# The keys of one account's terminal, in `[[accounts]]` (an older file's `[terminal]` section).
TERMINAL_RULES: dict[str, Rule] = {
    "backend": choice(Backend),
    "path": text(4096),
    "login": account_login(),
    "server": text(128),
    "timeout_ms": whole(1_000, 120_000),
    "bridge_host": host(),
    "bridge_port": whole(1, 65_535),
    "order_deadline_s": number(1, 120),
    "host_silent_limit_s": number(5, 600),
    "demo_currency": _demo_currency(),
    "demo_balance": number(100, 1_000_000_000),
}


def _limit_rule(limit: RiskLimit) -> Rule:
    return whole(int(limit.low), int(limit.high)) if limit.whole else number(limit.low, limit.high)


RISK_RULES: dict[str, Rule] = {
    "allow_real_account": flag(),
    # Bounds from the limits' one declaration, which the Risk page shows.
    **{limit.key: _limit_rule(limit) for limit in RISK_LIMITS},
    "desk_currency": _currency(),
}

_SECTIONS: dict[str, tuple[type, dict[str, Rule]]] = {
    "intervals": (
        IntervalSettings,
        {
            "pnl_s": number(0.2, 60),
            "positions_s": number(0.5, 300),
            "account_s": number(0.5, 300),
            "heartbeat_s": number(5, 600),
        },
    ),
    "notifications": (
        NotificationSettings,
        {"auto_trade": flag(), "trade_error": flag(), "connection": flag()},
    ),
    "ui": (UiSettings, {"theme": choice(Theme), "close_to_tray": flag()}),
    "remote": (
        RemoteSettings,
        {
            "enabled": flag(),
            "host": text(253, allow_empty=False),
            "port": whole(1, 65_535),
            "tls_cert": text(4096),
            "tls_key": text(4096),
            "allowed_origins": _origins(),
            "mask_account": flag(),
            "max_clients": whole(1, 200),
            "accounts": _account_ids(),
        },
    ),
    "risk": (RiskSettings, RISK_RULES),
    "alerts": (
        AlertSettings,
        {
            "auto_trade": flag(),
            "trade_error": flag(),
            "model_blocked": flag(),
            "daily_loss": flag(),
            "kill_switch": flag(),
            "connection": flag(),
            "connection_after_s": whole(0, 86_400),
            "unclean_stop": flag(),
            "show_account": flag(),
            "channels": _alert_channels(),
        },
    ),
}


def settings_from_dict(data: object) -> tuple[Settings, list[str]]:
    """Settings from a TOML-shaped dict; each bad or unknown value gives a problem line naming its key.

    An older file's single `[terminal]` section is read as the first account (see app.core.accounts).
    """
    from app.core.accounts import accounts_from_list, migrated_terminal_section  # it builds on this module

    problems: list[str] = []
    if not isinstance(data, Mapping):
        problems.append(f"settings: must be a table of sections, got {data!r}; using defaults")
        return Settings(), problems
    data = migrated_terminal_section(data) or data
    for key in data:
        if key not in _SECTIONS and key != "accounts":
            problems.append(
                "terminal: each account has its own terminal settings in [[accounts]] now; ignored"
                if key == "terminal"
                else unknown_key_problem(str(key))
            )
    sections = {
        name: _section_from_dict(name, kind, rules, data.get(name, {}), problems)
        for name, (kind, rules) in _SECTIONS.items()
    }
    settings = Settings(**sections)
    if "accounts" in data:
        settings = replace(settings, accounts=accounts_from_list(data["accounts"], settings.risk, problems))
    return _check_remote_accounts(_check_tls_pair(settings, problems), problems), problems


def _section_from_dict(name: str, kind: type, rules: dict[str, Rule], raw: Any, problems: list[str]) -> Any:
    defaults = kind()
    if not isinstance(raw, Mapping):
        problems.append(f"{name}: must be a table of settings, got {raw!r}; using defaults for the section")
        return defaults
    return replace(defaults, **checked_values(name, asdict(defaults), rules, raw, problems))


def _check_remote_accounts(settings: Settings, problems: list[str]) -> Settings:
    # An id no account has would hide nothing and show nothing: say so rather than serve an empty desk.
    # A misspelt id must never widen what viewers see: with none left they see no account at all.
    remote = settings.remote
    known = {account.id for account in settings.accounts}
    unknown = [ident for ident in remote.accounts or () if ident not in known]
    if not unknown:
        return settings
    names = ", ".join(repr(ident) for ident in unknown)
    kept = tuple(ident for ident in remote.accounts or () if ident in known)
    shown = "; viewers see no account until it names one" if not kept else ""
    problems.append(f"remote.accounts: {names} is no account of [[accounts]]; ignored{shown}")
    return replace(settings, remote=replace(remote, accounts=kept))


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


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """A TOML-writable dict of `settings`: enums as their values, tuples as lists, unset values left out."""
    from app.core.accounts import accounts_to_list  # it builds on this module

    result: dict[str, Any] = {"accounts": accounts_to_list(settings.accounts, settings.risk)}
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

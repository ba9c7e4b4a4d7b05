"""The desk's accounts in settings.toml (`[[accounts]]`): checking them, writing them, and the one-time move
of an older file's single `[terminal]` section into the first account.

Each account is one MetaTrader 5 terminal (or the simulator) with a terminal host of its own. Problems name
the account by its id and the key (`accounts.ftmo.login: must be ...`), as the settings loader names every
other key; an account without a usable id is named by its place in the list (`accounts[2].id`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields, replace
from enum import Enum
from typing import Any

from app.core.enums import Backend
from app.core.setting_rules import Rule, checked_values, flag, show, text
from app.core.settings import (
    DESK_RISK_KEYS,
    FIRST_ACCOUNT_ID,
    RISK_RULES,
    TERMINAL_RULES,
    AccountSettings,
    RiskSettings,
    TerminalSettings,
)

__all__ = [
    "MAX_ACCOUNTS",
    "accounts_from_list",
    "accounts_to_list",
    "is_account_id",
    "migrated_terminal_section",
]

MAX_ACCOUNTS = 16
MAX_ACCOUNT_ID = 32
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")
_LEGACY_NAMES = {Backend.SIM: "Demo", Backend.BRIDGE: "MetaTrader 5 (Wine)"}

_ACCOUNT_RULES: dict[str, Rule] = {"name": text(64), "enabled": flag(), **TERMINAL_RULES}
_ACCOUNT_DEFAULTS: dict[str, Any] = {"name": "", "enabled": True, **asdict(TerminalSettings())}


def is_account_id(value: object) -> bool:
    """1 to 32 lowercase letters, digits, '-' or '_', starting with a letter or digit."""
    return (
        isinstance(value, str)
        and 1 <= len(value) <= MAX_ACCOUNT_ID
        and set(value) <= _ID_CHARS
        and value[0] not in "-_"
    )


def accounts_from_list(raw: Any, desk_risk: RiskSettings, problems: list[str]) -> tuple[AccountSettings, ...]:
    """The accounts of `[[accounts]]`. A bad value falls back to its default; an account that cannot be
    told apart (no usable id, an id used twice) is left out; each with a problem line saying so."""
    if not isinstance(raw, list | tuple):
        problems.append(
            f"accounts: must be a list of tables ([[accounts]] sections), got {show(raw)}; using one "
            f"account '{FIRST_ACCOUNT_ID}' with the default terminal settings"
        )
        return (AccountSettings(FIRST_ACCOUNT_ID),)
    kept: list[AccountSettings] = []
    for index, item in enumerate(raw):
        account = _account(index, item, desk_risk, problems)
        if account is None:
            continue
        if any(account.id == other.id for other in kept):
            problems.append(f"accounts.{account.id}: the id is used twice; the second account is ignored")
        elif len(kept) == MAX_ACCOUNTS:
            problems.append(f"accounts.{account.id}: at most {MAX_ACCOUNTS} accounts; ignored")
        else:
            kept.append(_one_host_per_account(account, kept, problems))
    return tuple(kept)


def _account(index: int, item: Any, desk_risk: RiskSettings, problems: list[str]) -> AccountSettings | None:
    if not isinstance(item, Mapping):
        problems.append(
            f"accounts[{index}]: must be a table like {{id = 'demo', backend = 'sim'}}, got {show(item)}; "
            "ignored"
        )
        return None
    ident = item.get("id")
    if not is_account_id(ident):
        problems.append(
            f"accounts[{index}].id: must be 1 to {MAX_ACCOUNT_ID} lowercase letters, digits, '-' or '_', got "
            f"{show(ident)}; this account is ignored"
        )
        return None
    assert isinstance(ident, str)  # is_account_id said so
    where = f"accounts.{ident}"
    values = checked_values(
        where, _ACCOUNT_DEFAULTS, _ACCOUNT_RULES, item, problems, ignore={"id": "", "risk": ""}
    )
    terminal = replace(
        TerminalSettings(), **{key: value for key, value in values.items() if key not in ("name", "enabled")}
    )
    risk = _account_risk(where, item["risk"], desk_risk, problems) if "risk" in item else None
    return AccountSettings(ident, values.get("name", ""), values.get("enabled", True), terminal, risk)


def _account_risk(where: str, raw: Any, desk: RiskSettings, problems: list[str]) -> RiskSettings | None:
    if not isinstance(raw, Mapping):
        problems.append(
            f"{where}.risk: must be a table of risk limits like {{daily_loss_limit = 200}}, got {show(raw)}; "
            "using the desk's [risk] limits"
        )
        return None
    rules = {key: rule for key, rule in RISK_RULES.items() if key not in DESK_RISK_KEYS}
    desk_wide = "a desk-wide limit: set it in [risk], not per account; ignored"
    values = checked_values(
        f"{where}.risk", asdict(desk), rules, raw, problems, ignore=dict.fromkeys(DESK_RISK_KEYS, desk_wide)
    )
    return replace(desk, **values)


def _one_host_per_account(
    account: AccountSettings, kept: list[AccountSettings], problems: list[str]
) -> AccountSettings:
    """Switch off a second account naming the same broker account: two hosts on one account would show,
    journal and limit its positions twice."""
    mine = account.terminal
    if not account.enabled or mine.login is None or mine.backend is Backend.SIM:
        return account
    for other in kept:
        theirs = other.terminal
        same = (theirs.login, theirs.server) == (mine.login, mine.server)
        if other.enabled and theirs.backend is not Backend.SIM and same:
            on = f" on {mine.server!r}" if mine.server else ""
            problems.append(
                f"accounts.{account.id}.login: account {mine.login}{on} is account '{other.id}' already; "
                f"'{account.id}' is switched off (one terminal host per broker account)"
            )
            return replace(account, enabled=False)
    return account


def accounts_to_list(accounts: tuple[AccountSettings, ...], desk_risk: RiskSettings) -> list[dict[str, Any]]:
    """The `[[accounts]]` tables: unset values left out (TOML has no null), and of an account's own risk
    limits only those that differ from the desk's `[risk]`."""
    tables = []
    for account in accounts:
        table: dict[str, Any] = {"id": account.id, "name": account.name, "enabled": account.enabled}
        for item in fields(TerminalSettings):
            value = getattr(account.terminal, item.name)
            if value is not None:
                table[item.name] = value.value if isinstance(value, Enum) else value
        if account.risk is not None:
            table["risk"] = {
                item.name: getattr(account.risk, item.name)
                for item in fields(RiskSettings)
                if item.name not in DESK_RISK_KEYS
                and getattr(account.risk, item.name) != getattr(desk_risk, item.name)
            }
        tables.append(table)
    return tables


def migrated_terminal_section(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """An older file's `[terminal]` section moved into a first account (id 'main'), the rest of the file as
    it was; None when there is nothing to move (no `[terminal]` table, or `accounts` already there)."""
    terminal = data.get("terminal")
    if "accounts" in data or not isinstance(terminal, Mapping):
        return None
    backend = terminal.get("backend")
    try:
        name = _LEGACY_NAMES.get(Backend(str(backend).strip().lower()), "MetaTrader 5")
    except ValueError:
        name = "MetaTrader 5"
    moved = {key: value for key, value in data.items() if key != "terminal"}
    moved["accounts"] = [{"id": FIRST_ACCOUNT_ID, "name": name, "enabled": True, **terminal}]
    return moved

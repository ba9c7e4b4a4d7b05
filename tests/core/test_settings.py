"""Settings: safe defaults, a lossless dict round trip, and validation naming the key of each bad value."""

from __future__ import annotations

import math
from dataclasses import fields, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.enums import Backend
from app.core.settings import (
    AccountSettings,
    IntervalSettings,
    NotificationSettings,
    RemoteSettings,
    RiskSettings,
    Settings,
    TerminalSettings,
    Theme,
    UiSettings,
    settings_from_dict,
    settings_to_dict,
)


def only_problem(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def test_defaults_keep_remote_viewing_off_on_loopback_and_real_accounts_blocked() -> None:
    defaults = Settings()
    assert defaults.remote.enabled is False
    assert defaults.remote.host == "127.0.0.1"
    assert defaults.risk.allow_real_account is False
    assert defaults.primary.terminal.backend is Backend.AUTO


def test_default_risk_limits_are_the_documented_ones() -> None:
    assert Settings().risk == RiskSettings(
        allow_real_account=False,
        max_lot_per_trade=1.0,
        max_open_positions_total=10,
        daily_loss_limit=500.0,
        max_trades_per_day=50,
        cooldown_after_losses=3,
        cooldown_minutes=60,
    )


def test_a_whole_daily_loss_limit_is_stored_as_a_float() -> None:
    loaded, problems = settings_from_dict({"risk": {"daily_loss_limit": 200}})
    assert problems == [] and loaded.risk.daily_loss_limit == 200.0
    assert type(loaded.risk.daily_loss_limit) is float


def test_default_intervals_match_the_sync_loops_of_the_architecture() -> None:
    assert Settings().intervals == IntervalSettings(
        pnl_s=1.0, positions_s=3.0, account_s=5.0, heartbeat_s=30.0
    )


def test_no_section_and_no_account_has_a_password_field() -> None:
    sections = [
        getattr(Settings(), section.name) for section in fields(Settings) if section.name != "accounts"
    ]
    tables = [*sections, AccountSettings("main"), TerminalSettings(), RiskSettings()]
    names = [item.name for table in tables for item in fields(table)]
    assert not [name for name in names if "password" in name or "secret" in name]


def test_an_empty_dict_gives_defaults_and_no_problems() -> None:
    assert settings_from_dict({}) == (Settings(), [])


def test_every_non_default_value_survives_a_round_trip_through_a_dict() -> None:
    custom = Settings(
        accounts=(
            AccountSettings(
                "ftmo-1",
                "FTMO 1",
                terminal=TerminalSettings(
                    backend=Backend.BRIDGE,
                    path="C:/MT5/terminal64.exe",
                    login=5012345,
                    server="Broker-Demo",
                    timeout_ms=30_000,
                    order_deadline_s=3.0,
                    host_silent_limit_s=45.0,
                ),
                risk=RiskSettings(daily_loss_limit=120.0, max_lot_per_trade=0.2),
            ),
            AccountSettings(
                "demo-eur",
                "Demo EUR",
                enabled=False,
                terminal=TerminalSettings(backend=Backend.SIM, demo_currency="EUR", demo_balance=5_000.0),
            ),
        ),
        intervals=IntervalSettings(pnl_s=0.5, positions_s=2.0, account_s=10.0, heartbeat_s=60.0),
        notifications=NotificationSettings(auto_trade=False, trade_error=False, connection=False),
        ui=UiSettings(theme=Theme.DARK, close_to_tray=True),
        remote=RemoteSettings(
            enabled=True,
            host="0.0.0.0",
            port=9443,
            tls_cert="/etc/desk/cert.pem",
            tls_key="/etc/desk/key.pem",
            allowed_origins=("https://desk.example.com", "http://localhost:5173"),
            mask_account=False,
            max_clients=5,
        ),
        risk=RiskSettings(
            allow_real_account=True,
            max_lot_per_trade=0.5,
            max_open_positions_total=3,
            daily_loss_limit=250.0,
            max_trades_per_day=12,
            cooldown_after_losses=0,
            cooldown_minutes=15,
            desk_daily_loss_limit=900.0,
            desk_currency="EUR",
        ),
    )
    # An account's own limits are kept beside the desk's: the desk-wide ones always the desk's.
    own = custom.accounts[0].limits(custom.risk)
    custom = replace(custom, accounts=(replace(custom.accounts[0], risk=own), custom.accounts[1]))
    assert settings_from_dict(settings_to_dict(custom)) == (custom, [])


def test_to_dict_leaves_an_unset_login_out_because_toml_has_no_null() -> None:
    assert "login" not in settings_to_dict(Settings())["accounts"][0]


def test_to_dict_writes_enums_as_their_text_and_tuples_as_lists() -> None:
    data = settings_to_dict(
        Settings(ui=UiSettings(theme=Theme.LIGHT), remote=RemoteSettings(allowed_origins=("https://a.io",)))
    )
    assert type(data["ui"]["theme"]) is str and data["ui"]["theme"] == "light"
    assert data["remote"]["allowed_origins"] == ["https://a.io"]


def test_whole_numbers_are_accepted_for_intervals_and_stored_as_floats() -> None:
    loaded, problems = settings_from_dict({"intervals": {"heartbeat_s": 45}})
    assert problems == []
    assert loaded.intervals.heartbeat_s == 45.0 and type(loaded.intervals.heartbeat_s) is float


def test_enum_values_are_read_regardless_of_case_and_surrounding_spaces() -> None:
    loaded, problems = settings_from_dict({"terminal": {"backend": " SIM "}, "ui": {"theme": "Dark"}})
    assert problems == []
    assert (loaded.primary.terminal.backend, loaded.ui.theme) == (Backend.SIM, Theme.DARK)


@pytest.mark.parametrize("value", [0.2, 60])
def test_interval_bounds_are_inclusive(value: float) -> None:
    loaded, problems = settings_from_dict({"intervals": {"pnl_s": value}})
    assert problems == [] and loaded.intervals.pnl_s == value


# (section, key, bad value, fragment the problem must contain)
BAD_VALUES: list[tuple[str, str, Any, str]] = [
    ("terminal", "backend", "metatrader", "one of 'auto', 'mt5', 'sim', 'bridge'"),
    ("terminal", "backend", 1, "one of"),
    ("terminal", "path", 42, "text"),
    ("terminal", "path", "x" * 5000, "at most 4096 characters"),
    ("terminal", "login", -5, "positive whole number"),
    ("terminal", "login", 0, "positive whole number"),
    ("terminal", "login", "5012345", "positive whole number"),
    ("terminal", "login", True, "positive whole number"),
    ("terminal", "server", "Broker\nDemo", "text"),
    ("terminal", "timeout_ms", 500, "between 1000 and 120000"),
    ("terminal", "timeout_ms", 1500.5, "whole number"),
    ("terminal", "order_deadline_s", 0, "a number between 1 and 120"),
    ("terminal", "order_deadline_s", "5", "a number between 1 and 120"),
    ("terminal", "host_silent_limit_s", 2, "a number between 5 and 600"),
    ("intervals", "pnl_s", "fast", "a number between 0.2 and 60"),
    ("intervals", "pnl_s", 0, "a number between 0.2 and 60"),
    ("intervals", "pnl_s", -1.0, "a number between 0.2 and 60"),
    ("intervals", "pnl_s", 1000, "a number between 0.2 and 60"),
    ("intervals", "pnl_s", math.nan, "a number between 0.2 and 60"),
    ("intervals", "pnl_s", True, "a number"),
    ("intervals", "positions_s", math.inf, "between 0.5 and 300"),
    ("intervals", "account_s", [5], "between 0.5 and 300"),
    ("intervals", "heartbeat_s", 1, "between 5 and 600"),
    ("notifications", "auto_trade", "yes", "true or false"),
    ("notifications", "trade_error", 1, "true or false"),
    ("notifications", "connection", None, "true or false"),
    ("ui", "theme", "blue", "one of 'system', 'light', 'dark'"),
    ("ui", "close_to_tray", "false", "true or false"),
    ("remote", "enabled", 0, "true or false"),
    ("remote", "host", "", "non-empty text"),
    ("remote", "host", "   ", "non-empty text"),
    ("remote", "port", 0, "between 1 and 65535"),
    ("remote", "port", 70_000, "between 1 and 65535"),
    ("remote", "port", "8765", "whole number"),
    ("remote", "port", True, "whole number"),
    ("remote", "tls_cert", 5, "text"),
    ("remote", "allowed_origins", "https://desk.example.com", "a list of web origins"),
    ("remote", "mask_account", "no", "true or false"),
    ("remote", "max_clients", 0, "between 1 and 200"),
    ("remote", "max_clients", 10_000, "between 1 and 200"),
    ("risk", "allow_real_account", "true", "true or false"),
    ("risk", "max_lot_per_trade", 0, "a number between 0.001 and 10000"),
    ("risk", "max_lot_per_trade", "1", "a number"),
    ("risk", "max_open_positions_total", 0, "between 1 and 1000"),
    ("risk", "max_open_positions_total", 2.5, "whole number"),
    ("risk", "daily_loss_limit", -100.0, "a number between 0.01 and 1000000000"),
    ("risk", "daily_loss_limit", math.inf, "a number"),
    ("risk", "max_trades_per_day", 0, "between 1 and 10000"),
    ("risk", "cooldown_after_losses", -1, "between 0 and 100"),
    ("risk", "cooldown_minutes", 20_000, "between 0 and 10080"),
]


@pytest.mark.parametrize(("section", "key", "bad", "expected"), BAD_VALUES)
def test_a_bad_value_is_replaced_by_its_default_with_a_problem_naming_the_key(
    section: str, key: str, bad: Any, expected: str
) -> None:
    if section == "terminal":  # an account's terminal, in [[accounts]], named by the account's id
        loaded, problems = settings_from_dict({"accounts": [{"id": "demo", key: bad}]})
        where, used, default = "accounts.demo", loaded.accounts[0].terminal, TerminalSettings()
    else:
        loaded, problems = settings_from_dict({section: {key: bad}})
        where, used, default = section, getattr(loaded, section), getattr(Settings(), section)
    problem = only_problem(problems)
    assert problem.startswith(f"{where}.{key}: must be ")
    assert expected in problem
    assert " got " in problem and "; using " in problem
    assert getattr(used, key) == getattr(default, key)


def test_a_problem_shows_the_bad_value_and_the_default_in_toml_spelling() -> None:
    _, problems = settings_from_dict({"intervals": {"pnl_s": "fast"}, "ui": {"close_to_tray": "yes"}})
    assert problems == [
        "intervals.pnl_s: must be a number between 0.2 and 60, got 'fast'; using 1.0",
        "ui.close_to_tray: must be true or false, got 'yes'; using false",
    ]


def test_good_values_next_to_a_bad_one_in_the_same_section_are_kept() -> None:
    loaded, problems = settings_from_dict({"intervals": {"pnl_s": "fast", "positions_s": 7}})
    assert len(problems) == 1
    assert (loaded.intervals.pnl_s, loaded.intervals.positions_s) == (1.0, 7.0)


def test_an_unknown_section_is_ignored_with_a_problem() -> None:
    loaded, problems = settings_from_dict({"colours": {"red": 1}})
    assert loaded == Settings()
    assert only_problem(problems) == "colours: unknown setting, ignored"


def test_an_unknown_key_in_a_section_is_ignored_with_a_problem_naming_it() -> None:
    loaded, problems = settings_from_dict({"intervals": {"pnl_seconds": 2, "pnl_s": 2}})
    assert loaded.intervals.pnl_s == 2.0
    assert only_problem(problems) == "intervals.pnl_seconds: unknown setting, ignored"


def test_a_password_in_the_file_is_ignored_and_the_trader_is_told_to_remove_it() -> None:
    loaded, problems = settings_from_dict({"terminal": {"password": "hunter2", "login": 7}})
    assert loaded.primary.terminal.login == 7
    problem = only_problem(problems)
    assert problem.startswith("accounts.main.password: secrets are never read from the settings file")
    assert "keyring" in problem and "remove this line" in problem
    assert "hunter2" not in problem


def test_a_section_that_is_not_a_table_falls_back_to_its_defaults() -> None:
    loaded, problems = settings_from_dict({"remote": "on", "risk": {"allow_real_account": True}})
    assert loaded.remote == RemoteSettings()
    assert loaded.risk.allow_real_account is True
    assert only_problem(problems).startswith("remote: must be a table of settings, got 'on'")


def test_data_that_is_not_a_table_gives_defaults_with_a_problem() -> None:
    loaded, problems = settings_from_dict(["terminal"])
    assert loaded == Settings()
    assert only_problem(problems).startswith("settings: must be a table of sections")


def test_a_bad_origin_is_dropped_by_its_index_and_the_good_ones_kept() -> None:
    origins = ["https://desk.example.com", "desk.example.com", "http://localhost:5173", "https://x.io/path"]
    loaded, problems = settings_from_dict({"remote": {"allowed_origins": origins}})
    assert loaded.remote.allowed_origins == ("https://desk.example.com", "http://localhost:5173")
    assert [problem.split(":")[0] for problem in problems] == [
        "remote.allowed_origins[1]",
        "remote.allowed_origins[3]",
    ]
    assert all(problem.endswith("; ignored") for problem in problems)


@pytest.mark.parametrize(("present", "missing"), [("tls_cert", "tls_key"), ("tls_key", "tls_cert")])
def test_half_a_tls_pair_turns_tls_off_and_names_the_missing_key(present: str, missing: str) -> None:
    loaded, problems = settings_from_dict({"remote": {present: "/etc/desk/file.pem"}})
    assert (loaded.remote.tls_cert, loaded.remote.tls_key) == ("", "")
    problem = only_problem(problems)
    assert problem.startswith(f"remote.{missing}: must be set together with remote.{present}")


KEY_NAMES = [
    "terminal",
    "intervals",
    "remote",
    "ui",
    "risk",
    "notifications",
    "pnl_s",
    "port",
    "host",
    "login",
]
TOML_SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
TOML_VALUES = st.recursive(
    TOML_SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEY_NAMES) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(KEY_NAMES) | st.text(max_size=8), TOML_VALUES, max_size=6))
def test_any_toml_shaped_data_gives_settings_and_never_raises(data: dict[str, Any]) -> None:
    loaded, problems = settings_from_dict(data)
    assert isinstance(loaded, Settings)
    assert all(isinstance(problem, str) and ": " in problem for problem in problems)
    # Whatever came in, what goes out can be written back and read again without complaint.
    assert settings_from_dict(settings_to_dict(loaded)) == (loaded, [])

"""settings.toml on disk: defaults when missing, corrupt files kept aside, atomic saves; the app folders."""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import Backend
from app.core.settings import AccountSettings, IntervalSettings, Settings, TerminalSettings
from app.storage.paths import AppPaths
from app.storage.settings_store import load_settings, save_settings

MOMENT = datetime(2026, 11, 18, 10, 30, 5)


def at_moment() -> datetime:
    return MOMENT


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.toml"


TERMINAL_DEFAULTS = {
    "backend": "auto",
    **{k: v for k, v in asdict(TerminalSettings()).items() if k != "backend"},
}
del TERMINAL_DEFAULTS["login"]  # unset: TOML has no null


def one_terminal(**terminal: Any) -> Settings:
    """Settings of one account on this terminal."""
    return Settings(
        accounts=(AccountSettings("main", "MetaTrader 5", terminal=TerminalSettings(**terminal)),)
    )


def test_a_missing_file_gives_defaults_without_problems(settings_file: Path) -> None:
    loaded = load_settings(settings_file)
    assert (loaded.settings, loaded.problems, loaded.backup_path) == (Settings(), [], None)


def test_saved_settings_load_back_equal(settings_file: Path) -> None:
    custom = Settings(
        accounts=(
            AccountSettings("main", "Demo", terminal=TerminalSettings(Backend.SIM, login=5012345)),
            AccountSettings(
                "ftmo", "FTMO", terminal=TerminalSettings(Backend.MT5, login=77, server="FTMO-Demo")
            ),
        ),
        intervals=IntervalSettings(pnl_s=0.5),
    )
    save_settings(settings_file, custom)
    loaded = load_settings(settings_file)
    assert (loaded.settings, loaded.problems, loaded.backup_path) == (custom, [], None)


def test_a_saved_file_is_plain_toml_with_one_table_per_section(settings_file: Path) -> None:
    save_settings(settings_file, Settings())
    data = tomllib.loads(settings_file.read_text(encoding="utf-8"))
    assert set(data) == {"accounts", "intervals", "notifications", "ui", "remote", "risk", "alerts"}
    assert data["accounts"] == [{"id": "main", "name": "MetaTrader 5", "enabled": True, **TERMINAL_DEFAULTS}]


def test_save_creates_the_missing_config_folder(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "settings.toml"
    save_settings(target, Settings())
    assert target.is_file()


def test_save_replaces_the_old_file_and_leaves_no_temporary_files(settings_file: Path) -> None:
    save_settings(settings_file, Settings())
    save_settings(settings_file, one_terminal(server="Second"))
    assert [p.name for p in settings_file.parent.iterdir()] == ["settings.toml"]
    assert load_settings(settings_file).settings.primary.terminal.server == "Second"


def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary_files(settings_file: Path) -> None:
    save_settings(settings_file, one_terminal(server="Old"))
    before = settings_file.read_bytes()
    unwritable = one_terminal(server="bad\udcff")  # a lone surrogate cannot be UTF-8
    with pytest.raises(UnicodeEncodeError):
        save_settings(settings_file, unwritable)
    assert settings_file.read_bytes() == before
    assert [p.name for p in settings_file.parent.iterdir()] == ["settings.toml"]


def test_bad_values_in_a_valid_file_are_reported_by_key_and_the_file_is_left_alone(
    settings_file: Path,
) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text('[intervals]\npnl_s = "fast"\n', encoding="utf-8")
    loaded = load_settings(settings_file)
    assert loaded.problems == ["intervals.pnl_s: must be a number between 0.2 and 60, got 'fast'; using 1.0"]
    assert loaded.backup_path is None
    assert settings_file.read_text(encoding="utf-8") == '[intervals]\npnl_s = "fast"\n'


def test_a_corrupt_file_is_moved_to_a_timestamped_backup_and_defaults_are_used(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text("[terminal\nlogin = 5", encoding="utf-8")
    loaded = load_settings(settings_file, now=at_moment)
    backup = settings_file.with_name("settings.toml.corrupt-20261118-103005")
    assert loaded.settings == Settings()
    assert loaded.backup_path == backup
    assert backup.read_text(encoding="utf-8") == "[terminal\nlogin = 5"
    assert not settings_file.exists()


def test_the_corrupt_file_problem_says_where_the_backup_is(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text("not = = toml", encoding="utf-8")
    loaded = load_settings(settings_file, now=at_moment)
    [problem] = loaded.problems
    assert "not valid TOML" in problem
    assert problem.endswith(f"The old file was kept as {loaded.backup_path}")


def test_a_file_that_is_not_utf8_counts_as_corrupt(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_bytes(b'[terminal]\nserver = "\xff\xfe"\n')
    loaded = load_settings(settings_file, now=at_moment)
    assert loaded.settings == Settings()
    assert loaded.backup_path is not None and loaded.backup_path.exists()


def test_a_second_corrupt_file_in_the_same_second_gets_its_own_backup(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text("first = [", encoding="utf-8")
    first = load_settings(settings_file, now=at_moment).backup_path
    settings_file.write_text("second = [", encoding="utf-8")
    second = load_settings(settings_file, now=at_moment).backup_path
    assert first is not None and second is not None and first != second
    assert (first.read_text(), second.read_text()) == ("first = [", "second = [")


def test_a_corrupt_file_that_cannot_be_moved_is_reported_and_defaults_used(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text("broken = [", encoding="utf-8")

    # A read-only folder cannot stop root (who runs CI), so the refusal is injected at the rename itself.
    def refuse(self: Path, target: Path) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", refuse)
    loaded = load_settings(settings_file, now=at_moment)
    assert loaded.settings == Settings() and loaded.backup_path is None
    [problem] = loaded.problems
    assert "not valid TOML" in problem and "could not be moved aside (Permission denied)" in problem
    assert settings_file.read_text(encoding="utf-8") == "broken = ["


def test_a_settings_path_that_is_a_folder_is_reported_not_raised(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path)
    assert loaded.settings == Settings() and loaded.backup_path is None
    assert loaded.problems[0].startswith(f"{tmp_path} is not a regular file (a folder); using default")


def test_mt5desk_home_puts_every_path_under_that_folder(tmp_path: Path) -> None:
    paths = AppPaths.from_environment({"MT5DESK_HOME": str(tmp_path)})
    for value in (
        paths.config_dir,
        paths.data_dir,
        paths.log_dir,
        paths.settings_file,
        paths.database_file,
        paths.sim_state_file,
        paths.models_dir,
        paths.lock_file,
    ):
        assert value.is_relative_to(tmp_path)
    assert paths.settings_file.name == "settings.toml"


def test_without_mt5desk_home_the_platform_folders_named_for_the_app_are_used() -> None:
    paths = AppPaths.from_environment({})
    assert "MT5Desk" in paths.config_dir.parts and "MT5Desk" in paths.data_dir.parts
    assert paths.settings_file.parent == paths.config_dir


def test_a_relative_mt5desk_home_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    paths = AppPaths.from_environment({"MT5DESK_HOME": "desk"})
    assert paths.config_dir == tmp_path.resolve() / "desk" / "config"


def test_ensure_creates_the_folders_but_no_files(tmp_path: Path) -> None:
    paths = AppPaths.from_environment({"MT5DESK_HOME": str(tmp_path / "home")}).ensure()
    assert all(
        folder.is_dir() for folder in (paths.config_dir, paths.data_dir, paths.log_dir, paths.models_dir)
    )
    assert not paths.settings_file.exists() and not paths.database_file.exists()


def test_the_test_session_keeps_app_folders_out_of_the_real_user_folders() -> None:
    home = Path(os.environ["MT5DESK_HOME"]).resolve()
    assert AppPaths.from_environment().config_dir.is_relative_to(home)
    assert not AppPaths.from_environment().config_dir.is_relative_to(AppPaths.from_environment({}).config_dir)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("x = " + "[" * 50_000, "is nested more than 16 levels deep (line 1)"),
        ("x = " + "{a = " * 5_000, "is nested more than 16 levels deep (line 1)"),
        (".".join(["k"] * 50_000) + " = 1", "is nested more than 16 levels deep (line 1)"),
        (
            "# " + "x" * 300_000,
            "is 300,002 bytes, more than the 262,144 read at most; a settings file is a few kilobytes",
        ),
    ],
    ids=["deep-array", "deep-inline-table", "deep-dotted-key", "huge"],
)
def test_a_hostile_file_is_set_aside_with_a_message_instead_of_crashing(
    settings_file: Path, text: str, said: str
) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(text, encoding="utf-8")
    loaded = load_settings(settings_file, now=at_moment)
    [problem] = loaded.problems
    assert said in problem and problem.endswith(f"The old file was kept as {loaded.backup_path}")
    assert loaded.settings == Settings()
    assert loaded.backup_path is not None and loaded.backup_path.read_text(encoding="utf-8") == text


def test_brackets_inside_strings_and_comments_do_not_count_as_nesting(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    many = "[" * 32
    settings_file.write_text(
        f'# {many}\n[terminal]\nserver = "{many}"\npath = """{{{{{{{{{{{{{{{{{{{{\n{many}"""\n',
        encoding="utf-8",
    )
    loaded = load_settings(settings_file)
    assert loaded.backup_path is None and not any("nested" in problem for problem in loaded.problems)
    assert loaded.settings.primary.terminal.server == many


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_in_place_of_the_file_is_reported_at_once_and_left_alone(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    os.mkfifo(settings_file)
    loaded = load_settings(settings_file)
    assert loaded.settings == Settings() and loaded.backup_path is None
    assert "is not a regular file (a named pipe); using default settings" in loaded.problems[0]
    assert settings_file.exists()


def test_dotted_keys_and_table_headers_within_the_limit_are_read(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(
        'terminal.server = "a.b.c"\n[remote]\nallowed_origins = [\n  "https://a.example.com",\n]\n'
        "[intervals]\npnl_s = 1.5\n",
        encoding="utf-8",
    )
    loaded = load_settings(settings_file)
    assert loaded.problems == []
    assert loaded.settings.primary.terminal.server == "a.b.c"
    assert loaded.settings.remote.allowed_origins == ("https://a.example.com",)
    assert loaded.settings.intervals.pnl_s == 1.5

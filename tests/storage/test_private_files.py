"""Private by default on POSIX: folders 0700 and files 0600 whatever the umask; looser ones found."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.settings import Settings
from app.startup.doctor import check_database, check_settings_file
from app.startup.doctor_privacy import check_private_files, check_token_file
from app.storage.database import open_database
from app.storage.journal import Journal
from app.storage.leftovers import remove_leftover_temp_files
from app.storage.paths import AppPaths
from app.storage.private_files import find_loose, tighten
from app.storage.settings_store import save_settings
from tests.hostile_files import newer_schema_journal

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the common default, under which files come out 0644
    yield
    os.umask(previous)


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths.from_environment({"MT5DESK_HOME": str(tmp_path / "home")})


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_app_folders_are_created_0700(paths: AppPaths) -> None:
    paths.ensure()
    assert {mode(f) for f in (paths.config_dir, paths.data_dir, paths.log_dir, paths.models_dir)} == {0o700}


def test_the_journal_and_its_wal_and_shm_are_0600(paths: AppPaths) -> None:
    with open_database(paths.database_file) as database:
        Journal(database).add_equity_sample(
            time=datetime.now(UTC), balance=1.0, equity=1.0, margin=0.0, floating=0.0
        )
        files = [paths.database_file.with_name(paths.database_file.name + s) for s in ("", "-wal", "-shm")]
        assert [mode(f) for f in files] == [0o600, 0o600, 0o600]
    assert mode(paths.data_dir) == 0o700


def test_the_settings_file_is_0600(paths: AppPaths) -> None:
    save_settings(paths.settings_file, Settings())
    assert (mode(paths.settings_file), mode(paths.config_dir)) == (0o600, 0o700)


def test_files_left_looser_by_an_earlier_version_are_tightened_and_links_left_alone(
    paths: AppPaths, tmp_path: Path
) -> None:
    paths.ensure()
    paths.data_dir.chmod(0o755)
    journal = paths.database_file
    journal.write_bytes(b"")
    journal.chmod(0o644)
    elsewhere = tmp_path / "not-the-apps.txt"
    elsewhere.write_text("x")
    elsewhere.chmod(0o644)
    (paths.data_dir / "link").symlink_to(elsewhere)

    changed = tighten(paths)

    assert {entry.path for entry in changed} == {paths.data_dir, journal}
    assert (mode(paths.data_dir), mode(journal), mode(elsewhere)) == (0o700, 0o600, 0o644)
    assert find_loose(paths) == []


def test_the_doctor_names_looser_files_and_the_chmod_that_fixes_them(paths: AppPaths) -> None:
    paths.ensure()
    paths.settings_file.write_text("")
    paths.settings_file.chmod(0o644)
    result = check_private_files(paths)
    assert not result.ok
    assert f"other users of this computer can read or enter {paths.settings_file} (644)" in result.detail
    assert f"chmod 600 '{paths.settings_file}'" in result.advice
    tighten(paths)
    assert check_private_files(paths).ok


def test_leftover_temporary_files_of_interrupted_saves_are_removed(paths: AppPaths) -> None:
    paths.ensure()
    leftovers = [
        paths.data_dir / ".sim_account.json.k2j4_x9q.tmp",
        paths.config_dir / ".settings.toml.abcd1234.tmp",
        paths.models_dir / ".m1.skops.zz99aa11.tmp",
    ]
    kept = [paths.data_dir / "sim_account.json", paths.data_dir / "notes.tmp", paths.data_dir / ".hidden.tmp"]
    for file in leftovers + kept:
        file.write_text("x")
    removed = remove_leftover_temp_files((paths.config_dir, paths.data_dir, paths.models_dir))
    assert sorted(removed) == sorted(leftovers)
    assert all(file.exists() for file in kept) and not any(file.exists() for file in leftovers)


def test_the_doctor_explains_a_token_file_others_can_read(tmp_path: Path) -> None:
    token = tmp_path / "viewer.token"
    token.write_text("a-good-viewer-token-0123456789")
    token.chmod(0o644)
    result = check_token_file(token)
    assert not result.ok and f"chmod 600 {token}" in result.detail
    token.chmod(0o600)
    assert check_token_file(token).ok


def test_the_doctor_reports_a_settings_file_nested_too_deep_and_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("x = " + "[" * 50_000, encoding="utf-8")
    result = check_settings_file(path)
    assert not result.ok and "is nested more than 16 levels deep (line 1)" in result.detail
    assert path.read_text(encoding="utf-8") == "x = " + "[" * 50_000


def test_the_doctor_reports_a_journal_from_a_newer_version_and_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    before = newer_schema_journal(path)
    result = check_database(path)
    assert not result.ok and "newer version of MT5 Desk" in result.detail
    assert path.read_bytes() == before

"""The viewer token: a private file, else the keyring, else a new one; and the addresses shown with it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import keyring.backend
import pytest
from keyring.backends import fail

from app.remote.tokens import (
    KEYRING_SERVICE,
    KEYRING_USERNAME,
    TokenError,
    TokenSource,
    load_token,
    read_token_file,
    regenerate_token,
    viewer_url,
    websocket_url,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
GOOD = "a-good-viewer-token-0123456789"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend that keeps passwords in a dict (an OS keyring without the OS)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring leaves it unannotated
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


def private_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "viewer.token"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_the_token_file_is_read_without_its_surrounding_whitespace(tmp_path: Path) -> None:
    token = load_token(private_file(tmp_path, f"  {GOOD}\n"), keyring=MemoryKeyring())
    assert (token.value, token.source) == (GOOD, TokenSource.FILE)


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_token_file_others_can_read_is_refused_with_the_chmod_to_run(tmp_path: Path, mode: int) -> None:
    path = private_file(tmp_path, GOOD)
    path.chmod(mode)
    with pytest.raises(TokenError, match=f"can be read by other users.*chmod 600 {re.escape(str(path))}"):
        read_token_file(path)


@pytest.mark.parametrize(
    ("content", "problem"),
    [("", "is empty"), ("short", "too short"), ("has a space inside it!!", "without spaces")],
)
def test_an_unusable_token_file_says_why(tmp_path: Path, content: str, problem: str) -> None:
    with pytest.raises(TokenError, match=problem):
        read_token_file(private_file(tmp_path, content))


def test_a_missing_token_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TokenError, match=r"nope\.token does not exist"):
        read_token_file(tmp_path / "nope.token")


@posix_only
def test_a_symbolic_link_is_refused_even_to_a_private_file(tmp_path: Path) -> None:
    link = tmp_path / "link.token"
    link.symlink_to(private_file(tmp_path, GOOD))
    with pytest.raises(TokenError, match="is a symbolic link; give the real file"):
        read_token_file(link)


@posix_only
def test_a_fifo_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "viewer.token"
    os.mkfifo(fifo, 0o600)
    with pytest.raises(TokenError, match=r"is not a regular file \(a named pipe\)"):
        read_token_file(fifo)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "tokens"
    folder.mkdir(mode=0o700)
    with pytest.raises(TokenError, match=r"not a regular file \(a folder\)"):
        read_token_file(folder)


def test_a_huge_token_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    with pytest.raises(TokenError, match="a token file holds one token"):
        read_token_file(private_file(tmp_path, "x" * 100_000))


def test_without_a_file_the_keyrings_token_is_used() -> None:
    store = MemoryKeyring()
    store.set_password(KEYRING_SERVICE, KEYRING_USERNAME, GOOD)
    token = load_token(keyring=store)
    assert (token.value, token.source, token.stored) == (GOOD, TokenSource.KEYRING, True)


def test_a_new_token_is_generated_and_stored_in_the_keyring() -> None:
    store = MemoryKeyring()
    token = load_token(keyring=store)
    assert token.source is TokenSource.GENERATED and token.stored
    assert len(token.value) >= 40
    assert store.passwords[(KEYRING_SERVICE, KEYRING_USERNAME)] == token.value
    assert load_token(keyring=store).value == token.value, "the next start reuses it"


def test_with_no_keyring_the_token_is_generated_and_the_trader_told_how_to_keep_one() -> None:
    token = load_token(keyring=fail.Keyring())
    assert token.source is TokenSource.GENERATED and not token.stored
    assert "--token-file" in token.problem


def test_regenerating_replaces_the_stored_token() -> None:
    store = MemoryKeyring()
    first = load_token(keyring=store)
    second = regenerate_token(keyring=store)
    assert second.value != first.value
    assert load_token(keyring=store).value == second.value


def test_the_token_is_kept_out_of_repr() -> None:
    token = load_token(keyring=MemoryKeyring())
    assert token.value not in repr(token)


@pytest.mark.parametrize(
    ("host", "tls", "expected"),
    [
        ("127.0.0.1", False, f"http://127.0.0.1:8765/?token={GOOD}"),
        ("desk.lan", True, f"https://desk.lan:8765/?token={GOOD}"),
        ("::1", False, f"http://[::1]:8765/?token={GOOD}"),
    ],
)
def test_the_viewer_url_carries_the_token_for_the_browser(host: str, tls: bool, expected: str) -> None:
    assert viewer_url(host, 8765, GOOD, tls) == expected


def test_the_viewer_url_escapes_characters_a_url_cannot_carry() -> None:
    assert viewer_url("127.0.0.1", 1, "a+b&c=d/e", False).endswith("?token=a%2Bb%26c%3Dd%2Fe")


def test_a_wildcard_bind_is_shown_with_the_machines_name() -> None:
    assert "0.0.0.0" not in viewer_url("0.0.0.0", 8765, GOOD, False)


def test_the_desktop_viewer_address_has_no_token() -> None:
    assert websocket_url("127.0.0.1", 8765, tls=True) == "wss://127.0.0.1:8765/"

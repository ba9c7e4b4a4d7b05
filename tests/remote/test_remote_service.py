"""RemoteService: the server beside a desk, its printed link, and regenerating the viewer token."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import keyring
import pytest
from keyring.backend import KeyringBackend
from websockets.exceptions import InvalidStatus

from app.core.settings import RemoteSettings
from app.engine.desk import Desk as AppDesk
from app.remote.server import RemoteConfigError
from app.startup.remote_wiring import RemoteService

from .conftest import Desk, run, viewer


class MemoryKeyring(KeyringBackend):
    """A real keyring backend kept in memory, so tests never touch the user's keyring."""

    priority = -1  # never chosen by keyring's own discovery

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring leaves it unannotated
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def token_of(url: str) -> str:
    found = re.search(r"token=([^&]+)", url)
    assert found, url
    return found.group(1)


def port_of(url: str) -> int:
    found = re.search(r":(\d+)/", url)
    assert found, url
    return int(found.group(1))


async def first_type(port: int, token: str) -> str:
    async with viewer(port, token) as socket:
        kind: str = json.loads(await socket.recv())["type"]
        return kind


def as_desk(desk: Desk) -> AppDesk:
    """The stand-in has what RemoteService reads of a desk: its hub and its state."""
    return cast(AppDesk, desk)


def test_start_announces_the_viewer_link_once_with_its_token(desk: Desk) -> None:
    said: list[str] = []
    service = RemoteService(as_desk(desk), RemoteSettings(enabled=True, port=0), None, announce=said.append)

    async def scenario() -> str:
        await service.start()
        try:
            return await first_type(port_of(service.url or ""), token_of(service.url or ""))
        finally:
            await service.stop()

    assert run(scenario()) == "HELLO"
    assert len(said) == 1 and service.url is not None and token_of(service.url) in said[0]


def test_regenerating_refuses_the_old_token_and_accepts_the_new_one_on_the_same_port(desk: Desk) -> None:
    service = RemoteService(
        as_desk(desk), RemoteSettings(enabled=True, port=0), None, announce=lambda _: None
    )

    async def scenario() -> tuple[int, int, str, str, bool]:
        await service.start()
        try:
            old = service.url or ""
            new = await service.regenerate()
            try:
                await first_type(port_of(new), token_of(old))
                refused = False
            except InvalidStatus as error:
                refused = error.response.status_code == 401
            return (
                port_of(old),
                port_of(new),
                token_of(old),
                await first_type(port_of(new), token_of(new)),
                refused,
            )
        finally:
            await service.stop()

    old_port, new_port, old_token, answer, old_refused = run(scenario())
    assert new_port == old_port
    assert answer == "HELLO" and old_refused and old_token


def test_a_token_from_a_file_is_not_regenerated_here(desk: Desk, tmp_path: Path) -> None:
    token_file = tmp_path / "viewer.token"
    token_file.write_text("file-token-abcdefghijklmnop\n")
    token_file.chmod(0o600)
    service = RemoteService(
        as_desk(desk), RemoteSettings(enabled=True, port=0), token_file, announce=lambda _: None
    )

    async def scenario() -> None:
        await service.start()
        try:
            with pytest.raises(ValueError, match=r"viewer\.token"):
                await service.regenerate()
        finally:
            await service.stop()

    run(scenario())
    assert service.token_from_file


def test_a_disabled_server_does_not_listen(desk: Desk) -> None:
    service = RemoteService(as_desk(desk), RemoteSettings(enabled=False), None, announce=lambda _: None)
    run(service.start())
    assert service.url is None and not service.running


@pytest.mark.parametrize(
    ("mode", "content", "said"),
    [(0o644, "file-token-abcdefghijklmnop", "chmod 600"), (0o600, "short", "too short")],
)
def test_an_unusable_token_file_stops_the_start_with_a_config_error_that_says_why(
    desk: Desk, tmp_path: Path, mode: int, content: str, said: str
) -> None:
    token_file = tmp_path / "viewer.token"
    token_file.write_text(content)
    token_file.chmod(mode)
    settings = RemoteSettings(enabled=True, port=0)
    service = RemoteService(as_desk(desk), settings, token_file, announce=lambda _: None)
    with pytest.raises(RemoteConfigError, match=said):
        run(service.start())
    assert not service.running

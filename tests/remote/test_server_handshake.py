"""Who gets in: the viewer token (header or query), the browser Origin, and the page served over HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from app.core.events import Hello
from app.remote.static_page import CONTENT_SECURITY_POLICY
from tests.remote.conftest import TOKEN, Desk, receive, run, serving, viewer


async def refused_status(client: connect) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with client:
            pass
    return refused.value.response.status_code


async def http_get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """A raw HTTP/1.1 GET, the path sent exactly as given (no client-side normalisation)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed: dict[str, str] = {}
    for line in header_lines:
        key, _, value = line.partition(":")
        parsed[key.strip().lower()] = value.strip()
    return int(status_line.split()[1]), parsed, body


@pytest.fixture
def page_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "viewer"
    folder.mkdir()
    (folder / "index.html").write_text('<!doctype html><script src="viewer.js"></script>', encoding="utf-8")
    (folder / "viewer.js").write_text("console.log('viewer');", encoding="utf-8")
    (folder / "viewer.css").write_text("body{}", encoding="utf-8")
    (folder / ".secret.js").write_text("hidden", encoding="utf-8")
    (folder / "notes.txt").write_text("not a page file", encoding="utf-8")
    (tmp_path / "outside.js").write_text("outside the page folder", encoding="utf-8")
    (folder / "linked.js").symlink_to(tmp_path / "outside.js")
    return folder


def test_a_connection_without_a_token_is_refused_with_401(desk: Desk) -> None:
    async def scenario() -> int:
        async with serving(desk) as (_, port):
            return await refused_status(viewer(port, token=None))

    assert run(scenario()) == 401


def test_a_wrong_token_in_the_header_is_refused_with_401(desk: Desk) -> None:
    async def scenario() -> int:
        async with serving(desk) as (_, port):
            return await refused_status(viewer(port, token=TOKEN[:-1] + "X"))

    assert run(scenario()) == 401


def test_a_wrong_token_in_the_query_is_refused_with_401(desk: Desk) -> None:
    async def scenario() -> int:
        async with serving(desk) as (_, port):
            return await refused_status(connect(f"ws://127.0.0.1:{port}/?token=not-the-token-at-all"))

    assert run(scenario()) == 401


def test_an_empty_bearer_is_refused_with_401(desk: Desk) -> None:
    async def scenario() -> int:
        async with serving(desk) as (_, port):
            return await refused_status(
                connect(f"ws://127.0.0.1:{port}/", additional_headers={"Authorization": "Bearer "})
            )

    assert run(scenario()) == 401


def test_the_token_in_the_query_is_accepted(desk: Desk) -> None:
    async def scenario() -> object:
        async with serving(desk) as (_, port), connect(f"ws://127.0.0.1:{port}/?token={TOKEN}") as ws:
            return (await receive(ws))[0]

    assert isinstance(run(scenario()), Hello)


def test_a_browser_origin_not_in_the_allow_list_is_refused_with_403_even_with_the_token(desk: Desk) -> None:
    async def scenario() -> int:
        async with serving(desk, allowed_origins=("https://desk.example.com",)) as (_, port):
            return await refused_status(viewer(port, origin="https://evil.example.net"))

    assert run(scenario()) == 403


def test_a_listed_browser_origin_is_accepted(desk: Desk) -> None:
    async def scenario() -> object:
        async with (
            serving(desk, allowed_origins=("https://desk.example.com",)) as (_, port),
            viewer(port, origin="https://desk.example.com") as ws,
        ):
            return (await receive(ws))[0]

    assert isinstance(run(scenario()), Hello)


def test_the_page_served_by_the_server_itself_may_connect(desk: Desk) -> None:
    async def scenario() -> object:
        async with serving(desk) as (_, port), viewer(port, origin=f"http://127.0.0.1:{port}") as ws:
            return (await receive(ws))[0]

    assert isinstance(run(scenario()), Hello)


def test_a_websocket_upgrade_on_another_path_is_refused_with_404(desk: Desk) -> None:
    async def scenario() -> int:
        async with serving(desk) as (_, port):
            headers = {"Authorization": f"Bearer {TOKEN}"}
            return await refused_status(connect(f"ws://127.0.0.1:{port}/admin", additional_headers=headers))

    assert run(scenario()) == 404


def test_the_page_is_served_at_root_without_a_token_with_a_content_security_policy(
    desk: Desk, page_dir: Path
) -> None:
    async def scenario() -> tuple[int, dict[str, str], bytes]:
        async with serving(desk, page_dir=page_dir) as (_, port):
            return await http_get(port, "/")

    status, headers, body = run(scenario())
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert (
        "default-src 'self'" in CONTENT_SECURITY_POLICY
        and "connect-src 'self' ws: wss:" in CONTENT_SECURITY_POLICY
    )
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert body.startswith(b"<!doctype html>")


def test_the_page_with_the_token_in_its_url_is_the_same_page(desk: Desk, page_dir: Path) -> None:
    async def scenario() -> tuple[int, dict[str, str], bytes]:
        async with serving(desk, page_dir=page_dir) as (_, port):
            return await http_get(port, f"/index.html?token={TOKEN}")

    status, _, body = run(scenario())
    assert status == 200 and TOKEN.encode() not in body


@pytest.mark.parametrize(
    ("path", "content_type"), [("/viewer.js", "text/javascript"), ("/viewer.css", "text/css")]
)
def test_page_files_are_served_by_their_exact_name(
    desk: Desk, page_dir: Path, path: str, content_type: str
) -> None:
    async def scenario() -> tuple[int, dict[str, str], bytes]:
        async with serving(desk, page_dir=page_dir) as (_, port):
            return await http_get(port, path)

    status, headers, body = run(scenario())
    assert status == 200
    assert headers["content-type"].startswith(content_type)
    assert body == (page_dir / path[1:]).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/../outside.js",
        "/%2e%2e/outside.js",
        "/..%2foutside.js",
        "/viewer/../../outside.js",
        "//outside.js",
        "/.secret.js",
        "/linked.js",
        "/notes.txt",
        "/missing.js",
        "/index.html/",
        "/..\\outside.js",
    ],
)
def test_nothing_outside_the_page_files_is_served(desk: Desk, page_dir: Path, path: str) -> None:
    async def scenario() -> tuple[int, dict[str, str], bytes]:
        async with serving(desk, page_dir=page_dir) as (_, port):
            return await http_get(port, path)

    status, _, body = run(scenario())
    assert status == 404
    assert b"outside the page folder" not in body and b"hidden" not in body


def test_without_a_page_folder_the_root_says_to_use_the_desktop_viewer(desk: Desk) -> None:
    async def scenario() -> tuple[int, dict[str, str], bytes]:
        async with serving(desk) as (_, port):
            return await http_get(port, "/")

    status, _, body = run(scenario())
    assert status == 404 and b"--viewer" in body

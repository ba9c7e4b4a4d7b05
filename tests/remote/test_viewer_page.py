"""The browser viewer's files, checked without a browser: present, CSP-clean and free of HTML injection.

The server sends `default-src 'self'`, so inline script, inline style and event-handler attributes would
simply not run; these checks keep them from creeping in. The page's behaviour is tested in Chromium
(test_browser_viewer.py).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

PAGE_DIR = Path(__file__).resolve().parents[2] / "resources" / "viewer"
SCRIPTS = sorted(PAGE_DIR.glob("*.js"))


class _Tags(HTMLParser):
    """Collects every start tag with its attributes, and the text inside <script> and <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_code: list[str] = []
        self._inside: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._inside = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside is not None and data.strip():
            self.inline_code.append(data.strip())


@pytest.fixture(scope="module")
def page() -> _Tags:
    parser = _Tags()
    parser.feed((PAGE_DIR / "index.html").read_text(encoding="utf-8"))
    return parser


def test_the_page_files_exist() -> None:
    for name in ("index.html", "viewer.js", "viewer.css", "desk-state.js", "format.js"):
        assert (PAGE_DIR / name).is_file(), f"resources/viewer/{name} is missing"


def test_index_loads_viewer_js_and_viewer_css_as_files(page: _Tags) -> None:
    scripts = [attrs.get("src") for tag, attrs in page.tags if tag == "script"]
    styles = [
        attrs.get("href") for tag, attrs in page.tags if tag == "link" and attrs.get("rel") == "stylesheet"
    ]
    assert scripts == ["viewer.js"]
    assert styles == ["viewer.css"]


def test_index_has_no_inline_script_or_style(page: _Tags) -> None:
    assert page.inline_code == []
    assert not [tag for tag, attrs in page.tags if "style" in attrs]


def test_index_has_no_event_handler_attributes(page: _Tags) -> None:
    handlers = [(tag, name) for tag, attrs in page.tags for name in attrs if name.startswith("on")]
    assert handlers == []


def test_index_sets_a_viewport_for_phones(page: _Tags) -> None:
    viewports = [attrs for tag, attrs in page.tags if tag == "meta" and attrs.get("name") == "viewport"]
    assert viewports and "width=device-width" in (viewports[0].get("content") or "")


def test_index_loads_nothing_from_other_sites(page: _Tags) -> None:
    addresses = [attrs.get(key) or "" for _, attrs in page.tags for key in ("src", "href")]
    assert not [address for address in addresses if re.match(r"^([a-z]+:)?//", address)]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_scripts_never_insert_markup(script: Path) -> None:
    code = script.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in code, f"{script.name} uses {sink}; insert text with textContent"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_scripts_import_only_files_of_the_page(script: Path) -> None:
    imported = re.findall(r"""\bfrom\s+["']([^"']+)["']""", script.read_text(encoding="utf-8"))
    assert all(re.fullmatch(r"\./[a-z-]+\.js", name) for name in imported), imported
    assert all((PAGE_DIR / name[2:]).is_file() for name in imported)


def test_the_token_is_kept_in_session_storage_never_local_storage() -> None:
    code = "\n".join(script.read_text(encoding="utf-8") for script in SCRIPTS)
    assert "sessionStorage" in code
    assert "localStorage" not in code

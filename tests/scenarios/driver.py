"""How a person works the window: finds things by what they read, clicks, types and answers dialogs.

Nothing here calls a slot or emits a widget's signal. Widgets are found by their text, their label or
their window title; clicks and keys go through QTest to the widget under the pointer or with the focus.
A modal dialog or a popup menu runs its own event loop, so answering it is arranged before the click
that opens it (`Answer`), and runs from a timer inside that loop, as a person reacting to it would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, TypeVar, cast

from PyQt6.QtCore import QObject, QPoint, Qt, QTimer
from PyQt6.QtGui import QAction, QWindow
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QRadioButton,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

W = TypeVar("W", bound=QWidget)


class _Input(Protocol):
    """QTest's static input functions as this module calls them.

    PyQt6's stubs declare them as instance methods (`self: QTest`), so calling them on the class does not
    type-check; this protocol states the real, static signatures once.
    """

    def mouseClick(
        self, window: QWindow, button: Qt.MouseButton, modifier: Qt.KeyboardModifier, pos: QPoint
    ) -> None: ...

    def mouseDClick(
        self, window: QWindow, button: Qt.MouseButton, modifier: Qt.KeyboardModifier, pos: QPoint
    ) -> None: ...

    def mouseRelease(
        self, window: QWindow, button: Qt.MouseButton, modifier: Qt.KeyboardModifier, pos: QPoint
    ) -> None: ...

    def mouseMove(self, window: QWindow, pos: QPoint, delay: int = ...) -> None: ...

    def keyClick(
        self, target: QWindow | QWidget, key: Qt.Key | str, modifier: Qt.KeyboardModifier = ...
    ) -> None: ...

    def qWaitForWindowActive(self, window: QWindow, timeout: int) -> bool: ...


_input = cast(_Input, QTest)
POLL_MS = 20
PATIENCE_MS = 10_000


def shown_text(text: str) -> str:
    """A caption as a person reads it: no '&' mnemonics, no '&&' escapes, one line."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").replace("\n", " ").strip()


def visible(widget: QWidget) -> bool:
    return widget.isVisible() and widget.isEnabled()


def button(root: QWidget, text: str) -> QAbstractButton:
    """The one shown button whose caption starts with `text` (e.g. 'Buy' finds 'Buy at ASK 1.08729')."""
    found = [
        b
        for b in root.findChildren(QAbstractButton)
        if b.isVisible() and shown_text(b.text()).startswith(text)
    ]
    if len(found) != 1:
        captions = sorted(shown_text(b.text()) for b in root.findChildren(QAbstractButton) if b.isVisible())
        raise AssertionError(f"expected one button reading {text!r}, found {len(found)} among {captions}")
    return found[0]


def click(
    widget: QWidget | None,
    at: QPoint | None = None,
    button_: Qt.MouseButton = Qt.MouseButton.LeftButton,
    *,
    double: bool = False,
) -> None:
    """A click in the middle of a widget (or at `at`), delivered to its window as the system would.

    Going through the window (not straight to the widget) is what makes Qt do the rest a real click
    does: a right press opens the context menu, the widget under the pointer gets focus.
    """
    assert widget is not None and widget.isVisible(), f"{widget!r} is not shown, so it cannot be clicked"
    top = widget.window()
    handle = top.windowHandle()
    assert handle is not None, f"{top!r} has no native window"
    if not top.isActiveWindow() and not isinstance(top, QMenu):
        top.activateWindow()  # what the window system does with a click on a window in the background
        _input.qWaitForWindowActive(handle, 1000)
    if at is None and isinstance(widget, QCheckBox | QRadioButton):
        at = QPoint(8, widget.height() // 2)  # on the box itself: the widget may be wider than its text
    where = widget.mapTo(top, at or widget.rect().center())
    none = Qt.KeyboardModifier.NoModifier
    if double:
        _input.mouseDClick(handle, button_, none, where)
        # QTest leaves the button down after a double click; a hand lifts it (and the next click needs it up).
        _input.mouseRelease(handle, button_, none, where)
    else:
        _input.mouseClick(handle, button_, none, where)


def point_at(widget: QWidget | None, at: QPoint | None = None) -> None:
    """Move the mouse pointer over a widget (or a point of it), as a hand resting on the mouse does."""
    assert widget is not None and widget.isVisible(), f"{widget!r} is not shown, so it cannot be pointed at"
    top = widget.window()
    handle = top.windowHandle()
    assert handle is not None, f"{top!r} has no native window"
    _input.mouseMove(handle, widget.mapTo(top, at or widget.rect().center()))


def right_click(widget: QWidget | None, at: QPoint | None = None) -> None:
    click(widget, at, Qt.MouseButton.RightButton)


def double_click(widget: QWidget | None, at: QPoint | None = None) -> None:
    click(widget, at, double=True)


def click_button(root: QWidget, text: str) -> None:
    target = button(root, text)
    assert target.isEnabled(), f"the button {shown_text(target.text())!r} is disabled: {target.toolTip()!r}"
    click(target)


def type_into(field: QWidget, text: str, *, replace: bool = True) -> None:
    """Click into a field, select what is there (Ctrl+A) when replacing, and type over it."""
    click(field)
    assert has_focus(field), f"{field!r} did not take the keyboard focus"
    if replace:
        press(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_keys(field, text)


def type_keys(focused: QWidget, text: str) -> None:
    """Type `text` where the keyboard focus is (checked to be `focused`)."""
    assert has_focus(focused), f"the keyboard focus is on {QApplication.focusWidget()!r}, not {focused!r}"
    for character in text:
        _input.keyClick(_handle(focused), character)


def press(
    focused: QWidget, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """Press a key in `focused`'s window, where the focus is (checked: it must be `focused` or inside it)."""
    assert has_focus(focused), f"the keyboard focus is on {QApplication.focusWidget()!r}, not on {focused!r}"
    _input.keyClick(_handle(focused), key, modifiers)


def has_focus(widget: QWidget) -> bool:
    """Whether keys typed now reach `widget`: it, a part of it, or what holds it (a combo's line edit)."""
    current = QApplication.focusWidget()
    if current is None:
        return False
    return current is widget or widget.isAncestorOf(current) or current.isAncestorOf(widget)


def _handle(widget: QWidget) -> QWindow:
    handle = widget.window().windowHandle()
    assert handle is not None
    return handle


def field(root: QWidget, label: str, kind: type[W]) -> W:
    """The input of type `kind` the label reading `label` names: its buddy (what Alt+its mnemonic
    focuses), or the field beside it in a form (the first one under it)."""
    for candidate in root.findChildren(QLabel):
        if not candidate.isVisible() or shown_text(candidate.text()) != label:
            continue
        buddy = candidate.buddy()
        if isinstance(buddy, kind) and buddy.isVisible():
            return buddy
        parent = candidate.parentWidget()
        layouts = parent.findChildren(QFormLayout) if parent is not None else []
        own = parent.layout() if parent is not None else None
        if isinstance(own, QFormLayout):
            layouts.insert(0, own)
        for form in layouts:
            row, role = form.getWidgetPosition(candidate)
            if row < 0 or role != QFormLayout.ItemRole.LabelRole:
                continue
            item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if item is None:
                continue
            found = _first_of(_content(item), kind)
            if found is not None:
                return found
    raise AssertionError(f"no {kind.__name__} labelled {label!r} is shown")


def _first_of(part: QWidget | QLayout | None, kind: type[W]) -> W | None:
    if isinstance(part, kind):
        return part
    if isinstance(part, QWidget):
        inner = [w for w in part.findChildren(kind) if w.isVisible()]
        return inner[0] if inner else None
    if isinstance(part, QLayout):
        for index in range(part.count()):
            item = part.itemAt(index)
            if item is None:
                continue
            found = _first_of(_content(item), kind)
            if found is not None:
                return found
    return None


def _content(item: QLayoutItem) -> QWidget | QLayout | None:
    # Not `widget() or layout()`: an empty combo box or list is falsy (it has a length).
    widget = item.widget()
    return widget if widget is not None else item.layout()


def window_titled(title: str) -> QWidget:
    """The shown top-level window whose title starts with `title`."""
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible() and widget.windowTitle().startswith(title):
            return widget
    titles = [w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible()]
    raise AssertionError(f"no window titled {title!r} is shown; shown: {titles}")


def wait_for_window(qtbot: QtBot, title: str, timeout: int = PATIENCE_MS) -> QWidget:
    """The window titled `title`, once it is on screen."""
    qtbot.waitUntil(lambda: is_shown(title), timeout=timeout)
    return window_titled(title)


def is_shown(title: str) -> bool:
    """Whether a window titled `title` is on screen."""
    return any(w.isVisible() and w.windowTitle().startswith(title) for w in QApplication.topLevelWidgets())


def pick(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Open a drop-down list and click the entry reading `text`."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered: {[combo.itemText(i) for i in range(combo.count())]}"
    click(combo)
    view = combo.view()
    assert view is not None
    qtbot.waitUntil(view.isVisible, timeout=PATIENCE_MS)
    model = view.model()
    assert model is not None
    click(view.viewport(), view.visualRect(model.index(index, combo.modelColumn())).center())
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=PATIENCE_MS)
    assert combo.currentText() == text


# -- menus ---------------------------------------------------------------------------------------------


def menu_item(menu: QMenu, text: str) -> QAction:
    for action in menu.actions():
        if shown_text(action.text()) == text:
            return action
    raise AssertionError(f"menu has no item {text!r}: {[shown_text(a.text()) for a in menu.actions()]}")


def click_menu_item(menu: QMenu, text: str) -> None:
    """Click an item of a shown menu where it is drawn."""
    action = menu_item(menu, text)
    assert action.isEnabled(), f"menu item {text!r} is disabled"
    click(menu, menu.actionGeometry(action).center())


def choose(qtbot: QtBot, window: QMainWindow, *path: str) -> None:
    """Pick an item from the menu bar: choose(window, 'View', 'Theme', 'Dark')."""
    bar = window.menuBar()
    top = next(
        (a for a in bar.actions() if shown_text(a.text()) == path[0]),
        None,
    )
    assert top is not None, f"no menu {path[0]!r} in {[shown_text(a.text()) for a in bar.actions()]}"
    click(bar, bar.actionGeometry(top).center())
    menu = top.menu()
    assert menu is not None
    for step in path[1:-1]:
        qtbot.waitUntil(menu.isVisible, timeout=PATIENCE_MS)
        sub = menu_item(menu, step)
        click_menu_item(menu, step)
        inner = sub.menu()
        assert inner is not None
        menu = inner
    qtbot.waitUntil(menu.isVisible, timeout=PATIENCE_MS)
    click_menu_item(menu, path[-1])


def toolbar_button(window: QMainWindow, text: str) -> QToolButton:
    """The tool bar's button reading `text`."""
    for tool in window.findChildren(QToolButton):
        action = tool.defaultAction()
        if tool.isVisible() and action is not None and shown_text(action.text()) == text:
            return tool
    raise AssertionError(f"no tool bar button reading {text!r}")


# -- answering what pops up -----------------------------------------------------------------------------


class Answer(QObject):
    """Waits (from a timer, so also inside a modal loop) for a modal dialog or popup menu, then answers it.

    `kind` picks what to wait for: the active modal widget ('modal') or the active popup ('popup').
    `answered` is set once the answer ran; `seen` is the widget it was given. The answer itself runs
    as a posted event, not inside the timer: a dialog it opens runs its own loop, and Qt fires no other
    timer (such as the next Answer's) inside a loop nested in a timer's slot.
    """

    def __init__(
        self, respond: Callable[[QWidget], None], *, kind: str = "modal", patience_ms: int = PATIENCE_MS
    ) -> None:
        super().__init__()
        self._respond = respond
        self._kind = kind
        self._deadline = time.monotonic() + patience_ms / 1000
        self._there_before = self._current()  # the next one is wanted, not what is up already
        self.seen: QWidget | None = None
        self.title = self.text = self.details = ""  # what it said (the text of a message box)
        self.answered = False
        self.error: BaseException | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._look)
        self._timer.start()

    def _current(self) -> QWidget | None:
        if self._kind == "popup":
            return QApplication.activePopupWidget()
        return QApplication.activeModalWidget()

    def _look(self) -> None:
        widget = self._current()
        if widget is None or not widget.isVisible() or widget is self._there_before:
            if time.monotonic() > self._deadline:
                self._timer.stop()
                self.error = AssertionError(f"no {self._kind} appeared in time")
            return
        self._timer.stop()
        self.seen = widget
        QTimer.singleShot(0, self._answer)  # Qt queues a zero-delay single shot as a posted call

    def _answer(self) -> None:
        widget = self.seen
        assert widget is not None
        self.title = widget.windowTitle()
        if isinstance(widget, QMessageBox):
            self.text, self.details = widget.text(), widget.informativeText()
        try:
            self._respond(widget)
        except BaseException as error:  # kept for the test to raise: an exception here would abort Qt
            self.error = error
            if widget.isVisible() and isinstance(widget, QDialog):
                widget.reject()
            elif isinstance(widget, QMenu):
                widget.close()
        self.answered = True

    def stop(self) -> None:
        """Stop waiting (for a dialog that must not appear)."""
        self._timer.stop()

    def wait(self, qtbot: QtBot, timeout: int = PATIENCE_MS) -> QWidget:
        """Wait until answered and re-raise what went wrong while answering."""
        qtbot.waitUntil(lambda: self.answered or self.error is not None, timeout=timeout)
        if self.error is not None:
            raise self.error
        assert self.seen is not None
        return self.seen


def answer_modal(respond: Callable[[QWidget], None]) -> Answer:
    return Answer(respond, kind="modal")


def answer_popup(respond: Callable[[QWidget], None]) -> Answer:
    return Answer(respond, kind="popup")


def pick_from_menu(text: str) -> Callable[[QWidget], None]:
    def respond(menu: QWidget) -> None:
        assert isinstance(menu, QMenu), f"expected a menu, got {menu!r}"
        click_menu_item(menu, text)

    return respond


def dismiss(popup: QWidget) -> None:
    """Escape, as a person leaves a menu or dialog without choosing."""
    _input.keyClick(popup, Qt.Key.Key_Escape)


def press_button(text: str) -> Callable[[QWidget], None]:
    def respond(dialog: QWidget) -> None:
        click_button(dialog, text)

    return respond


def save_as(target: object) -> Callable[[QWidget], None]:
    """Answer a file dialog as a person saving to `target`: select the focused name field, type, Enter."""

    def respond(dialog: QWidget) -> None:
        name = QApplication.focusWidget()  # the file name field has the focus
        assert isinstance(name, QLineEdit) and dialog.isAncestorOf(name)
        press(name, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        type_keys(name, str(target))
        press(name, Qt.Key.Key_Return)

    return respond


# -- tables ---------------------------------------------------------------------------------------------


def row_point(view: QAbstractItemView, row: int, column: int = 0) -> QPoint:
    model = view.model()
    assert model is not None
    index = model.index(row, column)
    view.scrollTo(index)
    return view.visualRect(index).center()


def cell_texts(view: QAbstractItemView, row: int) -> list[str]:
    model = view.model()
    assert model is not None
    return [str(model.index(row, column).data() or "") for column in range(model.columnCount())]


def header_texts(view: QAbstractItemView) -> list[str]:
    model = view.model()
    assert model is not None
    return [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]


def row_as_dict(view: QAbstractItemView, row: int) -> dict[str, str]:
    return dict(zip(header_texts(view), cell_texts(view, row), strict=True))

"""Settings → Risk, typed into as a trader does: every limit with its bounds and meaning, and refusals."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backend
import pytest
from PyQt6.QtWidgets import QDoubleSpinBox, QLabel, QSpinBox, QTabWidget
from pytestqt.qtbot import QtBot

from app.core.risk_limits import RISK_LIMITS
from app.core.settings import RiskSettings, Settings
from app.ui.settings.settings_dialog import SettingsDialog
from tests.scenarios.driver import button, click, field, type_into
from tests.scenarios.steps import show_tab
from tests.ui.settings.test_settings_dialog import MemoryKeyring


@pytest.fixture(autouse=True)
def memory() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def dialog(qtbot: QtBot) -> SettingsDialog:
    shown = SettingsDialog(Settings(), account_currency="USD")
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    (tabs,) = shown.findChildren(QTabWidget)
    show_tab(tabs, "Risk")
    return shown


def shown_texts(dialog: SettingsDialog) -> list[str]:
    return [label.text() for label in dialog.findChildren(QLabel) if label.isVisible() and label.text()]


def test_every_limit_is_on_the_page_with_what_it_does_and_its_bounds(dialog: SettingsDialog) -> None:
    texts = shown_texts(dialog)
    for limit in RISK_LIMITS:
        box: QSpinBox | QDoubleSpinBox = (
            field(dialog, limit.label, QSpinBox)
            if limit.whole
            else field(dialog, limit.label, QDoubleSpinBox)
        )
        assert box.value() == getattr(RiskSettings(), limit.key)
        assert any(limit.explanation in text and limit.bounds_text("USD") in text for text in texts), (
            limit.key
        )
    assert field(dialog, "Daily loss limit", QDoubleSpinBox).suffix() == " USD"
    assert any("no restart is needed" in text for text in texts)


def test_limits_typed_on_the_page_are_the_settings_saved(dialog: SettingsDialog) -> None:
    type_into(field(dialog, "Max lot per trade", QDoubleSpinBox), "0.25")
    type_into(field(dialog, "Daily loss limit", QDoubleSpinBox), "150")
    type_into(field(dialog, "Cooldown after losses", QSpinBox), "0")
    click(button(dialog, "Allow trading on a real account"))

    click(button(dialog, "OK"))

    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    risk = dialog.result_settings().risk
    assert (risk.max_lot_per_trade, risk.daily_loss_limit, risk.cooldown_after_losses) == (0.25, 150.0, 0)
    assert risk.allow_real_account is True


def test_a_limit_beyond_its_bounds_is_refused_with_the_bounds_and_ok_waits(dialog: SettingsDialog) -> None:
    type_into(field(dialog, "Max trades per day", QSpinBox), "20000")

    assert "Must be a whole number between 1 and 10000, got 20000" in shown_texts(dialog)
    assert not button(dialog, "OK").isEnabled()

    type_into(field(dialog, "Max trades per day", QSpinBox), "200")

    assert button(dialog, "OK").isEnabled()
    assert dialog.result_settings().risk.max_trades_per_day == 200


def test_a_zero_lot_limit_is_refused_rather_than_blocking_every_order_silently(
    dialog: SettingsDialog,
) -> None:
    type_into(field(dialog, "Max lot per trade", QDoubleSpinBox), "0")

    assert any(text.startswith("Must be a number between 0.001 and 10000") for text in shown_texts(dialog))
    assert not button(dialog, "OK").isEnabled()

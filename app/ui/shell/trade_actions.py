"""TradeActions: what the desk window does when the trader asks to trade. It opens the order ticket, the
modify dialog and the training dialog, asks before closing, and routes each resulting order to the
account it belongs to.

Nothing here sends anything: orders leave through `order_requested` (account id, OrderRequest) and other
engine commands through `command_requested`, which the main window passes on to the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, QSettings, Qt, pyqtSignal, pyqtSlot
from PyQt6.QtWidgets import QMainWindow, QMessageBox

from app.core.account_directory import AccountFocus
from app.core.enums import OrderAction, Timeframe
from app.core.models import OrderRequest, Position
from app.core.state import DeskState, PositionKey
from app.engine.commands import RegisterModelCommand
from app.engine.queries import TerminalQueries
from app.ml.money import settings_from_backtest
from app.ui.positions.positions_view import CloseGroup, PositionsView
from app.ui.shell.bulk_close import close_request, confirm_close_many
from app.ui.shell.close_accounts_dialog import confirm_close_accounts
from app.ui.trading.modify_dialog import ModifyDialog, confirm_close
from app.ui.trading.order_ticket import OrderTicket, TicketAccount
from app.ui.trading.ticket_memory import load_ticket_memory, save_ticket_memory
from app.ui.widgets.order_fields import StopUnit

if TYPE_CHECKING:
    from app.ml.manifest import ModelManifest
    from app.ui.models.training_dialog import TrainingDialog


class TradeActions(QObject):
    """The trading desk's dialogs and confirmations, over the window's positions table and desk state.

    The panels made for one account (order ticket, training) follow `focus` (None: the first account the
    desk lists); a close or modify goes to the position's own account.
    """

    order_requested = pyqtSignal(str, object)  # account id, OrderRequest
    command_requested = pyqtSignal(object)  # RegisterModelCommand for a model just trained

    def __init__(
        self,
        window: QMainWindow,
        positions: PositionsView,
        state: DeskState,
        focus: AccountFocus,
        *,
        terminal_queries: TerminalQueries | None,
        terminal_queries_for: Callable[[str], TerminalQueries] | None,
        models_dir: Path | None,
        window_state: QSettings | None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._positions = positions
        self._state = state
        self._focus = focus
        # A position's own terminal answers its dialogs (quotes, symbol specs); the trading account's else.
        self._terminal_queries = terminal_queries
        self._queries_for = terminal_queries_for
        self._models_dir = models_dir
        self._window_state = window_state
        self._ticket_memory = load_ticket_memory(window_state)

    def connect_positions(self) -> None:
        """Answer the positions table's requests (close, modify, new order, close many)."""
        self._positions.close_requested.connect(self._close_position)
        self._positions.modify_requested.connect(self._modify_position)
        self._positions.new_order_requested.connect(self.open_order_ticket)
        self._positions.close_many_requested.connect(self._close_many)

    # ---- accounts ---------------------------------------------------------------------------------
    def trading_account(self) -> str | None:
        """The account the order ticket and the training dialog work on."""
        if self._focus.account_id is None and self._state.first is not None:
            return self._state.first.account_id
        return self._focus.account_id

    def currency_of(self, account_id: str | None) -> str:
        """The account's currency, "" while unknown."""
        state = self._state.get(account_id) if account_id is not None else None
        return state.account.currency if state is not None and state.account is not None else ""

    def _queries_of(self, account_id: str) -> TerminalQueries | None:
        return self._queries_for(account_id) if self._queries_for is not None else self._terminal_queries

    # ---- order ticket -----------------------------------------------------------------------------
    @pyqtSlot()
    def open_order_ticket(self) -> OrderTicket | None:
        """The order ticket, as MT5 opens it: on the selected position's symbol, else the last one traded,
        with the last volume and SL/TP unit.

        On a desk of several accounts it asks which account: the selected position's, else the last
        order's (while that account is on), else the desk's trading account."""
        if self._terminal_queries is None:
            return None
        selected = self._positions.selected_key()
        position = self._shown_position(selected) if selected is not None else None
        memory = self._ticket_memory
        accounts = self._ticket_accounts()
        offered = {entry.account_id for entry in accounts}
        if selected is not None:
            account_id: str | None = selected[0]
        elif memory.account_id in offered:
            account_id = memory.account_id
        else:
            account_id = self.trading_account()
        queries = self._queries_of(account_id) if account_id is not None else None
        if account_id is None or queries is None:
            return None
        ticket = OrderTicket(
            queries,
            position.symbol if position is not None else memory.symbol,
            account_currency=self.currency_of(account_id),
            parent=self._window,
            volume=memory.volume,
            stop_unit=memory.unit,
            accounts=accounts,
            account_id=account_id,
        )
        ticket.account_order_requested.connect(self.order_requested)
        ticket.account_order_requested.connect(
            lambda chosen, request: self._remember_ticket(request, ticket.stops.unit, chosen)
        )
        ticket.stops.unit_changed.connect(lambda unit: self._remember_ticket(None, unit))
        ticket.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        ticket.show()
        return ticket

    def _ticket_accounts(self) -> tuple[TicketAccount, ...]:
        """The switched-on accounts the ticket may place an order on, each with its own terminal's read
        path (none without per-account read paths: a window of one account)."""
        queries_for = self._queries_for
        if queries_for is None:
            return ()
        return tuple(
            TicketAccount(
                state.account_id,
                state.label,
                self.currency_of(state.account_id),
                queries_for(state.account_id),
            )
            for state in self._state.accounts.values()
            if state.enabled
        )

    def _remember_ticket(self, placed: OrderRequest | None, unit: StopUnit, account_id: str = "") -> None:
        memory = replace(self._ticket_memory, unit=unit)
        if placed is not None:
            memory = replace(memory, symbol=placed.symbol, volume=placed.volume, account_id=account_id)
        self._ticket_memory = memory
        save_ticket_memory(self._window_state, memory)

    # ---- positions --------------------------------------------------------------------------------
    def _shown_position(self, key: PositionKey) -> Position | None:
        """The position as its row shows it: the row the trader acts on is fed by the hub's typed signal,
        which arrives a moment before the desk's folded state hears of the same event."""
        return self._positions.model.position(key) or self._state.position(key)

    def _still_busy(self, key: PositionKey) -> bool:
        """True (and the status bar says why) while an order for this position is in flight."""
        busy = self._positions.model.busy(key)
        status_bar = self._window.statusBar()
        if busy and status_bar is not None:
            status_bar.showMessage(
                f"#{key[1]} is {busy} wait for MetaTrader 5's answer before sending another order for it.",
                10_000,
            )
        return bool(busy)

    @pyqtSlot(object, object)
    def _close_position(self, key: PositionKey, volume: float | None) -> None:
        account_id, ticket = key
        position = self._shown_position(key)
        if position is None:
            QMessageBox.information(self._window, "Close position", f"Position #{ticket} is already closed.")
            return
        if self._still_busy(key):
            return
        # None closes the whole position (the menu's Close position, Delete, Ctrl+W): confirm its volume.
        currency = self.currency_of(account_id)
        if confirm_close(self._window, position, position.volume if volume is None else volume, currency):
            request = OrderRequest(
                action=OrderAction.CLOSE, symbol=position.symbol, ticket=ticket, volume=volume
            )
            self.order_requested.emit(account_id, request)

    @pyqtSlot(object)
    def _modify_position(self, key: PositionKey) -> None:
        position = self._shown_position(key)
        account_id = key[0]
        queries = self._queries_of(account_id)
        if position is None or self._terminal_queries is None or queries is None or self._still_busy(key):
            return
        dialog = ModifyDialog(queries, position, self._window, currency=self.currency_of(account_id))
        dialog.order_requested.connect(lambda request: self.order_requested.emit(account_id, request))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        hold = f"modify-{account_id}-{key[1]}"  # the row stays put while the trader works on it
        self._positions.model.hold(hold)
        dialog.finished.connect(lambda _result: self._positions.model.hold(hold, False))
        dialog.show()

    @pyqtSlot(object, object)
    def _close_many(self, group: CloseGroup, positions: list[tuple[PositionKey, Position]]) -> None:
        """One question listing them all (with the accounts to tick when they span several), then one close
        each, to each position's own account."""
        accounts = list(dict.fromkeys(key[0] for key, _position in positions))
        if len(accounts) > 1:
            labels = {a: state.label for a in accounts if (state := self._state.get(a)) is not None}
            currencies = {a: self.currency_of(a) for a in accounts}
            positions = confirm_close_accounts(self._window, group, positions, labels, currencies)
        else:
            currency = self.currency_of(accounts[0]) if accounts else ""
            shown = [position for _key, position in positions]
            if not confirm_close_many(self._window, group, shown, currency):
                return
        for (account_id, _ticket), position in positions:
            self.order_requested.emit(account_id, close_request(position))

    # ---- training ---------------------------------------------------------------------------------
    @pyqtSlot()
    def open_training_dialog(self) -> TrainingDialog | None:
        """The training dialog; a saved model is registered with the desk, switched off."""
        if self._models_dir is None:
            return None
        from app.ui.models.training_dialog import (
            TrainingDialog,  # scikit-learn loads on first use, not at start
        )

        dialog = TrainingDialog(
            self._terminal_queries,
            self._models_dir,
            self._window,
            account_currency=self.currency_of(self.trading_account()),
        )
        dialog.model_saved.connect(self._register_trained)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @pyqtSlot(object, object)
    def _register_trained(self, manifest: ModelManifest, model_file: Path) -> None:
        # The backtest's lot size and threshold: the figures the trader saw are the ones it trades with.
        settings = settings_from_backtest(
            manifest.symbol, Timeframe(manifest.timeframe), manifest.backtest_money
        )
        account_id = self.trading_account()
        if account_id is None:
            return
        self.command_requested.emit(
            RegisterModelCommand(
                model_file=model_file, manifest=manifest, settings=settings, account_id=account_id
            )
        )

"""AccountPanel: the account's figures at a glance, live from ACCOUNT_UPDATE and PNL_UPDATE.

On a desk of several accounts the account strip (one line per account, totals per currency) sits above the
figures, which then show the account chosen in the strip; a one-account desk shows no strip.
Events only fold into the panel's state and mark it dirty; the window's repaint timer (`WindowTimer`,
see `attach`) calls `flush` at most every 100 ms, and renews the strip's "down since" ages once a second.
Today's closed P&L comes from the journal through `JournalQueries` (a thread pool, never the GUI thread):
at start, shortly after positions close, and every minute.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PyQt6.QtCore import QEvent, Qt, QTimer, pyqtSlot
from PyQt6.QtGui import QColor, QFont, QPalette
from PyQt6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core.account_directory import AccountFocus
from app.core.enums import AccountTradeMode
from app.core.events import AccountsUpdate, AccountUpdate, Event, PnlUpdate, PositionsUpdate, Snapshot
from app.core.models import Account
from app.core.number_format import format_money, masked_login
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.ui.account.account_strip import AccountStrip
from app.ui.widgets.columns import money_colour, trade_colours
from app.ui.widgets.window_timer import WindowTimer

log = logging.getLogger(__name__)

TODAY_REFRESH_MS = 60_000
TODAY_TIMER_NAME = "today-closed-pnl"
AGE_REFRESH_MS = 1_000
# The desk journals a closed position's deals just after publishing the POSITIONS_UPDATE that removes
# it; asking a moment later finds them (the minute refresh catches anything slower).
TODAY_AFTER_CLOSE_MS = 1_500
MISSING = "—"
TODAY_TOOLTIP = "Realised P&L (with commission, swap and fees) of deals since 00:00 UTC today"

# (key, caption, tooltip) in reading order: left column top to bottom, then the right column.
_GRID: tuple[tuple[str, str, str], ...] = (
    ("balance", "Balance", "Deposits plus closed trades"),
    ("margin", "Margin", "Margin held by open positions"),
    ("margin_free", "Free margin", "Equity minus margin: what new positions can use"),
    ("margin_level", "Margin level", "Equity / margin × 100; the broker's stop-out acts on this"),
    ("leverage", "Leverage", ""),
    ("server", "Server", "Trade server"),
    ("floating", "Floating P&L", "Profit and swap of the open positions"),
    ("today_closed", "Today's closed P&L", TODAY_TOOLTIP),
    ("currency", "Currency", "Account currency"),
    ("account_type", "Account", "Demo, contest or real money"),
    ("login", "Login", "Account number"),
)
_LEFT_ROWS = 6
KEYS = ("equity", *(key for key, _, _ in _GRID))


def start_of_today_utc(now: datetime | None = None) -> datetime:
    """00:00 UTC of the current (or the given) day: where "today's closed P&L" starts."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class AccountPanel(QWidget):
    """Balance, equity, margins, floating and today's closed P&L, leverage, server/login, account type."""

    def __init__(
        self,
        queries: JournalQueries | None = None,
        *,
        mask_login: bool = False,
        account_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._queries = queries
        # The account shown: the one given, else the first the desk lists (the account strip shows all).
        self.focus = AccountFocus(account_id)
        self._mask_login = mask_login
        self._account: Account | None = None
        self._today: float | None = None
        self._today_error = ""
        self._today_request: int | None = None
        self._dirty = False
        self.strip = AccountStrip(self, mask_login=mask_login)
        self.strip.account_chosen.connect(self.follow)

        self._build()

        self._today_timer = QTimer(self)
        self._today_timer.setObjectName(TODAY_TIMER_NAME)  # a journal query, not a repaint
        self._today_timer.setInterval(TODAY_REFRESH_MS)
        self._today_timer.timeout.connect(self.refresh_today_closed)
        self._today_soon = QTimer(self)
        self._today_soon.setSingleShot(True)
        self._today_soon.setInterval(TODAY_AFTER_CLOSE_MS)
        self._today_soon.timeout.connect(self.refresh_today_closed)
        if queries is not None:
            queries.closed_profit_loaded.connect(self._on_today_loaded)
            queries.failed.connect(self._on_query_failed)
            self._today_timer.start()
            self.refresh_today_closed()
        self.flush()

    # --- layout ------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.values: dict[str, QLabel] = {}
        caption = QLabel("Equity", self)
        caption.setToolTip("Balance plus floating P&L")
        self._mute(caption)
        self.type_badge = QLabel(self)
        self.type_badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.type_badge.setContentsMargins(8, 2, 8, 2)
        equity = self._value_label("equity")
        font = QFont(equity.font())
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        equity.setFont(font)
        equity.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        equity.setToolTip(caption.toolTip())

        # Whose figures these are, when the desk has several accounts.
        self.account_name = QLabel(self)
        self.account_name.setObjectName("account_name")
        name_font = QFont(self.account_name.font())
        name_font.setBold(True)
        self.account_name.setFont(name_font)
        top = QHBoxLayout()
        top.addWidget(caption)
        top.addWidget(self.account_name)
        top.addStretch(1)
        top.addWidget(self.type_badge)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        for index, (key, text, tooltip) in enumerate(_GRID):
            row, column = index % _LEFT_ROWS, 3 * (index // _LEFT_ROWS)
            label = QLabel(text, self)
            self._mute(label)
            value = self._value_label(key)
            for widget in (label, value):
                widget.setToolTip(tooltip)
            grid.addWidget(label, row, column)
            grid.addWidget(value, row, column + 1)
        grid.setColumnMinimumWidth(2, 16)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(4, 1)

        rule = QFrame(self)
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.addWidget(self.strip)
        layout.addLayout(top)
        layout.addWidget(equity)
        layout.addWidget(rule)
        layout.addLayout(grid)
        layout.addStretch(1)

    def _value_label(self, key: str) -> QLabel:
        label = QLabel(MISSING, self)
        label.setObjectName(f"account_{key}")
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.values[key] = label
        return label

    def _mute(self, label: QLabel) -> None:
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # follows a theme switch by itself

    # --- feeding -----------------------------------------------------------------------------------

    def subscribe(self, hub: EventHub) -> None:
        """Follow the hub's account list, snapshots, account reads, P&L ticks, link states and closes."""
        hub.accounts_update.connect(self.apply)
        hub.status_update.connect(self.apply)
        hub.snapshot.connect(self.apply)
        hub.account_update.connect(self.apply)
        hub.pnl_update.connect(self.apply)
        hub.positions_update.connect(self.apply)

    def apply(self, event: Event) -> None:
        """Fold one event in; the labels follow at the next flush."""
        if self.strip.apply(event):
            self._mark_dirty()
        if isinstance(event, AccountsUpdate):
            self.focus.shows(event)
            self._mark_dirty()  # the strip shows or hides, the account's name with it
            return
        if isinstance(event, Snapshot):
            # No account in a snapshot means the terminal did not answer, not that the account is gone.
            view = self.focus.view(event)
            if view is not None and view.account is not None:
                self._account = view.account
        elif not self.focus.shows(event):
            return
        elif isinstance(event, AccountUpdate):
            self._account = event.account
        elif isinstance(event, PnlUpdate):
            self._apply_pnl(event)
        elif isinstance(event, PositionsUpdate):
            if event.removed or event.modified:  # a close or a partial close realises P&L
                self._today_soon.start()
            return
        else:
            return
        self._mark_dirty()

    def _apply_pnl(self, event: PnlUpdate) -> None:
        account = self._account
        if account is None:
            return  # its equity was computed without a known balance
        self._account = account.moved(event.equity, event.floating_total)

    @pyqtSlot(str)
    def follow(self, account_id: str) -> None:
        """Show this account's figures (the trader chose its line in the strip)."""
        if account_id == self.focus.account_id:
            return
        self.focus.follow(account_id)
        self.strip.show_chosen(account_id)
        self._mark_dirty()
        line = self.strip.lines.get(account_id)
        self._account = line.account if line is not None else None
        self._today, self._today_error, self._today_request = None, "", None
        self.refresh_today_closed()
        self._mark_dirty()

    def refresh_today_closed(self) -> None:
        """Ask the journal (off the GUI thread) for the P&L realised since 00:00 UTC today."""
        if self._queries is not None:
            account_id = self.focus.account_id
            if account_id is not None:
                self._today_request = self._queries.load_closed_profit(start_of_today_utc(), account_id)

    def _on_today_loaded(self, request_id: int, profit: float) -> None:
        if request_id != self._today_request:
            return  # another widget's question, or an older one of ours
        self._today, self._today_error = profit, ""
        self._mark_dirty()

    def _on_query_failed(self, request_id: int, error: str) -> None:
        if request_id != self._today_request:
            return
        log.error("today's closed P&L could not be read: %s", error)
        self._today_error = error
        self._mark_dirty()

    @property
    def mask_login(self) -> bool:
        return self._mask_login

    def set_mask_login(self, mask: bool) -> None:
        """Show only the last four digits of the login (and hide the account holder's name)."""
        self._mask_login = mask
        self.strip.set_mask_login(mask)
        self._mark_dirty()

    @pyqtSlot()
    def attach(self, timer: WindowTimer) -> None:
        """Repaint from the window's repaint timer: the ages once a second ("Disconnected 3 min ago" in the
        strip grows while an account is down), then whatever changed, in the same tick."""
        timer.add(self.renew_ages, every_ms=AGE_REFRESH_MS)
        timer.add(self.flush_if_dirty)

    def renew_ages(self) -> None:
        """Mark the panel dirty while the strip shows an age that has grown."""
        if self.strip.renew_ages():
            self._mark_dirty()

    def flush_if_dirty(self) -> None:
        if self._dirty:
            self.flush()

    def _mark_dirty(self) -> None:
        self._dirty = True

    # --- painting ----------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self._dirty

    def flush(self) -> None:
        """Write the folded state into the labels (the timer calls this; tests may too)."""
        self._dirty = False
        account = self._account
        several = self.strip.lines.several
        if self.strip.dirty:
            self.strip.flush()
        self.strip.setVisible(several)
        shown_id = self.focus.account_id
        line = self.strip.lines.get(shown_id) if several and shown_id is not None else None
        self.account_name.setText(f"· {line.label}" if line is not None else "")
        self.account_name.setVisible(line is not None)
        self._show_today()
        if account is None:
            for key in KEYS:
                if key != "today_closed":
                    self._set(key, MISSING)
            self._set_badge(None)
            return
        currency, digits = account.currency, account.currency_digits
        self._set("equity", format_money(account.equity, currency, digits=digits))
        self._set("balance", format_money(account.balance, digits=digits))
        self._set("margin", format_money(account.margin, digits=digits))
        self._set("margin_free", format_money(account.margin_free, digits=digits))
        if account.margin > 0:
            low = account.margin_level < 100
            self._set("margin_level", f"{account.margin_level:,.2f} %", trade_colours().loss if low else None)
        else:
            self._set("margin_level", MISSING)  # no margin in use: the level is undefined
        floating = format_money(account.profit, signed=True, digits=digits)
        self._set("floating", floating, money_colour(account.profit))
        self._set("leverage", f"1:{account.leverage}")
        self._set("currency", currency)
        self._set("server", account.server)
        self._set("login", masked_login(account.login) if self._mask_login else str(account.login))
        holder = "" if self._mask_login else f"{account.name} · {account.company}".strip(" ·")
        self.values["login"].setToolTip(f"Account number\n{holder}" if holder else "Account number")
        self._set("account_type", account.trade_mode.value.capitalize())
        self._set_badge(account.trade_mode)

    def _show_today(self) -> None:
        label = self.values["today_closed"]
        if self._queries is None:
            self._set("today_closed", MISSING)
            label.setToolTip("Needs the desk's own journal; a remote viewer does not have it")
        elif self._today_error:
            self._set("today_closed", "unavailable", trade_colours().loss)
            label.setToolTip(f"{self._today_error}\nIt is asked for again every minute.")
        elif self._today is None:
            self._set("today_closed", MISSING)
            label.setToolTip("Reading the journal…")
        else:
            digits = self._account.currency_digits if self._account else 2
            today = format_money(self._today, signed=True, digits=digits)
            self._set("today_closed", today, money_colour(self._today))
            label.setToolTip(TODAY_TOOLTIP)

    def _set(self, key: str, text: str, colour: QColor | None = None) -> None:
        label = self.values[key]
        label.setText(text)
        palette = label.palette()
        palette.setColor(
            QPalette.ColorRole.WindowText, colour or self.palette().color(QPalette.ColorRole.WindowText)
        )
        label.setPalette(palette)

    def _set_badge(self, mode: AccountTradeMode | None) -> None:
        badge = self.type_badge
        if mode is None:
            badge.setText("")
            badge.setStyleSheet("")
            return
        # Real money gets the loud colour: a trader must never mistake it for the demo.
        colour = trade_colours().loss if mode is AccountTradeMode.REAL else trade_colours().buy
        badge.setText(mode.value.upper())
        ink = "black" if colour.lightness() > 140 else "white"  # the dark theme's colours are light
        badge.setStyleSheet(
            f"color: {ink}; background: {colour.name()}; border-radius: 4px; font-weight: bold;"
        )
        badge.setToolTip("Real money account" if mode is AccountTradeMode.REAL else "Not real money")

    # --- reading (tests, main window) --------------------------------------------------------------

    def value_text(self, key: str) -> str:
        """What the panel shows for `key` (one of KEYS)."""
        return self.values[key].text()

    def value_colour(self, key: str) -> QColor:
        return self.values[key].palette().color(QPalette.ColorRole.WindowText)

    def changeEvent(self, event: QEvent | None) -> None:
        super().changeEvent(event)
        if event is not None and event.type() == QEvent.Type.PaletteChange and hasattr(self, "values"):
            self._mark_dirty()  # a theme switch picks the matching gain/loss colours
